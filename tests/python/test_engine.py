"""Engine semantics of fastgrad's autograd (docs/design.md, sections 2 and 4), with PyTorch 2.13 as the oracle.

Each test names the promise it checks. Tests that compare with PyTorch run the same code with `torch` and with
`fastgrad` (see `run_both`) and skip cleanly when torch is not installed; the others check analytic results
(derivatives worked out by hand, never values computed by fastgrad itself) and run without torch.

Memory tests observe the C++ side through NumPy: `fastgrad.from_numpy` wraps the array's buffer and keeps the
array alive for as long as the storage lives, so a weakref to the array tells when the storage was released,
whichever tensors, saved tensors or Nodes held it. Python weakrefs to fastgrad Tensor objects only show when the
Python wrapper dies (fastgrad does not keep the wrapper alive while C++ holds the tensor), so they are used only
where the wrapper itself is the subject.
"""
import gc
import math
import re
import subprocess
import sys
import textwrap
import threading
import warnings
import weakref

import numpy as np
import pytest

import fastgrad

# ---------------------------------------------------------------------------------------------------------------
# helpers


def run_both(fn):
    """fn(torch), fn(fastgrad): the same code against the oracle and against fastgrad (skips without torch)."""
    torch = pytest.importorskip("torch")
    return fn(torch), fn(fastgrad)


def _is_tensor(x):
    return hasattr(x, "detach") and hasattr(x, "dtype") and hasattr(x, "shape")


def _dtype_name(t):
    return str(t.dtype).rsplit(".", 1)[-1]


def to_numpy(t):
    return t.detach().numpy()


def assert_same(ref, got, where="result", rtol=1e-5, atol=1e-6):
    """Structural equality of torch results and fastgrad results: tensors by shape, dtype and values."""
    if ref is None:
        assert got is None, f"{where}: expected None, got {got!r}"
    elif _is_tensor(ref):
        assert _is_tensor(got), f"{where}: expected a tensor, got {got!r}"
        assert tuple(got.shape) == tuple(ref.shape), f"{where}: shape {tuple(got.shape)} != {tuple(ref.shape)}"
        assert _dtype_name(got) == _dtype_name(ref), f"{where}: dtype {got.dtype} != {ref.dtype}"
        np.testing.assert_allclose(to_numpy(got), to_numpy(ref), rtol=rtol, atol=atol, err_msg=where)
    elif isinstance(ref, (tuple, list)):
        assert isinstance(got, (tuple, list)) and len(got) == len(ref), f"{where}: {got!r} vs {ref!r}"
        for i, (r, g) in enumerate(zip(ref, got)):
            assert_same(r, g, f"{where}[{i}]", rtol, atol)
    elif isinstance(ref, dict):
        assert set(got) == set(ref), f"{where}: keys {sorted(got)} != {sorted(ref)}"
        for k in ref:
            assert_same(ref[k], got[k], f"{where}[{k!r}]", rtol, atol)
    elif isinstance(ref, float):
        assert got == pytest.approx(ref, rel=rtol, abs=atol), f"{where}: {got} != {ref}"
    else:
        assert got == ref, f"{where}: {got!r} != {ref!r}"


def compare_with_torch(fn, **tol):
    ref, got = run_both(fn)
    assert_same(ref, got, **tol)


def graph_structure(fn):
    """A Node as nested tuples: (class name, ((child, input_nr), ...)); None where the edge has no Node."""
    if fn is None:
        return None
    return (type(fn).__name__, tuple((graph_structure(f), nr) for f, nr in fn.next_functions))


def numpy_backed(values, requires_grad=False):
    """A float32 tensor over a NumPy buffer, and a weakref that dies when fastgrad releases that buffer."""
    arr = np.array(values, dtype=np.float32)
    t = fastgrad.from_numpy(arr)
    if requires_grad:
        t.requires_grad_()
    return t, weakref.ref(arr)


@pytest.fixture
def gc_disabled():
    """Memory must be released by reference counting alone: no cycle collector during the test."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


SECOND_BACKWARD = "Trying to backward through the graph a second time"
INPLACE_MODIFIED = "modified by an inplace operation"
LEAF_INPLACE = "a leaf Variable that requires grad is being used in an in-place operation."
NON_LEAF_GRAD_WARNING = "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed"


# ---------------------------------------------------------------------------------------------------------------
# backward: vector-Jacobian products


def test_backward_of_a_scalar_gives_the_analytic_gradient():
    x = fastgrad.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x * x * 3.0).sum().backward()
    np.testing.assert_allclose(to_numpy(x.grad), [6.0, 12.0, 18.0])  # d/dx 3x^2 = 6x


def test_backward_with_a_gradient_computes_the_vector_jacobian_product():
    x = fastgrad.tensor([1.0, -2.0, 0.5], requires_grad=True)
    v = fastgrad.tensor([1.0, 10.0, -3.0])
    (x * x).backward(v)
    np.testing.assert_allclose(to_numpy(x.grad), [2.0 * 1.0 * 1.0, 2.0 * -2.0 * 10.0, 2.0 * 0.5 * -3.0])


def test_vector_jacobian_product_matches_torch_for_elementwise_graph():
    def f(m):
        x = m.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        y = x * x * 2 + x.exp()
        y.backward(m.tensor([[1.0, -1.0], [0.5, 2.0]]))
        return x.grad

    compare_with_torch(f)


def test_vector_jacobian_product_matches_torch_through_matmul_and_broadcasting():
    def f(m):
        x = m.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]], requires_grad=True)
        w = m.tensor([[1.0, 2.0, -1.0, 0.5], [0.0, -0.5, 1.0, 2.0], [3.0, 1.0, 0.25, -2.0]], requires_grad=True)
        b = m.tensor([0.1, -0.2, 0.3, -0.4], requires_grad=True)
        y = (x @ w + b).sigmoid() * 3 - (x.sum(1, keepdim=True) / 2)
        y.backward(m.tensor([[1.0, 0.0, -1.0, 2.0], [0.5, 0.5, 0.5, 0.5]]))
        return x.grad, w.grad, b.grad

    compare_with_torch(f)


@pytest.mark.parametrize(
    "grad_dtype",
    [
        "float64",
        "int64",
    ],
)
def test_backward_accepts_a_gradient_of_another_real_dtype_like_torch(grad_dtype):
    def f(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        (x * 3).backward(m.tensor([2, 3], dtype=getattr(m, grad_dtype)))
        return x.grad

    compare_with_torch(f)


def test_backward_on_a_leaf_accumulates_the_gradient_itself():
    x = fastgrad.tensor([1.0, 2.0], requires_grad=True)
    x.backward(fastgrad.tensor([3.0, 4.0]))
    x.backward(fastgrad.tensor([3.0, 4.0]))
    np.testing.assert_allclose(to_numpy(x.grad), [6.0, 8.0])


def test_autograd_backward_of_several_roots_sums_their_gradients():
    x = fastgrad.tensor([1.0, 2.0], requires_grad=True)
    a = (x * x).sum()
    b = x.exp().sum()
    fastgrad.autograd.backward([a, b])
    np.testing.assert_allclose(to_numpy(x.grad), [2 * 1.0 + math.e, 2 * 2.0 + math.exp(2.0)], rtol=1e-6)


def test_backward_inputs_accumulates_only_into_the_given_tensors():
    x = fastgrad.tensor([1.0, 2.0], requires_grad=True)
    w = fastgrad.tensor([3.0, 4.0], requires_grad=True)
    (x * w).sum().backward(inputs=[x])
    np.testing.assert_allclose(to_numpy(x.grad), [3.0, 4.0])
    assert w.grad is None


def test_backward_inputs_on_a_non_leaf_that_retains_grad_counts_the_gradient_once():
    def f(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        h = x * 2
        h.retain_grad()
        (h * h).sum().backward(inputs=[h])
        return h.grad, x.grad

    compare_with_torch(f)


# ---------------------------------------------------------------------------------------------------------------
# accumulation into .grad


def test_repeated_backward_accumulates_into_grad():
    x = fastgrad.tensor([1.0, 2.0], requires_grad=True)
    for k in (1.0, 2.0, 3.0):
        (x * x * k).sum().backward()
    np.testing.assert_allclose(to_numpy(x.grad), [2 * 1.0 * 6.0, 2 * 2.0 * 6.0])  # sum_k 2kx


def test_accumulation_keeps_the_same_grad_tensor_like_torch():
    def f(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        (x * 2).sum().backward()
        first = x.grad
        (x * 3).sum().backward()
        return x.grad is first, first

    compare_with_torch(f)


def test_zeroed_grad_restarts_accumulation():
    x = fastgrad.tensor([1.0, 2.0], requires_grad=True)
    (x * 2).sum().backward()
    x.grad.zero_()
    (x * 3).sum().backward()
    np.testing.assert_allclose(to_numpy(x.grad), [3.0, 3.0])


def test_grad_set_to_none_is_recreated_by_the_next_backward():
    x = fastgrad.tensor([1.0, 2.0], requires_grad=True)
    (x * 2).sum().backward()
    x.grad = None
    (x * 3).sum().backward()
    np.testing.assert_allclose(to_numpy(x.grad), [3.0, 3.0])


# ---------------------------------------------------------------------------------------------------------------
# diamonds and reuse


def test_diamond_sums_the_gradients_of_both_paths():
    x = fastgrad.tensor([1.0, 2.0], requires_grad=True)
    a = x * 2
    b = x.exp()
    (a * b + a).sum().backward()
    # d/dx (2x e^x + 2x) = 2 e^x + 2x e^x + 2
    expected = [2 * math.exp(v) + 2 * v * math.exp(v) + 2 for v in (1.0, 2.0)]
    np.testing.assert_allclose(to_numpy(x.grad), expected, rtol=1e-6)


def test_tensor_used_several_times_gets_every_contribution():
    x = fastgrad.tensor([0.5, 2.0], requires_grad=True)
    (x * x * x + x + x.sin() * x).sum().backward()
    # d/dx (x^3 + x + x sin x) = 3x^2 + 1 + sin x + x cos x
    expected = [3 * v * v + 1 + math.sin(v) + v * math.cos(v) for v in (0.5, 2.0)]
    np.testing.assert_allclose(to_numpy(x.grad), expected, rtol=1e-6)


def test_reused_intermediate_and_leaf_match_torch():
    def f(m):
        x = m.tensor([[0.5, -1.0], [2.0, 0.25]], requires_grad=True)
        w = m.tensor([[1.0, 2.0], [-0.5, 0.75]], requires_grad=True)
        h = x @ w
        y = (h * h + h.tanh() * x + (h @ w).relu()).mean()
        y.backward()
        return x.grad, w.grad

    compare_with_torch(f)


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
    # PyTorch silently runs such graphs twice and double-counts; fastgrad refuses (issue 2, section 4).
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


# ---------------------------------------------------------------------------------------------------------------
# autograd.grad


def test_autograd_grad_returns_a_tuple_and_leaves_grad_alone():
    x = fastgrad.tensor([1.0, 2.0], requires_grad=True)
    w = fastgrad.tensor([1.0, 1.0], requires_grad=True)
    w.grad = fastgrad.tensor([5.0, 5.0])
    result = fastgrad.autograd.grad((x * w * 2).sum(), [x, w])
    assert type(result) is tuple and len(result) == 2
    np.testing.assert_allclose(to_numpy(result[0]), [2.0, 2.0])
    np.testing.assert_allclose(to_numpy(result[1]), [2.0, 4.0])
    assert x.grad is None
    np.testing.assert_allclose(to_numpy(w.grad), [5.0, 5.0])


def test_autograd_grad_of_a_single_input_is_a_one_tuple():
    x = fastgrad.tensor([1.0, 2.0], requires_grad=True)
    result = fastgrad.autograd.grad((x * 2).sum(), x)
    assert type(result) is tuple and len(result) == 1


def test_autograd_grad_allow_unused_gives_none_for_unused_inputs():
    x = fastgrad.tensor([1.0, 2.0], requires_grad=True)
    z = fastgrad.tensor([1.0, 2.0], requires_grad=True)
    gx, gz = fastgrad.autograd.grad((x * 2).sum(), [x, z], allow_unused=True)
    np.testing.assert_allclose(to_numpy(gx), [2.0, 2.0])
    assert gz is None


def test_autograd_grad_refuses_unused_inputs_without_allow_unused():
    x = fastgrad.tensor([1.0, 2.0], requires_grad=True)
    z = fastgrad.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="appears to not have been used in the graph"):
        fastgrad.autograd.grad((x * 2).sum(), [x, z])


def test_autograd_grad_materialize_grads_gives_zeros_for_unused_inputs():
    x = fastgrad.tensor([1.0, 2.0], requires_grad=True)
    z = fastgrad.tensor([1.0, 2.0, 3.0], requires_grad=True)
    _, gz = fastgrad.autograd.grad((x * 2).sum(), [x, z], materialize_grads=True)
    np.testing.assert_array_equal(to_numpy(gz), [0.0, 0.0, 0.0])


def test_autograd_grad_with_grad_outputs_and_intermediate_inputs_matches_torch():
    def f(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        h = x * x
        a = h * 3
        b = x.exp()
        r1 = m.autograd.grad([a, b], [x], [m.ones(2), m.tensor([2.0, 3.0])], retain_graph=True)
        r2 = m.autograd.grad(a.sum(), [x, h])
        return r1, r2

    compare_with_torch(f)


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


# ---------------------------------------------------------------------------------------------------------------
# grad_fn: names, repr, next_functions, AccumulateGrad

GRAD_FN_OPS = {
    "add": lambda m, x, w, c: x + w,
    "add_scalar": lambda m, x, w, c: x + 1,
    "radd": lambda m, x, w, c: 1 + x,
    "sub": lambda m, x, w, c: x - w,
    "rsub": lambda m, x, w, c: 1 - x,
    "mul": lambda m, x, w, c: x * w,
    "mul_scalar": lambda m, x, w, c: x * 2,
    "div": lambda m, x, w, c: x / w,
    "rdiv": lambda m, x, w, c: 2 / x,
    "pow_scalar": lambda m, x, w, c: x**2,
    "pow_tensor": lambda m, x, w, c: x**w,
    "rpow": lambda m, x, w, c: 2**x,
    "neg": lambda m, x, w, c: -x,
    "sum": lambda m, x, w, c: x.sum(),
    "sum_dim": lambda m, x, w, c: x.sum(0),
    "mean": lambda m, x, w, c: x.mean(),
    "mean_dim": lambda m, x, w, c: x.mean(1, keepdim=True),
    "mm": lambda m, x, w, c: x.mm(w),
    "matmul": lambda m, x, w, c: x @ w,
    "mv": lambda m, x, w, c: x.mv(w[0]),
    "dot": lambda m, x, w, c: x[0].dot(w[1]),
    "t": lambda m, x, w, c: x.t(),
    "transpose": lambda m, x, w, c: x.transpose(0, 1),
    "exp": lambda m, x, w, c: x.exp(),
    "log": lambda m, x, w, c: x.log(),
    "sin": lambda m, x, w, c: x.sin(),
    "cos": lambda m, x, w, c: x.cos(),
    "sqrt": lambda m, x, w, c: x.sqrt(),
    "relu": lambda m, x, w, c: x.relu(),
    "sigmoid": lambda m, x, w, c: x.sigmoid(),
    "tanh": lambda m, x, w, c: x.tanh(),
    "clamp": lambda m, x, w, c: x.clamp(0, 2),
    "norm": lambda m, x, w, c: x.norm(),
    "view": lambda m, x, w, c: x.view(4),
    "reshape": lambda m, x, w, c: x.reshape(4),
    "select": lambda m, x, w, c: x[0],
    "unsqueeze": lambda m, x, w, c: x.unsqueeze(0),
    "expand": lambda m, x, w, c: x.expand(3, 2, 2),
    "clone": lambda m, x, w, c: x.clone(),
    "to_double": lambda m, x, w, c: x.double(),
    "mse_loss": lambda m, x, w, c: m.nn.functional.mse_loss(x, c),
    "bce_with_logits": lambda m, x, w, c: m.nn.functional.binary_cross_entropy_with_logits(x, c),
}


def _inplace(op):
    def build(m, x, w, c):
        y = x * 2
        op(m, y, w)
        return y

    return build


GRAD_FN_OPS.update({
    "iadd_scalar": _inplace(lambda m, y, w: y.add_(1)),
    "imul_tensor": _inplace(lambda m, y, w: y.mul_(w)),
    "isub_op": _inplace(lambda m, y, w: y.__isub__(w)),
    "idiv_scalar": _inplace(lambda m, y, w: y.div_(2)),
    "zero_": _inplace(lambda m, y, w: y.zero_()),
})
GRAD_FN_NAME_XFAIL = {}
GRAD_FN_OPS["fill_"] = _inplace(lambda m, y, w: y.fill_(3.0))
GRAD_FN_OPS["fill_tensor"] = _inplace(lambda m, y, w: y.fill_(w.sum()))


def _graph_inputs(m):
    x = m.tensor([[1.0, 2.0], [3.0, 0.5]], requires_grad=True)
    w = m.tensor([[0.5, -1.0], [2.0, 1.0]], requires_grad=True)
    c = m.tensor([[1.0, 0.0], [0.0, 1.0]])
    return x, w, c


def _params(table, xfails):
    return [pytest.param(k, id=k, marks=pytest.mark.xfail(strict=True, reason=xfails[k])) if k in xfails
            else pytest.param(k, id=k) for k in table]


@pytest.mark.parametrize("op", _params(GRAD_FN_OPS, GRAD_FN_NAME_XFAIL))
def test_grad_fn_class_name_name_and_repr_match_torch(op):
    def f(m):
        fn = GRAD_FN_OPS[op](m, *_graph_inputs(m)).grad_fn
        r = repr(fn)
        match = re.fullmatch(r"<(\w+) object at 0x[0-9a-f]+>", r)
        return type(fn).__name__, fn.name(), match.group(1) if match else r

    ref, got = run_both(f)
    assert got == ref


def test_grad_fn_names_named_in_the_issue():
    # The names the issue spells out, from PyTorch's derivatives.yaml: no oracle needed.
    x, w, c = _graph_inputs(fastgrad)
    F = fastgrad.nn.functional
    cases = {
        "AddBackward0": x + w,
        "MulBackward0": x * w,
        "SumBackward0": x.sum(),
        "MeanBackward0": x.mean(),
        "PowBackward0": x**2,
        "MmBackward0": x.mm(w),
        "TBackward0": x.t(),
        "BinaryCrossEntropyWithLogitsBackward0": F.binary_cross_entropy_with_logits(x, c),
    }
    for name, t in cases.items():
        assert type(t.grad_fn).__name__ == name
        assert t.grad_fn.name() == name
        assert re.fullmatch(rf"<{name} object at 0x[0-9a-f]+>", repr(t.grad_fn))


def test_leaves_and_constants_have_no_grad_fn():
    x = fastgrad.ones(2, requires_grad=True)
    assert x.grad_fn is None
    assert (fastgrad.ones(2) * 2).grad_fn is None
    with fastgrad.no_grad():
        assert (x * 2).grad_fn is None


GRAPHS = {
    "mul_tensor_const": lambda m, x, w, c: x * c,
    "const_mul_tensor": lambda m, x, w, c: c * x,
    "square": lambda m, x, w, c: x * x,
    "elementwise_chain": lambda m, x, w, c: (x * c + x.exp()).sum(),
    "mm_t_sub_tensor": lambda m, x, w, c: (x.mm(w.t()) - c).mean(),
    "diamond": lambda m, x, w, c: (x.exp() * x.sin()).sum(),
    "broadcast_select": lambda m, x, w, c: x * w[0],
    "pow_tensor": lambda m, x, w, c: x**w,
    "sub_const_tensor": lambda m, x, w, c: c - x,
    "rsub_scalar": lambda m, x, w, c: 1 - x,
    "mse_loss": lambda m, x, w, c: m.nn.functional.mse_loss(x, c),
    "views": lambda m, x, w, c: x.view(4).unsqueeze(0).transpose(0, 1).sum(0),
    "inplace_tensor": _inplace(lambda m, y, w: y.add_(w)),
    "zero_": _inplace(lambda m, y, w: y.zero_()),
    # Python scalars are operands too: PyTorch records a (None, 0) edge for them.
    "add_scalar": lambda m, x, w, c: x + 1,
    "mul_scalar": lambda m, x, w, c: x * 2,
    "rmul_scalar": lambda m, x, w, c: 2 * x,
    "sub_scalar": lambda m, x, w, c: x - 1,
    "div_scalar": lambda m, x, w, c: x / 2,
    "rdiv_scalar": lambda m, x, w, c: 2 / x,
    "iadd_scalar": _inplace(lambda m, y, w: y.add_(1)),
    "imul_scalar": _inplace(lambda m, y, w: y.mul_(3)),
    "bce_with_logits": lambda m, x, w, c: m.nn.functional.binary_cross_entropy_with_logits(x, c),
}
GRAPH_XFAIL: dict = {}


@pytest.mark.parametrize("graph", _params(GRAPHS, GRAPH_XFAIL))
def test_next_functions_structure_matches_torch(graph):
    ref, got = run_both(lambda m: graph_structure(GRAPHS[graph](m, *_graph_inputs(m)).grad_fn))
    assert got == ref


def test_next_functions_are_pairs_of_node_and_input_nr():
    x = fastgrad.ones(2, requires_grad=True)
    w = fastgrad.ones(2, requires_grad=True)
    y = x * w.exp()
    edges = y.grad_fn.next_functions
    assert isinstance(edges, tuple) and len(edges) == 2
    assert all(isinstance(e, tuple) and len(e) == 2 and e[1] == 0 for e in edges)
    assert type(edges[0][0]).__name__ == "AccumulateGrad"
    assert type(edges[1][0]).__name__ == "ExpBackward0"


def test_accumulate_grad_variable_is_the_leaf():
    x = fastgrad.ones(2, requires_grad=True)
    w = fastgrad.ones(2, requires_grad=True)
    y = x * w
    (acc_x, _), (acc_w, _) = y.grad_fn.next_functions
    assert type(acc_x).__name__ == "AccumulateGrad"
    assert acc_x.variable is x and acc_w.variable is w
    assert acc_x.next_functions == ()


def test_a_leaf_has_one_accumulate_grad_node_shared_by_its_uses():
    x = fastgrad.ones(2, requires_grad=True)
    y = x * x
    (a, _), (b, _) = y.grad_fn.next_functions
    assert a is b
    z = x + 1
    assert z.grad_fn.next_functions[0][0] is a


def test_accumulate_grad_has_no_variable_attribute_on_other_nodes():
    y = fastgrad.ones(2, requires_grad=True) * 2
    with pytest.raises(AttributeError):
        y.grad_fn.variable


# ---------------------------------------------------------------------------------------------------------------
# grad mode: no_grad, enable_grad, set_grad_enabled


def test_no_grad_context_records_nothing_and_restores_the_mode():
    x = fastgrad.ones(2, requires_grad=True)
    assert fastgrad.is_grad_enabled()
    with fastgrad.no_grad():
        assert not fastgrad.is_grad_enabled()
        y = x * 2
    assert fastgrad.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None and y.is_leaf


def test_grad_mode_contexts_nest_like_torch():
    def f(m):
        x = m.ones(1, requires_grad=True)
        seen = []
        with m.no_grad():
            seen.append((x * 2).requires_grad)
            with m.enable_grad():
                seen.append((x * 2).requires_grad)
                with m.no_grad():
                    seen.append((x * 2).requires_grad)
                with m.set_grad_enabled(False):
                    seen.append((x * 2).requires_grad)
                seen.append((x * 2).requires_grad)
            seen.append((x * 2).requires_grad)
            with m.set_grad_enabled(True):
                seen.append((x * 2).requires_grad)
            seen.append(m.is_grad_enabled())
        seen.append((x * 2).requires_grad)
        return seen

    compare_with_torch(f)
    x = fastgrad.ones(1, requires_grad=True)
    with fastgrad.no_grad():
        with fastgrad.enable_grad():
            assert (x * 2).requires_grad
        assert not (x * 2).requires_grad


def test_set_grad_enabled_works_as_a_plain_call():
    try:
        fastgrad.set_grad_enabled(False)
        assert not fastgrad.is_grad_enabled()
        assert not (fastgrad.ones(1, requires_grad=True) * 2).requires_grad
    finally:
        fastgrad.set_grad_enabled(True)
    assert fastgrad.is_grad_enabled()


def test_grad_mode_is_restored_when_the_block_raises():
    with pytest.raises(ValueError):
        with fastgrad.no_grad():
            raise ValueError
    assert fastgrad.is_grad_enabled()
    with fastgrad.no_grad():
        with pytest.raises(ValueError):
            with fastgrad.enable_grad():
                raise ValueError
        assert not fastgrad.is_grad_enabled()


def test_grad_mode_decorators_with_and_without_parentheses():
    x = fastgrad.ones(1, requires_grad=True)

    @fastgrad.no_grad
    def bare(t):
        return t * 2

    @fastgrad.no_grad()
    def called(t):
        return t * 2

    @fastgrad.set_grad_enabled(False)
    def disabled(t):
        return t * 2

    @fastgrad.enable_grad()
    def enabled(t):
        return t * 2

    @fastgrad.enable_grad
    def enabled_bare(t):
        return t * 2

    assert fastgrad.is_grad_enabled()  # decorating changes nothing by itself
    assert not bare(x).requires_grad
    assert not called(x).requires_grad
    assert not disabled(x).requires_grad
    assert fastgrad.is_grad_enabled()
    with fastgrad.no_grad():
        assert enabled(x).requires_grad
        assert enabled_bare(x).requires_grad
        assert not fastgrad.is_grad_enabled()


def test_grad_mode_decorator_keeps_the_functions_name_and_doc():
    @fastgrad.no_grad()
    def step(t):
        """Take a step."""
        return t

    assert step.__name__ == "step" and step.__doc__ == "Take a step."


def test_grad_mode_decorated_function_can_be_called_repeatedly():
    @fastgrad.no_grad()
    def f(t):
        return t * 2

    x = fastgrad.ones(1, requires_grad=True)
    assert [f(x).requires_grad for _ in range(3)] == [False, False, False]
    assert fastgrad.is_grad_enabled()


def test_grad_mode_decorator_on_a_generator_matches_torch():
    def f(m):
        @m.no_grad()
        def gen():
            yield m.is_grad_enabled()
            yield m.is_grad_enabled()

        g = gen()
        return next(g), m.is_grad_enabled(), next(g)

    compare_with_torch(f)


def test_thread_started_inside_no_grad_has_grad_enabled():
    seen = {}

    def work():
        seen["enabled"] = fastgrad.is_grad_enabled()
        seen["requires_grad"] = (fastgrad.ones(1, requires_grad=True) * 2).requires_grad

    with fastgrad.no_grad():
        t = threading.Thread(target=work)
        t.start()
        t.join()
        assert not fastgrad.is_grad_enabled()
    assert seen == {"enabled": True, "requires_grad": True}


def test_no_grad_in_another_thread_does_not_leak_into_this_one():
    entered, release = threading.Event(), threading.Event()
    seen = {}

    def work():
        with fastgrad.no_grad():
            seen["worker"] = fastgrad.is_grad_enabled()
            entered.set()
            release.wait(10)

    t = threading.Thread(target=work)
    t.start()
    assert entered.wait(10)
    seen["main"] = fastgrad.is_grad_enabled()
    seen["main_records"] = (fastgrad.ones(1, requires_grad=True) * 2).requires_grad
    release.set()
    t.join()
    assert seen == {"worker": False, "main": True, "main_records": True}


def test_backward_leaves_grad_mode_enabled():
    x = fastgrad.ones(2, requires_grad=True)
    (x * x).sum().backward()
    assert fastgrad.is_grad_enabled()
    fastgrad.autograd.grad((x * x).sum(), x, create_graph=True)
    assert fastgrad.is_grad_enabled()


# ---------------------------------------------------------------------------------------------------------------
# detach() and .data


def test_detach_shares_memory_and_has_no_history():
    x = fastgrad.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    d = y.detach()
    assert not d.requires_grad and d.grad_fn is None and d.is_leaf
    assert d.data_ptr() == y.data_ptr()
    d[0] = 5.0
    np.testing.assert_array_equal(to_numpy(y), [5.0, 4.0, 6.0])
    assert y.requires_grad and y.grad_fn is not None  # the original keeps its history


def test_detach_shares_the_version_counter():
    x = fastgrad.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    d = y.detach()
    before = y._version
    d.add_(1)
    assert y._version == before + 1 == d._version


def test_inplace_on_a_detached_tensor_invalidates_the_saved_original():
    x = fastgrad.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x.exp()  # ExpBackward0 saves its output
    y.detach().add_(1)
    with pytest.raises(RuntimeError, match=INPLACE_MODIFIED):
        y.sum().backward()


def test_data_shares_memory_but_not_the_version_counter():
    x = fastgrad.tensor([0.0, 1.0], requires_grad=True)
    y = x.exp()
    d = y.data
    assert not d.requires_grad and d.is_leaf and d.grad_fn is None
    assert d.data_ptr() == y.data_ptr()
    d.add_(1)
    assert y._version == 0 and d._version == 1
    y.sum().backward()  # no version error: .data is the documented escape hatch
    # ExpBackward0 uses its saved output, which now holds e^x + 1
    np.testing.assert_allclose(to_numpy(x.grad), [math.exp(0.0) + 1, math.exp(1.0) + 1], rtol=1e-6)


def test_data_and_detach_match_torch():
    def f(m):
        x = m.tensor([0.0, 1.0], requires_grad=True)
        y = x.exp()
        y.data.mul_(2)
        y.sum().backward()
        return x.grad, y, y._version, y.detach()._version

    compare_with_torch(f)


# ---------------------------------------------------------------------------------------------------------------
# version counter

INPLACE_UPDATES = {
    "add_": lambda t: t.add_(1),
    "sub_": lambda t: t.sub_(1),
    "mul_": lambda t: t.mul_(2),
    "div_": lambda t: t.div_(2),
    "zero_": lambda t: t.zero_(),
    "fill_": lambda t: t.fill_(3.0),
    "copy_": lambda t: t.copy_(fastgrad.ones(3)),
    "iadd": lambda t: t.__iadd__(1),
    "isub": lambda t: t.__isub__(1),
    "imul": lambda t: t.__imul__(2),
    "itruediv": lambda t: t.__itruediv__(2),
    "setitem": lambda t: t.__setitem__(0, 7.0),
    "setitem_slice": lambda t: t.__setitem__(slice(0, 2), 7.0),
}


@pytest.mark.parametrize("op", list(INPLACE_UPDATES), ids=list(INPLACE_UPDATES))
def test_every_inplace_op_bumps_the_version_by_one(op):
    t = fastgrad.ones(3)
    assert t._version == 0
    INPLACE_UPDATES[op](t)
    assert t._version == 1
    INPLACE_UPDATES[op](t)
    assert t._version == 2


def test_out_of_place_ops_do_not_bump_the_version_and_start_at_zero():
    t = fastgrad.ones(3)
    u = t + 1
    t.exp()
    t.sum()
    assert t._version == 0 and u._version == 0


VIEWS = {
    "slice": lambda t: t[1:],
    "select": lambda t: t[1],
    "view": lambda t: t.view(3, 1),
    "unsqueeze": lambda t: t.unsqueeze(0),
    "transpose": lambda t: t.view(1, 3).transpose(0, 1),
    "t": lambda t: t.view(1, 3).t(),
    "detach": lambda t: t.detach(),
}


@pytest.mark.parametrize("view", list(VIEWS), ids=list(VIEWS))
def test_views_share_the_version_counter_both_ways(view):
    t = fastgrad.ones(3)
    v = VIEWS[view](t)
    v.mul_(2)
    assert t._version == 1 and v._version == 1
    t.add_(1)
    assert t._version == 2 and v._version == 2


def test_version_sequence_matches_torch():
    def f(m):
        x = m.ones(3)
        seen = [x._version]
        x.add_(1)
        x += 1
        x[0] = 2
        seen.append(x._version)
        w = x[1:]
        w.mul_(2)
        seen.append((x._version, w._version))
        x.view(3).sub_(1)
        x.unsqueeze(0).div_(2)
        seen.append((x._version, w._version))
        x.data.add_(1)
        seen.append(x._version)
        seen.append((x + 1)._version)
        return seen

    compare_with_torch(f)


# ---------------------------------------------------------------------------------------------------------------
# in-place ops and autograd

LEAF_INPLACE_UPDATES = {k: v for k, v in INPLACE_UPDATES.items() if not k.startswith("setitem")}


@pytest.mark.parametrize("op", list(LEAF_INPLACE_UPDATES), ids=list(LEAF_INPLACE_UPDATES))
def test_inplace_on_a_leaf_that_requires_grad_is_refused(op):
    x = fastgrad.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=re.escape(LEAF_INPLACE)):
        LEAF_INPLACE_UPDATES[op](x)
    np.testing.assert_array_equal(to_numpy(x), [1.0, 1.0, 1.0])


@pytest.mark.parametrize("op", list(INPLACE_UPDATES), ids=list(INPLACE_UPDATES))
def test_inplace_on_a_leaf_is_allowed_under_no_grad(op):
    x = fastgrad.ones(3, requires_grad=True)
    with fastgrad.no_grad():
        INPLACE_UPDATES[op](x)
    assert x.is_leaf and x.requires_grad and x.grad_fn is None and x._version == 1
    (x * 2).sum().backward()
    np.testing.assert_array_equal(to_numpy(x.grad), [2.0, 2.0, 2.0])


def test_inplace_under_no_grad_changes_the_leafs_values_like_torch():
    def f(m):
        x = m.ones(3, requires_grad=True)
        with m.no_grad():
            x.add_(1)
            x.mul_(m.tensor([1.0, 2.0, 3.0]))
            x[0] = -1.0
        return x

    compare_with_torch(f)


def test_inplace_on_a_non_leaf_gives_the_right_gradient():
    x = fastgrad.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y += 1
    y.mul_(3)
    assert not y.is_leaf and type(y.grad_fn).__name__ == "MulBackward0"
    y.sum().backward()
    np.testing.assert_allclose(to_numpy(x.grad), [6.0, 6.0])  # d/dx 3(2x + 1)
    np.testing.assert_allclose(to_numpy(y.detach()), [9.0, 15.0])


def test_inplace_on_a_non_leaf_matches_torch():
    def f(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        y += 1
        y.mul_(3)
        y.sum().backward()
        g1 = x.grad
        x2 = m.tensor([0.5, 1.5], requires_grad=True)
        z = x2 * 2
        e = z.exp()
        z.mul_(e)
        z.sub_(x2)
        z.div_(x2 + 1)
        (z * z).sum().backward()
        return g1, y, x2.grad, z

    compare_with_torch(f, rtol=1e-5)


def test_inplace_on_a_view_of_a_non_leaf_flows_the_gradient_like_torch():
    def f(m):
        x = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * 2
        y[1:].mul_(x[1:])
        y.sum().backward()
        return x.grad, y

    compare_with_torch(f)


def test_inplace_modification_of_a_saved_input_is_detected():
    x = fastgrad.ones(3, requires_grad=True)
    y = x * 2
    z = y * y  # saves y
    y.add_(1)
    with pytest.raises(RuntimeError, match=INPLACE_MODIFIED):
        z.sum().backward()


def test_inplace_modification_of_a_tensor_nobody_saved_is_fine():
    x = fastgrad.ones(3, requires_grad=True)
    y = x * 2
    z = y + 1  # AddBackward0 saves nothing
    y.mul_(5)
    z.sum().backward()
    np.testing.assert_array_equal(to_numpy(x.grad), [2.0, 2.0, 2.0])


# ---------------------------------------------------------------------------------------------------------------
# deep graphs (subprocess: a stack overflow must fail one test, not kill the run)


def run_isolated(code, timeout=120):
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          timeout=timeout)
    assert proc.returncode == 0, f"exit code {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr[-3000:]}"
    return proc.stdout


def test_million_node_chain_runs_backward_and_is_freed_without_stack_overflow():
    out = run_isolated("""
        import gc, weakref
        import numpy as np
        import fastgrad
        gc.disable()
        arr = np.ones(1, dtype=np.float32)
        leaf_buffer = weakref.ref(arr)
        x = fastgrad.from_numpy(arr).requires_grad_()
        del arr
        y = x
        for _ in range(1_000_000):
            y = y * 1.0
        y.sum().backward()
        assert x.grad.item() == 1.0, x.grad
        del x, y
        assert leaf_buffer() is None, "the chain (and its leaf) was not freed"
        print("ok")
    """)
    assert out.strip() == "ok"


def test_million_node_chain_is_freed_without_backward_and_without_stack_overflow():
    out = run_isolated("""
        import gc, weakref
        import numpy as np
        import fastgrad
        gc.disable()
        arr = np.ones(2, dtype=np.float32)
        leaf_buffer = weakref.ref(arr)
        x = fastgrad.from_numpy(arr).requires_grad_()
        del arr
        y = x
        for _ in range(1_000_000):
            y = y + x
        del x
        assert leaf_buffer() is not None
        del y
        assert leaf_buffer() is None, "the chain (and its leaf) was not freed"
        print("ok")
    """)
    assert out.strip() == "ok"


# ---------------------------------------------------------------------------------------------------------------
# memory: no reference cycles, saved tensors released


def test_numpy_probe_sees_when_fastgrad_releases_a_buffer(gc_disabled):
    # The instrument the memory tests rely on.
    t, probe = numpy_backed([1.0, 2.0])
    v = t[1:]
    del t
    assert probe() is not None  # the view still holds the storage
    del v
    assert probe() is None


def test_tensor_objects_support_weakrefs_and_die_with_their_last_reference(gc_disabled):
    x = fastgrad.ones(3, requires_grad=True)
    y = (x * 2).exp()
    refs = [weakref.ref(x), weakref.ref(y)]
    del x, y
    assert [r() for r in refs] == [None, None]


FREED_GRAPHS = {
    "mul_saved_const": lambda x, w: x * w,
    "exp_saves_output": lambda x, w: x.exp(),
    "sigmoid_saves_output": lambda x, w: x.sigmoid(),
    "tanh_saves_output": lambda x, w: x.tanh(),
    "sqrt_saves_output": lambda x, w: x.sqrt(),
    "reciprocal_saves_output": lambda x, w: x.reciprocal(),
    "relu": lambda x, w: x.relu(),
    "pow_scalar": lambda x, w: x**3,
    "pow_tensor": lambda x, w: x**w,
    "rpow": lambda x, w: 2**x,
    "div": lambda x, w: w / x,
    "log_sin_cos": lambda x, w: x.log() + x.sin() * x.cos(),
    "clamp": lambda x, w: x.clamp(1.5, 3.0),
    "norm": lambda x, w: x.norm(),
    "mean_sum": lambda x, w: x.mean() + x.sum(0),
    "matmul": lambda x, w: x.view(2, 2) @ w.view(2, 2),
    "views": lambda x, w: x.view(2, 2).t()[0].unsqueeze(0).expand(3, 2),
    "mse_loss": lambda x, w: fastgrad.nn.functional.mse_loss(x, w),
    "bce_with_logits": lambda x, w: fastgrad.nn.functional.binary_cross_entropy_with_logits(x, w.sigmoid()),
    "inplace_chain": lambda x, w: (x * 2).mul_(w).add_(x),
    "diamond_reuse": lambda x, w: (x * x).exp() * (x * x),
}


@pytest.mark.parametrize("after_backward", [False, True], ids=["no_backward", "after_backward"])
@pytest.mark.parametrize("graph", list(FREED_GRAPHS), ids=list(FREED_GRAPHS))
def test_graph_is_freed_when_its_outputs_are_deleted_without_gc(graph, after_backward, gc_disabled):
    x, x_probe = numpy_backed([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    w, w_probe = numpy_backed([0.5, -1.0, 2.0, 0.25])
    y = FREED_GRAPHS[graph](x, w)
    del x, w
    assert x_probe() is not None  # the graph owns the leaf through its AccumulateGrad
    if after_backward:
        y.sum().backward()
    del y
    assert x_probe() is None, "the leaf outlived its graph: a reference cycle?"
    assert w_probe() is None, "a saved tensor outlived its graph"


def test_graph_with_retain_grad_is_freed_without_gc(gc_disabled):
    x, probe = numpy_backed([1.0, 2.0], requires_grad=True)
    h = x * 2
    h.retain_grad()
    y = (h * h).sum()
    y.backward()
    del x, h, y
    assert probe() is None


def test_graph_of_a_create_graph_gradient_is_freed_without_gc(gc_disabled):
    x, x_probe = numpy_backed([1.0, 2.0], requires_grad=True)
    w, w_probe = numpy_backed([3.0, 4.0])
    y = (x**3 * w).sum()
    (g,) = fastgrad.autograd.grad(y, x, create_graph=True)
    del x, w, y
    assert w_probe() is None  # y's graph was released by grad(); g = 3x^2 * w keeps no link to w itself
    assert x_probe() is not None  # g's graph reaches x through its AccumulateGrad
    del g
    assert x_probe() is None


def test_leaf_with_grad_is_freed_after_its_graph_without_gc(gc_disabled):
    x, probe = numpy_backed([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    g = x.grad
    del x
    assert probe() is None  # .grad does not keep the leaf (or a graph) alive
    np.testing.assert_array_equal(to_numpy(g), [2.0, 4.0])


@pytest.mark.parametrize("api", ["backward", "autograd_grad"])
def test_saved_tensors_are_released_by_backward(api, gc_disabled):
    x = fastgrad.tensor([1.0, 2.0], requires_grad=True)
    w, probe = numpy_backed([3.0, 4.0])
    y = (x * w).sum()  # MulBackward0 saves w
    del w
    assert probe() is not None
    if api == "backward":
        y.backward()
    else:
        fastgrad.autograd.grad(y, x)
    assert probe() is None, "saved tensor still alive after backward without retain_graph"
    assert y.grad_fn is not None  # the graph object itself lives on (and refuses a second pass)


def test_retain_graph_keeps_saved_tensors_until_the_graph_goes(gc_disabled):
    x = fastgrad.tensor([1.0, 2.0], requires_grad=True)
    w, probe = numpy_backed([3.0, 4.0])
    y = (x * w).sum()
    del w
    y.backward(retain_graph=True)
    assert probe() is not None
    y.backward()
    assert probe() is None
    np.testing.assert_array_equal(to_numpy(x.grad), [6.0, 8.0])


# ---------------------------------------------------------------------------------------------------------------
# threads


def test_concurrent_backward_from_two_threads_accumulates_every_gradient():
    x = fastgrad.zeros(64, requires_grad=True)
    rounds = 200
    errors = []

    def work(k):
        try:
            for _ in range(rounds):
                (x * float(k)).sum().backward()
        except BaseException as e:  # surface worker failures in the main thread
            errors.append(e)

    threads = [threading.Thread(target=work, args=(k,)) for k in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    np.testing.assert_array_equal(to_numpy(x.grad), np.full(64, rounds * (1 + 2), dtype=np.float32))
