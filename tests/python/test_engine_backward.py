"""Engine semantics of backward (docs/design.md, sections 2 and 4), with PyTorch 2.13 as the oracle: vector-Jacobian
products, accumulation into .grad, diamonds and reused tensors, autograd.grad, and concurrent backward from
several threads.

Each test names the promise it checks. Tests that compare with PyTorch run the same code with `torch` and
with `fastgrad` (`run_both` in engine_helpers.py) and skip cleanly when torch is not installed; the others check
analytic results (derivatives worked out by hand, never values computed by fastgrad itself) and run without
torch.
"""

import math
import threading

import fastgrad
import numpy as np
import pytest
from engine_helpers import compare_with_torch, to_numpy

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
