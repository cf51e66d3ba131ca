"""Binary and ternary elementwise ops and comparisons against PyTorch 2.13 as the oracle: values and dtypes
over bool/int32/int64/float32/float64 inputs (broadcast, special values), division by zero and rounding
modes, the exception type and wording where PyTorch refuses, type promotion with 0-d tensors and Python
numbers, grad_fn names, gradients, float64 gradcheck (first and second order), reflected operators, the
bool/bitwise/logical operators and where.
"""

import numpy as np
import pytest

import fastgrad as fg
from elementwise_helpers import (DTYPES, assert_same, assert_same_error, both, dtype_str, fg_dtype, grad_fn_name,
                                 gradcheck, leaf_3x2, noncontiguous, run_both, second_order, th_dtype)

torch = pytest.importorskip("torch")


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
