"""Elementwise binary arithmetic (cpp/src/ops/binary.cpp, division.cpp): add, sub, mul, div, pow and their
reflected scalar forms; floor_divide, remainder, fmod, division with rounding and the arithmetic aliases."""

from __future__ import annotations

import operator

import numpy as np

from .common import Form, Gen, Sample, TIn, adder, binary_errors, binary_samples, reflected_samples

CORE: list = []  # this area's entries among the core ops the table starts with (see __init__.py)
OPS: list = []  # the area's other entries
_add_core = adder(CORE)
_add = adder(OPS)


def pow_samples(g: Gen):
    t, pos = g.t, "pos"
    return [
        Sample((t((3, 4)), 2), id="tensor_int2"),
        Sample((t((3, 4)), 3), id="tensor_int3"),
        Sample((t((3, 4), pos), 2.5), id="tensor_float"),
        Sample((t((3, 4), pos), 0.5), id="tensor_sqrt"),
        Sample((t((3, 4), pos), -1.5), id="tensor_negfloat"),
        Sample((t((3, 4), "nonzero"), -2), id="tensor_negint"),
        Sample((t((3, 4)), 0), id="tensor_zero"),
        Sample((t((3, 4)), 1), id="tensor_one"),
        Sample((t((), pos), 2.5), id="0d_scalar"),
        Sample((g.T((3, 4), pos), 1.5), id="transposed_scalar"),
        Sample((t((0, 3), pos), 2.5), id="0size_scalar"),
        Sample((t((3, 4), pos), t((3, 4))), id="tensor_tensor"),
        Sample((t((3, 1), pos), t((1, 4))), id="tensor_tensor_bcast"),
        Sample((t((2, 3, 4), pos), t((4,))), id="tensor_tensor_bcast_rank"),
        Sample((t((3, 4), pos), t(())), id="tensor_0d"),
        Sample((t((), pos), t((3,))), id="0d_tensor"),
        Sample((g.T((3, 4), pos), g.strided((3, 4))), id="tensor_tensor_noncontig"),
        Sample((t((0, 3), pos), t((3,))), id="tensor_tensor_0size"),
        Sample((2.0, t((3, 4))), id="scalar_tensor"),
        Sample((2, t((3, 4))), id="intscalar_tensor"),
        Sample((0.5, g.T((3, 4))), id="scalar_transposed"),
    ]


# ---- elementwise binary ----


_add_core(
    "add",
    op=lambda m, a, b, **kw: m.add(a, b, **kw),
    ref=lambda a, b, alpha=1: np.asarray(a + alpha * b),
    differentiable=True,
    sample_fn=lambda g: (
        binary_samples()(g)
        + [
            Sample((g.t((3, 4)), g.t((3, 1))), {"alpha": 2}, id="alpha"),
            Sample((g.t((3, 4)), 1.5), {"alpha": -0.5}, id="alpha_scalar"),
        ]
    ),
    api=("fastgrad.add", "Tensor.add", "Tensor.__add__"),
    forms=(
        Form("a + b", lambda m, a, b, **kw: a + b, lambda s: not s.kwargs),
        Form("a.add(b)", lambda m, a, b, **kw: a.add(b, **kw)),
    ),
    error_fn=binary_errors,
)
_add_core(
    "sub",
    op=lambda m, a, b, **kw: m.sub(a, b, **kw),
    ref=lambda a, b, alpha=1: np.asarray(a - alpha * b),
    differentiable=True,
    sample_fn=lambda g: binary_samples()(g) + [Sample((g.t((3, 4)), g.t((4,))), {"alpha": 3}, id="alpha")],
    api=("fastgrad.sub", "Tensor.sub", "Tensor.__sub__"),
    forms=(
        Form("a - b", lambda m, a, b, **kw: a - b, lambda s: not s.kwargs),
        Form("a.sub(b)", lambda m, a, b, **kw: a.sub(b, **kw)),
    ),
    error_fn=binary_errors,
)
_add_core(
    "mul",
    op=lambda m, a, b: m.mul(a, b),
    ref=lambda a, b: np.asarray(a * b),
    differentiable=True,
    sample_fn=binary_samples(),
    api=("fastgrad.mul", "Tensor.mul", "Tensor.__mul__"),
    forms=(Form("a * b", lambda m, a, b: a * b), Form("a.mul(b)", lambda m, a, b: a.mul(b))),
    error_fn=binary_errors,
)
_add_core(
    "div",
    op=lambda m, a, b: m.div(a, b),
    ref=lambda a, b: np.asarray(a / b),
    differentiable=True,
    sample_fn=binary_samples(db="nonzero", scalars=(2.5, 3)),
    api=("fastgrad.div", "Tensor.div", "Tensor.__truediv__"),
    forms=(Form("a / b", lambda m, a, b: a / b), Form("a.div(b)", lambda m, a, b: a.div(b))),
    error_fn=binary_errors,
)
_add_core(
    "pow",
    op=lambda m, a, b: m.pow(a, b),
    ref=lambda a, b: np.asarray(np.power(a, b)),
    differentiable=True,
    sample_fn=pow_samples,
    api=("fastgrad.pow", "Tensor.pow", "Tensor.__pow__", "Tensor.__rpow__"),
    forms=(
        Form("a ** b", lambda m, a, b: a**b),
        Form("a.pow(b)", lambda m, a, b: a.pow(b), lambda s: isinstance(s.args[0], TIn)),
    ),
)

# ---- reflected scalar forms: scalar (+) tensor ----
_add_core(
    "radd",
    op=lambda m, s, x: s + x,
    ref=lambda s, x: np.asarray(s + x),
    differentiable=True,
    sample_fn=reflected_samples(),
    api=("Tensor.__radd__",),
)
_add_core(
    "rsub",
    op=lambda m, s, x: s - x,
    ref=lambda s, x: np.asarray(s - x),
    differentiable=True,
    sample_fn=reflected_samples(),
    api=("Tensor.__rsub__",),
)
_add_core(
    "rmul",
    op=lambda m, s, x: s * x,
    ref=lambda s, x: np.asarray(s * x),
    differentiable=True,
    sample_fn=reflected_samples(),
    api=("Tensor.__rmul__",),
)
_add_core(
    "rdiv",
    op=lambda m, s, x: s / x,
    ref=lambda s, x: np.asarray(s / x),
    differentiable=True,
    sample_fn=reflected_samples("nonzero"),
    api=("Tensor.__rtruediv__",),
)
_add_core(
    "rpow",
    op=lambda m, s, x: s**x,
    ref=lambda s, x: np.asarray(np.power(s, x)),
    differentiable=True,
    sample_fn=reflected_samples(scalars=(2.5, 2)),
    api=("Tensor.__rpow__",),
)


# ---- division, remainder and the arithmetic aliases ----


def _no_grad(make):
    """The same samples with inputs that do not require grad (ops without a derivative in PyTorch, whose
    NotImplemented Node would make backward raise)."""

    def wrapped(g: Gen):
        out = make(g)
        for smp in out:
            for t in smp.tensors():
                t.requires_grad = False
        return out

    return wrapped


def _int_divisions(g: Gen):
    """Integer division and remainder, with divisors of both signs (never 0: that raises)."""
    divisors = TIn(np.array([1, -2, 3, -3], dtype=np.int32), None, False)
    return [Sample((g.ints((3, 4), lo=-9, hi=10), divisors), id="int32"),
            Sample((g.ints((3, 4), np.int64, lo=-9, hi=10), -2), id="int64_scalar")]


# Binary arithmetic.
for _name, _np_fn, _py, _db, _diff in (
    ("floor_divide", np.floor_divide, "//", "nonzero", False),
    ("remainder", np.remainder, "%", "nonzero", True),
    ("fmod", np.fmod, None, "nonzero", True),
):
    _forms = [Form(f"a.{_name}(b)", (lambda n: lambda m, a, b: getattr(a, n)(b))(_name))]
    if _py:
        _forms.append(Form(f"a {_py} b", (lambda o: lambda m, a, b: o(a, b))(
            operator.floordiv if _py == "//" else operator.mod)))
    _samples = binary_samples(db=_db) if _diff else _no_grad(binary_samples(db=_db))
    _add(
        _name,
        op=(lambda n: lambda m, a, b: getattr(m, n)(a, b))(_name),
        ref=(lambda f: lambda a, b: np.asarray(f(a, b)))(_np_fn),
        differentiable=_diff,
        sample_fn=(lambda base: lambda g: base(g) + _int_divisions(g))(_samples),
        api=(f"fastgrad.{_name}", f"Tensor.{_name}", f"Tensor.{_name}_")
        + ((f"Tensor.__{'floordiv' if _py == '//' else 'mod'}__",) if _py else ()),
        forms=tuple(_forms),
        error_fn=binary_errors,
    )
_add(
    "rfloordiv",
    op=lambda m, s, x: s // x,
    ref=lambda s, x: np.asarray(np.floor_divide(s, x)),
    differentiable=False,
    sample_fn=_no_grad(reflected_samples("nonzero")),
    api=("Tensor.__rfloordiv__",),
)
_add(
    "rmod",
    op=lambda m, s, x: s % x,
    ref=lambda s, x: np.asarray(np.remainder(s, x)),
    differentiable=False,
    sample_fn=_no_grad(reflected_samples("nonzero")),
    api=("Tensor.__rmod__",),
)
_add(
    "div_rounding",
    op=lambda m, a, b, **kw: m.div(a, b, **kw),
    ref=lambda a, b, rounding_mode: np.asarray(np.trunc(a / b) if rounding_mode == "trunc" else np.floor_divide(a, b)),
    differentiable=True,
    sample_fn=lambda g: [
        Sample(smp.args, {"rounding_mode": mode}, id=f"{smp.id}_{mode}")
        for smp in binary_samples(db="nonzero")(g)
        for mode in ("trunc", "floor")
    ],
    api=("fastgrad.div", "fastgrad.divide", "Tensor.divide"),
    forms=(
        Form("a.div(b, rounding_mode=...)", lambda m, a, b, **kw: a.div(b, **kw)),
        Form("divide(a, b, rounding_mode=...)", lambda m, a, b, **kw: m.divide(a, b, **kw)),
    ),
    gradgrad=False,
)
for _name, _np_fn, _db in (
    ("true_divide", np.true_divide, "nonzero"),
    ("divide", np.true_divide, "nonzero"),
    ("multiply", np.multiply, "real"),
    ("subtract", np.subtract, "real"),
):
    _add(
        _name,
        op=(lambda n: lambda m, a, b: getattr(m, n)(a, b))(_name),
        ref=(lambda f: lambda a, b: np.asarray(f(a, b)))(_np_fn),
        differentiable=True,
        sample_fn=binary_samples(db=_db),
        api=(f"fastgrad.{_name}", f"Tensor.{_name}", f"Tensor.{_name}_"),
        forms=(Form(f"a.{_name}(b)", (lambda n: lambda m, a, b: getattr(a, n)(b))(_name)),),
    )
