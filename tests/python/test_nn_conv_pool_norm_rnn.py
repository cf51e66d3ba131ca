"""nn normalisation layers (BatchNorm/InstanceNorm, GroupNorm, RMSNorm, LocalResponseNorm), convolution,
padding, pooling and recurrent layers, each against PyTorch: values and gradients in float64, reprs, errors,
seeded default init."""

import fastgrad
import fastgrad.nn as nn
import fastgrad.nn.functional as F
import numpy as np
import pytest

torch = pytest.importorskip("torch")

from nn_helpers import assert_close, check_both, rng, values  # noqa: E402

# ---- normalisation layers ----


def _copy_state(fm, tm):
    from collections import OrderedDict

    fm.load_state_dict(
        OrderedDict((k, fastgrad.from_numpy(v.detach().numpy().copy())) for k, v in tm.state_dict().items())
    )


def _randomize_affine(tm, seed=0):
    with torch.no_grad():
        for p in tm.parameters():
            p.copy_(torch.from_numpy(rng(seed).uniform(0.5, 1.5, tuple(p.shape))))


def _train_then_eval(fm, tm, shape, steps=3):
    """A few training-mode steps (outputs, input and parameter gradients, running statistics), then eval."""
    _copy_state(fm, tm)
    for step in range(steps):
        check_both(fm, tm, [values(shape, seed=10 + step) * 2 + 0.5])
        for (name, fp), (_, tp) in zip(fm.named_parameters(), tm.named_parameters()):
            assert_close(fp.grad, tp.grad), name
            fp.grad = None
            tp.grad = None
        for (name, fb), (_, tb) in zip(fm.named_buffers(), tm.named_buffers()):
            assert_close(fb, tb), name
    fm.eval()
    tm.eval()
    check_both(fm, tm, [values(shape, seed=20)])


@pytest.mark.parametrize(
    "cls,shape,kwargs",
    [
        ("BatchNorm2d", (4, 3, 5, 2), {}),
        ("BatchNorm2d", (4, 3, 5, 2), {"momentum": None}),
        ("BatchNorm2d", (4, 3, 5, 2), {"affine": False, "momentum": 0.3}),
        ("BatchNorm3d", (2, 3, 2, 3, 2), {}),
        ("InstanceNorm1d", (4, 3, 5), {}),
        ("InstanceNorm1d", (4, 3, 5), {"affine": True, "track_running_stats": True}),
        ("InstanceNorm1d", (3, 5), {"affine": True}),
        ("InstanceNorm2d", (2, 3, 4, 5), {"track_running_stats": True, "momentum": 0.2}),
        ("InstanceNorm2d", (3, 4, 5), {"affine": True}),
        ("InstanceNorm3d", (2, 3, 2, 3, 2), {"affine": True, "track_running_stats": True}),
    ],
    ids=str,
)
def test_batch_and_instance_norm_match_torch(cls, shape, kwargs):
    fm, tm = getattr(nn, cls)(3, **kwargs), getattr(torch.nn, cls)(3, **kwargs)
    assert repr(fm) == repr(tm)
    assert [n for n, _ in fm.named_parameters()] == [n for n, _ in tm.named_parameters()]
    assert [n for n, _ in fm.named_buffers()] == [n for n, _ in tm.named_buffers()]
    tm.double()
    _randomize_affine(tm)
    fm.double()
    _train_then_eval(fm, tm, shape)


def test_norm_input_checks_match_torch():
    for m in (fastgrad, torch):
        with pytest.raises(ValueError, match="expected 4D input"):
            m.nn.BatchNorm2d(3)(m.ones(2, 3))
        with pytest.raises(ValueError, match="expected 5D input"):
            m.nn.BatchNorm3d(3)(m.ones(2, 3, 4, 5))
        with pytest.raises(ValueError, match="expected 3D or 4D input"):
            m.nn.InstanceNorm2d(3)(m.ones(2, 3))
        with pytest.raises(ValueError, match="Expected more than 1 spatial element when training"):
            m.nn.InstanceNorm1d(3)(m.ones(2, 3, 1))
        with pytest.raises(ValueError, match=r"num_channels \(6\) must be divisible by num_groups \(4\)"):
            m.nn.GroupNorm(4, 6)
        with pytest.raises(
            RuntimeError, match="divisible by num_groups, but got input of shape \\[2, 6, 3\\]"
        ):
            m.nn.functional.group_norm(m.ones(2, 6, 3), 4)
        with pytest.raises(
            RuntimeError, match=r"expected input with shape \[\*3, 4\], but got input of size\[2, 6, 3\]"
        ):
            m.nn.functional.rms_norm(m.ones(2, 6, 3), (3, 4))


@pytest.mark.parametrize(
    "shape,groups,affine",
    [((4, 6, 5), 3, True), ((2, 6, 3, 2), 2, True), ((3, 4), 4, False), ((2, 6, 3), 1, True)],
)
def test_group_norm(shape, groups, affine):
    fm, tm = (
        nn.GroupNorm(groups, shape[1], affine=affine),
        torch.nn.GroupNorm(groups, shape[1], affine=affine),
    )
    assert repr(fm) == repr(tm)
    tm.double()
    _randomize_affine(tm)
    fm.double()
    _copy_state(fm, tm)
    check_both(fm, tm, [values(shape) * 3 + 1])
    for fp, tp in zip(fm.parameters(), tm.parameters()):
        assert_close(fp.grad, tp.grad)


@pytest.mark.parametrize(
    "shape,normalized,kwargs",
    [((4, 5), 5, {}), ((2, 3, 4), (3, 4), {"eps": 1e-3}), ((3, 4), [4], {"elementwise_affine": False})],
)
def test_rms_norm(shape, normalized, kwargs):
    fm, tm = nn.RMSNorm(normalized, **kwargs), torch.nn.RMSNorm(normalized, **kwargs)
    assert repr(fm) == repr(tm)
    tm.double()
    _randomize_affine(tm)
    fm.double()
    _copy_state(fm, tm)
    check_both(fm, tm, [values(shape)])
    for fp, tp in zip(fm.parameters(), tm.parameters()):
        assert_close(fp.grad, tp.grad)
    # float32 with eps=None uses float32's machine epsilon
    x = values(shape).astype(np.float32) * 1e-4
    out_f = nn.RMSNorm(normalized)(fastgrad.from_numpy(x))
    out_t = torch.nn.RMSNorm(normalized)(torch.from_numpy(x))
    assert out_f.dtype == fastgrad.float32
    assert_close(out_f, out_t, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("size,shape", [(3, (2, 6, 4)), (2, (2, 5, 3, 2)), (5, (1, 3, 4))])
def test_local_response_norm(size, shape):
    fm, tm = (
        nn.LocalResponseNorm(size, alpha=0.5, beta=0.6, k=1.5),
        torch.nn.LocalResponseNorm(size, 0.5, 0.6, 1.5),
    )
    assert repr(fm) == repr(tm) and repr(nn.LocalResponseNorm(3)) == repr(torch.nn.LocalResponseNorm(3))
    check_both(fm, tm, [values(shape)])


# ---- convolution, padding and pooling ----

CONVS = [
    ("Conv1d", (3, 4, 3), {}, (2, 3, 9)),
    ("Conv1d", (4, 6, 4), {"stride": 2, "padding": 2, "dilation": 2, "groups": 2}, (2, 4, 11)),
    ("Conv1d", (3, 2, 4), {"padding": "same", "bias": False}, (3, 7)),  # unbatched, even kernel
    ("Conv1d", (3, 2, 3), {"padding": 1, "padding_mode": "circular"}, (2, 3, 6)),
    ("Conv2d", (3, 5, 3), {}, (2, 3, 7, 6)),
    (
        "Conv2d",
        (4, 6, (3, 2)),
        {"stride": (2, 1), "padding": (1, 0), "dilation": (1, 2), "groups": 2},
        (2, 4, 8, 7),
    ),
    ("Conv2d", (2, 4, 3), {"padding": "same", "dilation": 2}, (1, 2, 7, 7)),
    ("Conv2d", (2, 4, 3), {"padding": "valid", "stride": 2}, (2, 6, 6)),
    ("Conv2d", (2, 3, 3), {"padding": 2, "padding_mode": "reflect"}, (2, 2, 5, 6)),
    ("Conv2d", (2, 3, 3), {"padding": (1, 2), "padding_mode": "replicate"}, (2, 2, 5, 6)),
    ("Conv3d", (2, 3, 2), {"stride": 2, "padding": 1}, (1, 2, 4, 5, 3)),
    ("ConvTranspose1d", (3, 4, 3), {"stride": 2, "output_padding": 1}, (2, 3, 9)),
    (
        "ConvTranspose2d",
        (4, 6, (3, 2)),
        {"stride": (2, 1), "padding": (1, 0), "dilation": (1, 2), "groups": 2},
        (2, 4, 5, 6),
    ),
    ("ConvTranspose2d", (2, 3, 3), {"bias": False}, (2, 5, 4)),  # unbatched
    ("ConvTranspose3d", (2, 3, 2), {"stride": 2, "padding": 1, "output_padding": 1}, (1, 2, 3, 4, 3)),
]


@pytest.mark.parametrize("cls,args,kwargs,shape", CONVS, ids=[f"{c[0]}-{c[2]}" for c in CONVS])
def test_conv_matches_torch_including_seeded_init(cls, args, kwargs, shape):
    fastgrad.manual_seed(7)
    torch.manual_seed(7)
    fm, tm = getattr(nn, cls)(*args, **kwargs), getattr(torch.nn, cls)(*args, **kwargs)
    assert repr(fm) == repr(tm)
    assert [n for n, _ in fm.named_parameters()] == [n for n, _ in tm.named_parameters()]
    for (name, fp), (_, tp) in zip(fm.named_parameters(), tm.named_parameters()):
        assert fp.dtype == fastgrad.float32
        np.testing.assert_array_equal(
            fp.detach().numpy(), tp.detach().numpy(), err_msg=name
        )  # same RNG stream
    tm.double()
    fm.double()
    check_both(fm, tm, [values(shape)])
    for (name, fp), (_, tp) in zip(fm.named_parameters(), tm.named_parameters()):
        assert_close(fp.grad, tp.grad), name


def test_conv_errors_match_torch():
    for m in (fastgrad, torch):
        x = m.ones(1, 2, 5, 5)
        with pytest.raises(
            RuntimeError,
            match=r"Given groups=1, weight of size \[3, 3, 3, 3\], expected input\[1, 2, 5, "
            r"5\] to have 3 channels, but got 2 channels instead",
        ):
            m.nn.functional.conv2d(x, m.ones(3, 3, 3, 3))
        with pytest.raises(RuntimeError, match=r"Kernel size: \(7 x 7\). Kernel size can't be greater"):
            m.nn.functional.conv2d(x, m.ones(3, 2, 7, 7))
        with pytest.raises(RuntimeError, match="padding='same' is not supported for strided convolutions"):
            m.nn.functional.conv2d(x, m.ones(3, 2, 3, 3), padding="same", stride=2)
        with pytest.raises(RuntimeError, match="Invalid padding string: 'foo'"):
            m.nn.functional.conv2d(x, m.ones(3, 2, 3, 3), padding="foo")
        with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
            m.nn.Conv2d(3, 4, 3, groups=2)
        with pytest.raises(ValueError, match="padding='same' is not supported for strided convolutions"):
            m.nn.Conv1d(3, 4, 3, padding="same", stride=2)


@pytest.mark.parametrize("output_size", [(12, 11), (1, 6, 11, 12), [11, 11]])
def test_conv_transpose_output_size_matches_torch(output_size):
    fastgrad.manual_seed(3)
    torch.manual_seed(3)
    fm, tm = nn.ConvTranspose2d(4, 6, 3, stride=2).double(), torch.nn.ConvTranspose2d(4, 6, 3, stride=2).double()
    x = values((1, 4, 5, 5))
    fo = fm(fastgrad.tensor(x), output_size=output_size)
    to = tm(torch.tensor(x), output_size=output_size)
    assert tuple(fo.shape) == tuple(to.shape)
    assert_close(fo, to)


def test_conv_transpose_module_errors_match_torch():
    for m in (fastgrad, torch):
        conv = m.nn.ConvTranspose2d(4, 6, 3, stride=2)
        with pytest.raises(ValueError, match=r"requested an output size of \(13, 12\), but valid sizes range from "
                                             r"\[11, 11\] to \[12, 12\]"):
            conv(m.ones(1, 4, 5, 5), output_size=(13, 12))
        with pytest.raises(ValueError, match="ConvTranspose2D: for 3D input, output_size must have 2 or 3 elements"):
            conv(m.ones(4, 5, 5), output_size=(1, 6, 11, 12))
        with pytest.raises(ValueError, match='Only "zeros" padding mode is supported for ConvTranspose1d'):
            m.nn.ConvTranspose1d(4, 6, 3, padding_mode="reflect")
        with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
            m.nn.ConvTranspose2d(4, 6, 3, groups=3)


@pytest.mark.parametrize("cls,args,kwargs,shape", [
    ("Unfold", (2,), {}, (2, 3, 5, 4)),
    ("Unfold", ((2, 3),), {"dilation": 2, "padding": 1, "stride": (2, 1)}, (3, 6, 5)),
    ("Fold", (3, 2), {}, (2, 12, 4)),
    ("Fold", ((5, 4), (2, 3)), {"padding": 1, "stride": 2}, (12, 6)),
])
def test_fold_unfold_modules_match_torch(cls, args, kwargs, shape):
    fm, tm = getattr(nn, cls)(*args, **kwargs), getattr(torch.nn, cls)(*args, **kwargs)
    assert repr(fm) == repr(tm)
    check_both(fm, tm, [values(shape)])


@pytest.mark.parametrize("groups", [1, 2])
def test_padding_times_a_non_finite_weight_is_nan_as_in_torch_float64(groups):
    # the depthwise kernel (groups=2 here) adds w * 0 for padded taps, as the products with im2col's zeros do
    x = np.array([[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]])
    w = np.array([[[np.inf, 1.0, 2.0]], [[1.0, np.nan, 1.0]]]) if groups == 2 else np.full((1, 2, 3), np.inf)
    f = F.conv1d(fastgrad.tensor(x), fastgrad.tensor(w), padding=1, groups=groups)
    t = torch.nn.functional.conv1d(torch.tensor(x), torch.tensor(w), padding=1, groups=groups)
    np.testing.assert_array_equal(f.numpy(), t.numpy())


@pytest.mark.parametrize("batch", [2, 18])  # 18: the column matrix (38 MB) is over the size kept for backward
def test_weight_gradient_with_kept_and_recomputed_columns_matches_torch(batch):
    x, w = values((batch, 16, 64, 64)).astype(np.float32), values((8, 16, 3, 3)).astype(np.float32)
    g = values((batch, 8, 64, 64)).astype(np.float32)
    grads = []
    for m, dtype in ((fastgrad, np.float32), (torch, np.float32), (torch, np.float64)):
        weight = m.tensor(w.astype(dtype), requires_grad=True)
        out = m.nn.functional.conv2d(m.tensor(x.astype(dtype)), weight, padding=1)
        out.backward(m.tensor(g.astype(dtype)))
        grads.append(weight.grad.numpy().astype(np.float64))
    kept = fastgrad.nn.functional.conv2d(fastgrad.tensor(x), fastgrad.tensor(w, requires_grad=True), padding=1)
    assert len(kept.grad_fn._saved_tensors()) == (3 if batch == 2 else 2)  # input, weight[, columns]
    # sums of batch * 4096 float32 products: as near the float64 result as torch's float32 is
    exact = grads[2]
    assert np.abs(grads[0] - exact).max() <= 2 * np.abs(grads[1] - exact).max() + 1e-4 * np.abs(exact).max()


def test_unfold_then_fold_counts_each_position_once_per_window():
    # fold(unfold(x)) multiplies each element by the number of blocks that contain it, as in PyTorch
    x = values((1, 2, 5, 6))
    f = F.fold(F.unfold(fastgrad.tensor(x), 3, padding=1), (5, 6), 3, padding=1)
    t = torch.nn.functional.fold(torch.nn.functional.unfold(torch.tensor(x), 3, padding=1), (5, 6), 3, padding=1)
    assert_close(f, t)


PADS = [
    ((1, 2), {}),
    ((1, 2, 0, 3), {"value": 2.5}),
    ((-1, 2, 1, -2), {}),
    ((2, 1), {"mode": "reflect"}),
    ((2, 1, 1, 2), {"mode": "reflect"}),
    ((3, 1, 2, 0), {"mode": "replicate"}),
    ((2, 3), {"mode": "circular"}),
    ((1, 1, 2, 1), {"mode": "circular"}),
]


@pytest.mark.parametrize("amounts,kwargs", PADS, ids=str)
def test_pad_matches_torch(amounts, kwargs):
    # non-constant modes take a batch-and-channel input (3-D for 1-D padding, 4-D for 2-D padding)
    shape = (2, 3, 5) if len(amounts) == 2 and kwargs.get("mode") else (2, 3, 4, 5)
    check_both(
        lambda a: F.pad(a, amounts, **kwargs),
        lambda a: torch.nn.functional.pad(a, amounts, **kwargs),
        [values(shape)],
    )


def test_pad_errors_match_torch():
    for m in (fastgrad, torch):
        fn = m.nn.functional.pad
        with pytest.raises(RuntimeError, match="Padding length must be divisible by 2"):
            fn(m.ones(2, 3), (1,))
        with pytest.raises(RuntimeError, match="Padding length should be less than or equal to two times"):
            fn(m.ones(2, 3), (1, 1, 1, 1, 1, 1))
        with pytest.raises(
            RuntimeError,
            match=r"Padding size should be less than the corresponding input dimension, but "
            r"got: padding \(3, 3\) at dimension 1 of input \[2, 3\]",
        ):
            fn(m.ones(2, 3), (3, 3), mode="reflect")
        with pytest.raises(NotImplementedError, match="Padding size 4 is not supported for 2D input tensor"):
            fn(m.ones(2, 3), (1, 1, 1, 1), mode="reflect")
        with pytest.raises(RuntimeError, match="Padding value causes wrapping around more than once"):
            fn(m.ones(2, 3), (4, 4), mode="circular")
        with pytest.raises(NotImplementedError, match="Unrecognised padding mode foo"):
            fn(m.ones(2, 3), (1, 1), mode="foo")


POOLS = [
    ("MaxPool1d", (3,), {}, (2, 3, 10)),
    ("MaxPool1d", (3,), {"stride": 2, "padding": 1, "dilation": 2, "ceil_mode": True}, (2, 3, 10)),
    ("MaxPool2d", (3,), {}, (2, 3, 7, 8)),
    ("MaxPool2d", ((3, 2),), {"stride": (2, 1), "padding": (1, 0), "ceil_mode": True}, (2, 3, 7, 8)),
    ("MaxPool2d", (2,), {"stride": 1, "dilation": 2}, (3, 6, 5)),
    ("AvgPool1d", (3,), {}, (2, 3, 10)),
    (
        "AvgPool1d",
        (4,),
        {"stride": 3, "padding": 2, "ceil_mode": True, "count_include_pad": False},
        (2, 3, 10),
    ),
    ("AvgPool2d", (3,), {}, (2, 3, 7, 8)),
    ("AvgPool2d", (3,), {"stride": 2, "padding": 1, "ceil_mode": True}, (2, 3, 7, 8)),
    ("AvgPool2d", ((3, 2),), {"stride": 2, "padding": 1, "count_include_pad": False}, (2, 3, 7, 8)),
    ("AvgPool2d", (2,), {"divisor_override": 3}, (3, 6, 5)),
    ("AdaptiveAvgPool1d", (4,), {}, (2, 3, 10)),
    ("AdaptiveAvgPool2d", ((3, 4),), {}, (2, 3, 7, 8)),
    ("AdaptiveAvgPool2d", ((None, 3),), {}, (3, 7, 5)),
    ("AdaptiveAvgPool2d", (1,), {}, (2, 3, 7, 8)),
]


@pytest.mark.parametrize("cls,args,kwargs,shape", POOLS, ids=[f"{p[0]}-{p[1]}-{p[2]}" for p in POOLS])
def test_pooling_matches_torch(cls, args, kwargs, shape):
    fm, tm = getattr(nn, cls)(*args, **kwargs), getattr(torch.nn, cls)(*args, **kwargs)
    assert repr(fm) == repr(tm)
    check_both(fm, tm, [values(shape)])


def test_pooling_errors_match_torch():
    for m in (fastgrad, torch):
        with pytest.raises(RuntimeError, match="pad should be at most half of effective kernel size"):
            m.nn.functional.max_pool2d(m.ones(1, 2, 5, 5), 3, padding=2)
        with pytest.raises(RuntimeError, match="pad should be at most half of effective kernel size"):
            m.nn.functional.avg_pool2d(m.ones(1, 2, 5, 5), 2, padding=2)


def test_small_convnet_trains_like_torch():
    fastgrad.manual_seed(0)
    torch.manual_seed(0)

    def build(m):
        return m.nn.Sequential(
            m.nn.Conv2d(1, 4, 3, padding=1),
            m.nn.ReLU(),
            m.nn.MaxPool2d(2),
            m.nn.Conv2d(4, 6, 3),
            m.nn.GELU(),
            m.nn.AdaptiveAvgPool2d(1),
            m.nn.Flatten(),
            m.nn.Linear(6, 3),
        )

    fm, tm = build(fastgrad), build(torch)
    x = values((4, 1, 8, 8)).astype(np.float32)
    y = np.array([0, 2, 1, 2])
    opt_f = fastgrad.optim.SGD(fm.parameters(), lr=0.1, momentum=0.9)
    opt_t = torch.optim.SGD(tm.parameters(), lr=0.1, momentum=0.9)
    for _ in range(5):
        for m, model, opt in ((fastgrad, fm, opt_f), (torch, tm, opt_t)):
            opt.zero_grad()
            loss = m.nn.functional.cross_entropy(model(m.from_numpy(x.copy())), m.from_numpy(y.copy()))
            loss.backward()
            opt.step()
    for (name, fp), (_, tp) in zip(fm.named_parameters(), tm.named_parameters()):
        assert_close(fp, tp, rtol=1e-4, atol=1e-5), name


# ---- recurrent layers ----

RNNS = [
    ("RNN", {}),
    ("RNN", {"num_layers": 2, "nonlinearity": "relu"}),
    ("RNN", {"batch_first": True, "bidirectional": True, "bias": False}),
    ("LSTM", {}),
    ("LSTM", {"num_layers": 2, "batch_first": True}),
    ("LSTM", {"num_layers": 2, "bidirectional": True}),
    ("GRU", {}),
    ("GRU", {"num_layers": 3, "bidirectional": True, "batch_first": True}),
    ("GRU", {"bias": False}),
]


def _rnn_inputs(kwargs, with_state, unbatched=False, seq=5, batch=3, features=4, hidden=6):
    layers = kwargs.get("num_layers", 1) * (2 if kwargs.get("bidirectional") else 1)
    if unbatched:
        shape, state = (seq, features), (layers, hidden)
    else:
        shape = (batch, seq, features) if kwargs.get("batch_first") else (seq, batch, features)
        state = (layers, batch, hidden)
    arrays = [values(shape, 1)]
    if with_state:
        arrays += [values(state, 2) * 0.3, values(state, 3) * 0.3]
    return arrays


@pytest.mark.parametrize("cls,kwargs", RNNS, ids=[f"{c}-{k}" for c, k in RNNS])
@pytest.mark.parametrize("with_state", [False, True])
@pytest.mark.parametrize("unbatched", [False, True])
def test_recurrent_layers_match_torch(cls, kwargs, with_state, unbatched):
    fastgrad.manual_seed(3)
    torch.manual_seed(3)
    fm, tm = getattr(nn, cls)(4, 6, **kwargs), getattr(torch.nn, cls)(4, 6, **kwargs)
    assert repr(fm) == repr(tm)
    assert [n for n, _ in fm.named_parameters()] == [n for n, _ in tm.named_parameters()]
    for (name, fp), (_, tp) in zip(fm.named_parameters(), tm.named_parameters()):
        np.testing.assert_array_equal(
            fp.detach().numpy(), tp.detach().numpy(), err_msg=name
        )  # same RNG stream
    fm.double()
    tm.double()
    arrays = _rnn_inputs(kwargs, with_state, unbatched)
    lstm = cls == "LSTM"

    def run(module, x, h=None, c=None):
        if h is None:
            out, state = module(x)
        else:
            out, state = module(x, (h, c) if lstm else h)
        # one output to backward through: the sequence output plus every final state
        total = (
            out.sum() * 0.5 + (state[0] * state[1]).sum() if lstm else out.sum() * 0.5 + (state * state).sum()
        )
        return out, total

    fs = [fastgrad.from_numpy(a.copy()).requires_grad_() for a in arrays]
    ts = [torch.from_numpy(a.copy()).requires_grad_() for a in arrays]
    if not lstm and with_state:
        fs, ts = fs[:2], ts[:2]
    out_f, total_f = run(fm, *fs)
    out_t, total_t = run(tm, *ts)
    assert_close(out_f, out_t)
    assert_close(total_f, total_t)
    total_f.backward()
    total_t.backward()
    for a, b in zip(fs, ts):
        assert_close(a.grad, b.grad)
    for (name, fp), (_, tp) in zip(fm.named_parameters(), tm.named_parameters()):
        assert_close(fp.grad, tp.grad), name


@pytest.mark.parametrize(
    "cls,kwargs",
    [
        ("RNNCell", {}),
        ("RNNCell", {"nonlinearity": "relu", "bias": False}),
        ("LSTMCell", {}),
        ("GRUCell", {}),
        ("GRUCell", {"bias": False}),
    ],
    ids=str,
)
@pytest.mark.parametrize("unbatched", [False, True])
def test_recurrent_cells_match_torch(cls, kwargs, unbatched):
    fastgrad.manual_seed(5)
    torch.manual_seed(5)
    fm, tm = getattr(nn, cls)(4, 6, **kwargs), getattr(torch.nn, cls)(4, 6, **kwargs)
    assert repr(fm) == repr(tm)
    assert [n for n, _ in fm.named_parameters()] == [n for n, _ in tm.named_parameters()]
    for (name, fp), (_, tp) in zip(fm.named_parameters(), tm.named_parameters()):
        np.testing.assert_array_equal(fp.detach().numpy(), tp.detach().numpy(), err_msg=name)
    fm.double()
    tm.double()
    x_shape, h_shape = ((4,), (6,)) if unbatched else ((3, 4), (3, 6))
    if cls == "LSTMCell":
        check_both(
            lambda x, h, c: fm(x, (h, c))[0] * fm(x, (h, c))[1],
            lambda x, h, c: tm(x, (h, c))[0] * tm(x, (h, c))[1],
            [values(x_shape, 1), values(h_shape, 2) * 0.3, values(h_shape, 3) * 0.3],
        )
    else:
        check_both(fm, tm, [values(x_shape, 1), values(h_shape, 2) * 0.3])
        check_both(fm, tm, [values(x_shape, 1)])


def test_recurrent_errors_and_state_dict_interop():
    for m in (fastgrad, torch):
        with pytest.raises(ValueError, match="Unknown nonlinearity 'gelu'"):
            m.nn.RNN(3, 4, nonlinearity="gelu")
        with pytest.raises(ValueError, match="Expected input to be 2D or 3D, got 4D instead"):
            m.nn.GRU(3, 4)(m.ones(1, 2, 3, 3))
        with pytest.raises(
            RuntimeError, match="input.size\\(-1\\) must be equal to input_size. Expected 3, got 5"
        ):
            m.nn.LSTM(3, 4)(m.ones(2, 2, 5))
    # a torch LSTM's state_dict loads into the fastgrad LSTM and gives the same outputs
    tm = torch.nn.LSTM(3, 4, num_layers=2, bidirectional=True).double()
    fm = nn.LSTM(3, 4, num_layers=2, bidirectional=True).double()
    _copy_state(fm, tm)
    x = values((5, 2, 3))
    out_f, (h_f, c_f) = fm(fastgrad.from_numpy(x.copy()))
    out_t, (h_t, c_t) = tm(torch.from_numpy(x.copy()))
    assert_close(out_f, out_t)
    assert_close(h_f, h_t)
    assert_close(c_f, c_t)
