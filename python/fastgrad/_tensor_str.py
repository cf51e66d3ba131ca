"""Text rendering of tensors, matching PyTorch 2.13's ``repr(tensor)`` byte for byte.

This module is pure Python (plus numpy) so it can be used and tested without the
compiled core.  It receives the tensor's data as a numpy array and the fastgrad
dtype name separately; every layout decision below (column width, number
formatting mode, line wrapping, summarisation, suffixes) follows what PyTorch
prints, including a few of its quirks, which are called out where they occur.

Public API:
    format_tensor(values, *, dtype_name, grad_fn_name=None, requires_grad=False,
                  module="fastgrad") -> str
    format_scalar(value, spec, **repr_kwargs) -> str
    set_printoptions(...), get_printoptions(), printoptions(...)
"""

import contextlib
import dataclasses
import math
from typing import Optional

import numpy as np

__all__ = [
    "format_tensor",
    "format_scalar",
    "set_printoptions",
    "get_printoptions",
    "printoptions",
]

# fastgrad's default floating dtype; like torch, it is the one dtype an empty
# tensor prints without a ``dtype=`` suffix.
DEFAULT_DTYPE = "float32"

# Dtypes whose values already identify them: floats of the default dtype print
# with a decimal point, int64 as bare integers and bool as True/False, so these
# need no ``dtype=`` suffix (for non-empty tensors).
_IMPLIED_DTYPES = frozenset({DEFAULT_DTYPE, "int64", "bool"})

_NUMPY_DTYPES = {
    "float32": np.float32,
    "float64": np.float64,
    "int64": np.int64,
    "int32": np.int32,
    "bool": np.bool_,
    "uint8": np.uint8,
    "int8": np.int8,
    "int16": np.int16,
    # the half-precision values are exact in float32, which formats them as PyTorch does
    "float16": np.float32,
    "bfloat16": np.float32,
}
_FLOAT_DTYPES = frozenset({"float32", "float64", "float16", "bfloat16"})


# --------------------------------------------------------------------------
# Print options
# --------------------------------------------------------------------------


@dataclasses.dataclass
class _PrintOptions:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: Optional[bool] = None


_OPTS = _PrintOptions()

# profile name -> (precision, threshold, edgeitems, linewidth)
_PROFILES = {
    "default": (4, 1000, 3, 80),
    "short": (2, 1000, 2, 80),
    "full": (4, math.inf, 3, 80),
}


def set_printoptions(
    precision=None,
    threshold=None,
    edgeitems=None,
    linewidth=None,
    profile=None,
    sci_mode=None,
):
    """Set tensor printing options, with ``torch.set_printoptions`` semantics.

    A profile is applied first and explicit arguments override it.  Unknown
    profile names are ignored, as in torch.  ``sci_mode`` is always assigned:
    leaving it as None restores automatic selection of scientific notation.
    """
    if profile in _PROFILES:
        (_OPTS.precision, _OPTS.threshold, _OPTS.edgeitems, _OPTS.linewidth) = _PROFILES[profile]
    if precision is not None:
        _OPTS.precision = precision
    if threshold is not None:
        _OPTS.threshold = threshold
    if edgeitems is not None:
        _OPTS.edgeitems = edgeitems
    if linewidth is not None:
        _OPTS.linewidth = linewidth
    _OPTS.sci_mode = sci_mode


def get_printoptions() -> dict:
    """Current options as a dict that can be passed back to set_printoptions()."""
    return dataclasses.asdict(_OPTS)


@contextlib.contextmanager
def printoptions(**kwargs):
    """Temporarily change the print options (same arguments as set_printoptions)."""
    saved = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**saved)


# --------------------------------------------------------------------------
# Element formatting
# --------------------------------------------------------------------------


class _ElementFormatter:
    """Chooses, once per tensor, how elements are written and the column width.

    The decision is taken from the elements that will actually be shown (the
    summarised data for large tensors), so hidden elements never affect the
    layout.  Every element is right-aligned to ``width``.
    """

    def __init__(self, shown, is_float):
        self.is_float = is_float
        self.int_mode = True  # floats that are all integral print as "4."
        self.sci_mode = False
        self.width = 1
        if is_float:
            self._choose_float_layout(shown.ravel())
        elif shown.size:
            # str() length is monotonic in |v| for each sign (and for bools
            # only "True"/"False" exist), so the extremes give the widest.
            for v in (shown.min().item(), shown.max().item()):
                self.width = max(self.width, len(str(v)))

    def _choose_float_layout(self, flat):
        p = _OPTS.precision
        vals = flat[np.isfinite(flat) & (flat != 0)]
        if vals.size == 0:
            # Only zeros / inf / nan: torch stops here, so the result is
            # integer mode with width 1 even if sci_mode=True was requested.
            return
        mags = np.abs(vals).astype(np.float64)
        lo, hi = float(mags.min()), float(mags.max())
        self.int_mode = bool(np.all(vals == np.ceil(vals)))
        if _OPTS.sci_mode is None:
            self.sci_mode = hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4
        else:
            self.sci_mode = _OPTS.sci_mode
        # Only non-zero finite values count towards the width; zeros and
        # non-finite values are padded to it (or overflow it) later.
        if self.sci_mode:
            spec, extra = f".{p}e", 0
        elif self.int_mode:
            spec, extra = ".0f", 1  # +1 for the trailing "."
        else:
            spec, extra = f".{p}f", 0
        for v in np.unique(vals).tolist():
            self.width = max(self.width, len(format(v, spec)) + extra)

    def __call__(self, value):
        if not self.is_float:
            text = str(value)
        elif self.sci_mode:
            text = format(value, f".{_OPTS.precision}e")
        elif self.int_mode:
            text = format(value, ".0f")
            if math.isfinite(value):
                text += "."
        else:
            text = format(value, f".{_OPTS.precision}f")
        return text.rjust(self.width)


# --------------------------------------------------------------------------
# Layout
# --------------------------------------------------------------------------


def _shown_elements(arr):
    """The sub-array of elements that a summarised print actually displays."""
    e = _OPTS.edgeitems
    if e <= 0:
        # Everything is elided to "..." then, so nothing is formatted.
        return arr[tuple(slice(0, 0) for _ in arr.shape)]
    index = []
    for n in arr.shape:
        if n > 2 * e:
            index.append(np.r_[0:e, n - e : n])
        else:
            index.append(np.arange(n))
    return arr[np.ix_(*index)] if index else arr


def _format_row(row, indent, summarize, fmt):
    """A 1-D tensor: elements separated by ", ", wrapped to the line width."""
    e = _OPTS.edgeitems
    if summarize and e <= 0:
        items = ["..."]
    elif summarize and len(row) > 2 * e:
        items = [fmt(v) for v in row[:e].tolist()] + [" ..."] + [fmt(v) for v in row[-e:].tolist()]
    else:
        items = [fmt(v) for v in row.tolist()]
    # Each element is budgeted its width plus ", "; the " ..." marker counts
    # as an element too.  At least one element goes on every line.
    per_line = max(1, math.floor((_OPTS.linewidth - indent) / (fmt.width + 2)))
    lines = [", ".join(items[i : i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _format_block(arr, indent, summarize, fmt):
    """Nested brackets; sub-blocks of rank r are separated by r-1 blank lines."""
    if arr.ndim == 0:
        return fmt(arr.item())
    if arr.ndim == 1:
        return _format_row(arr, indent, summarize, fmt)
    n, e = arr.shape[0], _OPTS.edgeitems
    if summarize and n > 2 * e:
        parts = [_format_block(arr[i], indent + 1, summarize, fmt) for i in range(e)]
        parts.append("...")
        parts += [_format_block(arr[i], indent + 1, summarize, fmt) for i in range(n - e, n)]
    else:
        parts = [_format_block(sub, indent + 1, summarize, fmt) for sub in arr]
    separator = "," + "\n" * (arr.ndim - 1) + " " * (indent + 1)
    return "[" + separator.join(parts) + "]"


def _close_with_suffixes(text, suffixes, indent):
    """Append ", suffix" items and the closing parenthesis, wrapping as needed.

    A suffix moves to its own line (aligned under the opening bracket) when
    the line would exceed the width.  torch measures the current line two
    characters longer than it really is until the first wrap, so the first
    suffix wraps slightly earlier than the following ones; we mirror that.
    """
    column = len(text) - (text.rfind("\n") + 1) + 2
    out = [text]
    for suffix in suffixes:
        if column + len(suffix) + 2 > _OPTS.linewidth:
            out.append(",\n" + " " * indent + suffix)
            column = indent + len(suffix)
        else:
            out.append(", " + suffix)
            column += len(suffix) + 2
    out.append(")")
    return "".join(out)


def format_tensor(values, *, dtype_name, grad_fn_name=None, requires_grad=False, module="fastgrad"):
    """Render a tensor exactly as PyTorch's ``repr`` would.

    ``values`` holds the data (any rank, possibly empty); ``dtype_name`` is the
    fastgrad dtype ("float32", "float64", "int64", "int32" or "bool") and
    ``module`` the prefix used in ``dtype=`` suffixes (``module="torch"`` gives
    torch's exact output).
    """
    if dtype_name not in _NUMPY_DTYPES:
        raise ValueError(f"unsupported dtype for printing: {dtype_name!r}")
    arr = np.asarray(values, dtype=_NUMPY_DTYPES[dtype_name])
    prefix = "tensor("
    indent = len(prefix)
    shape_text = "size=" + str(tuple(int(n) for n in arr.shape))
    dtype_text = f"dtype={module}.{dtype_name}"

    suffixes = []
    if arr.size == 0:
        body = "[]"
        if arr.ndim != 1:  # like numpy, only a shape other than (0,) is spelled out
            suffixes.append(shape_text)
        if dtype_name != DEFAULT_DTYPE:  # no element to hint at the dtype
            suffixes.append(dtype_text)
    else:
        summarize = arr.size > _OPTS.threshold
        shown = _shown_elements(arr) if summarize else arr
        fmt = _ElementFormatter(shown, dtype_name in _FLOAT_DTYPES)
        body = _format_block(arr, indent, summarize, fmt)
        if _OPTS.edgeitems <= 0:  # nothing but "..." may be visible
            suffixes.append(shape_text)
        if dtype_name not in _IMPLIED_DTYPES:
            suffixes.append(dtype_text)

    if grad_fn_name is not None:
        suffixes.append(f"grad_fn=<{grad_fn_name}>")
    elif requires_grad:
        suffixes.append("requires_grad=True")
    return _close_with_suffixes(prefix + body, suffixes, indent)


def format_scalar(value, spec: str, **repr_kwargs) -> str:
    """``format(tensor, spec)`` semantics.

    For a 0-d tensor torch formats the Python number ``t.item()`` with the spec
    (so ``format(t, "")`` gives "3.0", not "tensor(3.)").  Pass the element
    with its tensor's precision, e.g. a numpy float32 scalar.

    A non-0-d tensor (numpy array with ndim > 0) is formatted through
    ``object.__format__`` in torch: an empty spec yields the repr, which needs
    ``repr_kwargs`` (the keyword arguments of format_tensor), and any other
    spec raises TypeError.
    """
    if np.ndim(value) > 0:
        if spec:
            raise TypeError("unsupported format string passed to Tensor.__format__")
        return format_tensor(value, **repr_kwargs)
    if isinstance(value, (np.ndarray, np.generic)):
        value = value.item()
    return format(value, spec)
