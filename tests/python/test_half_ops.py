"""Ops without a float16/bfloat16 kernel of their own, run on half-precision inputs (Note [Half-precision ops] in
cpp/src/ops/reduced_float.h), and the small integer dtypes, compared with PyTorch: values (within the dtype's
rounding), result dtypes, gradients and grad_fn names."""
import numpy as np
import pytest

import fastgrad

torch = pytest.importorskip("torch")

HALF = ["float16", "bfloat16"]
TOL = {"float16": 2e-3, "bfloat16": 2e-2}


def values(shape, seed, lo=-2.0, hi=2.0):
    return np.random.default_rng(seed).uniform(lo, hi, shape)


def pair(arr, dt, grad=False):
    """The same values as a torch and a fastgrad tensor of dtype `dt`."""
    t = torch.tensor(arr, dtype=getattr(torch, dt))
    f = fastgrad.tensor(np.asarray(t.float().numpy() if dt in HALF else t.numpy()), dtype=getattr(fastgrad, dt))
    if grad:
        t.requires_grad_(True)
        f.requires_grad_(True)
    return t, f


def as_np(x):
    x = x.detach()
    if str(x.dtype).split(".")[-1] in HALF:
        x = x.float()
    return x.numpy()


def check(expected, actual, dt, tol_scale=1.0):
    if isinstance(expected, (tuple, list)):
        assert len(expected) == len(actual)
        for e, a in zip(expected, actual):
            check(e, a, dt, tol_scale)
        return
    assert str(actual.dtype).split(".")[-1] == str(expected.dtype).split(".")[-1], (actual.dtype, expected.dtype)
    assert tuple(actual.shape) == tuple(expected.shape)
    tol = TOL.get(dt, 0) * tol_scale
    np.testing.assert_allclose(as_np(actual), as_np(expected), rtol=tol, atol=tol)


def grad_name(t):
    g = t.grad_fn
    return None if g is None else (g.name() if callable(getattr(g, "name", None)) else type(g).__name__)


def run_both(dt, shapes, fn, seed=0, grad=True, tol_scale=1.0, check_grad=True):
    """fn(lib, *tensors) on both libraries; compares the outputs, their grad_fn names and input gradients."""
    ts, fs = [], []
    for i, s in enumerate(shapes):
        t, f = pair(values(s, seed + i), dt, grad)
        ts.append(t)
        fs.append(f)
    e = fn(torch, *ts)
    a = fn(fastgrad, *fs)
    check(e, a, dt, tol_scale)
    e0 = e[0] if isinstance(e, (tuple, list)) else e
    a0 = a[0] if isinstance(a, (tuple, list)) else a
    if not grad:
        return
    assert grad_name(a0) == type(e0.grad_fn).__name__
    if not check_grad:
        return
    up = values(tuple(e0.shape), 99)
    gt = torch.autograd.grad(e0, ts, torch.tensor(up, dtype=e0.dtype), allow_unused=True)
    gf = fastgrad.autograd.grad(a0, fs, fastgrad.tensor(up, dtype=a0.dtype), allow_unused=True)
    for x, y in zip(gt, gf):
        if x is None:
            assert y is None or not np.any(as_np(y))
        else:
            check(x, y, dt, tol_scale * 4)


@pytest.mark.parametrize("dt", HALF)
def test_batch_norm_train_updates_running_stats(dt):
    x_t, x_f = pair(values((4, 3, 5), 1), dt, True)
    rm_t, rm_f = pair(np.zeros(3), dt)
    rv_t, rv_f = pair(np.ones(3), dt)
    w_t, w_f = pair(values(3, 2), dt, True)
    e = torch.nn.functional.batch_norm(x_t, rm_t, rv_t, w_t, None, training=True, momentum=0.3)
    a = fastgrad.nn.functional.batch_norm(x_f, rm_f, rv_f, w_f, None, training=True, momentum=0.3)
    check(e, a, dt)
    check(rm_t, rm_f, dt)
    check(rv_t, rv_f, dt)
    assert grad_name(a) == type(e.grad_fn).__name__ == "NativeBatchNormBackward0"
    gt = torch.autograd.grad(e.square().sum(), [x_t, w_t])
    gf = fastgrad.autograd.grad(a.square().sum(), [x_f, w_f])
    check(gt, gf, dt, 8)


@pytest.mark.parametrize("dt", HALF)
def test_batch_norm_eval_and_module(dt):
    run_both(dt, [(2, 3, 4), (3,), (3,)], lambda m, x, w, b: m.nn.functional.batch_norm(
        x, m.zeros(3, dtype=x.dtype) + 0.5, m.ones(3, dtype=x.dtype) * 2, w, b, training=False))
    run_both(dt, [(2, 3, 4)], lambda m, x: m.nn.functional.instance_norm(x))
    torch.manual_seed(0)
    bn_t = torch.nn.BatchNorm1d(3).to(getattr(torch, dt))
    bn_f = fastgrad.nn.BatchNorm1d(3).to(getattr(fastgrad, dt))
    x_t, x_f = pair(values((5, 3), 4), dt)
    check(bn_t(x_t), bn_f(x_f), dt)
    check(bn_t.running_mean, bn_f.running_mean, dt)
    assert bn_f.running_var.dtype == getattr(fastgrad, dt)


@pytest.mark.parametrize("dt", HALF)
def test_norm_conv_pool_loss_grad_fn_names(dt):
    """layer_norm, group_norm, conv, pooling and nll_loss show the op's own Node, as PyTorch's do."""
    run_both(dt, [(2, 6), (6,), (6,)], lambda m, x, w, b: m.nn.functional.layer_norm(x, (6,), w, b))
    run_both(dt, [(2, 4, 3), (4,)], lambda m, x, w: m.nn.functional.group_norm(x, 2, w))
    run_both(dt, [(1, 2, 5, 5), (3, 2, 3, 3), (3,)], lambda m, x, w, b: m.nn.functional.conv2d(x, w, b, padding=1),
             tol_scale=4)
    run_both(dt, [(1, 2, 6, 6)], lambda m, x: m.nn.functional.max_pool2d(x, 2))
    run_both(dt, [(1, 2, 6, 6)], lambda m, x: m.nn.functional.avg_pool2d(x, 3, 2))
    run_both(dt, [(1, 2, 6, 6)], lambda m, x: m.nn.functional.adaptive_avg_pool2d(x, 4))
    run_both(dt, [(3, 5)], lambda m, x: m.nn.functional.nll_loss(x, m.tensor([0, 4, 2])))
    run_both(dt, [(3, 5)], lambda m, x: m.nn.functional.cross_entropy(x, m.tensor([0, 4, 2])), tol_scale=2)
    run_both(dt, [(3, 5)], lambda m, x: m.sort(x, 1)[0])
    run_both(dt, [(3, 5)], lambda m, x: m.topk(x, 2)[0])


@pytest.mark.parametrize("dt", HALF)
def test_sorting_family(dt):
    x_t, x_f = pair(np.round(values((4, 6), 5) * 2) / 2, dt)
    for kw in ({}, {"return_inverse": True, "return_counts": True}, {"dim": 1}):
        check(torch.unique(x_t, **kw), fastgrad.unique(x_f, **kw), dt)
        check(torch.unique_consecutive(x_t, **kw), fastgrad.unique_consecutive(x_f, **kw), dt)
    run_both(dt, [(4, 7)], lambda m, x: m.kthvalue(x, 3, 1))
    run_both(dt, [(4, 7)], lambda m, x: m.kthvalue(x, 2, 0, True))
    x_t, x_f = pair(values((5, 6), 6), dt)
    check(torch.argsort(x_t, 1), fastgrad.argsort(x_f, 1), dt)


@pytest.mark.parametrize("dt", HALF)
def test_trace_histc_histogram(dt):
    run_both(dt, [(4, 5)], lambda m, x: m.trace(x))
    x_t, x_f = pair(values(50, 7) * 0.97, dt)
    # PyTorch places each element by arithmetic rounded to the dtype at every step, fastgrad in float32: an element
    # within rounding of a bin edge may land in the neighbouring bin (docs/differences.md)
    e, a = torch.histc(x_t, 7, -2, 2), fastgrad.histc(x_f, 7, -2, 2)
    assert a.dtype == getattr(fastgrad, dt) and a.shape == e.shape and float(a.sum()) == float(e.sum())
    assert np.abs(as_np(a) - as_np(e)).max() <= 1
    check(torch.histc(x_t, 4, -2, 2), fastgrad.histc(x_f, 4, -2, 2), dt)
    check(torch.histogram(x_t, 5, range=(-1.5, 1.5)), fastgrad.histogram(x_f, 5, range=(-1.5, 1.5)), dt)
    check(torch.histogram(x_t, x_t.new_tensor([-2.0, 0.0, 1.0])), fastgrad.histogram(x_f, x_f.new_tensor([-2.0, 0.0, 1.0])), dt)
    with pytest.raises(NotImplementedError, match="histogramdd"):
        torch.histogram(x_t, 5)
    with pytest.raises(NotImplementedError, match="histogramdd"):
        fastgrad.histogram(x_f, 5)


@pytest.mark.parametrize("dt", HALF)
def test_attention(dt):
    run_both(dt, [(2, 3, 4), (2, 5, 4), (2, 5, 4)],
             lambda m, q, k, v: m.nn.functional.scaled_dot_product_attention(q, k, v), tol_scale=2)
    run_both(dt, [(1, 2, 4, 4), (1, 2, 4, 4), (1, 2, 4, 4)],
             lambda m, q, k, v: m.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True), tol_scale=2)


@pytest.mark.parametrize("dt", HALF)
@pytest.mark.parametrize("mode", ["lstm", "gru", "rnn_tanh", "rnn_relu"])
def test_recurrent(dt, mode):
    torch.manual_seed(0)
    cls = {"lstm": "LSTM", "gru": "GRU", "rnn_tanh": "RNN", "rnn_relu": "RNN"}[mode]
    kw = {"nonlinearity": "relu"} if mode == "rnn_relu" else {}
    m_t = getattr(torch.nn, cls)(3, 4, num_layers=2, **kw).to(getattr(torch, dt))
    m_f = getattr(fastgrad.nn, cls)(3, 4, num_layers=2, **kw)
    m_f.load_state_dict({k: fastgrad.tensor(v.float().numpy()) for k, v in m_t.state_dict().items()})
    m_f = m_f.to(getattr(fastgrad, dt))
    x_t, x_f = pair(values((5, 2, 3), 8), dt, True)
    e, a = m_t(x_t), m_f(x_f)
    check(e[0], a[0], dt, 4)
    gt = torch.autograd.grad(e[0].sum(), [x_t])
    gf = fastgrad.autograd.grad(a[0].sum(), [x_f])
    check(gt, gf, dt, 8)
    cell_t = getattr(torch.nn, cls + "Cell")(3, 4, **kw).to(getattr(torch, dt))
    cell_f = getattr(fastgrad.nn, cls + "Cell")(3, 4, **kw)
    cell_f.load_state_dict({k: fastgrad.tensor(v.float().numpy()) for k, v in cell_t.state_dict().items()})
    cell_f = cell_f.to(getattr(fastgrad, dt))
    check(cell_t(x_t[0]), cell_f(x_f[0]), dt, 4)


@pytest.mark.parametrize("dt", HALF)
def test_resampling_and_folding(dt):
    F = "nn.functional"
    run_both(dt, [(1, 2, 4, 4)], lambda m, x: m.nn.functional.interpolate(x, scale_factor=2, mode="bilinear"))
    run_both(dt, [(1, 2, 5)], lambda m, x: m.nn.functional.interpolate(x, size=7, mode="nearest"))
    run_both(dt, [(1, 2, 4, 4)], lambda m, x: m.nn.functional.interpolate(x, size=(3, 5), mode="bicubic"))
    run_both(dt, [(1, 2, 4, 4)], lambda m, x: m.nn.functional.unfold(x, 2))
    run_both(dt, [(1, 8, 9)], lambda m, x: m.nn.functional.fold(x, (4, 4), 2))
    assert F


@pytest.mark.parametrize("dt", HALF)
def test_max_unpool_and_nan_to_num(dt):
    x_t, x_f = pair(values((1, 2, 4, 4), 9), dt)
    p_t, i_t = torch.nn.functional.max_pool2d(x_t, 2, return_indices=True)
    p_f, i_f = fastgrad.nn.functional.max_pool2d(x_f, 2, return_indices=True)
    check(torch.nn.functional.max_unpool2d(p_t, i_t, 2), fastgrad.nn.functional.max_unpool2d(p_f, i_f, 2), dt)
    s_t, s_f = pair(np.array([np.nan, np.inf, -np.inf, 1.5]), dt)
    check(torch.nan_to_num(s_t), fastgrad.nan_to_num(s_f), dt)
    check(torch.nan_to_num(s_t, 1.0, 1e6, -2.0), fastgrad.nan_to_num(s_f, 1.0, 1e6, -2.0), dt)


@pytest.mark.parametrize("dt", HALF)
def test_refused_as_pytorch_refuses(dt):
    x_t, x_f = pair(values((1, 1, 4, 4, 4), 10), dt)
    with pytest.raises(NotImplementedError, match="avg_pool3d_out_frame"):
        torch.nn.functional.avg_pool3d(x_t, 2)
    with pytest.raises(NotImplementedError, match="avg_pool3d_out_frame"):
        fastgrad.nn.functional.avg_pool3d(x_f, 2)


@pytest.mark.parametrize("dt", HALF)
def test_create_graph_through_region(dt):
    """Second derivatives flow through a Float32RegionBackward to the half-precision inputs."""
    x_t, x_f = pair(values((3, 4), 11), dt, True)
    w_t, w_f = pair(values(4, 12), dt, True)
    res = []
    for m, x, w in ((torch, x_t, w_t), (fastgrad, x_f, w_f)):
        y = m.nn.functional.layer_norm(x, (4,), w)
        (g,) = m.autograd.grad((y * y * y).sum(), [w], create_graph=True)
        (gg,) = m.autograd.grad(g.sum(), [x])
        res.append((g, gg))
    check(res[0][0], res[1][0], dt, 8)
    check(res[0][1], res[1][1], dt, 16)


@pytest.mark.parametrize("dt", HALF)
def test_region_graph_release(dt):
    x_t, x_f = pair(values((3, 4), 13), dt, True)
    y = fastgrad.nn.functional.layer_norm(x_f, (4,))
    y.sum().backward()
    with pytest.raises(RuntimeError, match="second time"):
        y.sum().backward()
    y = fastgrad.nn.functional.layer_norm(x_f, (4,))
    y.sum().backward(retain_graph=True)
    y.sum().backward()
    yt = torch.nn.functional.layer_norm(x_t, (4,))
    yt.sum().backward()
    check(x_t.grad * 3, x_f.grad, dt, 4)


@pytest.mark.parametrize("dt", ["uint8", "int8", "int16"])
def test_small_int_ops(dt):
    lo = 0 if dt == "uint8" else -5
    arr = np.random.default_rng(3).integers(lo, 6, (1, 2, 4, 4))
    x_t, x_f = pair(arr, dt)
    check(torch.nn.functional.max_pool2d(x_t, 2), fastgrad.nn.functional.max_pool2d(x_f, 2), dt)
    check(torch.nn.functional.max_pool3d(x_t, 2, 1), fastgrad.nn.functional.max_pool3d(x_f, 2, 1), dt)
    check(torch.nn.functional.max_pool2d(x_t, 2, return_indices=True),
          fastgrad.nn.functional.max_pool2d(x_f, 2, return_indices=True), dt)
    for op in ("all", "any"):
        check(getattr(torch, op)(x_t), getattr(fastgrad, op)(x_f), dt)
        check(getattr(torch, op)(x_t, 1), getattr(fastgrad, op)(x_f, 1), dt)
    c_t, c_f = pair(np.random.default_rng(4).integers(0, 7, 30), dt)
    check(torch.bincount(c_t), fastgrad.bincount(c_f), dt)
    check(torch.bincount(c_t, minlength=9), fastgrad.bincount(c_f, minlength=9), dt)
    w_t, w_f = pair(values(30, 5), "float16")
    check(torch.bincount(c_t, w_t), fastgrad.bincount(c_f, w_f), dt)
