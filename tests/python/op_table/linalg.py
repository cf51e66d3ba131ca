"""Linear algebra (cpp/src/ops/linalg.cpp, einsum.cpp, linalg_lapack.cpp): matmul, mm, mv, dot, t, bmm, outer,
addmm/addmv/baddbmm, trace, einsum; torch.linalg's inv, det, slogdet, solve, cholesky, solve_triangular, eigh,
eigvalsh and the top-level logdet, cholesky, triangular_solve, cholesky_solve."""

from __future__ import annotations

import numpy as np

from .common import ErrorSample, Form, Gen, Sample, TIn, _swap, adder
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


# ---- torch.linalg on LAPACK (cpp/src/ops/linalg_lapack.cpp) ----

NO_KIND: set = set()  # (entry, kind) pairs the linalg entries cannot have: matrices are never 0-d


def _well_conditioned(g: Gen, shape, transposed=False, negate_row=False, requires_grad=True) -> TIn:
    """Matrices of `shape` (..., n, n) near 3 I: invertible, positive determinant (negative with negate_row),
    and, symmetrised, positive-definite. `transposed`: a transposed view of its base."""
    n = shape[-1]
    base = g.values(shape) * 0.4 + 3.0 * np.eye(n)
    if negate_row and n:
        base[..., 0, :] *= -1.0
    return TIn(base, _swap(len(shape) - 2, len(shape) - 1) if transposed else None, requires_grad)


def _square_samples(g: Gen, **kw):
    wc = _well_conditioned
    return [
        Sample((wc(g, (3, 3), **kw),), id="3x3"),
        Sample((wc(g, (2, 3, 3), **kw),), id="batched"),
        Sample((wc(g, (2, 1, 4, 4), transposed=True, **kw),), id="batched_transposed"),
        Sample((g.t((0, 0)),), id="0size"),
        Sample((g.t((2, 0, 0)),), id="0size_batched"),
        Sample((wc(g, (1, 1), **kw),), id="1x1"),
    ]


def _square_errors(g: Gen, singular_match=None, int_ok=False):
    out = [
        ErrorSample((g.t((2, 3)),), match="must be batches of square matrices", id="not_square"),
        ErrorSample((g.t((3,)),), match="must have at least 2 dimensions", id="1d"),
    ]
    if not int_ok:
        out.append(ErrorSample((g.ints((2, 2), np.int64),), match="Expected a floating point", id="int64"))
    if singular_match:
        out.append(ErrorSample((TIn(np.array([[1.0, 2.0], [2.0, 4.0]]), None, False),), match=singular_match,
                               id="singular"))
    return out


def _sym(x):
    """x + x^T (NumPy, fastgrad or torch): what the symmetric-input entries factorise."""
    return x + (np.swapaxes(x, -1, -2) if isinstance(x, np.ndarray) else x.transpose(-2, -1))


def _spd(m, x):
    """x x^T + n I: a symmetric positive-definite matrix made from x (the Cholesky entries' input), differentiable
    in every element of x (a factorisation reads one triangle only, so gradcheck perturbs x instead)."""
    n = x.shape[-2]
    if isinstance(x, np.ndarray):
        return x @ np.swapaxes(x, -1, -2) + n * np.eye(n)
    return x @ x.transpose(-2, -1) + n * m.eye(n, dtype=x.dtype)


def _np_det(a):
    return np.asarray(np.linalg.det(a) if a.shape[-1] else np.ones(a.shape[:-2]))


def _np_logabsdet(a):
    return np.asarray(np.linalg.slogdet(a)[1] if a.shape[-1] else np.zeros(a.shape[:-2]))


def _np_logdet(a):
    if not a.shape[-1]:
        return np.zeros(a.shape[:-2])
    sign, lad = np.linalg.slogdet(a)
    return np.asarray(np.where(sign < 0, np.nan, lad))


def _np_solve(a, b, left=True):
    if not left:
        return np.swapaxes(_np_solve(np.swapaxes(a, -1, -2), np.swapaxes(b, -1, -2)), -1, -2)
    vector = b.ndim == 1 or (b.ndim == a.ndim - 1 and b.shape == a.shape[:-1])
    bm = b[..., None] if vector else b
    batch = np.broadcast_shapes(a.shape[:-2], bm.shape[:-2])
    a = np.broadcast_to(a, batch + a.shape[-2:])
    bm = np.broadcast_to(bm, batch + bm.shape[-2:])
    x = np.zeros(bm.shape) if bm.size == 0 or a.shape[-1] == 0 else np.linalg.solve(a, bm)
    return x[..., 0] if vector else x


def _np_triangular(a, upper, unitriangular=False):
    t = np.triu(a) if upper else np.tril(a)
    if unitriangular:
        n = a.shape[-1]
        t = t * (1 - np.eye(n)) + np.eye(n)
    return t


def _np_cholesky(a, upper=False):
    if not a.shape[-1]:
        return a.copy()
    low = np.linalg.cholesky(a)
    return np.swapaxes(low, -1, -2) if upper else low


def _eigvecs_fixed_sign(m, q):
    """The eigenvectors with the sign that makes each one's first entry non-negative: sign-invariant, so equal
    across LAPACK builds (NumPy, fastgrad or torch)."""
    if isinstance(q, np.ndarray):
        return q * np.where(q[..., :1, :] < 0, -1.0, 1.0)
    return q * m.where(q[..., :1, :] < 0, -1.0, 1.0)


for _name in ("linalg.inv", "linalg.det", "linalg.slogdet", "logdet", "linalg.solve", "linalg.cholesky", "cholesky",
              "linalg.solve_triangular", "triangular_solve", "cholesky_solve", "linalg.eigh", "linalg.eigh_vectors",
              "linalg.eigvalsh"):
    NO_KIND.add((_name, "0d"))

_add(
    "linalg.inv",
    op=lambda m, a: m.linalg.inv(a),
    ref=lambda a: np.asarray(np.linalg.inv(a)) if a.shape[-1] else a.copy(),
    differentiable=True,
    sample_fn=_square_samples,
    api=("fastgrad.linalg.inv", "fastgrad.linalg.inv_ex", "fastgrad.inverse", "Tensor.inverse"),
    forms=(
        Form("inverse(a)", lambda m, a: m.inverse(a)),
        Form("a.inverse()", lambda m, a: a.inverse()),
        Form("inv_ex(a).inverse", lambda m, a: m.linalg.inv_ex(a).inverse),
    ),
    error_fn=lambda g: _square_errors(g, "the input matrix is singular"),
)
_add(
    "linalg.det",
    op=lambda m, a: m.linalg.det(a),
    ref=_np_det,
    differentiable=True,
    sample_fn=lambda g: _square_samples(g) + [Sample((_well_conditioned(g, (3, 3), negate_row=True),), id="negative")],
    api=("fastgrad.linalg.det", "fastgrad.det", "Tensor.det"),
    forms=(Form("det(a)", lambda m, a: m.det(a)), Form("a.det()", lambda m, a: a.det())),
    error_fn=_square_errors,
)
_add(
    "linalg.slogdet",
    op=lambda m, a: m.linalg.slogdet(a).logabsdet,
    ref=_np_logabsdet,
    differentiable=True,
    sample_fn=lambda g: _square_samples(g) + [Sample((_well_conditioned(g, (3, 3), negate_row=True),), id="negative")],
    api=("fastgrad.linalg.slogdet", "fastgrad.slogdet", "Tensor.slogdet"),
    forms=(
        Form("slogdet(a)[1]", lambda m, a: m.slogdet(a)[1]),
        Form("a.slogdet().logabsdet", lambda m, a: a.slogdet().logabsdet),
    ),
    error_fn=_square_errors,
)
_add(
    "logdet",
    op=lambda m, a: m.logdet(a),
    ref=_np_logdet,
    differentiable=True,
    sample_fn=lambda g: _square_samples(g)
    + [Sample((_well_conditioned(g, (2, 3, 3), negate_row=True),), id="negative_nan", grad=False)],
    api=("fastgrad.logdet", "Tensor.logdet"),
    forms=(Form("a.logdet()", lambda m, a: a.logdet()),),
    error_fn=lambda g: _square_errors(g)[:1],
)


def _solve_samples(g: Gen):
    wc = _well_conditioned
    return [
        Sample((wc(g, (3, 3)), g.t((3, 2))), id="matrix"),
        Sample((wc(g, (3, 3)), g.t((3,))), id="vector"),
        Sample((wc(g, (2, 3, 3)), g.t((2, 3))), id="batched_vectors"),
        Sample((wc(g, (2, 3, 3)), g.t((3, 2))), id="broadcast_B"),
        Sample((wc(g, (3, 3)), g.t((2, 3, 1))), id="broadcast_A"),
        Sample((wc(g, (3, 3), transposed=True), g.strided((3, 2))), id="noncontig"),
        Sample((wc(g, (3, 3)), g.t((2, 3))), {"left": False}, id="right"),
        Sample((wc(g, (2, 3, 3), transposed=True), g.T((2, 4, 3))), {"left": False}, id="right_batched"),
        Sample((g.t((0, 0)), g.t((0, 2))), id="0size"),
        Sample((wc(g, (3, 3)), g.t((3, 0))), id="0size_B"),
    ]


_add(
    "linalg.solve",
    op=lambda m, a, b, **kw: m.linalg.solve(a, b, **kw),
    ref=_np_solve,
    differentiable=True,
    sample_fn=_solve_samples,
    api=("fastgrad.linalg.solve", "fastgrad.linalg.solve_ex"),
    forms=(Form("solve_ex(a, b).result", lambda m, a, b, **kw: m.linalg.solve_ex(a, b, **kw).result),),
    error_fn=lambda g: [
        ErrorSample((_well_conditioned(g, (2, 2)), g.t((3, 1))), match="Incompatible shapes of A and B", id="shape"),
        ErrorSample((g.t((2, 3)), g.t((2, 1))), match="must be batches of square matrices", id="not_square"),
        ErrorSample((TIn(np.array([[1.0, 2.0], [2.0, 4.0]]), None, False), g.t((2, 1))),
                    match="The solver failed because the input matrix is singular", id="singular"),
    ],
)
_add(
    "linalg.cholesky",
    op=lambda m, x, spd=True, **kw: m.linalg.cholesky(_spd(m, x) if spd else x, **kw),
    ref=lambda x, spd=True, **kw: _np_cholesky(_spd(np, x) if spd else x, **kw),
    differentiable=True,
    sample_fn=lambda g: [
        Sample((g.t((3, 3)),), id="3x3"),
        Sample((g.t((2, 4, 3)),), id="batched_wide"),
        Sample((g.T((2, 3, 3)),), {"upper": True}, id="upper_transposed"),
        Sample((g.t((0, 0)),), id="0size"),
    ],
    api=("fastgrad.linalg.cholesky", "fastgrad.linalg.cholesky_ex"),
    forms=(Form("cholesky_ex(a).L", lambda m, x, spd=True, **kw: m.linalg.cholesky_ex(_spd(m, x), **kw).L),),
    error_fn=lambda g: [ErrorSample(e.args, {"spd": False}, match=e.match, id=e.id) for e in _square_errors(g)]
    + [ErrorSample((TIn(np.array([[1.0, 2.0], [2.0, 1.0]]), None, False),), {"spd": False},
                   match="not positive-definite", id="not_pd")],
)
_add(
    "cholesky",
    op=lambda m, x, *a, spd=True: m.cholesky(_spd(m, x) if spd else x, *a),
    ref=lambda x, *a, spd=True: _np_cholesky(_spd(np, x) if spd else x, *a),
    differentiable=True,
    sample_fn=lambda g: [
        Sample((g.t((3, 3)),), id="3x3"),
        Sample((g.T((2, 3, 3)), True), id="upper_batched_transposed"),
        Sample((g.t((0, 0)),), id="0size"),
    ],
    api=("fastgrad.cholesky", "Tensor.cholesky"),
    forms=(Form("x.cholesky()", lambda m, x, *a, spd=True: _spd(m, x).cholesky(*a)),),
    error_fn=lambda g: [
        ErrorSample((TIn(np.array([[1.0, 2.0], [2.0, 1.0]]), None, False),), {"spd": False},
                    match="not positive-definite", id="not_pd")
    ],
)


def _triangular_samples(g: Gen):
    wc = _well_conditioned
    return [
        Sample((wc(g, (3, 3)), g.t((3, 2))), {"upper": True}, id="upper"),
        Sample((wc(g, (3, 3)), g.t((3, 2))), {"upper": False}, id="lower"),
        Sample((wc(g, (3, 3)), g.t((2, 3))), {"upper": False, "left": False}, id="right"),
        Sample((wc(g, (3, 3)), g.t((3, 2))), {"upper": True, "unitriangular": True}, id="unit"),
        Sample((wc(g, (2, 3, 3), transposed=True), g.strided((3, 2))), {"upper": False}, id="broadcast_noncontig"),
        Sample((wc(g, (3, 3)), g.t((2, 3, 1))), {"upper": True}, id="broadcast_A"),
        Sample((g.t((0, 0)), g.t((0, 2))), {"upper": True}, id="0size"),
    ]


def _np_solve_triangular(a, b, upper, left=True, unitriangular=False):
    return _np_solve(_np_triangular(a, upper, unitriangular), b, left)


_add(
    "linalg.solve_triangular",
    op=lambda m, a, b, **kw: m.linalg.solve_triangular(a, b, **kw),
    ref=_np_solve_triangular,
    differentiable=True,
    sample_fn=_triangular_samples,
    api=("fastgrad.linalg.solve_triangular",),
    error_fn=lambda g: [
        ErrorSample((_well_conditioned(g, (2, 2)), g.t((3, 1))), {"upper": True}, match="Incompatible shapes",
                    id="shape"),
        ErrorSample((_well_conditioned(g, (2, 2)), g.t((2,))), {"upper": True},
                    match="must have at least 2 dimensions", id="B_1d"),
    ],
)


def _np_triangular_solve(b, a, upper=True, transpose=False, unitriangular=False):
    t = _np_triangular(a, upper, unitriangular)
    return _np_solve(np.swapaxes(t, -1, -2) if transpose else t, b)


_add(
    "triangular_solve",
    op=lambda m, b, a, *args: m.triangular_solve(b, a, *args)[0],
    ref=_np_triangular_solve,
    differentiable=True,
    sample_fn=lambda g: [
        Sample((g.t((3, 2)), _well_conditioned(g, (3, 3))), id="upper"),
        Sample((g.t((3, 2)), _well_conditioned(g, (3, 3)), False, True), id="lower_transpose"),
        Sample((g.strided((2, 3, 2)), _well_conditioned(g, (3, 3), transposed=True), True, False, True),
               id="unit_broadcast_noncontig"),
        Sample((g.t((0, 2)), g.t((0, 0))), id="0size"),
    ],
    api=("fastgrad.triangular_solve", "Tensor.triangular_solve"),
    forms=(
        Form("b.triangular_solve(a)[0]", lambda m, b, a, *args: b.triangular_solve(a, *args)[0]),
        Form("triangular_solve(b, a).solution", lambda m, b, a, *args: m.triangular_solve(b, a, *args).solution),
    ),
    error_fn=lambda g: [
        ErrorSample((g.t((3, 1)), _well_conditioned(g, (2, 2))), match="Incompatible matrix sizes", id="shape"),
    ],
)
_add(
    "triangular_solve_coefficient",
    op=lambda m, b, a, *args: m.triangular_solve(b, a, *args).cloned_coefficient,
    ref=lambda b, a, *args: np.broadcast_to(a, np.broadcast_shapes(a.shape[:-2], b.shape[:-2]) + a.shape[-2:]).copy(),
    differentiable=True,
    sample_fn=lambda g: [
        Sample((g.t((3, 2)), _well_conditioned(g, (3, 3))), id="upper"),
        Sample((g.t((2, 3, 2)), _well_conditioned(g, (3, 3), transposed=True)), id="broadcast_noncontig"),
        Sample((g.t((0, 2)), g.t((0, 0))), id="0size"),
    ],
    api=("fastgrad.triangular_solve",),
)
NO_KIND.add(("triangular_solve_coefficient", "0d"))


def _np_cholesky_solve(b, low, upper=False):
    t = np.triu(low) if upper else np.tril(low)
    a = np.swapaxes(t, -1, -2) @ t if upper else t @ np.swapaxes(t, -1, -2)
    return _np_solve(a, b)


def _tri_factor(m, low, upper=False):
    """The triangle of `low` that cholesky_solve reads (its gradient is not masked, as PyTorch's is not)."""
    if isinstance(low, np.ndarray):
        return np.triu(low) if upper else np.tril(low)
    return m.triu(low) if upper else m.tril(low)


_add(
    "cholesky_solve",
    op=lambda m, b, low, *args: m.cholesky_solve(b, _tri_factor(m, low, *args), *args),
    ref=_np_cholesky_solve,
    differentiable=True,
    sample_fn=lambda g: [
        Sample((g.t((3, 2)), _well_conditioned(g, (3, 3))), id="lower"),
        Sample((g.t((3, 2)), _well_conditioned(g, (3, 3)), True), id="upper"),
        Sample((g.strided((2, 3, 2)), _well_conditioned(g, (3, 3), transposed=True)), id="broadcast_noncontig"),
        Sample((g.t((0, 2)), g.t((0, 0))), id="0size"),
    ],
    api=("fastgrad.cholesky_solve", "Tensor.cholesky_solve"),
    forms=(Form("b.cholesky_solve(L)", lambda m, b, low, *args: b.cholesky_solve(_tri_factor(m, low, *args), *args)),),
    error_fn=lambda g: [
        ErrorSample((g.t((3, 1)), _well_conditioned(g, (2, 2))), match="Incompatible matrix sizes", id="shape"),
    ],
)


def _eigh_samples(g: Gen):
    return [
        Sample((g.t((3, 3)),), id="3x3"),
        Sample((g.t((2, 4, 4)),), id="batched"),
        Sample((g.T((3, 3)),), {"UPLO": "U"}, id="upper_transposed"),
        Sample((g.t((0, 0)),), id="0size"),
    ]


def _eigh_errors(g: Gen):
    return [
        ErrorSample((g.t((2, 3)),), {"sym": False}, match="must be batches of square matrices", id="not_square"),
        ErrorSample((g.t((2, 2)),), {"UPLO": "X"}, match="Expected UPLO argument to be 'L' or 'U'", id="uplo"),
    ]


_add(
    "linalg.eigh",
    op=lambda m, x, sym=True, **kw: m.linalg.eigh(_sym(x) if sym else x, **kw).eigenvalues,
    ref=lambda x, **kw: np.linalg.eigh(_sym(x))[0],
    differentiable=True,
    sample_fn=_eigh_samples,
    api=("fastgrad.linalg.eigh",),
    forms=(Form("eigh(x)[0]", lambda m, x, **kw: m.linalg.eigh(_sym(x), **kw)[0]),),
    error_fn=_eigh_errors,
)
_add(
    "linalg.eigh_vectors",
    op=lambda m, x, **kw: _eigvecs_fixed_sign(m, m.linalg.eigh(_sym(x), **kw).eigenvectors),
    ref=lambda x, **kw: _eigvecs_fixed_sign(np, np.linalg.eigh(_sym(x))[1]),
    differentiable=True,
    sample_fn=_eigh_samples,
    api=("fastgrad.linalg.eigh",),
)
_add(
    "linalg.eigvalsh",
    op=lambda m, x, sym=True, **kw: m.linalg.eigvalsh(_sym(x) if sym else x, **kw),
    ref=lambda x, **kw: np.linalg.eigvalsh(_sym(x)),
    differentiable=True,
    sample_fn=_eigh_samples,
    api=("fastgrad.linalg.eigvalsh",),
    error_fn=_eigh_errors,
)


# ---- composed in python/fastgrad/linalg.py: norms, vecdot, matrix_power, multi_dot ----


def _np_vector_norm(x, ord=2, dim=None, keepdim=False):
    axis = None if dim is None else (dim if isinstance(dim, int) else tuple(dim))
    a = np.abs(x)
    if ord == np.inf:
        r = a.max(axis=axis, keepdims=keepdim)
    elif ord == -np.inf:
        r = a.min(axis=axis, keepdims=keepdim)
    else:
        r = (a ** ord).sum(axis=axis, keepdims=keepdim) ** (1.0 / ord)
    return np.asarray(r)


_add(
    "linalg.vector_norm",
    op=lambda m, x, *a, **kw: m.linalg.vector_norm(x, *a, **kw),
    ref=_np_vector_norm,
    differentiable=True,
    sample_fn=lambda g: [
        Sample((g.t((3, 4), "nonzero"),), id="all"),
        Sample((g.t((3, 4), "nonzero"), 3), {"dim": 1}, id="p3_dim"),
        Sample((g.T((3, 4), "distinct"), float("inf")), {"dim": (0, 1), "keepdim": True}, id="inf_noncontig"),
        Sample((g.t((), "nonzero"), 1), id="0d"),
        Sample((g.t((0, 3)),), {"dim": 0}, id="0size"),
    ],
    api=("fastgrad.linalg.vector_norm", "fastgrad.linalg.norm"),
    forms=(Form("linalg.norm(x, ord, dim)", lambda m, x, *a, **kw: m.linalg.norm(
        x, a[0] if a else None, kw.get("dim") if not isinstance(kw.get("dim"), tuple) else None,
        kw.get("keepdim", False)), lambda s: s.args[0].ndim in (1, 2)
        and ("dim" not in s.kwargs or isinstance(s.kwargs["dim"], int))),),
    error_fn=lambda g: [ErrorSample((g.ints((3,), np.int64),), match="Expected a floating point", id="int64")],
)


def _np_matrix_norm(a, ord="fro", dim=(-2, -1), keepdim=False):
    d0, d1 = (d % a.ndim for d in dim)
    if ord in ("nuc", 2, -2):
        sv = np.linalg.svd(np.moveaxis(a, (d0, d1), (-2, -1)), compute_uv=False)
        r = sv.sum(-1) if ord == "nuc" else (sv.max(-1) if ord == 2 else sv.min(-1))
        return np.asarray(np.expand_dims(r, (d0, d1)) if keepdim else r)
    if ord == "fro":
        r = np.sqrt((a * a).sum(axis=(d0, d1), keepdims=keepdim))
    else:
        summed, reduced = (d0, d1) if abs(ord) == 1 else (d1, d0)
        s = np.abs(a).sum(axis=summed, keepdims=True)
        r = s.max(axis=reduced, keepdims=True) if ord > 0 else s.min(axis=reduced, keepdims=True)
        if not keepdim:
            r = np.squeeze(r, axis=(d0, d1))
    return np.asarray(r)


_add(
    "linalg.matrix_norm",
    op=lambda m, a, *args, **kw: m.linalg.matrix_norm(a, *args, **kw),
    ref=_np_matrix_norm,
    differentiable=True,
    sample_fn=lambda g: [
        Sample((g.t((3, 4)),), id="fro"),
        Sample((g.t((2, 3, 4), "distinct"), 1), id="one_batched"),
        Sample((g.T((3, 4), "distinct"), -1), {"keepdim": True}, id="minus_one_noncontig"),
        Sample((g.t((3, 2, 4), "distinct"), float("inf")), {"dim": (0, 2)}, id="inf_dims"),
        Sample((g.t((4, 3), "distinct"), float("-inf")), id="minus_inf"),
        Sample((g.t((2, 3, 4)), "nuc"), id="nuc_batched"),
        Sample((g.T((3, 4)), 2), {"keepdim": True}, id="two_keepdim_noncontig"),
        Sample((g.t((3, 2, 4)), -2), {"dim": (0, 2)}, id="minus_two_dims"),
        Sample((g.t((0, 3)),), id="0size"),
    ],
    api=("fastgrad.linalg.matrix_norm",),
    forms=(Form("linalg.norm(a, ord)", lambda m, a, *args, **kw: m.linalg.norm(a, *args, **kw),
                lambda s: s.args[0].ndim == 2 and not s.kwargs),),
    error_fn=lambda g: [
        ErrorSample((g.t((3,)),), match="must have at least 2 dimensions", id="1d"),
        ErrorSample((g.t((3, 3)), "bad"), match="not supported", id="ord"),
    ],
)
_add(
    "linalg.vecdot",
    op=lambda m, x, y, **kw: m.linalg.vecdot(x, y, **kw),
    ref=lambda x, y, dim=-1: np.asarray((x * y).sum(axis=dim)),
    differentiable=True,
    sample_fn=lambda g: [
        Sample((g.t((3, 4)), g.t((3, 4))), id="rows"),
        Sample((g.t((2, 3, 4)), g.t((4,))), {"dim": -1}, id="broadcast"),
        Sample((g.T((3, 4)), g.strided((3, 4))), {"dim": 0}, id="noncontig_dim0"),
        Sample((g.t((0, 3)), g.t((0, 3))), id="0size"),
    ],
    api=("fastgrad.linalg.vecdot",),
    error_fn=lambda g: [ErrorSample((g.t((2, 3)), g.t((2, 4))), match="must match the size", id="shape")],
)


def _np_matrix_power(a, n):
    if n < 0:
        a, n = np.linalg.inv(a), -n
    return np.asarray(np.linalg.matrix_power(a, n)) if a.shape[-1] else a.copy()


_add(
    "linalg.matrix_power",
    op=lambda m, a, n: m.linalg.matrix_power(a, n),
    ref=_np_matrix_power,
    differentiable=True,
    sample_fn=lambda g: [
        Sample((g.t((3, 3)), 3), id="cube"),
        Sample((_well_conditioned(g, (2, 3, 3), transposed=True), 5), id="batched_noncontig"),
        Sample((_well_conditioned(g, (3, 3)), -2), id="inverse_squared"),
        Sample((g.t((3, 3)), 1), id="one"),
        Sample((g.t((2, 3, 3)), 0), id="zero"),
        Sample((g.t((0, 0)), 2), id="0size"),
    ],
    api=("fastgrad.linalg.matrix_power",),
    error_fn=lambda g: [ErrorSample((g.t((2, 3)), 2), match="must be batches of square matrices", id="not_square")],
)
_add(
    "linalg.multi_dot",
    op=lambda m, *ts: m.linalg.multi_dot(list(ts)),
    ref=lambda *ts: np.asarray(np.linalg.multi_dot(ts)),
    differentiable=True,
    sample_fn=lambda g: [
        Sample((g.t((2, 3)), g.t((3, 4))), id="two"),
        Sample((g.t((3,)), g.t((3, 5)), g.t((5, 2)), g.t((2,))), id="vector_ends"),
        Sample((g.T((4, 2)), g.t((2, 6)), g.strided((6, 3))), id="noncontig"),
        Sample((g.t((2, 0)), g.t((0, 3))), id="0size"),
    ],
    api=("fastgrad.linalg.multi_dot",),
    error_fn=lambda g: [
        ErrorSample((g.t((2, 3)),), match="expected at least 2 tensors", id="one"),
        ErrorSample((g.t((2, 3)), g.t((2, 3))), match="cannot be multiplied", id="shape"),
    ],
)
for _name in ("linalg.matrix_norm", "linalg.matrix_power", "linalg.multi_dot", "linalg.vecdot"):
    NO_KIND.add((_name, "0d"))


# ---- LU ----


def _np_lu_packed(a):
    """LAPACK's packed LU (partial pivoting) of each matrix, computed directly (Doolittle with row swaps)."""
    a = np.array(a, dtype=np.float64)
    if a.size == 0:
        return a
    out = a.reshape((-1,) + a.shape[-2:]).copy()
    n = a.shape[-1]
    for m in out:
        for k in range(n):
            p = k + int(np.argmax(np.abs(m[k:, k])))
            m[[k, p]] = m[[p, k]]
            m[k + 1:, k] /= m[k, k]
            m[k + 1:, k + 1:] -= np.outer(m[k + 1:, k], m[k, k + 1:])
    return out.reshape(a.shape)


def _lu_samples(g: Gen):
    permuted = _well_conditioned(g, (3, 3))
    permuted.base = permuted.base[[2, 0, 1]]
    return [
        Sample((_well_conditioned(g, (3, 3)),), id="3x3"),
        Sample((permuted,), id="pivoted"),
        Sample((_well_conditioned(g, (2, 4, 4), transposed=True),), id="batched_transposed"),
        Sample((g.t((0, 0)),), id="0size"),
    ]


_add(
    "linalg.lu_factor",
    op=lambda m, a: m.linalg.lu_factor(a).LU,
    ref=_np_lu_packed,
    differentiable=True,
    sample_fn=_lu_samples,
    api=("fastgrad.linalg.lu_factor", "fastgrad.linalg.lu_factor_ex"),
    forms=(Form("lu_factor_ex(a).LU", lambda m, a: m.linalg.lu_factor_ex(a).LU),),
    error_fn=lambda g: [
        ErrorSample((g.t((3,)),), match="Expected tensor with 2 or more dimensions", id="1d"),
        ErrorSample((g.ints((2, 2), np.int64),), exc=NotImplementedError, match="not implemented for 'Long'",
                    id="int64"),
        ErrorSample((TIn(np.array([[1.0, 2.0], [2.0, 4.0]]), None, False),), match="U\\[2,2\\] is zero",
                    id="singular"),
    ],
)
_add(
    "linalg.lu_solve",
    op=lambda m, a, b, **kw: m.linalg.lu_solve(*m.linalg.lu_factor(a), b, **kw),
    ref=lambda a, b, left=True, adjoint=False: _np_solve(np.swapaxes(a, -1, -2) if adjoint else a, b, left),
    differentiable=True,
    sample_fn=lambda g: [
        Sample((_well_conditioned(g, (3, 3)), g.t((3, 2))), id="left"),
        Sample((_lu_samples(g)[1].args[0], g.t((3, 2))), {"adjoint": True}, id="pivoted_adjoint"),
        Sample((_well_conditioned(g, (3, 3)), g.T((2, 3))), {"left": False}, id="right_noncontig"),
        Sample((_well_conditioned(g, (2, 3, 3)), g.t((3, 1))), id="broadcast_B"),
        Sample((_well_conditioned(g, (3, 3)), g.t((2, 3))), {"left": False, "adjoint": True}, id="right_adjoint"),
        Sample((g.t((0, 0)), g.t((0, 2))), id="0size"),
    ],
    api=("fastgrad.linalg.lu_solve",),
    error_fn=lambda g: [
        ErrorSample((_well_conditioned(g, (2, 2)), g.t((3, 1))), match="Incompatible shapes", id="shape"),
    ],
)
for _name in ("linalg.lu_factor", "linalg.lu_solve"):
    NO_KIND.add((_name, "0d"))


# ---- SVD ----


def _svd_samples(g: Gen):
    return [
        Sample((g.t((3, 3)),), id="square"),
        Sample((g.t((2, 4, 3)),), id="batched_tall"),
        Sample((g.T((3, 5)),), id="wide_transposed"),
        Sample((g.t((0, 3)),), id="0size"),
    ]


_add(
    "linalg.svd",
    op=lambda m, a, **kw: m.linalg.svd(a, **kw).S,
    ref=lambda a, **kw: np.linalg.svd(a, compute_uv=False) if a.size else np.zeros(a.shape[:-2] + (0,)),
    differentiable=True,
    sample_fn=lambda g: _svd_samples(g) + [Sample((g.t((2, 3)),), {"full_matrices": False}, id="reduced")],
    api=("fastgrad.linalg.svd",),
    forms=(Form("svd(a)[1]", lambda m, a, **kw: m.linalg.svd(a, **kw)[1]),),
    error_fn=lambda g: [
        ErrorSample((g.t((3,)),), match="must have at least 2 dimensions", id="1d"),
        ErrorSample((g.ints((2, 2), np.int64),), match="Expected a floating point", id="int64"),
    ],
)
_add(
    "linalg.svd_vectors",  # U Vh: invariant to the sign of each pair of singular vectors
    op=lambda m, a: (lambda r: r.U @ r.Vh)(m.linalg.svd(a, full_matrices=False)),
    ref=lambda a: (lambda u, s, vh: u @ vh)(*np.linalg.svd(a, full_matrices=False)),
    differentiable=True,
    sample_fn=lambda g: _svd_samples(g)[:3],
    api=("fastgrad.linalg.svd",),
)
_add(
    "linalg.svdvals",
    op=lambda m, a: m.linalg.svdvals(a),
    ref=lambda a: np.linalg.svd(a, compute_uv=False) if a.size else np.zeros(a.shape[:-2] + (0,)),
    differentiable=True,
    sample_fn=_svd_samples,
    api=("fastgrad.linalg.svdvals",),
)
_add(
    "svd",
    op=lambda m, a, *args: m.svd(a, *args).S,
    ref=lambda a, *args: np.linalg.svd(a, compute_uv=False) if a.size else np.zeros(a.shape[:-2] + (0,)),
    differentiable=True,
    sample_fn=lambda g: _svd_samples(g) + [Sample((g.t((3, 2)), False), id="not_some")],
    api=("fastgrad.svd", "Tensor.svd"),
    forms=(Form("a.svd()[1]", lambda m, a, *args: a.svd(*args)[1]),),
)
_add(
    "svd_vectors",  # U V^T of the legacy form
    op=lambda m, a: (lambda r: r.U @ r.V.mT)(m.svd(a)),
    ref=lambda a: (lambda u, s, vh: u @ vh)(*np.linalg.svd(a, full_matrices=False)),
    differentiable=True,
    sample_fn=lambda g: _svd_samples(g)[:3],
    api=("fastgrad.svd",),
)
for _name in ("linalg.svd", "linalg.svd_vectors", "linalg.svdvals", "svd", "svd_vectors"):
    NO_KIND.add((_name, "0d"))
NO_KIND.add(("linalg.svd_vectors", "0size"))
NO_KIND.add(("svd_vectors", "0size"))
_add(
    "linalg.matrix_rank",
    op=lambda m, a, **kw: m.linalg.matrix_rank(a, **kw),
    ref=lambda a, **kw: np.asarray(np.linalg.matrix_rank(a, hermitian=kw.get("hermitian", False))).astype(np.int64),
    differentiable=False,
    sample_fn=lambda g: [
        Sample((g.t((3, 4)),), id="full"),
        Sample((TIn(np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]])),), id="deficient"),
        Sample((g.T((2, 3, 3)),), id="batched_noncontig"),
        Sample((TIn(np.diag([2.0, 1.0, 0.0])),), {"hermitian": True}, id="hermitian"),
        Sample((g.t((0, 3)),), id="0size"),
    ],
    api=("fastgrad.linalg.matrix_rank",),
    error_fn=lambda g: [ErrorSample((g.t((3,)),), match="must have at least 2 dimensions", id="1d")],
)
NO_KIND.add(("linalg.matrix_rank", "0d"))


# ---- QR ----

_add(
    "linalg.qr",
    op=lambda m, a, *args: m.linalg.qr(a, *args).R,
    ref=None,  # NumPy's R differs from LAPACK's in the signs of its rows (NumPy uses its own LAPACK build)
    differentiable=True,
    sample_fn=lambda g: [
        Sample((g.t((4, 3)),), id="tall"),
        Sample((g.t((2, 3, 3)), "complete"), id="square_complete_batched"),
        Sample((g.T((5, 2)),), id="tall_transposed"),
        Sample((g.t((0, 2)),), id="0size"),
    ],
    api=("fastgrad.linalg.qr",),
    forms=(Form("qr(a)[1]", lambda m, a, *args: m.linalg.qr(a, *args)[1]),),
    error_fn=lambda g: [
        ErrorSample((g.t((3,)),), match="must have at least 2 dimensions", id="1d"),
        ErrorSample((g.t((2, 2)), "bad"), match="unrecognized mode", id="mode"),
    ],
)
_add(
    "linalg.qr_Q",
    op=lambda m, a, *args: m.linalg.qr(a, *args).Q,
    ref=None,
    differentiable=True,
    sample_fn=lambda g: [
        Sample((g.t((4, 3)),), id="tall"),
        Sample((g.T((2, 3, 3)), "complete"), id="square_complete_batched_noncontig"),
        Sample((g.t((0, 2)),), id="0size"),
    ],
    api=("fastgrad.linalg.qr",),
)
for _name in ("linalg.qr", "linalg.qr_Q"):
    NO_KIND.add((_name, "0d"))


# ---- cross, matrix_exp, pinv, lstsq, cond (cpp/src/ops/linalg_extra.cpp; cond composed in linalg.py) ----


def _np_matrix_exp(a):
    """An independent reference: the Taylor series to degree 40 after scaling every matrix to norm <= 1/16,
    then squaring back (NumPy float64)."""
    a = np.asarray(a, dtype=np.float64)
    if a.size == 0:
        return a.copy()
    norm = np.abs(a).sum(-2).max()
    s = max(0, int(np.ceil(np.log2(norm * 16)))) if norm > 0 else 0
    x = a / 2.0**s
    eye = np.broadcast_to(np.eye(a.shape[-1]), a.shape)
    term, out = eye.copy(), eye.copy()
    for k in range(1, 41):
        term = term @ x / k
        out = out + term
    for _ in range(s):
        out = out @ out
    return out


def _np_lstsq_solution(a, b):
    vector = b.ndim == a.ndim - 1
    bm = b[..., None] if vector else b
    x = np.linalg.pinv(a) @ bm
    return x[..., 0] if vector else x


_add(
    "linalg.cross",
    op=lambda m, a, b, **kw: m.linalg.cross(a, b, **kw),
    ref=lambda a, b, dim=-1: np.cross(*np.broadcast_arrays(a, b), axis=dim),
    differentiable=True,
    sample_fn=lambda g: [
        Sample((g.t((3,)), g.t((3,))), id="vectors"),
        Sample((g.t((4, 3)), g.t((1, 3))), id="broadcast"),
        Sample((g.t((3, 2)), g.T((3, 2))), {"dim": 0}, id="dim0_noncontig"),
        Sample((g.t((2, 3, 4)), g.strided((2, 3, 4))), {"dim": 1}, id="dim1_strided"),
        Sample((g.t((0, 3)), g.t((0, 3))), id="0size"),
    ],
    api=("fastgrad.linalg.cross",),
    error_fn=lambda g: [
        ErrorSample((g.t((2, 3)), g.t((3,))), match="inputs must have the same number of dimensions", id="ndim"),
        ErrorSample((g.t((2, 4)), g.t((2, 4))), match="must have length 3", id="not_3"),
        ErrorSample((g.t((3, 2)), g.t((3, 2))), {"dim": 2}, exc=IndexError, match="Dimension out of range",
                    id="dim_range"),
        ErrorSample((g.t((4, 3)), g.t((2, 3))), match="must match the size", id="no_broadcast"),
    ],
)
_add(
    "cross",
    op=lambda m, a, b, **kw: m.cross(a, b, **kw),
    ref=lambda a, b, dim: np.cross(*np.broadcast_arrays(a, b), axis=dim),
    differentiable=True,
    sample_fn=lambda g: [
        Sample((g.t((4, 3)), g.t((4, 3))), {"dim": 1}, id="dim1"),
        Sample((g.T((3, 3)), g.t((3, 3))), {"dim": 0}, id="dim0_noncontig"),
        Sample((g.t((0, 3)), g.t((0, 3))), {"dim": -1}, id="0size"),
    ],
    api=("fastgrad.cross", "Tensor.cross"),
    forms=(Form("a.cross(b, dim)", lambda m, a, b, **kw: a.cross(b, **kw)),),
    error_fn=lambda g: [ErrorSample((g.t((2, 4)), g.t((2, 4))), {"dim": 1}, match="must have length 3", id="not_3")],
)
_add(
    "linalg.matrix_exp",
    op=lambda m, a: m.linalg.matrix_exp(a),
    ref=_np_matrix_exp,
    differentiable=True,
    sample_fn=lambda g: [
        Sample((g.t((3, 3)),), id="3x3"),
        Sample((TIn(g.values((2, 4, 4)) * 3.0),), id="batched_large_norm"),
        Sample((g.T((2, 3, 3)),), id="batched_transposed"),
        Sample((g.t((1, 1)),), id="1x1"),
        Sample((g.t((0, 0)),), id="0size"),
    ],
    api=("fastgrad.linalg.matrix_exp", "fastgrad.matrix_exp", "Tensor.matrix_exp"),
    forms=(Form("matrix_exp(a)", lambda m, a: m.matrix_exp(a)), Form("a.matrix_exp()", lambda m, a: a.matrix_exp())),
    error_fn=lambda g: [
        ErrorSample((g.t((2, 3)),), match="must be batches of square matrices", id="not_square"),
        ErrorSample((g.t((3,)),), match="must have at least 2 dimensions", id="1d"),
        ErrorSample((g.ints((2, 2), np.int64),), match="Expected a floating point", id="int64"),
    ],
)
_add(
    "linalg.pinv",
    op=lambda m, a, **kw: m.linalg.pinv(a, **kw),
    ref=lambda a, hermitian=False, **kw: (np.linalg.pinv(a, hermitian=hermitian) if a.size
                                         else np.zeros(a.shape[:-2] + (a.shape[-1], a.shape[-2]))),
    differentiable=True,
    sample_fn=lambda g: [
        Sample((_well_conditioned(g, (3, 3)),), id="square"),
        Sample((g.t((2, 4, 3)),), id="batched_tall"),
        Sample((g.T((3, 5)),), id="wide_transposed"),
        Sample((_well_conditioned(g, (3, 3)),), {"hermitian": True}, id="hermitian", grad=False),
        Sample((g.t((3, 2)),), {"atol": 1e-3, "rtol": 1e-6}, id="tolerances"),
        Sample((g.t((0, 3)),), id="0size", grad=False),
    ],
    api=("fastgrad.linalg.pinv",),
    error_fn=lambda g: [
        ErrorSample((g.t((3,)),), match="expected a tensor with 2 or more dimensions", id="1d"),
        ErrorSample((g.ints((2, 2), np.int64),), match="expected a tensor with 2 or more dimensions", id="int64"),
    ],
)
_add(
    "pinverse",
    op=lambda m, a, *args: m.pinverse(a, *args),
    ref=lambda a, *args: np.linalg.pinv(a),
    differentiable=True,
    sample_fn=lambda g: [Sample((g.t((3, 2)),), id="tall"), Sample((g.T((2, 2, 3)),), id="batched_noncontig"),
                         Sample((g.t((3, 3)), 1e-10), id="rcond")],
    api=("fastgrad.pinverse", "Tensor.pinverse"),
    forms=(Form("a.pinverse()", lambda m, a, *args: a.pinverse(*args)),),
)
_add(
    "linalg.lstsq",
    op=lambda m, a, b, **kw: m.linalg.lstsq(a, b, **kw).solution,
    ref=lambda a, b, **kw: _np_lstsq_solution(a, b),
    differentiable=True,
    sample_fn=lambda g: [
        Sample((g.t((4, 3)), g.t((4, 2))), id="tall"),
        Sample((g.t((3, 4)), g.t((3, 2))), {"driver": "gelsd"}, id="wide_gelsd"),
        Sample((g.t((2, 4, 3)), g.t((1, 4, 2))), {"driver": "gelss"}, id="broadcast_batch"),
        Sample((g.T((3, 3)), g.t((3,))), {"driver": "gels"}, id="vector_noncontig"),
        Sample((g.t((0, 3)), g.t((0, 2))), id="0size", grad=False),
    ],
    api=("fastgrad.linalg.lstsq",),
    forms=(Form("lstsq(a, b)[0]", lambda m, a, b, **kw: m.linalg.lstsq(a, b, **kw)[0]),),
    error_fn=lambda g: [
        ErrorSample((g.t((4, 3)), g.t((3, 2))), match=r"input.size\(-2\) should match other.size\(-2\)", id="rows"),
        ErrorSample((g.t((4, 3)), g.t((4, 2))), {"driver": "bad"}, match="parameter `driver` should be one of",
                    id="driver"),
    ],
)
_add(
    "linalg.lstsq.residuals",
    op=lambda m, a, b, **kw: m.linalg.lstsq(a, b, **kw).residuals,
    ref=lambda a, b, **kw: ((a @ _np_lstsq_solution(a, b) - b) ** 2).sum(-2),
    differentiable=True,
    sample_fn=lambda g: [
        Sample((g.t((5, 3)), g.t((5, 2))), {"driver": "gelsd"}, id="tall_gelsd"),
        Sample((g.t((2, 4, 2)), g.T((2, 4, 3))), {"driver": "gels"}, id="batched_noncontig"),
    ],
    api=("fastgrad.linalg.lstsq",),
)
_add(
    "linalg.cond",
    op=lambda m, a, *args: m.linalg.cond(a, *args),
    ref=lambda a, *args: np.linalg.cond(a, *args),
    differentiable=True,
    sample_fn=lambda g: [
        Sample((_well_conditioned(g, (3, 3)),), id="default"),
        Sample((g.t((2, 4, 3)),), id="batched_tall"),
        Sample((_well_conditioned(g, (3, 3), transposed=True), -2), id="p_neg2_noncontig"),
        Sample((_well_conditioned(g, (2, 3, 3)), "fro"), id="fro"),
        Sample((_well_conditioned(g, (3, 3)), "nuc"), id="nuc"),
        Sample((_well_conditioned(g, (3, 3)), float("inf")), id="inf"),
        Sample((_well_conditioned(g, (3, 3)), 1), id="p1"),
    ],
    api=("fastgrad.linalg.cond",),
    error_fn=lambda g: [
        ErrorSample((g.t((3,)),), match="must have at least 2 dimensions", id="1d"),
        ErrorSample((g.t((2, 3)), "fro"), match="must be batches of square matrices", id="fro_not_square"),
        ErrorSample((g.t((3, 3)), 3), match="invalid norm type", id="bad_p"),
    ],
)
# PyTorch's own backward of cond(A, p) for p in fro, inf, -inf, 1, -1 raises (it modifies linalg.inv_ex's output
# in place); fastgrad's is checked by gradcheck.
TORCH_BACKWARD_RAISES = {
    ("torch_backward", "linalg.cond", f"{dt}-{c}"): "PyTorch's backward of linalg.cond raises for this p (an "
    "in-place change of linalg.inv_ex's output)" for dt in ("float32", "float64") for c in ("fro", "inf", "p1")
}
for _name in ("linalg.cross", "cross", "linalg.matrix_exp", "linalg.pinv", "pinverse", "linalg.lstsq",
              "linalg.lstsq.residuals", "linalg.cond"):
    NO_KIND.add((_name, "0d"))
for _name in ("pinverse", "linalg.lstsq.residuals", "linalg.cond"):
    NO_KIND.add((_name, "0size"))
