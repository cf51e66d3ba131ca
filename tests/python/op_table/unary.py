"""Elementwise unary ops (cpp/src/ops/unary.cpp, unary_float.cpp): exp, log, the trigonometric and hyperbolic
functions, rounding, erf, logit, nan_to_num, and clamp/clip with their one-sided forms."""

from __future__ import annotations

import math

import numpy as np

from .common import (
    F,
    Form,
    Gen,
    Sample,
    TIn,
    _fits_first_input,
    _sigmoid,
    _special_values,
    adder,
    unary_samples,
)

CORE: list = []  # this area's entries among the core ops the table starts with (see __init__.py)
OPS: list = []  # the area's other entries
_add_core = adder(CORE)
_add = adder(OPS)


def clamp_samples(g: Gen):
    c = "clamp"
    return [
        Sample((g.t((3, 4), c),), {"min": -0.5}, id="min"),
        Sample((g.t((3, 4), c),), {"max": 0.5}, id="max"),
        Sample((g.t((3, 4), c),), {"min": -0.5, "max": 0.5}, id="both"),
        Sample((g.t((3, 4), c),), {"min": 0.5, "max": -0.5}, id="min_gt_max"),
        Sample((g.t((3, 4), "nonzero"),), {"min": 0}, id="int_bound"),
        Sample((g.t((), c),), {"min": -0.5, "max": 0.5}, id="0d"),
        Sample((g.T((3, 4), c),), {"min": -0.5, "max": 0.5}, id="transposed"),
        Sample((g.strided((2, 3), c),), {"max": 0.5}, id="strided"),
        Sample((g.t((0, 3), c),), {"min": -0.5}, id="0size"),
        Sample((g.ints((3, 4)),), {"min": -1, "max": 2}, id="int32"),
    ]


def _np_clamp(x, min=None, max=None):
    r = x
    if min is not None:
        r = np.maximum(r, min)
    if max is not None:
        r = np.minimum(r, max)
    return np.asarray(r)


# ---- elementwise unary ----


_add_core(
    "neg",
    op=lambda m, x: m.neg(x),
    ref=lambda x: np.asarray(-x),
    differentiable=True,
    sample_fn=unary_samples(),
    api=("fastgrad.neg", "Tensor.neg", "Tensor.__neg__"),
    forms=(Form("-x", lambda m, x: -x), Form("x.neg()", lambda m, x: x.neg())),
)


def _unary(name, ref, domain="real", extra_api=(), functional=False, extreme=None, extreme_grad=True):
    forms = [Form(f"x.{name}()", lambda m, x: getattr(x, name)())]
    if functional:
        forms.append(Form(f"F.{name}(x)", lambda m, x: getattr(m.nn.functional, name)(x)))
    _add_core(
        name,
        op=lambda m, x: getattr(m, name)(x),
        ref=ref,
        differentiable=True,
        sample_fn=unary_samples(domain, extreme, extreme_grad),
        api=(f"fastgrad.{name}", f"Tensor.{name}") + tuple(extra_api),
        forms=tuple(forms),
    )


_unary("exp", lambda x: np.asarray(np.exp(x)), extreme=[-80.0, -30.0, 30.0, 80.0])
_unary("log", lambda x: np.asarray(np.log(x)), "pos", extreme=[1e-30, 1e-5, 1e5, 1e30], extreme_grad=False)
_unary("sin", lambda x: np.asarray(np.sin(x)))
_unary("cos", lambda x: np.asarray(np.cos(x)))
_unary("sqrt", lambda x: np.asarray(np.sqrt(x)), "pos")
_unary("reciprocal", lambda x: np.asarray(1.0 / x), "nonzero")
_unary("relu", lambda x: np.asarray(np.maximum(x, 0.0)), "nonzero", (F + "relu",), functional=True)
_unary(
    "sigmoid",
    lambda x: np.asarray(_sigmoid(x)),
    "real",
    (F + "sigmoid",),
    functional=True,
    extreme=[-100.0, -30.0, 30.0, 100.0],
)
_unary(
    "tanh",
    lambda x: np.asarray(np.tanh(x)),
    "real",
    (F + "tanh",),
    functional=True,
    extreme=[-100.0, -20.0, 20.0, 100.0],
)

_add_core(
    "clamp",
    op=lambda m, x, **kw: m.clamp(x, **kw),
    ref=_np_clamp,
    differentiable=True,
    sample_fn=clamp_samples,
    api=("fastgrad.clamp", "Tensor.clamp"),
    forms=(Form("x.clamp(...)", lambda m, x, **kw: x.clamp(**kw)),),
)
_add_core(
    "clip",
    op=lambda m, x, **kw: m.clip(x, **kw),
    ref=_np_clamp,
    differentiable=True,
    sample_fn=lambda g: [s for s in clamp_samples(g) if s.id in ("both", "min", "0d", "transposed", "0size")],
    api=("fastgrad.clip", "Tensor.clip"),
    forms=(Form("x.clip(...)", lambda m, x, **kw: x.clip(**kw)),),
)


# ---- exp2 to nan_to_num with their aliases and in-place forms; clamp's tensor bounds, clamp_min/max ----


def _vectorize(f):
    """A NumPy reference from a math function (NumPy has no erf)."""

    def ref(x):
        return np.asarray(np.vectorize(f, otypes=[np.float64])(x))

    return ref


_INPLACE_FUNCTIONS = {  # the `_` forms that PyTorch also has as torch.X_ functions (sign_ is a method only)
    "neg", "abs", "exp", "exp2", "expm1", "log", "log1p", "log2", "log10", "sqrt", "rsqrt", "square",
    "reciprocal", "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "asinh", "acosh",
    "atanh", "sigmoid", "logit", "relu", "erf", "erfc", "floor", "ceil", "round", "trunc", "frac",
    "nan_to_num", "fix", "negative", "arcsin", "arccos", "arctan", "arcsinh", "arccosh", "arctanh",
}


def _inplace_forms(name, aliases=()):
    """The in-place spellings of a unary op, run on a copy of the input (a leaf cannot be written in place)."""
    forms, api = [], [f"Tensor.{name}_"]
    for n in (name,) + tuple(aliases):
        forms.append(Form(f"x.{n}_()", (lambda k: lambda m, x, **kw: getattr(x.clone(), k + "_")(**kw))(n)))
        if n in _INPLACE_FUNCTIONS:
            forms.append(Form(f"{n}_(x)", (lambda k: lambda m, x, **kw: getattr(m, k + "_")(x.clone(), **kw))(n)))
            api.append(f"fastgrad.{n}_")
    return forms, api


def _unary_op(name, ref, domain="real", aliases=(), extreme=None, extreme_grad=True, gradgrad=True,
              differentiable=True, inplace=True, extra_samples=None):
    """A unary op with its method form, its aliases (fastgrad.X and Tensor.X) and its in-place forms."""
    forms = [Form(f"x.{name}()", lambda m, x, **kw: getattr(x, name)(**kw))]
    api = [f"fastgrad.{name}", f"Tensor.{name}"]
    for a in aliases:
        forms.append(Form(f"{a}(x)", (lambda k: lambda m, x, **kw: getattr(m, k)(x, **kw))(a)))
        api += [f"fastgrad.{a}", f"Tensor.{a}"]
    if inplace:
        f_forms, f_api = _inplace_forms(name, aliases)
        forms += f_forms
        api += f_api
    base = unary_samples(domain, extreme, extreme_grad)
    _add(
        name,
        op=lambda m, x, **kw: getattr(m, name)(x, **kw),
        ref=ref,
        differentiable=differentiable,
        sample_fn=base if extra_samples is None else (lambda g: base(g) + extra_samples(g)),
        api=tuple(api),
        forms=tuple(forms),
        gradgrad=gradgrad,
    )


_erf = _vectorize(math.erf)
_erfc = _vectorize(math.erfc)
_unary_op("exp2", lambda x: np.asarray(np.exp2(x)))
_unary_op("expm1", lambda x: np.asarray(np.expm1(x)), extreme=[-50.0, -1e-8, 1e-8, 50.0])
_unary_op("log1p", lambda x: np.asarray(np.log1p(x)), "unit")
_unary_op("log2", lambda x: np.asarray(np.log2(x)), "pos")
_unary_op("log10", lambda x: np.asarray(np.log10(x)), "pos")
_unary_op("rsqrt", lambda x: np.asarray(1.0 / np.sqrt(x)), "pos")
_unary_op("tan", lambda x: np.asarray(np.tan(x)), "unit")
_unary_op("asin", lambda x: np.asarray(np.arcsin(x)), "unit", aliases=("arcsin",))
_unary_op("acos", lambda x: np.asarray(np.arccos(x)), "unit", aliases=("arccos",))
_unary_op("atan", lambda x: np.asarray(np.arctan(x)), aliases=("arctan",))
_unary_op("sinh", lambda x: np.asarray(np.sinh(x)))
_unary_op("cosh", lambda x: np.asarray(np.cosh(x)))
_unary_op("asinh", lambda x: np.asarray(np.arcsinh(x)), aliases=("arcsinh",))
_unary_op("acosh", lambda x: np.asarray(np.arccosh(x)), "above1", aliases=("arccosh",))
_unary_op("atanh", lambda x: np.asarray(np.arctanh(x)), "unit", aliases=("arctanh",))
_unary_op("erf", _erf, extreme=[-10.0, -5.0, 5.0, 10.0])
_unary_op("erfc", _erfc, extreme=[-10.0, -5.0, 5.0, 10.0])
_unary_op("abs", lambda x: np.asarray(np.abs(x)), "nonzero", aliases=("absolute",),
          extra_samples=lambda g: [Sample((g.ints((3, 4)),), id="int32")])
_unary_op("sign", lambda x: np.asarray(x if x.dtype == np.bool_ else np.sign(x)), "nonzero", gradgrad=False,
          extra_samples=lambda g: [Sample((g.ints((3, 4)),), id="int32"), Sample((g.bools((5,)),), id="bool")])
_unary_op("square", lambda x: np.asarray(x * x),
          extra_samples=lambda g: [Sample((g.ints((3, 4)),), id="int32")])
_unary_op("floor", lambda x: np.asarray(np.floor(x)), gradgrad=False,
          extra_samples=lambda g: [Sample((g.ints((3, 4)),), id="int32")])
_unary_op("ceil", lambda x: np.asarray(np.ceil(x)), gradgrad=False)
_unary_op("trunc", lambda x: np.asarray(np.trunc(x)), aliases=("fix",), gradgrad=False)
_unary_op("frac", lambda x: np.asarray(x - np.trunc(x)), gradgrad=False)
_unary_op(
    "round",
    lambda x, decimals=0: np.asarray(np.round(x, decimals)),
    gradgrad=False,
    extra_samples=lambda g: [
        Sample((TIn(np.array([0.5, 1.5, 2.5, -0.5, -2.5, 3.25])),), id="half_even", grad=False),
        Sample((g.t((3, 4)),), {"decimals": 2}, id="decimals"),
        Sample((g.T((3, 4)),), {"decimals": -1}, id="neg_decimals"),
        Sample((g.ints((3, 4)),), id="int32"),
    ],
)
_unary_op(
    "logit",
    lambda x, eps=None: np.asarray(np.log(np.clip(x, eps, 1 - eps) / (1 - np.clip(x, eps, 1 - eps)))
                                   if eps is not None else np.log(x / (1 - x))),
    "prob",
    extra_samples=lambda g: [Sample((g.t((3, 4), "prob"),), {"eps": 0.2}, id="eps")],
)
_unary_op(
    "nan_to_num",
    lambda x, nan=0.0, posinf=None, neginf=None: np.asarray(np.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)),
    extra_samples=lambda g: [
        Sample((_special_values(),), id="special"),
        Sample((_special_values(),), {"nan": 1.5, "posinf": 9.0, "neginf": -9.0}, id="replacements"),
        Sample((g.ints((3, 4)),), id="int32"),
    ],
)


# The in-place forms and aliases of the core unary ops above.
for _op in CORE:
    if _op.name in ("exp", "log", "sin", "cos", "sqrt", "reciprocal", "relu", "sigmoid", "tanh", "neg"):
        _f, _a = _inplace_forms(_op.name, ("negative",) if _op.name == "neg" else ())
        if _op.name == "neg":
            _f.append(Form("negative(x)", lambda m, x: m.negative(x)))
            _a += ["fastgrad.negative", "Tensor.negative"]
        _op.forms = tuple(_op.forms) + tuple(_f)
        _op.api = tuple(_op.api) + tuple(_a)
    if _op.name in ("clamp", "clip"):
        _n = _op.name
        _op.forms = tuple(_op.forms) + (
            Form(f"{_n}_(x, ...)", (lambda k: lambda m, x, **kw: getattr(m, k + "_")(x.clone(), **kw))(_n),
                 _fits_first_input),
            Form(f"x.{_n}_(...)", (lambda k: lambda m, x, **kw: getattr(x.clone(), k + "_")(**kw))(_n),
                 _fits_first_input),
        )
        _op.api = tuple(_op.api) + (f"fastgrad.{_n}_", f"Tensor.{_n}_")


def _clamp_tensor_samples(g: Gen):
    c = "clamp"
    return [
        Sample((g.t((3, 4), c),), {"min": g.t((3, 4), c)}, id="tensor_min"),
        Sample((g.t((3, 4), c),), {"max": g.t((4,), c)}, id="tensor_max_bcast"),
        Sample((g.t((3, 4), c),), {"min": g.t((3, 1), c), "max": g.t((3, 1), c)}, id="tensor_both"),
        Sample((g.t((), c),), {"min": g.t((3,), c)}, id="0d_tensor_min"),
        Sample((g.T((3, 4), c),), {"max": g.strided((3, 4), c)}, id="tensor_noncontig"),
        Sample((g.t((0, 3), c),), {"min": g.t((3,), c)}, id="tensor_0size"),
    ]


_clamp_op = next(op for op in CORE if op.name == "clamp")
_clamp_op.sample_fn = (lambda f: lambda g: f(g) + _clamp_tensor_samples(g))(_clamp_op.sample_fn)


def _one_bound_samples(key):
    def make(g: Gen):
        c = "clamp"
        return [
            Sample((g.t((3, 4), c), 0.5 if key == "max" else -0.5), id="scalar"),
            Sample((g.t((3, 4), c), g.t((3, 4), c)), id="tensor"),
            Sample((g.t((3, 4), c), g.t((4,), c)), id="tensor_bcast"),
            Sample((g.t((), c), 0), id="0d"),
            Sample((g.T((3, 4), c), g.strided((3, 4), c)), id="noncontig"),
            Sample((g.t((0, 3), c), g.t((3,), c)), id="0size"),
            Sample((g.ints((3, 4)), 1), id="int32"),
        ]

    return make


for _name, _np_fn in (("clamp_min", np.maximum), ("clamp_max", np.minimum)):
    _add(
        _name,
        op=(lambda n: lambda m, x, b: getattr(m, n)(x, b))(_name),
        ref=(lambda f: lambda x, b: np.asarray(f(x, b)))(_np_fn),
        differentiable=True,
        sample_fn=_one_bound_samples(_name[-3:]),
        api=(f"fastgrad.{_name}", f"Tensor.{_name}", f"fastgrad.{_name}_", f"Tensor.{_name}_"),
        forms=(
            Form(f"x.{_name}(b)", (lambda n: lambda m, x, b: getattr(x, n)(b))(_name)),
            Form(f"{_name}_(x, b)", (lambda n: lambda m, x, b: getattr(m, n + "_")(x.clone(), b))(_name)),
        ),
    )
