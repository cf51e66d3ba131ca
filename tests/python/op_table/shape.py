"""Shape ops and views (cpp/src/ops/shape.cpp): view, reshape, expand, transpose, (un)squeeze, select, basic
indexing, flatten/unflatten, permute, movedim, swapaxes, adjoint, broadcast_to/broadcast_tensors, narrow,
diagonal, unfold (slicing.cpp), meshgrid."""

from __future__ import annotations

import numpy as np

from .common import ErrorSample, Form, Gen, Sample, TIn, _every_other, _method, _np_piece, _swap, adder

CORE: list = []  # this area's entries among the core ops the table starts with (see __init__.py)
OPS: list = []  # the area's other entries
_add_core = adder(CORE)
_add = adder(OPS)


# --------------------------------------------------------------------------------------------------------
# Samples and references
# --------------------------------------------------------------------------------------------------------


def _np_expand(x, *shape):
    shape = list(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else list(shape)
    lead = len(shape) - x.ndim
    full = [x.shape[i - lead] if s == -1 else s for i, s in enumerate(shape)]
    return np.broadcast_to(x, full)


def _np_squeeze(x, dim=None):
    if dim is None:
        return np.squeeze(x)
    if x.ndim == 0:
        return x
    if isinstance(dim, tuple):  # the listed dims of size 1 (others are kept, as in PyTorch)
        return np.squeeze(x, axis=tuple(d for d in dim if x.shape[d] == 1))
    return np.squeeze(x, axis=dim) if x.shape[dim] == 1 else x


def _np_select(x, dim, index):
    if x.ndim == 0:
        raise IndexError
    return np.take(x, index, axis=dim)


def view_samples(g: Gen):
    t = g.t
    return [
        Sample((t((3, 4)), (12,)), id="flatten"),
        Sample((t((3, 4)), (2, -1)), id="infer"),
        Sample((t((2, 3, 2)), (6, 2)), id="merge"),
        Sample((t((3, 4)), (3, 1, 4)), id="insert1"),
        Sample((t(()), (1,)), id="0d_to_1"),
        Sample((t((1,)), ()), id="1_to_0d"),
        Sample((t((1, 1)), (-1,)), id="ones_infer"),
        Sample((g.T((6, 4)), (2, 3, 4)), id="noncontig_split_dim"),
        Sample((g.strided((3, 4), dim=0), (3, 2, 2)), id="strided_split_dim"),
        Sample((t((0, 3)), (3, 0)), id="0size"),
        Sample((t((0, 3)), (-1,)), id="0size_infer"),
    ]


def view_errors(g: Gen):
    return [
        ErrorSample((g.T((3, 4)), (12,)), exc=RuntimeError, id="noncontig_flatten"),
        ErrorSample((g.t((3, 4)), (5, -1)), exc=RuntimeError, id="bad_numel"),
        ErrorSample((g.t((3, 4)), (-1, -1)), exc=RuntimeError, id="two_infer"),
    ]


def reshape_samples(g: Gen):
    t = g.t
    return [
        Sample((t((3, 4)), (12,)), id="flatten"),
        Sample((t((3, 4)), (2, -1)), id="infer"),
        Sample((t((2, 3, 2)), (3, 4)), id="regroup"),
        Sample((t(()), (1, 1)), id="0d"),
        Sample((t((1,)), ()), id="to_0d"),
        Sample((g.T((3, 4)), (12,)), id="transposed_copy"),
        Sample((g.T((6, 4)), (2, 3, 4)), id="transposed_view"),
        Sample((g.strided((2, 3)), (-1,)), id="strided_view"),
        Sample((g.strided((3, 4), dim=0), (-1,)), id="strided_copy"),
        Sample((t((0, 3)), (3, 0, 1)), id="0size"),
    ]


def expand_samples(g: Gen):
    t = g.t
    return [
        Sample((t((3, 1)), (3, 4)), id="2d"),
        Sample((t((3,)), (2, 3)), id="new_leading"),
        Sample((t((3, 1)), (2, -1, 4)), id="keep_minus1"),
        Sample((t(()), (2, 2)), id="0d"),
        Sample((t((1,)), (1,)), id="same"),
        Sample((g.T((1, 3)), (2, 4, 3)), id="transposed"),
        Sample((g.strided((1, 3)), (4, 3)), id="strided"),
        Sample((t((1, 3)), (0, 3)), id="to_0size"),
        Sample((t((0, 1)), (0, 2)), id="0size"),
    ]


def expand_errors(g: Gen):
    return [
        ErrorSample((g.t((3, 2)), (3, 4)), exc=RuntimeError, id="non_singleton"),
        ErrorSample((g.t((3, 1)), (3,)), exc=RuntimeError, id="fewer_dims"),
    ]


def transpose_samples(g: Gen):
    t = g.t
    return [
        Sample((t((3, 4)), 0, 1), id="2d"),
        Sample((t((2, 3, 4)), 0, 2), id="3d_outer"),
        Sample((t((2, 3, 4)), -1, -2), id="neg_dims"),
        Sample((t((2, 3, 4)), 1, 1), id="same_dim"),
        Sample((t((3,)), 0, -1), id="1d"),
        Sample((t(()), 0, -1), id="0d"),
        Sample((g.T((3, 4)), 0, 1), id="transposed"),
        Sample((g.strided((2, 3, 2), dim=1), 0, 1), id="strided"),
        Sample((t((0, 3)), 0, 1), id="0size"),
    ]


def t_samples(g: Gen):
    return [
        Sample((g.t((3, 4)),), id="2d"),
        Sample((g.t((4,)),), id="1d"),
        Sample((g.t(()),), id="0d"),
        Sample((g.T((3, 4)),), id="transposed"),
        Sample((g.strided((2, 3)),), id="strided"),
        Sample((g.t((0, 3)),), id="0size"),
    ]


def unsqueeze_samples(g: Gen):
    t = g.t
    return [
        Sample((t((3, 4)), 0), id="front"),
        Sample((t((3, 4)), 1), id="middle"),
        Sample((t((3, 4)), 2), id="end"),
        Sample((t((3, 4)), -1), id="neg_end"),
        Sample((t((3, 4)), -3), id="neg_front"),
        Sample((t(()), 0), id="0d"),
        Sample((t(()), -1), id="0d_neg"),
        Sample((g.T((3, 4)), 1), id="transposed"),
        Sample((g.strided((2, 3)), 2), id="strided"),
        Sample((t((0, 3)), 1), id="0size"),
    ]


def squeeze_samples(g: Gen):
    t = g.t
    return [
        Sample((t((3, 1, 4, 1)),), id="all"),
        Sample((t((3, 1, 4)), 1), id="dim"),
        Sample((t((3, 1, 4)), -2), id="neg_dim"),
        Sample((t((3, 1, 4)), 0), id="not_size1_noop"),
        Sample((t((1, 1)),), id="to_0d"),
        Sample((t(()),), id="0d"),
        Sample((t(()), 0), id="0d_dim0"),
        Sample((TIn(g.values((1, 4, 3)), _swap(1, 2)), 0), id="transposed"),
        Sample((TIn(g.values((3, 1, 4)), _every_other(2)),), id="strided"),
        Sample((t((0, 1, 3)),), id="0size"),
        Sample((t((1, 3, 1)), (0, 2)), id="dims_tuple"),
        Sample((t((1, 3, 1)), (0, -3 + 1)), id="dims_tuple_partial"),  # dim 1 has size 3: kept
        Sample((t((1, 3, 1)), ()), id="dims_empty"),
        Sample((TIn(g.values((1, 4, 3)), _swap(1, 2)), (0, 2)), id="dims_transposed"),
        Sample((t(()), (0,)), id="0d_dims"),
    ]


def select_samples(g: Gen):
    t = g.t
    return [
        Sample((t((3, 4)), 0, 1), id="row"),
        Sample((t((3, 4)), 1, -1), id="col_neg_index"),
        Sample((t((2, 3, 4)), -2, 2), id="neg_dim"),
        Sample((t((4,)), 0, 3), id="1d_to_0d"),
        Sample((g.T((3, 4)), 1, 2), id="transposed"),
        Sample((g.strided((2, 3)), 1, 1), id="strided"),
        Sample((t((0, 3)), 1, 0), id="0size"),
    ]


def select_errors(g: Gen):
    return [
        ErrorSample((g.t((3, 4)), 0, 3), exc=IndexError, id="index_out_of_range"),
        ErrorSample((g.t((3, 4)), 2, 0), exc=IndexError, id="dim_out_of_range"),
        ErrorSample((g.t(()), 0, 0), exc=IndexError, id="0d"),
    ]


def getitem_samples(g: Gen):
    t = g.t
    s = slice
    return [
        Sample((t((3, 4)), 1), id="int"),
        Sample((t((3, 4)), -1), id="neg_int"),
        Sample((t((3, 4)), (1, 2)), id="int_int_to_0d"),
        Sample((t((3, 4)), (s(None), s(1, 3))), id="slice"),
        Sample((t((5, 4)), s(None, None, 2)), id="step"),
        Sample((t((5, 4)), (s(1, None, 3), s(None, None, 2))), id="steps_2d"),
        Sample((t((3, 4)), s(1, 100)), id="slice_past_end"),
        Sample((t((3, 4)), s(-2, None)), id="neg_start"),
        Sample((t((3, 4)), s(2, 1)), id="empty_slice"),
        Sample((t((2, 3, 4)), (Ellipsis, 1)), id="ellipsis"),
        Sample((t((2, 3, 4)), (1, Ellipsis, s(0, 2))), id="int_ellipsis_slice"),
        Sample((t((3, 4)), None), id="none"),
        Sample((t((3, 4)), (None, s(None), None, 0)), id="none_mixed"),
        Sample((t(()), ()), id="0d_empty_tuple"),
        Sample((t(()), Ellipsis), id="0d_ellipsis"),
        Sample((t(()), None), id="0d_none"),
        Sample((g.T((3, 4)), (s(None), 1)), id="transposed_col"),
        Sample((g.strided((4, 3), dim=0), s(1, None, 2)), id="strided_step"),
        Sample((t((0, 3)), (s(None), 1)), id="0size"),
    ]


def getitem_errors(g: Gen):
    return [
        ErrorSample((g.t((3, 4)), 3), exc=IndexError, id="index_out_of_range"),
        ErrorSample((g.t((3, 4)), (0, 0, 0)), exc=IndexError, id="too_many_indices"),
        ErrorSample((g.t((3, 4)), slice(None, None, -1)), exc=ValueError, id="negative_step"),
    ]


def _np_flatten(x, start_dim=0, end_dim=-1):
    if x.ndim == 0:
        return x.reshape(1)
    s, e = start_dim % x.ndim, end_dim % x.ndim
    return x.reshape(x.shape[:s] + (-1 if x.size else int(np.prod(x.shape[s : e + 1])),) + x.shape[e + 1 :])


def _np_unflatten(x, dim, sizes):
    if x.ndim == 0:
        return x.reshape(sizes)
    d = dim % x.ndim
    return x.reshape(x.shape[:d] + tuple(sizes) + x.shape[d + 1 :])


def flatten_samples(g: Gen):
    t = g.t
    return [
        Sample((t((2, 3, 4)),), id="all"),
        Sample((t((2, 3, 4)), 1), id="from1"),
        Sample((t((2, 3, 4)), 0, -2), id="to_neg2"),
        Sample((t((2, 3, 4)), 1, 1), id="same_dim"),
        Sample((t(()),), id="0d"),
        Sample((g.T((3, 4)),), id="transposed_copy"),
        Sample((g.strided((2, 3)), 0, 1), id="strided_copy"),
        Sample((g.strided((2, 3, 2), dim=0), 1), id="strided_view"),
        Sample((t((2, 0, 3)), 1), id="0size"),
    ]


def unflatten_samples(g: Gen):
    t = g.t
    return [
        Sample((t((3, 4)), 1, (2, 2)), id="split_last"),
        Sample((t((6, 2)), 0, (2, -1)), id="infer"),
        Sample((t((3, 4)), -1, (1, 4, 1)), id="ones"),
        Sample((g.T((3, 4)), 1, (2, 2)), id="transposed"),
        Sample((g.strided((3, 4)), 1, (2, 2)), id="strided"),
        Sample((t((0, 4)), 1, (2, 2)), id="0size"),
    ]


def permute_samples(g: Gen):
    t = g.t
    return [
        Sample((t((2, 3, 4)), (2, 0, 1)), id="3d"),
        Sample((t((3, 4)), (-1, 0)), id="neg"),
        Sample((t(()), ()), id="0d"),
        Sample((g.T((3, 4)), (1, 0)), id="transposed"),
        Sample((g.strided((2, 3, 2)), (1, 2, 0)), id="strided"),
        Sample((t((0, 3)), (1, 0)), id="0size"),
    ]


def swap_samples(g: Gen):
    return [s for s in transpose_samples(g) if s.id != "0d"] + [Sample((g.t(()), 0, 0), id="0d")]


def matrix_samples(g: Gen):
    t = g.t
    return [
        Sample((t((3, 4)),), id="2d"),
        Sample((t((2, 3, 4)),), id="batched"),
        Sample((g.T((3, 4)),), id="transposed"),
        Sample((g.strided((2, 3)),), id="strided"),
        Sample((t((0, 3)),), id="0size"),
    ]


def narrow_samples(g: Gen):
    t = g.t
    return [
        Sample((t((3, 4)), 1, 1, 2), id="cols"),
        Sample((t((3, 4)), 0, -2, 2), id="neg_start"),
        Sample((t((3, 4)), 0, 3, 0), id="empty_at_end"),
        Sample((g.T((3, 4)), 0, 1, 2), id="transposed"),
        Sample((g.strided((2, 3)), 1, 1, 2), id="strided"),
        Sample((t((0, 3)), 1, 0, 2), id="0size"),
    ]


def narrow_errors(g: Gen):
    return [
        ErrorSample((g.t((3, 4)), 0, 2, 2), exc=RuntimeError, match="exceeds dimension size", id="too_long"),
        ErrorSample((g.t((3, 4)), 0, 4, 0), exc=IndexError, match="start out of range", id="start"),
        ErrorSample((g.t((3, 4)), 0, 0, -1), exc=RuntimeError, match="non-negative", id="negative_length"),
    ]


def diagonal_samples(g: Gen):
    t = g.t
    return [
        Sample((t((3, 4)),), id="main"),
        Sample((t((3, 4)), 1), id="above"),
        Sample((t((3, 4)), -2), id="below"),
        Sample((t((2, 3, 4)), -1, 0, 2), id="dims"),
        Sample((t((3, 4)), 10), id="outside"),
        Sample((g.T((3, 4)), 1), id="transposed"),
        Sample((g.strided((3, 3)),), id="strided"),
        Sample((t((0, 3)),), id="0size"),
    ]


# ---- shape and views ----


_add_core(
    "view",
    op=lambda m, x, shape: x.view(shape),
    ref=lambda x, shape: x.reshape(shape),
    differentiable=True,
    sample_fn=view_samples,
    api=("Tensor.view",),
    forms=(Form("x.view(*shape)", lambda m, x, shape: x.view(*shape), lambda s: s.args[1]),),
    view_op=True,
    error_fn=view_errors,
)
_add_core(
    "reshape",
    op=lambda m, x, shape: m.reshape(x, shape),
    ref=lambda x, shape: x.reshape(shape),
    differentiable=True,
    sample_fn=reshape_samples,
    api=("fastgrad.reshape", "Tensor.reshape"),
    forms=(
        # x.reshape() with no sizes is a TypeError in PyTorch: the spread form needs at least one size.
        Form("x.reshape(*shape)", lambda m, x, shape: x.reshape(*shape), lambda s: len(s.args[1]) > 0),
        Form("x.reshape(tuple)", lambda m, x, shape: x.reshape(shape)),
    ),
    error_fn=lambda g: [ErrorSample((g.t((3, 4)), (5, -1)), exc=RuntimeError, id="bad_numel")],
)
_add_core(
    "expand",
    op=lambda m, x, shape: x.expand(*shape),
    ref=_np_expand,
    differentiable=True,
    sample_fn=expand_samples,
    api=("Tensor.expand",),
    forms=(Form("x.expand(tuple)", lambda m, x, shape: x.expand(shape)),),
    view_op=True,
    error_fn=expand_errors,
)
_add_core(
    "transpose",
    op=lambda m, x, a, b: m.transpose(x, a, b),
    ref=lambda x, a, b: np.swapaxes(x, a, b) if x.ndim else x,
    differentiable=True,
    sample_fn=transpose_samples,
    api=("fastgrad.transpose", "Tensor.transpose"),
    forms=(Form("x.transpose(a, b)", lambda m, x, a, b: x.transpose(a, b)),),
    view_op=True,
    error_fn=lambda g: [ErrorSample((g.t((3, 4)), 0, 2), exc=IndexError, id="dim_out_of_range")],
)
_add_core(
    "unsqueeze",
    op=lambda m, x, d: m.unsqueeze(x, d),
    ref=lambda x, d: np.expand_dims(x, d),
    differentiable=True,
    sample_fn=unsqueeze_samples,
    api=("fastgrad.unsqueeze", "Tensor.unsqueeze"),
    forms=(Form("x.unsqueeze(d)", lambda m, x, d: x.unsqueeze(d)),),
    view_op=True,
    error_fn=lambda g: [ErrorSample((g.t((3, 4)), 3), exc=IndexError, id="dim_out_of_range")],
)
_add_core(
    "squeeze",
    op=lambda m, x, *d: m.squeeze(x, *d),
    ref=_np_squeeze,
    differentiable=True,
    sample_fn=squeeze_samples,
    api=("fastgrad.squeeze", "Tensor.squeeze"),
    forms=(
        Form("x.squeeze(...)", lambda m, x, *d: x.squeeze(*d)),
        Form("squeeze(x, dim=...)", lambda m, x, *d: m.squeeze(x, dim=d[0]), lambda smp: len(smp.args) > 1),
    ),
    view_op=True,
    error_fn=lambda g: [
        ErrorSample((g.t((3, 4)), 2), exc=IndexError, id="dim_out_of_range"),
        ErrorSample((g.t((1, 4)), (0, 0)), exc=RuntimeError, match="appears multiple times", id="dims_repeated"),
        ErrorSample((g.t((1, 4)), (0, 5)), exc=IndexError, match="Dimension out of range", id="dims_out_of_range"),
    ],
)
# In place on a non-leaf (x * 1): SqueezeBackward3/4/5 for no dim, one dim, a tuple of dims.
_add_core(
    "squeeze_",
    op=lambda m, x, *d: (x * 1).squeeze_(*d),
    ref=_np_squeeze,
    differentiable=True,
    sample_fn=squeeze_samples,
    api=("Tensor.squeeze_",),
    error_fn=lambda g: [
        ErrorSample((g.t((1, 4)), (0, 0)), exc=RuntimeError, match="appears multiple times", id="dims_repeated"),
    ],
)
_add_core(
    "select",
    op=lambda m, x, d, i: m.select(x, d, i),
    ref=_np_select,
    differentiable=True,
    sample_fn=select_samples,
    api=("fastgrad.select", "Tensor.select"),
    forms=(Form("x.select(d, i)", lambda m, x, d, i: x.select(d, i)),),
    view_op=True,
    error_fn=select_errors,
)
_add_core(
    "getitem",
    op=lambda m, x, idx: x[idx],
    ref=lambda x, idx: np.asarray(x[idx]),
    differentiable=True,
    sample_fn=getitem_samples,
    api=("Tensor.__getitem__",),
    view_op=True,
    error_fn=getitem_errors,
)


# ---- flatten, permute, movedim, swapaxes, adjoint, broadcast_to/broadcast_tensors, narrow, diagonal ----


_add(
    "flatten",
    op=lambda m, x, *a: m.flatten(x, *a),
    ref=_np_flatten,
    differentiable=True,
    sample_fn=flatten_samples,
    api=("fastgrad.flatten", "Tensor.flatten"),
    forms=(Form("x.flatten(...)", _method("flatten")),),
    view_op=True,
    error_fn=lambda g: [
        ErrorSample((g.t((2, 3)), 1, 0), exc=RuntimeError, match="start_dim cannot come after end_dim", id="order"),
        ErrorSample((g.t((2, 3)), 2), exc=IndexError, match="Dimension out of range", id="dim"),
    ],
)
_add(
    "unflatten",
    op=lambda m, x, d, sizes: m.unflatten(x, d, sizes),
    ref=_np_unflatten,
    differentiable=True,
    sample_fn=unflatten_samples,
    api=("fastgrad.unflatten", "Tensor.unflatten"),
    forms=(Form("x.unflatten(d, sizes)", _method("unflatten")),),
    view_op=True,
    error_fn=lambda g: [
        ErrorSample((g.t((3, 4)), 1, (3,)), exc=RuntimeError, match="don't multiply up", id="product"),
        ErrorSample((g.t((3, 4)), 1, ()), exc=RuntimeError, match="non-empty", id="empty_sizes"),
        ErrorSample((g.t(()), 0, (1,)), exc=RuntimeError, match="no dimensions", id="0d"),
    ],
)
_add(
    "permute",
    op=lambda m, x, dims: m.permute(x, dims),
    ref=lambda x, dims: np.transpose(x, dims) if x.ndim else x,
    differentiable=True,
    sample_fn=permute_samples,
    api=("fastgrad.permute", "Tensor.permute"),
    forms=(
        Form("x.permute(*dims)", lambda m, x, dims: x.permute(*dims), lambda s: len(s.args[1]) > 0),
        Form("x.permute(dims)", lambda m, x, dims: x.permute(dims)),
    ),
    view_op=True,
    error_fn=lambda g: [
        ErrorSample((g.t((3, 4)), (0, 0)), exc=RuntimeError, match="duplicate dims", id="duplicate"),
        ErrorSample((g.t((3, 4)), (0,)), exc=RuntimeError, match="number of dimensions", id="length"),
    ],
)
for _name in ("movedim", "moveaxis"):
    _add(
        _name,
        op=(lambda n: lambda m, x, s, d: getattr(m, n)(x, s, d))(_name),
        ref=lambda x, s, d: np.moveaxis(x, s, d) if x.ndim else x,
        differentiable=True,
        sample_fn=lambda g: [
            Sample((g.t((2, 3, 4)), 0, -1), id="one"),
            Sample((g.t((2, 3, 4)), (0, 1), (2, 0)), id="two"),
            Sample((g.t(()), 0, 0), id="0d"),
            Sample((g.T((2, 3, 4)), -1, 0), id="transposed"),
            Sample((g.strided((2, 3)), 1, 0), id="strided"),
            Sample((g.t((0, 3, 1)), (2,), (0,)), id="0size"),
        ],
        api=(f"fastgrad.{_name}", f"Tensor.{_name}"),
        forms=(Form(f"x.{_name}(s, d)", _method(_name)),),
        view_op=True,
        error_fn=lambda g: [
            ErrorSample((g.t((2, 3)), (0, 0), (0, 1)), exc=RuntimeError, match="repeated dim", id="repeated"),
            ErrorSample((g.t((2, 3)), (0, 1), (0,)), exc=RuntimeError, match="same number of dims", id="count"),
        ],
    )
for _name in ("swapaxes", "swapdims"):
    _add(
        _name,
        op=(lambda n: lambda m, x, a, b: getattr(m, n)(x, a, b))(_name),
        ref=lambda x, a, b: np.swapaxes(x, a, b) if x.ndim else x,
        differentiable=True,
        sample_fn=swap_samples,
        api=(f"fastgrad.{_name}", f"Tensor.{_name}"),
        forms=(Form(f"x.{_name}(a, b)", _method(_name)),),
        view_op=True,
    )
_add(
    "adjoint",
    op=lambda m, x: m.adjoint(x),
    ref=lambda x: np.swapaxes(x, -1, -2),
    differentiable=True,
    sample_fn=matrix_samples,
    api=("fastgrad.adjoint", "Tensor.adjoint", "Tensor.mT", "Tensor.mH"),
    forms=(
        Form("x.adjoint()", lambda m, x: x.adjoint()),
        Form("x.mT", lambda m, x: x.mT),
        Form("x.mH", lambda m, x: x.mH),
    ),
    view_op=True,
    error_fn=lambda g: [ErrorSample((g.t((3,)),), exc=RuntimeError, match="matrices", id="1d")],
)
_add(
    "numpy_T",
    op=lambda m, x: x.T,
    ref=lambda x: x.T,
    differentiable=True,
    sample_fn=lambda g: t_samples(g) + [Sample((g.t((2, 3, 4)),), id="3d")],
    api=("Tensor.T",),
    view_op=True,
)
_add(
    "broadcast_to",
    op=lambda m, x, shape: m.broadcast_to(x, shape),
    ref=lambda x, shape: _np_expand(x, shape),
    differentiable=True,
    sample_fn=expand_samples,
    api=("fastgrad.broadcast_to", "Tensor.broadcast_to"),
    forms=(
        Form("x.broadcast_to(shape)", lambda m, x, shape: x.broadcast_to(shape)),
    ),
    view_op=True,
    error_fn=expand_errors,
)
_add(
    "broadcast_tensors",
    op=lambda m, a, b, i=0: m.broadcast_tensors(a, b)[i],
    ref=lambda a, b, i=0: np.asarray(np.broadcast_arrays(a, b)[i]),
    differentiable=True,
    sample_fn=lambda g: [
        Sample((g.t((3, 1)), g.t((1, 4))), id="both"),
        Sample((g.t((3, 1)), g.t((1, 4))), {"i": 1}, id="both_second"),
        Sample((g.t(()), g.t((2, 3))), id="0d"),
        Sample((g.T((3, 4)), g.strided((4,))), {"i": 1}, id="noncontig"),
        Sample((g.t((0, 1)), g.t((3,))), {"i": 1}, id="0size"),
        Sample((g.t((2, 3)), g.t((2, 3))), id="same_shape"),
    ],
    api=("fastgrad.broadcast_tensors",),
)
_add(
    "narrow",
    op=lambda m, x, d, s, n: m.narrow(x, d, s, n),
    ref=lambda x, d, s, n: _np_piece(x, d, s % x.shape[d] if s < 0 else s, (s % x.shape[d] if s < 0 else s) + n),
    differentiable=True,
    sample_fn=narrow_samples,
    api=("fastgrad.narrow", "Tensor.narrow"),
    forms=(Form("x.narrow(d, s, n)", _method("narrow")),),
    view_op=True,
    error_fn=narrow_errors,
)
_add(
    "diagonal",
    op=lambda m, x, *a: m.diagonal(x, *a),
    ref=lambda x, offset=0, d1=0, d2=1: np.asarray(np.diagonal(x, offset, d1, d2)),
    differentiable=True,
    sample_fn=diagonal_samples,
    api=("fastgrad.diagonal", "Tensor.diagonal"),
    forms=(Form("x.diagonal(...)", _method("diagonal")),),
    view_op=True,
    error_fn=lambda g: [ErrorSample((g.t((3, 4)), 0, 0, 0), exc=RuntimeError, match="cannot be identical", id="same")],
)


# ---- as_strided (a view of the storage; samples are contiguous with offset 0, so the storage is x.ravel()) ----


def _np_as_strided(x, size, stride, offset=None):
    flat = np.ascontiguousarray(x).reshape(-1)
    base = flat[offset or 0:] if flat.size else flat
    return np.lib.stride_tricks.as_strided(base, tuple(size), tuple(s * flat.itemsize for s in stride)).copy()


def as_strided_samples(g: Gen):
    t = g.t
    return [
        Sample((t((3, 4)), (4, 3), (1, 4)), id="transpose_by_strides"),
        Sample((t((12,)), (3, 4), (2, 1)), id="overlapping_windows"),
        Sample((t((3, 4)), (2, 3), (0, 1)), id="stride0_broadcast"),
        Sample((t((3, 4)), (2, 2), (4, 1), 5), id="offset"),
        Sample((t((6,)), (), (), 2), id="0d_out"),
        Sample((t((6,)), (0, 3), (1, 1), 6), id="empty_out"),
        Sample((t(()), (2,), (0,)), id="0d_in"),
        Sample((t((0,)), (0, 2), (1, 1)), id="0size"),
    ]


def as_strided_errors(g: Gen):
    t = g.t
    return [
        ErrorSample((t((4,)), (3, 3), (1, 1)), exc=RuntimeError, match="out of bounds for storage of size",
                    id="out_of_bounds"),
        ErrorSample((t((4,)), (2,), (1, 1)), exc=RuntimeError, match="mismatch in length of strides and shape",
                    id="lengths"),
        ErrorSample((t((4,)), (2,), (-1,)), exc=RuntimeError, match="Negative strides are not supported", id="neg_stride"),
        ErrorSample((t((4,)), (2,), (1,), -1), exc=RuntimeError, match="invalid storage offset -1", id="neg_offset"),
        ErrorSample((t((4,)), (-1,), (1,)), exc=RuntimeError, match="Storage size calculation overflowed", id="neg_size"),
        ErrorSample((t((4,)), (2**40, 2**40), (0, 0)), exc=RuntimeError, match="numel: integer multiplication overflow",
                    id="numel_overflow"),
    ]


_add(
    "as_strided",
    op=lambda m, x, size, stride, offset=None: m.as_strided(x, size, stride, offset),
    ref=_np_as_strided,
    differentiable=True,
    sample_fn=as_strided_samples,
    api=("fastgrad.as_strided", "Tensor.as_strided"),
    forms=(Form("x.as_strided(size, stride, offset)", _method("as_strided")),),
    view_op=True,
    error_fn=as_strided_errors,
)


# ---- unfold (a view: the windows along a dim as a new last dim) / meshgrid ----


def _np_unfold(x, d, size, step):
    if x.ndim == 0:
        return x.reshape(1)[:size].copy()
    d = d % x.ndim
    n = (x.shape[d] - size) // step + 1
    windows = [np.take(x, np.arange(w * step, w * step + size), axis=d) for w in range(n)]
    if not windows:
        shape = list(x.shape)
        shape[d] = 0
        return np.zeros(tuple(shape) + (size,), x.dtype)
    # each window: the dim of the window moves last
    return np.stack([np.moveaxis(w, d, -1) for w in windows], axis=d)


def unfold_samples(g: Gen):
    t = g.t
    return [
        Sample((t((3, 7)), 1, 3, 2), id="2d"),
        Sample((t((6, 4)), 0, 2, 1), id="dim0_overlap"),
        Sample((t((2, 5, 3)), -2, 5, 1), id="whole"),
        Sample((t((2, 5, 3)), 1, 2, 3), id="step_gt_size"),
        Sample((t((4, 5)), 1, 0, 2), id="size0"),
        Sample((t(()), 0, 1, 1), id="0d"),
        Sample((g.T((3, 6)), 0, 2, 2), id="transposed"),
        Sample((g.strided((3, 8)), 1, 3, 1), id="strided"),
        Sample((t((0, 4)), 1, 2, 1), id="0size"),
        Sample((t((0, 4)), 0, 0, 1), id="0size_dim"),
        Sample((g.ints((3, 6)), 1, 2, 2), id="int32"),
    ]


def unfold_errors(g: Gen):
    return [
        ErrorSample((g.t((3, 4)), 1, 5, 1), exc=RuntimeError, match="maximum size", id="too_big"),
        ErrorSample((g.t((3, 4)), 1, -1, 1), exc=RuntimeError, match="must be >= 0", id="negative_size"),
        ErrorSample((g.t((3, 4)), 1, 2, 0), exc=RuntimeError, match="step is 0", id="step0"),
        ErrorSample((g.t((3, 4)), 2, 2, 1), exc=IndexError, match="Dimension out of range", id="dim_out_of_range"),
        ErrorSample((g.t(()), 0, 2, 1), exc=RuntimeError, match="maximum size", id="0d_size2"),
    ]


_add(
    "unfold",
    op=lambda m, x, *a, **kw: x.unfold(*a, **kw),
    ref=_np_unfold,
    differentiable=True,
    sample_fn=unfold_samples,
    api=("Tensor.unfold",),
    forms=(Form("x.unfold(dimension=, size=, step=)", lambda m, x, d, z, s: x.unfold(dimension=d, size=z, step=s)),),
    view_op=True,
    error_fn=unfold_errors,
)


def _np_meshgrid(*xs, indexing="ij", i=0):
    return np.asarray(np.meshgrid(*xs, indexing=indexing)[i])


def meshgrid_samples(last):
    def make(g: Gen):
        t = g.t
        out = [
            Sample((t((2,)), t((3,))), {"indexing": "ij"}, id="ij"),
            Sample((t((2,)), t((3,))), {"indexing": "xy"}, id="xy"),
            Sample((t((2,)), t((3,)), t((4,))), {"indexing": "xy"}, id="xy_3"),
            Sample((t((2,)), t((3,)), t((4,))), {"indexing": "ij"}, id="ij_3"),
            Sample((t((4,)),), {"indexing": "xy"}, id="one"),
            Sample((t(()), t((3,))), {"indexing": "ij"}, id="0d"),
            Sample((g.strided((3,)), t((2,))), {"indexing": "xy"}, id="strided"),
            Sample((t((0,)), t((3,))), {"indexing": "xy"}, id="0size"),
            Sample((g.ints((2,)), g.ints((3,))), {"indexing": "ij"}, id="int32"),
        ]
        for s in out:
            s.kwargs["i"] = len(s.args) - 1 if last else 0
        return out

    return make


def meshgrid_errors(g: Gen):
    return [
        ErrorSample((g.t((2,)), g.ints((3,))), {"indexing": "ij"}, exc=RuntimeError, match="same dtype", id="dtypes"),
        ErrorSample((g.t((2, 2)),), {"indexing": "ij"}, exc=RuntimeError, match="0D or 1D", id="2d"),
        ErrorSample((g.t((2,)),), {"indexing": "ji"}, exc=RuntimeError, match="indexing must be one of", id="indexing"),
    ]


for _name, _last in (("meshgrid", False), ("meshgrid_last", True)):
    _add(
        _name,
        op=lambda m, *xs, indexing="ij", i=0: m.meshgrid(*xs, indexing=indexing)[i],
        ref=_np_meshgrid,
        differentiable=True,
        sample_fn=meshgrid_samples(_last),
        api=("fastgrad.meshgrid",),
        forms=(Form("meshgrid([tensors])", lambda m, *xs, indexing="ij", i=0: m.meshgrid(list(xs), indexing=indexing)[i]),),
        view_op=not _last,  # (test_view_metadata compares the output's storage with the first input's)
        error_fn=None if _last else meshgrid_errors,
    )


# view(dtype): the same bytes as another dtype (not differentiable; NumPy's ndarray.view is the reference). The
# samples name the target by its relation to the input's dtype, as the table runs float samples in float32 too:
# "same" (another dtype of the same size), "bytes" (bool), "wide" (float64), "self" (the input's own dtype).
_VIEW_SAME = {"float64": "int64", "float32": "int32", "int64": "float64", "int32": "float32", "bool": "bool"}


def _view_target(kind, dtype_name):
    return {"same": _VIEW_SAME[dtype_name], "bytes": "bool", "wide": "float64", "self": dtype_name}[kind]


def _dtype_name(d):
    return str(d).split(".")[-1]


def view_dtype_samples(g: Gen):
    t = g.t
    return [
        Sample((t((3, 4), requires_grad=False), "same"), id="same_size", grad=False),
        Sample((t((3, 4), requires_grad=False), "bytes"), id="bytes", grad=False),
        Sample((t((2, 4), requires_grad=False), "wide"), id="wide", grad=False),
        Sample((t((2, 4), requires_grad=False), "self"), id="same_dtype", grad=False),
        Sample((t((), requires_grad=False), "same"), id="0d_same_size", grad=False),
        Sample((t((0, 2), requires_grad=False), "same"), id="0size", grad=False),
        Sample((g.T((3, 4), requires_grad=False), "same"), id="noncontig_same_size", grad=False),
        Sample((g.ints((2, 6)), "wide"), id="int32_pairs", grad=False),
        Sample((g.ints((2, 6)), "same"), id="int32_as_float32", grad=False),
        Sample((g.bools((2, 8)), "wide"), id="bool_octets", grad=False),
    ]


def view_dtype_errors(g: Gen):
    return [
        ErrorSample((g.t(()), "bytes"), match="self.dim\\(\\) cannot be 0", id="0d_size_change"),
        ErrorSample((g.T((4, 4)), "bytes"), match="self.stride\\(-1\\) must be 1", id="transposed"),
        ErrorSample((g.ints((3, 3)), "wide"), match="self.size\\(-1\\) must be divisible by 2", id="odd_last"),
    ]


_add(
    "view_dtype",
    op=lambda m, x, kind: x.view(getattr(m, _view_target(kind, _dtype_name(x.dtype)))),
    ref=lambda x, kind: np.array(x, copy=True).view(np.dtype(_view_target(kind, x.dtype.name))),
    differentiable=False,
    sample_fn=view_dtype_samples,
    api=("Tensor.view",),  # the dtype form of Tensor.view
    forms=(Form("x.view(dtype=...)",
                lambda m, x, kind: x.view(dtype=getattr(m, _view_target(kind, _dtype_name(x.dtype))))),),
    error_fn=view_dtype_errors,
)
