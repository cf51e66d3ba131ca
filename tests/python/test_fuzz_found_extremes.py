"""Regression tests for the extreme-value classes the differential fuzzer (tests/python/fuzz/) found: inputs at
float32's limits (3e38), huge exponents and NaN, where the association of a derivative decides whether an
intermediate overflows. Each snippet runs on fastgrad and on torch; values and the gradients of the leaves `a*`
must agree (NaN and inf included)."""

import warnings
from math import inf, nan  # noqa: F401 - they appear in tensor literals

import numpy as np
import pytest

import fastgrad

torch = pytest.importorskip("torch")


def _run(lib, code):
    ns = {"T": lib, "F": lib.nn.functional, "np": np, "inf": inf, "nan": nan}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(code, ns)
        out = ns["out"]
        value = out.detach().numpy().astype(float)
        leaves = [ns[k] for k in sorted(ns) if k.startswith("a") and k[1:].isdigit()]
        grads = []
        if out.requires_grad:
            up = lib.tensor(np.round(np.random.default_rng(0).normal(size=tuple(out.shape)), 2).astype(
                str(out.dtype).split(".")[-1]))
            out.backward(up)
            grads = [None if a.grad is None else a.grad.numpy().astype(float) for a in leaves]
    return str(out.dtype).split(".")[-1], value, grads


def check(code):
    fd, fv, fg = _run(fastgrad, code)
    td, tv, tg = _run(torch, code)
    assert fd == td
    np.testing.assert_allclose(fv, tv, rtol=2e-6, atol=1e-6, equal_nan=True)
    assert len(fg) == len(tg)
    for f, t in zip(fg, tg):
        assert (f is None) == (t is None)
        if f is not None:
            np.testing.assert_allclose(f, t, rtol=2e-6, atol=1e-6, equal_nan=True)


def t(values, dtype="float32", grad=False):
    return f"T.tensor(np.array({values!r}, dtype='{dtype}'), requires_grad={grad})"


# ---- derivatives written in PyTorch's association: -grad * ((a / b) / b) for the divisor, (grad * b) * recip
# for atan2, grad * a / result for hypot


@pytest.mark.parametrize("code", [
    f"a0 = {t([1.62, 1.0, -1.98], grad=True)}\nout = {t([3e38, 1e-40, inf])} / a0",
    f"a0 = {t([1.62, 0.5, -1.98], grad=True)}\nout = T.true_divide({t([[3e38, -1.0, 2.0], [1e30, 0.0, nan]])}, a0)",
    f"a0 = {t([3e38, 1e30, -2.0], grad=True)}\na1 = {t([1e-20, 1e-10, 0.0], grad=True)}\nout = a0 / a1",
    f"a0 = {t([1.1, 0.0, -2.0], grad=True)}\nout = a0.atan2({t([3e38, 0.0, 1.0])})",
    f"a0 = {t([0.74, 3e38, -0.84], grad=True)}\na1 = {t([1.7, 1.0, 0.0], grad=True)}\nout = T.atan2(a0, a1)",
    f"a0 = {t([-1.74, 3e38, 0.93, 0.0], grad=True)}\nout = a0.hypot({t([3e38, 3e38, 1.0, 0.0])})",
    f"a0 = {t([-1.1, 2.0], grad=True)}\na1 = {t([3e38, nan], grad=True)}\nout = T.hypot(a0, a1)",
    f"a0 = {t([1e300, 2.0], 'float64', grad=True)}\na1 = {t([1e300, 1e-300], 'float64', grad=True)}\nout = T.hypot(a0, a1)",
])
def test_binary_derivative_association(code):
    check(code)


# ---- vector norms: PyTorch's grouping of sign(x) |x|^(p-1) / ||x||^(p-1) for each range of p


@pytest.mark.parametrize("p", [-2**31 - 1, -1.5, 0.5, 1.5, 2, 3, 40])
@pytest.mark.parametrize("values", [[-0.21, -2.84, 0.28, 1.32], [0.0, 0.0, 0.0, 0.0], [0.0, 3.0, -4.0, 0.0],
                                    [3e38, 1.0, -2.0, 0.5]])
def test_norm_backward_grouping(p, values):
    check(f"a0 = {t(values, grad=True)}\nout = a0.norm(p={p})")
    check(f"a0 = {t([values, values[::-1]], 'float64', grad=True)}\nout = a0.norm(p={p}, dim=1)")


@pytest.mark.parametrize("code", [
    f"a0 = {t([[-0.21, -2.84, 0.28], [1.32, 0.03, 4.57]], grad=True)}\nout = F.normalize(a0, p=-2**31 - 1, dim=1)",
    f"a0 = {t(-0.72, grad=True)}\nout = F.normalize(a0, p=-2**31 - 1, dim=-1)",
    f"a0 = {t([[[2.85, 3.11, -0.96, -1.2]]], 'float64', grad=True)}\n"
    f"out = F.pairwise_distance(a0, {t([[[0, 4, -9223372036854775808, -1]]], 'int64')}, -2**31 - 1)",
])
def test_norm_composites(code):
    check(code)


@pytest.mark.parametrize("p", [0.5, 1.5, 3.0])
def test_norm_gradcheck_float64(p):
    from fastgrad.autograd import gradcheck

    x = fastgrad.tensor([[0.3, -1.2, 2.0], [0.7, 0.4, -0.9]], dtype=fastgrad.float64, requires_grad=True)
    assert gradcheck(lambda a: a.norm(p=p, dim=1), (x,))


# ---- pow with a number exponent: the exponent is used as a double (float32 would round -2**31 - 1 to an even
# number); a bool exponent runs the formula (False: 0 * x^-1, NaN at 0)


@pytest.mark.parametrize("code", [
    f"x0 = {t([[-1e30, -1.33, 0.63], [-1.33, 0.29, -0.43]])}\nx0 **= -2**31 - 1\nout = x0",
    f"out = {t([-0.43, -1.33, 1.5, -2.0])}.pow(-2**31 + 1)",
    f"out = {t([-0.43, -1.33, 1.5, -2.0])}.pow(2**31 + 1)",
    f"out = {t([-0.43, 1.7, 2.5])} ** 2.2",
    f"a0 = {t([0.0, 2.0, inf, -1.0, nan], grad=True)}\nout = a0 ** False",
    f"a0 = {t([0.0, 2.0, inf, -1.0], grad=True)}\nout = a0 ** True",
    f"a0 = {t([0.0, 2.0, inf, -1.0], grad=True)}\nout = a0 ** 0",
])
def test_pow_number_exponent(code):
    check(code)


# ---- hardsigmoid / hardswish: native ops with torch's formulas and association: (x * clamp(x + 3, 0, 6)) / 6
# overflows at 3e38 in float32, -inf gives NaN; the gradients are selected per range (hardsigmoid: grad * 1/6
# rounded to float32 on (-3, 3), else 0, NaN included; hardswish: 0 for x <= -3, grad for x >= 3 and NaN).
# Fewer than 8 elements: torch's scalar loop (its vectorised blocks differ at NaN: torch-vector-path)

EDGES = [[nan, inf, -inf, 3e38, -3e38, -3.0, 3.0], [-2.9999, 2.9999, 0.0, 1.0, -1.0, 5.0, 1e-40]]


@pytest.mark.parametrize("name", ["hardsigmoid", "hardswish"])
@pytest.mark.parametrize("values", EDGES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("form", ["F.{name}(a0)", "F.{name}(a0 * 1, inplace=True)", "T.nn.{cls}()(a0)"])
def test_hardsigmoid_hardswish_edges(name, values, dtype, form):
    cls = {"hardsigmoid": "Hardsigmoid", "hardswish": "Hardswish"}[name]
    check(f"a0 = {t(values, dtype, grad=True)}\nout = " + form.format(name=name, cls=cls))


@pytest.mark.parametrize("name", ["hardsigmoid", "hardswish"])
def test_hardsigmoid_hardswish_nodes(name):
    for lib in (fastgrad, torch):
        x = lib.tensor([-4.0, -1.0, 0.5, 4.0], requires_grad=True)
        y = getattr(lib.nn.functional, name)(x * 1, inplace=True)
        assert type(y.grad_fn).__name__ == name.capitalize() + "Backward0"
        with pytest.raises(RuntimeError, match="leaf Variable"):
            getattr(lib.nn.functional, name)(x, inplace=True)
        with pytest.raises(NotImplementedError, match=f'"{name}_cpu" not implemented for \'Long\''):
            getattr(lib.nn.functional, name)(lib.tensor([1, 2]))


@pytest.mark.parametrize("name", ["hardsigmoid", "hardswish"])
def test_hardsigmoid_hardswish_gradcheck_float64(name):
    from fastgrad.autograd import gradcheck, gradgradcheck

    x = fastgrad.tensor([-4.0, -2.5, -1.0, 0.3, 2.2, 4.0], dtype=fastgrad.float64, requires_grad=True)
    f = getattr(fastgrad.nn.functional, name)
    assert gradcheck(f, (x,))
    assert gradgradcheck(f, (x,))


# ---- convolution, zero padding and a non-finite weight: torch's float64 kernels and its float32 kernel for a
# single ungrouped sample multiply the padding (0 * inf = NaN), as fastgrad does everywhere; torch's float32
# oneDNN kernel (batches, grouped convolutions) skips padded taps instead (allow-list class extreme-values)


@pytest.mark.parametrize("code", [
    f"a0 = {t([[[1.0, 2.0, 3.0, -1.5]]], 'float64', grad=True)}\n"
    f"a1 = {t([[[inf, 1.0, 2.0]]], 'float64', grad=True)}\nout = F.conv1d(a0, a1, padding=1)",
    f"a0 = {t([[[[1.0, 2.0], [3.0, -1.5]], [[0.5, 0.0], [-2.0, 1.0]]]] * 2, 'float64', grad=True)}\n"
    f"a1 = {t([[[[0.5, -inf], [1.0, 2.0]]] * 2] * 2, 'float64', grad=True)}\nout = F.conv2d(a0, a1, padding=1, stride=2)",
    f"a0 = {t([[[[1.0, 2.0, 3.0], [3.0, -1.5, 0.0]]]], grad=True)}\n"
    f"a1 = {t([[[[nan, 1.0], [1.0, 2.0]]]], grad=True)}\nout = F.conv2d(a0, a1, padding=1)",
])
def test_conv_padding_times_infinite_weight(code):
    check(code)


# alpha == 0: addmm and addmv leave the product's operands unread, as BLAS does and torch's addmm/addmv do at
# every size (NaN and inf in mat1/mat2/vec do not reach the value; mat2's gradient is still alpha * mat1^T g,
# NaN where mat1 is infinite, as torch's). baddbmm computes 0 * (a @ b) as torch's small-batch kernel does.
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("code", [
    "a0 = T.tensor(np.array([[1., inf], [nan, 2.]], dtype=DT), requires_grad=True); "
    "a1 = T.tensor(np.array([[0.5, -1.], [2., 3.]], dtype=DT), requires_grad=True); "
    "a2 = T.tensor(np.array([[1., 2.], [3., 4.]], dtype=DT), requires_grad=True); out = T.addmm(a2, a0, a1, alpha=0)",
    "a0 = T.tensor(np.array([[1., inf], [nan, 2.]], dtype=DT), requires_grad=True); "
    "a1 = T.tensor(np.array([[0.5, -1.], [2., 3.]], dtype=DT), requires_grad=True); "
    "a2 = T.tensor(np.array([1., 2.], dtype=DT), requires_grad=True); out = T.addmm(a2, a0, a1, alpha=0, beta=-1.5)",
    "a0 = T.tensor(np.array([[1., inf], [nan, 2.]], dtype=DT), requires_grad=True); "
    "a1 = T.tensor(np.array([inf, 3.], dtype=DT), requires_grad=True); "
    "a2 = T.tensor(np.array([1., 2.], dtype=DT), requires_grad=True); out = T.addmv(a2, a0, a1, alpha=0.0)",
    "a0 = T.tensor(np.array([[1., inf], [nan, 2.]], dtype=DT), requires_grad=True); "
    "a1 = T.tensor(np.array([inf, 3.], dtype=DT), requires_grad=True); "
    "a2 = T.tensor(np.array([nan, 2.], dtype=DT), requires_grad=True); out = T.addmv(a2, a0, a1, alpha=0, beta=0)",
    "a0 = T.tensor(np.array([[[1., inf], [nan, 2.]]], dtype=DT), requires_grad=True); "
    "a1 = T.tensor(np.array([[[0.5, -1.], [2., 3.]]], dtype=DT), requires_grad=True); "
    "out = T.baddbmm(T.zeros(1, 2, 2, dtype=T.DTT), a0, a1, alpha=0)",
])
def test_zero_alpha_leaves_the_product_unread(code, dtype):
    check(code.replace("DTT", dtype).replace("DT", repr(dtype)))


def test_zero_alpha_integer_product():
    for lib in (fastgrad, torch):
        out = lib.addmm(lib.ones(1, 1, dtype=lib.int64), lib.tensor([[1, 2]]), lib.tensor([[1], [1]]), alpha=0, beta=3)
        assert out.tolist() == [[3]]


# ---- formulas in torch's association at the edges (fuzzer seed 2)


@pytest.mark.parametrize("code", [
    # binary_cross_entropy_with_logits: (1 - y) x - log_sigmoid(x), exact at x = -inf (inf, not NaN)
    f"a0 = {t([-inf, inf, 0.0, -30.0, 25.0], grad=True)}\n"
    f"out = F.binary_cross_entropy_with_logits(a0, {t([1.34, 0.5, 2.0, 0.0, 1.0])}, reduction='none')",
    f"a0 = {t([-inf, inf, 0.0, -30.0], grad=True)}\n"
    f"out = F.binary_cross_entropy_with_logits(a0, {t([1.34, 0.5, 2.0, 1.0])}, pos_weight={t([2.0, 3.0, 0.5, 4.0])},"
    " reduction='none')",
    # addcdiv's tensor2 gradient: -g * (value * t1 / (t2 * t2)), value * t1 in t1's dtype (float32 overflows)
    f"x1 = {t([[-0.47, -3.76], [2.41, -0.33]])}\n"
    f"a0 = {t([-0.61, 4.3], 'float64', grad=True)}\nout = T.zeros(2, 2, dtype=T.float64).addcdiv(x1, a0, value=3e38)",
    f"a0 = {t([-0.47, 2.0], grad=True)}\na1 = {t([1.5, -0.25], 'float64', grad=True)}\n"
    "out = T.addcdiv(T.zeros(2, dtype=T.float64), a0, a1, value=1e30)",
    # the standard deviation of equal values is exactly 0, and so is its gradient (torch masks g / (2 std))
    f"a0 = {t([[[-3.39]], [[-1.63]]], 'float64', grad=True)}\nout = a0.expand(2, 4, 5).std(-1, False)",
    f"a0 = {t([[0.1], [2.7]], grad=True)}\nout = a0.expand(2, 7).std(1)",
    f"a0 = {t([[0.1], [2.7]], 'float64', grad=True)}\nout = T.std_mean(a0.expand(2, 3), 1)[0]",
])
def test_edge_formulas_as_torch(code):
    check(code)


@pytest.mark.parametrize("kind", ["nll", "cross_entropy"])
def test_zero_total_weight_gives_nan_gradient(kind):
    # 'mean' divides by the total weight of the targets; when it is 0 the gradient at the targets is -0 / 0 = NaN
    # (and cross_entropy's softmax spreads it over the row); ignored targets keep a zero gradient
    res = []
    for lib in (fastgrad, torch):
        x = lib.tensor([[0.1, 0.2, 0.3, 0.4], [0.5, -1.0, 2.0, 0.0]], requires_grad=True)
        target, w = lib.tensor([2, 1]), lib.tensor([2.79, 0.0, 0.0, 1.35])
        loss = (lib.nn.functional.nll_loss(x, target, weight=w) if kind == "nll"
                else lib.nn.functional.cross_entropy(x, target, weight=w))
        loss.backward()
        x2 = lib.tensor([[0.1, 0.2, 0.3, 0.4]], requires_grad=True)
        lib.nn.functional.nll_loss(x2, lib.tensor([-100]), weight=w).backward()
        res.append((loss.item(), x.grad.numpy(), x2.grad.numpy()))
    (fl, fg, fi), (tl, tg, ti) = res
    assert np.isnan(fl) and np.isnan(tl)
    np.testing.assert_array_equal(np.isnan(fg), np.isnan(tg))
    np.testing.assert_allclose(fg, tg, equal_nan=True)
    np.testing.assert_array_equal(fi, ti)


def test_baddbmm_bool_empty_result():
    for lib in (fastgrad, torch):
        z = lib.zeros
        out = lib.baddbmm(z(1, 0, 5, dtype=lib.bool), z(1, 0, 2, dtype=lib.bool), z(1, 2, 5, dtype=lib.bool), beta=3)
        assert tuple(out.shape) == (1, 0, 5) and str(out.dtype).endswith("bool")


@pytest.mark.parametrize("call", [
    "F.layer_norm(x, (2,))", "F.group_norm(x.reshape(1, 4, 1), 2)", "F.group_norm(x.reshape(2, 2, 1), 1)",
    "F.batch_norm(x.reshape(2, 2), None, None, training=True)", "F.instance_norm(x.reshape(1, 2, 2))",
    "F.layer_norm(x, (2,), T.tensor([2.0, -1.0]), T.tensor([0.5, 0.25]))",
])
def test_normalisation_rows_whose_squares_overflow_float32(call):
    # a float32 row holding 1e30: its variance (2.5e59) overflows float32 but its rstd (2e-30) does not, so the
    # row is normalised as in float64 (torch's float32 statistics give NaN there, its float64 ones this answer)
    values = [[-1e30, 1.1], [2.47, 0.76]]
    ns = {"F": fastgrad.nn.functional, "T": fastgrad}
    got = eval(call, dict(ns, x=fastgrad.tensor(values))).numpy()
    ref_ns = {"F": torch.nn.functional, "T": torch}
    ref = eval(call.replace("T.tensor([2.0, -1.0])", "T.tensor([2.0, -1.0], dtype=T.float64)")
               .replace("T.tensor([0.5, 0.25])", "T.tensor([0.5, 0.25], dtype=T.float64)"),
               dict(ref_ns, x=torch.tensor(values, dtype=torch.float32).double())).numpy()
    np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("values", [[np.inf, -4.0], [-4.0, np.inf], [1.0, 2.0, -np.inf], [-np.inf] * 4, [np.nan, 1.0]])
@pytest.mark.parametrize("name", ["var_mean", "std_mean"])
def test_moments_mean_of_infinite_values_is_torch_mean(values, name):
    # the corrected two-pass mean keeps an infinite mean infinite (no inf - inf); torch's own var_mean gives
    # NaN or inf by the inf's position (docs/differences.md, torch-var-mean-welford), so torch.mean is the oracle
    x = np.array(values)
    spread, mean = getattr(fastgrad, name)(fastgrad.tensor(x))
    np.testing.assert_array_equal(mean.numpy(), torch.tensor(x).mean().numpy())
    assert np.isnan(spread.item()) == np.isnan(getattr(torch, name)(torch.tensor(x))[0].item())
