"""Index kernels over all five dtypes, contiguous and not, compared with PyTorch: index_add, index_put_
(accumulate or not), scatter/scatter_add, gather, take_along_dim (negative indices, broadcasting), masked_fill;
in-place ops on 0-size tensors (whatever their strides), and fastgrad.zero_/fill_ as functions.
"""

import numpy as np
import pytest

import fastgrad
from test_scalar_conversion import DTYPES, check_like_torch

torch = pytest.importorskip("torch")


def _data(rng, shape, dtype):
    if dtype == "bool":
        return rng.random(shape) < 0.4
    if dtype.startswith("int"):
        return rng.integers(-5, 6, size=shape).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


def _tensor(m, arr, layout):
    """arr as a tensor of m laid out contiguous, transposed (same values, reversed strides) or as a strided
    slice of a larger buffer."""
    if layout == "contiguous":
        return m.tensor(arr)
    if layout == "transposed":
        return m.tensor(np.ascontiguousarray(arr.T)).permute(*reversed(range(arr.ndim)))
    big = np.zeros(tuple(2 * s for s in arr.shape), dtype=arr.dtype)
    big[tuple(slice(None, None, 2) for _ in arr.shape)] = arr
    return m.tensor(big)[tuple(slice(None, None, 2) for _ in arr.shape)]


LAYOUTS = ["contiguous", "transposed", "strided"]
SHAPES = [((7,), 0), ((4, 5), 0), ((4, 5), 1), ((3, 4, 5), 1), ((3, 4, 5), 2), ((9, 2), 0)]


def _index_case(seed, shape, dim, dtype, n=None):
    rng = np.random.default_rng(seed)
    n = n if n is not None else int(rng.integers(1, 2 * shape[dim] + 2))
    idx = rng.integers(0, shape[dim], size=n)
    src_shape = list(shape)
    src_shape[dim] = n
    return _data(rng, shape, dtype), idx, _data(rng, tuple(src_shape), dtype)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("shape,dim", SHAPES, ids=str)
@pytest.mark.parametrize("dtype", DTYPES)
def test_index_add_like_torch(dtype, shape, dim, layout):
    for seed in range(4):
        self_, idx, src = _index_case(seed, shape, dim, dtype)
        check_like_torch(lambda m: _tensor(m, self_, layout).index_add(dim, m.tensor(idx), _tensor(m, src, layout)))
        check_like_torch(lambda m: _tensor(m, self_, layout).index_add_(dim, m.tensor(idx), m.tensor(src)))


@pytest.mark.parametrize("accumulate", [True, False])
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("shape,dim", SHAPES, ids=str)
@pytest.mark.parametrize("dtype", DTYPES)
def test_index_put_like_torch(dtype, shape, dim, layout, accumulate):
    for seed in range(4):
        # Without accumulation duplicate indices make the result depend on the order of writes: one index.
        self_, idx, src = _index_case(seed, shape, dim, dtype, n=None if accumulate else 1)

        def run(m):
            t = _tensor(m, self_, layout)
            # t[..., idx, ...] (+)= src along dim, written through a view that moves dim first.
            t.movedim(dim, 0).index_put_((m.tensor(idx),), m.tensor(np.moveaxis(src, dim, 0).copy()),
                                         accumulate=accumulate)
            return t
        check_like_torch(run)


def test_bool_index_add_reported_case():
    a = np.zeros((5, 2), bool)
    a[0, 0] = a[1, 1] = a[3, 1] = True
    s = np.array([[1, 0], [0, 0], [1, 0]], bool)
    check_like_torch(lambda m: m.tensor(a).index_add(0, m.tensor([0, 4, 3]), m.tensor(s)))
    check_like_torch(lambda m: m.tensor(a).index_put((m.tensor([0, 4, 3]),), m.tensor(s), accumulate=True))


@pytest.mark.parametrize("dtype", DTYPES)
def test_accumulate_reads_every_value_in_order(dtype):
    # Many true elements in self before values that differ: a skipped read shifts all later values.
    rng = np.random.default_rng(1)
    for _ in range(10):
        self_ = _data(rng, (64, 3), dtype)
        idx = rng.integers(0, 64, size=50)
        src = _data(rng, (50, 3), dtype)
        check_like_torch(lambda m: m.tensor(self_).index_put_((m.tensor(idx),), m.tensor(src), accumulate=True))
        check_like_torch(lambda m: m.tensor(self_).index_add(0, m.tensor(idx), m.tensor(src)))


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("shape,dim", SHAPES, ids=str)
@pytest.mark.parametrize("dtype", DTYPES)
def test_scatter_gather_like_torch(dtype, shape, dim, layout):
    rng = np.random.default_rng(3)
    self_ = _data(rng, shape, dtype)
    idx = rng.integers(0, shape[dim], size=shape)
    src = _data(rng, shape, dtype)
    check_like_torch(lambda m: m.gather(_tensor(m, self_, layout), dim, m.tensor(idx)))
    check_like_torch(lambda m: _tensor(m, self_, layout).scatter_add(dim, m.tensor(idx), _tensor(m, src, layout)))
    # scatter with duplicate indices is order-dependent in torch: a permutation along dim keeps it defined.
    perm = np.argsort(rng.random(shape), axis=dim)
    check_like_torch(lambda m: _tensor(m, self_, layout).scatter(dim, m.tensor(perm), _tensor(m, src, layout)))
    check_like_torch(lambda m: _tensor(m, self_, layout).masked_fill(m.tensor(src != 0), 1))


# ---- take_along_dim ----

X = np.arange(6.0).reshape(2, 3)


@pytest.mark.parametrize(
    "indices,dim",
    [
        ([[-1]], 1),
        ([[-3, 2]], 1),
        ([[-4]], 1),
        ([[3]], 1),
        ([[5], [-7]], 1),
        ([[100, -100]], 1),
        ([[-1]], -1),
        ([[-1, 0]], 0),
        ([[0], [1], [-1]], 0),
        ([[0, 0], [0, -1]], 0),
        ([-1, -6], None),
        ([-7], None),
        ([5], None),
        ([[1]], 1),
        ([1], 1),
        ([[[1]]], 1),
    ],
    ids=str,
)
def test_take_along_dim_like_torch(indices, dim):
    check_like_torch(lambda m: m.take_along_dim(m.tensor(X), m.tensor(indices), dim))


@pytest.mark.parametrize(
    "shape,ishape,dim",
    [((4, 1), (1, 3), 0), ((1, 3), (3, 1), 0), ((2, 3, 4), (2, 1, 4), 1), ((2, 1, 4), (1, 5, 2), 2),
     ((3, 2), (1, 5), 1), ((2, 0), (2, 0), 1), ((0, 2), (1, 1), 1), ((2, 0), (1, 1), 1)],
    ids=str,
)
def test_take_along_dim_broadcasts_like_torch(shape, ishape, dim):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape)
    idx = rng.integers(-max(shape[dim], 1), max(shape[dim], 1) + 3, size=ishape)
    check_like_torch(lambda m: m.take_along_dim(m.tensor(x), m.tensor(idx), dim))


def test_take_along_dim_gradient_with_negative_indices():
    x = torch.arange(6.0).view(2, 3).requires_grad_()
    xf = fastgrad.arange(6.0).view(2, 3).requires_grad_()
    torch.take_along_dim(x, torch.tensor([[-1, 4]]), 1).sum().backward()
    fastgrad.take_along_dim(xf, fastgrad.tensor([[-1, 4]]), 1).sum().backward()
    np.testing.assert_array_equal(xf.grad.numpy(), x.grad.numpy())


# ---- index_add with negative / out-of-range indices ----


@pytest.mark.parametrize("alpha", [1, 2])
@pytest.mark.parametrize("index", [[-1], [-1, 0], [3], [0, 5]], ids=str)
@pytest.mark.parametrize("shape,dim", [((3,), 0), ((3, 2), 0), ((3, 2), 1), ((3, 3, 3), 0), ((3, 3, 3), 1),
                                       ((3, 3, 3), 2), ((3, 0), 0), ((0, 3), 1), ((3, 0, 2), 0)], ids=str)
def test_index_add_out_of_range_like_torch(shape, dim, index, alpha):
    src_shape = list(shape)
    src_shape[dim] = len(index)
    check_like_torch(lambda m: m.zeros(shape).index_add(dim, m.tensor(index), m.ones(src_shape), alpha=alpha))


# ---- 0-size tensors: no element overlaps another ----


@pytest.mark.parametrize(
    "op",
    [
        lambda t: t.add_(1),
        lambda t: t.mul_(2),
        lambda t: t.zero_(),
        lambda t: t.fill_(3),
        lambda t: t.clamp_(0, 1),
        lambda t: t.copy_(t + 1),
        lambda t: t.masked_fill_(t > 0, 1.0),
        lambda t: t.exp_(),
        lambda t: t.__setitem__(Ellipsis, 1.0) or t,
    ],
)
@pytest.mark.parametrize("shape", [(0, 3, 0, 5), (0,), (2, 0), (0, 1, 3)], ids=str)
def test_inplace_on_zero_size_tensor_from_numpy(shape, op):
    arr = np.zeros(shape)
    check_like_torch(lambda m: op(m.tensor(arr)))
    check_like_torch(lambda m: op(m.from_numpy(arr.copy())))


def test_size_one_stride_zero_dims_are_writable_but_expanded_dims_are_not():
    check_like_torch(lambda m: m.zeros(1, 3).expand(1, 3).add_(1))
    check_like_torch(lambda m: m.zeros(3, 1).expand(3, 4).add_(1))


# ---- zero_ and fill_ as functions ----


@pytest.mark.parametrize("dtype", DTYPES)
def test_zero_and_fill_functions(dtype):
    def run(m, fn):
        t = m.ones(2, 3, dtype=getattr(m, dtype))
        out = fn(m, t)
        assert out is t
        return t
    check_like_torch(lambda m: run(m, lambda m, t: m.zero_(t)))
    check_like_torch(lambda m: run(m, lambda m, t: m.fill_(t, 5)))
    check_like_torch(lambda m: run(m, lambda m, t: m.fill_(t, m.tensor(7))))
    check_like_torch(lambda m: run(m, lambda m, t: m.zero_(t.t())))
