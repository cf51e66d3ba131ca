"""Text rendering of tensors, matching PyTorch 2.13's ``repr(tensor)`` byte for byte.

The formatter itself is the C++ core's (cpp/src/api/print.cpp, ``fastgrad::format_tensor``), so Python's
repr and C++'s ``std::cout << t`` print the same text; the print options live there too. This module keeps
the Python API: it passes the data (any array-like, with the fastgrad dtype name given separately) to the
core's formatter and maps torch.set_printoptions' arguments onto the core's options.

Public API:
    format_tensor(values, *, dtype_name, grad_fn_name=None, requires_grad=False,
                  module="fastgrad") -> str
    format_scalar(value, spec, **repr_kwargs) -> str
    set_printoptions(...), get_printoptions(), printoptions(...)
"""

import contextlib
import math

import numpy as np

from . import _C

__all__ = [
    "format_tensor",
    "format_scalar",
    "set_printoptions",
    "get_printoptions",
    "printoptions",
]

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
    The options are the C++ core's, so they apply to C++ printing too.
    """
    cur_precision, cur_threshold, cur_edgeitems, cur_linewidth, _ = _C._get_printoptions()
    if profile in _PROFILES:
        cur_precision, cur_threshold, cur_edgeitems, cur_linewidth = _PROFILES[profile]
    if precision is not None:
        cur_precision = precision
    if threshold is not None:
        cur_threshold = threshold
    if edgeitems is not None:
        cur_edgeitems = edgeitems
    if linewidth is not None:
        cur_linewidth = linewidth
    _C._set_printoptions(int(cur_precision), float(cur_threshold), int(cur_edgeitems), int(cur_linewidth),
                         None if sci_mode is None else bool(sci_mode))


def get_printoptions() -> dict:
    """Current options as a dict that can be passed back to set_printoptions()."""
    precision, threshold, edgeitems, linewidth, sci_mode = _C._get_printoptions()
    if math.isfinite(threshold) and threshold == int(threshold):
        threshold = int(threshold)  # as given: 1000, not 1000.0
    return {
        "precision": precision,
        "threshold": threshold,
        "edgeitems": edgeitems,
        "linewidth": linewidth,
        "sci_mode": sci_mode,
    }


@contextlib.contextmanager
def printoptions(**kwargs):
    """Temporarily change the print options (same arguments as set_printoptions)."""
    saved = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**saved)


def format_tensor(values, *, dtype_name, grad_fn_name=None, requires_grad=False, module="fastgrad"):
    """Render a tensor exactly as PyTorch's ``repr`` would, with the core's formatter.

    ``values`` holds the data (any rank, possibly empty); ``dtype_name`` is the
    fastgrad dtype ("float32", "float64", "int64", "int32", "bool", ...) and
    ``module`` the prefix used in ``dtype=`` suffixes (``module="torch"`` gives
    torch's exact output).
    """
    if dtype_name not in _NUMPY_DTYPES:
        raise ValueError(f"unsupported dtype for printing: {dtype_name!r}")
    arr = np.asarray(values, dtype=_NUMPY_DTYPES[dtype_name])
    if not arr.flags.c_contiguous:  # (np.ascontiguousarray would make a 0-d array 1-d)
        arr = arr.copy(order="C")
    return _C._format_tensor(_C.from_numpy(arr), getattr(_C, dtype_name), grad_fn_name, requires_grad, module)


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
