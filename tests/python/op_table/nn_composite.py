"""nn.functional ops that fastgrad composes of core ops: activations, distances, losses, normalisation,
and padding (convolution and pooling are native: conv.py, pooling.py).

The entries run through test_ops.py like every other op. Activations carry a NumPy reference; the losses
and distances are checked against torch (values and gradients) and by gradcheck.

These functions are compositions in fastgrad, so their grad_fn is the last core op they are built of
(torch has a dedicated node for some of them): COMPOSITE_GRAD_FN lists the entries whose grad_fn name
differs from torch's, and test_ops.py leaves that one check out for them. NO_KIND lists the sample kinds an
op cannot take (as test_ops._NO_KIND does). TORCH_BACKWARD_DIFFERS: (op, case) pairs where torch's own
gradient is less precise than the float64 tolerance (marked as expected failures in test_ops.py).
"""

from __future__ import annotations

import numpy as np

from .common import (
    ErrorSample,
    F,
    Gen,
    Sample,
    TIn,
    _sigmoid,
    adder,
    unary_samples,
)

OPS: list = []
_add = adder(OPS)

COMPOSITE_GRAD_FN = set()
NO_KIND = set()
TORCH_BACKWARD_DIFFERS: dict = {}


def _entry(name, op, ref, sample_fn, composite_grad_fn=True, errors=None, gradgrad=True, no_kind=()):
    _add(
        name,
        op=op,
        ref=ref,
        differentiable=True,
        sample_fn=sample_fn,
        api=(F + name,),
        error_fn=errors,
        gradgrad=gradgrad,
    )
    if composite_grad_fn:
        COMPOSITE_GRAD_FN.add(name)
    NO_KIND.update((name, k) for k in no_kind)


def _activation(name, ref, domain="real", variants=(), inplace_copy=False, composite_grad_fn=True):
    """Unary samples plus keyword variants; `inplace_copy`: the op writes into its input, so it runs on x * 1."""

    def make(g: Gen):
        out = unary_samples(domain)(g)
        for i, kw in enumerate(variants):
            out.append(Sample((g.t((3, 4), domain),), dict(kw), id=f"kw{i}"))
        return out

    if inplace_copy:
        op = lambda m, x, *a, **kw: getattr(m.nn.functional, name)(x * 1, *a, **kw)
    else:
        op = lambda m, x, *a, **kw: getattr(m.nn.functional, name)(x, *a, **kw)
    _entry(name, op, ref, make, composite_grad_fn)


def _np_logsigmoid(x):
    return np.asarray(np.minimum(x, 0.0) - np.log1p(np.exp(-np.abs(x))))


def _np_celu(x, alpha=1.0):
    return np.asarray(np.where(x > 0, x, alpha * np.expm1(x / alpha)))


_activation("celu", _np_celu, "nonzero", variants=({"alpha": 0.5},))
_activation(
    "celu_", lambda x, alpha=1.0: _np_celu(x, alpha), "nonzero", variants=({"alpha": 2.0},), inplace_copy=True
)
_activation("softsign", lambda x: np.asarray(x / (1 + np.abs(x))), "nonzero")
_activation("tanhshrink", lambda x: np.asarray(x - np.tanh(x)))
_activation("logsigmoid", _np_logsigmoid, "nonzero")
_activation(
    "softshrink",
    lambda x, lambd=0.5: np.asarray(np.where(x > lambd, x - lambd, np.where(x < -lambd, x + lambd, 0.0))),
    "clamp",
    variants=({"lambd": 0.5}, {"lambd": 0.0}),
)
_activation(
    "hardshrink",
    lambda x, lambd=0.5: np.asarray(np.where(np.abs(x) > lambd, x, 0.0)),
    "clamp",
    variants=({"lambd": 0.5},),
    composite_grad_fn=True,
)


def _threshold_samples(g: Gen):
    out = [Sample((s.args[0], 0.5, -3.0), id=s.id) for s in unary_samples("clamp")(g)]
    return out + [Sample((g.t((3, 4), "clamp"), -0.5, 7), id="int_value")]


def _np_threshold(x, threshold, value):
    return np.asarray(np.where(x > threshold, x, value))


for _name, _copy in (("threshold", False), ("threshold_", True)):
    _entry(
        _name,
        (lambda m, x, *a, _n=_name: getattr(m.nn.functional, _n)(x * 1, *a))
        if _copy
        else (lambda m, x, *a, _n=_name: getattr(m.nn.functional, _n)(x, *a)),
        _np_threshold,
        _threshold_samples,
    )


def _np_glu(x, dim=-1):
    a, b = np.split(x, 2, axis=dim)
    return np.asarray(a * _sigmoid(b))


_entry(
    "glu",
    lambda m, x, **kw: m.nn.functional.glu(x, **kw),
    _np_glu,
    lambda g: [
        Sample((g.t((3, 4)),), id="2d"),
        Sample((g.t((4, 3)),), {"dim": 0}, id="dim0"),
        Sample((g.t((2, 3, 6)),), {"dim": -1}, id="3d"),
        Sample((g.T((3, 4)),), id="transposed"),
        Sample((g.t((0, 4)),), id="0size"),
    ],
    errors=lambda g: [
        ErrorSample((g.t((3, 5)),), match="Halving dimension must be even", id="odd"),
        ErrorSample((g.t(()),), match="glu does not support scalars", id="scalar"),
    ],
    no_kind=("0d",),
)


def _np_prelu(x, w):
    if w.size != 1:
        w = w.reshape((-1,) + (1,) * (x.ndim - 2))
    else:
        w = w.reshape(())
    return np.asarray(np.where(x > 0, x, w * x))


_entry(
    "prelu",
    lambda m, x, w: m.nn.functional.prelu(x, w),
    _np_prelu,
    lambda g: [
        Sample((g.t((3, 4), "nonzero"), g.t((1,), "pos")), id="shared"),
        Sample((g.t((3, 4), "nonzero"), g.t((4,), "pos")), id="per_channel"),
        Sample((g.t((2, 3, 5), "nonzero"), g.t((3,), "pos")), id="3d"),
        Sample((g.t((), "nonzero"), g.t((1,), "pos")), id="0d"),
        Sample((g.T((3, 4), "nonzero"), g.strided((4,), "pos")), id="noncontig"),
        Sample((g.t((0, 4), "nonzero"), g.t((4,), "pos")), id="0size"),
    ],
    errors=lambda g: [
        ErrorSample(
            (g.t((3, 4)), g.t((3,))),
            match="Mismatch of parameter numbers and input channel size",
            id="channels",
        ),
    ],
)


def _np_softmin(x, dim):
    if x.ndim == 0:
        return np.ones_like(x)
    e = np.exp(-x - np.max(-x, axis=dim, keepdims=True))
    return np.asarray(e / np.sum(e, axis=dim, keepdims=True))


_entry(
    "softmin",
    lambda m, x, dim, **kw: m.nn.functional.softmin(x, dim, **kw),
    _np_softmin,
    lambda g: [
        Sample((g.t((3, 4)), 1), id="dim1"),
        Sample((g.t((3, 4)), 0), id="dim0"),
        Sample((g.t(()), 0), id="0d"),
        Sample((g.T((3, 4)), -1), id="transposed"),
        Sample((g.t((0, 4)), 1), id="0size"),
    ],
    composite_grad_fn=False,  # softmax(-x): SoftmaxBackward0 on both sides
)


# ---- distances ----


def _np_pairwise_distance(a, b, p=2.0, eps=1e-6, keepdim=False):
    d = np.abs(a - b + eps)
    out = np.sum(d**p, axis=-1, keepdims=keepdim) ** (1.0 / p)
    return np.asarray(out)


_entry(
    "pairwise_distance",
    lambda m, a, b, **kw: m.nn.functional.pairwise_distance(a, b, **kw),
    _np_pairwise_distance,
    lambda g: [
        Sample((g.t((4, 5)), g.t((4, 5))), id="2d"),
        Sample((g.t((4, 5)), g.t((4, 5))), {"p": 1.0}, id="p1"),
        Sample((g.t((4, 5)), g.t((4, 5))), {"p": 3.0, "keepdim": True}, id="p3_keepdim"),
        Sample((g.t((5,)), g.t((5,))), {"eps": 0.1}, id="1d"),
        Sample((g.t((2, 4, 5)), g.t((4, 5))), id="broadcast"),
        Sample((g.T((4, 5)), g.strided((4, 5))), id="noncontig"),
        Sample((g.t((0, 5)), g.t((0, 5))), id="0size"),
    ],
    no_kind=("0d",),
)


def _np_cosine_similarity(a, b, dim=1, eps=1e-8):
    a, b = np.broadcast_arrays(a, b)
    na = np.maximum(np.sqrt(np.sum(a * a, axis=dim, keepdims=True)), eps)
    nb = np.maximum(np.sqrt(np.sum(b * b, axis=dim, keepdims=True)), eps)
    return np.asarray(np.sum((a / na) * (b / nb), axis=dim))


_entry(
    "cosine_similarity",
    lambda m, a, b, **kw: m.nn.functional.cosine_similarity(a, b, **kw),
    _np_cosine_similarity,
    lambda g: [
        Sample((g.t((4, 5)), g.t((4, 5))), id="2d"),
        Sample((g.t((4, 5)), g.t((4, 5))), {"dim": 0}, id="dim0"),
        Sample((g.t((2, 4, 5)), g.t((4, 5))), {"dim": -1}, id="broadcast"),
        Sample((g.T((4, 5)), g.strided((4, 5))), id="noncontig"),
        Sample((g.t((0, 5)), g.t((0, 5))), id="0size"),
    ],
    composite_grad_fn=False,  # a sum is last on both sides
    no_kind=("0d",),
)


# ---- losses ----


def _pm1(g: Gen, shape, view=None):
    return TIn(np.where(g.rng.uniform(size=shape) > 0.5, 1.0, -1.0), view, False)


def _loss_samples(make_args, reductions=("mean", "sum", "none"), extra=()):
    """Each reduction on a (4, 5) batch, then 0-d, non-contiguous and 0-size inputs and keyword variants;
    make_args(g, shape, kind) gives the positional arguments for a batch shape."""

    def make(g: Gen):
        out = [Sample(make_args(g, (4, 5), "plain"), {"reduction": r}, id=r) for r in reductions]
        out += [
            Sample(make_args(g, (), "plain"), id="0d"),
            Sample(make_args(g, (4, 5), "noncontig"), {"reduction": "none"}, id="noncontig"),
            Sample(make_args(g, (0, 5), "plain"), {"reduction": "sum"}, id="0size_sum"),
        ]
        for i, kw in enumerate(extra):
            out.append(Sample(make_args(g, (4, 5), "plain"), dict(kw), id=f"kw{i}"))
        return out

    return make


def _x(g, shape, kind, domain="real"):
    if kind == "noncontig" and len(shape) == 2:
        return g.T(shape, domain)
    return g.t(shape, domain)


def _kl_args(g, shape, kind):
    return (_x(g, shape, kind), TIn(np.asarray(g.values(shape, "pos") / 2.0)))


_entry(
    "kl_div",
    lambda m, x, y, **kw: m.nn.functional.kl_div(x, y, **kw),
    None,
    _loss_samples(_kl_args, reductions=("mean", "sum", "none", "batchmean"), extra=({"log_target": True},)),
)
_entry(
    "soft_margin_loss",
    lambda m, x, y, **kw: m.nn.functional.soft_margin_loss(x, y, **kw),
    None,
    _loss_samples(lambda g, s, k: (_x(g, s, k), _pm1(g, s))),
)
_entry(
    "margin_ranking_loss",
    lambda m, a, b, y, **kw: m.nn.functional.margin_ranking_loss(a, b, y, **kw),
    None,
    _loss_samples(
        lambda g, s, k: (_x(g, s, k, "nonzero"), g.t(s, "nonzero"), _pm1(g, s)), extra=({"margin": 0.5},)
    ),
    errors=lambda g: [
        ErrorSample((g.t((3,)), g.t((3,)), g.t((1, 3))), match="should have same dimension", id="dims")
    ],
)
_entry(
    "hinge_embedding_loss",
    lambda m, x, y, **kw: m.nn.functional.hinge_embedding_loss(x, y, **kw),
    None,
    _loss_samples(lambda g, s, k: (_x(g, s, k, "nonzero"), _pm1(g, s)), extra=({"margin": 2.5},)),
)
_entry(
    "cosine_embedding_loss",
    lambda m, a, b, y, **kw: m.nn.functional.cosine_embedding_loss(a, b, y, **kw),
    None,
    lambda g: (
        [
            Sample((g.t((4, 5)), g.t((4, 5)), _pm1(g, (4,))), {"reduction": r}, id=r)
            for r in ("mean", "sum", "none")
        ]
        + [
            Sample((g.t((5,)), g.t((5,)), TIn(np.array(-1.0), None, False)), {"margin": 0.2}, id="1d"),
            Sample((g.T((4, 5)), g.strided((4, 5)), _pm1(g, (4,))), {"reduction": "none"}, id="noncontig"),
            Sample((g.t((0, 5)), g.t((0, 5)), _pm1(g, (0,))), {"reduction": "sum"}, id="0size_sum"),
        ]
    ),
    no_kind=("0d",),
)


def _poisson_args(g, shape, kind):
    return (_x(g, shape, kind, "pos"), TIn(g.rng.integers(0, 5, shape).astype(np.float64), None, False))


_entry(
    "poisson_nll_loss",
    lambda m, x, y, **kw: m.nn.functional.poisson_nll_loss(x, y, **kw),
    None,
    _loss_samples(
        _poisson_args, extra=({"log_input": False}, {"full": True}, {"log_input": False, "full": True})
    ),
)


def _gaussian_args(g, shape, kind):
    return (_x(g, shape, kind), g.t(shape), g.t(shape, "pos"))


_entry(
    "gaussian_nll_loss",
    lambda m, x, y, v, **kw: m.nn.functional.gaussian_nll_loss(x, y, v, **kw),
    None,
    lambda g: (
        _loss_samples(_gaussian_args, extra=({"full": True},))(g)
        + [
            Sample((g.t((4, 5)), g.t((4, 5)), g.t((4, 1), "pos")), id="var_per_row"),
            Sample((g.t((4, 5)), g.t((4, 5)), g.t((4,), "pos")), id="var_unsqueezed"),
        ]
    ),
    errors=lambda g: [
        ErrorSample(
            (g.t((4, 5)), g.t((4, 5)), g.t((3,), "pos")),
            exc=ValueError,
            match="var is of incorrect size",
            id="var_size",
        ),
    ],
)
_entry(
    "multilabel_soft_margin_loss",
    lambda m, x, y, **kw: m.nn.functional.multilabel_soft_margin_loss(x, y, **kw),
    None,
    lambda g: (
        [
            Sample((g.t((4, 5)), TIn(g.values((4, 5), "prob").round(), None, False)), {"reduction": r}, id=r)
            for r in ("mean", "sum", "none")
        ]
        + [
            Sample(
                (g.t((4, 5)), TIn(g.values((4, 5), "prob").round(), None, False)),
                {"weight": TIn(g.values((5,), "pos"), None, False)},
                id="weight",
            ),
            Sample((g.t((5,)), TIn(g.values((5,), "prob").round(), None, False)), id="1d"),
            Sample(
                (g.T((4, 5)), TIn(g.values((4, 5), "prob").round(), None, False)),
                {"reduction": "none"},
                id="noncontig",
            ),
            Sample(
                (g.t((0, 5)), TIn(g.values((0, 5), "prob"), None, False)),
                {"reduction": "sum"},
                id="0size_sum",
            ),
        ]
    ),
    no_kind=("0d",),
)
_entry(
    "triplet_margin_loss",
    lambda m, anchor, positive, negative, **kw: m.nn.functional.triplet_margin_loss(
        anchor, positive, negative, **kw
    ),
    None,
    lambda g: (
        [
            Sample((g.t((6, 4)), g.t((6, 4)), g.t((6, 4))), {"reduction": r}, id=r)
            for r in ("mean", "sum", "none")
        ]
        + [
            Sample(
                (g.t((6, 4)), g.t((6, 4)), g.t((6, 4))), {"margin": 2.0, "p": 1.0, "swap": True}, id="swap_p1"
            ),
            Sample((g.t((4,)), g.t((4,)), g.t((4,))), {"margin": 3.0}, id="1d"),
            Sample(
                (g.T((6, 4)), g.strided((6, 4)), g.t((6, 4))),
                {"reduction": "none", "margin": 3.0},
                id="noncontig",
            ),
            Sample((g.t((0, 4)), g.t((0, 4)), g.t((0, 4))), {"reduction": "sum"}, id="0size_sum"),
        ]
    ),
    errors=lambda g: [
        ErrorSample((g.t((3, 4)), g.t((3, 4)), g.t((4,))), match="same number of dimensions", id="dims")
    ],
    no_kind=("0d",),
)


# ---- normalisation ----


def _nograd(t: TIn) -> TIn:
    return TIn(t.base, t.view, False)


_entry(
    "group_norm",
    lambda m, x, groups, **kw: m.nn.functional.group_norm(x, groups, **kw),
    None,
    lambda g: [
        Sample((g.t((4, 6, 5)), 3), id="3d"),
        Sample((g.t((2, 6, 3, 2)), 2), {"weight": g.t((6,), "pos"), "bias": g.t((6,))}, id="4d_affine"),
        Sample((g.t((3, 4)), 4), {"eps": 0.1}, id="2d_eps"),
        Sample((g.T((6, 5)), 1), id="noncontig"),
        Sample((g.t((0, 4, 3)), 2), id="0size"),
    ],
    errors=lambda g: [ErrorSample((g.t((2, 6, 3)), 4), match="divisible by num_groups", id="groups")],
    no_kind=("0d",),
)
_entry(
    "instance_norm",
    lambda m, x, **kw: m.nn.functional.instance_norm(x, **kw),
    None,
    lambda g: [
        Sample((g.t((4, 3, 5)),), id="3d"),
        Sample((g.t((2, 3, 4, 2)),), {"weight": g.t((3,), "pos"), "bias": g.t((3,))}, id="4d_affine"),
        Sample(
            (g.t((2, 3, 4)),),
            {
                "running_mean": _nograd(g.t((3,))),
                "running_var": _nograd(g.t((3,), "pos")),
                "use_input_stats": False,
            },
            id="running_stats",
        ),
        Sample((g.strided((2, 3, 4)),), id="noncontig"),
        Sample((g.t((0, 3, 4)),), id="0size"),
    ],
    errors=lambda g: [
        ErrorSample((g.t((2, 3, 1)),), exc=ValueError, match="Expected more than 1 spatial element", id="one")
    ],
    no_kind=("0d",),
)
_entry(
    "rms_norm",
    lambda m, x, shape, **kw: m.nn.functional.rms_norm(x, shape, **kw),
    None,
    lambda g: [
        Sample((g.t((4, 5)), (5,)), id="2d"),
        Sample((g.t((2, 3, 4)), (3, 4)), {"weight": g.t((3, 4), "pos"), "eps": 1e-3}, id="3d_weight"),
        Sample((g.t((5,)), [5]), {"weight": g.strided((5,))}, id="1d_strided_weight"),
        Sample((g.T((4, 5)), (5,)), id="noncontig"),
        Sample((g.t((0, 5)), (5,)), id="0size"),
    ],
    errors=lambda g: [
        ErrorSample((g.t((2, 6, 3)), (3, 4)), match="expected input with shape", id="shape"),
        ErrorSample(
            (g.t((2, 5)), (5,)),
            {"weight": g.t((1, 5))},
            match="Expected weight to be of same shape",
            id="weight_shape",
        ),
        ErrorSample((g.t((2, 5)), 5), exc=TypeError, match="must be tuple of ints, not int", id="int_shape"),
    ],
    no_kind=("0d",),
)
_entry(
    "local_response_norm",
    lambda m, x, size, **kw: m.nn.functional.local_response_norm(x, size, **kw),
    None,
    lambda g: [
        Sample((g.t((2, 6, 4)), 3), id="3d"),
        Sample((g.t((2, 5, 3, 2)), 2), {"alpha": 0.5, "beta": 0.6, "k": 1.5}, id="4d"),
        Sample((g.strided((2, 4, 3)), 5), id="noncontig"),
        Sample((g.t((0, 4, 3)), 3), id="0size"),
    ],
    no_kind=("0d",),
)


# ---- padding ----

_entry(
    "pad",
    lambda m, x, amounts, **kw: m.nn.functional.pad(x, amounts, **kw),
    None,
    lambda g: [
        Sample((g.t((3, 4)), (1, 2)), id="constant"),
        Sample((g.t((2, 3, 4)), (1, 0, 2, 1)), {"value": 1.5}, id="value"),
        Sample((g.t((2, 3, 4)), (-1, 2)), id="crop"),
        Sample((g.t((2, 3, 5)), (2, 1)), {"mode": "reflect"}, id="reflect"),
        Sample((g.t((2, 3, 4, 5)), (2, 1, 1, 2)), {"mode": "replicate"}, id="replicate"),
        Sample((g.t((2, 3, 5)), (2, 3)), {"mode": "circular"}, id="circular"),
        Sample((g.t(()), ()), id="0d"),
        Sample((g.T((3, 4)), (1, 1, 1, 1)), id="noncontig"),
        Sample((g.t((0, 3)), (1, 1)), id="0size"),
    ],
    errors=lambda g: [
        ErrorSample((g.t((2, 3)), (1,)), match="Padding length must be divisible by 2", id="odd"),
        ErrorSample(
            (g.t((2, 3)), (3, 3)),
            {"mode": "reflect"},
            match="Padding size should be less than",
            id="reflect_too_wide",
        ),
        ErrorSample(
            (g.t((2, 3)), (1, 1, 1, 1)),
            {"mode": "reflect"},
            exc=NotImplementedError,
            match="Padding size 4 is not supported for 2D input tensor",
            id="dims",
        ),
    ],
)
