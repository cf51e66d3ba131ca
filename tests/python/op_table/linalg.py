"""Linear algebra (cpp/src/ops/linalg.cpp, einsum.cpp): matmul, mm, mv, dot, t, bmm, outer, addmm/addmv/baddbmm,
trace, einsum."""

from __future__ import annotations

import numpy as np

from .common import ErrorSample, Form, Gen, Sample, adder
from .shape import t_samples

CORE: list = []  # this area's entries among the core ops the table starts with (see __init__.py)
OPS: list = []  # the area's other entries
_add_core = adder(CORE)
_add = adder(OPS)


def matmul_samples(g: Gen):
    t, T, st = g.t, g.T, g.strided
    return [
        Sample((t((4,)), t((4,))), id="1d_1d"),
        Sample((t((3, 4)), t((4, 2))), id="2d_2d"),
        Sample((t((4,)), t((4, 3))), id="1d_2d"),
        Sample((t((3, 4)), t((4,))), id="2d_1d"),
        Sample((t((2, 3, 4)), t((2, 4, 2))), id="3d_3d"),
        Sample((t((2, 3, 4)), t((4, 2))), id="3d_2d"),
        Sample((t((3, 4)), t((2, 4, 2))), id="2d_3d"),
        Sample((t((2, 3, 4)), t((4,))), id="3d_1d"),
        Sample((t((4,)), t((2, 4, 3))), id="1d_3d"),
        Sample((t((2, 1, 3, 4)), t((3, 4, 2))), id="4d_3d_bcast"),
        Sample((t((1, 2, 4)), t((3, 1, 4, 2))), id="3d_4d_bcast"),
        Sample((T((3, 4)), T((4, 2))), id="2d_transposed"),
        Sample((st((3, 4)), st((4, 2), dim=0)), id="2d_strided"),
        Sample((T((2, 3, 4)), st((2, 4, 2))), id="3d_noncontig"),
        Sample((st((4,)), T((4, 3))), id="1d_2d_noncontig"),
        Sample((t((3, 0)), t((0, 2))), id="0size_inner"),
        Sample((t((0, 4)), t((4, 2))), id="0size_rows"),
        Sample((t((0, 3, 4)), t((4, 2))), id="0size_batch"),
        Sample((t((0,)), t((0,))), id="0size_1d"),
    ]


def matmul_errors(g: Gen):
    t = g.t
    return [
        ErrorSample((t((3, 4)), t((3, 4))), exc=RuntimeError, id="2d_mismatch"),
        ErrorSample((t((3,)), t((4,))), exc=RuntimeError, id="1d_mismatch"),
        ErrorSample((t((2, 3, 4)), t((3, 5, 2))), exc=RuntimeError, id="batch_not_broadcastable"),
        ErrorSample((t(()), t((3,))), exc=RuntimeError, id="0d"),
    ]


def _np_t(x):
    return x.T if x.ndim == 2 else x


def _ndim_is(n):
    return lambda s: s.args[0].ndim == n


# ---- linear algebra ----


_add_core(
    "matmul",
    op=lambda m, a, b: m.matmul(a, b),
    ref=lambda a, b: np.asarray(np.matmul(a, b)),
    differentiable=True,
    sample_fn=matmul_samples,
    api=("fastgrad.matmul", "Tensor.matmul", "Tensor.__matmul__"),
    forms=(Form("a @ b", lambda m, a, b: a @ b), Form("a.matmul(b)", lambda m, a, b: a.matmul(b))),
    error_fn=matmul_errors,
)
_add_core(
    "mm",
    op=lambda m, a, b: m.mm(a, b),
    ref=lambda a, b: np.asarray(a @ b),
    differentiable=True,
    sample_fn=lambda g: [s for s in matmul_samples(g) if s.args[0].ndim == 2 and s.args[1].ndim == 2],
    api=("fastgrad.mm", "Tensor.mm"),
    forms=(Form("a.mm(b)", lambda m, a, b: a.mm(b)),),
    error_fn=lambda g: [
        ErrorSample((g.t((3, 4)), g.t((3, 4))), exc=RuntimeError, id="mismatch"),
        ErrorSample((g.t((3, 4)), g.t((4,))), exc=RuntimeError, id="1d"),
    ],
)
_add_core(
    "mv",
    op=lambda m, a, b: m.mv(a, b),
    ref=lambda a, b: np.asarray(a @ b),
    differentiable=True,
    sample_fn=lambda g: (
        [s for s in matmul_samples(g) if s.args[0].ndim == 2 and s.args[1].ndim == 1]
        + [
            Sample((g.T((3, 4)), g.strided((4,))), id="noncontig"),
            Sample((g.t((0, 4)), g.t((4,))), id="0size_rows"),
            Sample((g.t((3, 0)), g.t((0,))), id="0size_inner"),
        ]
    ),
    api=("fastgrad.mv", "Tensor.mv"),
    forms=(Form("a.mv(b)", lambda m, a, b: a.mv(b)),),
    error_fn=lambda g: [ErrorSample((g.t((3, 4)), g.t((3,))), exc=RuntimeError, id="mismatch")],
)
_add_core(
    "dot",
    op=lambda m, a, b: m.dot(a, b),
    ref=lambda a, b: np.asarray(np.dot(a, b)),
    differentiable=True,
    sample_fn=lambda g: [
        Sample((g.t((5,)), g.t((5,))), id="1d"),
        Sample((g.strided((4,)), g.t((4,))), id="strided"),
        Sample((g.t((1,)), g.t((1,))), id="single"),
        Sample((g.t((0,)), g.t((0,))), id="0size"),
    ],
    api=("fastgrad.dot", "Tensor.dot"),
    forms=(Form("a.dot(b)", lambda m, a, b: a.dot(b)),),
    error_fn=lambda g: [
        ErrorSample((g.t((3,)), g.t((4,))), exc=RuntimeError, id="mismatch"),
        ErrorSample((g.t((3, 1)), g.t((3,))), exc=RuntimeError, id="2d"),
    ],
)
_add_core(
    "t",
    op=lambda m, x: m.t(x),
    ref=_np_t,
    differentiable=True,
    sample_fn=t_samples,
    api=("fastgrad.t", "Tensor.t", "Tensor.T"),
    forms=(Form("x.t()", lambda m, x: x.t()), Form("x.T", lambda m, x: x.T, _ndim_is(2))),
    view_op=True,
    error_fn=lambda g: [ErrorSample((g.t((2, 3, 4)),), exc=RuntimeError, id="3d")],
)


# ---- bmm, outer, addmm/addmv/baddbmm, trace, einsum ----


_add(
    "bmm",
    op=lambda m, a, b: m.bmm(a, b),
    ref=lambda a, b: np.asarray(a @ b),
    differentiable=True,
    sample_fn=lambda g: [
        Sample((g.t((2, 3, 4)), g.t((2, 4, 2))), id="3d"),
        Sample((g.T((2, 3, 4)), g.strided((2, 4, 2))), id="noncontig"),
        Sample((g.t((300, 2, 2)), g.t((300, 2, 2))), id="many_small", gradgrad=False),
        Sample((g.t((0, 3, 4)), g.t((0, 4, 2))), id="0size_batch"),
        Sample((g.t((2, 3, 0)), g.t((2, 0, 2))), id="0size_inner"),
    ],
    api=("fastgrad.bmm", "Tensor.bmm"),
    forms=(Form("a.bmm(b)", lambda m, a, b: a.bmm(b)),),
    error_fn=lambda g: [
        ErrorSample((g.t((3, 4)), g.t((2, 4, 2))), match="batch1 must be a 3D tensor", id="2d"),
        ErrorSample(
            (g.t((2, 3, 4)), g.t((3, 4, 2))), match="Expected size for first two dimensions", id="batch"
        ),
    ],
)
for _name in ("outer", "ger"):
    _add(
        _name,
        op=(lambda n: lambda m, a, b: getattr(m, n)(a, b))(_name),
        ref=lambda a, b: np.outer(a, b),
        differentiable=True,
        sample_fn=lambda g: [
            Sample((g.t((3,)), g.t((4,))), id="1d"),
            Sample((g.strided((3,)), g.t((2,))), id="strided"),
            Sample((g.t((0,)), g.t((2,))), id="0size"),
        ],
        api=(f"fastgrad.{_name}", f"Tensor.{_name}"),
        forms=(Form(f"a.{_name}(b)", (lambda n: lambda m, a, b: getattr(a, n)(b))(_name)),),
        error_fn=lambda g: [ErrorSample((g.t((3, 1)), g.t((4,))), match="Expected 1-D argument", id="2d")],
    )
for _name, _shapes in (
    ("addmm", ((2, 4), (2, 3), (3, 4), (2, 0), (0, 4))),
    ("addmv", ((2,), (2, 3), (3,), (2, 0), (0,))),
    ("baddbmm", ((2, 2, 4), (2, 2, 3), (2, 3, 4), (2, 2, 0), (2, 0, 4))),
):
    _add(
        _name,
        op=(lambda n: lambda m, s, a, b, **kw: getattr(m, n)(s, a, b, **kw))(_name),
        ref=lambda s, a, b, beta=1, alpha=1: np.asarray(beta * s + alpha * (a @ b)),
        differentiable=True,
        sample_fn=(
            lambda sh: (
                lambda g: [
                    Sample((g.t(sh[0]), g.t(sh[1]), g.t(sh[2])), id="plain"),
                    Sample(
                        (g.t(sh[0][-1:]), g.t(sh[1]), g.t(sh[2])),
                        {"beta": 0.5, "alpha": -2},
                        id="broadcast_beta_alpha",
                    ),
                    Sample((g.t(()), g.t(sh[1]), g.t(sh[2])), {"beta": 0}, id="beta0_0d"),
                    Sample((g.t(sh[0]), g.T(sh[1]), g.strided(sh[2])), id="noncontig"),
                    Sample((g.t(sh[0]), g.t(sh[3]), g.t(sh[4])), id="0size_inner"),
                ]
            )
        )(_shapes),
        api=(f"fastgrad.{_name}", f"Tensor.{_name}", f"Tensor.{_name}_"),
        forms=(
            Form(f"s.{_name}(a, b)", (lambda n: lambda m, s, a, b, **kw: getattr(s, n)(a, b, **kw))(_name)),
        ),
    )
_add(
    "trace",
    op=lambda m, x: m.trace(x),
    ref=lambda x: np.asarray(np.trace(x)),
    differentiable=True,
    sample_fn=lambda g: [
        Sample((g.t((3, 3)),), id="square"),
        Sample((g.T((3, 5)),), id="transposed_wide"),
        Sample((g.t((0, 2)),), id="0size"),
        Sample((g.ints((3, 3), np.int64),), id="int64"),
    ],
    api=("fastgrad.trace", "Tensor.trace"),
    forms=(Form("x.trace()", lambda m, x: x.trace()),),
    error_fn=lambda g: [ErrorSample((g.t((3,)),), match="expected a matrix", id="1d")],
)
_add(
    "einsum",
    op=lambda m, eq, *ops: m.einsum(eq, *ops),
    ref=lambda eq, *ops: np.asarray(np.einsum(eq, *ops)),
    differentiable=True,
    sample_fn=lambda g: [
        Sample(("ij,jk->ik", g.t((2, 3)), g.t((3, 4))), id="mm"),
        Sample(("bij,bjk->bik", g.t((2, 2, 3)), g.T((2, 3, 4))), id="bmm_noncontig"),
        Sample(("i,i->", g.t((3,)), g.t((3,))), id="dot"),
        Sample(("ij->ji", g.t((3, 2))), id="transpose"),
        Sample(("ii->i", g.t((3, 3))), id="diagonal"),
        Sample(("ii", g.t((3, 3))), id="trace_implicit"),
        Sample(("i,j->ij", g.t((3,)), g.t((2,))), id="outer"),
        Sample(("...ij,...jk->...ik", g.t((2, 2, 3)), g.t((3, 2))), id="ellipsis_broadcast"),
        Sample(("ij,jk", g.t((2, 3)), g.t((3, 4))), id="implicit"),
        Sample(("bn,anm,bm->ba", g.t((2, 3)), g.t((2, 3, 2)), g.t((2, 2))), id="bilinear"),
        Sample(("ij,ij->ij", g.t((2, 3)), g.t((1, 3))), id="broadcast_size1"),
        Sample(("ij->", g.t((0, 3))), id="0size"),
        Sample(("i,->i", g.t((3,)), g.t(())), id="0d_operand"),
    ],
    api=("fastgrad.einsum",),
    forms=(Form("einsum(eq, [ops])", lambda m, eq, *ops: m.einsum(eq, list(ops))),),
    error_fn=lambda g: [
        ErrorSample(
            ("ij,jk->ik", g.t((2, 3)), g.t((4, 4))),
            match="does not broadcast with previously seen size",
            id="size",
        ),
        ErrorSample(("ij,jk->ik", g.t((2, 3))), match="fewer operands", id="operands"),
    ],
)
