"""Helpers of the indexing and linear-algebra tests against PyTorch (test_ops_getitem_setitem.py,
test_ops_index_ops.py, test_ops_linalg.py): one spec of the inputs (`T`, and `I`/`B` for index and bool
tensors), run on both libraries, compared (values, dtypes, shapes, grad_fn names, gradients), gradchecked, or
expected to raise on both."""

import warnings

import numpy as np
import pytest

import fastgrad as fg
from fastgrad.autograd import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")


class T:
    """A float64 input (requires grad unless told) or a fixed integer/bool tensor; `view` makes it
    non-contiguous ("t": transposed, "step": every other element of the last dim, "expand": broadcast)."""

    def __init__(self, value, requires_grad=None, view=None):
        self.value = np.asarray(value)
        self.requires_grad = self.value.dtype.kind == "f" if requires_grad is None else requires_grad
        self.view = view

    def make(self, lib):
        t = lib.tensor(self.value.copy())
        if self.requires_grad:
            t.requires_grad_(True)
        return t

    def use(self, leaf):
        if self.view == "t":
            return leaf.transpose(0, 1)
        if self.view == "step":
            return leaf[..., ::2]
        return leaf


def rand(*shape, seed=0):
    return np.random.default_rng(seed + 7 * len(shape) + sum(shape)).standard_normal(shape)


def grad_fn_name(t):
    return None if t.grad_fn is None else type(t.grad_fn).__name__


def fg_grad_fn_name(t):
    return None if t.grad_fn is None else t.grad_fn.name()


def as_list(out):
    return list(out) if isinstance(out, (tuple, list)) else [out]


def run_both(fn, specs, check_name=True, backward=True):
    """Runs fn(lib, *inputs) on fastgrad and torch; compares values, dtypes, shapes, Node names and the
    gradients of every float input for a random upstream gradient."""
    fl = [s.make(fg) if isinstance(s, T) else s for s in specs]
    tl = [s.make(torch) if isinstance(s, T) else s for s in specs]
    to = as_list(fn(torch, *[s.use(x) if isinstance(s, T) else x for s, x in zip(specs, tl)]))
    fo = as_list(fn(fg, *[s.use(x) if isinstance(s, T) else x for s, x in zip(specs, fl)]))
    assert len(fo) == len(to)
    for f, t in zip(fo, to):
        assert tuple(f.shape) == tuple(t.shape)
        assert str(f.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
        np.testing.assert_allclose(f.detach().numpy(), t.detach().numpy(), rtol=1e-6, atol=1e-9)
        if check_name:
            assert fg_grad_fn_name(f) == grad_fn_name(t)
    if not backward:
        return fo, to
    pairs = [(f, t) for f, t in zip(fo, to) if t.requires_grad]
    if not pairs:
        return fo, to
    rng = np.random.default_rng(1)
    fsum, tsum = 0, 0
    for f, t in pairs:
        w = rng.standard_normal(tuple(t.shape))
        fsum = fsum + (f * fg.tensor(w)).sum()
        tsum = tsum + (t * torch.tensor(w)).sum()
    fsum.backward()
    tsum.backward()
    for s, f, t in zip(specs, fl, tl):
        if isinstance(s, T) and s.requires_grad:
            if t.grad is None:
                assert f.grad is None or not np.any(f.grad.numpy())
            else:
                assert f.grad is not None
                np.testing.assert_allclose(f.grad.numpy(), t.grad.numpy(), rtol=1e-6, atol=1e-9)
    return fo, to


def check_grad(fn, specs):
    """float64 finite-difference gradcheck of fn(fastgrad, *inputs) (inputs are contiguous leaves; views are
    taken inside fn so that the perturbations reach them)."""
    leaves = [s.make(fg) if isinstance(s, T) else s for s in specs]

    def f(*xs):
        return fn(fg, *[s.use(x) if isinstance(s, T) else x for s, x in zip(specs, xs)])

    assert gradcheck(f, leaves)


def check_gradgrad(fn, specs):
    """Second order: fastgrad's gradgradcheck of fn(fastgrad, *inputs)."""
    leaves = [s.make(fg) if isinstance(s, T) else s for s in specs]

    def f(*xs):
        return fn(fg, *[s.use(x) if isinstance(s, T) else x for s, x in zip(specs, xs)])

    assert gradgradcheck(f, leaves)


def both_raise(fn, exc, match):
    """fn(lib) raises exc with a message matching `match` on both libraries."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(exc, match=match):
            fn(torch)
        with pytest.raises(exc, match=match):
            fn(fg)


def conv_index(idx, lib):
    """A subscript with NumPy arrays made tensors of `lib`."""
    if isinstance(idx, tuple):
        return tuple(conv_index(i, lib) for i in idx)
    if isinstance(idx, np.ndarray):
        return lib.tensor(idx)
    return idx


def I(a, dtype=np.int64):  # noqa: E743  (an index tensor spec)
    return T(np.asarray(a, dtype=dtype), requires_grad=False)


def B(a):  # a bool tensor spec
    return T(np.asarray(a, dtype=bool), requires_grad=False)
