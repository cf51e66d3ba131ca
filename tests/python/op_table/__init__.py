"""The op table: one entry per public op, with deterministic sample inputs; it drives test_ops.py.

Each `OpInfo` names an op and gives
  - `op(m, *args, **kwargs)`: calls the op on the module `m` (`fastgrad` or `torch`), so the same callable
    runs on both libraries; `forms`: the other spellings of the same op (method, operator, nn.functional),
    each checked against the NumPy reference too;
  - `ref(*args, **kwargs)`: a NumPy (float64) reference, or None when NumPy has nothing sensible;
  - `differentiable`: whether gradients flow to floating inputs (then gradcheck runs on every sample that
    allows it, and a second-order check where `gradgrad` is True);
  - `samples()`: a list of `Sample`s, built from seeded NumPy generators (deterministic across runs). A tensor
    argument is a `TIn`: a contiguous float64 (or integer/bool) NumPy `base` plus an optional `view` recipe
    (a transpose or a strided slice, written so that it works on NumPy arrays, torch tensors and fastgrad
    tensors alike). Floating bases are converted to the dtype under test; integer and bool bases are kept.
  - `errors()`: misuse samples with the exception type PyTorch raises;
  - `api`: where the op must exist (`fastgrad.X`, `Tensor.X`, `F.X` for `fastgrad.nn.functional.X`);
  - `view_op`: the result is a view (strides, storage offset and `_is_view()` are compared with torch).

Nothing here imports fastgrad or torch: the table is data, the tests decide what to run it against.

Layout: common.py holds the building blocks (OpInfo, Sample, TIn, Gen, the shared sample sets); each other
module holds the entries of one area, mirroring the C++ op files in cpp/src/ops/ (binary.py for binary.cpp
and division.cpp, reductions.py for reduce.cpp, minmax.cpp, moments.cpp and scan.cpp, sorting.py for
sorting.cpp, histogram.py for histogram.cpp, pooling.py for pooling.cpp, upsample.py for upsample.cpp, conv.py for conv.cpp, nn_rnn.py for rnn.cpp, ...), and nn_composite.py the nn.functional ops that fastgrad composes of core ops. A module appends its entries to
its own lists only; OPS below is assembled from them explicitly.
"""

from . import (
    attention,
    binary,
    compare,
    conv,
    copies,
    histogram,
    indexing,
    join,
    linalg,
    nn,
    nn_activation,
    nn_composite,
    nn_loss,
    nn_norm,
    nn_rnn,
    pointwise,
    pooling,
    reductions,
    shape,
    sorting,
    special,
    unary,
    upsample,
)
from .common import ErrorSample, Form, Gen, OpInfo, Sample, TIn
from .nn_composite import COMPOSITE_GRAD_FN as _COMPOSITE_GRAD_FN
from .nn_composite import TORCH_BACKWARD_DIFFERS
from .nn_composite import NO_KIND as _COMPOSITE_NO_KIND
from .not_ops import NOT_OPS
from .special import TORCH_LESS_PRECISE  # noqa: F401

TORCH_LESS_PRECISE.update(linalg.TORCH_BACKWARD_RAISES)

# Every entry, in the order test_ops.py runs them: first the core ops (the CORE list of each area that has
# one), then the rest of each area.
OPS: list = [
    *binary.CORE,
    *unary.CORE,
    *reductions.CORE,
    *compare.CORE,
    *linalg.CORE,
    *shape.CORE,
    *copies.CORE,
    *nn_loss.CORE,
    *unary.OPS,
    *binary.OPS,
    *pointwise.OPS,
    *compare.OPS,
    *reductions.OPS,
    *sorting.OPS,
    *histogram.OPS,
    *shape.OPS,
    *join.OPS,
    *copies.OPS,
    *indexing.OPS,
    *linalg.OPS,
    *nn_activation.OPS,
    *nn.OPS,
    *nn_loss.OPS,
    *nn_norm.OPS,
    *attention.OPS,
    *pooling.OPS,
    *upsample.OPS,
    *nn_rnn.OPS,
    *conv.OPS,
    *special.OPS,
    *nn_composite.OPS,
]

# The entries whose grad_fn name is not torch's (left out of that one check).
COMPOSITE_GRAD_FN = _COMPOSITE_GRAD_FN | nn_rnn.GRAD_FN_DIFFERS | special.GRAD_FN_DIFFERS

# The sample kinds some entries cannot have (test_ops.py adds its own list).
NO_KIND = _COMPOSITE_NO_KIND | linalg.NO_KIND | histogram.NO_KIND | pooling.NO_KIND | upsample.NO_KIND | nn_rnn.NO_KIND | conv.NO_KIND

OPS_BY_NAME = {op.name: op for op in OPS}
assert len(OPS_BY_NAME) == len(OPS), "op names in the table must be unique"

__all__ = [
    "COMPOSITE_GRAD_FN",
    "NOT_OPS",
    "NO_KIND",
    "OPS",
    "OPS_BY_NAME",
    "TORCH_BACKWARD_DIFFERS",
    "ErrorSample",
    "Form",
    "Gen",
    "OpInfo",
    "Sample",
    "TIn",
]
