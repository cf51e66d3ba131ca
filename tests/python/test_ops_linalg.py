"""Linear algebra against PyTorch: matmul over every rank pairing (also non-contiguous, integer and large
batched), the matrix products and their in-place forms, einsum (forms, integers, errors): values, dtypes,
grad_fn names, gradients, float64 gradcheck and second order, and errors (type and message)."""

import re

import numpy as np
import pytest

import fastgrad as fg
from index_linalg_helpers import I, T, both_raise, check_grad, check_gradgrad, rand, run_both

torch = pytest.importorskip("torch")


# --------------------------------------------------------------------------------------------------------
# linear algebra
# --------------------------------------------------------------------------------------------------------

MATMUL_SHAPES = [
    ((3,), (3,)),
    ((2, 3), (3,)),
    ((3,), (3, 4)),
    ((2, 3), (3, 4)),
    ((3,), (5, 3, 4)),
    ((5, 2, 3), (3,)),
    ((5, 2, 3), (3, 4)),
    ((2, 3), (5, 3, 4)),
    ((5, 2, 3), (5, 3, 4)),
    ((2, 5, 2, 3), (5, 3, 4)),
    ((2, 1, 2, 3), (5, 3, 4)),
    ((1, 5, 2, 3), (2, 5, 3, 4)),
    ((5, 3), (2, 1, 3, 4)),
    ((2, 2, 3), (3,)),
    ((0, 2, 3), (3, 4)),
    ((2, 0), (0, 3)),
    ((4, 2, 0), (0, 3)),
    ((2, 3), (3, 0)),
]


@pytest.mark.parametrize("grads", [(True, True), (False, True), (True, False)], ids=["both", "b", "a"])
@pytest.mark.parametrize("sa,sb", MATMUL_SHAPES, ids=[f"{a}@{b}" for a, b in MATMUL_SHAPES])
def test_matmul_matches_torch(sa, sb, grads):
    """Values, gradients and the top Node's name (PyTorch folds or batches depending on ranks and on
    which operand requires grad)."""
    specs = [T(rand(*sa), requires_grad=grads[0]), T(rand(*sb, seed=1), requires_grad=grads[1])]
    run_both(lambda m, a, b: m.matmul(a, b), specs)
    run_both(lambda m, a, b: a @ b, specs)


def test_matmul_non_contiguous():
    run_both(lambda m, a, b: a @ b, [T(rand(4, 6), view="t"), T(rand(4, 2))])
    run_both(lambda m, a, b: a @ b, [T(rand(3, 8), view="step"), T(rand(4, 2))])
    run_both(lambda m, a, b: a @ b, [T(rand(2, 5, 3), view="t"), T(rand(3, 4))])
    run_both(lambda m, a, b: a @ b, [T(rand(2, 5, 3), view="t"), T(rand(5, 3, 4))])
    run_both(lambda m, a, b: a @ b, [T(rand(3, 5), view="t"), T(rand(2, 3, 8), view="step")])
    run_both(lambda m, a, b: m.bmm(a, b), [T(rand(2, 5, 3), view="t"), T(rand(5, 3, 8), view="step")])


def test_matmul_gradcheck():
    for sa, sb in [
        ((3,), (3,)),
        ((2, 3), (3,)),
        ((3,), (3, 2)),
        ((2, 1, 2, 3), (3, 3, 2)),
        ((2, 3), (2, 3, 2)),
        ((2, 2, 3), (3,)),
    ]:
        check_grad(lambda m, a, b: a @ b, [T(rand(*sa)), T(rand(*sb, seed=1))])
    check_gradgrad(lambda m, a, b: a @ b, [T(rand(2, 2, 3)), T(rand(3, 2, seed=1))])


def test_matmul_integer_dtypes():
    a, b = np.arange(24).reshape(2, 3, 4), np.arange(8).reshape(4, 2)
    for dtype in (np.int64, np.int32):
        run_both(lambda m, x, y: x @ y, [T(a.astype(dtype)), T(b.astype(dtype))])
        run_both(lambda m, x, y: m.mm(x, y), [T(a[0].astype(dtype)), T(b.astype(dtype))])
        run_both(lambda m, x, y: m.dot(x, y), [T(a[0, 0].astype(dtype)), T(a[1, 1].astype(dtype))])


LINALG_CASES = {
    "mm": [
        (lambda m, a, b: m.mm(a, b), [T(rand(2, 3)), T(rand(3, 4))]),
        (lambda m, a, b: a.mm(b), [T(rand(3, 2), view="t"), T(rand(3, 8), view="step")]),
    ],
    "bmm": [
        (lambda m, a, b: m.bmm(a, b), [T(rand(2, 2, 3)), T(rand(2, 3, 4))]),
        (lambda m, a, b: a.bmm(b), [T(rand(3, 2, 3), view="t"), T(rand(2, 3, 4))]),
    ],
    "mv": [
        (lambda m, a, v: m.mv(a, v), [T(rand(2, 3)), T(rand(3))]),
        (lambda m, a, v: a.mv(v), [T(rand(3, 2), view="t"), T(rand(6), view="step")]),
    ],
    "dot": [
        (lambda m, a, b: m.dot(a, b), [T(rand(3)), T(rand(3, seed=1))]),
        (lambda m, a, b: a.dot(b), [T(rand(6), view="step"), T(rand(3))]),
        (lambda m, a, b: m.dot(a, b), [T(np.zeros(0)), T(np.zeros(0))]),
    ],
    "outer": [
        (lambda m, a, b: m.outer(a, b), [T(rand(3)), T(rand(4))]),
        (lambda m, a, b: a.ger(b), [T(rand(6), view="step"), T(rand(2))]),
        (lambda m, a, b: m.outer(a, b), [T(rand(3)), I([1, 2])]),
    ],
    "addmm": [
        (lambda m, s, a, b: m.addmm(s, a, b), [T(rand(2, 4)), T(rand(2, 3)), T(rand(3, 4))]),
        (lambda m, s, a, b: m.addmm(s, a, b, beta=0.5, alpha=-2), [T(rand(4)), T(rand(2, 3)), T(rand(3, 4))]),
        (lambda m, s, a, b: s.addmm(a, b, beta=0), [T(rand(1, 1)), T(rand(3, 2), view="t"), T(rand(3, 4))]),
    ],
    "addmv": [
        (lambda m, s, a, v: m.addmv(s, a, v), [T(rand(2)), T(rand(2, 3)), T(rand(3))]),
        (lambda m, s, a, v: s.addmv(a, v, beta=2, alpha=0.5), [T(np.array(1.0)), T(rand(2, 3)), T(rand(3))]),
    ],
    "baddbmm": [
        (lambda m, s, a, b: m.baddbmm(s, a, b), [T(rand(2, 2, 4)), T(rand(2, 2, 3)), T(rand(2, 3, 4))]),
        (
            lambda m, s, a, b: s.baddbmm(a, b, beta=-1, alpha=3),
            [T(rand(4)), T(rand(2, 2, 3)), T(rand(2, 3, 4))],
        ),
    ],
    "trace": [
        (lambda m, a: m.trace(a), [T(rand(3, 3))]),
        (lambda m, a: a.trace(), [T(rand(3, 5), view="t")]),
        (lambda m, a: m.trace(a), [T(np.zeros((0, 2)))]),
    ],
}


@pytest.mark.parametrize(
    "op,case", [(op, i) for op, cases in LINALG_CASES.items() for i in range(len(cases))]
)
def test_linalg_op_matches_torch(op, case):
    fn, specs = LINALG_CASES[op][case]
    run_both(fn, specs)


@pytest.mark.parametrize(
    "op,case", [(op, i) for op, cases in LINALG_CASES.items() for i in range(len(cases))]
)
def test_linalg_op_gradcheck(op, case):
    fn, specs = LINALG_CASES[op][case]
    check_grad(fn, specs)


def test_linalg_second_order():
    check_gradgrad(
        lambda m, s, a, b: m.addmm(s, a, b, alpha=2), [T(rand(2, 2)), T(rand(2, 3)), T(rand(3, 2))]
    )
    check_gradgrad(
        lambda m, s, a, b: m.baddbmm(s, a, b), [T(rand(2, 2, 2)), T(rand(2, 2, 3)), T(rand(2, 3, 2))]
    )
    check_gradgrad(lambda m, a: m.trace(a * a), [T(rand(2, 2))])


def test_linalg_in_place():
    for name, args in [
        ("addmm_", ((2, 3), (3, 4))),
        ("addmv_", ((2, 3), (3,))),
        ("baddbmm_", ((2, 2, 3), (2, 3, 4))),
    ]:
        outs = []
        for m in (fg, torch):
            shape = {"addmm_": (2, 4), "addmv_": (2,), "baddbmm_": (2, 2, 4)}[name]
            s = m.tensor(rand(*shape))
            r = getattr(s, name)(
                m.tensor(rand(*args[0])), m.tensor(rand(*args[1], seed=2)), beta=0.5, alpha=2
            )
            assert r is s
            outs.append(s.numpy())
        np.testing.assert_allclose(outs[0], outs[1])
    for m in (fg, torch):
        x = m.tensor(rand(2, 4), requires_grad=True)
        y = x * 1
        y.addmm_(m.tensor(rand(2, 3)), m.tensor(rand(3, 4)), beta=3)
        y.sum().backward()
        assert x.grad.tolist() == [[3.0] * 4] * 2


EINSUM_CASES = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("bij,bjk->bik", [(5, 2, 3), (5, 3, 4)]),
    ("i,i->", [(3,), (3,)]),
    ("ij->ji", [(3, 2)]),
    ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]),
    ("i,j->ij", [(3,), (2,)]),
    ("...ij,...jk->...ik", [(5, 2, 3), (3, 4)]),
    ("ij,jk", [(2, 3), (3, 4)]),
    ("ij", [(2, 3)]),
    ("ji", [(2, 3)]),
    ("ij->", [(2, 3)]),
    ("ij->j", [(2, 3)]),
    ("ij,ij->ij", [(2, 3), (1, 3)]),
    ("...j,...j->...", [(4, 2, 3), (2, 3)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)]),
    ("i j , j k -> i k", [(2, 3), (3, 4)]),
    ("bn,anm,bm->ba", [(2, 3), (4, 3, 5), (2, 5)]),
    ("iij->j", [(3, 3, 2)]),
    ("Ab,bc->Ac", [(2, 3), (3, 4)]),
    ("...i->i", [(2, 3)]),
    ("i...", [(2, 3)]),
    ("ij->...", [(2, 3)]),
    ("bhqd,bhkd->bhqk", [(2, 2, 3, 4), (2, 2, 5, 4)]),
    ("ij,j->i", [(3, 4), (4,)]),
    ("i,i->i", [(3,), (3,)]),
    ("ijk,ikl->ijl", [(2, 0, 3), (2, 3, 4)]),
    ("iji->j", [(2, 3, 2)]),
    ("", [()]),
    ("->", [()]),
    ("bi,bi->b", [(4, 3), (4, 3)]),
]


@pytest.mark.parametrize("eq,shapes", EINSUM_CASES, ids=[c[0] or "empty" for c in EINSUM_CASES])
def test_einsum_matches_torch(eq, shapes):
    specs = [T(rand(*s, seed=i)) for i, s in enumerate(shapes)]
    run_both(lambda m, *ops: m.einsum(eq, *ops), specs, check_name=False)


def test_einsum_forms_and_gradcheck():
    a, b = rand(2, 3), rand(3, 4)
    run_both(lambda m, x, y: m.einsum("ij,jk->ik", [x, y]), [T(a), T(b)], check_name=False)
    run_both(lambda m, x, y: m.einsum("ij,jk->ik", (x, y)), [T(a), T(b)], check_name=False)
    run_both(lambda m, x, y: m.einsum(x, [0, 1], y, [1, 2], [0, 2]), [T(a), T(b)], check_name=False)
    run_both(lambda m, x: m.einsum(x, [Ellipsis, 1], [Ellipsis]), [T(a)], check_name=False)
    run_both(lambda m, x, y: m.einsum("ij,jk->ik", x, y), [T(rand(3, 2), view="t"), T(b)], check_name=False)
    for eq, shapes in [
        ("ij,jk->ik", [(2, 3), (3, 2)]),
        ("ii->i", [(3, 3)]),
        ("bn,anm,bm->ba", [(2, 3), (2, 3, 2), (2, 2)]),
        ("...j,...j->...", [(2, 2, 3), (2, 3)]),
    ]:
        check_grad(lambda m, *ops: m.einsum(eq, *ops), [T(rand(*s, seed=i)) for i, s in enumerate(shapes)])
    check_gradgrad(lambda m, x, y: m.einsum("bij,bjk->bik", x, y), [T(rand(2, 2, 3)), T(rand(2, 3, 2))])


def test_einsum_integer():
    run_both(
        lambda m, x, y: m.einsum("ij,jk->ik", x, y),
        [T(np.arange(6).reshape(2, 3)), T(np.arange(6).reshape(3, 2))],
    )


EINSUM_ERRORS = [
    (
        "ij,jk->ik",
        [(2, 3), (4, 4)],
        "einsum\\(\\): subscript j has size 4 for operand 1 which does not broadcast with "
        "previously seen size 3",
    ),
    ("ij,jk->ik", [(2, 3)], "einsum\\(\\): fewer operands were provided than specified in the equation"),
    ("ij", [(2, 3), (2, 3)], "einsum\\(\\): more operands were provided than specified in the equation"),
    (
        "ijk,jk->ik",
        [(2, 3), (3, 4)],
        re.escape(
            "einsum(): the number of subscripts in the equation (3) does not match "
            "the number of dimensions (2) for operand 0 and no ellipsis was given"
        ),
    ),
    (
        "ijk...",
        [(2, 3)],
        re.escape(
            "einsum(): the number of subscripts in the equation (3) is more than the number of "
            "dimensions (2) for operand 0"
        ),
    ),
    (
        "ij,jk->il",
        [(2, 3), (3, 4)],
        "einsum\\(\\): output subscript l does not appear in the equation for any input operand",
    ),
    ("ij,jk->ii", [(2, 3), (3, 4)], "einsum\\(\\): output subscript i appears more than once in the output"),
    ("i..", [(2, 3)], "einsum\\(\\): found '.' for operand 0 that is not part of any ellipsis"),
    ("i...j...", [(2, 3)], "einsum\\(\\): found '.' for operand 0 for which an ellipsis was already found"),
    (
        "i1",
        [(2, 3)],
        "einsum\\(\\): invalid subscript given at index 1 in the equation string, subscripts must be in "
        "\\[a-zA-Z\\]",
    ),
    (
        "ij->...i...",
        [(2, 3)],
        re.escape("einsum(): found '.' for output but an ellipsis (...) was already found"),
    ),
    ("ii", [(2, 3)], "einsum\\(\\): subscript i is repeated for operand 0 but the sizes don't match, 3 != 2"),
]


@pytest.mark.parametrize("eq,shapes,match", EINSUM_ERRORS, ids=[e[0] for e in EINSUM_ERRORS])
def test_einsum_errors(eq, shapes, match):
    both_raise(lambda m: m.einsum(eq, *[m.zeros(*s) for s in shapes]), RuntimeError, match)


def test_einsum_dtype_error_and_missing_operands():
    both_raise(
        lambda m: m.einsum("ij,jk->ik", m.zeros(2, 3), m.zeros(3, 4, dtype=m.float64)),
        RuntimeError,
        "expected scalar type Float but found Double",
    )
    both_raise(lambda m: m.einsum("i"), ValueError, "einsum\\(\\): must specify the equation string")


LINALG_ERRORS = [
    (
        lambda m: m.mm(m.zeros(2, 3), m.zeros(4, 5)),
        RuntimeError,
        re.escape("mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)"),
    ),
    (
        lambda m: m.mm(m.zeros(2, 3), m.zeros(3, 5, dtype=m.float64)),
        RuntimeError,
        "expected m1 and m2 to have the same dtype, but got: float != double",
    ),
    (
        lambda m: m.mm(m.zeros(2, 3, dtype=m.int64), m.zeros(3, 5)),
        RuntimeError,
        "expected m1 and m2 to have the same dtype, but got: long int != float",
    ),
    (lambda m: m.mm(m.zeros(3), m.zeros(3, 5)), RuntimeError, "self must be a matrix"),
    (lambda m: m.mm(m.zeros(2, 3), m.zeros(3)), RuntimeError, "mat2 must be a matrix"),
    (
        lambda m: m.mm(m.zeros(2, 3, dtype=m.bool), m.zeros(3, 2, dtype=m.bool)),
        NotImplementedError,
        "\"addmm_impl_cpu_\" not implemented for 'Bool'",
    ),
    (lambda m: m.bmm(m.zeros(2, 3), m.zeros(2, 3, 5)), RuntimeError, "batch1 must be a 3D tensor"),
    (lambda m: m.bmm(m.zeros(2, 2, 3), m.zeros(3, 5)), RuntimeError, "batch2 must be a 3D tensor"),
    (
        lambda m: m.bmm(m.zeros(2, 2, 3), m.zeros(3, 3, 5)),
        RuntimeError,
        re.escape("Expected size for first two dimensions of batch2 tensor to be: [2, 3] but got: [3, 3]."),
    ),
    (
        lambda m: m.bmm(m.zeros(2, 2, 3), m.zeros(2, 3, 5, dtype=m.float64)),
        RuntimeError,
        "expected scalar type Float but found Double",
    ),
    (
        lambda m: m.mv(m.zeros(2, 3), m.zeros(4)),
        RuntimeError,
        re.escape("size mismatch, got input (2), mat (2x3), vec (4)"),
    ),
    (
        lambda m: m.mv(m.zeros(2, 3), m.zeros(3, 1)),
        RuntimeError,
        "vector \\+ matrix @ vector expected, got 1, 2, 2",
    ),
    (
        lambda m: m.mv(m.zeros(2, 3), m.zeros(3, dtype=m.float64)),
        RuntimeError,
        "addmv input tensors must have the same dtype, but got Double, Float, and Double",
    ),
    (
        lambda m: m.dot(m.zeros(3), m.zeros(4)),
        RuntimeError,
        re.escape(
            "inconsistent tensor size, expected tensor [3] and src [4] to have the same number of elements, but "
            "got 3 and 4 elements respectively"
        ),
    ),
    (
        lambda m: m.dot(m.zeros(3, 1), m.zeros(3)),
        RuntimeError,
        "1D tensors expected, but got 2D and 1D tensors",
    ),
    (
        lambda m: m.dot(m.zeros(3), m.zeros(3, dtype=m.float64)),
        RuntimeError,
        "dot : expected both vectors to have same dtype, but found Float and Double",
    ),
    (
        lambda m: m.outer(m.zeros(3, 1), m.zeros(4)),
        RuntimeError,
        "outer: Expected 1-D argument self, but got 2-D",
    ),
    (
        lambda m: m.addmm(m.zeros(3), m.zeros(2, 3), m.zeros(3, 5)),
        RuntimeError,
        re.escape(
            "The expanded size of the tensor (5) must match the existing size (3) at non-singleton dimension 1.  "
            "Target sizes: [2, 5].  Tensor sizes: [3]"
        ),
    ),
    (
        lambda m: m.addmm(m.zeros(5, dtype=m.float64), m.zeros(2, 3), m.zeros(3, 5)),
        RuntimeError,
        "self and mat2 must have the same dtype, but got Double and Float",
    ),
    (
        lambda m: m.baddbmm(m.zeros(5), m.zeros(2, 3), m.zeros(2, 3, 5)),
        RuntimeError,
        "batch1 must be a 3D tensor",
    ),
    (lambda m: m.trace(m.zeros(3)), RuntimeError, "trace: expected a matrix, but got tensor with dim 1"),
    (
        lambda m: m.trace(m.zeros(3, 3, dtype=m.bool)),
        NotImplementedError,
        "\"trace\" not implemented for 'Bool'",
    ),
    (
        lambda m: m.matmul(m.zeros(3), m.tensor(1.0)),
        RuntimeError,
        "both arguments to matmul need to be at least 1D, but they are 1D and 0D",
    ),
    (
        lambda m: m.matmul(m.zeros(2, 3), m.zeros(4, 5)),
        RuntimeError,
        re.escape("mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)"),
    ),
    (lambda m: m.matmul(m.zeros(3), m.zeros(4)), RuntimeError, "inconsistent tensor size"),
    (
        lambda m: m.matmul(m.zeros(5, 2, 3), m.zeros(5, 4, 5)),
        RuntimeError,
        re.escape("Expected size for first two dimensions of batch2 tensor to be: [5, 3] but got: [5, 4]."),
    ),
    (
        lambda m: m.matmul(m.zeros(5, 2, 3), m.zeros(4, 5)),
        RuntimeError,
        re.escape("mat1 and mat2 shapes cannot be multiplied (10x3 and 4x5)"),
    ),
    (
        lambda m: m.matmul(m.zeros(5, 2, 3, requires_grad=True), m.zeros(4, requires_grad=True)),
        RuntimeError,
        re.escape("size mismatch, got input (10), mat (10x3), vec (4)"),
    ),
    (
        lambda m: m.matmul(m.zeros(5, 2, 3), m.zeros(4, 3, 5)),
        RuntimeError,
        "The size of tensor a \\(5\\) must match the size of tensor b \\(4\\) at non-singleton dimension 0",
    ),
    (
        lambda m: m.matmul(m.zeros(5, 2, 3), m.zeros(5, 3, 5, dtype=m.float64)),
        RuntimeError,
        "expected scalar type Float but found Double",
    ),
]


@pytest.mark.parametrize("case", range(len(LINALG_ERRORS)))
def test_linalg_errors(case):
    fn, exc, match = LINALG_ERRORS[case]
    both_raise(fn, exc, match)


def test_matmul_large_batched_matches_numpy():
    """The batched product goes through BLAS per batch entry: check a size where that matters."""
    a = np.random.default_rng(0).standard_normal((8, 64, 48)).astype(np.float32)
    b = np.random.default_rng(1).standard_normal((48, 32)).astype(np.float32)
    np.testing.assert_allclose((fg.tensor(a) @ fg.tensor(b)).numpy(), a @ b, rtol=1e-4, atol=1e-4)
    c = np.random.default_rng(2).standard_normal((8, 48, 32)).astype(np.float32)
    np.testing.assert_allclose((fg.tensor(a) @ fg.tensor(c)).numpy(), a @ c, rtol=1e-4, atol=1e-4)


def test_matmul_result_is_not_a_view_and_can_be_modified():
    x = fg.randn(2, 3, 4, requires_grad=True)
    y = x @ fg.randn(4, 5)
    y[0, 0] = 0.0
    y.sum().backward()
    assert x.grad.shape == (2, 3, 4)
