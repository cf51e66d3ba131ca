"""Helpers of the nn tests that compare with PyTorch in float64 (test_nn_activations_losses.py,
test_nn_conv_pool_norm_rnn.py): the same values as a fastgrad and a torch tensor, forward and backward on
both, and sample values away from the kinks of the piecewise activations."""

import warnings

import fastgrad
import numpy as np
import pytest

torch = pytest.importorskip("torch")


def pair(array, requires_grad=True):
    """The same float64 values as a fastgrad and a torch tensor."""
    array = np.asarray(array, dtype=np.float64)
    f = fastgrad.from_numpy(array.copy())
    t = torch.from_numpy(array.copy())
    if requires_grad:
        f.requires_grad_(True)
        t.requires_grad_(True)
    return f, t


def assert_close(fg_t, torch_t, rtol=1e-10, atol=1e-12):
    a = fg_t.detach().numpy() if isinstance(fg_t, fastgrad.Tensor) else np.asarray(fg_t)
    b = torch_t.detach().numpy() if isinstance(torch_t, torch.Tensor) else np.asarray(torch_t)
    assert a.shape == b.shape, (a.shape, b.shape)
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


def check_both(fg_fn, torch_fn, arrays, grads=None, seed=0, grad_rtol=1e-10):
    """Calls fg_fn and torch_fn on the same float64 inputs, compares outputs, then backward of the same random
    cotangent and the gradients of every input in `grads` (default: all)."""
    grads = range(len(arrays)) if grads is None else grads
    fs, ts = [], []
    for i, a in enumerate(arrays):
        f, t = pair(a, requires_grad=i in grads)
        fs.append(f)
        ts.append(t)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out_t = torch_fn(*ts)
        out_f = fg_fn(*fs)
    assert_close(out_f, out_t)
    cot = np.random.default_rng(seed).standard_normal(tuple(out_t.shape))
    out_t.backward(torch.from_numpy(cot))
    out_f.backward(fastgrad.from_numpy(cot.copy()))
    for i in grads:
        assert_close(fs[i].grad, ts[i].grad, rtol=grad_rtol)
    return out_f, out_t


def rng(seed=0):
    return np.random.default_rng(seed)


def values(shape, seed=0, low=-3.0, high=3.0):
    # kinks of the piecewise activations (0, +-0.5, +-1, +-3, 6) are avoided: no sample lands within 1e-3
    v = rng(seed).uniform(low, high, shape)
    kinks = np.array([0.0, 0.5, -0.5, 1.0, -1.0, 3.0, -3.0, 0.1, 2.0, -2.0])
    near = np.min(np.abs(v[..., None] - kinks), axis=-1) < 1e-3
    return np.where(near, v + 0.01, v)
