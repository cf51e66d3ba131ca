"""nn.functional activations and softmax (cpp/src/ops/nn_activation.cpp)."""

from __future__ import annotations

import math

import numpy as np

from .common import ErrorSample, F, Form, Gen, Sample, TIn, _dt, _sigmoid, adder, unary_samples
from .unary import _erf

OPS: list = []
_add = adder(OPS)


def _np_softplus(x, beta=1.0, threshold=20.0):
    return np.where(x * beta > threshold, x, np.logaddexp(0.0, x * beta) / beta)


_SELU_ALPHA, _SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


def _np_elu(x, alpha=1.0, scale=1.0):
    return np.asarray(scale * np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0))))


def _np_gelu(x, approximate="none"):
    if approximate == "tanh":
        return np.asarray(0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3))))
    return np.asarray(0.5 * x * (1 + _erf(x / math.sqrt(2))))


def _np_hardsigmoid(x):
    return np.asarray(np.clip(x + 3.0, 0.0, 6.0) / 6.0)


def _np_log_softmax(x, dim):
    if x.ndim == 0:
        return np.zeros_like(x)
    m = np.max(x, axis=dim, keepdims=True) if x.size else x
    return np.asarray(x - m - np.log(np.sum(np.exp(x - m), axis=dim, keepdims=True)))


def activation_samples(domain="real", variants=(), extreme=None):
    """The unary set for an activation, plus its keyword variants (each a dict, on a 2-D input)."""

    def make(g: Gen):
        out = unary_samples(domain, extreme)(g)
        for i, kw in enumerate(variants):
            out.append(Sample((g.t((3, 4), domain),), dict(kw), id=f"kw{i}"))
        return out

    return make


def _activation(name, ref, domain="real", variants=(), extreme=None, api=(), gradgrad=True):
    _add(
        name,
        op=lambda m, x, **kw: getattr(m.nn.functional, name)(x, **kw),
        ref=ref,
        differentiable=True,
        sample_fn=activation_samples(domain, variants, extreme),
        api=(F + name,) + tuple(api),
        gradgrad=gradgrad,
    )


# Kinks (0 and the clamp bounds) are kept away from the samples: "nonzero" keeps |x| >= 0.3, "clamp" keeps
# |x| away from 0.5.
_activation("relu6", lambda x: np.asarray(np.clip(x, 0.0, 6.0)), "nonzero", extreme=[-7.0, -1.0, 3.0, 7.0])
_activation(
    "hardtanh",
    lambda x, min_val=-1.0, max_val=1.0: np.asarray(np.clip(x, min_val, max_val)),
    "clamp",
    variants=({"min_val": -0.5, "max_val": 0.5},),
)
_activation("hardsigmoid", _np_hardsigmoid, extreme=[-7.0, -1.0, 1.0, 7.0])
_activation("hardswish", lambda x: np.asarray(x * _np_hardsigmoid(x)), extreme=[-7.0, -1.0, 1.0, 7.0])
_activation(
    "leaky_relu",
    lambda x, negative_slope=0.01: np.asarray(np.where(x > 0, x, x * negative_slope)),
    "nonzero",
    variants=({"negative_slope": 0.2},),
)
_activation("elu", _np_elu, "nonzero", variants=({"alpha": 0.5},), extreme=[-50.0, -1.0, 1.0, 50.0])
_activation("selu", lambda x: _np_elu(x, _SELU_ALPHA, _SELU_SCALE), "nonzero")
_activation("gelu", _np_gelu, variants=({"approximate": "tanh"},), extreme=[-40.0, -5.0, 5.0, 40.0])
_activation("silu", lambda x: np.asarray(x * _sigmoid(x)), extreme=[-40.0, 40.0])
_activation("mish", lambda x: np.asarray(x * np.tanh(_np_softplus(x))), extreme=[-40.0, 25.0])
_activation(
    "softplus",
    lambda x, beta=1.0, threshold=20.0: np.asarray(_np_softplus(x, beta, threshold)),
    variants=({"beta": 2.0, "threshold": 1.5},),
    extreme=[-40.0, 30.0],
)


def _inplace_activation(name, fname, ref, domain, kw=None):
    """F.<fname>: the in-place form, run on a copy of a leaf (x * 1) so that autograd goes through it."""
    kw = kw or {}
    _add(
        name,
        op=lambda m, x: getattr(m.nn.functional, fname)(x * 1, **kw),
        ref=lambda x: ref(x, **kw),
        differentiable=True,
        sample_fn=unary_samples(domain),
        api=(F + fname,),
    )


_inplace_activation("relu_functional", "relu_", lambda x: np.asarray(np.maximum(x, 0.0)), "nonzero")
_inplace_activation("hardtanh_", "hardtanh_", lambda x: np.asarray(np.clip(x, -1.0, 1.0)), "clamp")
_inplace_activation(
    "leaky_relu_", "leaky_relu_", lambda x, negative_slope: np.asarray(np.where(x > 0, x, x * negative_slope)),
    "nonzero", {"negative_slope": 0.1},
)
_inplace_activation("hardsigmoid_inplace", "hardsigmoid", lambda x, inplace: _np_hardsigmoid(x), "real",
                    {"inplace": True})
_inplace_activation("hardswish_inplace", "hardswish", lambda x, inplace: np.asarray(x * _np_hardsigmoid(x)), "real",
                    {"inplace": True})
_inplace_activation("elu_", "elu_", lambda x, alpha: _np_elu(x, alpha), "nonzero", {"alpha": 0.7})
_inplace_activation("selu_functional", "selu_", lambda x: _np_elu(x, _SELU_ALPHA, _SELU_SCALE), "nonzero")
_add(
    "selu_top_inplace",
    op=lambda m, x: m.selu_(x * 1),
    ref=lambda x: _np_elu(x, _SELU_ALPHA, _SELU_SCALE),
    differentiable=True,
    sample_fn=unary_samples("nonzero"),
    api=("fastgrad.selu_",),
)
_add(
    "selu_top",
    op=lambda m, x: m.selu(x),
    ref=lambda x: _np_elu(x, _SELU_ALPHA, _SELU_SCALE),
    differentiable=True,
    sample_fn=unary_samples("nonzero"),
    api=("fastgrad.selu",),
)


def softmax_samples(g: Gen):
    return [
        Sample((g.t((3, 4)), 1), id="2d_dim1"),
        Sample((g.t((3, 4)), 0), id="2d_dim0"),
        Sample((g.t((2, 3, 4)), -2), id="3d_dim-2"),
        Sample((g.t(()), 0), id="0d"),
        Sample((g.T((3, 4)), 1), id="transposed"),
        Sample((g.strided((2, 3)), 0), id="strided"),
        Sample((g.t((0, 3)), 1), id="0size"),
        Sample((TIn(np.array([[300.0, -300.0, 0.0], [1000.0, 999.0, -1000.0]])), 1), id="large"),
        Sample((g.t((3, 4)), 1), {"dtype": "float64"}, id="dtype"),
    ]


def _softmax_op(name):
    def op(m, x, dim, **kw):
        if "dtype" in kw:
            kw = {"dtype": _dt(m, kw["dtype"])}
        return getattr(m, name)(x, dim, **kw)

    return op


def _np_softmax(x, dim, dtype=None):
    return np.asarray(np.exp(_np_log_softmax(x, dim)))


for _name, _ref in (("softmax", _np_softmax), ("log_softmax", lambda x, dim, dtype=None: _np_log_softmax(x, dim))):
    _add(
        _name,
        op=_softmax_op(_name),
        ref=_ref,
        differentiable=True,
        sample_fn=softmax_samples,
        api=(f"fastgrad.{_name}", f"Tensor.{_name}", F + _name),
        forms=(
            Form(f"F.{_name}", lambda m, x, dim, _n=_name, **kw: getattr(m.nn.functional, _n)(x, dim),
                 lambda s: not s.kwargs),
            Form(f"x.{_name}", lambda m, x, dim, _n=_name, **kw: getattr(x, _n)(dim), lambda s: not s.kwargs),
        ),
        error_fn=lambda g: [
            ErrorSample((g.t((3,)), 1), exc=IndexError, match="Dimension out of range", id="dim"),
            ErrorSample((g.ints((3,), np.int64), 0), exc=NotImplementedError, match="not implemented for 'Long'",
                        id="int"),
        ],
    )
