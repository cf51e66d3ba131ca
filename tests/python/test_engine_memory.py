"""Graph lifetime (docs/design.md, sections 2 and 4): million-node chains run backward and are freed without a stack
overflow, graphs and saved tensors are released by reference counting alone (no reference cycles).

Memory tests observe the C++ side through NumPy: `fastgrad.from_numpy` wraps the array's buffer and keeps the
array alive for as long as the storage lives, so a weakref to the array tells when the storage was released,
whichever tensors, saved tensors or Nodes held it. Python weakrefs to fastgrad Tensor objects only show when the
Python wrapper dies (fastgrad does not keep the wrapper alive while C++ holds the tensor), so they are used only
where the wrapper itself is the subject.

Each test names the promise it checks. Tests that compare with PyTorch run the same code with `torch` and
with `fastgrad` (`run_both` in engine_helpers.py) and skip cleanly when torch is not installed; the others check
analytic results (derivatives worked out by hand, never values computed by fastgrad itself) and run without
torch.
"""

import gc
import weakref

import fastgrad
import numpy as np
import pytest
from engine_helpers import numpy_backed, run_isolated, to_numpy


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


# ---------------------------------------------------------------------------------------------------------------
# deep graphs (subprocess: a stack overflow must fail one test, not kill the run)


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


def test_leaf_owns_its_accumulator_and_a_graph_keeps_the_leaf_alive(gc_disabled):
    # The accumulator lives with the leaf (Note [Leaf accumulator]); a graph (or its AccumulateGrad object)
    # keeps the leaf alive, as in PyTorch, and nothing keeps anything alive once both are gone.
    x, probe = numpy_backed([1.0, 2.0], requires_grad=True)
    y = (x * 3).sum()
    acc = y.grad_fn.next_functions[0][0].next_functions[0][0]
    assert type(acc).__name__ == "AccumulateGrad" and acc.variable is x
    assert (x * 2).grad_fn.next_functions[0][0] is acc  # one accumulator per leaf
    del x
    assert probe() is not None  # the graph still owns the leaf
    y.backward()
    np.testing.assert_array_equal(to_numpy(acc.variable.grad), [3.0, 3.0])
    del y
    assert probe() is not None  # the AccumulateGrad object alone keeps the leaf alive
    del acc
    assert probe() is None


def test_a_hook_on_the_accumulator_that_captures_its_leaf_is_collected():
    # The leaf owns its accumulator and so its Node hooks: a hook capturing the leaf is a cycle through
    # Python, which the garbage collector must see (Note [Tensors and the garbage collector]).
    x, probe = numpy_backed([1.0, 2.0], requires_grad=True)
    seen = []
    acc = (x * 2).grad_fn.next_functions[0][0]
    acc.register_hook(lambda gi, go: seen.append(x.shape))
    acc.register_prehook(lambda go: seen.append(x.shape))
    (x * 2).sum().backward()
    assert len(seen) == 2
    del x, acc
    gc.collect()
    assert probe() is None


def test_set_data_with_a_new_shape_gives_the_next_graph_a_fresh_accumulator(gc_disabled):
    x = fastgrad.tensor([1.0, 2.0], requires_grad=True)
    old = (x * 1).sum()
    x.data = fastgrad.tensor([1.0, 2.0, 3.0])
    (x * 2).sum().backward()
    np.testing.assert_array_equal(to_numpy(x.grad), [2.0, 2.0, 2.0])
    x.grad = None
    x.data = fastgrad.tensor([5.0, 6.0, 7.0])  # same shape and dtype: the accumulator stays
    (x * 4).sum().backward()
    np.testing.assert_array_equal(to_numpy(x.grad), [4.0, 4.0, 4.0])
    del old


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


def test_gc_while_a_parameter_is_being_made_does_not_crash():
    # Python's GC can run inside pybind11's instance creation, before a subclass instance (nn.Parameter) has
    # its holder table; traversing it then read through a null pointer (python/src/hooks.cpp). Run in a child
    # process so that a regression fails this test instead of killing the run.
    import subprocess
    import sys

    code = (
        "import gc, fastgrad as T\n"
        "gc.set_threshold(1, 1, 1)\n"
        "for _ in range(300):\n"
        "    T.nn.Parameter(T.ones(2, 2)); T.nn.Linear(3, 2)\n"
        "print('ok')\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and r.stdout.strip() == "ok", (r.returncode, r.stderr[-2000:])
