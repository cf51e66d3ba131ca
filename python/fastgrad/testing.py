"""fastgrad.testing: assert_close and make_tensor, as torch.testing.

assert_close compares tensors, NumPy arrays, Python numbers, None and (nested) sequences and mappings of
them, with PyTorch's per-dtype default tolerances and its failure messages ("Tensor-likes are not close!",
the number of mismatched elements, the greatest absolute and relative differences and where they are).
"""

import collections.abc
import math

import numpy as np

from . import _C

Tensor = _C.Tensor

__all__ = ["assert_close", "make_tensor"]

# (rtol, atol) by dtype name: PyTorch's defaults. Integer and bool tensors are compared for equality.
_DEFAULT_TOLERANCES = {"float32": (1.3e-6, 1e-5), "float64": (1e-7, 1e-7)}


class _Mismatch(Exception):
    """A failed comparison: the exception class to raise and its message."""

    def __init__(self, exc_type, message):
        super().__init__(message)
        self.exc_type = exc_type
        self.message = message


def _dtype_name(dtype):
    return str(dtype).split(".")[-1]


def _tolerances(*dtypes):
    rtol = atol = 0.0
    for dtype in dtypes:
        r, a = _DEFAULT_TOLERANCES.get(_dtype_name(dtype), (0.0, 0.0))
        rtol, atol = max(rtol, r), max(atol, a)
    return rtol, atol


def _diff_line(kind, diff, index, tol, equality):
    line = f"{kind.title()} difference: {diff}" if index is None else f"Greatest {kind} difference: {diff} at index {index}"
    if not equality:
        line += f" (up to {tol} allowed)"
    return line + "\n"


def _mismatch_message(identifier, extra, abs_diff, abs_idx, rel_diff, rel_idx, rtol, atol):
    equality = rtol == 0 and atol == 0
    msg = f"{identifier} are not {'equal' if equality else 'close'}!\n\n"
    if extra:
        msg += extra.strip() + "\n"
    msg += _diff_line("absolute", abs_diff, abs_idx, atol, equality)
    msg += _diff_line("relative", rel_diff, rel_idx, rtol, equality)
    return msg.strip()


def _scalar_message(actual, expected, rtol, atol):
    abs_diff = abs(actual - expected)
    if expected != 0:
        rel_diff = abs_diff / abs(expected)
    else:
        rel_diff = math.inf if abs_diff != 0 else math.nan
    return _mismatch_message(
        "Scalars", f"Expected {expected} but got {actual}.", abs_diff, None, rel_diff, None, rtol, atol
    )


def _close_mask(actual, expected, rtol, atol, equal_nan):
    """Element-wise closeness as torch.isclose (in the arrays' dtype)."""
    if actual.dtype.kind not in "fc":
        return actual == expected
    with np.errstate(invalid="ignore", over="ignore"):
        close = actual == expected  # also equal infinities
        finite = np.isfinite(actual) & np.isfinite(expected)
        allowed = np.asarray(atol, dtype=actual.dtype) + np.asarray(rtol, dtype=actual.dtype) * np.abs(expected)
        close |= finite & (np.abs(actual - expected) <= allowed)
    if equal_nan:
        close |= np.isnan(actual) & np.isnan(expected)
    return close


def _compare_tensors(actual, expected, rtol, atol, equal_nan, check_dtype, check_stride):
    if actual.shape != expected.shape:
        raise _Mismatch(
            AssertionError, f"The values for attribute 'shape' do not match: {actual.shape} != {expected.shape}."
        )
    if check_dtype and actual.dtype != expected.dtype:
        raise _Mismatch(
            AssertionError, f"The values for attribute 'dtype' do not match: {actual.dtype} != {expected.dtype}."
        )
    if check_stride and actual.stride() != expected.stride():
        raise _Mismatch(
            AssertionError,
            f"The values for attribute 'stride()' do not match: {actual.stride()} != {expected.stride()}.",
        )
    if rtol is None:
        rtol, atol = _tolerances(actual.dtype, expected.dtype)
    if actual.dtype != expected.dtype:  # compared in the promoted dtype, as PyTorch
        common = _C.promote_types(actual.dtype, expected.dtype)
        actual, expected = actual.to(common), expected.to(common)
    a = actual.detach().numpy()
    e = expected.detach().numpy()
    close = _close_mask(a, e, rtol, atol, equal_nan)
    if close.all():
        return
    if actual.dim() == 0:
        raise _Mismatch(AssertionError, _scalar_message(a.item(), e.item(), rtol, atol))
    total = close.size
    mismatches = total - int(close.sum())
    extra = f"Mismatched elements: {mismatches} / {total} ({mismatches / total:.1%})"
    if a.dtype.kind not in "fc":
        a, e = a.astype(np.int64).ravel(), e.astype(np.int64).ravel()
    else:
        a, e = a.ravel(), e.ravel()
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        abs_diff = np.abs(a - e)
        abs_diff[close.ravel()] = 0
        rel_diff = abs_diff / np.abs(e)
        if rel_diff.dtype == np.float64 and a.dtype.kind not in "fc":
            rel_diff = rel_diff.astype(np.float32)  # PyTorch divides integer differences in the default dtype
    rel_diff[close.ravel()] = 0
    abs_i, rel_i = int(np.argmax(abs_diff)), int(np.argmax(rel_diff))
    shape = actual.shape

    def index(flat):
        return tuple(int(i) for i in np.unravel_index(flat, tuple(shape))) if len(shape) else ()

    raise _Mismatch(
        AssertionError,
        _mismatch_message(
            "Tensor-likes", extra, abs_diff[abs_i].item(), index(abs_i), rel_diff[rel_i].item(), index(rel_i),
            rtol, atol,
        ),
    )


def _compare_numbers(actual, expected, rtol, atol, equal_nan, check_dtype):
    if check_dtype and type(actual) is not type(expected):
        raise _Mismatch(AssertionError, f"The (d)types do not match: {type(actual)} != {type(expected)}.")
    if rtol is None:
        if isinstance(actual, float) or isinstance(expected, float):
            rtol, atol = _DEFAULT_TOLERANCES["float64"]
        else:
            rtol = atol = 0.0
    if actual == expected:
        return
    if equal_nan and math.isnan(actual) and math.isnan(expected):
        return
    if (
        math.isfinite(actual)
        and math.isfinite(expected)
        and abs(actual - expected) <= atol + rtol * abs(expected)
    ):
        return
    raise _Mismatch(AssertionError, _scalar_message(actual, expected, rtol, atol))


def _is_number(x):
    return isinstance(x, (int, float)) or (isinstance(x, np.generic) and x.dtype.kind in "biuf")


def _is_sequence(x):
    return isinstance(x, collections.abc.Sequence) and not isinstance(x, (str, bytes))


def _as_tensor(x):
    if isinstance(x, np.ndarray):
        return _C.from_numpy(np.ascontiguousarray(x))
    return x


def _compare(actual, expected, path, options):
    rtol, atol, equal_nan, check_dtype, check_stride, allow_subclasses = options
    try:
        if actual is None and expected is None:
            return
        if isinstance(actual, Tensor) and isinstance(expected, Tensor):
            if not allow_subclasses and type(actual) is not type(expected):
                raise TypeError(
                    f"No comparison pair was able to handle inputs of type {type(actual)} and {type(expected)}."
                )
            return _compare_tensors(actual, expected, rtol, atol, equal_nan, check_dtype, check_stride)
        if isinstance(actual, np.ndarray) and isinstance(expected, np.ndarray):
            return _compare_tensors(
                _as_tensor(actual), _as_tensor(expected), rtol, atol, equal_nan, check_dtype, check_stride
            )
        if isinstance(actual, (bool, np.bool_)) and isinstance(expected, (bool, np.bool_)):
            if bool(actual) != bool(expected):
                raise _Mismatch(AssertionError, f"Booleans mismatch: {bool(actual)} is not {bool(expected)}")
            return
        if _is_number(actual) and _is_number(expected):
            a = actual.item() if isinstance(actual, np.generic) else actual
            e = expected.item() if isinstance(expected, np.generic) else expected
            return _compare_numbers(a, e, rtol, atol, equal_nan, check_dtype)
        if _is_sequence(actual) and _is_sequence(expected):
            if len(actual) != len(expected):
                raise _Mismatch(
                    AssertionError, f"The length of the sequences mismatch: {len(actual)} != {len(expected)}"
                )
            for i, (a, e) in enumerate(zip(actual, expected)):
                _compare(a, e, path + [i], options)
            return
        if isinstance(actual, collections.abc.Mapping) and isinstance(expected, collections.abc.Mapping):
            a_keys, e_keys = set(actual), set(expected)
            if a_keys != e_keys:
                missing = sorted(e_keys - a_keys, key=repr)
                extra = sorted(a_keys - e_keys, key=repr)
                raise _Mismatch(
                    AssertionError,
                    "The keys of the mappings do not match:\n"
                    f"Missing keys in the actual mapping: {missing}\nAdditional keys in the actual mapping: {extra}",
                )
            for key in actual:
                _compare(actual[key], expected[key], path + [key], options)
            return
    except _Mismatch as m:
        if path and "The failure occurred for item" not in m.message:
            m.message += "\n\nThe failure occurred for item " + "".join(f"[{k!r}]" for k in path)
        raise
    raise TypeError(f"No comparison pair was able to handle inputs of type {type(actual)} and {type(expected)}.")


def assert_close(
    actual,
    expected,
    *,
    allow_subclasses=True,
    rtol=None,
    atol=None,
    equal_nan=False,
    check_device=True,
    check_dtype=True,
    check_layout=True,
    check_stride=False,
    msg=None,
):
    """Asserts that actual and expected are close: |actual - expected| <= atol + rtol * |expected| element
    by element, with the same shape (and dtype, unless check_dtype=False; and strides, if check_stride).

    Without rtol/atol, the defaults of the (wider) dtype: float32 rtol 1.3e-6 / atol 1e-5, float64 (and
    Python floats) 1e-7 / 1e-7, integers and bools exact. NaNs are equal only with equal_nan=True.
    Sequences and mappings are compared item by item. Raises AssertionError with PyTorch's message (msg
    replaces it, or transforms it when callable), TypeError for inputs that cannot be compared and
    ValueError when only one of rtol and atol is given.
    """
    if (rtol is None) != (atol is None):
        missing = "atol" if atol is None else "rtol"
        raise ValueError(f"Both 'rtol' and 'atol' must be either specified or omitted, but got no {missing}.")
    options = (rtol, atol, equal_nan, check_dtype, check_stride, allow_subclasses)
    try:
        _compare(actual, expected, [], options)
    except _Mismatch as m:
        if msg is None:
            text = m.message
        elif callable(msg):
            text = msg(m.message)
        else:
            text = msg
        raise m.exc_type(text) from None


def make_tensor(
    *shape,
    dtype,
    device=None,
    low=None,
    high=None,
    requires_grad=False,
    noncontiguous=False,
    exclude_zero=False,
    memory_format=None,
):
    """A tensor of the given shape and dtype filled with random values drawn from the default generator:
    floats uniform in [low, high) (default [-9, 9)), integers in [low, high) (default [-9, 10)), bools
    True or False. exclude_zero replaces zeros by the dtype's smallest positive step; noncontiguous
    returns a non-contiguous view of the values. (PyTorch's random values differ.)"""
    if len(shape) == 1 and isinstance(shape[0], collections.abc.Sequence):
        shape = tuple(shape[0])
    if dtype is None or not isinstance(dtype, _C.dtype):
        raise TypeError(f"make_tensor(): dtype must be a fastgrad.dtype, not {dtype!r}")
    name = _dtype_name(dtype)
    if requires_grad and name not in ("float32", "float64"):
        raise ValueError(f"make_tensor: requires_grad must be False for integral dtype {dtype}")
    for value, which in ((low, "low"), (high, "high")):
        if value is not None and math.isnan(value):
            raise ValueError(f"`{which}` cannot be NaN, but got {which}={value}")
    if name == "bool":
        t = _C.randint(0, 2, shape, dtype=_C.int64) != 0
    elif name in ("int32", "int64"):
        lo = -9 if low is None else math.ceil(low)
        hi = 10 if high is None else math.ceil(high)
        if lo >= hi and not (low is not None and high is not None and low == high):
            raise ValueError(f"`low` must be less than `high`, but got {low} >= {high}")
        t = _C.full(shape, lo, dtype=dtype) if lo >= hi else _C.randint(lo, hi, shape, dtype=dtype)
    else:
        lo = -9.0 if low is None else float(low)
        hi = 9.0 if high is None else float(high)
        if lo > hi:
            raise ValueError(f"`low` must be less than or equal to `high`, but got {low} > {high}")
        t = _C.rand(shape, dtype=dtype) * (hi - lo) + lo
    if exclude_zero:
        replacement = 1 if name in ("int32", "int64", "bool") else float(np.finfo(name).tiny)
        if name == "bool":
            t = _C.ones(shape, dtype=dtype)
        else:
            t = _C.where(t == 0, _C.full((), replacement, dtype=dtype), t)
    if noncontiguous and t.numel() > 1:
        t = _C.stack([t, t], -1)[..., 0]  # the same values, every other element of a buffer
    if requires_grad:
        t.requires_grad_(True)
    return t
