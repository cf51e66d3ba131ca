"""Edges against PyTorch 2.13: the cases where fastgrad refused what PyTorch answers (batch_norm on empty
and low-rank input, embedding's scale_grad_by_freq, softmax on integer dtypes, normal's dtype combinations,
the matrix products on integer dtypes), and float32 matmul (values and gradients) within PyTorch's own
float32 tolerance."""

import fastgrad
import numpy as np
import pytest
from edge_nn_helpers import R, lib_tensor, nn_of, run_both, same_outcome

torch = pytest.importorskip("torch")


# ---- refused where PyTorch answers ----


@pytest.mark.parametrize("shape", [(0,), (0, 3), (0, 3, 2), (2, 0), (2, 0, 4)], ids=str)
@pytest.mark.parametrize("training", [False, True])
def test_batch_norm_empty_input(shape, training):
    def fn(lib, with_stats, with_affine):
        c = 3
        stats = (lib.zeros(c), lib.ones(c)) if with_stats else (None, None)
        affine = (lib.full((c,), 2.0), lib.ones(c)) if with_affine else (None, None)
        return nn_of(lib).batch_norm(lib.zeros(shape), *stats, *affine, training=training)

    for with_stats in (False, True):
        for with_affine in (False, True):
            if not training and not with_stats:
                continue
            same_outcome(fn, with_stats, with_affine)


def test_batch_norm_empty_input_gradients():
    def fn(lib, x, w, b):
        return nn_of(lib).batch_norm(x, None, None, w, b, training=True)

    run_both(fn, [np.zeros((0, 3)), np.ones(3), np.zeros(3)])


@pytest.mark.parametrize("shape", [(4,), ()], ids=str)
def test_batch_norm_below_two_dims_raises_as_torch(shape):
    x = np.ones(shape)
    same_outcome(lambda lib: nn_of(lib).batch_norm(lib_tensor(lib, x), lib.zeros(4), lib.ones(4)))
    same_outcome(lambda lib: nn_of(lib).batch_norm(lib_tensor(lib, x), None, None, lib.ones(1), training=True))


@pytest.mark.parametrize("padding_idx", [None, 0, -1])
def test_embedding_scale_grad_by_freq(padding_idx):
    weight = R.standard_normal((5, 3))
    idx = np.array([[0, 4, 4, 4], [2, 0, 1, 4]])

    def fn(lib, i, w):
        return nn_of(lib).embedding(i, w, padding_idx=padding_idx, scale_grad_by_freq=True)

    run_both(fn, [idx, weight], grad=[1])
    run_both(lambda lib, i, w: lib.nn.Embedding.from_pretrained(w, freeze=False, scale_grad_by_freq=True)(i),
             [idx, weight], grad=[1])


@pytest.mark.parametrize("dtype", ["int64", "int32", "bool"])
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_integer_dtypes_as_torch(dtype, name):
    def make(lib, array):
        return lib_tensor(lib, np.array(array)).to(getattr(lib, dtype))

    for array in ([1, 0], [[1, 0, 1]], np.zeros((0,), np.int64), np.zeros((2, 0), np.int64), 1):
        for dim in (0, -1):
            same_outcome(lambda lib: getattr(lib, name)(make(lib, array), dim))
            same_outcome(lambda lib: getattr(nn_of(lib), name)(make(lib, array), dim))
            same_outcome(lambda lib: getattr(make(lib, array), name)(dim))
            same_outcome(lambda lib: getattr(lib, name)(make(lib, array), dim, dtype=lib.float64))
    same_outcome(lambda lib: nn_of(lib).softmin(make(lib, [1, 2]), 0))


def test_normal_dtype_combinations_as_torch():
    def ok_or_raise(fn):
        same = same_outcome(lambda lib: fn(lib).dtype)
        return same

    cases = [
        lambda lib: lib.normal(lib.tensor([1, 2]), lib.tensor([1, 2])),
        lambda lib: lib.normal(lib.tensor([1, 2]), lib.tensor([1.0, 2.0])),
        lambda lib: lib.normal(lib.tensor([1.0, 2.0]), lib.tensor([1, 2])),
        lambda lib: lib.normal(lib.tensor([1.0, 2.0], dtype=lib.float64), lib.tensor([1, 2])),
        lambda lib: lib.normal(lib.tensor([1.0]), lib.tensor([1.0], dtype=lib.float64)),
        lambda lib: lib.normal(lib.tensor([1, 2]), 1.0),
        lambda lib: lib.normal(1.0, lib.tensor([1, 2])),
        lambda lib: lib.normal(1.0, lib.tensor([1.0, 2.0], dtype=lib.float64)),
        lambda lib: lib.normal(lib.tensor([True]), 1.0),
        lambda lib: lib.normal(1.0, 2.0, (2,)),
        lambda lib: lib.normal(1, 2, (2,)),
        lambda lib: lib.normal(1.0, 2.0, (2,), dtype=lib.float64),
        lambda lib: lib.normal(1.0, 2.0, (2,), dtype=lib.int64),
        lambda lib: lib.normal(lib.tensor([1.0, 2.0]), -1.0),
        lambda lib: lib.normal(lib.tensor(1.0), lib.tensor([[1.0], [2.0]])),
        lambda lib: lib.zeros(2, dtype=lib.int64).normal_(),
    ]
    for case in cases:
        ok_or_raise(case)


@pytest.mark.parametrize("dtype", ["int32", "int64", "bool"])
def test_matrix_products_on_integer_dtypes(dtype):
    def o(lib, *shape, start=1):
        values = (np.arange(int(np.prod(shape))) % 5 - 2 + start).reshape(shape)
        return lib_tensor(lib, values).to(getattr(lib, dtype))

    cases = [
        lambda lib: lib.addmm(o(lib, 2, 2), o(lib, 2, 3), o(lib, 3, 2)),
        lambda lib: lib.addmm(o(lib, 2, 2), o(lib, 2, 3), o(lib, 3, 2), beta=2, alpha=3),
        lambda lib: lib.addmm(o(lib, 2), o(lib, 2, 3), o(lib, 3, 2), beta=0),
        lambda lib: lib.bmm(o(lib, 2, 2, 3), o(lib, 2, 3, 4)),
        lambda lib: lib.bmm(o(lib, 2, 2, 3).transpose(1, 2), o(lib, 2, 2, 4)),
        lambda lib: lib.baddbmm(o(lib, 1, 2, 2), o(lib, 1, 2, 3), o(lib, 1, 3, 2), alpha=2),
        lambda lib: lib.mm(o(lib, 2, 3), o(lib, 3, 2)),
        lambda lib: lib.mv(o(lib, 2, 3), o(lib, 3)),
        lambda lib: lib.addmv(o(lib, 2), o(lib, 2, 3), o(lib, 3)),
        lambda lib: lib.dot(o(lib, 3), o(lib, 3)),
        lambda lib: lib.matmul(o(lib, 2, 2, 3), o(lib, 3)),
        lambda lib: lib.matmul(o(lib, 3), o(lib, 2, 3, 4)),
        lambda lib: lib.outer(o(lib, 2), o(lib, 3)),
        lambda lib: o(lib, 2, 3) @ o(lib, 3, 2),
        lambda lib: lib.mm(o(lib, 0, 3), o(lib, 3, 2)),
        lambda lib: lib.mm(o(lib, 2, 0), o(lib, 0, 2)),
    ]
    for case in cases:
        same_outcome(case)


# ---- float32 matmul within PyTorch's own float32 tolerance ----

MATMUL_SHAPES = [
    ((5,), (5,)), ((300,), (300,)), ((5000,), (5000,)),
    ((7,), (7, 3)), ((700,), (700, 3)), ((3000,), (3000, 17)),
    ((3, 7), (7,)), ((3, 700), (700,)), ((17, 3000), (3000,)),
    ((2, 3), (3, 4)), ((64, 64), (64, 64)), ((1, 4096), (4096, 1)), ((33, 1000), (1000, 33)),
    ((8, 2, 3), (8, 3, 2)), ((40, 4, 4), (40, 4, 4)), ((64, 2, 2), (64, 2, 2)), ((3, 1, 500), (3, 500, 1)),
    ((2, 5, 3, 4), (4, 6)), ((4,), (2, 4, 3)), ((2, 1, 3, 4), (5, 4, 2)), ((3, 200, 1), (1, 200)),
    ((2, 0), (0, 3)), ((0, 4), (4, 2)), ((3, 5, 0), (3, 0, 2)),
]


@pytest.mark.parametrize("layout", ["contiguous", "transposed", "strided"])
@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=str)
def test_matmul_float32_within_torch_tolerance(shapes, layout):
    r = np.random.default_rng(sum(sum(s) for s in shapes) + len(layout))
    arrays = [r.standard_normal(s).astype(np.float32) * 3 for s in shapes]

    def make(lib, a):
        if layout == "transposed" and a.ndim >= 2:
            return lib_tensor(lib, np.ascontiguousarray(np.swapaxes(a, -1, -2))).transpose(-1, -2)
        if layout == "strided" and a.ndim >= 1:
            wide = np.zeros(a.shape[:-1] + (2 * a.shape[-1],), np.float32)
            wide[..., ::2] = a
            return lib_tensor(lib, wide)[..., ::2]
        return lib_tensor(lib, a)

    out_f = fastgrad.matmul(*(make(fastgrad, a) for a in arrays))
    out_t = torch.matmul(*(make(torch, a) for a in arrays))
    exact = np.matmul(*(a.astype(np.float64) for a in arrays))
    assert out_f.dtype == fastgrad.float32 and tuple(out_f.shape) == tuple(out_t.shape)
    k = shapes[0][-1]
    if k <= 64:  # short sums: both libraries are within PyTorch's float32 tolerance of each other
        torch.testing.assert_close(torch.from_numpy(out_f.numpy().copy()), out_t)
    # long sums: every float32 summation order has its own rounding error; fastgrad's is no larger than
    # torch's (up to a factor 4 for BLAS blockings that differ) plus the rounding of the result itself
    if exact.size:
        err_f = np.abs(out_f.numpy() - exact).max()
        err_t = np.abs(out_t.numpy() - exact).max()
        assert err_f <= 4 * err_t + 2.0**-23 * np.abs(exact).max() + 1e-30, (err_f, err_t)


def test_matmul_float32_gradients_within_torch_tolerance():
    r = np.random.default_rng(9)
    for sa, sb in [((7,), (7, 3)), ((3, 700), (700,)), ((8, 2, 3), (8, 3, 2)), ((2, 5, 3, 4), (4, 6))]:
        a, b = r.standard_normal(sa).astype(np.float32), r.standard_normal(sb).astype(np.float32)
        run_both(lambda lib, x, y: lib.matmul(x, y), [a, b], rtol=1.3e-6, atol=1e-5)
