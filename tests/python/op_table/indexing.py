"""Advanced indexing and the index ops (cpp/src/ops/index.cpp, scatter.cpp, subscript.cpp): tensor and mask
subscripts, setitem, index_put, index_select, gather, scatter, index_add, masked_fill/masked_select, take,
take_along_dim, nonzero/argwhere."""

from __future__ import annotations

import numpy as np

from .common import ErrorSample, Form, Gen, Sample, TIn, adder

OPS: list = []
_add = adder(OPS)


def _ix(m, idx):
    """A subscript with its NumPy arrays made tensors of module m (NumPy itself: unchanged)."""
    if m is None:
        return idx
    if isinstance(idx, tuple):
        return tuple(_ix(m, i) for i in idx)
    if isinstance(idx, np.ndarray):
        return m.from_numpy(idx.copy())
    return idx


_IDX = np.array([[0, 1], [2, 0], [1, 2]])  # no repeats along either dimension (scatter stays differentiable)
_REP = np.array([[0, 1], [2, 0], [1, 1]])  # repeats: accumulating ops


def _i64(a):
    return TIn(np.asarray(a, dtype=np.int64), None, False)


def _mask(g, shape):
    return TIn(g.rng.integers(0, 2, shape).astype(np.bool_), None, False)


def getitem_advanced_samples(g: Gen):
    t, s = g.t, slice
    a = np.array
    return [
        Sample((t((3, 4)), a([0, 2, 2])), id="int_tensor"),
        Sample((t((3, 4)), [2, -1]), id="list"),
        Sample((t((3, 4)), (s(None), a([[0, 1], [3, 3]]))), id="2d_index_dim1"),
        Sample((t((2, 3, 4)), (a([0, 1]), s(None), a([1, 3]))), id="separated"),
        Sample((t((2, 3, 4)), (a([[0], [1]]), a([0, 2]))), id="broadcast_indices"),
        Sample((t((3, 4)), g.rng.integers(0, 2, (3, 4)).astype(bool)), id="mask"),
        Sample((t((3, 4)), (s(None), a([True, False, True, True]))), id="mask_dim1"),
        Sample((t((3, 4)), (s(1, None), a([0, 0]))), id="slice_then_index"),
        Sample((g.T((3, 4)), a([1, 0])), id="transposed"),
        Sample((g.strided((3, 4)), (s(None), a([0, 3]))), id="strided"),
        Sample((t((0, 3)), (s(None), a([1]))), id="0size"),
        Sample((t((3,)), a([], dtype=np.int64)), id="empty_index"),
        Sample((t(()), a(True)), id="0d_mask"),
    ]


def getitem_advanced_errors(g: Gen):
    return [
        ErrorSample(
            (g.t((3, 4)), np.array([3])),
            exc=IndexError,
            match="index 3 is out of bounds for dimension 0 with size 3",
            id="out_of_bounds",
        ),
        ErrorSample(
            (g.t((3, 4)), np.array([True, False])), exc=IndexError, match="The shape of the mask", id="mask"
        ),
        ErrorSample(
            (g.t((3, 4)), (np.array([0, 1]), np.array([0, 1, 2]))),
            exc=IndexError,
            match="shape mismatch: indexing tensors could not be broadcast together",
            id="broadcast",
        ),
    ]


def _setitem(m, x, idx, v):
    y = x * 1.0  # a non-leaf: setitem under autograd
    y[_ix(m, idx)] = v
    return y


def _np_setitem(x, idx, v):
    y = x.copy()
    y[idx] = v
    return y


def setitem_samples(g: Gen):
    t, s = g.t, slice
    a = np.array
    return [
        Sample((t((3, 4)), 1, t((4,))), id="int"),
        Sample((t((3, 4)), (s(None), s(1, 3)), t((3, 1))), id="slice_broadcast"),
        Sample((t((3, 4)), a([2, 0]), t((2, 4))), id="int_tensor"),
        Sample((t((3, 4)), (s(None), a([1, 3])), t((2,))), id="dim1_broadcast"),
        Sample((t((3, 4)), g.rng.integers(0, 2, (3, 4)).astype(bool), 0.5), id="mask_scalar"),
        Sample((t((3, 4)), (s(1, None), a([0, 2])), t((2, 2))), id="slice_then_index"),
        Sample((t((2, 3, 4)), (Ellipsis, 1), t((1, 2, 3))), id="ellipsis_leading_ones"),
        Sample((g.T((3, 4)), (0, s(None, None, 2)), t((2,))), id="transposed"),
        Sample((t((0, 3)), (s(None), 1), t((0,))), id="0size"),
        Sample((t(()), (), t(())), id="0d"),
    ]


def _np_index_select(x, dim, idx):
    return np.take(x, np.atleast_1d(idx), axis=dim) if x.ndim else x.copy()


def _np_gather(x, dim, idx):
    if x.ndim == 0:
        return x.copy()
    part = x[tuple(slice(None) if d == dim else slice(0, n) for d, n in enumerate(idx.shape))]
    return np.take_along_axis(part, idx, dim)


def _np_scatter(x, dim, idx, src, reduce=None):
    if x.ndim == 0:
        return np.asarray(x + src if reduce == "add" else src, dtype=x.dtype)
    out = x.copy()
    pos = list(np.indices(idx.shape))
    pos[dim] = idx
    vals = src if np.ndim(src) == 0 else src[tuple(slice(0, n) for n in idx.shape)]
    vals = np.broadcast_to(vals, idx.shape)
    if reduce == "add":
        np.add.at(out, tuple(pos), vals)
    else:
        out[tuple(pos)] = vals
    return out


def _np_index_add(x, dim, idx, src, alpha=1):
    if x.ndim == 0:
        return np.asarray(x + alpha * src * np.size(idx))
    out = np.moveaxis(x.copy(), dim, 0)
    np.add.at(out, idx, alpha * np.moveaxis(src, dim, 0))
    return np.moveaxis(out, 0, dim)


def _np_masked_select(x, mask):
    xb, mb = np.broadcast_arrays(x, mask)
    return xb[mb]


def _np_index_put(x, indices, v, accumulate=False):
    out = x.copy()
    if accumulate:
        np.add.at(out, indices, v)
    else:
        out[indices] = v
    return out


def _np_take_along_dim(x, idx, dim=None):
    if dim is None:
        return np.take_along_axis(x.reshape(-1), idx.reshape(-1), 0)
    shape = list(
        np.broadcast_shapes(
            x.shape[:dim] + (1,) + x.shape[dim + 1 :], idx.shape[:dim] + (1,) + idx.shape[dim + 1 :]
        )
    )
    xs, ixs = list(shape), list(shape)
    xs[dim], ixs[dim] = x.shape[dim], idx.shape[dim]
    return np.take_along_axis(np.broadcast_to(x, xs), np.broadcast_to(idx, ixs), dim)


_add(
    "getitem_advanced",
    op=lambda m, x, idx: x[_ix(m, idx)],
    ref=lambda x, idx: np.asarray(x[idx]),
    differentiable=True,
    sample_fn=getitem_advanced_samples,
    api=("Tensor.__getitem__",),
    error_fn=getitem_advanced_errors,
)
_add(
    "setitem",
    op=_setitem,
    ref=_np_setitem,
    differentiable=True,
    sample_fn=setitem_samples,
    api=("Tensor.__setitem__",),
)
_add(
    "index_put",
    op=lambda m, x, i, v, **kw: m.index_put(x, (i,), v, **kw),
    ref=lambda x, i, v, **kw: _np_index_put(x, (i,), v, **kw),
    differentiable=True,
    sample_fn=lambda g: [
        Sample((g.t((3, 4)), _i64([2, 0]), g.t((2, 4))), id="rows"),
        Sample((g.t((3, 4)), _i64([0, 0, 1]), g.t((4,))), {"accumulate": True}, id="accumulate_repeats"),
        Sample((g.t((3, 4)), _mask(g, (3, 4)), g.t(())), id="mask_0d_value"),
        Sample((g.T((3, 4)), _i64([1]), g.t((1, 4))), id="transposed"),
        Sample((g.t((0, 3)), _i64(np.zeros(0)), g.t((0, 3))), id="0size"),
    ],
    api=("fastgrad.index_put", "Tensor.index_put", "Tensor.index_put_"),
    forms=(Form("x.index_put((i,), v)", lambda m, x, i, v, **kw: x.index_put((i,), v, **kw)),),
    error_fn=lambda g: [
        ErrorSample(
            (g.t((3,)), _i64([5]), g.t((1,))), exc=IndexError, match="index 5 is out of bounds", id="oob"
        ),
        ErrorSample(
            (g.t((3,)), _i64([0, 1]), g.t((3,))), exc=RuntimeError, match="shape mismatch", id="shape"
        ),
    ],
)
_add(
    "index_select",
    op=lambda m, x, d, i: m.index_select(x, d, i),
    ref=_np_index_select,
    differentiable=True,
    sample_fn=lambda g: [
        Sample((g.t((3, 4)), 0, _i64([2, 0, 2])), id="dim0_repeats"),
        Sample((g.t((3, 4)), -1, _i64([3])), id="dim_neg"),
        Sample((g.T((3, 4)), 1, TIn(np.array([1, 0], dtype=np.int32), None, False)), id="transposed_int32"),
        Sample((g.t((3, 4)), 0, _i64(1)), id="0d_index"),
        Sample((g.t(()), 0, _i64([0])), id="0d_input"),
        Sample((g.t((3, 4)), 0, _i64(np.zeros(0))), id="empty_index"),
    ],
    api=("fastgrad.index_select", "Tensor.index_select"),
    forms=(Form("x.index_select(d, i)", lambda m, x, d, i: x.index_select(d, i)),),
    error_fn=lambda g: [
        ErrorSample((g.t((3, 4)), 1, _i64([4])), match="out of DATA bounds", id="oob"),
        ErrorSample(
            (g.t((3, 4)), 1, _i64([[0]])),
            exc=IndexError,
            match="Index is supposed to be a vector",
            id="2d_index",
        ),
    ],
)
_add(
    "gather",
    op=lambda m, x, d, i: m.gather(x, d, i),
    ref=_np_gather,
    differentiable=True,
    sample_fn=lambda g: [
        Sample((g.t((3, 4)), 1, _i64(_REP)), id="dim1"),
        Sample((g.T((3, 4)), 0, _i64(_REP)), id="transposed_dim0"),
        Sample((g.t((2, 3, 4)), -1, _i64(np.zeros((2, 1, 2)))), id="smaller_index"),
        Sample((g.t(()), 0, _i64(0)), id="0d"),
        Sample((g.t((3, 4)), 1, _i64(np.zeros((3, 0)))), id="0size"),
    ],
    api=("fastgrad.gather", "Tensor.gather"),
    forms=(Form("x.gather(d, i)", lambda m, x, d, i: x.gather(d, i)),),
    error_fn=lambda g: [
        ErrorSample(
            (g.t((3, 4)), 1, _i64([[4]])),
            match="index 4 is out of bounds for dimension 1 with size 4",
            id="oob",
        ),
        ErrorSample((g.t((3, 4)), 1, _i64([0])), match="same number of dimensions", id="ndim"),
    ],
)
_add(
    "scatter",
    op=lambda m, x, d, i, src, **kw: m.scatter(x, d, i, src, **kw),
    ref=_np_scatter,
    differentiable=True,
    sample_fn=lambda g: [
        Sample((g.t((3, 4)), 1, _i64(_IDX), g.t((3, 2))), id="src"),
        Sample((g.T((3, 4)), 0, _i64(_IDX), g.t((3, 3), requires_grad=False)), id="transposed_larger_src"),
        Sample((g.t((3, 4)), 1, _i64(_IDX), 2.5), id="value"),
        Sample(
            (g.t((3, 4), requires_grad=False), 1, _i64(_REP), g.t((3, 2), requires_grad=False)),
            {"reduce": "add"},
            id="reduce_add",
        ),  # no derivative with reduce= (torch neither)
        Sample((g.t(()), 0, _i64(0), g.t(())), id="0d"),
        Sample((g.t((3, 4)), 1, _i64(np.zeros((3, 0))), g.t((3, 0))), id="0size"),
    ],
    api=("fastgrad.scatter", "Tensor.scatter", "Tensor.scatter_"),
    forms=(Form("x.scatter(d, i, src)", lambda m, x, d, i, src, **kw: x.scatter(d, i, src, **kw)),),
    error_fn=lambda g: [
        ErrorSample((g.t((3, 4)), 1, _i64([[4]]), g.t((1, 1))), match="index 4 is out of bounds", id="oob"),
        ErrorSample(
            (g.t((3, 4)), 1, _i64(np.zeros((4, 1))), g.t((4, 1))),
            match="to be no larger than self",
            id="index_too_large",
        ),
    ],
)
_add(
    "scatter_add",
    op=lambda m, x, d, i, src: m.scatter_add(x, d, i, src),
    ref=lambda x, d, i, src: _np_scatter(x, d, i, src, "add"),
    differentiable=True,
    sample_fn=lambda g: [
        Sample((g.t((3, 4)), 1, _i64(_REP), g.t((3, 2))), id="repeats"),
        Sample((g.t((3, 4)), 0, _i64(_REP), g.strided((3, 2))), id="strided_src"),
        Sample((g.t((3, 4)), 1, _i64(np.zeros((3, 0))), g.t((3, 0))), id="0size"),
        Sample((g.t(()), 0, _i64(0), g.t(())), id="0d"),
    ],
    api=("fastgrad.scatter_add", "Tensor.scatter_add", "Tensor.scatter_add_"),
    forms=(Form("x.scatter_add(d, i, src)", lambda m, x, d, i, src: x.scatter_add(d, i, src)),),
)
_add(
    "index_add",
    op=lambda m, x, d, i, src, **kw: m.index_add(x, d, i, src, **kw),
    ref=_np_index_add,
    differentiable=True,
    sample_fn=lambda g: [
        Sample((g.t((3, 4)), 0, _i64([0, 2, 0]), g.t((3, 4))), id="repeats"),
        Sample((g.t((3, 4)), 1, _i64([3, 3]), g.T((3, 2))), {"alpha": 2.5}, id="alpha_transposed"),
        Sample((g.t((3, 4)), 0, _i64(np.zeros(0)), g.t((0, 4))), id="empty"),
        Sample((g.t(()), 0, _i64([0]), g.t(())), id="0d"),
    ],
    api=("fastgrad.index_add", "Tensor.index_add", "Tensor.index_add_"),
    forms=(Form("x.index_add(d, i, src)", lambda m, x, d, i, src, **kw: x.index_add(d, i, src, **kw)),),
    error_fn=lambda g: [
        ErrorSample((g.t((3, 4)), 0, _i64([0, 1]), g.t((3, 4))), match="Number of indices", id="count"),
    ],
)
_add(
    "masked_fill",
    op=lambda m, x, mask, v: m.masked_fill(x, mask, v),
    ref=lambda x, mask, v: np.where(mask, v, x),
    differentiable=True,
    sample_fn=lambda g: [
        Sample((g.t((3, 4)), _mask(g, (3, 4)), 1.5), id="scalar"),
        Sample((g.T((3, 4)), _mask(g, (4,)), -2), id="broadcast_mask"),
        Sample((g.t((3, 4)), _mask(g, (3, 4)), g.t(())), id="0d_tensor_value"),
        Sample((g.t((4,)), _mask(g, (3, 4)), 0.0), id="broadcast_self"),
        Sample((g.t((0, 4)), _mask(g, (0, 4)), 0.0), id="0size"),
    ],
    api=("fastgrad.masked_fill", "Tensor.masked_fill", "Tensor.masked_fill_"),
    forms=(Form("x.masked_fill(mask, v)", lambda m, x, mask, v: x.masked_fill(mask, v)),),
    error_fn=lambda g: [
        ErrorSample((g.t((3,)), _i64([1, 0, 1]), 1.0), match="only supports boolean masks", id="int_mask"),
        ErrorSample(
            (g.t((3,)), _mask(g, (3,)), g.t((1,))), match="0-dimensional value tensor", id="1d_value"
        ),
    ],
)
_add(
    "masked_select",
    op=lambda m, x, mask: m.masked_select(x, mask),
    ref=_np_masked_select,
    differentiable=True,
    sample_fn=lambda g: [
        Sample((g.t((3, 4)), _mask(g, (3, 4))), id="same_shape"),
        Sample((g.T((3, 4)), _mask(g, (3, 1))), id="broadcast_mask"),
        Sample((g.t((4,)), _mask(g, (3, 4))), id="broadcast_self"),
        Sample((g.t(()), TIn(np.array(True), None, False)), id="0d"),
        Sample((g.t((0, 3)), _mask(g, (0, 3))), id="0size"),
    ],
    api=("fastgrad.masked_select", "Tensor.masked_select"),
    forms=(Form("x.masked_select(mask)", lambda m, x, mask: x.masked_select(mask)),),
    error_fn=lambda g: [
        ErrorSample((g.t((3,)), _i64([1, 0, 1])), match="expected BoolTensor", id="int_mask")
    ],
)
_add(
    "take",
    op=lambda m, x, i: m.take(x, i),
    ref=lambda x, i: np.take(x.reshape(-1), i),
    differentiable=True,
    sample_fn=lambda g: [
        Sample((g.t((3, 4)), _i64([[0, 5], [-1, 5]])), id="2d_index_repeats"),
        Sample((g.T((3, 4)), _i64([1, 2, 3])), id="transposed"),
        Sample((g.t(()), _i64(0)), id="0d"),
        Sample((g.t((0, 3)), _i64(np.zeros(0))), id="0size"),
    ],
    api=("fastgrad.take", "Tensor.take"),
    forms=(Form("x.take(i)", lambda m, x, i: x.take(i)),),
    error_fn=lambda g: [
        ErrorSample((g.t((3, 4)), _i64([12])), exc=IndexError, match="out of range", id="oob")
    ],
)
_add(
    "take_along_dim",
    op=lambda m, x, i, *d: m.take_along_dim(x, i, *d),
    ref=_np_take_along_dim,
    differentiable=True,
    sample_fn=lambda g: [
        Sample((g.t((3, 4)), _i64(_REP), 1), id="dim1"),
        Sample((g.t((3, 4)), _i64([0, 5, 11])), id="flat"),
        Sample((g.t((3, 4)), _i64([[0]]), 1), id="broadcast_index"),
        Sample((g.strided((3, 1, 4)), _i64(np.zeros((1, 5, 1))), 0), id="broadcast_both"),
        Sample((g.t(()), _i64(0)), id="0d_flat"),
        Sample((g.t((0, 3)), _i64(np.zeros((0, 1))), 1), id="0size"),
    ],
    api=("fastgrad.take_along_dim", "Tensor.take_along_dim"),
    forms=(Form("x.take_along_dim(i, ...)", lambda m, x, i, *d: x.take_along_dim(i, *d)),),
    error_fn=lambda g: [
        ErrorSample((g.t((3, 4)), _i64([0]), 1), match="same number of dimensions", id="ndim")
    ],
)
for _name in ("nonzero", "argwhere"):
    _add(
        _name,
        op=(lambda n: lambda m, x: getattr(m, n)(x))(_name),
        ref=lambda x: np.argwhere(x),
        differentiable=False,
        sample_fn=lambda g: [
            Sample((g.ints((3, 4), np.int64, -1, 2),), id="2d"),
            Sample((g.bools((5,)),), id="1d_bool"),
            Sample((g.t(()),), id="0d"),
            Sample((g.t((0, 3)),), id="0size"),
            Sample((g.T((3, 4)),), id="transposed"),
        ],
        api=(f"fastgrad.{_name}", f"Tensor.{_name}"),
        forms=(Form(f"x.{_name}()", (lambda n: lambda m, x: getattr(x, n)())(_name)),),
    )
