"""Elementwise ops (unary, binary, ternary, comparisons) against PyTorch 2.13 as the oracle.

Checked for each op: values and dtypes over bool/int32/int64/float32/float64 inputs (0-d, 0-size,
non-contiguous and broadcast samples, special values), the exception type and wording where PyTorch refuses,
type promotion with 0-d tensors and Python numbers, grad_fn names, gradients at kinks, float64 gradcheck
(first and second order) and the in-place forms.
"""
import math
import re

import numpy as np
import pytest

import fastgrad as fg
from fastgrad.autograd import gradcheck as _gradcheck

torch = pytest.importorskip("torch")

DTYPES = ["bool", "int32", "int64", "float32", "float64"]


# ---- helpers ----


def gradcheck(fn, inputs):
    return _gradcheck(fn, tuple(inputs))


def fg_dtype(name):
    return getattr(fg, name)


def th_dtype(name):
    return getattr(torch, name)


def both(array, dtype=None, requires_grad=False):
    """The same data as a fastgrad and a torch tensor."""
    a = np.array(array)
    if dtype is not None:
        a = a.astype(dtype)
    f = fg.tensor(a.tolist(), dtype=fg_dtype(str(a.dtype) if a.dtype != np.bool_ else "bool"))
    t = torch.tensor(a.tolist(), dtype=th_dtype(str(a.dtype) if a.dtype != np.bool_ else "bool"))
    if requires_grad:
        f.requires_grad_()
        t.requires_grad_()
    return f, t


def to_numpy(x):
    if isinstance(x, torch.Tensor):
        return x.detach().numpy()
    return np.asarray(x.detach().numpy())


def dtype_str(x):
    return str(x.dtype).split(".")[-1]


def assert_same(f, t, rtol=None, atol=0.0):
    """fastgrad result f equals torch result t: shape, dtype, values (NaN equal to NaN)."""
    if isinstance(t, (bool, int, float)):
        assert f == t and type(f) is type(t), (f, t)
        return
    assert tuple(f.shape) == tuple(t.shape), (f.shape, t.shape)
    assert dtype_str(f) == dtype_str(t), (f.dtype, t.dtype)
    a, b = to_numpy(f), to_numpy(t)
    if a.dtype.kind == "f":
        if rtol is None:
            rtol = 2e-6 if a.dtype == np.float32 else 1e-12
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, equal_nan=True)
        # Infinities and the sign of zero must match too.
        assert np.array_equal(np.isinf(a), np.isinf(b))
    else:
        np.testing.assert_array_equal(a, b)


def run_both(ffn, tfn):
    """Runs the same call on both libraries: returns (fastgrad result, torch result) or checks both raise."""
    try:
        t = tfn()
    except Exception as e:  # noqa: BLE001  (PyTorch's error is the spec)
        with pytest.raises(type(e)) as info:
            ffn()
        return None, (e, info.value)
    return ffn(), t


def assert_same_error(te, fe):
    """Same exception type and the same leading wording (fastgrad may add shapes and dtypes)."""
    assert type(fe) is type(te)
    key = str(te).split("\n")[0][:60]
    assert key in str(fe), f"torch: {te!r}\nfastgrad: {fe!r}"


def grad_fn_name(x):
    return None if x.grad_fn is None else type(x.grad_fn).__name__ if isinstance(x, torch.Tensor) else x.grad_fn.name()


def noncontiguous(values, dtype):
    """A 2x3 transposed (non-contiguous) view holding `values` (6 of them), for both libraries."""
    a = np.array(values, dtype=dtype).reshape(3, 2)
    f, t = both(a)
    return f.t(), t.t()


def leaf_3x2(values):
    """A float64 leaf that requires grad, (3, 2); ops under gradcheck see it transposed (non-contiguous)."""
    return fg.tensor(np.array(values, dtype=np.float64).reshape(3, 2).tolist(), dtype=fg.float64, requires_grad=True)


SPECIAL_FLOATS = [0.0, -0.0, 0.5, -0.5, 1.0, -1.0, 2.5, -2.5, 3.7, -3.7, 1e-3, 100.0, -100.0,
                  float("inf"), -float("inf"), float("nan")]
INTS = [0, 1, -1, 2, -2, 3, 7, -7, 100, -100]
BOOLS = [True, False, True, False]


def samples(dtype):
    """Sample inputs of one dtype: 1-d special values, 0-d, 0-size and a transposed view."""
    values = {"bool": BOOLS, "int32": INTS, "int64": INTS, "float32": SPECIAL_FLOATS, "float64": SPECIAL_FLOATS}[dtype]
    np_dtype = np.bool_ if dtype == "bool" else getattr(np, dtype)
    out = [both(np.array(values, dtype=np_dtype)), both(np.array(values[2], dtype=np_dtype)),
           both(np.zeros((0, 3), dtype=np_dtype))]
    six = (list(values) * 2)[:6] if dtype == "bool" else list(values[2:8])
    out.append(noncontiguous(six, np_dtype))
    return out


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


def second_order(fn, *inputs):
    """gradcheck of the first derivative (built with create_graph=True): checks the second derivative.

    The output is squared so that piecewise-linear ops (maximum, where) still have a first derivative that
    depends on the inputs."""
    def first(*xs):
        return fg.autograd.grad((fn(*xs) ** 2).sum(), xs, create_graph=True)
    return _gradcheck(first, inputs)


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


# ---- binary ops: values and errors ----

BINARY_TENSOR_OPS = ["add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "floor_divide",
                     "remainder", "fmod", "pow", "maximum", "minimum", "fmax", "fmin", "atan2", "arctan2", "hypot",
                     "eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less", "less_equal", "not_equal",
                     "logical_and", "logical_or", "logical_xor", "bitwise_and", "bitwise_or", "bitwise_xor", "isclose"]


def binary_values(dtype):
    if dtype == "bool":
        return [True, False, True, False], [True, True, False, False]
    if dtype.startswith("int"):
        return [7, -7, 7, -7, 0, 5, 3, -2**31 if dtype == "int32" else -2**63], [3, 3, -3, -3, 5, -1, 2, -1]
    nan, inf = float("nan"), float("inf")
    return ([7.5, -7.5, 7.5, -7.5, 0.0, -0.0, 1.0, -1.0, inf, nan, 5.0, 2.0, 1e-3],
            [2.0, 2.0, -2.0, -2.0, 0.0, 3.0, inf, inf, 2.0, 1.0, 0.0, -0.5, 3.0])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", BINARY_TENSOR_OPS)
def test_binary_values_match_torch(name, dtype):
    a, b = binary_values(dtype)
    np_dtype = np.bool_ if dtype == "bool" else getattr(np, dtype)
    fa, ta = both(np.array(a, dtype=np_dtype))
    fb, tb = both(np.array(b, dtype=np_dtype))
    fr, tr = run_both(lambda: getattr(fg, name)(fa, fb), lambda: getattr(torch, name)(ta, tb))
    if fr is None:
        assert_same_error(*tr)
        return
    assert_same(fr, tr, rtol=1e-5 if dtype == "float32" else None)
    # Broadcasting a column against a row, and a transposed (non-contiguous) operand.
    fc, tc = fa[:4].reshape(4, 1), ta[:4].reshape(4, 1)
    fd, td = fb[:4].reshape(2, 2).t().reshape(1, 4), tb[:4].reshape(2, 2).t().reshape(1, 4)
    fr, tr = run_both(lambda: getattr(fg, name)(fc, fd), lambda: getattr(torch, name)(tc, td))
    if fr is None:
        assert_same_error(*tr)
    else:
        assert_same(fr, tr, rtol=1e-5 if dtype == "float32" else None)
    fz, tz = both(np.zeros((0, 1), dtype=np_dtype))
    fr, tr = run_both(lambda: getattr(fg, name)(fz, fb[:3]), lambda: getattr(torch, name)(tz, tb[:3]))
    if fr is not None:
        assert_same(fr, tr)


def test_integer_division_by_zero_raises():
    for call in (lambda m: m.tensor([1]) // 0, lambda m: m.tensor([1]) % m.tensor([0]),
                 lambda m: m.fmod(m.tensor([1]), 0), lambda m: m.div(m.tensor([1]), 0, rounding_mode="trunc")):
        with pytest.raises(RuntimeError, match="ZeroDivisionError"):
            call(fg)


def test_division_rounding_modes_match_torch():
    for dt in (np.float32, np.float64, np.int64, np.int32):
        fa, ta = both(np.array([-7, 7, -7, 7, 6, -1, 0], dtype=dt))
        fb, tb = both(np.array([2, 2, -2, -2, 4, 3, 5], dtype=dt))
        for mode in (None, "trunc", "floor"):
            assert_same(fg.div(fa, fb, rounding_mode=mode), torch.div(ta, tb, rounding_mode=mode))
            assert_same(fa.div(2, rounding_mode=mode), ta.div(2, rounding_mode=mode))
            assert_same(fg.divide(fa, 2.5, rounding_mode=mode), torch.divide(ta, 2.5, rounding_mode=mode))
    with pytest.raises(RuntimeError, match="rounding_mode to be one of None, 'trunc', or 'floor' but found 'bad'"):
        fg.div(fg.tensor([1.0]), 2, rounding_mode="bad")


def test_binary_argument_type_errors():
    x = fg.tensor([1.0])
    for name in ("maximum", "minimum", "fmax", "fmin", "atan2", "hypot", "logical_and", "isclose"):
        with pytest.raises(TypeError, match=rf"{name}\(\): argument 'other' \(position 2\) must be Tensor, not int"):
            getattr(fg, name)(x, 2)
    with pytest.raises(TypeError, match="must be Tensor or Number, not str"):
        fg.add(x, "a")
    with pytest.raises(TypeError):
        x + "a"


# ---- type promotion ----


def operand(kind, dtype):
    """(fastgrad, torch) operands: a 1-d tensor, a 0-d tensor or a Python number of the dtype's kind."""
    value = {"bool": True, "int32": 3, "int64": 3, "float32": 2.5, "float64": 2.5}[dtype]
    if kind == "number":
        if dtype in ("int32", "float32"):
            return None  # Python numbers come in bool, int and float only
        return value, value
    shape = [value, value] if kind == "tensor" else value
    return fg.tensor(shape, dtype=fg_dtype(dtype)), torch.tensor(shape, dtype=th_dtype(dtype))


PROMOTION_OPS = {
    "add": (lambda m, a, b: a + b), "rsub": (lambda m, a, b: b - a), "mul": (lambda m, a, b: a * b),
    "div": (lambda m, a, b: a / b), "floordiv": (lambda m, a, b: a // b), "mod": (lambda m, a, b: a % b),
    "pow": (lambda m, a, b: a ** b), "lt": (lambda m, a, b: a < b), "and": (lambda m, a, b: a & b),
    "xor": (lambda m, a, b: a ^ b), "fmod": (lambda m, a, b: m.fmod(a, b)),
    "where": (lambda m, a, b: m.where(m.tensor([True, False]), a, b)),
    "where_first": (lambda m, a, b: m.where(m.tensor([True, False]), b, a)),
    "clamp": (lambda m, a, b: m.clamp(a, b)),
    "sub": (lambda m, a, b: a - b), "div_floor": (lambda m, a, b: m.div(a, b, rounding_mode="floor")),
    "maximum": (lambda m, a, b: m.maximum(a, b)), "fmin": (lambda m, a, b: m.fmin(a, b)),
    "atan2": (lambda m, a, b: m.atan2(a, b)), "hypot": (lambda m, a, b: m.hypot(a, b)),
    "logical_or": (lambda m, a, b: m.logical_or(a, b)), "eq": (lambda m, a, b: m.eq(a, b)),
    "lerp": (lambda m, a, b: m.lerp(a, a, b)), "addcmul": (lambda m, a, b: m.addcmul(a, b, b)),
}


@pytest.mark.parametrize("op", sorted(PROMOTION_OPS))
def test_type_promotion_matches_torch(op):
    fn = PROMOTION_OPS[op]
    for kind_a in ("tensor", "zero_dim"):
        for kind_b in ("tensor", "zero_dim", "number"):
            for da in DTYPES:
                for db in DTYPES:
                    a, b = operand(kind_a, da), operand(kind_b, db)
                    if b is None:
                        continue
                    if op == "clamp" and kind_b != "number" and isinstance(b[0], (bool, int, float)):
                        continue
                    fr, tr = run_both(lambda: fn(fg, a[0], b[0]), lambda: fn(torch, a[1], b[1]))
                    if fr is None:
                        assert_same_error(*tr)
                    else:
                        assert dtype_str(fr) == dtype_str(tr), (op, kind_a, da, kind_b, db, fr.dtype, tr.dtype)
                        assert_same(fr, tr)


def test_python_numbers_do_not_promote_float_tensors():
    x = fg.tensor([1.0, 2.0])  # float32
    assert (x + 2.5).dtype == fg.float32
    assert (x * 10 ** 15).dtype == fg.float32
    assert (fg.tensor([1, 2]) + 2.5).dtype == fg.float32
    assert (fg.tensor([1, 2], dtype=fg.int32) + 2 ** 40).dtype == fg.int32
    assert (fg.tensor([True]) + 1).dtype == fg.int64
    assert (x + fg.tensor(1.0, dtype=fg.float64)).dtype == fg.float32
    assert (fg.tensor(1.0) + fg.tensor(1.0, dtype=fg.float64)).dtype == fg.float64


# ---- binary ops: grad_fn names, gradients, gradcheck ----

BINARY_GRAD = {
    "add": lambda m, a, b: m.add(a, b, alpha=2.5),
    "sub": lambda m, a, b: m.sub(a, b, alpha=-1.5),
    "mul": lambda m, a, b: a * b,
    "div": lambda m, a, b: a / b,
    "remainder": lambda m, a, b: m.remainder(a, b),
    "fmod": lambda m, a, b: m.fmod(a, b),
    "pow": lambda m, a, b: m.pow(m.abs(a) + 0.5, b),
    "maximum": lambda m, a, b: m.maximum(a, b),
    "minimum": lambda m, a, b: m.minimum(a, b),
    "fmax": lambda m, a, b: m.fmax(a, b),
    "fmin": lambda m, a, b: m.fmin(a, b),
    "atan2": lambda m, a, b: m.atan2(a, b),
    "hypot": lambda m, a, b: m.hypot(a, b),
    "lerp_scalar": lambda m, a, b: m.lerp(a, b, 0.3),
    "lerp_tensor": lambda m, a, b: m.lerp(a, b, b * 0.25),
    "where": lambda m, a, b: m.where(a > b, a, b),
    "where_scalar": lambda m, a, b: m.where(a > 0, a, 2.0) + m.where(b > 0, -1.0, b),
    "clamp_tensor": lambda m, a, b: m.clamp(a, b, b + 1.0),
    "clamp_min_tensor": lambda m, a, b: m.clamp_min(a, b),
    "clamp_max_tensor": lambda m, a, b: m.clamp_max(a, b),
}
# Broadcast: a is (2, 3) and transposed, b is (3,).
A_VALUES = [0.7, -1.3, 2.1, -0.4, 1.6, -2.2]
B_VALUES = [1.1, -0.9, 0.65]  # no ties with A_VALUES (or A_VALUES - 1) after broadcasting


def binary_inputs():
    fa, ta = noncontiguous(A_VALUES, np.float64)
    fb, tb = both(np.array(B_VALUES))
    for x in (fa, ta, fb, tb):
        x.requires_grad_()
    return fa, ta, fb, tb


@pytest.mark.parametrize("name", sorted(BINARY_GRAD))
def test_binary_gradients_match_torch(name):
    call = BINARY_GRAD[name]
    fa, ta, fb, tb = binary_inputs()
    fy, ty = call(fg, fa, fb), call(torch, ta, tb)
    assert grad_fn_name(fy) == grad_fn_name(ty)
    g = np.arange(1.0, 7.0).reshape(2, 3)
    fgs = fg.autograd.grad(fy, (fa, fb), fg.tensor(g))
    tgs = torch.autograd.grad(ty, (ta, tb), torch.tensor(g))
    for a, b in zip(fgs, tgs):
        assert_same(a, b, rtol=1e-10)


@pytest.mark.parametrize("name", sorted(BINARY_GRAD))
def test_binary_gradcheck(name):
    call = BINARY_GRAD[name]
    _, _, fb, _ = binary_inputs()
    assert gradcheck(lambda a, b: call(fg, a.t(), b), (leaf_3x2(A_VALUES), fb))


@pytest.mark.parametrize("name", ["mul", "div", "pow", "atan2", "hypot", "lerp_tensor", "maximum", "where"])
def test_binary_second_order(name):
    call = BINARY_GRAD[name]
    _, _, fb, _ = binary_inputs()
    assert second_order(lambda a, b: call(fg, a.t(), b), leaf_3x2(A_VALUES), fb)


@pytest.mark.parametrize("call", [
    lambda m, a, b, c: m.addcmul(a, b, c, value=0.5),
    lambda m, a, b, c: m.addcdiv(a, b, c, value=-2),
    lambda m, a, b, c: a.addcmul(b, c),
    lambda m, a, b, c: m.lerp(a, b, c),
    lambda m, a, b, c: m.where(c > 0, a, b),
    lambda m, a, b, c: m.clamp(a, b, c),
])
def test_ternary_gradients_match_torch(call):
    fa, ta = noncontiguous(A_VALUES, np.float64)
    fb, tb = both(np.array(B_VALUES))
    fc, tc = both(np.array([[0.5], [-1.5]]))
    fs, ts = (fa, fb, fc), (ta, tb, tc)
    for x in fs + ts:
        x.requires_grad_()
    fy, ty = call(fg, *fs), call(torch, *ts)
    assert_same(fy, ty)
    assert grad_fn_name(fy) == grad_fn_name(ty)
    fgs = fg.autograd.grad(fy.sum(), fs, allow_unused=True)
    tgs = torch.autograd.grad(ty.sum(), ts, allow_unused=True)
    for a, b in zip(fgs, tgs):
        if b is None:
            assert a is None
        else:
            assert_same(a, b, rtol=1e-10)
    assert gradcheck(lambda a, b, c: call(fg, a.t(), b, c), (leaf_3x2(A_VALUES), fb, fc))


def test_addcdiv_second_order():
    _, _, fb, _ = binary_inputs()
    assert second_order(lambda a, b: fg.addcdiv(a.t(), b, b * 2.0 + 3.0, value=0.5), leaf_3x2(A_VALUES), fb)


def test_ternary_dtypes_and_errors_match_torch():
    f32, t32 = both(np.array([1.0, 2.0], dtype=np.float32))
    f64, t64 = both(np.array([2.0, 3.0]))
    fi, ti = both(np.array([2, 3]))
    cases = [
        lambda m, a32, a64, ai: m.addcmul(ai, ai, ai, value=2),
        lambda m, a32, a64, ai: m.addcmul(ai, ai, ai, value=0.5),
        lambda m, a32, a64, ai: m.addcmul(ai, a32, ai),
        lambda m, a32, a64, ai: m.addcmul(a32, a64, a32),
        lambda m, a32, a64, ai: m.addcdiv(ai, ai, ai),
        lambda m, a32, a64, ai: m.addcdiv(a32, ai, ai),
        lambda m, a32, a64, ai: m.addcdiv(ai, a32, ai),
        lambda m, a32, a64, ai: m.lerp(a32, a64, 0.5),
        lambda m, a32, a64, ai: m.lerp(ai, ai, 0.5),
        lambda m, a32, a64, ai: m.lerp(a32, a32, a64),
        lambda m, a32, a64, ai: m.lerp(a32, a32, 1),
        lambda m, a32, a64, ai: m.where(a32, a32, a32),
        lambda m, a32, a64, ai: m.where(a32 > 1, ai, 2.5),
        lambda m, a32, a64, ai: m.where(a32 > 1, 1, 2),
        lambda m, a32, a64, ai: m.where(a32 > 1, 1, 2.5),
        lambda m, a32, a64, ai: m.where(a32 > 1, ai, a64),
        lambda m, a32, a64, ai: m.where((a32 > 1).reshape(2, 1), a32, a64[0]),
        lambda m, a32, a64, ai: m.hypot(ai, ai),
        lambda m, a32, a64, ai: m.atan2(ai, ai),
        lambda m, a32, a64, ai: m.isclose(a32, a64),
        lambda m, a32, a64, ai: m.isclose(ai, ai),
        lambda m, a32, a64, ai: m.isclose(a32, a32, rtol=-1),
        lambda m, a32, a64, ai: m.allclose(a32, a32 + 1e-7),
        lambda m, a32, a64, ai: m.allclose(a32, a32 + 1e-3),
        lambda m, a32, a64, ai: m.equal(a32, a64),
        lambda m, a32, a64, ai: m.equal(a32, a32[:1]),
        lambda m, a32, a64, ai: m.equal(ai, ai),
        lambda m, a32, a64, ai: a32 & a32,
        lambda m, a32, a64, ai: ~a32,
        lambda m, a32, a64, ai: ~ai,
        lambda m, a32, a64, ai: m.bitwise_not(a32),
        lambda m, a32, a64, ai: -(ai > 2),
        lambda m, a32, a64, ai: (ai > 2) - 1,
        lambda m, a32, a64, ai: 1 - (ai > 2),
        lambda m, a32, a64, ai: (ai > 2) - (ai > 1),
        lambda m, a32, a64, ai: m.add(ai, ai, alpha=0.5),
        lambda m, a32, a64, ai: m.add(a32, a32, alpha=True),
        lambda m, a32, a64, ai: ai ** -1,
        lambda m, a32, a64, ai: ai ** (ai - 4),
        lambda m, a32, a64, ai: (ai > 2) ** (ai > 2),
        lambda m, a32, a64, ai: 2 ** (ai - 4),
        lambda m, a32, a64, ai: m.relu(ai > 2),
        lambda m, a32, a64, ai: m.abs(ai > 2),
        lambda m, a32, a64, ai: m.frac(ai),
        lambda m, a32, a64, ai: m.round(ai, decimals=1),
        lambda m, a32, a64, ai: (ai > 2) // (ai > 2),
        lambda m, a32, a64, ai: ai.exp_(),
        lambda m, a32, a64, ai: ai.clone().add_(1.5),
    ]
    for call in cases:
        fr, tr = run_both(lambda: call(fg, f32, f64, fi), lambda: call(torch, t32, t64, ti))
        if fr is None:
            assert_same_error(*tr)
        else:
            assert_same(fr, tr)


# ---- reflected operators and Node names ----


def test_reflected_operators_match_torch():
    calls = [lambda x: 2 - x, lambda x: 2 / x, lambda x: 2 ** x, lambda x: 2 // x, lambda x: 7.5 % x,
             lambda x: 2 + x, lambda x: 2 * x, lambda x: x // 2, lambda x: x % 2, lambda x: x ** 2, lambda x: -x,
             lambda x: abs(x), lambda x: x / 2, lambda x: x - 2]
    for call in calls:
        f, t = both(np.array([1.5, -2.0, 3.0]), requires_grad=True)
        fy, ty = call(f), call(t)
        assert_same(fy, ty)
        assert grad_fn_name(fy) == grad_fn_name(ty)
        fi, ti = both(np.array([1, -2, 3]))
        fr, tr = run_both(lambda: call(fi), lambda: call(ti))
        if fr is None:
            assert_same_error(*tr)
        else:
            assert_same(fr, tr)


def test_nodes_without_derivative_raise_like_torch():
    for call, aten in ((lambda x: x // 2, "floor_divide"), (lambda x: 7 % x, "remainder"),
                       (lambda x: fg.floor_divide(x, x), "floor_divide")):
        x = fg.tensor([1.5, 2.5], requires_grad=True)
        y = call(x)
        assert y.requires_grad and y.grad_fn.name() == "NotImplemented"
        with pytest.raises(RuntimeError, match=f"derivative for aten::{aten} is not implemented"):
            y.sum().backward()


def test_comparison_and_predicate_results_do_not_require_grad():
    x = fg.tensor([1.0, float("nan")], requires_grad=True)
    for y in (x < 0, x == x, fg.isnan(x), fg.isclose(x, x), fg.logical_and(x, x), fg.isfinite(x)):
        assert y.dtype == fg.bool and not y.requires_grad


# ---- in place ----

INPLACE_UNARY = ["neg_", "abs_", "sign_", "square_", "relu_", "floor_", "ceil_", "round_", "trunc_", "frac_", "exp_",
                 "exp2_", "expm1_", "log_", "log1p_", "log2_", "log10_", "sqrt_", "rsqrt_", "reciprocal_", "sin_",
                 "cos_", "tan_", "asin_", "acos_", "atan_", "sinh_", "cosh_", "tanh_", "asinh_", "acosh_", "atanh_",
                 "sigmoid_", "logit_", "erf_", "erfc_", "nan_to_num_", "fix_", "negative_", "arcsin_", "clamp_"]


@pytest.mark.parametrize("name", INPLACE_UNARY)
def test_unary_inplace_matches_torch(name):
    args = (0.0, 0.5) if name == "clamp_" else ()
    values = [0.2, 0.7, 0.4, 0.9, 0.1, 0.5] if name in ("acosh_",) else [0.2, -0.7, 0.4, -0.9, 0.1, 0.5]
    if name == "acosh_":
        values = [v + 1.5 for v in values]
    # On a non-leaf that requires grad: same values, the same Node, and the right gradient.
    fl, tl = noncontiguous(values, np.float64)
    fl.requires_grad_()
    tl.requires_grad_()
    fx, tx = fl * 1, tl * 1
    v0 = fx._version
    fr, tr = getattr(fx, name)(*args), getattr(tx, name)(*args)
    assert fr is fx
    assert fx._version > v0
    assert_same(fx, tx)
    assert grad_fn_name(fx) == grad_fn_name(tx)
    fr, tr = run_both(lambda: fx.sum().backward(), lambda: tx.sum().backward())
    if tr is not None and isinstance(tr, tuple):  # no derivative in place (asinh_, acosh_, atanh_): both raise
        assert_same_error(*tr)
    else:
        assert_same(fl.grad, tl.grad)
    # Integer tensors: as PyTorch (float results cannot be written into them).
    fi, ti = both(np.array([1, -2, 3]))
    fr, tr = run_both(lambda: getattr(fi, name)(*args), lambda: getattr(ti, name)(*args))
    if fr is None:
        assert_same_error(*tr)
    else:
        assert_same(fi, ti)
    # The function form where PyTorch has one.
    if hasattr(torch, name):
        f, t = both(np.array(values))
        getattr(fg, name)(f, *args)
        getattr(torch, name)(t, *args)
        assert_same(f, t)


INPLACE_BINARY = {
    "mul_": lambda x, y: x.mul_(y), "div_": lambda x, y: x.div_(y), "div_floor": lambda x, y: x.div_(y, rounding_mode="floor"),
    "floor_divide_": lambda x, y: x.floor_divide_(y), "remainder_": lambda x, y: x.remainder_(y),
    "fmod_": lambda x, y: x.fmod_(y), "pow_": lambda x, y: x.abs_().pow_(y), "pow_scalar": lambda x, y: x.pow_(2),
    "atan2_": lambda x, y: x.atan2_(y), "hypot_": lambda x, y: x.hypot_(y), "lerp_": lambda x, y: x.lerp_(y, 0.25),
    "lerp_tensor": lambda x, y: x.lerp_(y, y), "addcmul_": lambda x, y: x.addcmul_(y, y, value=2),
    "addcdiv_": lambda x, y: x.addcdiv_(y, y + 3, value=2), "clamp_tensor": lambda x, y: x.clamp_(y, y + 1),
    "clamp_min_": lambda x, y: x.clamp_min_(y), "clamp_max_": lambda x, y: x.clamp_max_(0.5),
    "lt_": lambda x, y: x.lt_(y), "ge_scalar": lambda x, y: x.ge_(0.5), "eq_": lambda x, y: x.eq_(y),
    "floordiv_op": lambda x, y: x.__ifloordiv__(y), "mod_op": lambda x, y: x.__imod__(2),
    "ipow": lambda x, y: x.__ipow__(2), "sub_alpha": lambda x, y: x.sub_(y, alpha=2),
    "logical_and_": lambda x, y: x.logical_and_(y), "logical_xor_": lambda x, y: x.logical_xor_(y),
    "logical_not_": lambda x, y: x.logical_not_(), "ne_": lambda x, y: x.ne_(y),
}


@pytest.mark.parametrize("name", sorted(INPLACE_BINARY))
def test_binary_inplace_matches_torch(name):
    call = INPLACE_BINARY[name]
    fl, tl = noncontiguous([0.2, -0.7, 0.4, -0.9, 0.1, 0.5], np.float64)
    fo, to = both(np.array([0.3, -0.6, 1.2]))
    for x in (fl, tl, fo, to):
        x.requires_grad_()
    fx, tx = fl * 1, tl * 1
    fr, tr = call(fx, fo), call(tx, to)
    assert fr is fx
    assert_same(fx, tx)
    assert grad_fn_name(fx) == grad_fn_name(tx)
    g = np.arange(1.0, 7.0).reshape(2, 3)
    fgs, tgs = run_both(lambda: fg.autograd.grad(fx, (fl, fo), fg.tensor(g), allow_unused=True),
                        lambda: torch.autograd.grad(tx, (tl, to), torch.tensor(g), allow_unused=True))
    if fgs is None:  # no derivative (floor_divide_): both raise
        assert_same_error(*tgs)
        return
    for a, b in zip(fgs, tgs):
        if b is None:
            assert a is None or not a.any()
        else:
            assert_same(a, b, rtol=1e-10)


def test_inplace_on_integer_and_bool_tensors_matches_torch():
    cases = [
        lambda m: m.tensor([1, 0]).lt_(0.5), lambda m: m.tensor([1.0, 0.0]).logical_and_(m.tensor([1.0, 1.0])),
        lambda m: m.tensor([1.0, 0.0]).logical_not_(), lambda m: m.tensor([3]).bitwise_and_(m.tensor([True])),
        lambda m: m.tensor([True]).bitwise_and_(m.tensor([3])), lambda m: m.tensor([5, 6]).__iand__(3),
        lambda m: m.tensor([5, 6]).__ixor__(m.tensor([1, 1])), lambda m: m.tensor([1, -1]).relu_(),
        lambda m: m.tensor([True]).abs_(), lambda m: m.tensor([1, -2]).neg_(), lambda m: m.tensor([7]).floor_divide_(2),
        lambda m: m.tensor([7]).remainder_(-2), lambda m: m.tensor([1.5]).floor_divide_(m.tensor([[1.0, 2.0]])),
        lambda m: m.tensor([7]).pow_(2), lambda m: m.tensor([True]).mul_(m.tensor([True])),
        lambda m: m.tensor([7]).div_(2), lambda m: m.tensor([7]).div_(2, rounding_mode="floor"),
    ]
    for call in cases:
        fr, tr = run_both(lambda: call(fg), lambda: call(torch))
        if fr is None:
            assert_same_error(*tr)
        else:
            assert_same(fr, tr)


def test_inplace_refuses_leaf_that_requires_grad():
    x = fg.tensor([1.0, 2.0], requires_grad=True)
    for call in (lambda: x.exp_(), lambda: x.clamp_(0, 1), lambda: x.lerp_(x.detach(), 0.5), lambda: x.lt_(1)):
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place"):
            call()


# ---- bool / bitwise / logical operators ----


def test_bitwise_and_logical_operators_match_torch():
    fb, tb = both(np.array([True, False, True, False]))
    fc, tc = both(np.array([True, True, False, False]))
    fi, ti = both(np.array([5, -3, 0, 12]))
    fj, tj = both(np.array([3, 6, 1, -1], dtype=np.int32))
    calls = [
        lambda a, b, i, j: a & b, lambda a, b, i, j: a | b, lambda a, b, i, j: a ^ b, lambda a, b, i, j: ~a,
        lambda a, b, i, j: i & j, lambda a, b, i, j: i | 6, lambda a, b, i, j: 6 ^ i, lambda a, b, i, j: True & a,
        lambda a, b, i, j: a & 3, lambda a, b, i, j: ~i, lambda a, b, i, j: ~j, lambda a, b, i, j: i & a,
        lambda a, b, i, j: a.logical_xor(i), lambda a, b, i, j: i.logical_or(j), lambda a, b, i, j: i.logical_not(),
        lambda a, b, i, j: a.bitwise_xor(b), lambda a, b, i, j: i.bitwise_or(3),
    ]
    for call in calls:
        assert_same(call(fb, fc, fi, fj), call(tb, tc, ti, tj))


def test_where_broadcasts_scalars_and_condition():
    cond = np.array([[True], [False]])
    fcond, tcond = both(cond)
    fa, ta = both(np.array([1.0, 2.0, 3.0]))
    assert_same(fg.where(fcond, fa, 0.0), torch.where(tcond, ta, 0.0))
    assert_same(fg.where(fcond, -1, fa), torch.where(tcond, -1, ta))
    assert_same(fg.where(fcond, 1, 2), torch.where(tcond, 1, 2))
    assert_same(fa.where(fa > 1.5, fa * 10), ta.where(ta > 1.5, ta * 10))
    assert_same(fg.where(fcond[0, 0], fa, fa[:1]), torch.where(tcond[0, 0], ta, ta[:1]))
    with pytest.raises(RuntimeError, match="where expected condition to be a boolean tensor, but got a tensor with dtype"):
        fg.where(fa, fa, fa)
