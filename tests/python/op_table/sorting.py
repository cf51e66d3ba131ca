"""Ordering and distinct elements (cpp/src/ops/sorting.cpp): sort, argsort, msort, topk, kthvalue, unique,
unique_consecutive.

The table compares one tensor per entry, so the multi-output ops have an entry per output (`sort` for the
values, `sort_indices` for the indices, ...). torch's default sort of lines longer than 16 elements, its topk
and its kthvalue may order equal elements differently from fastgrad's stable order (Note [Sort order] in
sorting.cpp, docs/differences.md): samples whose indices are compared have no ties there, or ask for
stable=True. unique's outputs require grad in torch with a Node whose backward raises: its samples do not
require grad (test_ops_sorting.py checks the Node).
"""

from __future__ import annotations

import numpy as np

from .common import ErrorSample, Form, Gen, Sample, TIn, _every_other, _swap, adder

OPS: list = []
_add = adder(OPS)


# ---- NumPy references ----


def _np_order(x, dim=-1, descending=False):
    """The positions along dim in the order of Note [Sort order]: stable, NaN largest (first when descending)."""
    if x.ndim == 0:
        return np.zeros((), dtype=np.int64)
    v = x.astype(np.float64)
    nan = np.isnan(v)
    primary = np.where(nan, 0, 1) if descending else np.where(nan, 1, 0)
    secondary = np.where(nan, 0.0, -v if descending else v)
    by_value = np.argsort(secondary, axis=dim, kind="stable")
    by_nan = np.argsort(np.take_along_axis(primary, by_value, axis=dim), axis=dim, kind="stable")
    return np.take_along_axis(by_value, by_nan, axis=dim).astype(np.int64)


def _np_sort(x, dim=-1, descending=False, stable=False):
    if x.ndim == 0:
        return x.copy()
    return np.take_along_axis(x, _np_order(x, dim, descending), axis=dim)


def _np_argsort(x, dim=-1, descending=False, stable=False):
    return _np_order(x, dim, descending)


def _np_topk(x, k, dim=-1, largest=True, sorted=True):
    if x.ndim == 0:
        return x.copy()
    order = _np_order(x, dim, largest)
    idx = np.take(order, np.arange(k), axis=dim)
    return np.take_along_axis(x, idx, axis=dim)


def _np_topk_indices(x, k, dim=-1, largest=True, sorted=True):
    if x.ndim == 0:
        return np.zeros((), dtype=np.int64)
    return np.take(_np_order(x, dim, largest), np.arange(k), axis=dim)


def _np_kth(x, k, dim=-1, keepdim=False, indices=False):
    if x.ndim == 0:
        return np.zeros((), dtype=np.int64) if indices else x.copy()
    order = _np_order(x, dim)
    idx = np.take(order, [k - 1], axis=dim)
    r = idx if indices else np.take_along_axis(x, idx, axis=dim)
    return r if keepdim else np.squeeze(r, axis=dim)


def _np_unique(x, sorted=True, return_inverse=False, return_counts=False, dim=None, part=0):
    if dim is None:
        values, inverse, counts = np.unique(
            x.reshape(-1), return_inverse=True, return_counts=True, equal_nan=False
        )
        inverse = inverse.reshape(x.shape)
    else:
        values, inverse, counts = np.unique(x, return_inverse=True, return_counts=True, axis=dim)
        inverse = inverse.reshape(-1)
    return [values, inverse.astype(np.int64), counts.astype(np.int64)][part]


def _np_unique_consecutive(x, return_inverse=False, return_counts=False, dim=None, part=0):
    if dim is None:
        flat = x.reshape(-1)
        starts = [i for i in range(flat.size) if i == 0 or not flat[i] == flat[i - 1]]
        values = flat[starts]
    else:
        rows = np.moveaxis(x, dim, 0)
        starts = [i for i in range(rows.shape[0]) if i == 0 or not np.array_equal(rows[i], rows[i - 1])]
        values = np.take(x, starts, axis=dim)
    n = x.size if dim is None else x.shape[dim]
    counts = np.diff(np.array(starts + [n], dtype=np.int64))
    inverse = np.repeat(np.arange(len(starts), dtype=np.int64), counts)
    if dim is None:
        inverse = inverse.reshape(x.shape)
    return [values, inverse, counts][part]


# ---- samples ----


def _distinct_ints(g: Gen, shape, dtype=np.int64):
    """Integers with no ties (their indices are compared with torch's unstable order)."""
    n = int(np.prod(shape))
    return TIn((g.rng.permutation(n) - n // 2).reshape(shape).astype(dtype), None, False)


def _ties(g: Gen, shape, dtype=np.float64):
    """Many exact ties, as float64 (converted to the dtype under test) or an integer dtype."""
    v = g.rng.integers(-2, 3, shape).astype(dtype)
    return TIn(v, None, dtype == np.float64)


def sort_samples(g: Gen):
    t = g.t
    return [
        Sample((t((3, 5)),), id="2d"),
        Sample((t((2, 3, 4)),), {"dim": 1}, id="dim1"),
        Sample((t((2, 3, 4)),), {"dim": 0, "descending": True}, id="dim0_desc"),
        Sample((t((4, 5)), 0, True), id="positional"),
        Sample((t((6,)),), {"descending": True, "stable": True}, id="stable_desc"),
        Sample((t(()),), id="0d"),
        Sample((t(()),), {"dim": 0}, id="0d_dim0"),
        Sample((g.T((3, 4)),), {"dim": 0}, id="transposed_dim0"),
        Sample((g.strided((2, 5)),), id="strided"),
        Sample((t((0, 3)),), id="0size"),
        Sample((t((3, 0)),), {"dim": 0}, id="0size_dim"),
        Sample((_ties(g, (4, 6)),), {"stable": True}, id="ties_stable", grad=False),
        Sample((_ties(g, (3, 40)),), {"stable": True, "descending": True}, id="ties_long_stable", grad=False),
        Sample((_ties(g, (5, 8)),), {"descending": True}, id="ties_short_desc", grad=False),
        Sample((TIn(np.array([0.5, np.nan, -1.0, np.inf, np.nan, -np.inf, 0.0, -0.0])),), id="special", grad=False),
        Sample((TIn(np.array([0.5, np.nan, -1.0, np.inf, np.nan, -np.inf, 0.0, -0.0])),), {"descending": True},
               id="special_desc", grad=False),
        Sample((_ties(g, (3, 4), np.int32),), {"dim": 0}, id="int32"),
        Sample((_distinct_ints(g, (3, 20)),), {"stable": True}, id="int64"),
        Sample((g.bools((2, 7)),), {"stable": True}, id="bool"),
    ]


def sort_errors(g: Gen):
    return [
        ErrorSample((g.t((2, 3)),), {"dim": 2}, exc=IndexError, match="Dimension out of range", id="dim_out_of_range"),
        ErrorSample((g.t((2, 3)),), {"descending": 1}, exc=TypeError, id="descending_int"),
    ]


def msort_samples(g: Gen):
    t = g.t
    return [
        Sample((t((4, 3)),), id="2d"),
        Sample((t((5,)),), id="1d"),
        Sample((t(()),), id="0d"),
        Sample((g.T((3, 4)),), id="transposed"),
        Sample((g.strided((3, 2), dim=0),), id="strided"),
        Sample((t((0, 3)),), id="0size"),
        Sample((_distinct_ints(g, (6, 2), np.int32),), id="int32"),
    ]


def topk_samples(g: Gen):
    t = g.t
    return [
        Sample((t((3, 6)), 2), id="2d"),
        Sample((t((3, 6)), 6), id="all"),
        Sample((t((3, 6)), 0), id="k0"),
        Sample((t((2, 5, 3)), 3, 1), id="dim1"),
        Sample((t((2, 5, 3)), 1), {"dim": 0, "largest": False}, id="smallest_dim0"),
        Sample((t((4, 5)),), {"k": 3, "dim": -1, "largest": True, "sorted": True}, id="keywords"),
        Sample((t(()), 1), id="0d"),
        Sample((t(()), 0), id="0d_k0"),
        Sample((g.T((3, 5)), 2, 0), id="transposed_dim0"),
        Sample((g.strided((2, 6)), 3), id="strided"),
        Sample((t((0, 4)), 2), id="0size"),
        Sample((TIn(np.array([0.5, np.nan, -1.0, np.inf, 2.0, -np.inf])), 3), id="special", grad=False),
        Sample((TIn(np.array([0.5, np.nan, -1.0, np.inf, 2.0, -np.inf])), 3, 0, False), id="special_smallest",
               grad=False),
        Sample((_distinct_ints(g, (3, 7), np.int32), 4), id="int32"),
        Sample((_distinct_ints(g, (30,)), 5, 0, False), id="int64"),
    ]


def topk_errors(g: Gen):
    return [
        ErrorSample((g.t((3, 4)), 5), exc=RuntimeError, match="selected index k out of range", id="k_too_big"),
        ErrorSample((g.t((3, 4)), -1), exc=RuntimeError, match="selected index k out of range", id="k_negative"),
        ErrorSample((g.t(()), 2), exc=RuntimeError, match="selected index k out of range", id="0d_k2"),
        ErrorSample((g.t((3, 4)), 2, 2), exc=IndexError, match="Dimension out of range", id="dim_out_of_range"),
        ErrorSample((g.bools((4,)), 1), exc=RuntimeError, match="topk does not support bool", id="bool"),
        ErrorSample((g.t((3, 4)), 2.0), exc=TypeError, id="k_float"),
    ]


def kthvalue_samples(g: Gen):
    t = g.t
    return [
        Sample((t((3, 6)), 2), id="2d"),
        Sample((t((3, 6)), 6), id="last"),
        Sample((t((2, 5, 3)), 3, 1), id="dim1"),
        Sample((t((2, 5, 3)), 1), {"dim": 0, "keepdim": True}, id="dim0_keepdim"),
        Sample((t((4, 5)),), {"k": 3, "dim": -1, "keepdim": False}, id="keywords"),
        Sample((t(()), 1), id="0d"),
        Sample((t(()), 1, 0, True), id="0d_keepdim"),
        Sample((g.T((3, 5)), 2, 0), id="transposed_dim0"),
        Sample((g.strided((2, 6)), 4), id="strided"),
        Sample((t((0, 4)), 2), id="0size"),
        Sample((t((4, 0)), 2, 0), id="0size_other_dim"),
        Sample((TIn(np.array([0.5, np.nan, -1.0, np.inf, 2.0, -np.inf])), 5), id="special_nan", grad=False),
        Sample((TIn(np.array([0.5, np.nan, -1.0, np.inf, 2.0, -np.inf])), 2), id="special", grad=False),
        Sample((_distinct_ints(g, (3, 7), np.int32), 4), id="int32"),
        Sample((_distinct_ints(g, (30,)), 5, 0, True), id="int64"),
        Sample((_const(True, np.bool_), 1), id="0d_bool"),
    ]


def kthvalue_errors(g: Gen):
    return [
        ErrorSample((g.t((3, 4)), 5), exc=RuntimeError, match="selected number k out of range", id="k_too_big"),
        ErrorSample((g.t((3, 4)), 0), exc=RuntimeError, match="selected number k out of range", id="k0"),
        ErrorSample((g.t((0, 3)), 1, 0), exc=IndexError, match="non-zero size", id="empty_dim"),
        ErrorSample((g.t((3, 4)), 2, 2), exc=IndexError, match="Dimension out of range", id="dim_out_of_range"),
        ErrorSample((g.bools((4,)), 1), exc=NotImplementedError, match="kthvalue_cpu", id="bool"),
        ErrorSample((g.t((3, 4)), True), exc=TypeError, id="k_bool"),
    ]


def _const(v, dtype=None):
    a = np.asarray(v) if dtype is None else np.asarray(v, dtype=dtype)
    return TIn(a, None, False)


def unique_samples(g: Gen):
    def ties(shape, dtype=np.float64):
        return TIn(g.rng.integers(-2, 3, shape).astype(dtype), None, False)

    def view(shape, recipe, dtype=np.float64):
        return TIn(g.rng.integers(-2, 3, shape).astype(dtype), recipe, False)

    out = []
    for kw_id, kw in (("", {}), ("_inv", {"return_inverse": True}), ("_cnt", {"return_counts": True}),
                      ("_both", {"return_inverse": True, "return_counts": True})):
        out += [
            Sample((ties((3, 5)),), dict(kw), id="2d" + kw_id),
            Sample((ties((4, 3)),), dict(kw, dim=0), id="dim0" + kw_id),
            Sample((view((3, 4), _swap(0, 1)),), dict(kw, dim=1), id="transposed_dim1" + kw_id),
            Sample((view((3, 8), _every_other(1), np.int64),), dict(kw), id="strided_int64" + kw_id),
            Sample((_const(2.5),), dict(kw), id="0d" + kw_id),
            Sample((_const(np.zeros((0, 3))),), dict(kw), id="0size" + kw_id),
            Sample((_const(np.zeros((0, 3))),), dict(kw, dim=0), id="0size_dim0" + kw_id),
            Sample((_const([1.0, np.nan, 1.0, np.nan, -0.0, 0.0, np.inf]),), dict(kw), id="special" + kw_id),
        ]
    out += [
        Sample((ties((2, 6), np.int32),), {"sorted": False}, id="int32_unsorted"),
        Sample((TIn(g.rng.integers(0, 2, (3, 4)).astype(np.bool_), None, False),), {"dim": 1}, id="bool_dim1"),
        Sample((ties((2, 3, 2)),), {"dim": -1, "return_counts": True}, id="3d_dim_neg"),
    ]
    return out


def unique_errors(g: Gen):
    return [
        ErrorSample((g.t((2, 3)),), {"dim": 2}, exc=IndexError, match="Dimension out of range", id="dim_out_of_range"),
        ErrorSample((g.t(()),), {"dim": 0}, exc=IndexError, match="no dimensions", id="0d_dim"),
        ErrorSample((g.t((0, 3)),), {"dim": 1}, exc=RuntimeError, match="0 sized dimensions", id="0size_other_dim"),
    ]


def _method(name):
    return lambda m, x, *a, **kw: getattr(x, name)(*a, **kw)


def _part(fn, i):
    return lambda *a, **kw: fn(*a, **kw)[i]


def _unique_part(name, i, method=False):
    """Output i of unique/unique_consecutive (the values when the call returns one tensor)."""

    def op(m, x, *a, **kw):
        r = getattr(x, name)(*a, **kw) if method else getattr(m, name)(x, *a, **kw)
        if not isinstance(r, tuple):
            return r
        if i == 0:
            return r[0]
        inv, cnt = kw.get("return_inverse", False), kw.get("return_counts", False)
        if i == 1:
            return r[1]
        return r[2] if inv and cnt else r[1]

    return op


def _asks_for(i):
    key = (None, "return_inverse", "return_counts")[i]
    return lambda s: key is None or s.kwargs.get(key, False)


# ---- entries ----

_add(
    "sort",
    op=lambda m, x, *a, **kw: m.sort(x, *a, **kw)[0],
    ref=_np_sort,
    differentiable=True,
    sample_fn=sort_samples,
    api=("fastgrad.sort", "Tensor.sort"),
    forms=(
        Form("x.sort(...)", lambda m, x, *a, **kw: x.sort(*a, **kw)[0]),
        Form("sort(...).values", lambda m, x, *a, **kw: m.sort(x, *a, **kw).values),
    ),
    error_fn=sort_errors,
)
_add(
    "sort_indices",
    op=lambda m, x, *a, **kw: m.sort(x, *a, **kw).indices,
    ref=_np_argsort,
    differentiable=False,
    sample_fn=sort_samples,
    api=("fastgrad.sort",),
)
_add(
    "argsort",
    op=lambda m, x, *a, **kw: m.argsort(x, *a, **kw),
    ref=_np_argsort,
    differentiable=False,
    sample_fn=sort_samples,
    api=("fastgrad.argsort", "Tensor.argsort"),
    forms=(Form("x.argsort(...)", lambda m, x, *a, **kw: x.argsort(*a, **kw)),),
    error_fn=sort_errors,
)
_add(
    "msort",
    op=lambda m, x: m.msort(x),
    ref=lambda x: _np_sort(x, 0),
    differentiable=True,
    sample_fn=msort_samples,
    api=("fastgrad.msort", "Tensor.msort"),
    forms=(Form("x.msort()", lambda m, x: x.msort()),),
)
_add(
    "topk",
    op=lambda m, x, *a, **kw: m.topk(x, *a, **kw)[0],
    ref=_np_topk,
    differentiable=True,
    sample_fn=topk_samples,
    api=("fastgrad.topk", "Tensor.topk"),
    forms=(
        Form("x.topk(...)", lambda m, x, *a, **kw: x.topk(*a, **kw)[0]),
        Form("topk(...).values", lambda m, x, *a, **kw: m.topk(x, *a, **kw).values),
    ),
    error_fn=topk_errors,
)
_add(
    "topk_indices",
    op=lambda m, x, *a, **kw: m.topk(x, *a, **kw).indices,
    ref=_np_topk_indices,
    differentiable=False,
    sample_fn=topk_samples,
    api=("fastgrad.topk",),
)
_add(
    "kthvalue",
    op=lambda m, x, *a, **kw: m.kthvalue(x, *a, **kw)[0],
    ref=_np_kth,
    differentiable=True,
    sample_fn=kthvalue_samples,
    api=("fastgrad.kthvalue", "Tensor.kthvalue"),
    forms=(
        Form("x.kthvalue(...)", lambda m, x, *a, **kw: x.kthvalue(*a, **kw)[0]),
        Form("kthvalue(...).values", lambda m, x, *a, **kw: m.kthvalue(x, *a, **kw).values),
    ),
    error_fn=kthvalue_errors,
)
_add(
    "kthvalue_indices",
    op=lambda m, x, *a, **kw: m.kthvalue(x, *a, **kw).indices,
    ref=lambda x, *a, **kw: _np_kth(x, *a, indices=True, **kw),
    differentiable=False,
    sample_fn=kthvalue_samples,
    api=("fastgrad.kthvalue",),
)
for _name, _ref in (("unique", _np_unique), ("unique_consecutive", _np_unique_consecutive)):
    _samples = (
        unique_samples
        if _name == "unique"
        else (lambda g: [s for s in unique_samples(g) if "sorted" not in s.kwargs])
    )
    for _i, _suffix in ((0, ""), (1, "_inverse"), (2, "_counts")):
        _add(
            _name + _suffix,
            op=_unique_part(_name, _i),
            ref=(lambda f, i: lambda x, **kw: f(x, part=i, **kw))(_ref, _i),
            differentiable=False,
            sample_fn=(lambda f, i: lambda g: [s for s in f(g) if _asks_for(i)(s)])(_samples, _i),
            api=(f"fastgrad.{_name}", f"Tensor.{_name}") if _i == 0 else (f"fastgrad.{_name}",),
            forms=(Form(f"x.{_name}(...)", _unique_part(_name, _i, method=True)),),
            error_fn=unique_errors if _i == 0 else None,
        )
