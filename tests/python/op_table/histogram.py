"""Counting (cpp/src/ops/histogram.cpp): bincount, histc, histogram.

None is differentiable. histogram's and bincount's (weighted) outputs require grad in torch through a Node
whose backward raises, so their samples' float inputs do not require grad (test_ops_sorting.py checks the
Node); histc's result never requires grad, which its samples check.
"""

from __future__ import annotations

import numpy as np

from .common import ErrorSample, Form, Gen, Sample, TIn, _every_other, _swap, adder

OPS: list = []
_add = adder(OPS)

NO_KIND = {("bincount", "0d"), ("bincount_weights", "0d")}  # bincount takes 1-D inputs only


def _const(values, dtype=None, view=None):
    return TIn(np.asarray(values, dtype=dtype), view, False)


# ---- bincount ----


def _np_bincount(x, weights=None, minlength=0):
    if weights is not None and weights.dtype != np.float32:
        weights = weights.astype(np.float64)
    r = np.bincount(x, weights=weights, minlength=minlength)
    if weights is None:
        return r.astype(np.int64)
    if weights.dtype == np.float32:
        return r.astype(np.float32)
    return r


def bincount_samples(g: Gen):
    def ints(n, hi=6, dtype=np.int64):
        return _const(g.rng.integers(0, hi, n), dtype)

    return [
        Sample((ints(10),), id="1d"),
        Sample((ints(10, dtype=np.int32),), {"minlength": 9}, id="int32_minlength"),
        Sample((ints(5),), {"minlength": 2}, id="minlength_smaller"),
        Sample((_const(g.rng.integers(0, 4, 12), np.int64, _every_other(0)),), id="strided"),
        Sample((_const(np.zeros(0), np.int64),), id="0size"),
        Sample((_const(np.zeros(0), np.int64),), {"minlength": 3}, id="0size_minlength"),
        Sample((ints(7), _const(g.values((7,)))), id="weights"),
        Sample((ints(7), _const(g.values((7,)))), {"minlength": 10}, id="weights_minlength"),
        Sample((ints(6), _const(g.values((12,)), None, _every_other(0))), id="weights_strided"),
        Sample((ints(4), _const([1, 2, 3, 4], np.int32)), id="weights_int32"),
        Sample((ints(4), _const([True, False, True, True])), id="weights_bool"),
    ]


def bincount_errors(g: Gen):
    return [
        ErrorSample((_const([1, -1, 2], np.int64),), exc=RuntimeError, match="non-negative", id="negative"),
        ErrorSample((_const([[1, 2]], np.int64),), exc=RuntimeError, match="1-d", id="2d"),
        ErrorSample((_const(3, np.int64),), exc=RuntimeError, match="1-d", id="0d"),
        ErrorSample((g.t((3,)),), exc=NotImplementedError, match="bincount_cpu", id="float"),
        ErrorSample((_const([True, False]),), exc=NotImplementedError, match="bincount_cpu", id="bool"),
        ErrorSample((_const([1, 2], np.int64),), {"minlength": -1}, exc=RuntimeError, match="minlength", id="minlength"),
        ErrorSample((_const([1, 2], np.int64), _const([1.0, 2.0, 3.0])), exc=RuntimeError, match="weights",
                    id="weights_length"),
    ]


_add(
    "bincount",
    op=lambda m, x, *a, **kw: m.bincount(x, *a, **kw),
    ref=_np_bincount,
    differentiable=False,
    sample_fn=lambda g: [s for s in bincount_samples(g) if len(s.args) == 1],
    api=("fastgrad.bincount", "Tensor.bincount"),
    forms=(Form("x.bincount(...)", lambda m, x, *a, **kw: x.bincount(*a, **kw)),),
    error_fn=bincount_errors,
)
_add(
    "bincount_weights",
    op=lambda m, x, *a, **kw: m.bincount(x, *a, **kw),
    ref=_np_bincount,
    differentiable=False,
    sample_fn=lambda g: [s for s in bincount_samples(g) if len(s.args) == 2 or s.id.startswith("0size")],
    api=("fastgrad.bincount",),
)


# ---- histc / histogram ----


def _np_histc(x, bins=100, min=0, max=0):
    lo, hi = float(min), float(max)
    if lo == hi and x.size:
        lo, hi = float(x.min()), float(x.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    edges = np.linspace(lo, hi, bins + 1).astype(x.dtype)
    return _np_counts(x, edges).astype(x.dtype)


def _np_counts(x, edges, weight=None):
    flat = x.reshape(-1)
    w = np.ones_like(flat) if weight is None else weight.reshape(-1)
    inside = (flat >= edges[0]) & (flat <= edges[-1])
    pos = np.clip(np.searchsorted(edges, flat, side="right") - 1, 0, len(edges) - 2)
    return np.bincount(pos[inside], weights=w[inside], minlength=len(edges) - 1)


def _np_histogram(x, bins=100, range=None, weight=None, density=False, part=0):
    if isinstance(bins, np.ndarray):
        edges = bins.copy()
    else:
        if range is not None:
            lo, hi = float(range[0]), float(range[1])
        elif x.size:
            lo, hi = float(x.min()), float(x.max())
        else:
            lo, hi = 0.0, 1.0
        if lo == hi:
            lo, hi = lo - 0.5, hi + 0.5
        edges = np.linspace(lo, hi, bins + 1).astype(x.dtype)
    if part == 1:
        return edges
    hist = _np_counts(x, edges, weight).astype(x.dtype)
    if density:
        hist = hist / (hist.sum() * np.diff(edges))
    return hist.astype(x.dtype)


def histc_samples(g: Gen):
    t = g.t
    return [
        Sample((t((3, 4)),), id="default"),
        Sample((t((3, 4)),), {"bins": 5}, id="bins5"),
        Sample((t((20,)), 4, -1, 1), id="range"),
        Sample((t((20,)),), {"bins": 3, "min": 0.5, "max": 0.5}, id="min_eq_max"),
        Sample((_const([0.0, 1.0, 2.0, 3.0, 4.0, 1.0, 3.0]), 4, 0, 4), id="on_edges"),
        Sample((t(()), 3), id="0d"),
        Sample((g.T((3, 4)), 6), id="transposed"),
        Sample((g.strided((3, 4)), 6, -2, 2), id="strided"),
        Sample((t((0, 3)), 4), id="0size"),
        Sample((_const([1.0, 1.0]), 4), id="all_equal"),
        Sample((_const([0.5, np.inf, -np.inf, np.nan, 1.5]), 4, 0, 2), id="special"),
    ]


def histc_errors(g: Gen):
    return [
        ErrorSample((g.t((3,)), 0), exc=RuntimeError, match="bins must be > 0", id="bins0"),
        ErrorSample((g.t((3,)), 3, 2, 1), exc=RuntimeError, match="max must be larger than min", id="min_gt_max"),
        ErrorSample((_const([1.0, np.inf]), 3), exc=RuntimeError, match="not finite", id="inf_range"),
        ErrorSample((g.ints((3,)), 3), exc=NotImplementedError, match="histogram_cpu", id="int"),
    ]


_add(
    "histc",
    op=lambda m, x, *a, **kw: m.histc(x, *a, **kw),
    ref=_np_histc,
    differentiable=False,
    sample_fn=histc_samples,
    api=("fastgrad.histc", "Tensor.histc"),
    forms=(Form("x.histc(...)", lambda m, x, *a, **kw: x.histc(*a, **kw)),),
    error_fn=histc_errors,
)


def histogram_samples(g: Gen):
    def v(shape):
        return _const(g.values(shape))

    out = [
        Sample((v((3, 4)), 5), id="bins5"),
        Sample((v((3, 4)),), id="default_bins"),
        Sample((v((20,)),), {"bins": 4, "range": (-1.0, 1.0)}, id="range"),
        Sample((v((20,)), 4), {"range": (0.5, 0.5)}, id="range_equal"),
        Sample((v((20,)), 3), {"weight": v((20,))}, id="weight"),
        Sample((v((20,)), 3), {"density": True}, id="density"),
        Sample((v((4, 5)), 3), {"weight": v((4, 5)), "density": True, "range": (-2.0, 2.0)}, id="weight_density"),
        Sample((v((3, 4)), _const([-2.0, -0.5, 0.0, 0.25, 2.0])), id="edges"),
        Sample((v((3, 4)), _const([-1.0, 0.0, 1.0])), {"density": True, "weight": v((3, 4))}, id="edges_density"),
        Sample((_const([0.0, 1.0, 2.0, 3.0, 4.0, 1.0, 3.0]), 4), {"range": (0.0, 4.0)}, id="on_edges"),
        Sample((_const(0.75), 2), id="0d"),
        Sample((TIn(g.values((4, 3)), _swap(0, 1), False), 3), id="transposed"),
        Sample((_const(g.values((12,)), None, _every_other(0)), 3), id="strided"),
        Sample((_const(np.zeros((0, 3))), 2), id="0size"),
        Sample((_const([0.5, np.inf, -np.inf, np.nan, 1.5]), 4), {"range": (0.0, 2.0)}, id="special"),
    ]
    return out


def histogram_errors(g: Gen):
    return [
        ErrorSample((g.t((3,)), 0), exc=RuntimeError, match="bins must be > 0", id="bins0"),
        ErrorSample((g.t((3,)), 3), {"range": (2.0, 1.0)}, exc=RuntimeError, match="min should not exceed max",
                    id="range_reversed"),
        ErrorSample((_const([1.0, np.inf]), 3), exc=RuntimeError, match="not finite", id="inf_range"),
        ErrorSample((g.ints((3,)), 3), exc=NotImplementedError, match="histogramdd", id="int"),
        ErrorSample((g.t((2, 3)), 3), {"weight": _const(np.ones(3))}, exc=RuntimeError, match="weight",
                    id="weight_shape"),
        ErrorSample((g.t((3,)), _const([[0.0, 1.0]])), exc=RuntimeError, match="one dimension", id="edges_2d"),
        ErrorSample((g.t((3,)), _const([0, 1], np.int64)), exc=RuntimeError, match="same dtype", id="edges_dtype"),
        ErrorSample((g.t((3,)), 3), {"range": (0.0, 1.0, 2.0)}, exc=RuntimeError, match="2 elements", id="range_3"),
    ]


for _name, _part in (("histogram", 0), ("histogram_bin_edges", 1)):
    _add(
        _name,
        op=(lambda i: lambda m, x, *a, **kw: m.histogram(x, *a, **kw)[i])(_part),
        ref=(lambda i: lambda x, *a, **kw: _np_histogram(x, *a, part=i, **kw))(_part),
        differentiable=False,
        sample_fn=histogram_samples,
        api=("fastgrad.histogram", "Tensor.histogram") if _part == 0 else ("fastgrad.histogram",),
        forms=(
            Form("x.histogram(...)", (lambda i: lambda m, x, *a, **kw: x.histogram(*a, **kw)[i])(_part)),
            Form("histogram(...).field", (lambda f: lambda m, x, *a, **kw: getattr(m.histogram(x, *a, **kw), f))(
                ("hist", "bin_edges")[_part])),
        ),
        error_fn=histogram_errors if _part == 0 else None,
    )
