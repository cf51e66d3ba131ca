"""The index ops against PyTorch (index_select, gather, scatter and scatter_add, index_add, index_put, take,
take_along_dim, masked ops, nonzero and argwhere, ...): values, dtypes, grad_fn names, gradients (repeated
indices accumulate), float64 gradcheck and second order, the in-place forms, and errors (type and message)."""

import re

import numpy as np
import pytest

import fastgrad as fg
from index_linalg_helpers import B, I, T, both_raise, check_grad, check_gradgrad, rand, run_both

torch = pytest.importorskip("torch")


# --------------------------------------------------------------------------------------------------------
# index ops
# --------------------------------------------------------------------------------------------------------

IDX2 = np.array([[0, 1], [2, 0], [1, 1]])
IDXU = np.array([[0, 1], [2, 0], [1, 2]])  # no repeats along either dimension: scatter is differentiable


OP_CASES = {
    "index_select": [
        (lambda m, x, i: m.index_select(x, 0, i), [T(rand(3, 4)), I([0, 2, 2])]),
        (lambda m, x, i: x.index_select(1, i), [T(rand(3, 4), view="t"), I([1])]),
        (lambda m, x, i: x.index_select(-1, i), [T(rand(3, 4)), I(1)]),
        (lambda m, x, i: x.index_select(0, i), [T(np.array(2.0)), I([0])]),
        (lambda m, x, i: x.index_select(1, i), [T(rand(3, 4)), I([0, 3], np.int32)]),
        (lambda m, x, i: x.index_select(0, i), [T(rand(3, 4)), I(np.zeros(0))]),
    ],
    "gather": [
        (lambda m, x, i: m.gather(x, 1, i), [T(rand(3, 4)), I(IDX2)]),
        (lambda m, x, i: x.gather(0, i), [T(rand(3, 4), view="t"), I(IDX2)]),
        (lambda m, x, i: x.gather(1, i, sparse_grad=False), [T(rand(3, 4)), I(IDX2, np.int32)]),
        (lambda m, x, i: x.gather(0, i), [T(np.array(2.0)), I(0)]),
        (lambda m, x, i: x.gather(-1, i), [T(rand(2, 3, 4)), I(np.zeros((2, 1, 2)))]),
    ],
    "scatter": [
        (lambda m, x, i, s: m.scatter(x, 1, i, s), [T(rand(3, 4)), I(IDXU), T(rand(3, 2))]),
        (lambda m, x, i, s: x.scatter(0, i, s), [T(rand(3, 4), view="t"), I(IDXU), T(rand(2, 3), view="t")]),
        (lambda m, x, i: x.scatter(1, i, 2.5), [T(rand(3, 4)), I(IDXU)]),
        (lambda m, x, i: x.scatter(1, i, value=-1), [T(rand(3, 4)), I(IDXU)]),
        (lambda m, x, i, s: x.scatter(1, i, src=s), [T(rand(3, 4)), I(IDXU), T(rand(3, 4), view="step")]),
        (lambda m, x, i, s: x.scatter(0, i, s), [T(np.array(1.0)), I(0), T(np.array(3.0))]),
    ],
    "scatter_add": [
        (lambda m, x, i, s: m.scatter_add(x, 1, i, s), [T(rand(3, 4)), I(IDX2), T(rand(3, 2))]),
        (lambda m, x, i, s: x.scatter_add(0, i, s), [T(rand(3, 4)), I(IDX2), T(rand(3, 4), view="step")]),
    ],
    "index_add": [
        (lambda m, x, i, s: m.index_add(x, 0, i, s), [T(rand(3, 4)), I([0, 2, 0]), T(rand(3, 4))]),
        (
            lambda m, x, i, s: x.index_add(1, i, s, alpha=2.5),
            [T(rand(3, 4)), I([3, 3]), T(rand(2, 3), view="t")],
        ),
        (lambda m, x, i, s: x.index_add(0, i, s), [T(np.array(1.0)), I([0]), T(np.array(2.0))]),
    ],
    "masked_fill": [
        (lambda m, x, k: m.masked_fill(x, k, 1.5), [T(rand(3, 4)), B(rand(3, 4) > 0)]),
        (lambda m, x, k: x.masked_fill(k, -2), [T(rand(3, 4), view="t"), B(rand(3) > 0)]),
        (lambda m, x, k, v: x.masked_fill(k, v), [T(rand(3, 4)), B(rand(3, 4) > 0), T(np.array(0.25))]),
        (
            lambda m, x, k, v: x.masked_fill(k, v),
            [T(rand(3, 4)), B(rand(3, 4) > 0), T(np.array(0.25), requires_grad=False)],
        ),
        (lambda m, x, k: x.masked_fill(k, 0.0), [T(rand(4)), B(rand(3, 4) > 0)]),
    ],
    "masked_select": [
        (lambda m, x, k: m.masked_select(x, k), [T(rand(3, 4)), B(rand(3, 4) > 0)]),
        (lambda m, x, k: x.masked_select(k), [T(rand(3, 4), view="t"), B(rand(3) > -0.5)]),
        (lambda m, x, k: x.masked_select(k), [T(rand(4)), B(rand(3, 4) > 0)]),
        (lambda m, x, k: x.masked_select(k), [T(np.array(1.5)), B(np.array(True))]),
    ],
    "take": [
        (lambda m, x, i: m.take(x, i), [T(rand(3, 4)), I([[0, 5], [-1, 5]])]),
        (lambda m, x, i: x.take(i), [T(rand(3, 4), view="t"), I([1, 2, 3])]),
        (lambda m, x, i: x.take(i), [T(np.array(2.0)), I(0)]),
    ],
    "take_along_dim": [
        (lambda m, x, i: m.take_along_dim(x, i, 1), [T(rand(3, 4)), I(IDX2)]),
        (lambda m, x, i: m.take_along_dim(x, i), [T(rand(3, 4)), I([0, 5, 11])]),
        (lambda m, x, i: x.take_along_dim(i, dim=1), [T(rand(3, 4)), I([[0]])]),
        (
            lambda m, x, i: m.take_along_dim(x, i, dim=0),
            [T(rand(3, 1, 4), view="step"), I(np.zeros((1, 5, 1)))],
        ),
    ],
    "index_put": [
        (lambda m, x, i, v: m.index_put(x, (i,), v), [T(rand(3, 4)), I([0, 2]), T(rand(2, 4))]),
        (lambda m, x, i, v: x.index_put((i,), v, accumulate=True), [T(rand(3, 4)), I([0, 0]), T(rand(4))]),
        (
            lambda m, x, i, j, v: x.index_put((i, j), v, True),
            [T(rand(3, 4)), I([0, 0, 1]), I([1, 1, 1]), T(np.array(1.5))],
        ),
        (lambda m, x, k, v: x.index_put((k,), v), [T(rand(3, 4)), B(rand(3, 4) > 0), T(np.array(2.0))]),
    ],
}


@pytest.mark.parametrize("op,case", [(op, i) for op, cases in OP_CASES.items() for i in range(len(cases))])
def test_index_op_matches_torch(op, case):
    fn, specs = OP_CASES[op][case]
    run_both(fn, specs)


@pytest.mark.parametrize("op,case", [(op, i) for op, cases in OP_CASES.items() for i in range(len(cases))])
def test_index_op_gradcheck(op, case):
    fn, specs = OP_CASES[op][case]
    check_grad(fn, specs)


def test_index_ops_second_order():
    check_gradgrad(lambda m, x, i: m.gather(x, 1, i), [T(rand(3, 4)), I(IDX2)])
    check_gradgrad(lambda m, x, i, s: m.scatter_add(x, 1, i, s), [T(rand(3, 4)), I(IDX2), T(rand(3, 2))])
    check_gradgrad(lambda m, x, k: x.masked_select(k), [T(rand(3, 4)), B(rand(3, 4) > 0)])
    check_gradgrad(lambda m, x, i, s: x.index_add(0, i, s) * x, [T(rand(3, 2)), I([0, 0]), T(rand(2, 2))])


def test_duplicate_indices_accumulate_gradients():
    for m in (fg, torch):
        x = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
        x[[0, 0, 2, 0]].sum().backward()
        assert x.grad.tolist() == [3.0, 0.0, 1.0]
        x.grad = None
        x.index_select(0, m.tensor([1, 1])).sum().backward()
        assert x.grad.tolist() == [0.0, 2.0, 0.0]


def test_integer_and_bool_dtypes():
    ints = np.arange(12).reshape(3, 4)
    for dtype in (np.int64, np.int32, np.bool_):
        run_both(lambda m, x: x[[0, 2], 1:], [T(ints.astype(dtype))])
        run_both(lambda m, x, i: m.gather(x, 1, i), [T(ints.astype(dtype)), I(IDX2)])
        run_both(lambda m, x, i: m.index_select(x, 1, i), [T(ints.astype(dtype)), I([3, 0])])
        run_both(lambda m, x, k: m.masked_select(x, k), [T(ints.astype(dtype)), B(ints % 3 == 0)])
        run_both(lambda m, x, k: m.masked_fill(x, k, 1), [T(ints.astype(dtype)), B(ints % 3 == 0)])
        run_both(lambda m, x, i: m.take(x, i), [T(ints.astype(dtype)), I([0, 11])])


@pytest.mark.parametrize("reduce", ["add", "multiply"])
def test_scatter_reduce_forward_and_refused_backward(reduce):
    specs = [T(rand(3, 4)), I(IDX2), T(rand(3, 2))]
    fo, to = run_both(lambda m, x, i, s: x.scatter(1, i, s, reduce=reduce), specs, backward=False)
    run_both(lambda m, x, i: x.scatter(1, i, 2.0, reduce=reduce), specs[:2], backward=False)
    with pytest.raises(RuntimeError, match="derivative for aten::scatter is not implemented"):
        fo[0].sum().backward()


def test_nonzero_and_argwhere():
    for value in [rand(3, 4) > 0, np.array(5.0), np.array(0.0), np.zeros((2, 0)), np.array([[1, 0], [2, 3]])]:
        fx, tx = fg.tensor(value), torch.tensor(value)
        for f, t in [
            (fg.nonzero(fx), torch.nonzero(tx)),
            (fx.nonzero(), tx.nonzero()),
            (fg.argwhere(fx), torch.argwhere(tx)),
            (fx.argwhere(), tx.argwhere()),
        ]:
            assert tuple(f.shape) == tuple(t.shape) and f.dtype == fg.int64
            np.testing.assert_array_equal(f.numpy(), t.numpy())
        ft, tt = fg.nonzero(fx, as_tuple=True), torch.nonzero(tx, as_tuple=True)
        assert isinstance(ft, tuple) and len(ft) == len(tt)
        for f, t in zip(ft, tt):
            np.testing.assert_array_equal(f.numpy(), t.numpy())
        assert len(fx.nonzero(as_tuple=True)) == len(tt)


def test_in_place_forms():
    cases = [
        lambda m, x: x.scatter_(1, m.tensor(IDX2), m.tensor(rand(3, 2))),
        lambda m, x: x.scatter_(1, m.tensor(IDX2), 3.0),
        lambda m, x: x.scatter_(1, m.tensor(IDX2), m.tensor(rand(3, 2)), reduce="multiply"),
        lambda m, x: x.scatter_add_(1, m.tensor(IDX2), m.tensor(rand(3, 2))),
        lambda m, x: x.index_add_(0, m.tensor([2, 2]), m.tensor(rand(2, 4)), alpha=-1),
        lambda m, x: x.masked_fill_(m.tensor(rand(3, 4) > 0), 7.0),
        lambda m, x: x.masked_fill_(m.tensor(rand(4) > 0), m.tensor(7.0)),
        lambda m, x: x.index_put_(
            (m.tensor([0, 0]), m.tensor([1, 1])), m.tensor(1.0, dtype=m.float64), accumulate=True
        ),
    ]
    for fn in cases:
        outs = []
        for m in (fg, torch):
            x = m.tensor(rand(3, 4))
            r = fn(m, x)
            assert r is x
            outs.append(x.numpy())
        np.testing.assert_allclose(outs[0], outs[1])


def test_in_place_forms_with_autograd():
    cases = [
        (lambda m, y, s: y.scatter_(1, m.tensor(IDX2), s), "ScatterBackward0"),
        (lambda m, y, s: y.scatter_add_(1, m.tensor(IDX2), s), "ScatterAddBackward0"),
        (lambda m, y, s: y.index_add_(1, m.tensor([0, 3]), s), "IndexAddBackward0"),
        (lambda m, y, s: y.masked_fill_(y > 0, s.sum()), "MaskedFillBackward1"),
        (lambda m, y, s: y.index_put_((m.tensor([0, 1]),), s.sum(), accumulate=True), "IndexPutBackward0"),
    ]
    for fn, name in cases:
        grads = []
        for m in (fg, torch):
            x = m.tensor(rand(3, 4), requires_grad=True)
            s = m.tensor(rand(3, 2), requires_grad=True)
            y = x * 1.0
            fn(m, y, s)
            assert (y.grad_fn.name() if m is fg else type(y.grad_fn).__name__) == name
            (y * m.tensor(rand(3, 4, seed=9))).sum().backward()
            grads.append((x.grad.numpy(), s.grad.numpy()))
        np.testing.assert_allclose(grads[0][0], grads[1][0])
        np.testing.assert_allclose(grads[0][1], grads[1][1])


INDEX_OP_ERRORS = [
    (
        lambda m: m.index_select(m.zeros(3, 4), 1, m.tensor([[1]])),
        IndexError,
        "index_select\\(\\): Index is supposed to be a vector",
    ),
    (
        lambda m: m.index_select(m.zeros(3, 4), 1, m.tensor([1.0])),
        RuntimeError,
        "index_select\\(\\): Expected dtype int32 or int64 for index",
    ),
    (
        lambda m: m.index_select(m.zeros(3, 4), 1, m.tensor([7])),
        RuntimeError,
        "INDICES element is out of DATA bounds, id=7 axis_dim=4",
    ),
    (
        lambda m: m.gather(m.zeros(3, 4), 1, m.tensor([[5]])),
        RuntimeError,
        "index 5 is out of bounds for dimension 1 with size 4",
    ),
    (
        lambda m: m.gather(m.zeros(3, 4), 1, m.tensor([[-1]])),
        RuntimeError,
        "index -1 is out of bounds for dimension 1 with size 4",
    ),
    (
        lambda m: m.gather(m.zeros(3, 4), 1, m.zeros(4, 2, dtype=m.int64)),
        RuntimeError,
        re.escape(
            "Size does not match at dimension 0 expected index [4, 2] to be no larger than self [3, 4] apart "
            "from dimension 1"
        ),
    ),
    (
        lambda m: m.gather(m.zeros(3, 4), 1, m.zeros(4, dtype=m.int64)),
        RuntimeError,
        "Index tensor must have the same number of dimensions as input tensor",
    ),
    (
        lambda m: m.gather(m.zeros(3, 4), 1, m.zeros(3, 1)),
        RuntimeError,
        "gather\\(\\): Expected dtype int32/int64 for index",
    ),
    (
        lambda m: m.gather(m.zeros(3, 4), 5, m.zeros(3, 1, dtype=m.int64)),
        IndexError,
        "Dimension out of range",
    ),
    (
        lambda m: m.scatter(m.zeros(3, 4), 1, m.zeros(3, 1, dtype=m.int64), m.ones(3, 1, dtype=m.float64)),
        RuntimeError,
        "scatter\\(\\): Expected self.dtype to be equal to src.dtype",
    ),
    (
        lambda m: m.scatter(m.zeros(3, 4), 1, m.zeros(4, 1, dtype=m.int64), m.ones(2, 4)),
        RuntimeError,
        re.escape(
            "Expected index [4, 1] to be no larger than self [3, 4] apart from dimension 1 and to be no larger "
            "size than src [2, 4]"
        ),
    ),
    (
        lambda m: m.scatter(m.zeros(3, 4), 1, m.tensor([[9]]), m.ones(2, 4)),
        RuntimeError,
        "index 9 is out of bounds for dimension 1 with size 4",
    ),
    (
        lambda m: m.scatter(m.zeros(3, 4), 1, m.tensor([0]), m.ones(2, 4)),
        RuntimeError,
        "Index tensor must have the same number of dimensions as self tensor",
    ),
    (
        lambda m: m.zeros(3, 4).scatter(1, m.tensor([[0]]), 1.0, reduce="mean"),
        RuntimeError,
        "reduce argument must be either add or multiply.",
    ),
    (
        lambda m: m.scatter_add(m.zeros(3, 4), 1, m.tensor([[0.0]]), m.ones(2, 4)),
        RuntimeError,
        "scatter\\(\\): Expected dtype int32/int64 for index",
    ),
    (
        lambda m: m.zeros(3).masked_fill(m.ones(3, dtype=m.int64), 1.0),
        RuntimeError,
        "masked_fill_ only supports boolean masks, but got mask with dtype long int",
    ),
    (
        lambda m: m.zeros(3).masked_fill(m.ones(3, dtype=m.bool), m.ones(1)),
        RuntimeError,
        re.escape(
            "masked_fill_ only supports a 0-dimensional value tensor, but got tensor with 1 dimension(s)."
        ),
    ),
    (
        lambda m: m.zeros(3).masked_fill_(m.ones(2, 3, dtype=m.bool), 1.0),
        RuntimeError,
        re.escape("output with shape [3] doesn't match the broadcast shape [2, 3]"),
    ),
    (
        lambda m: m.masked_select(m.zeros(3), m.ones(3, dtype=m.int64)),
        RuntimeError,
        "masked_select: expected BoolTensor for mask",
    ),
    (
        lambda m: m.index_add(m.zeros(3, 4), 0, m.tensor([0, 1]), m.ones(3, 4)),
        RuntimeError,
        re.escape("index_add_(): Number of indices (2) should be equal to source.size(dim): (3), for dim: 0"),
    ),
    (
        lambda m: m.index_add(m.zeros(3, 4), 0, m.tensor([0, 1]), m.ones(2, 5)),
        RuntimeError,
        "source tensor shape must match self tensor shape, excluding the specified dimension",
    ),
    (
        lambda m: m.index_add(m.zeros(3, 4), 0, m.tensor([0, 7]), m.ones(2, 4)),
        RuntimeError,
        "index 7 is out of bounds for dimension 0 with size 3",
    ),
    (
        lambda m: m.index_add(m.zeros(3, 4), 0, m.tensor([[0, 1]]), m.ones(2, 4)),
        IndexError,
        "index_add_\\(\\): Index is supposed to be a vector, but got dim: 2",
    ),
    (
        lambda m: m.index_add(m.zeros(3, 4), 0, m.tensor([0, 1]), m.ones(2, 4, dtype=m.float64)),
        RuntimeError,
        re.escape("index_add_(): self (Float) and source (Double) must have the same scalar type"),
    ),
    (
        lambda m: m.take(m.zeros(3, 4), m.tensor([12])),
        IndexError,
        "out of range: tried to access index 12 on a tensor of 12 elements.",
    ),
    (
        lambda m: m.take(m.zeros(3, 4), m.tensor([-13])),
        IndexError,
        "out of range: tried to access index -13 on a tensor of 12 elements.",
    ),
    (
        lambda m: m.take_along_dim(m.zeros(3, 4), m.tensor([[0.0]]), 1),
        RuntimeError,
        "torch.take_along_dim\\(\\): dtype of indices should be Long but got Float",
    ),
    (
        lambda m: m.take_along_dim(m.zeros(3, 4), m.tensor([0]), 1),
        RuntimeError,
        "torch.take_along_dim\\(\\): input and indices should have the same number of dimensions, but got 2 "
        "dimensions for input, and 1 dimensions for indices",
    ),
    (
        lambda m: m.index_put(m.zeros(3), (m.tensor([0]),), m.tensor([1.0], dtype=m.float64)),
        RuntimeError,
        "Index put requires the source and destination dtypes match",
    ),
]


@pytest.mark.parametrize("case", range(len(INDEX_OP_ERRORS)))
def test_index_op_errors(case):
    fn, exc, match = INDEX_OP_ERRORS[case]
    both_raise(fn, exc, match)
