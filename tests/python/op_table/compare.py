"""Comparisons, closeness, logical and bitwise ops, and the isnan family (cpp/src/ops/compare.cpp)."""

from __future__ import annotations

import operator

import numpy as np

from .common import (
    ErrorSample,
    Form,
    Gen,
    Sample,
    TIn,
    _special_values,
    _swap,
    adder,
    binary_errors,
    unary_samples,
)

CORE: list = []  # this area's entries among the core ops the table starts with (see __init__.py)
OPS: list = []  # the area's other entries
_add_core = adder(CORE)
_add = adder(OPS)


def compare_samples(g: Gen):
    d = "small_int"  # exact ties, so eq/le/ge see equal elements
    return [
        Sample((g.t((3, 4), d), g.t((3, 4), d)), id="same"),
        Sample((g.t((3, 1), d), g.t((1, 4), d)), id="bcast"),
        Sample((g.t((2, 3, 4), d), g.t((4,), d)), id="bcast_rank"),
        Sample((g.t((3,), d), g.t((), d)), id="tensor_0d"),
        Sample((g.t((), d), g.t((), d)), id="0d_0d"),
        Sample((g.T((3, 4), d), g.strided((3, 4), d)), id="noncontig"),
        Sample((g.t((0, 3), d), g.t((3,), d)), id="0size"),
        Sample((g.t((3, 4), d), 1.0), id="scalar_float"),
        Sample((g.t((3, 4), d), 0), id="scalar_int"),
        Sample((g.t((3, 4), d), 0.5), id="scalar_nontie"),
        Sample((g.ints((3, 4)), g.t((3, 4), d)), id="int32_float"),
        Sample((g.ints((3, 4), np.int64), 1), id="int64_scalar"),
        Sample((g.ints((3, 4)), 0.5), id="int32_scalar_float"),
        Sample((g.bools((5,)), g.bools((5,))), id="bool_bool"),
        Sample((g.bools((5,)), True), id="bool_scalar"),
    ]


# ---- comparisons ----


for _name, _np_fn, _py in (
    ("eq", np.equal, "=="),
    ("ne", np.not_equal, "!="),
    ("lt", np.less, "<"),
    ("le", np.less_equal, "<="),
    ("gt", np.greater, ">"),
    ("ge", np.greater_equal, ">="),
):
    _add_core(
        _name,
        op=(lambda n: lambda m, a, b: getattr(m, n)(a, b))(_name),
        ref=(lambda f: lambda a, b: np.asarray(f(a, b)))(_np_fn),
        differentiable=False,
        sample_fn=compare_samples,
        api=(f"fastgrad.{_name}", f"Tensor.{_name}", f"Tensor.__{_name}__"),
        forms=(
            Form(f"a {_py} b", (lambda n: lambda m, a, b: getattr(operator, n)(a, b))(_name)),
            Form(f"a.{_name}(b)", (lambda n: lambda m, a, b: getattr(a, n)(b))(_name)),
        ),
        error_fn=binary_errors,
    )


# ---- comparisons' aliases, closeness, logical and bitwise ops, predicates ----


def _int_samples(g: Gen, with_scalar=None):
    """Integer and bool tensors: 2-d, 0-d, transposed, 0-size, broadcast, and a Python scalar."""
    out = [
        Sample((g.ints((3, 4)), g.ints((3, 4))), id="int32"),
        Sample((g.ints((3, 1), np.int64), g.ints((4,), np.int64)), id="int64_bcast"),
        Sample((TIn(np.array(5, dtype=np.int32), None, False), g.ints((3,))), id="0d"),
        Sample((TIn(g.ints((4, 3)).base, _swap(0, 1), False), g.ints((3, 4))), id="transposed"),
        Sample((g.ints((0, 3)), g.ints((3,))), id="0size"),
        Sample((g.bools((5,)), g.bools((5,))), id="bool_bool"),
        Sample((g.ints((3, 4)), g.bools((3, 4))), id="int_bool"),
    ]
    if with_scalar is not None:
        out.append(Sample((g.ints((3, 4)), with_scalar), id="scalar"))
    return out


def _unary_int_samples(g: Gen):
    return [
        Sample((g.ints((3, 4)),), id="int32"),
        Sample((g.ints((5,), np.int64),), id="int64"),
        Sample((TIn(np.array(-3, dtype=np.int64), None, False),), id="int_0d"),
        Sample((TIn(g.ints((4, 3)).base, _swap(0, 1), False),), id="int_transposed"),
        Sample((g.ints((0, 3)),), id="int_0size"),
        Sample((g.bools((6,)),), id="bool"),
    ]


# Comparisons' aliases.
for _name, _np_fn in (
    ("greater", np.greater),
    ("greater_equal", np.greater_equal),
    ("less", np.less),
    ("less_equal", np.less_equal),
    ("not_equal", np.not_equal),
):
    _add(
        _name,
        op=(lambda n: lambda m, a, b: getattr(m, n)(a, b))(_name),
        ref=(lambda f: lambda a, b: np.asarray(f(a, b)))(_np_fn),
        differentiable=False,
        sample_fn=compare_samples,
        api=(f"fastgrad.{_name}", f"Tensor.{_name}", f"Tensor.{_name}_"),
        forms=(Form(f"a.{_name}(b)", (lambda n: lambda m, a, b: getattr(a, n)(b))(_name)),),
    )


def isclose_samples(g: Gen):
    t = g.t
    a = g.values((3, 4))
    return [
        Sample((TIn(a.copy()), TIn(a + 1e-9)), id="close"),
        Sample((t((3, 4), "small_int"), t((3, 4), "small_int")), id="ties"),
        Sample((t((3, 4)), t((4,))), {"rtol": 0.5, "atol": 0.1}, id="tolerances"),
        Sample((_special_values(), _special_values()), id="special"),
        Sample((_special_values(), _special_values()), {"equal_nan": True}, id="equal_nan"),
        Sample((t(()), t(())), id="0d"),
        Sample((g.T((3, 4), "small_int"), g.strided((3, 4), "small_int")), id="noncontig"),
        Sample((t((0, 3)), t((3,))), id="0size"),
        Sample((g.ints((3, 4)), g.ints((3, 4))), id="int32"),
    ]


_add(
    "isclose",
    op=lambda m, a, b, **kw: m.isclose(a, b, **kw),
    ref=lambda a, b, **kw: np.asarray(np.isclose(a, b, **kw)),
    differentiable=False,
    sample_fn=isclose_samples,
    api=("fastgrad.isclose", "Tensor.isclose"),
    forms=(Form("a.isclose(b)", lambda m, a, b, **kw: a.isclose(b, **kw)),),
)
# allclose and equal return Python bools: wrapped in a tensor so that the harness can compare them.
_add(
    "allclose",
    op=lambda m, a, b, **kw: m.tensor(m.allclose(a, b, **kw)),
    ref=lambda a, b, **kw: np.asarray(np.allclose(a, b, **kw)),
    differentiable=False,
    sample_fn=isclose_samples,
    api=("fastgrad.allclose", "Tensor.allclose"),
    forms=(Form("a.allclose(b)", lambda m, a, b, **kw: m.tensor(a.allclose(b, **kw))),),
)
_add(
    "equal",
    op=lambda m, a, b: m.tensor(m.equal(a, b)),
    ref=lambda a, b: np.asarray(a.shape == b.shape and bool(np.array_equal(a, b))),
    differentiable=False,
    sample_fn=lambda g: [smp for smp in compare_samples(g) if all(isinstance(x, TIn) for x in smp.args)]
    + [Sample((TIn(np.arange(6.0)), TIn(np.arange(6.0))), id="equal")],
    api=("fastgrad.equal", "Tensor.equal"),
    forms=(Form("a.equal(b)", lambda m, a, b: m.tensor(a.equal(b))),),
)

# Logical and bitwise ops.
for _name, _np_fn in (
    ("logical_and", np.logical_and),
    ("logical_or", np.logical_or),
    ("logical_xor", np.logical_xor),
):
    _add(
        _name,
        op=(lambda n: lambda m, a, b: getattr(m, n)(a, b))(_name),
        ref=(lambda f: lambda a, b: np.asarray(f(a, b)))(_np_fn),
        differentiable=False,
        sample_fn=lambda g: [smp for smp in compare_samples(g) if all(isinstance(x, TIn) for x in smp.args)]
        + [Sample((g.t((3, 4)), g.ints((3, 4))), id="float_int")],
        api=(f"fastgrad.{_name}", f"Tensor.{_name}", f"Tensor.{_name}_"),
        forms=(Form(f"a.{_name}(b)", (lambda n: lambda m, a, b: getattr(a, n)(b))(_name)),),
    )
_add(
    "logical_not",
    op=lambda m, x: m.logical_not(x),
    ref=lambda x: np.asarray(np.logical_not(x)),
    differentiable=False,
    sample_fn=lambda g: unary_samples("small_int")(g) + _unary_int_samples(g),
    api=("fastgrad.logical_not", "Tensor.logical_not", "Tensor.logical_not_"),
    forms=(Form("x.logical_not()", lambda m, x: x.logical_not()),),
)
for _name, _np_fn, _py in (
    ("bitwise_and", np.bitwise_and, operator.and_),
    ("bitwise_or", np.bitwise_or, operator.or_),
    ("bitwise_xor", np.bitwise_xor, operator.xor),
):
    _dunder = _py.__name__.strip("_")
    _add(
        _name,
        op=(lambda n: lambda m, a, b: getattr(m, n)(a, b))(_name),
        ref=(lambda f: lambda a, b: np.asarray(f(a, b)))(_np_fn),
        differentiable=False,
        sample_fn=lambda g: _int_samples(g, with_scalar=6),
        api=(f"fastgrad.{_name}", f"Tensor.{_name}", f"Tensor.{_name}_", f"Tensor.__{_dunder}__",
             f"Tensor.__r{_dunder}__", f"Tensor.__i{_dunder}__"),
        forms=(
            Form(f"a.{_name}(b)", (lambda n: lambda m, a, b: getattr(a, n)(b))(_name)),
            Form(f"a {_dunder} b", (lambda o: lambda m, a, b: o(a, b))(_py)),
        ),
        error_fn=lambda g: [
            ErrorSample((g.t((3,)), g.t((3,))), exc=NotImplementedError, match="not implemented for 'Double'",
                        id="float")
        ],
    )
_add(
    "bitwise_not",
    op=lambda m, x: m.bitwise_not(x),
    ref=lambda x: np.asarray(np.invert(x)),
    differentiable=False,
    sample_fn=_unary_int_samples,
    api=("fastgrad.bitwise_not", "Tensor.bitwise_not", "Tensor.bitwise_not_", "Tensor.__invert__"),
    forms=(Form("~x", lambda m, x: ~x), Form("x.bitwise_not()", lambda m, x: x.bitwise_not())),
    error_fn=lambda g: [
        ErrorSample((g.t((3,)),), exc=NotImplementedError, match="not implemented for 'Double'", id="float")
    ],
)

# Predicates.
for _name, _np_fn in (
    ("isnan", np.isnan),
    ("isinf", np.isinf),
    ("isfinite", np.isfinite),
    ("isposinf", np.isposinf),
    ("isneginf", np.isneginf),
):
    _add(
        _name,
        op=(lambda n: lambda m, x: getattr(m, n)(x))(_name),
        ref=(lambda f: lambda x: np.asarray(f(x)))(_np_fn),
        differentiable=False,
        sample_fn=lambda g: unary_samples()(g) + [Sample((_special_values(),), id="special")]
        + [smp for smp in _unary_int_samples(g) if smp.id in ("int32", "bool")],
        api=(f"fastgrad.{_name}", f"Tensor.{_name}"),
        forms=(Form(f"x.{_name}()", (lambda n: lambda m, x: getattr(x, n)())(_name)),),
    )
