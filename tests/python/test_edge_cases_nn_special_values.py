"""Edges against PyTorch 2.13, special values: gradients at 0, +-inf and NaN of cumprod (zeros, size-1
lines, double backward), clamp and its relatives (NaN bounds, ties, crossed bounds, bound gradients), logit
at and outside its boundary and the other float functions, unary and binary. Values and float64 gradients
are compared with NaN equal to NaN."""

import fastgrad
import numpy as np
import pytest
from edge_nn_helpers import inf, lib_tensor, nan, nn_of, run_both, to_numpy

torch = pytest.importorskip("torch")


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
