"""Legacy spellings from old tutorials (fastgrad/_legacy.py): typed tensor classes and autograd.Variable,
compared with PyTorch."""
import numpy as np
import pytest

import fastgrad

torch = pytest.importorskip("torch")

TYPED = ["FloatTensor", "DoubleTensor", "IntTensor", "LongTensor", "BoolTensor"]


def same(f, t):
    assert tuple(f.shape) == tuple(t.shape)
    assert str(f.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
    np.testing.assert_array_equal(f.numpy(), t.numpy())


@pytest.mark.parametrize("name", TYPED)
@pytest.mark.parametrize("args", [([1, 0, 2],), ([[1.5, 2.0]],), (2, 3), ((), ), ()],
                         ids=["list", "nested_floats", "sizes", "empty_tuple", "none"])
def test_typed_tensor_classes_construct_like_torch(name, args):
    if args and args[0] == ():
        args = (torch.Size([2]),)
        fargs = (fastgrad.Size([2]),)
    else:
        fargs = args
    t = getattr(torch, name)(*args)
    f = getattr(fastgrad, name)(*fargs)
    if args and isinstance(args[0], int) or (args and isinstance(args[0], torch.Size)):
        assert tuple(f.shape) == tuple(t.shape) and str(f.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
    else:
        same(f, t)


@pytest.mark.parametrize("name", TYPED)
def test_isinstance_of_typed_class_checks_the_dtype(name):
    for dtype in ("float32", "float64", "int32", "int64", "bool"):
        t = torch.zeros(2, dtype=getattr(torch, dtype))
        f = fastgrad.zeros(2, dtype=getattr(fastgrad, dtype))
        assert isinstance(f, getattr(fastgrad, name)) == isinstance(t, getattr(torch, name))


def test_tensor_type_accepts_classes_and_names():
    for target in ("DoubleTensor", "LongTensor"):
        t = torch.ones(2).type(getattr(torch, target))
        same(fastgrad.ones(2).type(getattr(fastgrad, target)), t)
        same(fastgrad.ones(2).type(f"torch.{target}"), torch.ones(2).type(f"torch.{target}"))
    assert fastgrad.ones(2).type().endswith("FloatTensor")
    same(fastgrad.ones(2).type(fastgrad.int32), torch.ones(2).type(torch.int32))


def test_variable_is_the_tensor_itself():
    from fastgrad.autograd import Variable
    from torch.autograd import Variable as TVariable

    f, t = Variable(fastgrad.ones(2), requires_grad=True), TVariable(torch.ones(2), requires_grad=True)
    assert f.requires_grad and t.requires_grad and f.is_leaf and t.is_leaf
    assert isinstance(f, Variable) and isinstance(t, TVariable)
    assert not Variable(fastgrad.ones(1)).requires_grad
    (f * 2).sum().backward()
    (t * 2).sum().backward()
    same(f.grad, t.grad)
