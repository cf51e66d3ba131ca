"""fastgrad.tensor and fastgrad.as_tensor: tensors from Python data and NumPy arrays."""
from __future__ import annotations
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._C import Tensor

import warnings

import numpy as np

from . import _C

def _ragged_error(data):
    """PyTorch's error for nested sequences that are not rectangular: the shape is read off the first
    element at each depth, then every sequence is checked against it, depth first."""
    def is_seq(x):
        return isinstance(x, (list, tuple))

    shape = []
    x = data
    while is_seq(x):
        shape.append(len(x))
        if not x:
            break
        x = x[0]
    stack = [(data, 0)]
    while stack:
        x, dim = stack.pop()
        if dim >= len(shape):
            if is_seq(x):
                return TypeError(f"'{type(x).__name__}' object cannot be interpreted as a number")
            continue
        if not is_seq(x):
            return TypeError("not a sequence")
        if len(x) != shape[dim]:
            return ValueError(f"expected sequence of length {shape[dim]} at dim {dim} (got {len(x)})")
        stack.extend((item, dim + 1) for item in reversed(x))
    return None


_OVERFLOW = "Overflow when unpacking long long"  # PyTorch's ValueError for ints outside int64


def _not_a_number(data):
    """The first leaf of nested lists/tuples that is not a number (what PyTorch's "Could not infer dtype of"
    names), or data itself."""
    stack = [data]
    while stack:
        x = stack.pop()
        if isinstance(x, (list, tuple)):
            stack.extend(reversed(x))
        elif not isinstance(x, (bool, int, float, np.generic)):
            return x
    return data


def _outside_int64(v):
    return isinstance(v, int) and not isinstance(v, bool) and not -(2**63) <= v < 2**63


def _big_ints(data, dtype):
    """An array for nested data holding Python ints outside int64 (NumPy made it object or uint64): floats
    when the tensor is floating (a float among the data, or a floating `dtype`), else PyTorch's ValueError."""
    flat = np.array(data, dtype=object).ravel()
    if not any(_outside_int64(v) for v in flat):
        return None
    has_float = any(isinstance(v, float) for v in flat)
    # An explicit dtype decides (each int is unpacked as int64 for an integer dtype, read as its truth value
    # for bool); else a float among the data.
    if not ((dtype.is_floating_point or dtype == _C.bool) if dtype is not None else has_float):
        raise ValueError(_OVERFLOW)
    return np.array(data, dtype=np.float64), (_C.get_default_dtype() if has_float else None)


def _holds_tensors(data):
    """True when the nested lists/tuples `data` hold a Tensor anywhere (one type scan per level, in C)."""
    stack = [data]
    while stack:
        seq = stack.pop()
        types = set(map(type, seq))
        if any(issubclass(t, _C.Tensor) for t in types):
            return True
        if list in types or tuple in types:
            stack.extend(e for e in seq if isinstance(e, (list, tuple)))
    return False


_NUMPY_KINDS = {"b": _C.bool, "i": _C.int64, "u": _C.int64}
# The NumPy dtypes fastgrad has (from_numpy takes these without a copy).
_NUMPY_DTYPES = {np.dtype(np.bool_): _C.bool, np.dtype(np.uint8): _C.uint8, np.dtype(np.int8): _C.int8,
                 np.dtype(np.int16): _C.int16, np.dtype(np.int32): _C.int32, np.dtype(np.int64): _C.int64,
                 np.dtype(np.float16): _C.float16, np.dtype(np.float32): _C.float32,
                 np.dtype(np.float64): _C.float64}


def _scalars_of(data):
    """`data` with each one-element Tensor replaced by its value, and the dtype PyTorch infers for it: the
    promotion of every element's own type (a tensor's dtype; bool, int64 or the default dtype for numbers)."""
    dtypes = set()
    grad = False

    def convert(x):
        nonlocal grad
        if isinstance(x, (list, tuple)):
            return [convert(e) for e in x]
        if isinstance(x, _C.Tensor):
            if x.numel() != 1:
                raise ValueError("only one element tensors can be converted to Python scalars")
            grad = grad or x.requires_grad
            dtypes.add(x.dtype)
            return x.detach().item()
        if isinstance(x, np.generic):
            kind = np.asarray(x).dtype
            dtypes.add(_NUMPY_DTYPES.get(kind) or _NUMPY_KINDS.get(kind.kind) or
                       (_C.float64 if kind.itemsize == 8 else _C.float32))
            return x.item()
        if isinstance(x, bool):
            dtypes.add(_C.bool)
        elif isinstance(x, int):
            dtypes.add(_C.int64)
        elif isinstance(x, float):
            dtypes.add(_C.get_default_dtype())
        elif isinstance(x, str):
            raise TypeError("new(): invalid data type 'str'")
        else:
            raise RuntimeError(f"Could not infer dtype of {type(x).__name__}")
        return x

    values = convert(data)
    if grad:
        warnings.warn("Converting a tensor with requires_grad=True to a scalar may lead to unexpected behavior.\n"
                      "Consider using tensor.detach() first.", UserWarning, stacklevel=4)
    inferred = None
    for d in dtypes:
        inferred = d if inferred is None else _C.promote_types(inferred, d)
    return values, inferred


def _from_data(data, dtype):
    """A new tensor holding a copy of `data` (nested sequences, numbers, NumPy arrays, tensors)."""
    # Python numbers (and NumPy scalars) are checked one by one against an integer dtype, as PyTorch does (nan
    # or 2**31 into int32 raise); a NumPy array converts like .to() (it wraps), as in PyTorch.
    checked = not isinstance(data, np.ndarray)
    if isinstance(data, np.generic):
        data = np.asarray(data)  # a NumPy scalar is a 0-d array of its own dtype, as in PyTorch
    if isinstance(data, (bool, int, float)) and not isinstance(data, np.generic):
        if _outside_int64(data):
            if dtype is None or not dtype.is_floating_point:
                raise ValueError(_OVERFLOW)
            data = float(data)
        if dtype is None:
            return _C._scalar_tensor(data, None)
        # The number in its own type (a float as float64), then checked into dtype like list data.
        return _C._convert_data(_C._scalar_tensor(data, _C.float64 if isinstance(data, float) else None), dtype)
    if isinstance(data, np.ndarray):
        arr = np.array(data, copy=True)  # a NumPy array keeps its own dtype, as in PyTorch
        if arr.dtype.kind == "f" and arr.dtype.itemsize not in (2, 4, 8):
            arr = arr.astype(np.float32)
        inferred = None
    elif isinstance(data, (list, tuple)) and _holds_tensors(data):
        values, inferred = _scalars_of(data)
        kind = np.bool_ if inferred == _C.bool else np.float64 if inferred is None or inferred.is_floating_point \
            else np.int64
        try:
            arr = np.array(values, dtype=kind)
        except ValueError:
            raise _ragged_error(values) or ValueError("could not convert the sequence to a tensor") from None
        if inferred is None:  # empty nested lists
            inferred = _C.get_default_dtype()
    else:
        try:
            arr = np.array(data)
        except (ValueError, TypeError) as exc:
            ragged = _ragged_error(data)
            raise ragged or ValueError(f"could not convert {type(data).__name__} to a tensor: {exc}") from None
        # Python ints outside int64 make NumPy choose object, uint64, or (mixed with negative ints, NumPy 2)
        # float64; the last is told from real floats by magnitude first, so ordinary float data is not scanned.
        maybe_big = arr.dtype == object or arr.dtype.kind == "u" or (
            arr.dtype.kind == "f" and arr.size > 0 and np.abs(arr).max() >= 2.0**63)
        big = _big_ints(data, dtype) if maybe_big else None
        if big is not None:
            arr, float_inferred = big
        if arr.dtype == object:
            raise RuntimeError(f"Could not infer dtype of {type(_not_a_number(data)).__name__}")
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"new(): invalid data type '{arr.dtype.kind == 'U' and 'str' or arr.dtype}'")
        # Python floats become the default dtype, ints int64, bools bool (NumPy would say float64 / int64).
        inferred = {"b": _C.bool, "i": _C.int64, "u": _C.int64, "f": _C.get_default_dtype()}[arr.dtype.kind]
        if arr.dtype in (np.uint8, np.int8, np.int16, np.float16):  # only NumPy scalars give these: their dtype
            inferred = _NUMPY_DTYPES[arr.dtype]
        if big is not None:
            inferred = float_inferred
        arr = np.ascontiguousarray(arr).reshape(arr.shape)  # (ascontiguousarray makes 0-d arrays 1-d)
    if arr.dtype.kind in "iu" and arr.dtype not in _NUMPY_DTYPES:
        arr = arr.astype(np.int64)  # uint16, uint32 and uint64 are not among fastgrad's dtypes
    t = _C.from_numpy(arr)
    target = dtype if dtype is not None else inferred
    if target is not None and t.dtype != target:
        t = _C._convert_data(t, target) if checked else t.to(target)
    return t


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False) -> Tensor:
    """Constructs a tensor with no autograd history by copying `data`."""
    _C._check_device(device)
    if isinstance(data, _C.Tensor):
        warnings.warn(
            "To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() or "
            "sourceTensor.detach().clone().requires_grad_(True), rather than fastgrad.tensor(sourceTensor).",
            UserWarning,
            stacklevel=2,
        )
        t = data.detach().clone()
        if dtype is not None:
            t = t.to(dtype)
    else:
        t = _from_data(data, dtype)
    if requires_grad:
        t.requires_grad_(True)
    return t


def as_tensor(data, *, dtype=None, device=None) -> Tensor:
    """Like tensor(), but shares memory with a tensor or NumPy array of the right dtype."""
    _C._check_device(device)
    if isinstance(data, _C.Tensor):
        return data if dtype is None or data.dtype == dtype else data.to(dtype)
    if isinstance(data, np.ndarray) and data.dtype in _NUMPY_DTYPES and all(s >= 0 for s in data.strides):
        t = _C.from_numpy(data)
        return t if dtype is None or t.dtype == dtype else t.to(dtype)
    return _from_data(data, dtype)


def _legacy_new(data):
    """fastgrad.Tensor(data): always the default float dtype, like torch.Tensor([...])."""
    return _from_data(data, _C.get_default_dtype())
