"""Gradients of parts of a tensor (x[:, t], x[a:b], narrow) summed in the engine (Note [Gradients of parts] in
autograd/engine.cpp): the same values as PyTorch whichever path a gradient takes (in place into the buffer, or the
dense path with hooks, anomaly mode, create_graph), and backward of a loop over x[:, t] linear in T."""
import numpy as np
import pytest

import fastgrad

torch = pytest.importorskip("torch")


def _both(build, *arrays, create_graph=False, retain=False, times=1):
    """Runs build(lib, *leaves) -> loss on fastgrad and torch from the same float64 arrays; returns their grads."""
    out = []
    for lib in (fastgrad, torch):
        leaves = [lib.tensor(a, dtype=lib.float64, requires_grad=True) for a in arrays]
        loss = build(lib, *leaves)
        for _ in range(times):
            loss.backward(retain_graph=retain or times > 1, create_graph=create_graph)
        out.append([leaf.grad.detach().numpy().copy() for leaf in leaves])
    return out


def _check(build, *arrays, **kw):
    got, want = _both(build, *arrays, **kw)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-12)


RNG = np.random.default_rng(7)
X = RNG.standard_normal((3, 6, 4))
W = RNG.standard_normal((4, 4)) * 0.3


def loop_select(lib, x, w):
    h = lib.zeros(3, 4, dtype=lib.float64)
    for t in range(x.shape[1]):
        h = lib.tanh(x[:, t] + h @ w)
    return h.sum()


def loop_overlapping_slices(lib, x, w):
    total = 0
    for t in range(x.shape[1] - 2):
        total = total + (x[:, t:t + 3] @ w).sin().sum()
    return total


def loop_nested_parts(lib, x, w):
    total = 0
    for t in range(x.shape[1]):
        part = x[:, t][1:, ::2]  # a slice of a select
        total = total + (part * part).sum() + (part @ w[:2, 1:3]).sum() + x.narrow(1, t, 1).mean()
    return total


def dense_and_parts(lib, x, w):
    # x reaches its Node both densely and through parts, in either order of arrival.
    y = x * 2.0
    total = (y.exp() * 0.01).sum()
    for t in range(x.shape[1]):
        total = total + (y[:, t] @ w).tanh().sum()
    return total + y[0].sum()


def non_leaf_base(lib, x, w):
    base = (x @ w).relu() + x
    h = lib.zeros(3, 4, dtype=lib.float64)
    for t in range(base.shape[1]):
        h = lib.sigmoid(base[:, t] * h + base[:, -1 - t])
    return h.sum()


@pytest.mark.parametrize("build", [loop_select, loop_overlapping_slices, loop_nested_parts, dense_and_parts,
                                   non_leaf_base])
def test_values_match_torch(build):
    _check(build, X, W)


@pytest.mark.parametrize("build", [loop_select, dense_and_parts])
def test_retain_graph_twice_accumulates(build):
    _check(build, X, W, times=2)


@pytest.mark.parametrize("build", [loop_select, non_leaf_base])
def test_create_graph_takes_dense_path_and_double_backward_matches(build):
    out = []
    for lib in (fastgrad, torch):
        x = lib.tensor(X, dtype=lib.float64, requires_grad=True)
        w = lib.tensor(W, dtype=lib.float64, requires_grad=True)
        (gx,) = lib.autograd.grad(build(lib, x, w), x, create_graph=True)
        (gx * gx).sum().backward()
        out.append((gx.detach().numpy(), w.grad.numpy()))
    for a, b in zip(*out):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_hooks_see_the_summed_gradient():
    seen = {}
    for lib in (fastgrad, torch):
        x = lib.tensor(X, dtype=lib.float64, requires_grad=True)
        y = x * 1.5
        y.retain_grad()
        calls = []
        y.register_hook(lambda g, calls=calls: calls.append(g.detach().numpy().copy()))
        s = y[:, 0]
        # a post-hook on the SelectBackward0 Node sends its gradient down the dense path
        s.grad_fn.register_hook(lambda gi, go: None)
        loss = s.sum() * 3 + sum((y[:, t] ** 2).sum() for t in range(1, 6))
        loss.backward()
        seen[lib.__name__] = (calls, y.grad.numpy().copy(), x.grad.numpy().copy())
    f, t = seen["fastgrad"], seen["torch"]
    assert len(f[0]) == len(t[0]) == 1
    np.testing.assert_allclose(f[0][0], t[0][0], rtol=1e-12)
    np.testing.assert_allclose(f[1], t[1], rtol=1e-12)
    np.testing.assert_allclose(f[2], t[2], rtol=1e-12)


def test_anomaly_mode_and_autograd_grad_inputs():
    for mode in ("anomaly", "grad"):
        res = []
        for lib in (fastgrad, torch):
            x = lib.tensor(X, dtype=lib.float64, requires_grad=True)
            w = lib.tensor(W, dtype=lib.float64, requires_grad=True)
            if mode == "anomaly":
                with lib.autograd.detect_anomaly():
                    loop_select(lib, x, w).backward()
                res.append(x.grad.numpy())
            else:
                res.append(lib.autograd.grad(loop_overlapping_slices(lib, x, w), x)[0].numpy())
        np.testing.assert_allclose(res[0], res[1], rtol=1e-12, atol=1e-12)


def test_second_backward_without_retain_still_raises():
    x = fastgrad.randn(2, 3, requires_grad=True)
    loss = x[:, 0].sum() + x[:, 1:].sum()
    loss.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        loss.backward()


def test_float32_parts_and_grad_dtype():
    x = fastgrad.randn(4, 5, requires_grad=True)
    sum(x[:, t].sum() * (t + 1) for t in range(5)).backward()
    assert x.grad.dtype == fastgrad.float32
    np.testing.assert_array_equal(x.grad.numpy(), np.tile(np.arange(1, 6, dtype=np.float32), (4, 1)))


def _backward_bytes(T, B=4, H=8):
    x = fastgrad.randn(B, T, H, requires_grad=True)
    w = (fastgrad.randn(H, H) * 0.1).requires_grad_()
    h = fastgrad.zeros(B, H)
    for t in range(T):
        h = fastgrad.tanh(x[:, t] + h @ w)
    loss = h.sum()
    before = fastgrad._C._allocator_stats()["requested_bytes"]
    loss.backward()
    return fastgrad._C._allocator_stats()["requested_bytes"] - before


def test_backward_of_a_loop_over_slices_is_linear_in_T():
    # Dense gradients of x[:, t] would make T tensors of x's size: bytes growing with T^2 (x16 for 4x T).
    small, large = _backward_bytes(64), _backward_bytes(256)
    assert large < 6 * small, (small, large)
    full = 4 * 256 * 8 * 4  # bytes of x at T = 256
    assert large < 12 * full, (large, full)
