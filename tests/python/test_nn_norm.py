"""nn.functional's embedding, layer_norm, batch_norm and bilinear (cpp/src/ops/embedding.cpp,
cpp/src/ops/nn_norm.cpp) against PyTorch: values, gradients, node names, running statistics, errors, and float64
gradcheck/gradgradcheck."""

import numpy as np
import pytest

import fastgrad
from fastgrad.autograd import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")
F = fastgrad.nn.functional
TF = torch.nn.functional


def pair(shape, seed, dtype="float64", requires_grad=True):
    a = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    t = torch.tensor(a, requires_grad=requires_grad)
    f = fastgrad.tensor(a, requires_grad=requires_grad)
    return f, t


def close(f, t, rtol=1e-6, atol=1e-7):
    assert tuple(f.shape) == tuple(t.shape)
    assert str(f.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
    np.testing.assert_allclose(f.detach().numpy(), t.detach().numpy(), rtol=rtol, atol=atol)


def backward_both(fo, to, seed=7):
    g = np.random.default_rng(seed).standard_normal(tuple(to.shape)).astype(str(to.dtype).split(".")[-1])
    fo.backward(fastgrad.tensor(g))
    to.backward(torch.tensor(g))


# ---- embedding ----

EMBED_CASES = [
    ("1d", [1, 2, 0, 9], {}),
    ("2d_repeats", [[1, 2, 1], [4, 1, 9]], {}),
    ("padding", [[1, 2, 0], [4, 0, 9]], {"padding_idx": 0}),
    ("negative_padding", [3, 9, 9, 1], {"padding_idx": -1}),
    ("0d", 5, {}),
    ("empty", [], {}),
]


@pytest.mark.parametrize("idx_dtype", ["int64", "int32"])
@pytest.mark.parametrize("name,idx,kw", EMBED_CASES, ids=[c[0] for c in EMBED_CASES])
def test_embedding_matches_torch(name, idx, kw, idx_dtype):
    wf, wt = pair((10, 3), 0, "float32")
    it = torch.tensor(idx, dtype=getattr(torch, idx_dtype))
    i_f = fastgrad.tensor(idx, dtype=getattr(fastgrad, idx_dtype))
    fo, to = F.embedding(i_f, wf, **kw), TF.embedding(it, wt, **kw)
    close(fo, to)
    assert fo.grad_fn.name() == to.grad_fn.name() == "EmbeddingBackward0"
    backward_both(fo, to)
    close(wf.grad, wt.grad)


def test_embedding_max_norm_renormalises_looked_up_rows_in_place():
    wf, wt = pair((6, 4), 1)
    with torch.no_grad():
        wt.mul_(3)
    with fastgrad.no_grad():
        wf.mul_(3)
    idx = [[0, 2], [2, 5]]
    fo = F.embedding(fastgrad.tensor(idx), wf, max_norm=1.5)
    to = TF.embedding(torch.tensor(idx), wt, max_norm=1.5)
    close(fo, to)
    close(wf, wt)  # rows 0, 2, 5 rescaled, the others untouched


def test_embedding_module_matches_torch_with_seed():
    fastgrad.manual_seed(3)
    torch.manual_seed(3)
    ef, et = fastgrad.nn.Embedding(7, 4, padding_idx=2), torch.nn.Embedding(7, 4, padding_idx=2)
    close(ef.weight, et.weight)
    idx = [[2, 3], [6, 2]]
    fo, to = ef(fastgrad.tensor(idx)), et(torch.tensor(idx))
    close(fo, to)
    fo.sum().backward()
    to.sum().backward()
    close(ef.weight.grad, et.weight.grad)


def test_embedding_gradcheck_and_gradgradcheck():
    w = fastgrad.randn(8, 3, dtype=fastgrad.float64, requires_grad=True)
    idx = fastgrad.tensor([[1, 7, 1], [0, 3, 7]])
    # (padding_idx's row gets no gradient by definition, so finite differences would disagree there;
    # padding is compared with torch above)
    assert gradcheck(lambda w: F.embedding(idx, w), (w,))
    assert gradgradcheck(lambda w: F.embedding(idx, w) ** 2, (w,))


EMBED_ERRORS = [
    (lambda lib: ([0, 10], {}), IndexError, "index out of range in self"),
    (lambda lib: ([-1], {}), IndexError, "index out of range in self"),
    (lambda lib: ([1.0], {}), RuntimeError, "Expected tensor for argument #1 'indices' to have one of the following "
     "scalar types: Long, Int; but got .*FloatTensor instead"),
    (lambda lib: ([1], {"padding_idx": 10}), AssertionError, "Padding_idx must be within num_embeddings"),
]


@pytest.mark.parametrize("make,exc,pattern", EMBED_ERRORS)
@pytest.mark.parametrize("lib,fn", [(torch, TF), (fastgrad, F)], ids=["torch", "fastgrad"])
def test_embedding_errors_match_torch(lib, fn, make, exc, pattern):
    idx, kw = make(lib)
    with pytest.raises(exc, match=pattern):
        fn.embedding(lib.tensor(idx), lib.zeros(10, 3), **kw)


# ---- layer_norm ----

LN_CASES = [
    ("last_dim", (4, 5), (5,), True, True),
    ("two_dims", (2, 3, 4), (3, 4), True, True),
    ("no_affine", (3, 6), (6,), False, False),
    ("weight_only", (2, 2, 3), (3,), True, False),
    ("whole_input", (3, 4), (3, 4), True, True),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,shape,norm,w,b", LN_CASES, ids=[c[0] for c in LN_CASES])
def test_layer_norm_matches_torch(name, shape, norm, w, b, dtype):
    xf, xt = pair(shape, 0, dtype)
    wf, wt = pair(norm, 1, dtype) if w else (None, None)
    bf, bt = pair(norm, 2, dtype) if b else (None, None)
    fo, to = F.layer_norm(xf, norm, wf, bf, eps=1e-5), TF.layer_norm(xt, norm, wt, bt, eps=1e-5)
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == "float32" else {}
    close(fo, to, **tol)
    assert fo.grad_fn.name() == to.grad_fn.name() == "NativeLayerNormBackward0"
    backward_both(fo, to)
    for a, c in ((xf, xt), (wf, wt), (bf, bt)):
        if a is not None:
            close(a.grad, c.grad, **tol)


def test_layer_norm_gradcheck_and_gradgradcheck():
    x = fastgrad.randn(3, 4, dtype=fastgrad.float64, requires_grad=True)
    w = fastgrad.randn(4, dtype=fastgrad.float64, requires_grad=True)
    b = fastgrad.randn(4, dtype=fastgrad.float64, requires_grad=True)
    assert gradcheck(lambda x, w, b: F.layer_norm(x, (4,), w, b), (x, w, b))
    assert gradgradcheck(lambda x, w, b: F.layer_norm(x, (4,), w, b), (x, w, b))


def test_layer_norm_module_matches_torch():
    lf, lt = fastgrad.nn.LayerNorm([3, 4]), torch.nn.LayerNorm([3, 4])
    xf, xt = pair((2, 3, 4), 5, "float32")
    fo, to = lf(xf), lt(xt)
    close(fo, to, rtol=1e-5, atol=1e-5)
    fo.sum().backward()
    to.sum().backward()
    close(lf.weight.grad, lt.weight.grad, rtol=1e-5, atol=1e-5)
    close(xf.grad, xt.grad, rtol=1e-4, atol=1e-5)


def test_layer_norm_errors_match_torch():
    msg = r"Given normalized_shape=\[4\], expected input with shape \[\*, 4\], but got input of size\[4, 3\]"
    with pytest.raises(RuntimeError, match=msg):
        TF.layer_norm(torch.zeros(4, 3), (4,))
    with pytest.raises(RuntimeError, match=msg):
        F.layer_norm(fastgrad.zeros(4, 3), (4,))
    with pytest.raises(NotImplementedError, match="not implemented for 'Int'"):
        TF.layer_norm(torch.zeros(4, 3, dtype=torch.int32), (3,))
    with pytest.raises(NotImplementedError, match="not implemented for 'Int'"):
        F.layer_norm(fastgrad.zeros(4, 3, dtype=fastgrad.int32), (3,))


# ---- batch_norm ----

BN_SHAPES = [(6, 3), (4, 3, 5), (2, 3, 2, 2)]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("shape", BN_SHAPES, ids=lambda s: "x".join(map(str, s)))
def test_batch_norm_matches_torch(shape, training, affine, dtype):
    xf, xt = pair(shape, 0, dtype)
    rmf, rmt = pair((3,), 1, dtype, requires_grad=False)
    rv = np.random.default_rng(2).uniform(0.5, 2.0, 3).astype(dtype)
    rvf, rvt = fastgrad.tensor(rv), torch.tensor(rv)
    wf, wt = pair((3,), 3, dtype) if affine else (None, None)
    bf, bt = pair((3,), 4, dtype) if affine else (None, None)
    fo = F.batch_norm(xf, rmf, rvf, wf, bf, training=training, momentum=0.3, eps=1e-4)
    to = TF.batch_norm(xt, rmt, rvt, wt, bt, training=training, momentum=0.3, eps=1e-4)
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == "float32" else {}
    close(fo, to, **tol)
    close(rmf, rmt, **tol)
    close(rvf, rvt, **tol)
    assert fo.grad_fn.name() == to.grad_fn.name() == "NativeBatchNormBackward0"
    backward_both(fo, to)
    for a, c in ((xf, xt), (wf, wt), (bf, bt)):
        if a is not None:
            close(a.grad, c.grad, **tol)


def test_batch_norm_without_running_stats_matches_torch():
    xf, xt = pair((5, 2, 3), 0)
    fo, to = F.batch_norm(xf, None, None, training=True), TF.batch_norm(xt, None, None, training=True)
    close(fo, to)
    backward_both(fo, to)
    close(xf.grad, xt.grad)


@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_gradcheck_and_gradgradcheck(training):
    x = fastgrad.randn(4, 3, 2, dtype=fastgrad.float64, requires_grad=True)
    w = fastgrad.randn(3, dtype=fastgrad.float64, requires_grad=True)
    b = fastgrad.randn(3, dtype=fastgrad.float64, requires_grad=True)
    rm, rv = fastgrad.zeros(3, dtype=fastgrad.float64), fastgrad.ones(3, dtype=fastgrad.float64)

    def fn(x, w, b):
        # fresh buffers each call: training mode updates them in place
        return F.batch_norm(x, rm.clone(), rv.clone(), w, b, training=training)

    assert gradcheck(fn, (x, w, b))
    assert gradgradcheck(fn, (x, w, b))


def test_batchnorm1d_module_trains_and_evaluates_like_torch():
    bf, bt = fastgrad.nn.BatchNorm1d(3), torch.nn.BatchNorm1d(3)
    for seed in range(3):
        xf, xt = pair((8, 3), seed, "float32")
        close(bf(xf), bt(xt), rtol=1e-5, atol=1e-5)
    close(bf.running_mean, bt.running_mean, rtol=1e-5, atol=1e-6)
    close(bf.running_var, bt.running_var, rtol=1e-5, atol=1e-6)
    bf.eval()
    bt.eval()
    xf, xt = pair((4, 3), 9, "float32")
    close(bf(xf), bt(xt), rtol=1e-5, atol=1e-5)


def test_batch_norm_errors_match_torch():
    for lib, fn in ((torch, TF), (fastgrad, F)):
        with pytest.raises(ValueError, match=r"Expected more than 1 value per channel when training, got input size"):
            fn.batch_norm(lib.zeros(1, 3), None, None, training=True)
        with pytest.raises(RuntimeError, match="running_mean should contain 3 elements not 4"):
            fn.batch_norm(lib.zeros(4, 3), lib.zeros(4), lib.ones(4))


# ---- bilinear ----


def test_bilinear_matches_torch():
    x1f, x1t = pair((2, 5, 3), 0)
    x2f, x2t = pair((2, 5, 4), 1)
    wf, wt = pair((6, 3, 4), 2)
    bf, bt = pair((6,), 3)
    fo, to = F.bilinear(x1f, x2f, wf, bf), TF.bilinear(x1t, x2t, wt, bt)
    close(fo, to)
    backward_both(fo, to)
    for a, c in ((x1f, x1t), (x2f, x2t), (wf, wt), (bf, bt)):
        close(a.grad, c.grad)
    assert gradcheck(lambda a, b, w: F.bilinear(a, b, w), (x1f.detach().requires_grad_(), x2f.detach().requires_grad_(),
                                                           wf.detach().requires_grad_()))
