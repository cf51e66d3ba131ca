"""The row kernels of index_select, gather and embedding (cpp/src/cpu/index_kernels.h): forward and the gradients
accumulated straight into a zeroed buffer, against PyTorch -- repeated indices, every dim, int32 and int64
indices, padding_idx, non-contiguous inputs -- the same bits at 1 and 2 threads, and the errors for indices out
of range (also when the index is changed in place between forward and backward)."""
import numpy as np
import pytest

import fastgrad as fg

torch = pytest.importorskip("torch")


def _pair(xn, requires_grad=True):
    return fg.tensor(xn, requires_grad=requires_grad), torch.tensor(xn, requires_grad=requires_grad)


@pytest.mark.parametrize("dt", [np.float32, np.float64])
@pytest.mark.parametrize("shape,dim", [((7,), 0), ((6, 5), 0), ((6, 5), 1), ((3, 4, 5), 1), ((3, 4, 130), 0),
                                       ((2, 3, 4), 2)])
@pytest.mark.parametrize("idt", [np.int64, np.int32])
def test_index_select_matches_torch(shape, dim, dt, idt):
    rng = np.random.default_rng(len(shape) + dim)
    xn = rng.standard_normal(shape).astype(dt)
    idx = rng.integers(0, shape[dim], 2 * shape[dim] + 1).astype(idt)  # repeats
    gshape = list(shape)
    gshape[dim] = idx.size
    gn = rng.standard_normal(gshape).astype(dt)
    xf, xt = _pair(xn)
    yf, yt = fg.index_select(xf, dim, fg.tensor(idx)), torch.index_select(xt, dim, torch.tensor(idx))
    np.testing.assert_array_equal(yf.detach().numpy(), yt.detach().numpy())
    yf.backward(fg.tensor(gn))
    yt.backward(torch.tensor(gn))
    tol = 1e-6 if dt == np.float32 else 1e-14
    np.testing.assert_allclose(xf.grad.numpy(), xt.grad.numpy(), rtol=tol, atol=tol)


@pytest.mark.parametrize("dt", [np.float32, np.float64])
@pytest.mark.parametrize("shape,ishape,dim", [((6, 9), (6, 4), 1), ((6, 9), (13, 9), 0), ((3, 5, 7), (3, 11, 7), 1),
                                              ((3, 5, 7), (3, 5, 2), 2), ((4, 6), (2, 3), 1), ((8,), (20,), 0)])
def test_gather_matches_torch(shape, ishape, dim, dt):
    rng = np.random.default_rng(sum(ishape))
    xn = rng.standard_normal(shape).astype(dt)
    idx = rng.integers(0, shape[dim], ishape)
    gn = rng.standard_normal(ishape).astype(dt)
    xf, xt = _pair(xn)
    yf, yt = fg.gather(xf, dim, fg.tensor(idx)), torch.gather(xt, dim, torch.tensor(idx))
    np.testing.assert_array_equal(yf.detach().numpy(), yt.detach().numpy())
    yf.backward(fg.tensor(gn))
    yt.backward(torch.tensor(gn))
    tol = 1e-6 if dt == np.float32 else 1e-14
    np.testing.assert_allclose(xf.grad.numpy(), xt.grad.numpy(), rtol=tol, atol=tol)
    # a transposed (non-contiguous) input
    if len(shape) == 2 and ishape[0] <= shape[1] and ishape[1] <= shape[0]:
        xf2, xt2 = _pair(np.ascontiguousarray(xn.T))
        i2 = rng.integers(0, shape[1] if dim == 0 else shape[0], ishape)
        np.testing.assert_array_equal(fg.gather(xf2.t(), dim, fg.tensor(i2)).detach().numpy(),
                                      torch.gather(xt2.t(), dim, torch.tensor(i2)).detach().numpy())


@pytest.mark.parametrize("padding_idx", [None, 3, -1])
def test_embedding_backward_matches_torch(padding_idx):
    rng = np.random.default_rng(4)
    wn = rng.standard_normal((10, 300)).astype(np.float32)
    idx = rng.integers(0, 10, (4, 7))
    idx[0, :3] = 3
    idx[1, 2] = 9
    gn = rng.standard_normal((4, 7, 300)).astype(np.float32)
    wf, wt = _pair(wn)
    yf = fg.nn.functional.embedding(fg.tensor(idx), wf, padding_idx=padding_idx)
    yt = torch.nn.functional.embedding(torch.tensor(idx), wt, padding_idx=padding_idx)
    np.testing.assert_array_equal(yf.detach().numpy(), yt.detach().numpy())
    yf.backward(fg.tensor(gn))
    yt.backward(torch.tensor(gn))
    np.testing.assert_allclose(wf.grad.numpy(), wt.grad.numpy(), rtol=1e-6, atol=1e-6)


def test_same_bits_at_any_thread_count():
    rng = np.random.default_rng(6)
    wn = rng.standard_normal((300, 500)).astype(np.float32)
    idx = rng.integers(0, 300, 2000)
    gidx = rng.integers(0, 500, (300, 700))
    before = fg.get_num_threads()
    outs = []
    try:
        for n in (1, 2):
            fg.set_num_threads(n)
            out = []
            for f, gshape in ((lambda w: fg.index_select(w, 0, fg.tensor(idx)), (2000, 500)),
                              (lambda w: fg.nn.functional.embedding(fg.tensor(idx), w), (2000, 500)),
                              (lambda w: fg.gather(w, 1, fg.tensor(gidx)), (300, 700))):
                w = fg.tensor(wn, requires_grad=True)
                y = f(w)
                y.backward(fg.tensor(np.random.default_rng(7).standard_normal(gshape).astype(np.float32)))
                out += [y.detach().numpy(), w.grad.numpy()]
            outs.append(out)
    finally:
        fg.set_num_threads(before)
    for a, b in zip(*outs):
        np.testing.assert_array_equal(a, b)


def test_indices_out_of_range_raise():
    x = fg.randn(4, 5, requires_grad=True)
    with pytest.raises(RuntimeError, match="index 7 is out of bounds for dimension 1 with size 5"):
        fg.gather(x, 1, fg.tensor([[0, 7], [1, 2], [0, 0], [1, 1]]))
    with pytest.raises(RuntimeError, match="index -1 is out of bounds for dimension 0 with size 4"):
        fg.gather(x, 0, fg.tensor([[0, 1, 2, 3, -1]]))
    with pytest.raises(IndexError):
        fg.index_select(x, 0, fg.tensor([0, 4]))
    # an index written in place after forward: backward raises instead of writing out of bounds
    idx = fg.tensor([[0, 1], [1, 2], [0, 0], [1, 1]])
    y = fg.gather(x, 1, idx)
    idx[0, 0] = 9
    with pytest.raises(RuntimeError, match="index 9 is out of bounds"):
        y.sum().backward()
