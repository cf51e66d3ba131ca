"""Engine semantics of retain_graph and create_graph (docs/design.md, sections 2 and 4), with PyTorch 2.13 as the
oracle: a freed graph refuses a second backward (with PyTorch's message), retain_graph allows more passes,
and create_graph gives higher-order derivatives.

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
from engine_helpers import SECOND_BACKWARD, compare_with_torch, run_isolated, to_numpy

# ---------------------------------------------------------------------------------------------------------------
# retain_graph and the freed graph


def test_retain_graph_allows_more_backward_passes_which_accumulate():
    x = fastgrad.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(to_numpy(x.grad), [6.0, 12.0])  # 3 * 2x


def test_second_backward_is_refused_with_pytorchs_message():
    x = fastgrad.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match=re.escape(SECOND_BACKWARD)) as info:
        y.backward()
    assert "Specify retain_graph=True" in str(info.value)


def test_backward_after_the_last_retain_graph_frees_the_graph():
    x = fastgrad.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    with pytest.raises(RuntimeError, match=re.escape(SECOND_BACKWARD)):
        y.backward()


def test_backward_through_a_shared_subgraph_that_was_freed_is_refused():
    x = fastgrad.tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    y.sum().backward()
    with pytest.raises(RuntimeError, match=re.escape(SECOND_BACKWARD)):
        y.mean().backward()


NO_SAVED_TENSORS = {
    "add_scalar_sum": lambda x: (x + 1).sum(),
    "sum": lambda x: x.sum(),
    "sub_neg_sum": lambda x: (-x - x).sum(),
    "view_sum": lambda x: x.view(2, 1).sum(),
    "t_mean": lambda x: x.view(1, 2).t().mean(),
    "select_add": lambda x: x[0] + x[1],
}


@pytest.mark.parametrize("graph", list(NO_SAVED_TENSORS), ids=list(NO_SAVED_TENSORS))
def test_second_backward_is_refused_even_without_saved_tensors(graph):
    # PyTorch silently runs such graphs twice and double-counts; fastgrad refuses (docs/design.md, section 4).
    x = fastgrad.tensor([1.0, 2.0], requires_grad=True)
    y = NO_SAVED_TENSORS[graph](x)
    y.backward()
    first = to_numpy(x.grad).copy()
    with pytest.raises(RuntimeError, match=re.escape(SECOND_BACKWARD)):
        y.backward()
    np.testing.assert_array_equal(to_numpy(x.grad), first)  # the refused pass added nothing


def test_second_autograd_grad_is_refused_even_without_saved_tensors():
    x = fastgrad.tensor([1.0, 2.0], requires_grad=True)
    y = (x + 1).sum()
    fastgrad.autograd.grad(y, x)
    with pytest.raises(RuntimeError, match=re.escape(SECOND_BACKWARD)):
        fastgrad.autograd.grad(y, x)


def test_retain_graph_lets_a_graph_without_saved_tensors_run_again():
    x = fastgrad.tensor([1.0, 2.0], requires_grad=True)
    y = (x + 1).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(to_numpy(x.grad), [2.0, 2.0])


def test_create_graph_implies_retain_graph():
    x = fastgrad.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x * x).sum()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyTorch warns about the .grad <-> graph reference cycle here
        y.backward(create_graph=True)
    y.backward()
    np.testing.assert_allclose(to_numpy(x.grad), [6.0, 24.0])  # 2 * 3x^2


# ---------------------------------------------------------------------------------------------------------------
# create_graph: higher-order derivatives


def test_create_graph_gives_the_second_derivative_of_a_cube():
    x = fastgrad.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (g,) = fastgrad.autograd.grad((x**3).sum(), x, create_graph=True)
    np.testing.assert_allclose(to_numpy(g), [3.0, 12.0, 27.0])  # 3x^2
    assert g.requires_grad and g.grad_fn is not None
    (gg,) = fastgrad.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(to_numpy(gg), [6.0, 12.0, 18.0])  # 6x
    assert x.grad is None


def test_create_graph_reaches_the_third_derivative():
    x = fastgrad.tensor([1.0, 2.0], requires_grad=True)
    (g1,) = fastgrad.autograd.grad((x**4).sum(), x, create_graph=True)
    (g2,) = fastgrad.autograd.grad(g1.sum(), x, create_graph=True)
    (g3,) = fastgrad.autograd.grad(g2.sum(), x)
    np.testing.assert_allclose(to_numpy(g3), [24.0, 48.0])  # 24x


def test_gradient_without_create_graph_has_no_history():
    x = fastgrad.tensor([1.0, 2.0], requires_grad=True)
    (g,) = fastgrad.autograd.grad((x**3).sum(), x)
    assert not g.requires_grad and g.grad_fn is None
    (x**3).sum().backward()
    assert not x.grad.requires_grad and x.grad.grad_fn is None


def test_mixed_second_derivative_through_backward_matches_torch():
    def f(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        w = m.tensor([0.5, -1.0], requires_grad=True)
        (g,) = m.autograd.grad((x.sin() * w * x).sum(), x, create_graph=True)
        (g * g).sum().backward()
        return g, x.grad, w.grad

    compare_with_torch(f)


def test_backward_with_create_graph_warns_about_the_reference_cycle():
    # PyTorch warns once per process, so look at the first call in a fresh interpreter.
    out = run_isolated("""
        import warnings
        import fastgrad
        x = fastgrad.tensor([1.0, 2.0], requires_grad=True)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            (x**3).sum().backward(create_graph=True)
        print([(w.category.__name__, str(w.message)) for w in caught])
    """)
    assert "('UserWarning', 'Using backward() with create_graph=True will create a reference cycle" in out, out
