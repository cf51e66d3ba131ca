"""Reductions and scans (cpp/src/ops/reduce.cpp, minmax.cpp, moments.cpp, scan.cpp): sum, mean, norm, prod,
max/min, amax/amin, argmax/argmin, var/std, logsumexp, cumsum/cumprod, all/any, count_nonzero."""

from __future__ import annotations

import math
import warnings

import numpy as np

from .common import _NP_DTYPES, ErrorSample, Form, Gen, Sample, TIn, _dt, _every_other, _swap, adder

CORE: list = []  # this area's entries among the core ops the table starts with (see __init__.py)
OPS: list = []  # the area's other entries
_add_core = adder(CORE)
_add = adder(OPS)


def reduce_samples(with_int=False):
    def make(g: Gen):
        t = g.t
        out = [
            Sample((t((3, 4)),), id="all"),
            Sample((t((2, 3, 4)),), {"dim": 1}, id="dim1"),
            Sample((t((2, 3, 4)),), {"dim": -1}, id="dim_neg"),
            Sample((t((2, 3, 4)),), {"dim": (0, 2)}, id="dim_tuple"),
            Sample((t((2, 3, 4)),), {"dim": (-1, -3)}, id="dim_tuple_neg"),
            Sample((t((2, 3, 4)),), {"dim": 1, "keepdim": True}, id="dim_keepdim"),
            Sample((t((2, 3, 4)),), {"dim": (0, 2), "keepdim": True}, id="tuple_keepdim"),
            Sample((t((3, 4)),), {"dim": [0, 1]}, id="dim_list_all"),
            Sample((t(()),), id="0d"),
            Sample((t(()),), {"dim": 0}, id="0d_dim0"),
            Sample((t(()),), {"dim": -1, "keepdim": True}, id="0d_dim_neg_keepdim"),
            Sample((g.T((3, 4)),), {"dim": 0}, id="transposed_dim0"),
            Sample((g.strided((2, 3)),), id="strided_all"),
            Sample((g.strided((2, 3), dim=0),), {"dim": 1, "keepdim": True}, id="strided_dim1"),
            Sample((t((0, 3)),), id="0size_all"),
            Sample((t((0, 3)),), {"dim": 0}, id="0size_dim0"),
            Sample((t((0, 3)),), {"dim": 1}, id="0size_dim1"),
        ]
        if with_int:
            out += [
                Sample((g.ints((3, 4)),), id="int32_all"),
                Sample((g.ints((3, 4), np.int64),), {"dim": 0}, id="int64_dim0"),
                Sample((g.bools((3, 4)),), {"dim": 1}, id="bool_dim1"),
            ]
        return out

    return make


def reduce_errors(g: Gen):
    return [
        ErrorSample(
            (g.t((2, 3)),), {"dim": 2}, exc=IndexError, match="Dimension out of range", id="dim_out_of_range"
        ),
        ErrorSample((g.t((2, 3)),), {"dim": (0, 0)}, exc=RuntimeError, id="dim_repeated"),
    ]


def _axis(dim):
    return tuple(dim) if isinstance(dim, (list, tuple)) else dim


def _np_sum(x, dim=None, keepdim=False):
    if x.ndim == 0:  # torch wraps dims of a 0-d tensor as if it were 1-d
        return np.asarray(x.sum())
    if x.dtype.kind in "bi":
        x = x.astype(np.int64)  # torch sums integers and bools in int64
    return np.asarray(np.sum(x, axis=_axis(dim), keepdims=keepdim))


def _np_mean(x, dim=None, keepdim=False):
    if x.ndim == 0:
        return np.asarray(x.mean())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # mean of nothing is nan, as in torch
        return np.asarray(np.mean(x, axis=_axis(dim), keepdims=keepdim))


def _np_norm(x, p="fro", dim=None, keepdim=False):
    if p == "nuc":  # the sum of the singular values of the matrices over the two dims
        d0, d1 = (0, 1) if dim is None else (d % x.ndim for d in dim)
        r = np.linalg.svd(np.moveaxis(x, (d0, d1), (-2, -1)), compute_uv=False).sum(-1)
        return np.asarray(np.expand_dims(r, (min(d0, d1), max(d0, d1))) if keepdim else r)
    p = 2.0 if p == "fro" else float(p)
    axis = _axis(dim) if x.ndim > 0 else None
    a = np.abs(x)
    if p == 0:
        return np.asarray(np.sum(a != 0, axis=axis, keepdims=keepdim).astype(x.dtype))
    if math.isinf(p):
        if a.size == 0:
            return np.asarray(
                np.zeros(()) if axis is None else np.max(a, axis=axis, keepdims=keepdim, initial=0.0)
            )
        r = np.max(a, axis=axis, keepdims=keepdim) if p > 0 else np.min(a, axis=axis, keepdims=keepdim)
    else:
        r = np.sum(a**p, axis=axis, keepdims=keepdim) ** (1.0 / p)
    return np.asarray(r)


def norm_samples(g: Gen):
    t = g.t
    nz = "nonzero"
    return [
        Sample((t((3, 4)),), id="default"),
        Sample((t((3, 4)),), {"p": 2}, id="p2"),
        Sample((t((3, 4), nz),), {"p": 1}, id="p1"),
        Sample((t((3, 4)),), {"p": 3}, id="p3"),
        Sample((t((3, 4)),), {"p": 0.5}, id="p0.5"),
        Sample((t((3, 4), "distinct"),), {"p": float("inf")}, id="pinf"),
        Sample((t((2, 3, 4), "distinct"),), {"p": float("-inf"), "dim": 1}, id="pneginf_dim"),
        Sample((t((3, 4), "distinct"),), {"p": float("inf"), "dim": (0, 1), "keepdim": True}, id="pinf_keepdim"),
        Sample((t((3, 4)),), {"p": 0}, id="p0"),
        Sample((t((3, 4), nz),), {"p": -1, "dim": 0}, id="pneg1"),
        Sample((t((3, 4)),), {"p": "fro"}, id="fro"),
        Sample((t((3, 4)),), {"p": "nuc"}, id="nuc"),
        Sample((t((2, 3, 4)),), {"p": "nuc", "dim": (0, 2)}, id="nuc_dims"),
        Sample((t((2, 3, 4)),), {"p": "nuc", "dim": (-1, 1), "keepdim": True}, id="nuc_keepdim"),
        Sample((t((2, 3, 4)),), {"dim": 1}, id="dim1"),
        Sample((t((2, 3, 4)),), {"p": 2, "dim": -1, "keepdim": True}, id="dim_neg_keepdim"),
        Sample((t((2, 3, 4)),), {"p": 2, "dim": (0, 2)}, id="dim_tuple"),
        Sample((t((2, 3, 4), nz),), {"p": 1, "dim": 0, "keepdim": True}, id="p1_dim_keepdim"),
        Sample((t((), nz),), id="0d"),
        Sample((g.T((3, 4)),), {"dim": 0}, id="transposed_dim0"),
        Sample((g.strided((2, 3)),), id="strided"),
        Sample((t((0, 3)),), id="0size", grad=True),
        Sample((t((0, 3)),), {"dim": 0}, id="0size_dim0"),
    ]


# ---- reductions ----


_add_core(
    "sum",
    op=lambda m, x, **kw: m.sum(x, **kw),
    ref=_np_sum,
    differentiable=True,
    sample_fn=reduce_samples(with_int=True),
    api=("fastgrad.sum", "Tensor.sum"),
    forms=(Form("x.sum(...)", lambda m, x, **kw: x.sum(**kw)),),
    error_fn=reduce_errors,
)
_add_core(
    "mean",
    op=lambda m, x, **kw: m.mean(x, **kw),
    ref=_np_mean,
    differentiable=True,
    sample_fn=reduce_samples(),
    api=("fastgrad.mean", "Tensor.mean"),
    forms=(Form("x.mean(...)", lambda m, x, **kw: x.mean(**kw)),),
    error_fn=lambda g: (
        reduce_errors(g) + [ErrorSample((g.ints((3, 4)),), exc=RuntimeError, match="mean", id="int_input")]
    ),
)
_add_core(
    "norm",
    op=lambda m, x, **kw: m.norm(x, **kw),
    ref=_np_norm,
    differentiable=True,
    sample_fn=norm_samples,
    api=("fastgrad.norm", "Tensor.norm"),
    forms=(Form("x.norm(...)", lambda m, x, **kw: x.norm(**kw)),),
    error_fn=lambda g: [
        ErrorSample((g.t((2, 3, 4)),), {"p": "nuc"}, exc=RuntimeError, match="dim must be a 2-tuple",
                    id="nuc_3d_no_dim"),
        ErrorSample((g.t((2, 3, 4)),), {"p": "nuc", "dim": (1, -2)}, exc=RuntimeError, match="dims must be different",
                    id="nuc_same_dims"),
        ErrorSample((g.t((3, 4)),), {"p": "bad"}, exc=RuntimeError, match="Order bad not supported", id="bad_order"),
    ],
)


# ---- prod, max/min, var/std, logsumexp, scans, all/any, count_nonzero: samples and references ----


def _first(r):
    """The first tensor of a multi-output result ((values, indices), (var, mean), ...): the table compares one
    tensor per op; the other outputs have their own entries or forms."""
    return r[0] if isinstance(r, tuple) else r


def _np_int64_if_integral(x):
    return x.astype(np.int64) if x.dtype.kind in "biu" else x


def _np_fold(fn, promote_ints=False):
    """A NumPy reference for a reduction with torch's (dim=None|int|tuple, keepdim) arguments."""

    def ref(x, dim=None, keepdim=False):
        if promote_ints:
            x = _np_int64_if_integral(x)
        if x.ndim == 0:  # torch wraps the dims of a 0-d tensor as if it had one
            return np.asarray(fn(x, axis=None))
        return np.asarray(fn(x, axis=_axis(dim), keepdims=keepdim))

    return ref


def _np_extreme(fn):
    def ref(x, dim=None, keepdim=False):
        if dim is None or x.ndim == 0:
            return np.asarray(fn(x))
        return np.asarray(fn(x, axis=dim, keepdims=keepdim))

    return ref


def _np_arg(fn):
    def ref(x, dim=None, keepdim=False):
        if x.ndim == 0:
            return np.asarray(0, dtype=np.int64)
        if dim is None:
            r = np.asarray(fn(x), dtype=np.int64)
            return r.reshape((1,) * x.ndim) if keepdim else r
        r = np.asarray(fn(x, axis=dim), dtype=np.int64)
        return np.expand_dims(r, dim) if keepdim else r

    return ref


def _np_prod(x, dim=None, keepdim=False, dtype=None):
    if dtype is not None:
        x = x.astype(_NP_DTYPES[dtype])
    return _np_fold(np.prod, promote_ints=True)(x, dim, keepdim)


def _np_var(x, dim=None, unbiased=None, keepdim=False, correction=None, sqrt=False):
    ddof = 1 if unbiased is None and correction is None else (correction if correction is not None else int(unbiased))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # no degrees of freedom: inf or nan, as in torch
        if x.ndim == 0:
            v = np.var(x, ddof=ddof)
        else:
            v = np.var(x, axis=_axis(dim), ddof=ddof, keepdims=keepdim)
    return np.asarray(np.sqrt(v) if sqrt else v)


def _np_logsumexp(x, dim, keepdim=False):
    if x.dtype.kind in "biu":
        x = x.astype(np.float32)  # the default float dtype
    if x.ndim == 0:
        return np.asarray(x)
    ax = _axis(dim)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        m = np.max(x, axis=ax, keepdims=True, initial=-np.inf)
        m = np.where(np.isfinite(m), m, 0.0)
        r = np.log(np.sum(np.exp(x - m), axis=ax, keepdims=True)) + m
    return np.asarray(r if keepdim else np.squeeze(r, axis=ax)).astype(x.dtype)


def _np_scan(fn):
    def ref(x, dim, dtype=None):
        x = x.astype(_NP_DTYPES[dtype]) if dtype is not None else _np_int64_if_integral(x)
        return np.asarray(x.copy() if x.ndim == 0 else fn(x, axis=dim))

    return ref


def _np_count_nonzero(x, dim=None):
    if x.ndim == 0:
        return np.asarray(np.count_nonzero(x), dtype=np.int64)
    return np.asarray(np.count_nonzero(x, axis=_axis(dim)), dtype=np.int64)


def _zeros_sample(g: Gen, arr, **kw):
    """A sample with exact zeros (prod and cumprod differentiate through them)."""
    return TIn(np.asarray(arr, dtype=np.float64), **kw)


def minmax_samples(g: Gen):
    t = g.t
    return [
        Sample((t((3, 4)),), id="all"),
        Sample((t((2, 3, 4)), 1), id="dim1"),
        Sample((t((2, 3, 4)),), {"dim": -1, "keepdim": True}, id="dim_neg_keepdim"),
        Sample((t(()),), id="0d"),
        Sample((t(()), 0), id="0d_dim0"),
        Sample((g.T((3, 4)), 0), id="transposed_dim0"),
        Sample((g.strided((2, 3)),), id="strided_all"),
        Sample((g.strided((2, 3), dim=0), 1, True), id="strided_dim1"),
        Sample((t((0, 3)), 1), id="0size_dim1"),
        Sample((g.ints((3, 4)), 0), id="int32_dim0"),
        Sample((g.ints((3, 4), np.int64),), id="int64_all"),
    ]


def minmax_errors(g: Gen):
    return [
        ErrorSample((g.t((0, 3)),), exc=RuntimeError, match="numel", id="empty_all"),
        ErrorSample((g.t((0, 3)), 0), exc=IndexError, match="non-zero size", id="empty_dim"),
        ErrorSample((g.t((2, 3)), 2), exc=IndexError, match="Dimension out of range", id="dim_out_of_range"),
    ]


def amax_samples(g: Gen):
    return [s for s in reduce_samples(with_int=True)(g) if s.id not in ("0size_all", "0size_dim0", "bool_dim1")]


def arg_samples(g: Gen):
    t = g.t
    return [
        Sample((t((3, 4)),), id="all"),
        Sample((t((3, 4)),), {"keepdim": True}, id="all_keepdim"),
        Sample((t((2, 3, 4)),), {"dim": 1}, id="dim1"),
        Sample((t((2, 3, 4)),), {"dim": -1, "keepdim": True}, id="dim_neg_keepdim"),
        Sample((t(()),), id="0d"),
        Sample((t(()),), {"dim": 0}, id="0d_dim0"),
        Sample((g.T((3, 4)),), {"dim": 0}, id="transposed_dim0"),
        Sample((g.strided((2, 3)),), id="strided_all"),
        Sample((t((0, 3)),), {"dim": 1}, id="0size_dim1"),
        Sample((g.ints((3, 4)),), {"dim": 1}, id="int32_dim1"),
    ]


def prod_samples(g: Gen):
    t, z = g.t, _zeros_sample
    return [
        Sample((t((3, 4)),), id="all"),
        Sample((t((2, 3, 4)),), {"dim": 1}, id="dim1"),
        Sample((t((2, 3, 4)),), {"dim": -1, "keepdim": True}, id="dim_neg_keepdim"),
        Sample((t(()),), id="0d"),
        Sample((t(()),), {"dim": 0}, id="0d_dim0"),
        Sample((g.T((3, 4)),), {"dim": 0}, id="transposed_dim0"),
        Sample((g.strided((2, 3)),), id="strided_all"),
        Sample((t((0, 3)),), id="0size_all"),
        Sample((t((0, 3)),), {"dim": 0}, id="0size_dim0"),
        Sample((z(g, [[1.5, 0.0, 2.0], [0.5, -1.0, 3.0]]),), id="one_zero"),
        Sample((z(g, [[0.0, 2.0, 0.0], [1.5, 0.0, 0.0]]),), id="two_zeros"),
        Sample((z(g, [[1.5, 0.0, 2.0], [0.0, -1.0, 0.0]]),), {"dim": 1}, id="zeros_dim1"),
        Sample((z(g, [[1.5, 0.0], [0.0, 2.0]], view=_swap(0, 1)),), {"dim": 0}, id="zeros_transposed"),
        Sample((g.ints((3, 4)),), id="int32"),
        Sample((g.bools((3, 4)),), {"dim": 0}, id="bool_dim0"),
        Sample((g.ints((2, 3)),), {"dtype": "float64"}, id="int_dtype"),
    ]


def var_samples(g: Gen):
    t = g.t
    return [
        Sample((t((3, 4)),), id="all"),
        Sample((t((2, 3, 4)),), {"dim": 1}, id="dim1"),
        Sample((t((2, 3, 4)),), {"dim": (0, 2), "keepdim": True}, id="tuple_keepdim"),
        Sample((t((3, 4)),), {"dim": 1, "unbiased": False}, id="unbiased_false"),
        Sample((t((3, 4)),), {"dim": 0, "correction": 0}, id="correction0"),
        Sample((t((3, 4)),), {"dim": -1, "correction": 2.5}, id="correction_float"),
        Sample((t((3, 4)),), {"dim": 0, "correction": 3}, id="no_dof", grad=False),
        Sample((t(()),), id="0d", grad=False),
        Sample((t(()),), {"correction": 0}, id="0d_correction0", gradgrad=False),
        Sample((g.T((3, 4)),), {"dim": 0}, id="transposed_dim0"),
        Sample((g.strided((2, 3)),), id="strided_all"),
        Sample((t((0, 3)),), {"dim": 0}, id="0size_dim0", grad=False),
        Sample((t((0, 3)),), {"dim": 1}, id="0size_dim1"),
    ]


def var_errors(g: Gen):
    return [
        ErrorSample((g.ints((3, 4)),), exc=RuntimeError, match="floating point", id="int_input"),
        ErrorSample((g.t((2, 3)),), {"dim": 2}, exc=IndexError, match="Dimension out of range", id="dim"),
    ]


def logsumexp_samples(g: Gen):
    t = g.t
    return [
        Sample((t((3, 4)), 1), id="dim1"),
        Sample((t((2, 3, 4)), (0, 2)), id="dim_tuple"),
        Sample((t((2, 3, 4)), -1, True), id="dim_neg_keepdim"),
        Sample((t(()), 0), id="0d"),
        Sample((g.T((3, 4)), 0), id="transposed_dim0"),
        Sample((g.strided((2, 3)), 1), id="strided"),
        Sample((t((0, 3)), 0), id="0size_dim0"),
        Sample((t((0, 3)), 1), id="0size_dim1"),
        Sample((TIn(np.array([[-np.inf, -np.inf], [np.inf, 1.0], [-np.inf, 2.0]]), requires_grad=False), 1),
               id="infinities"),
        Sample((g.ints((3, 4)), 1), id="int32"),
    ]


def scan_samples(with_zeros=False):
    def make(g: Gen):
        t = g.t
        out = [
            Sample((t((3, 4)), 1), id="dim1"),
            Sample((t((2, 3, 4)), 0), id="dim0"),
            Sample((t((2, 3, 4)), -1), id="dim_neg"),
            Sample((t(()), 0), id="0d"),
            Sample((g.T((3, 4)), 0), id="transposed_dim0"),
            Sample((g.strided((2, 3)), 1), id="strided"),
            Sample((t((0, 3)), 0), id="0size"),
            Sample((g.ints((3, 4)), 1), id="int32"),
            Sample((g.bools((3, 4)), 0), id="bool"),
            Sample((g.ints((2, 3)), 1), {"dtype": "float64"}, id="int_dtype"),
        ]
        if with_zeros:
            z = _zeros_sample
            out += [
                Sample((z(g, [[1.5, 0.0, 2.0], [0.5, -1.0, 3.0]]), 1), id="one_zero"),
                Sample((z(g, [[0.0, 2.0, 0.0], [1.5, 0.0, 0.0]]), 1), id="two_zeros"),
                Sample((z(g, [[0.0, 2.0, 0.0], [1.5, 0.0, 0.5]], view=_swap(0, 1)), 0), id="zeros_transposed"),
            ]
        return out

    return make


def all_any_samples(g: Gen):
    b = g.bools
    return [
        Sample((b((3, 4)),), id="all"),
        Sample((b((2, 3, 4)),), {"dim": 1}, id="dim1"),
        Sample((b((2, 3, 4)),), {"dim": (0, 2), "keepdim": True}, id="tuple_keepdim"),
        Sample((TIn(np.array(True)),), id="0d"),
        Sample((TIn(np.array(False)),), {"dim": 0}, id="0d_dim0"),
        Sample((TIn(g.rng.integers(0, 2, (4, 3)).astype(np.bool_), _swap(0, 1)),), {"dim": 0}, id="transposed"),
        Sample((TIn(g.rng.integers(0, 2, (2, 6)).astype(np.bool_), _every_other(1)),), id="strided"),
        Sample((TIn(np.zeros((0, 3), np.bool_)),), id="0size_all"),
        Sample((TIn(np.zeros((0, 3), np.bool_)),), {"dim": 0}, id="0size_dim0"),
        Sample((g.ints((3, 4)),), {"dim": 1}, id="int32"),
        Sample((g.t((3, 4), "small_int"),), id="float"),
    ]


def count_nonzero_samples(g: Gen):
    s = "small_int"
    return [
        Sample((g.t((3, 4), s),), id="all"),
        Sample((g.t((2, 3, 4), s),), {"dim": 1}, id="dim1"),
        Sample((g.t((2, 3, 4), s),), {"dim": (0, 2)}, id="dim_tuple"),
        Sample((g.t((), s),), id="0d"),
        Sample((g.T((3, 4), s),), {"dim": 0}, id="transposed"),
        Sample((g.strided((2, 3), s),), id="strided"),
        Sample((g.t((0, 3), s),), {"dim": 0}, id="0size"),
        Sample((g.bools((3, 4)),), id="bool"),
        Sample((g.ints((3, 4)),), {"dim": -1}, id="int32"),
    ]


def _kw_dtype(m, kw):
    if kw.get("dtype") is not None:
        kw = dict(kw, dtype=_dt(m, kw["dtype"]))
    return kw


# ---- prod, max/min, amax/amin, argmax/argmin, var/std, logsumexp, scans, all/any, count_nonzero ----


_add(
    "prod",
    op=lambda m, x, **kw: m.prod(x, **_kw_dtype(m, kw)),
    ref=_np_prod,
    differentiable=True,
    sample_fn=prod_samples,
    api=("fastgrad.prod", "Tensor.prod"),
    forms=(Form("x.prod(...)", lambda m, x, **kw: x.prod(**_kw_dtype(m, kw))),),
    error_fn=lambda g: [ErrorSample((g.t((2, 3)),), {"dim": 2}, exc=IndexError, id="dim_out_of_range")],
)
for _name, _np_fn in (("max", np.max), ("min", np.min)):
    _add(
        _name,
        op=(lambda n: lambda m, x, *a, **kw: _first(getattr(m, n)(x, *a, **kw)))(_name),
        ref=_np_extreme(_np_fn),
        differentiable=True,
        sample_fn=minmax_samples,
        api=(f"fastgrad.{_name}", f"Tensor.{_name}"),
        forms=(
            Form(f"x.{_name}(...)", (lambda n: lambda m, x, *a, **kw: _first(getattr(x, n)(*a, **kw)))(_name)),
            Form(
                f"{_name}(...).values",
                (lambda n: lambda m, x, *a, **kw: getattr(m, n)(x, *a, **kw).values)(_name),
                lambda s: len(s.args) > 1 or "dim" in s.kwargs,
            ),
        ),
        error_fn=minmax_errors,
    )
    _add(
        f"{_name}_indices",
        op=(lambda n: lambda m, x, *a, **kw: getattr(m, n)(x, *a, **kw).indices)(_name),
        ref=(lambda f: lambda x, dim, keepdim=False: _np_arg(f)(x, dim, keepdim))(
            np.argmax if _name == "max" else np.argmin
        ),
        differentiable=False,
        sample_fn=lambda g: [s for s in minmax_samples(g) if len(s.args) > 1 or "dim" in s.kwargs],
        api=(f"fastgrad.{_name}",),
    )
for _name, _np_fn in (("amax", np.max), ("amin", np.min)):
    _add(
        _name,
        op=(lambda n: lambda m, x, **kw: getattr(m, n)(x, **kw))(_name),
        ref=_np_fold(_np_fn),
        differentiable=True,
        sample_fn=amax_samples,
        api=(f"fastgrad.{_name}", f"Tensor.{_name}"),
        forms=(Form(f"x.{_name}(...)", (lambda n: lambda m, x, **kw: getattr(x, n)(**kw))(_name)),),
        error_fn=lambda g: reduce_errors(g)
        + [ErrorSample((g.t((0, 3)),), {"dim": 0}, exc=IndexError, match="non-zero size", id="empty_dim")],
    )
for _name, _np_fn in (("argmax", np.argmax), ("argmin", np.argmin)):
    _add(
        _name,
        op=(lambda n: lambda m, x, **kw: getattr(m, n)(x, **kw))(_name),
        ref=_np_arg(_np_fn),
        differentiable=False,
        sample_fn=arg_samples,
        api=(f"fastgrad.{_name}", f"Tensor.{_name}"),
        forms=(Form(f"x.{_name}(...)", (lambda n: lambda m, x, **kw: getattr(x, n)(**kw))(_name)),),
        error_fn=lambda g: [
            ErrorSample((g.t((0, 3)),), exc=IndexError, match="numel", id="empty"),
            ErrorSample((g.bools((3,)),), exc=RuntimeError, match="bool", id="bool"),
        ],
    )
for _name, _sqrt in (("var", False), ("std", True)):
    _add(
        _name,
        op=(lambda n: lambda m, x, **kw: getattr(m, n)(x, **kw))(_name),
        ref=(lambda s: lambda x, **kw: _np_var(x, sqrt=s, **kw))(_sqrt),
        differentiable=True,
        sample_fn=var_samples,
        api=(f"fastgrad.{_name}", f"Tensor.{_name}"),
        forms=(Form(f"x.{_name}(...)", (lambda n: lambda m, x, **kw: getattr(x, n)(**kw))(_name)),),
        error_fn=var_errors,
    )
_add(
    "var_mean",  # the first output (var); std_mean checks the second (mean)
    op=lambda m, x, **kw: m.var_mean(x, **kw)[0],
    ref=lambda x, **kw: _np_var(x, **kw),
    differentiable=True,
    sample_fn=var_samples,
    api=("fastgrad.var_mean",),
    error_fn=var_errors,
)
_add(
    "std_mean",
    op=lambda m, x, **kw: m.std_mean(x, **kw)[1],
    ref=lambda x, dim=None, unbiased=None, keepdim=False, correction=None: _np_mean(x, dim, keepdim),
    differentiable=True,
    sample_fn=lambda g: [s for s in var_samples(g) if s.id != "0size_dim0"],
    api=("fastgrad.std_mean",),
    error_fn=var_errors,
)
_add(
    "logsumexp",
    op=lambda m, x, *a, **kw: m.logsumexp(x, *a, **kw),
    ref=_np_logsumexp,
    differentiable=True,
    sample_fn=logsumexp_samples,
    api=("fastgrad.logsumexp", "Tensor.logsumexp"),
    forms=(Form("x.logsumexp(...)", lambda m, x, *a, **kw: x.logsumexp(*a, **kw)),),
    error_fn=lambda g: [ErrorSample((g.t((2, 3)), 2), exc=IndexError, id="dim_out_of_range")],
)
for _name, _np_fn, _zeros in (("cumsum", np.cumsum, False), ("cumprod", np.cumprod, True)):
    _add(
        _name,
        op=(lambda n: lambda m, x, d, **kw: getattr(m, n)(x, d, **_kw_dtype(m, kw)))(_name),
        ref=_np_scan(_np_fn),
        differentiable=True,
        sample_fn=scan_samples(with_zeros=_zeros),
        api=(f"fastgrad.{_name}", f"Tensor.{_name}"),
        forms=(Form(f"x.{_name}(d)", (lambda n: lambda m, x, d, **kw: getattr(x, n)(d, **_kw_dtype(m, kw)))(_name)),),
        error_fn=lambda g: [ErrorSample((g.t((2, 3)), 2), exc=IndexError, id="dim_out_of_range")],
    )
for _name, _np_fn in (("all", np.all), ("any", np.any)):
    _add(
        _name,
        op=(lambda n: lambda m, x, **kw: getattr(m, n)(x, **kw))(_name),
        ref=_np_fold(_np_fn),
        differentiable=False,
        sample_fn=all_any_samples,
        api=(f"fastgrad.{_name}", f"Tensor.{_name}"),
        forms=(Form(f"x.{_name}(...)", (lambda n: lambda m, x, **kw: getattr(x, n)(**kw))(_name)),),
        error_fn=reduce_errors,
    )
_add(
    "count_nonzero",
    op=lambda m, x, **kw: m.count_nonzero(x, **kw),
    ref=_np_count_nonzero,
    differentiable=False,
    sample_fn=count_nonzero_samples,
    api=("fastgrad.count_nonzero", "Tensor.count_nonzero"),
    forms=(Form("x.count_nonzero(...)", lambda m, x, **kw: x.count_nonzero(**kw)),),
    error_fn=reduce_errors,
)
