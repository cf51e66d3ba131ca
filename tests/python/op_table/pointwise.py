"""Pointwise ops of two or three tensors with derivatives (cpp/src/ops/pointwise.cpp): maximum, minimum,
fmax, fmin, atan2, hypot, xlogy, lerp, addcmul, addcdiv, where."""

from __future__ import annotations

import numpy as np

from .common import (
    ErrorSample,
    Form,
    Gen,
    Sample,
    TIn,
    _fits_first_input,
    adder,
    binary_errors,
    binary_samples,
)

OPS: list = []
_add = adder(OPS)


def _tensor_pairs(da="real", db="real"):
    """binary_samples without the Python-scalar samples (for ops that take tensors only)."""

    def make(g: Gen):
        return [s for s in binary_samples(da, db)(g) if all(isinstance(a, TIn) for a in s.args)]

    return make


# Tensor-only binary ops with derivatives.
for _name, _np_fn, _alias in (
    ("maximum", np.maximum, None),
    ("minimum", np.minimum, None),
    ("fmax", np.fmax, None),
    ("fmin", np.fmin, None),
    ("atan2", np.arctan2, "arctan2"),
    ("hypot", np.hypot, None),
):
    _forms = [Form(f"a.{_name}(b)", (lambda n: lambda m, a, b: getattr(a, n)(b))(_name))]
    _api = [f"fastgrad.{_name}", f"Tensor.{_name}"]
    if _alias:
        _forms.append(Form(f"{_alias}(a, b)", (lambda n: lambda m, a, b: getattr(m, n)(a, b))(_alias)))
        _api += [f"fastgrad.{_alias}", f"Tensor.{_alias}"]
    if _name in ("atan2", "hypot"):
        _forms.append(Form(f"a.{_name}_(b)", (lambda n: lambda m, a, b: getattr(a.clone(), n + "_")(b))(_name),
                           _fits_first_input))
        _api.append(f"Tensor.{_name}_")
    _add(
        _name,
        op=(lambda n: lambda m, a, b: getattr(m, n)(a, b))(_name),
        ref=(lambda f: lambda a, b: np.asarray(f(a, b)))(_np_fn),
        differentiable=True,
        sample_fn=_tensor_pairs(),
        api=tuple(_api),
        forms=tuple(_forms),
        error_fn=binary_errors,
    )


def _xlogy_ref(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(np.isnan(b), np.nan, np.where(a == 0, 0.0, a * np.log(b)))


def xlogy_samples(g: Gen):
    """x anywhere (exact zeros included), y positive; numbers on either side; the edges without gradcheck."""
    out = binary_samples(db="pos", scalars=(2.5, 3))(g)
    zeros = g.t((3, 4))
    zeros.base[::2] = 0.0
    out += [
        Sample((zeros, g.t((3, 4), "pos")), id="x_zeros"),
        Sample((2.5, g.t((3, 4), "pos")), id="number_x"),
        Sample((0, g.t((3,), "pos")), id="number_x_zero"),
        Sample((g.t((), "pos"), g.t((2, 3), "pos")), id="0d_x_pos"),
        Sample((TIn(np.array([0.0, 0.0, 0.0, 0.0, 1.0, -1.0, 2.0, np.nan, 0.0])),
                TIn(np.array([0.0, -1.0, np.inf, np.nan, 0.0, 0.5, -3.0, 1.0, 2.0]))), id="edges", grad=False),
    ]
    return out


_add(
    "xlogy",
    op=lambda m, a, b: m.xlogy(a, b),
    ref=_xlogy_ref,
    differentiable=True,
    sample_fn=xlogy_samples,
    api=("fastgrad.xlogy", "Tensor.xlogy", "Tensor.xlogy_"),
    forms=(
        Form("a.xlogy(b)", lambda m, a, b: a.xlogy(b), lambda s: isinstance(s.args[0], TIn)),
        Form("a.xlogy_(b)", lambda m, a, b: a.clone().xlogy_(b),
             lambda s: isinstance(s.args[0], TIn) and _fits_first_input(s)),
    ),
    error_fn=lambda g: binary_errors(g) + [
        ErrorSample((2, 3), exc=TypeError, id="two_numbers"),
        ErrorSample((g.t((3,)), "a"), exc=TypeError, id="string_other"),
    ],
)


def lerp_samples(g: Gen):
    t, T = g.t, g.T
    return [
        Sample((t((3, 4)), t((3, 4)), 0.3), id="scalar_weight"),
        Sample((t((3, 4)), t((3, 4)), 0.8), id="scalar_weight_upper"),
        Sample((t((3, 4)), t((3, 4)), t((3, 4), "prob")), id="tensor_weight"),
        Sample((t((3, 1)), t((4,)), t((3, 4), "prob")), id="bcast"),
        Sample((t(()), t(()), 0.25), id="0d"),
        Sample((t((3, 4)), t((3, 4)), t((), "prob")), id="0d_weight"),
        Sample((T((3, 4)), g.strided((3, 4)), T((3, 4), "prob")), id="noncontig"),
        Sample((t((0, 3)), t((3,)), 0.5), id="0size"),
    ]


_add(
    "lerp",
    op=lambda m, a, b, w: m.lerp(a, b, w),
    ref=lambda a, b, w: np.asarray(a + w * (b - a)),
    differentiable=True,
    sample_fn=lerp_samples,
    api=("fastgrad.lerp", "Tensor.lerp", "Tensor.lerp_"),
    forms=(Form("a.lerp(b, w)", lambda m, a, b, w: a.lerp(b, w)),),
)


def addc_samples(divisor_domain):
    def make(g: Gen):
        t, d = g.t, divisor_domain
        return [
            Sample((t((3, 4)), t((3, 4)), t((3, 4), d)), id="same"),
            Sample((t((3, 4)), t((3, 4)), t((3, 4), d)), {"value": -0.5}, id="value"),
            Sample((t((3, 1)), t((4,)), t((3, 4), d)), {"value": 2}, id="bcast"),
            Sample((t(()), t(()), t((), d)), id="0d"),
            Sample((g.T((3, 4)), g.strided((3, 4)), g.T((3, 4), d)), id="noncontig"),
            Sample((t((0, 3)), t((3,)), t((3,), d)), id="0size"),
        ]

    return make


_add(
    "addcmul",
    op=lambda m, a, b, c, **kw: m.addcmul(a, b, c, **kw),
    ref=lambda a, b, c, value=1: np.asarray(a + value * b * c),
    differentiable=True,
    sample_fn=addc_samples("real"),
    api=("fastgrad.addcmul", "Tensor.addcmul", "Tensor.addcmul_"),
    forms=(Form("a.addcmul(b, c)", lambda m, a, b, c, **kw: a.addcmul(b, c, **kw)),),
)
_add(
    "addcdiv",
    op=lambda m, a, b, c, **kw: m.addcdiv(a, b, c, **kw),
    ref=lambda a, b, c, value=1: np.asarray(a + value * (b / c)),
    differentiable=True,
    sample_fn=addc_samples("nonzero"),
    api=("fastgrad.addcdiv", "Tensor.addcdiv", "Tensor.addcdiv_"),
    forms=(Form("a.addcdiv(b, c)", lambda m, a, b, c, **kw: a.addcdiv(b, c, **kw)),),
)


def where_samples(g: Gen):
    t, b = g.t, g.bools
    return [
        Sample((b((3, 4)), t((3, 4)), t((3, 4))), id="same"),
        Sample((b((3, 1)), t((4,)), t((3, 4))), id="bcast"),
        Sample((b((3, 4)), t((3, 4)), 0.0), id="scalar_other"),
        Sample((b((3, 4)), -1, t((3, 4))), id="scalar_input"),
        Sample((TIn(np.array(True), None, False), t(()), t((3,))), id="0d"),
        Sample((b((3, 4)), g.T((3, 4)), g.strided((3, 4))), id="noncontig"),
        Sample((b((0, 3)), t((3,)), t((0, 3))), id="0size"),
    ]


_add(
    "where",
    op=lambda m, c, a, b: m.where(c, a, b),
    ref=lambda c, a, b: np.asarray(np.where(c, a, b)),
    differentiable=True,
    sample_fn=where_samples,
    api=("fastgrad.where", "Tensor.where"),
    forms=(Form("a.where(c, b)", lambda m, c, a, b: a.where(c, b), lambda smp: isinstance(smp.args[1], TIn)),),
    error_fn=lambda g: [
        ErrorSample((g.t((3,)), g.t((3,)), g.t((3,))), exc=RuntimeError, match="boolean tensor", id="float_cond")
    ],
)

# where(condition) alone is nonzero(condition, as_tuple=True); stacked here to compare one tensor.
_add(
    "where_condition",
    op=lambda m, c: m.stack(m.where(c)),
    ref=lambda c: np.stack(np.nonzero(np.atleast_1d(c))),
    differentiable=False,
    sample_fn=lambda g: [
        Sample((g.bools((3, 4)),), id="2d_bool"),
        Sample((g.t((4,), "small_int"),), id="1d_float"),
        Sample((g.ints((2, 3, 2), np.int64, -1, 2),), id="3d_int"),
        Sample((g.t((), "small_int"),), id="0d"),
        Sample((TIn(np.array(0.0)),), id="0d_zero"),
        Sample((g.T((3, 4), "small_int"),), id="transposed"),
        Sample((g.t((0, 3)),), id="0size"),
    ],
    api=("fastgrad.where",),
    forms=(
        Form("nonzero(as_tuple=True)", lambda m, c: m.stack(m.nonzero(c, as_tuple=True))),
        Form("x.nonzero(as_tuple=True)", lambda m, c: m.stack(c.nonzero(as_tuple=True))),
    ),
)
