"""nn.functional losses (cpp/src/ops/nn_loss.cpp)."""

from __future__ import annotations

import warnings

import numpy as np

from .common import ErrorSample, F, Gen, Sample, TIn, adder
from .nn_activation import _np_log_softmax

CORE: list = []  # this area's entries among the core ops the table starts with (see __init__.py)
OPS: list = []  # the area's other entries
_add_core = adder(CORE)
_add = adder(OPS)


def _reduce(loss, reduction):
    if reduction == "none":
        return loss
    if reduction == "sum":
        return np.asarray(loss.sum())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.asarray(loss.mean())


def _np_mse(a, b, reduction="mean"):
    return _reduce((a - b) ** 2, reduction)


def _np_bce_logits(x, y, weight=None, reduction="mean", pos_weight=None):
    # The definition: -w [pw * y * log sigmoid(x) + (1 - y) * log(1 - sigmoid(x))], computed stably.
    log_sig = -np.logaddexp(0.0, -x)  # log sigmoid(x)
    log_one_minus = -np.logaddexp(0.0, x)  # log(1 - sigmoid(x))
    pw = 1.0 if pos_weight is None else pos_weight
    loss = -(pw * y * log_sig + (1.0 - y) * log_one_minus)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def mse_samples(g: Gen):
    out = []
    for r in ("mean", "sum", "none"):
        out.append(Sample((g.t((3, 4)), g.t((3, 4))), {"reduction": r}, id=f"{r}"))
    out += [
        Sample((g.t((3, 4)), g.t((3, 4))), id="default"),
        Sample((g.t(()), g.t(())), id="0d"),
        Sample((g.T((3, 4)), g.strided((3, 4))), {"reduction": "none"}, id="noncontig_none"),
        Sample((g.T((3, 4)), g.strided((3, 4))), {"reduction": "mean"}, id="noncontig_mean"),
        Sample((g.t((0, 3)), g.t((0, 3))), {"reduction": "mean"}, id="0size_mean"),
        Sample((g.t((0, 3)), g.t((0, 3))), {"reduction": "sum"}, id="0size_sum"),
        Sample((g.t((3, 4)), g.t((3, 4), requires_grad=False)), id="target_no_grad"),
    ]
    return out


def bce_samples(g: Gen):
    p = "prob"
    out = []
    for r in ("mean", "sum", "none"):
        out.append(Sample((g.t((3, 4)), g.t((3, 4), p)), {"reduction": r}, id=r))
    nog = dict(requires_grad=False)
    out += [
        Sample((g.t((3, 4)), g.t((3, 4), p)), {"weight": g.t((3, 4), "pos", **nog)}, id="weight"),
        Sample(
            (g.t((3, 4)), g.t((3, 4), p)),
            {"weight": g.t((4,), "pos", **nog), "reduction": "sum"},
            id="weight_bcast",
        ),
        Sample((g.t((3, 4)), g.t((3, 4), p)), {"pos_weight": g.t((4,), "pos", **nog)}, id="pos_weight"),
        Sample(
            (g.t((3, 4)), g.t((3, 4), p)),
            {"weight": g.t((3, 1), "pos", **nog), "pos_weight": g.t((4,), "pos", **nog), "reduction": "none"},
            id="weight_pos_weight_none",
        ),
        Sample((g.t(()), g.t((), p)), id="0d"),
        Sample((g.T((3, 4)), g.strided((3, 4), p)), {"reduction": "none"}, id="noncontig"),
        Sample(
            (TIn(np.array([-60.0, -20.0, 20.0, 60.0])), TIn(np.array([0.0, 1.0, 0.25, 1.0]))),
            {"reduction": "none"},
            id="large_logits",
        ),
        Sample((g.t((0, 3)), g.t((0, 3), p)), {"reduction": "sum"}, id="0size_sum"),
        Sample((g.t((3, 4)), g.t((3, 4), p, requires_grad=False)), id="target_no_grad"),
    ]
    return out


def bce_errors(g: Gen):
    return [
        ErrorSample(
            (g.t((3, 4)), g.t((3, 5))),
            exc=ValueError,
            match="must be the same as input size",
            id="target_size",
        ),
    ]


# ---- nn.functional: mse_loss, binary_cross_entropy_with_logits ----


_add_core(
    "mse_loss",
    op=lambda m, a, b, **kw: m.nn.functional.mse_loss(a, b, **kw),
    ref=_np_mse,
    differentiable=True,
    sample_fn=mse_samples,
    api=(F + "mse_loss",),
)
_add_core(
    "binary_cross_entropy_with_logits",
    op=lambda m, x, y, **kw: m.nn.functional.binary_cross_entropy_with_logits(x, y, **kw),
    ref=_np_bce_logits,
    differentiable=True,
    sample_fn=bce_samples,
    api=(F + "binary_cross_entropy_with_logits",),
    error_fn=bce_errors,
)


# ---- l1, smooth_l1, huber, binary_cross_entropy, nll_loss, cross_entropy ----


def loss_samples(target_domain="real", input_domain="real", with_weight=False, extra=()):
    """Pairwise-loss samples: each reduction, 0-d, views, 0-size; `extra` adds keyword variants."""

    def make(g: Gen):
        td, xd = target_domain, input_domain
        out = [Sample((g.t((3, 4), xd), g.t((3, 4), td)), {"reduction": r}, id=r) for r in ("mean", "sum", "none")]
        out += [
            Sample((g.t((), xd), g.t((), td)), id="0d"),
            Sample((g.T((3, 4), xd), g.strided((3, 4), td)), {"reduction": "none"}, id="noncontig"),
            Sample((g.t((0, 3), xd), g.t((0, 3), td)), {"reduction": "sum"}, id="0size_sum"),
            Sample((g.t((3, 4), xd), g.t((3, 4), td, requires_grad=False)), id="target_no_grad"),
        ]
        if with_weight:
            nog = dict(requires_grad=False)
            out.append(Sample((g.t((3, 4), xd), g.t((3, 4), td)), {"weight": g.t((3, 4), "pos", **nog)}, id="weight"))
        for i, kw in enumerate(extra):
            out.append(Sample((g.t((3, 4), xd), g.t((3, 4), td)), dict(kw), id=f"kw{i}"))
        return out

    return make


def _np_smooth_l1(a, b, reduction="mean", beta=1.0):
    d = np.abs(a - b)
    loss = d if beta == 0 else np.where(d < beta, 0.5 * d * d / beta, d - 0.5 * beta)
    return _reduce(loss, reduction)


def _np_huber(a, b, reduction="mean", delta=1.0, weight=None):
    d = np.abs(a - b)
    loss = np.where(d < delta, 0.5 * d * d, delta * (d - 0.5 * delta))
    return _reduce(loss if weight is None else loss * weight, reduction)


def _np_l1(a, b, reduction="mean", weight=None):
    loss = np.abs(a - b)
    if weight is not None:
        loss = loss * weight
        if reduction == "mean":
            return np.asarray(loss.sum() / weight.sum())
    return _reduce(loss, reduction)


def _np_bce(x, y, weight=None, reduction="mean"):
    with np.errstate(divide="ignore"):
        loss = -(y * np.maximum(np.log(x), -100) + (1 - y) * np.maximum(np.log1p(-x), -100))
    return _reduce(loss if weight is None else loss * weight, reduction)


_add(
    "l1_loss",
    op=lambda m, a, b, **kw: m.nn.functional.l1_loss(a, b, **kw),
    ref=_np_l1,
    differentiable=True,
    sample_fn=loss_samples("nonzero", with_weight=True),
    api=(F + "l1_loss",),
)
_add(
    "smooth_l1_loss",
    op=lambda m, a, b, **kw: m.nn.functional.smooth_l1_loss(a, b, **kw),
    ref=_np_smooth_l1,
    differentiable=True,
    sample_fn=loss_samples(extra=({"beta": 0.5}, {"beta": 0.0})),
    api=(F + "smooth_l1_loss",),
    error_fn=lambda g: [ErrorSample((g.t((3,)), g.t((3,))), {"beta": -1.0}, match="negative values for beta",
                                    id="beta")],
)
_add(
    "huber_loss",
    op=lambda m, a, b, **kw: m.nn.functional.huber_loss(a, b, **kw),
    ref=_np_huber,
    differentiable=True,
    sample_fn=loss_samples(extra=({"delta": 0.5},), with_weight=True),
    api=(F + "huber_loss",),
    error_fn=lambda g: [ErrorSample((g.t((3,)), g.t((3,))), {"delta": 0.0}, match="non-positive values for delta",
                                    id="delta")],
)


def bce_prob_samples(g: Gen):
    p, nog = "prob", dict(requires_grad=False)
    out = [Sample((g.t((3, 4), p), g.t((3, 4), p)), {"reduction": r}, id=r) for r in ("mean", "sum", "none")]
    out += [
        Sample((g.t((3, 4), p), g.t((3, 4), p)), {"weight": g.t((4,), "pos", **nog)}, id="weight_bcast"),
        Sample((g.t((), p), g.t((), p)), id="0d"),
        Sample((g.T((3, 4), p), g.strided((3, 4), p)), {"reduction": "none"}, id="noncontig"),
        Sample((g.t((0, 3), p), g.t((0, 3), p)), {"reduction": "sum"}, id="0size_sum"),
        # log clamped at -100 at the ends of [0, 1] (no gradient check there: the slope is clamped too)
        Sample((TIn(np.array([0.0, 1.0, 0.5])), TIn(np.array([1.0, 0.0, 0.5]))), {"reduction": "none"},
               id="ends", grad=False),
    ]
    return out


_add(
    "binary_cross_entropy",
    op=lambda m, x, y, **kw: m.nn.functional.binary_cross_entropy(x, y, **kw),
    ref=_np_bce,
    differentiable=True,
    sample_fn=bce_prob_samples,
    api=(F + "binary_cross_entropy",),
    error_fn=lambda g: [
        ErrorSample((TIn(np.array([1.5])), TIn(np.array([0.5]))), match="between 0 and 1", id="range"),
        ErrorSample((g.t((3,), "prob"), g.t((3, 1), "prob")), exc=ValueError, match="different to the input size",
                    id="size"),
    ],
)
_add(
    "bce_with_logits_top",
    op=lambda m, x, y, r: m.binary_cross_entropy_with_logits(x, y, None, None, r),
    ref=lambda x, y, r: _np_bce_logits(x, y, reduction={0: "none", 1: "mean", 2: "sum"}[r]),
    differentiable=True,
    sample_fn=lambda g: [
        Sample((g.t((3, 4)), g.t((3, 4), "prob"), 1), id="mean"),
        Sample((g.t(()), g.t((), "prob"), 2), id="0d"),
        Sample((g.T((3, 4)), g.t((3, 4), "prob"), 0), id="transposed"),
        Sample((g.t((0, 2)), g.t((0, 2), "prob"), 2), id="0size"),
    ],
    api=("fastgrad.binary_cross_entropy_with_logits",),
)


def _np_nll(x, t, weight=None, ignore_index=-100, reduction="mean"):
    x1, t1 = (x[None], np.asarray(t).reshape(1)) if x.ndim == 1 else (x, t)
    w = np.ones(x1.shape[1]) if weight is None else weight
    keep = t1 != ignore_index
    tsafe = np.where(keep, t1, 0)
    wi = np.where(keep, w[tsafe], 0.0)
    picked = np.take_along_axis(np.moveaxis(x1, 1, -1), tsafe[..., None], -1)[..., 0]
    loss = -wi * picked
    if reduction == "none":
        return np.asarray(loss.reshape(np.shape(t)))
    if reduction == "sum":
        return np.asarray(loss.sum())
    with np.errstate(invalid="ignore"):
        return np.asarray(loss.sum() / wi.sum())


def _targets(g, shape, classes, ignored=()):
    t = g.rng.integers(0, classes, shape).astype(np.int64)
    for pos in ignored:
        t[pos] = -100
    return TIn(t, None, False)


def nll_samples(g: Gen):
    nog = dict(requires_grad=False)
    out = [Sample((g.t((4, 5)), _targets(g, (4,), 5)), {"reduction": r}, id=r) for r in ("mean", "sum", "none")]
    out += [
        Sample((g.t((4, 5)), _targets(g, (4,), 5, [(1,)])), id="ignore"),
        Sample((g.t((4, 5)), _targets(g, (4,), 5, [(1,)])), {"weight": g.t((5,), "pos", **nog)}, id="weight"),
        Sample((g.t((4, 5)), _targets(g, (4,), 5)), {"weight": g.t((5,), "pos", **nog), "reduction": "none"},
               id="weight_none"),
        Sample((g.t((5,)), TIn(np.array(2, dtype=np.int64), None, False)), id="0d_target"),
        Sample((g.t((5,)), TIn(np.array(2, dtype=np.int64), None, False)), {"reduction": "none"}, id="0d_none"),
        Sample((g.t((2, 3, 4, 2)), _targets(g, (2, 4, 2), 3, [(0, 1, 1)])), {"reduction": "none"}, id="2d_spatial"),
        Sample((g.t((2, 3, 4)), _targets(g, (2, 4), 3)), id="1d_spatial"),
        Sample((g.t((2, 3, 2, 2, 2)), _targets(g, (2, 2, 2, 2), 3)), {"reduction": "sum"}, id="3d_spatial"),
        Sample((g.T((4, 5)), _targets(g, (4,), 5)), id="transposed"),
        Sample((g.t((0, 5)), TIn(np.zeros((0,), dtype=np.int64), None, False)), {"reduction": "sum"}, id="0size"),
    ]
    return out


def nll_errors(g: Gen):
    return [
        ErrorSample((g.t((3, 4)), TIn(np.array([0, 1, 5]))), exc=IndexError, match="Target 5 is out of bounds",
                    id="bounds"),
        ErrorSample((g.t((3, 4)), TIn(np.array([0, 1]))), exc=ValueError, match="to match target batch_size",
                    id="batch"),
        ErrorSample((g.t((3, 4)), TIn(np.array([0, 1, 2], dtype=np.int32))), match="expected target dtype",
                    id="int32_target"),
    ]


_add(
    "nll_loss",
    op=lambda m, x, t, **kw: m.nn.functional.nll_loss(x, t, **kw),
    ref=_np_nll,
    differentiable=True,
    sample_fn=nll_samples,
    api=(F + "nll_loss",),
    error_fn=nll_errors,
)


def _np_cross_entropy(x, t, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    class_dim = 0 if x.ndim == 1 else 1
    logp = _np_log_softmax(x, class_dim)
    c = x.shape[class_dim]
    wshape = [1] * x.ndim
    wshape[class_dim] = c
    w = np.ones(c) if weight is None else weight
    if t.dtype.kind == "f":
        tt = t * (1 - label_smoothing) + label_smoothing / c
        loss = -(logp * tt * w.reshape(wshape)).sum(axis=class_dim)
        if reduction == "mean":
            with np.errstate(invalid="ignore"):
                return np.asarray(loss.sum() / (x.size / c))
        return _reduce(loss, reduction)
    nll = _np_nll(logp, t, weight, ignore_index, reduction)
    if label_smoothing == 0:
        return nll
    keep = t != ignore_index
    smooth = -(logp * w.reshape(wshape)).sum(axis=class_dim) * keep
    if reduction == "none":
        ret = smooth
    elif reduction == "sum":
        ret = smooth.sum()
    else:
        ret = smooth.sum() / (w[np.where(keep, t, 0)] * keep).sum()
    return np.asarray((1 - label_smoothing) * nll + ret * (label_smoothing / c))


def ce_samples(g: Gen):
    nog = dict(requires_grad=False)
    p = "prob"
    out = [Sample((g.t((4, 5)), _targets(g, (4,), 5)), {"reduction": r}, id=r) for r in ("mean", "sum", "none")]
    out += [
        Sample((g.t((4, 5)), _targets(g, (4,), 5, [(2,)])), {"weight": g.t((5,), "pos", **nog),
                                                              "label_smoothing": 0.2}, id="weight_smoothing"),
        Sample((g.t((4, 5)), _targets(g, (4,), 5, [(2,)])), {"label_smoothing": 0.1, "reduction": "none"},
               id="smoothing_none"),
        Sample((g.t((4, 5)), g.t((4, 5), p)), id="probs"),
        Sample((g.t((4, 5)), g.t((4, 5), p)), {"weight": g.t((5,), "pos", **nog), "label_smoothing": 0.3,
                                                "reduction": "sum"}, id="probs_weight_smoothing"),
        Sample((g.t((4, 5)), g.t((4, 5), p)), {"reduction": "none"}, id="probs_none"),
        Sample((g.t((2, 3, 4)), _targets(g, (2, 4), 3)), id="spatial"),
        Sample((g.t((5,)), TIn(np.array(1, dtype=np.int64), None, False)), id="0d_target"),
        Sample((g.T((4, 5)), _targets(g, (4,), 5)), id="transposed"),
        Sample((g.t((0, 5)), g.t((0, 5), p)), {"reduction": "sum"}, id="0size"),
    ]
    return out


_add(
    "cross_entropy",
    op=lambda m, x, t, **kw: m.nn.functional.cross_entropy(x, t, **kw),
    ref=_np_cross_entropy,
    differentiable=True,
    sample_fn=ce_samples,
    api=(F + "cross_entropy",),
    error_fn=lambda g: [
        ErrorSample((g.t((3, 4)), TIn(np.array([1, 2, 3]))), {"label_smoothing": 1.5},
                    match="label_smoothing must be between 0.0 and 1.0", id="smoothing"),
        ErrorSample((g.t((3, 4)), g.t((3, 4), "prob")), {"ignore_index": 1},
                    match="ignore_index is not supported for floating point target", id="ignore_probs"),
    ],
)
