"""Edges against PyTorch 2.13: gradients at 0, +-inf and NaN (cumprod, clamp and its relatives, logit and the
other float functions), kernels fed non-contiguous operands (transposed, strided, expanded) for every
tensor argument of the losses and layers, padding with negative amounts in every mode, pooling on integer
dtypes and with indices, and the cases where fastgrad refused what PyTorch answers. Values and float64
gradients are compared with NaN equal to NaN."""

import math
import warnings

import fastgrad
import fastgrad.nn.functional as F
import numpy as np
import pytest

torch = pytest.importorskip("torch")
TF = torch.nn.functional

inf, nan = math.inf, math.nan


# ---- helpers ----


def to_numpy(t):
    if isinstance(t, (fastgrad.Tensor, torch.Tensor)):
        return t.detach().numpy()
    return np.asarray(t)


def assert_same(f, t, rtol=1e-10, atol=1e-12, check_dtype=True):
    """Same shape, dtype and values (NaN equal to NaN, infinities of the same sign)."""
    a, b = to_numpy(f), to_numpy(t)
    assert a.shape == b.shape, (a.shape, b.shape)
    if check_dtype:
        assert a.dtype == b.dtype, (a.dtype, b.dtype)
    np.testing.assert_allclose(a.astype(np.float64) if a.dtype != np.bool_ else a,
                               b.astype(np.float64) if b.dtype != np.bool_ else b, rtol=rtol, atol=atol, equal_nan=True)


def lib_tensor(lib, array, dtype=None, requires_grad=False):
    array = np.array(array)
    out = lib.from_numpy(array.copy())
    if dtype is not None:
        out = out.to(dtype)
    if requires_grad:
        out.requires_grad_(True)
    return out


def run_both(fn, arrays, grad=None, seed=0, rtol=1e-10, atol=1e-12, check_dtype=True):
    """fn(lib, *tensors) on fastgrad and torch with the same float64 inputs; compares the outputs, then the
    gradients of the inputs listed in `grad` (default: every floating input) for the same random cotangent."""
    arrays = [np.asarray(a) for a in arrays]
    grad = [i for i, a in enumerate(arrays) if a.dtype.kind == "f"] if grad is None else grad
    results = {}
    for lib in (fastgrad, torch):
        tensors = [lib_tensor(lib, a, requires_grad=i in grad) for i, a in enumerate(arrays)]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = fn(lib, *tensors)
        results[lib] = (tensors, out)
    (f_in, f_out), (t_in, t_out) = results[fastgrad], results[torch]
    assert_same(f_out, t_out, rtol, atol, check_dtype)
    if grad and t_out.requires_grad:
        cot = np.random.default_rng(seed).standard_normal(tuple(t_out.shape))
        t_out.backward(torch.from_numpy(cot))
        f_out.backward(fastgrad.from_numpy(cot.copy()))
        for i in grad:
            tg, fg = t_in[i].grad, f_in[i].grad
            if tg is None:
                assert fg is None or not np.any(to_numpy(fg)), i
            else:
                assert fg is not None, i
                assert_same(fg, tg, rtol, atol)
    return f_out, t_out


def same_outcome(fn, *args, rtol=1e-10):
    """fn(lib, *args) returns equal values on both libraries, or raises the same exception class."""
    outcomes = []
    for lib in (fastgrad, torch):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                outcomes.append(("ok", fn(lib, *args)))
        except Exception as e:  # noqa: BLE001 - the class is what is compared
            outcomes.append(("raise", e))
    (fk, fv), (tk, tv) = outcomes
    assert fk == tk, (fk, fv, tk, tv)
    if fk == "raise":
        assert type(fv).__name__ == type(tv).__name__, (fv, tv)
    else:
        if isinstance(tv, tuple):
            for a, b in zip(fv, tv):
                assert_same(a, b, rtol)
        elif isinstance(tv, torch.dtype):
            assert str(fv).split(".")[-1] == str(tv).split(".")[-1], (fv, tv)
        else:
            assert_same(fv, tv, rtol)
    return outcomes


def nn_of(lib):
    return F if lib is fastgrad else TF


# ---- cumprod: zeros, infinities and NaN, size-1 lines ----

CUMPROD_LINES = [
    [inf], [nan], [0.0], [-inf], [2.0],
    [2.0, 0.0, 3.0, 0.0, 5.0], [0.0, 0.0, 1.0], [1.0, 2.0, 0.0], [0.0, 2.0, 3.0],
    [2.0, inf, 3.0], [2.0, nan, 3.0], [inf, 0.0, 2.0], [0.0, inf, 2.0], [nan, 0.0], [-inf, -2.0, 0.5],
]


@pytest.mark.parametrize("line", CUMPROD_LINES, ids=str)
def test_cumprod_gradient_at_edges(line):
    run_both(lambda lib, x: lib.cumprod(x, 0), [np.array(line)])


@pytest.mark.parametrize("shape, dim", [((4, 1), 1), ((1, 3), 0), ((2, 1, 3), 1), ((1,), 0), ((), 0)])
def test_cumprod_size_one_dim_is_identity_for_gradient(shape, dim):
    values = np.array([inf, nan, 0.0, -inf, 2.0, -3.0] * 2)[: int(np.prod(shape))].reshape(shape)
    run_both(lambda lib, x: lib.cumprod(x, dim), [values])
    run_both(lambda lib, x: x.cumprod(dim), [values])


def test_cumprod_zeros_match_torch_on_random_lines():
    r = np.random.default_rng(1)
    x = r.standard_normal((5, 6))
    x[r.random((5, 6)) < 0.3] = 0.0
    for dim in (0, 1, -1):
        run_both(lambda lib, t: lib.cumprod(t, dim), [x])


def test_cumprod_double_backward_with_zero():
    x = fastgrad.tensor([2.0, 0.0, 3.0], dtype=fastgrad.float64, requires_grad=True)
    assert fastgrad.autograd.gradcheck(lambda t: t.cumprod(0), (x,))
    assert fastgrad.autograd.gradgradcheck(lambda t: t.cumprod(0), (x,))


# ---- clamp, clip, clamp_min, clamp_max: NaN, ties, crossed bounds, bound gradients ----

EDGE_VALUES = [0.0, 1.0, 2.0, nan]


def _triples():
    import itertools

    xs, los, his = zip(*itertools.product(EDGE_VALUES, EDGE_VALUES, EDGE_VALUES))
    return np.array(xs), np.array(los), np.array(his)


@pytest.mark.parametrize("name", ["clamp", "clip"])
def test_clamp_tensor_bounds_nan_ties_and_crossed(name):
    x, lo, hi = _triples()
    run_both(lambda lib, a, b, c: getattr(lib, name)(a, b, c), [x, lo, hi])
    run_both(lambda lib, a, b, c: getattr(a, name)(min=b, max=c), [x, lo, hi])


@pytest.mark.parametrize("side", ["min", "max"])
def test_clamp_one_tensor_bound(side):
    x, b, _ = _triples()
    run_both(lambda lib, a, t: lib.clamp(a, **{side: t}), [x, b])
    run_both(lambda lib, a, t: getattr(lib, "clamp_" + side)(a, t), [x, b])
    run_both(lambda lib, a, t: getattr(a, "clamp_" + side)(t), [x, b])


@pytest.mark.parametrize("bounds", [(1.0, 1.0), (2.0, 1.0), (0.0, 2.0), (nan, 1.0), (1.0, nan), (None, 1.0),
                                    (1.0, None), (-inf, inf)], ids=str)
def test_clamp_number_bounds_at_edges(bounds):
    x = np.array([0.0, 1.0, 2.0, nan, inf, -inf])
    lo, hi = bounds
    run_both(lambda lib, a: lib.clamp(a, lo, hi), [x])
    run_both(lambda lib, a: lib.clip(a, lo, hi), [x])
    if lo is not None:
        run_both(lambda lib, a: lib.clamp_min(a, lo), [x])
    if hi is not None:
        run_both(lambda lib, a: lib.clamp_max(a, hi), [x])


def test_clamp_broadcast_bounds_gradients():
    r = np.random.default_rng(2)
    x = r.standard_normal((3, 4))
    lo = np.array([[-0.5], [0.0], [nan]])
    hi = np.array([0.5, 0.0, 1.0, -1.0])
    run_both(lambda lib, a, b, c: lib.clamp(a, b, c), [x, lo, hi])


# ---- logit at the boundary ----


@pytest.mark.parametrize("eps", [None, 0.0, 1e-6, 0.1, 0.5])
def test_logit_gradient_at_and_outside_the_boundary(eps):
    x = np.array([0.0, -0.0, 1.0, 0.5, -0.1, 1.1, 0.1, 0.9, 1e-7, 1 - 1e-7, nan, inf, -inf])
    run_both(lambda lib, a: lib.logit(a, eps), [x])
    # the sign of an infinite slope follows the incoming gradient alone (-0.0 is the boundary too)
    for cot in (1.0, -1.0):
        grads = []
        for lib in (fastgrad, torch):
            t = lib_tensor(lib, x[:3], requires_grad=True)
            lib.logit(t, eps).backward(lib_tensor(lib, np.full(3, cot)))
            grads.append(t.grad)
        np.testing.assert_array_equal(to_numpy(grads[0]), to_numpy(grads[1]))
    run_both(lambda lib, a: a.logit(eps), [x])


def test_logit_float32_boundary():
    x = np.array([0.0, 1.0, 0.25], dtype=np.float32)
    run_both(lambda lib, a: lib.logit(a), [x], rtol=1e-6, atol=1e-6)
    run_both(lambda lib, a: lib.logit(a, 0.25), [x], rtol=1e-6, atol=1e-6)


# ---- the other float functions at 0, +-inf and NaN ----

SPECIAL = np.array([0.0, -0.0, 1.0, -1.0, 2.5, -2.5, inf, -inf, nan, 1e-300, -1e-300])

UNARY = {
    "sqrt": lambda lib, x: lib.sqrt(x),
    "rsqrt": lambda lib, x: lib.rsqrt(x),
    "abs": lambda lib, x: lib.abs(x),
    "sign": lambda lib, x: lib.sign(x),
    "exp": lambda lib, x: lib.exp(x),
    "log": lambda lib, x: lib.log(x),
    "log1p": lambda lib, x: lib.log1p(x),
    "expm1": lambda lib, x: lib.expm1(x),
    "tanh": lambda lib, x: lib.tanh(x),
    "sigmoid": lambda lib, x: lib.sigmoid(x),
    "atan": lambda lib, x: lib.atan(x),
    "asin": lambda lib, x: lib.asin(x),
    "acos": lambda lib, x: lib.acos(x),
    "sinh": lambda lib, x: lib.sinh(x),
    "cosh": lambda lib, x: lib.cosh(x),
    "relu": lambda lib, x: lib.relu(x),
    "square": lambda lib, x: lib.square(x),
    "reciprocal": lambda lib, x: lib.reciprocal(x),
    "erf": lambda lib, x: lib.erf(x),
    "pow_half": lambda lib, x: lib.pow(x, 0.5),
    "pow_zero": lambda lib, x: lib.pow(x, 0.0),
    "pow_two": lambda lib, x: lib.pow(x, 2),
    "pow_neg": lambda lib, x: lib.pow(x, -1.5),
    "rpow": lambda lib, x: lib.pow(2.0, x),
    "rpow_zero": lambda lib, x: lib.pow(0.0, x),
    "norm": lambda lib, x: lib.norm(x),
    "norm1": lambda lib, x: lib.norm(x, 1),
    "norm_inf": lambda lib, x: lib.norm(x, inf),
    "frac": lambda lib, x: lib.frac(x),
    "trunc": lambda lib, x: lib.trunc(x),
    "nan_to_num": lambda lib, x: lib.nan_to_num(x),
    "softplus": lambda lib, x: nn_of(lib).softplus(x),
    "elu": lambda lib, x: nn_of(lib).elu(x),
    "gelu": lambda lib, x: nn_of(lib).gelu(x),
    "silu": lambda lib, x: nn_of(lib).silu(x),
    "hardtanh": lambda lib, x: nn_of(lib).hardtanh(x),
    "leaky_relu": lambda lib, x: nn_of(lib).leaky_relu(x),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_values_and_gradients_at_special_values(name):
    run_both(UNARY[name], [SPECIAL])


def test_norm_at_zero():
    for p in (2, 1, 3, inf, -inf, 0):
        run_both(lambda lib, x: lib.norm(x, p), [np.zeros(4)])
    run_both(lambda lib, x: lib.norm(x, 2, 1), [np.array([[0.0, 0.0], [3.0, 4.0]])])


def _pairs(values):
    import itertools

    a, b = zip(*itertools.product(values, values))
    return np.array(a), np.array(b)


BINARY_SPECIAL = [0.0, -0.0, 1.0, -2.0, 2.5, inf, -inf, nan]

BINARY = {
    "pow": lambda lib, a, b: lib.pow(a, b),
    "atan2": lambda lib, a, b: lib.atan2(a, b),
    "fmod": lambda lib, a, b: lib.fmod(a, b),
    "remainder": lambda lib, a, b: lib.remainder(a, b),
    "maximum": lambda lib, a, b: lib.maximum(a, b),
    "minimum": lambda lib, a, b: lib.minimum(a, b),
    "fmax": lambda lib, a, b: lib.fmax(a, b),
    "fmin": lambda lib, a, b: lib.fmin(a, b),
    "where": lambda lib, a, b: lib.where(a > b, a, b),
    "mul": lambda lib, a, b: a * b,
    "div": lambda lib, a, b: a / b,
    "hypot": lambda lib, a, b: lib.hypot(a, b),
}


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_values_and_gradients_at_special_values(name):
    a, b = _pairs(BINARY_SPECIAL)
    run_both(BINARY[name], [a, b])


def test_maximum_minimum_ties_split_the_gradient():
    a = np.array([1.0, 2.0, 3.0, nan])
    b = np.array([1.0, 3.0, 3.0, nan])
    for name in ("maximum", "minimum", "max", "min"):
        run_both(lambda lib, x, y: getattr(lib, name)(x, y), [a, b])
    # reductions: ties share the gradient equally (amax/amin) or go to one index (max/min with dim)
    x = np.array([[1.0, 3.0, 3.0], [nan, 2.0, nan]])
    run_both(lambda lib, t: lib.amax(t, 1), [x])
    run_both(lambda lib, t: lib.amin(t, 1), [x])
    run_both(lambda lib, t: lib.max(t), [x])
    run_both(lambda lib, t: t.max(1)[0], [x])
    run_both(lambda lib, t: t.min(1)[0], [x])


# ---- non-contiguous operands: every tensor argument transposed, strided or expanded ----


def layouts(array):
    """(name, make(lib, array, requires_grad)) for views of `array`'s values that are not contiguous: a
    strided slice of a larger buffer, a transpose of the transposed values, and (for arrays whose values are
    constant along dim 0) an expansion."""
    array = np.asarray(array)

    def contiguous(lib, requires_grad):
        return lib_tensor(lib, array, requires_grad=requires_grad)

    def strided(lib, requires_grad):
        # every other element of a buffer twice as long along the last dim
        if array.ndim == 0:
            return contiguous(lib, requires_grad)
        wide = np.zeros(array.shape[:-1] + (2 * array.shape[-1],), dtype=array.dtype)
        wide[..., ::2] = array
        if array.dtype.kind != "f":
            wide[..., 1::2] = -7  # poison: an index kernel reading it would fail or differ
        else:
            wide[..., 1::2] = 1e30
        base = lib_tensor(lib, wide)
        out = base[..., ::2]
        if requires_grad:
            out = out.detach().requires_grad_(True)
        return out

    def transposed(lib, requires_grad):
        if array.ndim < 2:
            return strided(lib, requires_grad)
        base = lib_tensor(lib, np.ascontiguousarray(np.swapaxes(array, 0, 1)))
        out = base.transpose(0, 1)
        if requires_grad:
            out = out.detach().requires_grad_(True)
        return out

    made = [("contiguous", contiguous), ("strided", strided), ("transposed", transposed)]
    if array.ndim >= 1 and array.shape[0] > 1 and (array == array[:1]).all():
        def expanded(lib, requires_grad):
            one = lib_tensor(lib, array[:1])
            out = one.expand(*array.shape)
            if requires_grad:
                out = out.detach().requires_grad_(True)
            return out
        made.append(("expanded", expanded))
    return made


def check_layouts(fn, arrays, grad=(), rtol=1e-10, atol=1e-12):
    """For each argument in turn and each of its non-contiguous layouts (the others contiguous), fn(lib, *ts)
    agrees with torch in values and in the gradients of the arguments listed in `grad`."""
    arrays = [np.asarray(a) for a in arrays]
    checked = 0
    for k in range(len(arrays)):
        for name, make in layouts(arrays[k]):
            results = {}
            for lib in (fastgrad, torch):
                ts = []
                for i, a in enumerate(arrays):
                    rg = i in grad and a.dtype.kind == "f"
                    ts.append(make(lib, rg) if i == k else lib_tensor(lib, a, requires_grad=rg))
                if k < len(arrays) and name != "contiguous":
                    assert not ts[k].is_contiguous() or arrays[k].size <= 1, name
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    out = fn(lib, *ts)
                results[lib] = (ts, out)
            (f_in, f_out), (t_in, t_out) = results[fastgrad], results[torch]
            assert_same(f_out, t_out, rtol, atol)
            if t_out.requires_grad:
                cot = np.random.default_rng(k).standard_normal(tuple(t_out.shape))
                try:
                    t_out.backward(torch.from_numpy(cot))
                except RuntimeError as e:  # nll_loss2d's backward refuses a transposed input
                    assert "must be contiguous" in str(e)
                    continue
                f_out.backward(fastgrad.from_numpy(cot.copy()))
                for i in grad:
                    if t_in[i].grad is not None:
                        assert_same(f_in[i].grad, t_in[i].grad, rtol, atol)
            checked += 1
    assert checked >= len(arrays)


R = np.random.default_rng(5)
LOGITS = R.standard_normal((4, 3))
LOGITS_4D = R.standard_normal((2, 3, 2, 2))
CLASS_WEIGHT = np.array([0.5, 2.0, 1.5])
TARGET = np.array([0, 2, 1, 2])
TARGET_4D = np.array([[[0, 1], [2, 1]], [[2, 2], [0, 1]]])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_nll_loss_non_contiguous_arguments(reduction):
    logp = np.log(np.exp(LOGITS) / np.exp(LOGITS).sum(1, keepdims=True))
    check_layouts(lambda lib, x, t, w: nn_of(lib).nll_loss(x, t, weight=w, reduction=reduction),
                  [logp, TARGET, CLASS_WEIGHT], grad=(0,))
    check_layouts(lambda lib, x, t, w: nn_of(lib).nll_loss(x, t, weight=w, reduction=reduction, ignore_index=2),
                  [logp, TARGET, CLASS_WEIGHT], grad=(0,))
    check_layouts(lambda lib, x, t, w: nn_of(lib).nll_loss(x, t, weight=w, reduction=reduction),
                  [LOGITS_4D, TARGET_4D, CLASS_WEIGHT], grad=(0,))


def test_nll_loss_expanded_weight():
    check_layouts(lambda lib, x, t, w: nn_of(lib).nll_loss(x, t, weight=w),
                  [LOGITS, TARGET, np.full(3, 0.7)], grad=(0,))


@pytest.mark.parametrize("smoothing", [0.0, 0.25])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_non_contiguous_arguments(smoothing, reduction):
    fn = lambda lib, x, t, w: nn_of(lib).cross_entropy(x, t, weight=w, reduction=reduction,  # noqa: E731
                                                       label_smoothing=smoothing)
    check_layouts(fn, [LOGITS, TARGET, CLASS_WEIGHT], grad=(0,))
    check_layouts(fn, [LOGITS_4D, TARGET_4D, CLASS_WEIGHT], grad=(0,))
    check_layouts(lambda lib, x, t, w: nn_of(lib).cross_entropy(x, t, weight=w, reduction=reduction,
                                                                ignore_index=1, label_smoothing=smoothing),
                  [LOGITS, TARGET, CLASS_WEIGHT], grad=(0,))
    probs = np.exp(-LOGITS[::-1]) / np.exp(-LOGITS[::-1]).sum(1, keepdims=True)
    check_layouts(lambda lib, x, t, w: nn_of(lib).cross_entropy(x, t, weight=w, reduction=reduction,
                                                                label_smoothing=smoothing),
                  [LOGITS, probs, CLASS_WEIGHT], grad=(0, 1))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_binary_cross_entropy_non_contiguous_arguments(reduction):
    x = 1 / (1 + np.exp(-LOGITS))
    y = (R.random((4, 3)) > 0.5).astype(np.float64)
    w = R.random((4, 3)) + 0.5
    check_layouts(lambda lib, a, b, c: nn_of(lib).binary_cross_entropy(a, b, weight=c, reduction=reduction),
                  [x, y, w], grad=(0,))
    check_layouts(lambda lib, a, b, c, p: nn_of(lib).binary_cross_entropy_with_logits(
        a, b, weight=c, pos_weight=p, reduction=reduction), [LOGITS, y, w, np.array([1.0, 2.0, 0.5])], grad=(0, 1))


def test_embedding_non_contiguous_arguments():
    weight = R.standard_normal((5, 3))
    idx = np.array([[0, 4, 4], [2, 1, 0]])
    check_layouts(lambda lib, i, w: nn_of(lib).embedding(i, w), [idx, weight], grad=(1,))
    check_layouts(lambda lib, i, w: nn_of(lib).embedding(i, w, padding_idx=4), [idx, weight], grad=(1,))
    check_layouts(lambda lib, i, w: nn_of(lib).one_hot(i, 5), [idx, weight])


def test_norm_layers_non_contiguous_arguments():
    x = R.standard_normal((4, 3, 2))
    w, b = R.standard_normal(3), R.standard_normal(3)
    rm, rv = R.standard_normal(3), R.random(3) + 0.5
    check_layouts(lambda lib, a, c, d: nn_of(lib).layer_norm(a, (2,), c, d),
                  [x, R.standard_normal(2), R.standard_normal(2)], grad=(0, 1, 2))
    check_layouts(lambda lib, a, c, d: nn_of(lib).layer_norm(a, (3, 2), c, d),
                  [x, R.standard_normal((3, 2)), R.standard_normal((3, 2))], grad=(0, 1, 2))
    check_layouts(lambda lib, a, m, v, c, d: nn_of(lib).batch_norm(a, m, v, c, d, training=False),
                  [x, rm, rv, w, b], grad=(0, 3, 4))
    check_layouts(lambda lib, a, c, d: nn_of(lib).batch_norm(a, None, None, c, d, training=True),
                  [x, w, b], grad=(0, 1, 2))
    check_layouts(lambda lib, a, c, d: nn_of(lib).group_norm(a, 3, c, d), [x, w, b], grad=(0, 1, 2))
    check_layouts(lambda lib, a, c, d: nn_of(lib).instance_norm(a, weight=c, bias=d), [x, w, b], grad=(0, 1, 2))
    check_layouts(lambda lib, a, c: nn_of(lib).rms_norm(a, (2,), c), [x, R.standard_normal(2)], grad=(0, 1))


def test_batch_norm_running_stats_update_through_strided_buffers():
    x = R.standard_normal((4, 3))
    outs = []
    for lib in (fastgrad, torch):
        rm = lib_tensor(lib, np.zeros(6))[::2]
        rv = lib_tensor(lib, np.ones(6))[::2]
        nn_of(lib).batch_norm(lib_tensor(lib, x), rm, rv, training=True, momentum=0.3)
        outs.append((rm, rv))
    assert_same(outs[0][0], outs[1][0])
    assert_same(outs[0][1], outs[1][1])


def test_linear_and_bilinear_non_contiguous_arguments():
    x = R.standard_normal((4, 3))
    w, b = R.standard_normal((2, 3)), R.standard_normal(2)
    check_layouts(lambda lib, a, c, d: nn_of(lib).linear(a, c, d), [x, w, b], grad=(0, 1, 2))
    check_layouts(lambda lib, a, c: nn_of(lib).linear(a, c), [R.standard_normal((2, 4, 3)), w], grad=(0, 1))
    check_layouts(lambda lib, a, a2, c, d: nn_of(lib).bilinear(a, a2, c, d),
                  [x, R.standard_normal((4, 2)), R.standard_normal((2, 3, 2)), b], grad=(0, 1, 2, 3))


def test_other_losses_non_contiguous_arguments():
    x, y = R.standard_normal((4, 3)), R.standard_normal((4, 3))
    for name in ("mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss"):
        check_layouts(lambda lib, a, b: getattr(nn_of(lib), name)(a, b), [x, y], grad=(0, 1))
    check_layouts(lambda lib, a, b: nn_of(lib).soft_margin_loss(a, b), [x, np.sign(y)], grad=(0,))
    check_layouts(lambda lib, a, b: nn_of(lib).kl_div(a, b, reduction="batchmean"), [x, np.abs(y)], grad=(0, 1))
    check_layouts(lambda lib, a, b, v: nn_of(lib).gaussian_nll_loss(a, b, v), [x, y, np.abs(y) + 0.1],
                  grad=(0, 1, 2))
    check_layouts(lambda lib, a, b: nn_of(lib).multilabel_soft_margin_loss(a, b), [x, (y > 0) * 1.0], grad=(0,))


def test_softmax_and_conv_non_contiguous_arguments():
    x = R.standard_normal((3, 4))
    for name in ("softmax", "log_softmax"):
        for dim in (0, 1):
            check_layouts(lambda lib, a: getattr(lib, name)(a, dim), [x], grad=(0,))
    img, w, b = R.standard_normal((2, 2, 5)), R.standard_normal((3, 2, 2)), R.standard_normal(3)
    check_layouts(lambda lib, a, c, d: nn_of(lib).conv1d(a, c, d, padding=1), [img, w, b], grad=(0, 1, 2))
    check_layouts(lambda lib, a: nn_of(lib).prelu(a, lib.tensor([0.25], dtype=lib.float64)), [x], grad=(0,))


def test_index_style_kernels_non_contiguous_index():
    src = R.standard_normal((4, 5))
    idx = np.array([[0, 3, 1], [2, 2, 0]])
    check_layouts(lambda lib, s, i: lib.gather(s, 1, i), [src[:2], idx], grad=(0,))
    check_layouts(lambda lib, s, i: lib.index_select(s, 1, i), [src, np.array([4, 0, 0, 2])], grad=(0,))
    check_layouts(lambda lib, s, i: s[i], [src, np.array([3, 1, 1])], grad=(0,))
    check_layouts(lambda lib, s: lib.nonzero(s > 0), [src])
    check_layouts(lambda lib, s: s[s > 0], [src], grad=(0,))
    check_layouts(lambda lib, s: lib.trace(s), [src], grad=(0,))


def test_multinomial_and_bernoulli_read_strided_probabilities():
    # the draws land in the support of the probabilities they were given, whatever their layout
    probs = np.array([[0.0, 0.7, 0.3, 0.0], [0.5, 0.0, 0.0, 0.5]])
    for _, make in layouts(probs):
        view = make(fastgrad, False)
        for _ in range(5):
            for drawn in (fastgrad.multinomial(view, 2), fastgrad.multinomial(view, 6, replacement=True)):
                rows = np.arange(2)[:, None]
                assert np.all(probs[rows, drawn.numpy()] > 0)
            assert np.all(fastgrad.bernoulli(view).numpy()[probs == 0] == 0)
    # the elements between the strided ones are invalid probabilities: a kernel reading them would refuse
    view = fastgrad.tensor([[0.5, -1.0, 0.5, nan]], dtype=fastgrad.float64)[:, ::2]
    assert fastgrad.multinomial(view, 1).item() in (0, 1)
    assert fastgrad.bernoulli(fastgrad.tensor([1.0, 5.0, 1.0], dtype=fastgrad.float64)[::2]).tolist() == [1.0, 1.0]


# ---- pad: negative amounts in every mode ----

PADS_1D = [(-1, 2), (2, -3), (-2, -1), (-3, 3), (1, -1), (0, -2), (-2, 0), (3, 3), (0, 0), (-6, 0), (-3, -3),
           (-7, 1), (-1, 7), (7, 0), (1, -5), (-5, 1), (5, 5), (6, 6)]


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("amounts", PADS_1D, ids=str)
def test_pad_1d_negative_amounts(mode, amounts):
    x = np.arange(12.0).reshape(1, 2, 6) ** 1.5

    def fn(lib, t):
        return nn_of(lib).pad(t, amounts, mode=mode)

    outcomes = same_outcome(lambda lib: fn(lib, lib_tensor(lib, x)))
    if outcomes[0][0] == "ok" and outcomes[0][1].numel() > 0:
        run_both(fn, [x])


def _wraps_past_what_is_left(shape, amounts):
    # circular padding wider than what the negative amounts leave: PyTorch copies from memory it has not
    # written yet (unspecified values); fastgrad raises
    for i in range(len(amounts) // 2):
        left, right = amounts[2 * i], amounts[2 * i + 1]
        kept = shape[-1 - i] - max(-left, 0) - max(-right, 0)
        if kept >= 0 and max(left, right) > kept and min(left, right) < 0:
            return True
    return False


PADS_2D = [(-1, 2, 1, -1), (2, -3, -2, 2), (-1, -1, -1, -1), (1, 1, -2, 3), (-2, 1, 0, 0), (0, 0, -3, -3),
           (-4, 0, 0, 0), (2, 2, 2, 2)]


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("amounts", PADS_2D, ids=str)
def test_pad_2d_negative_amounts(mode, amounts):
    x = np.cos(np.arange(2 * 4 * 4.0)).reshape(1, 2, 4, 4)

    def fn(lib, t):
        return nn_of(lib).pad(t, amounts, mode=mode)

    if mode == "circular" and _wraps_past_what_is_left(x.shape, amounts):
        with pytest.raises(RuntimeError, match="wrapping around"):
            fn(fastgrad, lib_tensor(fastgrad, x))
        return
    outcomes = same_outcome(lambda lib: fn(lib, lib_tensor(lib, x)))
    if outcomes[0][0] == "ok" and outcomes[0][1].numel() > 0:
        run_both(fn, [x])


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_pad_3d_negative_amounts(mode):
    x = np.sin(np.arange(3 * 3 * 4.0)).reshape(1, 1, 3, 3, 4)
    for amounts in [(-1, 2, 1, -1, 0, 1), (1, 1, 1, 1, -1, -1)]:
        run_both(lambda lib, t: nn_of(lib).pad(t, amounts, mode=mode), [x])


# ---- pooling on integer dtypes, and with indices ----

INT_SIGNAL = np.array([[[1, 2, 4, 7, -3, -8, 5]], [[9, -9, 0, 1, 1, -1, 2]]])
INT_IMAGE = np.array([[[[1, 2, 5, -4], [4, -8, -3, 3], [7, 7, 7, -5], [0, 1, -2, 2]]]])


@pytest.mark.parametrize("kwargs", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
                                    dict(kernel_size=3, stride=2, padding=1, count_include_pad=False),
                                    dict(kernel_size=2, ceil_mode=True), dict(kernel_size=3, stride=1)], ids=str)
def test_avg_pool1d_int64_keeps_dtype_and_truncates(kwargs):
    same_outcome(lambda lib: nn_of(lib).avg_pool1d(lib_tensor(lib, INT_SIGNAL), **kwargs))


@pytest.mark.parametrize("kwargs", [dict(kernel_size=2), dict(kernel_size=2, divisor_override=3),
                                    dict(kernel_size=2, stride=1, padding=1),
                                    dict(kernel_size=3, stride=2, padding=1, count_include_pad=False),
                                    dict(kernel_size=(3, 2), ceil_mode=True)], ids=str)
def test_avg_pool2d_int64_keeps_dtype_and_truncates(kwargs):
    same_outcome(lambda lib: nn_of(lib).avg_pool2d(lib_tensor(lib, INT_IMAGE), **kwargs))


@pytest.mark.parametrize("dtype", ["int32", "bool", "int64"])
def test_pooling_dtype_support_as_torch(dtype):
    def make(lib, array):
        return lib_tensor(lib, array).to(getattr(lib, dtype))

    same_outcome(lambda lib: nn_of(lib).avg_pool1d(make(lib, INT_SIGNAL), 2))
    same_outcome(lambda lib: nn_of(lib).avg_pool2d(make(lib, INT_IMAGE), 2))
    same_outcome(lambda lib: nn_of(lib).max_pool1d(make(lib, INT_SIGNAL), 2))
    same_outcome(lambda lib: nn_of(lib).max_pool2d(make(lib, INT_IMAGE), 2))
    same_outcome(lambda lib: nn_of(lib).max_pool2d(make(lib, INT_IMAGE), 2, padding=1))
    same_outcome(lambda lib: nn_of(lib).max_pool1d(make(lib, INT_SIGNAL), 2, return_indices=True))
    same_outcome(lambda lib: nn_of(lib).max_pool2d(make(lib, INT_IMAGE), 3, stride=1, padding=1,
                                                   return_indices=True))
    same_outcome(lambda lib: nn_of(lib).adaptive_avg_pool1d(make(lib, INT_SIGNAL), 2))
    same_outcome(lambda lib: nn_of(lib).adaptive_avg_pool2d(make(lib, INT_IMAGE), 2))


@pytest.mark.parametrize("dtype", ["int64", "int32", "bool"])
@pytest.mark.parametrize("rank", [3, 4, 5])
def test_local_response_norm_integer_input(dtype, rank):
    x = np.arange(-20, 20).reshape((2, 4, 5) if rank == 3 else (2, 4, 5, 1) if rank == 4 else (2, 4, 1, 5, 1))

    def fn(lib):
        return nn_of(lib).local_response_norm(lib_tensor(lib, x).to(getattr(lib, dtype)), 3, alpha=0.5, beta=0.75,
                                              k=2.0)

    outcomes = same_outcome(fn, rtol=1e-6)
    if outcomes[0][0] == "ok":
        assert outcomes[0][1].dtype == fastgrad.float32


def test_local_response_norm_float_gradients():
    x = R.standard_normal((2, 5, 3, 2))
    for size in (1, 2, 3, 6):
        run_both(lambda lib, t: nn_of(lib).local_response_norm(t, size, alpha=0.3, beta=0.6, k=1.5), [x])
    run_both(lambda lib, t: nn_of(lib).local_response_norm(t, 3), [R.standard_normal((2, 4, 3))])


MAXPOOL_SIGNAL = np.array([[[1.0, 3, 3, nan, 2, nan, 5, 5]], [[-inf, 0.5, -1, 4, 4, 4, -2, 0]]])
MAXPOOL_IMAGE = np.array([[[[1.0, 3, 2, 0], [3, 2, -1, 4], [nan, 1, 4, 4], [2, nan, 0, -3]]],
                          [[[0.0, 0, 0, 0], [1, 1, 1, 1], [2, 1, 2, 1], [-1, -1, 6, -2]]]])


@pytest.mark.parametrize("kwargs", [dict(kernel_size=2), dict(kernel_size=3, stride=1),
                                    dict(kernel_size=3, stride=2, padding=1),
                                    dict(kernel_size=2, stride=2, padding=1, dilation=2, ceil_mode=True),
                                    dict(kernel_size=3, stride=2, ceil_mode=True)], ids=str)
def test_max_pool1d_return_indices(kwargs):
    fn = lambda lib, t: nn_of(lib).max_pool1d(t, return_indices=True, **kwargs)  # noqa: E731
    (_, (values, indices)), _ = same_outcome(lambda lib: fn(lib, lib_tensor(lib, MAXPOOL_SIGNAL)))
    assert indices.dtype == fastgrad.int64 and not indices.requires_grad
    run_both(lambda lib, t: fn(lib, t)[0], [MAXPOOL_SIGNAL])
    run_both(lambda lib, t: nn_of(lib).max_pool1d(t, **kwargs), [MAXPOOL_SIGNAL])
    # unbatched
    run_both(lambda lib, t: fn(lib, t)[0], [MAXPOOL_SIGNAL[0]])
    same_outcome(lambda lib: fn(lib, lib_tensor(lib, MAXPOOL_SIGNAL[0]))[1])


@pytest.mark.parametrize("kwargs", [dict(kernel_size=2), dict(kernel_size=2, stride=1, padding=1),
                                    dict(kernel_size=(3, 2), stride=(1, 2), padding=(1, 0)),
                                    dict(kernel_size=2, dilation=2, stride=1),
                                    dict(kernel_size=3, stride=2, ceil_mode=True, padding=1)], ids=str)
def test_max_pool2d_return_indices(kwargs):
    fn = lambda lib, t: nn_of(lib).max_pool2d(t, return_indices=True, **kwargs)  # noqa: E731
    same_outcome(lambda lib: fn(lib, lib_tensor(lib, MAXPOOL_IMAGE)))
    run_both(lambda lib, t: fn(lib, t)[0], [MAXPOOL_IMAGE])
    run_both(lambda lib, t: nn_of(lib).max_pool2d(t, **kwargs), [MAXPOOL_IMAGE])
    same_outcome(lambda lib: fn(lib, lib_tensor(lib, MAXPOOL_IMAGE[0])))


def test_max_pool_modules_return_indices():
    x = R.standard_normal((2, 3, 6, 6))
    same_outcome(lambda lib: lib.nn.MaxPool2d(2, return_indices=True)(lib_tensor(lib, x)))
    same_outcome(lambda lib: lib.nn.MaxPool1d(3, stride=2, return_indices=True)(lib_tensor(lib, x[0])))


def test_max_unpool_inverts_max_pool():
    x = R.standard_normal((2, 3, 6, 4))

    def roundtrip2d(lib, t, **kw):
        v, i = nn_of(lib).max_pool2d(t, 2, return_indices=True)
        return nn_of(lib).max_unpool2d(v, i, 2, **kw)

    run_both(roundtrip2d, [x])
    run_both(lambda lib, t: roundtrip2d(lib, t, output_size=(7, 5)), [x])
    run_both(lambda lib, t: roundtrip2d(lib, t, output_size=(2, 3, 7, 4)), [x])
    for size in ((6, 4), (9, 4), (3, 3, 7, 4)):  # too large, wrong rank
        same_outcome(lambda lib: roundtrip2d(lib, lib_tensor(lib, x), output_size=size))

    def roundtrip1d(lib, t):
        v, i = nn_of(lib).max_pool1d(t, 3, stride=2, return_indices=True)
        return nn_of(lib).max_unpool1d(v, i, 3, stride=2)

    run_both(roundtrip1d, [R.standard_normal((3, 7))])
    same_outcome(lambda lib: nn_of(lib).max_unpool1d(lib_tensor(lib, [[1.0, 2.0]]), lib_tensor(lib, [[0, 9]]), 2))


# ---- refused where PyTorch answers ----


@pytest.mark.parametrize("shape", [(0,), (0, 3), (0, 3, 2), (2, 0), (2, 0, 4)], ids=str)
@pytest.mark.parametrize("training", [False, True])
def test_batch_norm_empty_input(shape, training):
    def fn(lib, with_stats, with_affine):
        c = 3
        stats = (lib.zeros(c), lib.ones(c)) if with_stats else (None, None)
        affine = (lib.full((c,), 2.0), lib.ones(c)) if with_affine else (None, None)
        return nn_of(lib).batch_norm(lib.zeros(shape), *stats, *affine, training=training)

    for with_stats in (False, True):
        for with_affine in (False, True):
            if not training and not with_stats:
                continue
            same_outcome(fn, with_stats, with_affine)


def test_batch_norm_empty_input_gradients():
    def fn(lib, x, w, b):
        return nn_of(lib).batch_norm(x, None, None, w, b, training=True)

    run_both(fn, [np.zeros((0, 3)), np.ones(3), np.zeros(3)])


@pytest.mark.parametrize("shape", [(4,), ()], ids=str)
def test_batch_norm_below_two_dims_raises_as_torch(shape):
    x = np.ones(shape)
    same_outcome(lambda lib: nn_of(lib).batch_norm(lib_tensor(lib, x), lib.zeros(4), lib.ones(4)))
    same_outcome(lambda lib: nn_of(lib).batch_norm(lib_tensor(lib, x), None, None, lib.ones(1), training=True))


@pytest.mark.parametrize("padding_idx", [None, 0, -1])
def test_embedding_scale_grad_by_freq(padding_idx):
    weight = R.standard_normal((5, 3))
    idx = np.array([[0, 4, 4, 4], [2, 0, 1, 4]])

    def fn(lib, i, w):
        return nn_of(lib).embedding(i, w, padding_idx=padding_idx, scale_grad_by_freq=True)

    run_both(fn, [idx, weight], grad=[1])
    run_both(lambda lib, i, w: lib.nn.Embedding.from_pretrained(w, freeze=False, scale_grad_by_freq=True)(i),
             [idx, weight], grad=[1])


@pytest.mark.parametrize("dtype", ["int64", "int32", "bool"])
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_integer_dtypes_as_torch(dtype, name):
    def make(lib, array):
        return lib_tensor(lib, np.array(array)).to(getattr(lib, dtype))

    for array in ([1, 0], [[1, 0, 1]], np.zeros((0,), np.int64), np.zeros((2, 0), np.int64), 1):
        for dim in (0, -1):
            same_outcome(lambda lib: getattr(lib, name)(make(lib, array), dim))
            same_outcome(lambda lib: getattr(nn_of(lib), name)(make(lib, array), dim))
            same_outcome(lambda lib: getattr(make(lib, array), name)(dim))
            same_outcome(lambda lib: getattr(lib, name)(make(lib, array), dim, dtype=lib.float64))
    same_outcome(lambda lib: nn_of(lib).softmin(make(lib, [1, 2]), 0))


def test_normal_dtype_combinations_as_torch():
    def ok_or_raise(fn):
        same = same_outcome(lambda lib: fn(lib).dtype)
        return same

    cases = [
        lambda lib: lib.normal(lib.tensor([1, 2]), lib.tensor([1, 2])),
        lambda lib: lib.normal(lib.tensor([1, 2]), lib.tensor([1.0, 2.0])),
        lambda lib: lib.normal(lib.tensor([1.0, 2.0]), lib.tensor([1, 2])),
        lambda lib: lib.normal(lib.tensor([1.0, 2.0], dtype=lib.float64), lib.tensor([1, 2])),
        lambda lib: lib.normal(lib.tensor([1.0]), lib.tensor([1.0], dtype=lib.float64)),
        lambda lib: lib.normal(lib.tensor([1, 2]), 1.0),
        lambda lib: lib.normal(1.0, lib.tensor([1, 2])),
        lambda lib: lib.normal(1.0, lib.tensor([1.0, 2.0], dtype=lib.float64)),
        lambda lib: lib.normal(lib.tensor([True]), 1.0),
        lambda lib: lib.normal(1.0, 2.0, (2,)),
        lambda lib: lib.normal(1, 2, (2,)),
        lambda lib: lib.normal(1.0, 2.0, (2,), dtype=lib.float64),
        lambda lib: lib.normal(1.0, 2.0, (2,), dtype=lib.int64),
        lambda lib: lib.normal(lib.tensor([1.0, 2.0]), -1.0),
        lambda lib: lib.normal(lib.tensor(1.0), lib.tensor([[1.0], [2.0]])),
        lambda lib: lib.zeros(2, dtype=lib.int64).normal_(),
    ]
    for case in cases:
        ok_or_raise(case)


@pytest.mark.parametrize("dtype", ["int32", "int64", "bool"])
def test_matrix_products_on_integer_dtypes(dtype):
    def o(lib, *shape, start=1):
        values = (np.arange(int(np.prod(shape))) % 5 - 2 + start).reshape(shape)
        return lib_tensor(lib, values).to(getattr(lib, dtype))

    cases = [
        lambda lib: lib.addmm(o(lib, 2, 2), o(lib, 2, 3), o(lib, 3, 2)),
        lambda lib: lib.addmm(o(lib, 2, 2), o(lib, 2, 3), o(lib, 3, 2), beta=2, alpha=3),
        lambda lib: lib.addmm(o(lib, 2), o(lib, 2, 3), o(lib, 3, 2), beta=0),
        lambda lib: lib.bmm(o(lib, 2, 2, 3), o(lib, 2, 3, 4)),
        lambda lib: lib.bmm(o(lib, 2, 2, 3).transpose(1, 2), o(lib, 2, 2, 4)),
        lambda lib: lib.baddbmm(o(lib, 1, 2, 2), o(lib, 1, 2, 3), o(lib, 1, 3, 2), alpha=2),
        lambda lib: lib.mm(o(lib, 2, 3), o(lib, 3, 2)),
        lambda lib: lib.mv(o(lib, 2, 3), o(lib, 3)),
        lambda lib: lib.addmv(o(lib, 2), o(lib, 2, 3), o(lib, 3)),
        lambda lib: lib.dot(o(lib, 3), o(lib, 3)),
        lambda lib: lib.matmul(o(lib, 2, 2, 3), o(lib, 3)),
        lambda lib: lib.matmul(o(lib, 3), o(lib, 2, 3, 4)),
        lambda lib: lib.outer(o(lib, 2), o(lib, 3)),
        lambda lib: o(lib, 2, 3) @ o(lib, 3, 2),
        lambda lib: lib.mm(o(lib, 0, 3), o(lib, 3, 2)),
        lambda lib: lib.mm(o(lib, 2, 0), o(lib, 0, 2)),
    ]
    for case in cases:
        same_outcome(case)


# ---- float32 matmul within PyTorch's own float32 tolerance ----

MATMUL_SHAPES = [
    ((5,), (5,)), ((300,), (300,)), ((5000,), (5000,)),
    ((7,), (7, 3)), ((700,), (700, 3)), ((3000,), (3000, 17)),
    ((3, 7), (7,)), ((3, 700), (700,)), ((17, 3000), (3000,)),
    ((2, 3), (3, 4)), ((64, 64), (64, 64)), ((1, 4096), (4096, 1)), ((33, 1000), (1000, 33)),
    ((8, 2, 3), (8, 3, 2)), ((40, 4, 4), (40, 4, 4)), ((64, 2, 2), (64, 2, 2)), ((3, 1, 500), (3, 500, 1)),
    ((2, 5, 3, 4), (4, 6)), ((4,), (2, 4, 3)), ((2, 1, 3, 4), (5, 4, 2)), ((3, 200, 1), (1, 200)),
    ((2, 0), (0, 3)), ((0, 4), (4, 2)), ((3, 5, 0), (3, 0, 2)),
]


@pytest.mark.parametrize("layout", ["contiguous", "transposed", "strided"])
@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=str)
def test_matmul_float32_within_torch_tolerance(shapes, layout):
    r = np.random.default_rng(sum(sum(s) for s in shapes) + len(layout))
    arrays = [r.standard_normal(s).astype(np.float32) * 3 for s in shapes]

    def make(lib, a):
        if layout == "transposed" and a.ndim >= 2:
            return lib_tensor(lib, np.ascontiguousarray(np.swapaxes(a, -1, -2))).transpose(-1, -2)
        if layout == "strided" and a.ndim >= 1:
            wide = np.zeros(a.shape[:-1] + (2 * a.shape[-1],), np.float32)
            wide[..., ::2] = a
            return lib_tensor(lib, wide)[..., ::2]
        return lib_tensor(lib, a)

    out_f = fastgrad.matmul(*(make(fastgrad, a) for a in arrays))
    out_t = torch.matmul(*(make(torch, a) for a in arrays))
    exact = np.matmul(*(a.astype(np.float64) for a in arrays))
    assert out_f.dtype == fastgrad.float32 and tuple(out_f.shape) == tuple(out_t.shape)
    k = shapes[0][-1]
    if k <= 64:  # short sums: both libraries are within PyTorch's float32 tolerance of each other
        torch.testing.assert_close(torch.from_numpy(out_f.numpy().copy()), out_t)
    # long sums: every float32 summation order has its own rounding error; fastgrad's is no larger than
    # torch's (up to a factor 4 for BLAS blockings that differ) plus the rounding of the result itself
    if exact.size:
        err_f = np.abs(out_f.numpy() - exact).max()
        err_t = np.abs(out_t.numpy() - exact).max()
        assert err_f <= 4 * err_t + 2.0**-23 * np.abs(exact).max() + 1e-30, (err_f, err_t)


def test_matmul_float32_gradients_within_torch_tolerance():
    r = np.random.default_rng(9)
    for sa, sb in [((7,), (7, 3)), ((3, 700), (700,)), ((8, 2, 3), (8, 3, 2)), ((2, 5, 3, 4), (4, 6))]:
        a, b = r.standard_normal(sa).astype(np.float32), r.standard_normal(sb).astype(np.float32)
        run_both(lambda lib, x, y: lib.matmul(x, y), [a, b], rtol=1.3e-6, atol=1e-5)
