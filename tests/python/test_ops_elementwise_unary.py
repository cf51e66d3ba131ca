"""Unary elementwise ops against PyTorch 2.13 as the oracle: values and dtypes over bool/int32/int64/float32/
float64 inputs (0-d, 0-size, non-contiguous samples, special values), the ops with arguments (round, clamp,
...), the exception type and wording where PyTorch refuses, grad_fn names, gradients (also at kinks), float64
gradcheck (first and second order).
"""

import numpy as np
import pytest

import fastgrad as fg
from elementwise_helpers import (DTYPES, assert_same, assert_same_error, both, grad_fn_name, gradcheck, leaf_3x2,
                                 noncontiguous, run_both, samples, second_order)

torch = pytest.importorskip("torch")


# ---- unary ops: values, dtypes, errors ----

UNARY = ["neg", "negative", "abs", "absolute", "sign", "exp", "exp2", "expm1", "log", "log1p", "log2", "log10", "sqrt",
         "rsqrt", "square", "reciprocal", "sin", "cos", "tan", "asin", "arcsin", "acos", "arccos", "atan", "arctan",
         "sinh", "cosh", "tanh", "asinh", "arcsinh", "acosh", "arccosh", "atanh", "arctanh", "sigmoid", "logit", "relu",
         "erf", "erfc", "floor", "ceil", "round", "trunc", "fix", "frac", "nan_to_num", "isnan", "isinf", "isfinite",
         "isposinf", "isneginf", "logical_not", "bitwise_not"]
# Float32 math differs from PyTorch's vectorised kernels by an ulp or two.
LOOSE = {"exp2", "expm1", "tan", "sinh", "cosh", "asinh", "acosh", "atanh", "erf", "erfc", "log1p", "log2", "log10"}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", UNARY)
def test_unary_matches_torch(name, dtype):
    for f, t in samples(dtype):
        fr, tr = run_both(lambda: getattr(fg, name)(f), lambda: getattr(torch, name)(t))
        if fr is None:
            assert_same_error(*tr)
            continue
        assert_same(fr, tr, rtol=1e-5 if name in LOOSE and dtype == "float32" else None, atol=1e-30)
        # The method form agrees with the function form.
        if hasattr(torch.Tensor, name):
            assert_same(getattr(f, name)(), tr, rtol=1e-5 if name in LOOSE and dtype == "float32" else None, atol=1e-30)


@pytest.mark.parametrize("dtype", DTYPES)
def test_unary_with_arguments_match_torch(dtype):
    calls = [
        ("round", dict(decimals=2)), ("round", dict(decimals=-1)), ("round", dict(decimals=0)),
        ("logit", dict(eps=0.1)), ("nan_to_num", dict(nan=1.5, posinf=9.0, neginf=-9.0)),
        ("nan_to_num", dict(posinf=1e300)), ("clamp", dict(min=-1)), ("clamp", dict(max=2.5)),
        ("clamp", dict(min=-1.5, max=2)), ("clamp", dict(min=2, max=-1)), ("clip", dict(min=0, max=1)),
        ("clamp", dict(min=float("nan"))), ("clamp_min", dict(min=0)), ("clamp_max", dict(max=0.5)),
        ("clamp", dict(min=True)), ("clamp", dict()),
    ]
    for name, kwargs in calls:
        for f, t in samples(dtype):
            fr, tr = run_both(lambda: getattr(fg, name)(f, **kwargs), lambda: getattr(torch, name)(t, **kwargs))
            if fr is None:
                assert_same_error(*tr)
            else:
                assert_same(fr, tr)


def test_round_half_to_even_and_decimals():
    f, t = both(np.array([0.5, 1.5, 2.5, -0.5, -1.5, 1.2345, 125.0, 150.0, 250.0], dtype=np.float32))
    for kwargs in ({}, {"decimals": 2}, {"decimals": -2}, {"decimals": 3}):
        assert_same(fg.round(f, **kwargs), torch.round(t, **kwargs))


def test_clamp_with_tensor_bounds_matches_torch():
    x = np.array([[-2.0, -0.5, 0.0, 0.5, 1.0, 3.0]])
    lo = np.array([[0.0], [1.0]])  # broadcasts to (2, 6)
    hi = np.array([1.0, 1.0, 1.0, 0.5, 0.0, 2.0])
    for dt in (np.float32, np.float64, np.int64):
        fx, tx = both(x.astype(dt))
        flo, tlo = both(lo.astype(dt))
        fhi, thi = both(hi.astype(dt))
        assert_same(fg.clamp(fx, flo, fhi), torch.clamp(tx, tlo, thi))
        assert_same(fg.clamp(fx, min=flo), torch.clamp(tx, min=tlo))
        assert_same(fx.clamp(max=fhi), tx.clamp(max=thi))
        assert_same(fg.clamp_min(fx, flo), torch.clamp_min(tx, tlo))
        assert_same(fg.clamp_max(fx, fhi), torch.clamp_max(tx, thi))
    # Promotion with tensor bounds: a dimensioned float64 bound promotes, a 0-d one does not.
    fx, tx = both(np.array([1.0, 5.0], dtype=np.float32))
    f64, t64 = both(np.array([2.0]))
    f0, t0 = both(np.array(2.0))
    assert_same(fg.clamp(fx, f64), torch.clamp(tx, t64))
    assert_same(fg.clamp(fx, f0), torch.clamp(tx, t0))
    fi, ti = both(np.array([1, 5]))
    assert_same(fg.clamp(fi, f64), torch.clamp(ti, t64))


def test_clamp_argument_errors():
    x = fg.tensor([1.0])
    with pytest.raises(RuntimeError, match="At least one of 'min' or 'max' must not be None"):
        fg.clamp(x)
    with pytest.raises(TypeError, match="received an invalid combination of arguments"):
        fg.clamp(x, 0, fg.tensor([1.0]))
    with pytest.raises(TypeError, match="received an invalid combination of arguments"):
        fg.clamp_min(x, None)


# ---- unary ops: grad_fn names, gradients, gradcheck ----

# name -> a float64 input inside the op's domain (6 values, used as a transposed 2x3 view).
DIFFERENTIABLE_UNARY = {
    "neg": [0.3, -1.2, 2.0, -0.7, 1.5, -2.5], "abs": [0.3, -1.2, 2.0, -0.7, 1.5, -2.5],
    "exp": [0.3, -1.2, 2.0, -0.7, 1.5, -2.5], "exp2": [0.3, -1.2, 2.0, -0.7, 1.5, -2.5],
    "expm1": [0.3, -1.2, 2.0, -0.7, 1.5, -2.5], "log": [0.3, 1.2, 2.0, 0.7, 1.5, 2.5],
    "log1p": [0.3, -0.2, 2.0, -0.7, 1.5, 2.5], "log2": [0.3, 1.2, 2.0, 0.7, 1.5, 2.5],
    "log10": [0.3, 1.2, 2.0, 0.7, 1.5, 2.5], "sqrt": [0.3, 1.2, 2.0, 0.7, 1.5, 2.5],
    "rsqrt": [0.3, 1.2, 2.0, 0.7, 1.5, 2.5], "square": [0.3, -1.2, 2.0, -0.7, 1.5, -2.5],
    "reciprocal": [0.3, -1.2, 2.0, -0.7, 1.5, -2.5], "sin": [0.3, -1.2, 2.0, -0.7, 1.5, -2.5],
    "cos": [0.3, -1.2, 2.0, -0.7, 1.5, -2.5], "tan": [0.3, -1.2, 1.0, -0.7, 0.5, -1.4],
    "asin": [0.3, -0.2, 0.9, -0.7, 0.5, -0.95], "acos": [0.3, -0.2, 0.9, -0.7, 0.5, -0.95],
    "atan": [0.3, -1.2, 2.0, -0.7, 1.5, -2.5], "sinh": [0.3, -1.2, 2.0, -0.7, 1.5, -2.5],
    "cosh": [0.3, -1.2, 2.0, -0.7, 1.5, -2.5], "tanh": [0.3, -1.2, 2.0, -0.7, 1.5, -2.5],
    "asinh": [0.3, -1.2, 2.0, -0.7, 1.5, -2.5], "acosh": [1.3, 1.2, 2.0, 1.7, 1.5, 2.5],
    "atanh": [0.3, -0.2, 0.9, -0.7, 0.5, -0.95], "sigmoid": [0.3, -1.2, 2.0, -0.7, 1.5, -2.5],
    "logit": [0.3, 0.2, 0.9, 0.7, 0.5, 0.95], "relu": [0.3, -1.2, 2.0, -0.7, 1.5, -2.5],
    "erf": [0.3, -1.2, 2.0, -0.7, 1.5, -2.5], "erfc": [0.3, -1.2, 2.0, -0.7, 1.5, -2.5],
    "frac": [0.3, -1.2, 2.4, -0.7, 1.5, -2.5], "nan_to_num": [0.3, -1.2, 2.0, -0.7, 1.5, -2.5],
    "floor": [0.3, -1.2, 2.4, -0.7, 1.5, -2.5], "ceil": [0.3, -1.2, 2.4, -0.7, 1.5, -2.5],
    "round": [0.3, -1.2, 2.4, -0.7, 1.6, -2.4], "trunc": [0.3, -1.2, 2.4, -0.7, 1.5, -2.5],
    "sign": [0.3, -1.2, 2.4, -0.7, 1.5, -2.5],
}


@pytest.mark.parametrize("name", sorted(DIFFERENTIABLE_UNARY))
def test_unary_gradients_match_torch(name):
    f, t = noncontiguous(DIFFERENTIABLE_UNARY[name], np.float64)
    f.requires_grad_()
    t.requires_grad_()
    fy, ty = getattr(fg, name)(f), getattr(torch, name)(t)
    assert grad_fn_name(fy) == grad_fn_name(ty)
    g = np.arange(1.0, 7.0).reshape(2, 3)
    (fgx,) = fg.autograd.grad(fy, f, fg.tensor(g))
    (tgx,) = torch.autograd.grad(ty, t, torch.tensor(g))
    assert_same(fgx, tgx, rtol=1e-10)


@pytest.mark.parametrize("name", sorted(DIFFERENTIABLE_UNARY))
def test_unary_gradcheck(name):
    op = getattr(fg, name)
    assert gradcheck(lambda x: op(x.t()), (leaf_3x2(DIFFERENTIABLE_UNARY[name]),))


@pytest.mark.parametrize("name", ["exp", "log", "sqrt", "rsqrt", "reciprocal", "sin", "tan", "asin", "atan",
                                  "tanh", "sigmoid", "logit", "erf", "acosh", "atanh", "abs", "log10"])
def test_unary_second_order(name):
    op = getattr(fg, name)
    assert second_order(lambda x: op(x.t()), leaf_3x2(DIFFERENTIABLE_UNARY[name]))


@pytest.mark.parametrize("call", [
    lambda m, x: m.clamp(x, -1.0, 1.0), lambda m, x: m.clamp(x, min=0.5), lambda m, x: m.clamp_min(x, 0.0),
    lambda m, x: m.clamp_max(x, 0.0), lambda m, x: m.round(x, decimals=1), lambda m, x: m.logit(x, eps=0.2),
    lambda m, x: m.nan_to_num(x, nan=1.0), lambda m, x: m.square(x), lambda m, x: x.clip(-0.5, 0.5),
])
def test_unary_with_arguments_gradients(call):
    f, t = noncontiguous([0.3, -1.2, 0.1, -0.7, 0.95, 0.0], np.float64)
    f.requires_grad_()
    t.requires_grad_()
    fy, ty = call(fg, f), call(torch, t)
    assert grad_fn_name(fy) == grad_fn_name(ty)
    fy.sum().backward()
    ty.sum().backward()
    assert_same(f.grad, t.grad)
    # Away from the kinks.
    assert gradcheck(lambda x: call(fg, x.t()), (leaf_3x2([0.3, -1.2, 0.12, -0.7, 0.83, 0.07]),))


def test_subgradients_at_kinks_match_torch():
    """Where a function has a kink PyTorch picks a subgradient; fastgrad picks the same one."""
    nan, inf = float("nan"), float("inf")
    cases = [
        (lambda m, x: m.abs(x), [[0.0, 1.0, -1.0, -0.0]]),
        (lambda m, x: m.relu(x), [[0.0, 1.0, -1.0, -0.0]]),
        (lambda m, x: m.clamp(x, 0.0, 1.0), [[0.0, 1.0, -1.0, 0.5, 2.0]]),
        (lambda m, x: m.clamp(x, 2.0, 1.0), [[0.0, 1.0, 2.0, 1.5, 3.0]]),
        (lambda m, x: m.clamp_min(x, 0.0), [[0.0, 1.0, -1.0]]),
        (lambda m, x: m.clamp_max(x, 0.0), [[0.0, 1.0, -1.0]]),
        (lambda m, x: m.sign(x), [[0.0, 1.0, -1.0]]),
        (lambda m, x: m.floor(x), [[0.0, 1.0, -1.5]]),
        (lambda m, x: m.round(x), [[0.5, 1.0, -1.5]]),
        (lambda m, x: m.frac(x), [[0.5, 1.0, -1.5]]),
        (lambda m, x: m.logit(x), [[0.5, 0.0, 1.0, -0.5, 1.5]]),
        (lambda m, x: m.logit(x, eps=0.1), [[0.5, 0.0, 1.0, 0.1, 0.9, 0.05]]),
        (lambda m, x: m.nan_to_num(x), [[0.5, nan, inf, -inf]]),
        (lambda m, x: m.sqrt(x), [[0.0, 4.0]]),
        (lambda m, x: m.rsqrt(x), [[0.0, 4.0]]),
        (lambda m, x: x ** 0.5, [[0.0, 4.0]]),
        (lambda m, x: x ** 0, [[0.0, 4.0]]),
        (lambda m, x: x ** -1.0, [[0.0, 4.0]]),
        (lambda m, a, b: m.maximum(a, b), [[0.0, 1.0, -1.0, nan, 1.0], [0.0, 0.0, 0.0, 1.0, nan]]),
        (lambda m, a, b: m.minimum(a, b), [[0.0, 1.0, -1.0, nan, 1.0], [0.0, 0.0, 0.0, 1.0, nan]]),
        (lambda m, a, b: m.fmax(a, b), [[0.0, 1.0, -1.0, nan, 1.0], [0.0, 0.0, 0.0, 1.0, nan]]),
        (lambda m, a, b: m.fmin(a, b), [[0.0, 1.0, -1.0, nan, 1.0], [0.0, 0.0, 0.0, 1.0, nan]]),
        (lambda m, a, b: m.atan2(a, b), [[0.0, 1.0, -0.0], [0.0, 0.0, 2.0]]),
        (lambda m, a, b: m.hypot(a, b), [[0.0, 3.0], [0.0, 4.0]]),
        (lambda m, a, b: m.clamp(a, b, None), [[0.0, 1.0, -1.0], [0.0, 0.0, 0.0]]),
        (lambda m, a, b: m.clamp(a, None, b), [[0.0, 1.0, -1.0], [0.0, 0.0, 0.0]]),
        (lambda m, a, b: m.clamp_min(a, b), [[0.0, 1.0, -1.0], [0.0, 0.0, 0.0]]),
        (lambda m, a, b: m.clamp_max(a, b), [[0.0, 1.0, -1.0], [0.0, 0.0, 0.0]]),
        (lambda m, a, lo, hi: m.clamp(a, lo, hi),
         [[0.0, 1.0, -1.0, 0.5, 2.0, 0.5, 2.0], [0.0] * 5 + [2.0, 2.0], [1.0] * 7]),
        (lambda m, a, b: a ** b, [[0.0, 0.0, 2.0, 0.0], [0.0, 2.0, 0.0, -1.0]]),
        (lambda m, a, b: m.remainder(a, b), [[5.5, -5.5, 3.0], [2.0, 2.0, -2.0]]),
        (lambda m, a, b: m.fmod(a, b), [[5.5, -5.5, 3.0], [2.0, 2.0, -2.0]]),
        (lambda m, a, b: m.div(a, b, rounding_mode="floor"), [[5.5, -5.5], [2.0, 2.0]]),
        (lambda m, b: 0.0 ** b, [[0.0, 2.0, -1.0]]),
    ]
    for call, arrays in cases:
        fs = [fg.tensor(a, dtype=fg.float64, requires_grad=True) for a in arrays]
        ts = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
        fy, ty = call(fg, *fs), call(torch, *ts)
        assert grad_fn_name(fy) == grad_fn_name(ty)
        fgs = fg.autograd.grad(fy.sum(), fs)
        tgs = torch.autograd.grad(ty.sum(), ts)
        for a, b in zip(fgs, tgs):
            assert_same(a, b)
