"""Engine semantics of .grad and of leaves (docs/design.md, sections 2 and 4), with PyTorch 2.13 as the oracle:
reading and setting .grad, retain_grad, requires_grad and is_leaf.

Each test names the promise it checks. Tests that compare with PyTorch run the same code with `torch` and
with `fastgrad` (`run_both` in engine_helpers.py) and skip cleanly when torch is not installed; the others check
analytic results (derivatives worked out by hand, never values computed by fastgrad itself) and run without
torch.
"""

import re
import warnings

import fastgrad
import numpy as np
import pytest
from engine_helpers import NON_LEAF_GRAD_WARNING, compare_with_torch, to_numpy

# ---------------------------------------------------------------------------------------------------------------
# .grad get and set, retain_grad


def test_grad_is_none_before_any_backward():
    assert fastgrad.ones(2, requires_grad=True).grad is None
    assert fastgrad.ones(2).grad is None


def test_grad_can_be_set_and_backward_accumulates_into_it():
    x = fastgrad.ones(2, requires_grad=True)
    g = fastgrad.tensor([5.0, 5.0])
    x.grad = g
    assert x.grad is g
    (x * 3).sum().backward()
    np.testing.assert_allclose(to_numpy(x.grad), [8.0, 8.0])


def test_grad_can_be_set_back_to_none():
    x = fastgrad.ones(2, requires_grad=True)
    x.grad = fastgrad.ones(2)
    x.grad = None
    assert x.grad is None


@pytest.mark.parametrize("bad", ["shape", "dtype"])
def test_grad_of_the_wrong_shape_or_dtype_is_refused(bad):
    x = fastgrad.ones(2, requires_grad=True)
    g = fastgrad.ones(3) if bad == "shape" else fastgrad.ones(2, dtype=fastgrad.float64)
    with pytest.raises(RuntimeError):
        x.grad = g
    assert x.grad is None


def test_grad_of_a_non_tensor_is_refused_with_type_error():
    x = fastgrad.ones(2, requires_grad=True)
    with pytest.raises(TypeError, match="assigned grad expected to be a Tensor or None"):
        x.grad = [1.0, 2.0]


def test_a_tensor_cannot_be_its_own_grad():
    x = fastgrad.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="can't assign Variable as its own grad"):
        x.grad = x


def test_reading_the_grad_of_a_non_leaf_warns():
    x = fastgrad.ones(2, requires_grad=True)
    y = x * 2
    with pytest.warns(UserWarning, match=re.escape(NON_LEAF_GRAD_WARNING)) as record:
        assert y.grad is None
    assert "retain_grad()" in str(record[0].message)
    assert record[0].filename == __file__  # points at the user's line, like PyTorch


def test_reading_the_grad_of_a_leaf_or_a_retaining_non_leaf_does_not_warn():
    x = fastgrad.ones(2, requires_grad=True)
    y = x * 2
    y.retain_grad()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert x.grad is None
        assert y.grad is None
        assert fastgrad.ones(2).grad is None


def test_retain_grad_populates_a_non_leafs_grad():
    x = fastgrad.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.retain_grad()
    (y * y).sum().backward()
    np.testing.assert_allclose(to_numpy(y.grad), [4.0, 8.0])  # 2y
    np.testing.assert_allclose(to_numpy(x.grad), [8.0, 16.0])  # 8x


def test_retained_grad_accumulates_over_backward_passes():
    x = fastgrad.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.retain_grad()
    z = (y * y).sum()
    z.backward(retain_graph=True)
    z.backward()
    np.testing.assert_allclose(to_numpy(y.grad), [8.0, 16.0])


def test_retains_grad_flags_match_torch():
    def f(m):
        x = m.ones(2, requires_grad=True)
        y = x * 2
        before = y.retains_grad
        y.retain_grad()
        x.retain_grad()  # a no-op on leaves
        z = (y * y).sum()
        return before, y.retains_grad, x.retains_grad, z.retains_grad

    compare_with_torch(f)
    x = fastgrad.ones(2, requires_grad=True)
    y = x * 2
    assert not y.retains_grad
    y.retain_grad()
    assert y.retains_grad and not x.retains_grad


def test_retain_grad_on_a_tensor_without_grad_is_refused():
    with pytest.raises(RuntimeError, match="can't retain_grad on Tensor that has requires_grad=False"):
        fastgrad.ones(2).retain_grad()


# ---------------------------------------------------------------------------------------------------------------
# requires_grad and is_leaf

FACTORIES = {
    "tensor": lambda m, **kw: m.tensor([1.0, 2.0], **kw),
    "ones": lambda m, **kw: m.ones(2, 3, **kw),
    "zeros": lambda m, **kw: m.zeros(2, **kw),
    "full": lambda m, **kw: m.full((2,), 1.5, **kw),
    "empty": lambda m, **kw: m.empty(2, **kw),
    "eye": lambda m, **kw: m.eye(2, **kw),
    "arange": lambda m, **kw: m.arange(3.0, **kw),
    "linspace": lambda m, **kw: m.linspace(0, 1, 3, **kw),
    "rand": lambda m, **kw: m.rand(2, **kw),
    "randn": lambda m, **kw: m.randn(2, **kw),
    "ones_like": lambda m, **kw: m.ones_like(m.ones(2), **kw),
    "zeros_like": lambda m, **kw: m.zeros_like(m.ones(2), **kw),
    "randn_like": lambda m, **kw: m.randn_like(m.ones(2), **kw),
}


@pytest.mark.parametrize("factory", list(FACTORIES), ids=list(FACTORIES))
def test_requires_grad_argument_makes_a_leaf_that_requires_grad(factory):
    t = FACTORIES[factory](fastgrad, requires_grad=True)
    assert t.requires_grad and t.is_leaf and t.grad_fn is None
    assert not FACTORIES[factory](fastgrad).requires_grad


def test_requires_grad_is_a_settable_property_on_leaves():
    x = fastgrad.ones(2)
    assert x.requires_grad is False
    x.requires_grad = True
    assert x.requires_grad is True and x.is_leaf
    x.requires_grad = False
    assert x.requires_grad is False


def test_requires_grad_underscore_sets_the_flag_and_returns_self():
    x = fastgrad.ones(2)
    assert x.requires_grad_() is x and x.requires_grad
    assert x.requires_grad_(False) is x and not x.requires_grad


def test_requires_grad_cannot_be_switched_off_on_a_non_leaf():
    y = fastgrad.ones(2, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="you can only change requires_grad flags of leaf variables"):
        y.requires_grad = False
    y.requires_grad_(True)  # asking for what it already has is fine
    assert y.requires_grad


def test_results_require_grad_when_any_input_does():
    a = fastgrad.ones(2, requires_grad=True)
    b = fastgrad.ones(2)
    assert (a * b).requires_grad and (b + a).requires_grad
    assert not (b * b).requires_grad


def test_is_leaf_matches_torch():
    def f(m):
        x = m.ones(2, requires_grad=True)
        c = m.ones(2)
        with m.no_grad():
            e = x * 2
        return (x.is_leaf, (x * 2).is_leaf, c.is_leaf, (c * 2).is_leaf, e.is_leaf, e.requires_grad,
                x.detach().is_leaf, x.view(2).is_leaf)

    compare_with_torch(f)
    x = fastgrad.ones(2, requires_grad=True)
    assert x.is_leaf and not (x * 2).is_leaf and fastgrad.ones(2).is_leaf
