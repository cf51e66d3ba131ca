"""The CPU layer's batch_norm / group_norm, scan and extreme kernels (cpp/src/cpu/norm_kernels.h,
reduction_kernels.h) at every capability level this machine has, against PyTorch: cumsum / cumprod to the bit
(both accumulate in double, in order along the dim), their gradients, max / min / amax / amin / argmax / argmin
along every dim with NaN, infinities, ties and lengths that leave vector tails (values and positions exact), the
normalisation layers within the fused-norm tests' tolerances; and the same results at 1 and 2 threads."""
import numpy as np
import pytest

import fastgrad as fg

torch = pytest.importorskip("torch")

from test_cpu_kernels import level  # noqa: E402,F401  (the fixture: each CPU level this machine has)


# shapes whose dims leave vector tails (at 4, 8 and 16 lanes) and single-element lines
# (and, for the last dim, groups of 8 rows with rows left over: the 8x8-transposed float path at AVX2 and up)
SHAPES = [(37,), (5, 67), (67, 5), (3, 17, 33), (2, 1, 19), (1, 1), (9, 130, 3), (19, 37), (16, 64)]
DTYPES = [np.float32, np.float64]


def _cases():
    for shape in SHAPES:
        for dim in range(len(shape)):
            yield shape, dim


def _both(xn, requires_grad=False):
    return fg.tensor(xn, requires_grad=requires_grad), torch.tensor(xn, requires_grad=requires_grad)


@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("shape,dim", list(_cases()))
def test_scans_match_torch_to_the_bit(level, shape, dim, dt):
    rng = np.random.default_rng(sum(shape) + dim)
    xn = (rng.standard_normal(shape) * 3).astype(dt)
    pn = (1 + 0.1 * rng.standard_normal(shape)).astype(dt)
    gn = rng.standard_normal(shape).astype(dt)
    for op, data in (("cumsum", xn), ("cumprod", pn)):
        xf, xt = _both(data, True)
        yf, yt = getattr(fg, op)(xf, dim), getattr(torch, op)(xt, dim)
        np.testing.assert_array_equal(yf.detach().numpy(), yt.detach().numpy(), err_msg=op)
        yf.backward(fg.tensor(gn))
        yt.backward(torch.tensor(gn))
        tol = 1e-5 if dt == np.float32 else 1e-12
        np.testing.assert_allclose(xf.grad.numpy(), xt.grad.numpy(), rtol=tol, atol=tol, err_msg=op)


@pytest.mark.parametrize("dim", [0, 1])
def test_cumprod_gradient_with_zeros_and_a_transposed_input(level, dim):
    rng = np.random.default_rng(5)
    xn = (1 + 0.1 * rng.standard_normal((10, 41))).astype(np.float32)
    xn[2, 7] = 0
    xn[4, 30] = 0
    xn[4, 33] = 0
    xn[9, 40] = 0
    gn = rng.standard_normal((10, 41)).astype(np.float32)
    for data in (xn, np.ascontiguousarray(xn.T).T):  # the second is read through a transposed view
        xf, xt = _both(np.ascontiguousarray(data), True)
        xfv = xf.t().contiguous().t() if data is not xn else xf
        yf, yt = fg.cumprod(xfv, dim), torch.cumprod(xt, dim)
        yf.backward(fg.tensor(gn))
        yt.backward(torch.tensor(gn))
        np.testing.assert_allclose(xf.grad.numpy(), xt.grad.numpy(), rtol=1e-5, atol=1e-6)
    # without zeros, rows in groups of 8 and left over
    xf, xt = _both(np.abs(xn) + 0.5, True)
    fg.cumprod(xf, dim).backward(fg.tensor(gn))
    torch.cumprod(xt, dim).backward(torch.tensor(gn))
    np.testing.assert_allclose(xf.grad.numpy(), xt.grad.numpy(), rtol=1e-5, atol=1e-6)


def _special(shape, dt, rng):
    x = rng.standard_normal(shape).astype(dt)
    flat = x.reshape(-1)
    k = flat.size
    flat[rng.integers(0, k, max(1, k // 7))] = 1.5  # ties
    flat[rng.integers(0, k, max(1, k // 11))] = np.inf
    flat[rng.integers(0, k, max(1, k // 11))] = -np.inf
    if k > 3:
        flat[rng.integers(0, k, max(1, k // 13))] = np.nan
    return x


@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("shape,dim", list(_cases()))
def test_extremes_match_torch_exactly(level, shape, dim, dt):
    rng = np.random.default_rng(len(shape) * 10 + dim)
    for xn in (rng.standard_normal(shape).astype(dt), _special(shape, dt, rng),
               np.full(shape, -np.inf, dt), np.full(shape, np.inf, dt)):
        xf, xt = _both(xn)
        for name in ("max", "min"):
            vf, i_f = getattr(fg, name)(xf, dim)
            vt, it = getattr(torch, name)(xt, dim)
            np.testing.assert_array_equal(vf.numpy(), vt.numpy(), err_msg=name)
            np.testing.assert_array_equal(i_f.numpy(), it.numpy(), err_msg=name)
        for name in ("argmax", "argmin"):
            np.testing.assert_array_equal(getattr(fg, name)(xf, dim).numpy(), getattr(torch, name)(xt, dim).numpy(),
                                          err_msg=name)
        for name in ("amax", "amin"):
            np.testing.assert_array_equal(getattr(fg, name)(xf, dim).numpy(), getattr(torch, name)(xt, dim).numpy(),
                                          err_msg=name)
        np.testing.assert_array_equal(fg.amax(xf).numpy(), torch.amax(xt).numpy())
        np.testing.assert_array_equal(fg.argmin(xf).numpy(), torch.argmin(xt).numpy())
        if len(shape) == 3:  # two adjacent dims at once, and two apart (the generic path)
            np.testing.assert_array_equal(fg.amax(xf, (0, 1)).numpy(), torch.amax(xt, (0, 1)).numpy())
            np.testing.assert_array_equal(fg.amin(xf, (0, 2)).numpy(), torch.amin(xt, (0, 2)).numpy())


@pytest.mark.parametrize("dt", DTYPES)
def test_max_gradient_goes_to_the_first_position(level, dt):
    xn = np.array([[1, 3, 3, 2], [np.nan, 1, np.nan, 0], [5, 5, 5, 5]], dt)
    for dim in (0, 1):
        xf, xt = _both(xn, True)
        fg.max(xf, dim)[0].sum().backward()
        torch.max(xt, dim)[0].sum().backward()
        np.testing.assert_array_equal(xf.grad.numpy(), xt.grad.numpy())


NORM_TOL = {np.float32: dict(rtol=1e-4, atol=1e-5), np.float64: dict(rtol=1e-9, atol=1e-11)}


@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("op,shape", [("batch_norm", (5, 6, 37)), ("batch_norm", (3, 4)), ("batch_norm", (2, 3, 4, 5)),
                                      ("group_norm", (3, 6, 37)), ("group_norm", (2, 6, 4, 5)),
                                      ("group_norm", (2, 6)), ("layer_norm", (5, 37)), ("layer_norm", (3, 4, 129)),
                                      ("layer_norm", (2, 16))])
@pytest.mark.parametrize("affine", [True, False])
def test_norm_kernels_match_torch(level, op, shape, dt, affine):
    rng = np.random.default_rng(len(shape))
    xn = (rng.standard_normal(shape) * 2 + 0.5).astype(dt)
    gn = rng.standard_normal(shape).astype(dt)
    if op == "layer_norm":
        xn[0] = 7.25  # a constant row: mean exactly its value, variance exactly 0
    c = shape[-1] if op == "layer_norm" else shape[1]
    wn, bn = (1 + 0.1 * rng.standard_normal(c)).astype(dt), (0.1 * rng.standard_normal(c)).astype(dt)
    results = []
    for lib in (fg, torch):
        # layer_norm against torch in float64: for the constant row torch's float32 weight gradient is off by
        # 3e-4 (its x_hat in backward cancels), fastgrad's is float64's to 1e-6 (Note [Normalisation numerics])
        cast = (lambda a: a.astype(np.float64)) if lib is torch and op == "layer_norm" else (lambda a: a)
        x = lib.tensor(cast(xn), requires_grad=True)
        w = lib.tensor(cast(wn), requires_grad=True) if affine else None
        b = lib.tensor(cast(bn), requires_grad=True) if affine else None
        F = lib.nn.functional
        if op == "batch_norm":
            y = F.batch_norm(x, None, None, w, b, training=True)
        elif op == "group_norm":
            y = F.group_norm(x, 3, w, b)
        else:
            y = F.layer_norm(x, (c,), w, b)
        y.backward(lib.tensor(cast(gn)))
        results.append([y.detach().numpy(), x.grad.numpy()] + ([w.grad.numpy(), b.grad.numpy()] if affine else []))
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, **NORM_TOL[dt])


def test_same_results_at_any_thread_count():
    rng = np.random.default_rng(9)
    big = rng.standard_normal((300, 700)).astype(np.float32)
    big[3, 5] = np.nan
    pos = (1 + 0.01 * big).astype(np.float32)
    g = rng.standard_normal((300, 700)).astype(np.float32)
    before = fg.get_num_threads()
    outs = []
    try:
        for n in (1, 2):
            fg.set_num_threads(n)
            out = []
            for dim in (0, 1):
                x = fg.tensor(pos, requires_grad=True)
                y = fg.cumprod(x, dim)
                y.backward(fg.tensor(g))
                out += [y.detach().numpy(), x.grad.numpy()]
                x = fg.tensor(big, requires_grad=True)
                y = fg.cumsum(x, dim)
                y.backward(fg.tensor(g))
                out += [y.detach().numpy(), x.grad.numpy()]
                v, i = fg.max(fg.tensor(big), dim)
                out += [v.numpy(), i.numpy(), fg.amin(fg.tensor(big), dim).numpy()]
            outs.append(out)
    finally:
        fg.set_num_threads(before)
    for a, b in zip(*outs):
        np.testing.assert_array_equal(a, b)
