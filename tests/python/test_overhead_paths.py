"""The fast paths that stand in front of the general bindings (to cut the per-op overhead) behave like the
general paths and like PyTorch: operator slots (Note [Operator slots]), direct methods and attributes
(Note [Fast methods]) and AccumulateGrad's in-place sum."""
import numpy as np
import pytest

import fastgrad as fg

torch = pytest.importorskip("torch")


def _both(values, requires_grad=False):
    return (fg.tensor(values, requires_grad=requires_grad), torch.tensor(values, requires_grad=requires_grad))


@pytest.mark.parametrize(
    "expr",
    ["a + b", "a - b", "a * b", "a / b", "a ** b", "a + 2", "2 + a", "a - 2", "2 - a", "a * 3", "3 * a",
     "a / 4", "4 / a", "a ** 2", "2 ** a", "-a", "a + True", "2.5 - a", "a @ b"],
)
def test_operator_slots_match_torch_values_and_gradients(expr):
    fa, ta = _both([1.5, 2.0, 3.0], requires_grad=True)
    fb, tb = _both([0.5, -1.0, 2.0], requires_grad=True)
    fr = eval(expr, {"a": fa, "b": fb})
    tr = eval(expr, {"a": ta, "b": tb})
    np.testing.assert_allclose(fr.detach().numpy(), tr.detach().numpy(), rtol=1e-6)
    assert type(fr.grad_fn).__name__ == type(tr.grad_fn).__name__
    fr.sum().backward()
    tr.sum().backward()
    for f, t in ((fa, ta), (fb, tb)):
        if t.grad is None:
            assert f.grad is None
        else:
            np.testing.assert_allclose(f.grad.numpy(), t.grad.numpy(), rtol=1e-6)


def test_explicit_dunder_calls_reach_the_slots():
    a, b = fg.tensor([1.0, 2.0]), fg.tensor([3.0, 5.0])
    assert fg.Tensor.__add__(a, b).tolist() == [4.0, 7.0]
    assert fg.Tensor.__rsub__(a, 10).tolist() == [9.0, 8.0]
    assert a.__rtruediv__(2.0).tolist() == [2.0, 1.0]
    assert a.__rpow__(2).tolist() == [2.0, 4.0]
    assert a.__add__([1]) is NotImplemented


def test_in_place_operators_return_the_same_object_and_bump_the_version():
    t = fg.tensor([1.0, 2.0])
    same = t
    v = t._version
    t += 1
    t *= fg.tensor([2.0, 3.0])
    t -= 1.0
    t /= 2
    t **= 2
    assert t is same
    assert t._version == v + 5
    assert t.tolist() == [2.25, 16.0]  # ((1 + 1) * 2 - 1) / 2 squared, ((2 + 1) * 3 - 1) / 2 squared


@pytest.mark.parametrize("op", ["+", "-", "*", "/", "**", "@"])
def test_unsupported_operands_raise_type_error(op):
    # (str's own + and * then try concatenation and repetition, with their own TypeErrors, as with torch)
    t = fg.tensor([1.0, 2.0])
    with pytest.raises(TypeError):
        eval(f"t {op} 'x'", {"t": t})
    with pytest.raises(TypeError):
        eval(f"'x' {op} t", {"t": t})
    with pytest.raises(TypeError, match="unsupported operand"):
        eval(f"t {op} None", {"t": t})
    with pytest.raises(TypeError, match="unsupported operand"):
        eval(f"None {op} t", {"t": t})


def test_in_place_operator_with_unsupported_operand_raises_type_error():
    t = fg.tensor([1.0, 2.0])
    with pytest.raises(TypeError):
        t += "x"


def test_parameter_subclass_uses_the_same_operators():
    p = fg.nn.Parameter(fg.tensor([1.0, 2.0]))
    r = p * 2 + fg.tensor([1.0, 1.0])
    assert r.tolist() == [3.0, 5.0]
    assert type(r.grad_fn).__name__ == "AddBackward0"
    assert type(2 - p).__name__ == "Tensor"


def test_operator_errors_keep_the_core_message():
    with pytest.raises(RuntimeError, match="size of tensor a"):
        fg.ones(2) + fg.ones(3)


def test_fast_methods_fall_back_to_the_full_binding_for_arguments():
    x = fg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    assert x.sum().item() == 10.0
    assert x.sum(0).tolist() == [4.0, 6.0]
    assert x.sum(dim=1, keepdim=True).shape == (2, 1)
    assert x.mean(1).tolist() == [1.5, 3.5]
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.tolist() == [[4.0, 8.0], [12.0, 16.0]]
    with pytest.raises(TypeError):
        x.sum(foo=1)


def test_backward_without_arguments_reports_a_released_graph():
    x = fg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()


def test_grad_attribute_set_get_and_delete_like_torch():
    for T in (fg, torch):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        assert x.grad is None
        x.grad = T.tensor([3.0, 4.0])
        assert x.grad.tolist() == [3.0, 4.0]
        assert x.grad is x.grad
        del x.grad
        assert x.grad is None
        with pytest.raises(TypeError, match="assigned grad expected to be a Tensor or None but got grad of type int"):
            x.grad = 3
        assert x.requires_grad and x.is_leaf
        with pytest.raises(AttributeError):
            x.is_leaf = False
    with pytest.warns(UserWarning, match="not a leaf"):
        assert (fg.tensor([1.0], requires_grad=True) * 2).grad is None


def test_accumulated_grad_is_summed_in_place_and_views_see_it():
    for dtype in (fg.float32, fg.float64):
        x = fg.tensor([1.0, 2.0, 3.0], dtype=dtype, requires_grad=True)
        (x * 2).sum().backward()
        g = x.grad
        head = g[:2]
        v = g._version
        (x * x).sum().backward()
        assert x.grad is g
        assert g.tolist() == [4.0, 6.0, 8.0]
        assert head.tolist() == [4.0, 6.0]
        assert g._version > v
