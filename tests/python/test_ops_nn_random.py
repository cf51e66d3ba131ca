"""nn.functional against PyTorch 2.13: values, dtypes, Node names, gradients, second-order gradients, errors.

Each case runs the same callable on fastgrad and torch over the same inputs (float64 and float32, contiguous,
transposed, 0-d and 0-size where the op allows), compares the results, the name of the output's grad_fn, the
gradients of a weighted sum, and a Hessian-vector product (create_graph=True); float64 cases also run
fastgrad.autograd.gradcheck.
"""
import warnings

import numpy as np
import pytest

import fastgrad
import fastgrad.nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

RNG = np.random.default_rng(1234)


def rand(*shape, lo=-3.0, hi=3.0):
    return RNG.uniform(lo, hi, size=shape)


def prob(*shape):
    return RNG.uniform(0.05, 0.95, size=shape)


class Const(np.ndarray):
    """An input that does not require grad (loss weights, which PyTorch refuses to differentiate)."""


def const(arr):
    return np.asarray(arr).view(Const)


def both(arr, dtype, requires_grad=True, transpose=False):
    """The same values as a fastgrad and a torch tensor (optionally a transposed, non-contiguous view)."""
    if isinstance(arr, Const):
        requires_grad = False
        arr = np.asarray(arr)
    if isinstance(arr, np.ndarray) and arr.dtype.kind == "f":
        arr = arr.astype(dtype)
        rg = requires_grad
    else:
        rg = False
    base = np.ascontiguousarray(arr.T) if transpose else arr
    f = fastgrad.tensor(base)
    t = torch.tensor(base)
    if transpose:
        f, t = f.t(), t.t()
    if rg:
        # Make the views leaves of their own (so .grad is defined) while keeping their strides.
        f = f.detach().requires_grad_(True)
        t = t.detach().requires_grad_(True)
    return f, t


# (id, callable(m, Fm, *tensors), numpy inputs, expected grad_fn name or None)
def cases():
    x = rand(4, 5)
    x_with_zero = x.copy()
    x_with_zero[0, :3] = [0.0, 1.0, -1.0]  # kinks of relu6/hardtanh/leaky_relu at exact points are avoided below
    idx = np.array([1, 0, 4, 2])
    idx_ignored = np.array([1, -100, 4, 2])
    yield "relu6", lambda m, Fm, a: Fm.relu6(a * 3), [x], "HardtanhBackward0"
    yield "hardtanh", lambda m, Fm, a: Fm.hardtanh(a), [x], "HardtanhBackward0"
    yield "hardtanh_bounds", lambda m, Fm, a: Fm.hardtanh(a, -0.5, 2.0), [x], "HardtanhBackward0"
    yield "leaky_relu", lambda m, Fm, a: Fm.leaky_relu(a), [x], "LeakyReluBackward0"
    yield "leaky_relu_slope", lambda m, Fm, a: Fm.leaky_relu(a, negative_slope=0.2), [x], "LeakyReluBackward0"
    yield "elu", lambda m, Fm, a: Fm.elu(a), [x], "EluBackward0"
    yield "elu_alpha", lambda m, Fm, a: Fm.elu(a, alpha=0.5), [x], "EluBackward0"
    yield "selu", lambda m, Fm, a: Fm.selu(a), [x], "EluBackward0"
    yield "torch.selu", lambda m, Fm, a: m.selu(a), [x], "EluBackward0"
    yield "gelu", lambda m, Fm, a: Fm.gelu(a), [x], "GeluBackward0"
    yield "gelu_tanh", lambda m, Fm, a: Fm.gelu(a, approximate="tanh"), [x], "GeluBackward0"
    yield "silu", lambda m, Fm, a: Fm.silu(a), [x], "SiluBackward0"
    yield "mish", lambda m, Fm, a: Fm.mish(a), [x], "MishBackward0"
    yield "mish_large", lambda m, Fm, a: Fm.mish(a * 10), [x], "MishBackward0"
    yield "softplus", lambda m, Fm, a: Fm.softplus(a), [x], "SoftplusBackward0"
    yield "softplus_beta", lambda m, Fm, a: Fm.softplus(a, beta=2, threshold=3), [x], "SoftplusBackward0"
    yield "sigmoid", lambda m, Fm, a: Fm.sigmoid(a), [x], "SigmoidBackward0"
    yield "tanh", lambda m, Fm, a: Fm.tanh(a), [x], "TanhBackward0"
    yield "softmax1", lambda m, Fm, a: Fm.softmax(a, dim=1), [x], "SoftmaxBackward0"
    yield "softmax0", lambda m, Fm, a: Fm.softmax(a, 0), [x], "SoftmaxBackward0"
    yield "softmax_3d", lambda m, Fm, a: Fm.softmax(a, -2), [rand(2, 3, 4)], "SoftmaxBackward0"
    yield "torch.softmax", lambda m, Fm, a: m.softmax(a, 1), [x], "SoftmaxBackward0"
    yield "Tensor.softmax", lambda m, Fm, a: a.softmax(-1), [x], "SoftmaxBackward0"
    yield "softmax_large", lambda m, Fm, a: Fm.softmax(a * 300, 1), [x], "SoftmaxBackward0"
    yield "log_softmax", lambda m, Fm, a: Fm.log_softmax(a, 1), [x], "LogSoftmaxBackward0"
    yield "log_softmax0", lambda m, Fm, a: Fm.log_softmax(a, dim=0), [x], "LogSoftmaxBackward0"
    yield "log_softmax_large", lambda m, Fm, a: m.log_softmax(a * 300, 1), [x], "LogSoftmaxBackward0"
    yield "Tensor.log_softmax", lambda m, Fm, a: a.log_softmax(0), [x], "LogSoftmaxBackward0"
    yield "linear", lambda m, Fm, a, w, b: Fm.linear(a, w, b), [x, rand(3, 5), rand(3)], None
    yield "linear_nobias", lambda m, Fm, a, w: Fm.linear(a, w), [x, rand(3, 5)], None
    yield "linear_3d", lambda m, Fm, a, w, b: Fm.linear(a, w, b), [rand(2, 4, 5), rand(3, 5), rand(3)], None
    yield "linear_1d", lambda m, Fm, a, w, b: Fm.linear(a, w, b), [rand(5), rand(3, 5), rand(3)], None
    yield "normalize", lambda m, Fm, a: Fm.normalize(a), [x], "DivBackward0"
    yield "normalize_p1", lambda m, Fm, a: Fm.normalize(a, p=1.0, dim=0), [x], "DivBackward0"
    # losses
    y = rand(4, 5)
    for red in ("mean", "sum", "none"):
        yield f"mse_{red}", lambda m, Fm, a, b, r=red: Fm.mse_loss(a, b, reduction=r), [x, y], "MseLossBackward0"
        yield f"smooth_l1_{red}", lambda m, Fm, a, b, r=red: Fm.smooth_l1_loss(a, b, reduction=r), [x, y], \
            "SmoothL1LossBackward0"
        yield f"huber_{red}", lambda m, Fm, a, b, r=red: Fm.huber_loss(a, b, reduction=r, delta=0.7), [x, y], \
            "HuberLossBackward0"
        yield f"bce_{red}", lambda m, Fm, a, b, r=red: Fm.binary_cross_entropy(a, b, reduction=r), \
            [prob(4, 5), prob(4, 5)], "BinaryCrossEntropyBackward0"
        yield f"bce_logits_{red}", lambda m, Fm, a, b, r=red: Fm.binary_cross_entropy_with_logits(a, b, reduction=r), \
            [x, prob(4, 5)], "BinaryCrossEntropyWithLogitsBackward0"
        yield f"nll_{red}", lambda m, Fm, a, t, r=red: Fm.nll_loss(a, t, reduction=r), [x, idx], "NllLossBackward0"
        yield f"nll_ignore_{red}", lambda m, Fm, a, t, r=red: Fm.nll_loss(a, t, reduction=r), [x, idx_ignored], \
            "NllLossBackward0"
        yield f"nll_weight_{red}", lambda m, Fm, a, t, w, r=red: Fm.nll_loss(a, t, weight=w, reduction=r), \
            [x, idx_ignored, const(rand(5, lo=0.1, hi=2))], "NllLossBackward0"
        yield f"nll_2d_{red}", lambda m, Fm, a, t, r=red: Fm.nll_loss(a, t, reduction=r), \
            [rand(2, 3, 4, 2), RNG.integers(0, 3, (2, 4, 2))], None
        yield f"nll_1d_spatial_{red}", lambda m, Fm, a, t, r=red: Fm.nll_loss(a, t, reduction=r, ignore_index=1), \
            [rand(2, 3, 4), RNG.integers(0, 3, (2, 4))], None
        yield f"ce_{red}", lambda m, Fm, a, t, r=red: Fm.cross_entropy(a, t, reduction=r), [x, idx], None
        yield f"ce_weight_ls_{red}", lambda m, Fm, a, t, w, r=red: Fm.cross_entropy(
            a, t, weight=w, reduction=r, label_smoothing=0.2), [x, idx_ignored, const(rand(5, lo=0.1, hi=2))], None
        yield f"ce_ls_{red}", lambda m, Fm, a, t, r=red: Fm.cross_entropy(a, t, reduction=r, label_smoothing=0.1), \
            [x, idx_ignored], None
        yield f"ce_prob_{red}", lambda m, Fm, a, p, r=red: Fm.cross_entropy(a, p, reduction=r), [x, prob(4, 5)], None
        yield f"ce_prob_w_ls_{red}", lambda m, Fm, a, p, w, r=red: Fm.cross_entropy(
            a, p, weight=w, reduction=r, label_smoothing=0.3), [x, prob(4, 5), const(rand(5, lo=0.1, hi=2))], None
        yield f"ce_spatial_{red}", lambda m, Fm, a, t, r=red: Fm.cross_entropy(a, t, reduction=r), \
            [rand(2, 3, 4), RNG.integers(0, 3, (2, 4))], None
    yield "mse_broadcast", lambda m, Fm, a, b: Fm.mse_loss(a, b), [x, rand(5)], "MseLossBackward0"
    yield "mse_weight", lambda m, Fm, a, b, w: Fm.mse_loss(a, b, weight=w), [x, y, prob(4, 5)], "DivBackward0"
    yield "huber_weight", lambda m, Fm, a, b, w: Fm.huber_loss(a, b, weight=w), [x, y, prob(4, 5)], None
    yield "smooth_l1_beta", lambda m, Fm, a, b: Fm.smooth_l1_loss(a, b, beta=0.3), [x, y], "SmoothL1LossBackward0"
    yield "bce_weight", lambda m, Fm, a, b, w: Fm.binary_cross_entropy(a, b, weight=w), \
        [prob(4, 5), prob(4, 5), const(prob(5))], "BinaryCrossEntropyBackward0"
    yield "bce_logits_pos_weight", lambda m, Fm, a, b, w, pw: Fm.binary_cross_entropy_with_logits(
        a, b, weight=w, pos_weight=pw), [x, prob(4, 5), const(prob(5)), const(rand(5, lo=0.5, hi=3))], \
        "BinaryCrossEntropyWithLogitsBackward0"
    yield "nll_no_batch", lambda m, Fm, a, t: Fm.nll_loss(a, t), [rand(5), np.array(3)], "NllLossBackward0"
    yield "nll_no_batch_none", lambda m, Fm, a, t: Fm.nll_loss(a, t, reduction="none"), [rand(5), np.array(3)], \
        "NllLossBackward0"
    yield "ce_no_batch", lambda m, Fm, a, t: Fm.cross_entropy(a, t), [rand(5), np.array(3)], "NllLossBackward0"
    yield "ce_no_batch_prob", lambda m, Fm, a, t: Fm.cross_entropy(a, t), [rand(5), prob(5)], None


CASES = list(cases())
IDS = [c[0] for c in CASES]


def assert_close(ours, theirs, dtype, what, loose=1.0):
    a = ours.detach().numpy() if ours is not None else None
    b = theirs.detach().numpy() if theirs is not None else None
    assert (a is None) == (b is None), what
    if a is None:
        return
    assert a.shape == b.shape, f"{what}: shape {a.shape} vs torch {b.shape}"
    assert a.dtype == b.dtype, f"{what}: dtype {a.dtype} vs torch {b.dtype}"
    tol = (1e-12 if dtype == np.float64 else 2e-5) * loose
    np.testing.assert_allclose(a, b, rtol=tol * 100, atol=tol, err_msg=what)


def run_case(case, dtype, transpose=False):
    name, fn, arrays, node = case
    pairs = [both(a, dtype, transpose=transpose and a.ndim == 2 and a.shape[0] > 1) for a in arrays]
    ours_in, theirs_in = [p[0] for p in pairs], [p[1] for p in pairs]
    ours = fn(fastgrad, F, *ours_in)
    theirs = fn(torch, TF, *theirs_in)
    assert_close(ours, theirs, dtype, f"{name}: forward")
    if node is not None:
        assert ours.grad_fn.name() == node == type(theirs.grad_fn).__name__
    elif theirs.grad_fn is not None:
        assert ours.grad_fn is not None
    diff = [i for i, t in enumerate(theirs_in) if t.requires_grad]
    if not diff:
        return
    w = RNG.uniform(0.5, 1.5, size=theirs.shape).astype(dtype)
    w_f, w_t = fastgrad.tensor(w), torch.tensor(w)
    g_ours = fastgrad.autograd.grad((ours * w_f).sum(), [ours_in[i] for i in diff], create_graph=True)
    g_theirs = torch.autograd.grad((theirs * w_t).sum(), [theirs_in[i] for i in diff], create_graph=True)
    for k, (a, b) in enumerate(zip(g_ours, g_theirs)):
        assert_close(a, b, dtype, f"{name}: gradient of input {diff[k]}")
    # Second order: the gradient of sum(v * grad) with respect to the inputs.
    if dtype == np.float64:
        vs = [RNG.uniform(0.5, 1.5, size=tuple(b.shape)) for b in g_theirs]
        s_ours = sum(((a * fastgrad.tensor(v)).sum() for a, v in zip(g_ours, vs) if a.requires_grad),
                     fastgrad.tensor(0.0, dtype=fastgrad.float64))
        s_theirs = sum(((b * torch.tensor(v)).sum() for b, v in zip(g_theirs, vs) if b.requires_grad),
                       torch.tensor(0.0, dtype=torch.float64))
        if s_theirs.requires_grad:
            inputs_o = [ours_in[i] for i in diff]
            inputs_t = [theirs_in[i] for i in diff]
            h_t = torch.autograd.grad(s_theirs, inputs_t, allow_unused=True)
            h_o = fastgrad.autograd.grad(s_ours, inputs_o, allow_unused=True) if s_ours.requires_grad else [None] * len(h_t)
            for k, (a, b) in enumerate(zip(h_o, h_t)):
                if b is None or a is None:
                    # One library may know the second derivative is zero without building it.
                    other = a if b is None else b
                    assert other is None or not other.detach().numpy().any(), f"{name}: second order {k}"
                    continue
                assert_close(a, b, dtype, f"{name}: second-order gradient of input {diff[k]}", loose=1e3)


@pytest.mark.parametrize("case", CASES, ids=IDS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
def test_matches_torch(case, dtype):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run_case(case, dtype)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_matches_torch_noncontiguous(case):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run_case(case, np.float64, transpose=True)


@pytest.mark.parametrize("case", [c for c in CASES if "none" not in c[0] or "nll_2d" in c[0]], ids=lambda c: c[0])
def test_gradcheck(case):
    name, fn, arrays, _ = case
    ours_in = [both(a, np.float64)[0] for a in arrays]
    diff = [i for i, t in enumerate(ours_in) if t.requires_grad]

    def func(*xs):
        args = list(ours_in)
        for i, x in zip(diff, xs):
            args[i] = x
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn(fastgrad, F, *args)

    assert fastgrad.autograd.gradcheck(func, tuple(ours_in[i] for i in diff), eps=1e-6, atol=1e-5)


# ---------------------------------------------------------------------------------------------------------
# 0-d and 0-size inputs, dtypes


@pytest.mark.parametrize("name", ["relu6", "leaky_relu", "elu", "selu", "gelu", "silu", "mish", "softplus",
                                  "hardtanh", "sigmoid", "tanh"])
def test_activation_special_shapes(name):
    # (float64: torch's vectorised float32 gelu turns +inf into nan, an artifact fastgrad does not copy)
    for arr in (np.array(0.7), np.zeros((0, 3)), np.array([[-1e30, 1e30, np.nan, np.inf, -np.inf]])):
        for dtype in (np.float32, np.float64) if arr.size <= 1 else (np.float64,):
            a, b = both(arr, dtype, requires_grad=False)
            assert_close(getattr(F, name)(a), getattr(TF, name)(b), dtype, name)


def test_softmax_special_shapes_and_dtypes():
    for m, Fm in ((fastgrad, F), (torch, TF)):
        assert Fm.softmax(m.tensor(2.0), 0).item() == 1.0
        assert tuple(Fm.softmax(m.zeros(0, 3), 1).shape) == (0, 3)
        out = m.softmax(m.ones(2, 3), 1, dtype=m.float64)
        assert out.dtype == m.float64
    x = fastgrad.ones(2, 3, requires_grad=True)
    y = fastgrad.softmax(x, 1, dtype=fastgrad.float64)
    assert y.grad_fn.name() == "SoftmaxBackward0"
    assert y.grad_fn.next_functions[0][0].name() == "ToCopyBackward0"
    # a row of -inf gives nan in both; inf/nan inputs propagate the same way
    arr = np.array([[-np.inf, -np.inf], [np.inf, 1.0], [np.nan, 1.0]])
    a, b = both(arr, np.float64, requires_grad=False)
    assert_close(F.softmax(a, 1), TF.softmax(b, 1), np.float64, "softmax special")
    assert_close(F.log_softmax(a, 1), TF.log_softmax(b, 1), np.float64, "log_softmax special")
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax has been deprecated"):
        implicit = F.softmax(fastgrad.ones(2, 3))
    assert np.allclose(implicit.numpy(), 1 / 3)


def test_hardtanh_and_relu6_keep_integer_dtypes():
    for m, Fm in ((fastgrad, F), (torch, TF)):
        out = Fm.relu6(m.arange(-3, 9))
        assert out.dtype == m.int64 and out.tolist() == [0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 6, 6]
        assert Fm.hardtanh(m.arange(-3, 3)).tolist() == [-1, -1, -1, 0, 1, 1]


# ---------------------------------------------------------------------------------------------------------
# in place


@pytest.mark.parametrize("name,call,node", [
    ("relu", lambda Fm, y: Fm.relu(y, inplace=True), "ReluBackward0"),
    ("relu_", lambda Fm, y: Fm.relu_(y), "ReluBackward0"),
    ("relu6", lambda Fm, y: Fm.relu6(y, inplace=True), "HardtanhBackward0"),
    ("hardtanh", lambda Fm, y: Fm.hardtanh(y, -0.5, 0.5, inplace=True), "HardtanhBackward0"),
    ("hardtanh_", lambda Fm, y: Fm.hardtanh_(y), "HardtanhBackward0"),
    ("leaky_relu", lambda Fm, y: Fm.leaky_relu(y, 0.2, inplace=True), "LeakyReluBackward1"),
    ("leaky_relu_", lambda Fm, y: Fm.leaky_relu_(y, 0.2), "LeakyReluBackward1"),
    ("elu", lambda Fm, y: Fm.elu(y, 0.7, inplace=True), "EluBackward1"),
    ("elu_", lambda Fm, y: Fm.elu_(y), "EluBackward1"),
    ("selu", lambda Fm, y: Fm.selu(y, inplace=True), "EluBackward1"),
    ("silu", lambda Fm, y: Fm.silu(y, inplace=True), "SiluBackward0"),
    ("mish", lambda Fm, y: Fm.mish(y, inplace=True), "MishBackward0"),
])
def test_inplace_activations(name, call, node):
    x = rand(3, 4)
    results = []
    for m, Fm in ((fastgrad, F), (torch, TF)):
        leaf = m.tensor(x, requires_grad=True)
        y = leaf * 2
        out = call(Fm, y)
        assert out is y
        assert (y.grad_fn.name() if m is fastgrad else type(y.grad_fn).__name__) == node
        (y * y).sum().backward()
        results.append((y.detach().numpy(), leaf.grad.numpy()))
        # without autograd it just writes
        z = m.tensor(x)
        assert call(Fm, z) is z
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-12, atol=1e-12)


def test_inplace_negative_slope_refused_with_autograd():
    for m, Fm in ((fastgrad, F), (torch, TF)):
        y = m.rand(3, requires_grad=True) * 1
        with pytest.raises(RuntimeError, match="In-place leakyReLu backward calculation is triggered with a negative"):
            Fm.leaky_relu(y, -0.1, inplace=True)
            if m is torch:  # torch raises at backward time; fastgrad when recording
                y.sum().backward()


# ---------------------------------------------------------------------------------------------------------
# dropout


@pytest.mark.parametrize("seed", [0, 1, 42])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("p", [0.1, 0.5, 1 / 3, 0.9])
def test_dropout_matches_torch_stream(seed, dtype, p):
    fd, td = getattr(fastgrad, dtype), getattr(torch, dtype)
    x = rand(7, 9)
    for transpose in (False, True):
        a, b = both(x, np.dtype(dtype).type, transpose=transpose)
        fastgrad.manual_seed(seed)
        torch.manual_seed(seed)
        out, ref = F.dropout(a, p), TF.dropout(b, p)
        assert out.dtype == fd and ref.dtype == td
        np.testing.assert_array_equal(out.detach().numpy(), ref.detach().numpy())
        assert out.grad_fn.name() == "MulBackward0"
        out.sum().backward()
        ref.sum().backward()
        np.testing.assert_array_equal(a.grad.numpy(), b.grad.numpy())
        np.testing.assert_array_equal(fastgrad.rand(3).numpy(), torch.rand(3).numpy())  # stream still aligned


def test_dropout_modes_and_reproducibility():
    x = fastgrad.randn(5, 6, requires_grad=True)
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.0) is x
    assert fastgrad.dropout(x, 0.5, False) is x
    fastgrad.manual_seed(3)
    state = fastgrad.get_rng_state()
    y1 = F.dropout(x, 1.0)
    assert not y1.detach().numpy().any() and y1.grad_fn.name() == "MulBackward0"
    assert fastgrad.get_rng_state() == state  # p = 1 draws nothing, as in torch
    fastgrad.manual_seed(9)
    a = F.dropout(x, 0.3)
    fastgrad.manual_seed(9)
    b = fastgrad.dropout(x, 0.3, True)
    np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    # in place
    for m, Fm in ((fastgrad, F), (torch, TF)):
        m.manual_seed(4)
        y = m.ones(4, 4, dtype=m.float64)
        assert Fm.dropout(y, 0.25, inplace=True) is y
        assert m.dropout_(y, 0.5, True) is y
    fastgrad.manual_seed(4)
    torch.manual_seed(4)
    for m, Fm in ((fastgrad, F), (torch, TF)):
        with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got 1.5"):
            Fm.dropout(m.ones(3), 1.5)
        with pytest.raises(RuntimeError, match="dropout probability has to be between 0 and 1, but got 1.5"):
            m.dropout(m.ones(3), 1.5, True)


# ---------------------------------------------------------------------------------------------------------
# one_hot, linear, errors


def test_one_hot():
    for args in (([0, 2],), ([0, 2], 4), ([[1, 0], [2, 2]], -1)):
        ours = F.one_hot(fastgrad.tensor(args[0]), *args[1:])
        theirs = TF.one_hot(torch.tensor(args[0]), *args[1:])
        assert ours.dtype == fastgrad.int64
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert tuple(F.one_hot(fastgrad.tensor([], dtype=fastgrad.int64), 3).shape) == (0, 3)
    assert F.one_hot(fastgrad.tensor(2), 3).tolist() == [0, 0, 1]


ERRORS = [
    (lambda m, Fm: Fm.one_hot(m.tensor([0, 2]), 2), RuntimeError, "Class values must be smaller than num_classes."),
    (lambda m, Fm: Fm.one_hot(m.tensor([0, -1])), RuntimeError, "Class values must be non-negative."),
    (lambda m, Fm: Fm.one_hot(m.tensor([0.0, 1])), RuntimeError, "one_hot is only applicable to index tensor"),
    (lambda m, Fm: Fm.one_hot(m.tensor([], dtype=m.int64)), RuntimeError, "Can not infer total number of classes"),
    (lambda m, Fm: Fm.nll_loss(m.randn(3, 4), m.tensor([0, 1, 5])), IndexError, "Target 5 is out of bounds."),
    (lambda m, Fm: Fm.nll_loss(m.randn(3, 4), m.tensor([0, 1, -2])), IndexError, "Target -2 is out of bounds."),
    (lambda m, Fm: Fm.nll_loss(m.randn(3, 4), m.tensor([0, 1])), ValueError,
     r"Expected input batch_size \(3\) to match target batch_size \(2\)."),
    (lambda m, Fm: Fm.nll_loss(m.randn(3, 4), m.tensor([0.0, 1, 2])), RuntimeError,
     "expected target dtype to be Long or Byte, but got Float"),
    (lambda m, Fm: Fm.nll_loss(m.randn(3, 4), m.tensor([0, 1, 2]), weight=m.ones(3)), RuntimeError,
     "weight tensor should be defined either for all 4 classes or no classes but got weight tensor of shape: "
     r"\[3\]"),
    (lambda m, Fm: Fm.nll_loss(m.randn(3, 4), m.tensor([[0, 1, 2]])), ValueError, "Expected input batch_size"),
    (lambda m, Fm: Fm.nll_loss(m.randn(2, 4, 5), m.randint(0, 4, (2, 6))), RuntimeError,
     r"Expected target size \[2, 5\], got \[2, 6\]"),
    (lambda m, Fm: Fm.nll_loss(m.arange(12).view(3, 4), m.tensor([1, 0, 2])), NotImplementedError,
     "\"nll_loss_out_frame\" not implemented for 'Long'"),
    (lambda m, Fm: Fm.cross_entropy(m.randn(3, 4), m.randint(0, 3, (3, 4))), RuntimeError,
     "Expected floating point type for target with class probabilities, got Long"),
    (lambda m, Fm: Fm.cross_entropy(m.randn(3, 4), m.tensor([1, 2, 3]), label_smoothing=1.5), RuntimeError,
     "label_smoothing must be between 0.0 and 1.0. Got: 1.5"),
    (lambda m, Fm: Fm.cross_entropy(m.randn(3, 4), m.rand(3, 4), ignore_index=1), RuntimeError,
     "ignore_index is not supported for floating point target"),
    (lambda m, Fm: Fm.cross_entropy(m.randn(3, 4), m.rand(3, 5)), RuntimeError,
     "0D or 1D target tensor expected, multi-target not supported"),
    (lambda m, Fm: Fm.binary_cross_entropy(m.rand(3), m.rand(3, 1)), ValueError,
     "that is different to the input size"),
    (lambda m, Fm: Fm.binary_cross_entropy(m.tensor([1.5]), m.rand(1)), RuntimeError,
     "all elements of input should be between 0 and 1"),
    (lambda m, Fm: Fm.binary_cross_entropy(m.rand(2, 3).double(), m.rand(2, 3)), RuntimeError,
     "Found dtype Float but expected Double"),
    (lambda m, Fm: Fm.smooth_l1_loss(m.randn(3), m.randn(3), beta=-1), RuntimeError,
     "smooth_l1_loss does not support negative values for beta."),
    (lambda m, Fm: Fm.huber_loss(m.randn(3), m.randn(3), delta=0), RuntimeError,
     "huber_loss does not support non-positive values for delta."),
    (lambda m, Fm: Fm.mse_loss(m.randn(3), m.randn(3), reduction="bad"), ValueError,
     "bad is not a valid value for reduction"),
    (lambda m, Fm: Fm.mse_loss(m.randn(3), m.randn(3), weight=m.ones(2)), ValueError,
     "Weights and input must have the same size."),
    (lambda m, Fm: Fm.softmax(m.arange(3), 0), NotImplementedError,
     "\"softmax_lastdim_kernel_impl\" not implemented for 'Long'"),
    (lambda m, Fm: Fm.log_softmax(m.arange(6).view(2, 3), 0), NotImplementedError,
     "\"log_softmax_kernel_impl\" not implemented for 'Long'"),
    (lambda m, Fm: Fm.softmax(m.randn(3), 1), IndexError, r"Dimension out of range \(expected to be in range of "
                                                         r"\[-1, 0\], but got 1\)"),
    (lambda m, Fm: Fm.gelu(m.randn(3), approximate="bad"), RuntimeError,
     "approximate argument must be either none or tanh."),
    (lambda m, Fm: Fm.gelu(m.arange(3)), NotImplementedError, "\"GeluKernelImpl\" not implemented for 'Long'"),
    (lambda m, Fm: Fm.elu(m.arange(3)), NotImplementedError, "\"elu_cpu\" not implemented for 'Long'"),
    (lambda m, Fm: Fm.leaky_relu(m.arange(3)), NotImplementedError, "\"leaky_relu_cpu\" not implemented for 'Long'"),
    (lambda m, Fm: Fm.softplus(m.arange(3)), NotImplementedError, "\"softplus_cpu\" not implemented for 'Long'"),
    (lambda m, Fm: Fm.silu(m.arange(3)), NotImplementedError, "\"silu_cpu\" not implemented for 'Long'"),
    (lambda m, Fm: Fm.mish(m.arange(3)), NotImplementedError, "\"mish_cpu\" not implemented for 'Long'"),
    (lambda m, Fm: Fm.hardtanh(m.randn(3), 2, 1), ValueError, "min_val cannot be greater than max_val"),
    (lambda m, Fm: Fm.linear(m.randn(3, 4), m.randn(5, 3)), RuntimeError,
     r"mat1 and mat2 shapes cannot be multiplied \(3x4 and 3x5\)"),
    (lambda m, Fm: Fm.linear(m.randn(3, 4), m.randn(5, 4).double()), RuntimeError,
     "expected m1 and m2 to have the same dtype, but got: float != double"),
]


@pytest.mark.parametrize("call,exc,pattern", ERRORS, ids=[str(i) for i in range(len(ERRORS))])
def test_errors_match_torch(call, exc, pattern):
    for m, Fm in ((torch, TF), (fastgrad, F)):
        with pytest.raises(exc, match=pattern):
            call(m, Fm)


def test_legacy_reduction_arguments():
    x, y = fastgrad.randn(3, 4), fastgrad.randn(3, 4)
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
        out = F.mse_loss(x, y, size_average=False)
    np.testing.assert_allclose(out.item(), F.mse_loss(x, y, reduction="sum").item(), rtol=1e-6)
    with pytest.warns(UserWarning):
        assert tuple(F.nll_loss(x, fastgrad.tensor([0, 1, 2]), reduce=False).shape) == (3,)


def test_top_level_exports():
    for name in ("softmax", "log_softmax", "dropout", "dropout_", "selu", "selu_",
                 "binary_cross_entropy_with_logits", "sigmoid", "tanh", "relu"):
        assert hasattr(fastgrad, name), name
    x, t = np.random.randn(3, 4), np.random.rand(3, 4)
    ours = fastgrad.binary_cross_entropy_with_logits(fastgrad.tensor(x), fastgrad.tensor(t), None, None, 2)
    theirs = torch.binary_cross_entropy_with_logits(torch.tensor(x), torch.tensor(t), None, None, 2)
    np.testing.assert_allclose(ours.item(), theirs.item(), rtol=1e-12)
