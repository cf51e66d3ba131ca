"""Small names real PyTorch programs use, against torch: constants, finfo/iinfo, is_complex/is_sparse,
memory formats, type_as, compile, accelerator, range and 0-d tensors as arguments; pickling and
copy.deepcopy of tensors, Parameters and state_dicts."""

import copy
import math
import pickle

import numpy as np
import pytest

import fastgrad

torch = pytest.importorskip("torch")

LIBS = [pytest.param(fastgrad, id="fastgrad"), pytest.param(torch, id="torch")]


def _name(dtype):
    return str(dtype).split(".")[-1]


def test_constants():
    for name in ("pi", "e", "inf"):
        assert getattr(fastgrad, name) == getattr(torch, name)
    assert math.isnan(fastgrad.nan) and fastgrad.newaxis is torch.newaxis is None
    x = fastgrad.arange(3)
    assert x[fastgrad.newaxis].shape == (1, 3)


@pytest.mark.parametrize("dtype", ["float32", "float64", None])
def test_finfo_matches_torch(dtype):
    ours = fastgrad.finfo(getattr(fastgrad, dtype)) if dtype else fastgrad.finfo()
    theirs = torch.finfo(getattr(torch, dtype)) if dtype else torch.finfo()
    for attr in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype"):
        assert getattr(ours, attr) == getattr(theirs, attr), attr
        assert type(getattr(ours, attr)) is type(getattr(theirs, attr)), attr
    assert repr(ours) == repr(theirs)
    assert ours == fastgrad.finfo(getattr(fastgrad, dtype or "float32"))


@pytest.mark.parametrize("dtype", ["int32", "int64"])
def test_iinfo_matches_torch(dtype):
    ours, theirs = fastgrad.iinfo(getattr(fastgrad, dtype)), torch.iinfo(getattr(torch, dtype))
    for attr in ("bits", "max", "min", "dtype"):
        assert getattr(ours, attr) == getattr(theirs, attr)
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("call", [
    lambda m: m.finfo(m.int32), lambda m: m.finfo(m.bool), lambda m: m.finfo(3), lambda m: m.iinfo(m.bool),
    lambda m: m.iinfo(m.float32), lambda m: m.is_complex(3), lambda m: m.ones(1).type_as(3),
    lambda m: m.arange(6.0).contiguous(memory_format=m.channels_last),
    lambda m: m.arange(24.0).reshape(1, 2, 3, 4).contiguous(memory_format=m.channels_last_3d),
    lambda m: m.ones(2).contiguous(memory_format=3),
    lambda m: m.compile(3), lambda m: m.compile(lambda x: x, mode="fastest"),
    lambda m: m.compile(lambda x: x, mode="default", options={}),
    lambda m: m.accelerator.current_device_index(),
])
def test_errors_match_torch(call):
    with pytest.raises(Exception) as theirs:
        call(torch)
    with pytest.raises(Exception) as ours:
        call(fastgrad)
    assert type(ours.value) is type(theirs.value)
    assert str(ours.value) == str(theirs.value).replace("torch.", "fastgrad.")


@pytest.mark.parametrize("lib", LIBS)
def test_is_complex_is_sparse(lib):
    x = lib.ones(2)
    assert lib.is_complex(x) is False and x.is_complex() is False and x.is_sparse is False


def test_memory_formats():
    for name in ("contiguous_format", "preserve_format", "channels_last", "channels_last_3d"):
        fmt = getattr(fastgrad, name)
        assert repr(fmt) == repr(getattr(torch, name)).replace("torch.", "fastgrad.")
        assert isinstance(fmt, fastgrad.memory_format)
        assert pickle.loads(pickle.dumps(fmt)) is fmt
    data = np.arange(2 * 3 * 4 * 5, dtype=np.float32).reshape(2, 3, 4, 5)
    for fmt, shape in (("channels_last", (2, 3, 4, 5)), ("channels_last_3d", (1, 2, 3, 4, 5))):
        ours = fastgrad.from_numpy(data.reshape(shape))
        theirs = torch.from_numpy(data.reshape(shape))
        for method in ("contiguous", "clone", "to"):
            kwargs = {"memory_format": getattr(fastgrad, fmt)}
            o = getattr(ours, method)(**kwargs)
            t = getattr(theirs, method)(memory_format=getattr(torch, fmt))
            assert o.stride() == t.stride(), (fmt, method)
            assert o.is_contiguous(memory_format=getattr(fastgrad, fmt))
            assert not o.is_contiguous()
            np.testing.assert_array_equal(o.numpy(), t.numpy())
        assert ours.is_contiguous(memory_format=getattr(fastgrad, fmt)) is False
    x = fastgrad.arange(6.0).reshape(2, 3)
    for fmt in ("contiguous_format", "preserve_format"):
        f = getattr(fastgrad, fmt)
        assert x.contiguous(memory_format=f) is x if fmt == "contiguous_format" else True
        assert x.clone(memory_format=f).tolist() == x.tolist() == fastgrad.clone(x, memory_format=f).tolist()
        assert fastgrad.zeros_like(x, memory_format=f).shape == (2, 3)
        assert fastgrad.empty(2, 3, memory_format=f).shape == (2, 3)
        assert x.to(memory_format=f).tolist() == x.tolist()
    assert x.is_contiguous(memory_format=fastgrad.contiguous_format)
    # Gradients flow through a channels-last copy.
    w = fastgrad.ones(1, 2, 2, 2, requires_grad=True)
    (w.contiguous(memory_format=fastgrad.channels_last) * 3).sum().backward()
    assert w.grad.tolist() == (torch.ones(1, 2, 2, 2) * 3).tolist()
    # Module.to(memory_format=...)
    conv = fastgrad.nn.Conv2d(2, 2, 1).to(memory_format=fastgrad.channels_last)
    assert isinstance(conv, fastgrad.nn.Conv2d)


def test_type_as():
    x = fastgrad.tensor([1.5, 2.5])
    y = x.type_as(fastgrad.tensor([1]))
    assert y.dtype == fastgrad.int64 and y.tolist() == torch.tensor([1.5, 2.5]).type_as(torch.tensor([1])).tolist()
    assert x.type_as(fastgrad.ones(1)) is x


def test_compile_returns_the_model_unchanged():
    model = fastgrad.nn.Linear(2, 1)
    assert fastgrad.compile(model) is model
    assert fastgrad.compile(model, mode="max-autotune", fullgraph=True, dynamic=False, backend="eager") is model

    @fastgrad.compile
    def f(x):
        return x * 2

    @fastgrad.compile(mode="reduce-overhead")
    def g(x):
        return x + 1

    assert f(fastgrad.ones(1)).item() == 2 and g(fastgrad.ones(1)).item() == 2
    assert f.__name__ == "f" and g.__name__ == "g"


def test_accelerator_like_torch_cpu():
    for fn in ("is_available", "current_accelerator", "device_count"):
        assert getattr(fastgrad.accelerator, fn)() == getattr(torch.accelerator, fn)()
    assert fastgrad.accelerator.current_accelerator() is None


@pytest.mark.parametrize("index", [
    lambda: range(0, 3), lambda: range(4, 0, -2), lambda: range(0), lambda: (slice(None), range(1, 3)),
    lambda: (range(2), range(1, 3)),
])
def test_range_as_index(index):
    data = np.arange(20.0).reshape(5, 4)
    ours = fastgrad.from_numpy(data)[index()]
    theirs = torch.from_numpy(data)[index()]
    assert ours.shape == tuple(theirs.shape) and ours.tolist() == theirs.tolist()
    x = fastgrad.from_numpy(data.copy())
    t = torch.from_numpy(data.copy())
    x[index()] = -1.0
    t[index()] = -1.0
    assert x.tolist() == t.tolist()


@pytest.mark.parametrize("call", [
    lambda m, t0: m.ones(3).add_(m.ones(3), alpha=t0),
    lambda m, t0: m.add(m.ones(3), m.ones(3), alpha=t0),
    lambda m, t0: m.ones(3).sub(m.ones(3), alpha=t0),
    lambda m, t0: m.arange(4.0).clamp(min=t0),
    lambda m, t0: m.clamp(m.arange(4.0), min=t0, max=t0 + 1),
    lambda m, t0: m.arange(4.0).clamp_(max=t0),
    lambda m, t0: m.full((2,), t0),
    lambda m, t0: m.ones(2).fill_(t0),
    lambda m, t0: m.ones(2).mul(t0),
    lambda m, t0: m.ones(2).masked_fill(m.tensor([True, False]), t0),
    lambda m, t0: m.arange(4.0).pow(t0),
])
def test_zero_dim_tensor_as_number(call):
    ours = call(fastgrad, fastgrad.tensor(2.0))
    theirs = call(torch, torch.tensor(2.0))
    assert ours.tolist() == theirs.tolist() and _name(ours.dtype) == _name(theirs.dtype)


# ---- pickling and copy.deepcopy ----


@pytest.mark.parametrize("lib", LIBS)
def test_pickle_round_trip(lib):
    x = lib.arange(6.0).reshape(2, 3).t().requires_grad_()
    y = pickle.loads(pickle.dumps(x))
    assert type(y) is lib.Tensor and y.requires_grad and y.is_leaf and y.tolist() == x.tolist()
    assert y.grad is None
    i = pickle.loads(pickle.dumps(lib.tensor([[1, 2]], dtype=lib.int32)))
    assert _name(i.dtype) == "int32" and i.tolist() == [[1, 2]] and not i.requires_grad
    b = pickle.loads(pickle.dumps(lib.tensor(True)))
    assert b.dim() == 0 and b.item() is True
    p = lib.nn.Parameter(lib.ones(2))
    p.tag = "w"
    q = pickle.loads(pickle.dumps(p))
    assert type(q) is lib.nn.Parameter and q.requires_grad and q.tag == "w"
    q = pickle.loads(pickle.dumps(lib.nn.Parameter(lib.ones(2), requires_grad=False)))
    assert type(q) is lib.nn.Parameter and not q.requires_grad
    nonleaf = x * 2
    z = pickle.loads(pickle.dumps(nonleaf))
    assert z.requires_grad and z.is_leaf
    shared = lib.ones(2)
    a, c = pickle.loads(pickle.dumps([shared, shared]))
    assert a is c


@pytest.mark.parametrize("lib", LIBS)
def test_deepcopy(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    x.grad = lib.tensor([0.5, 0.5])
    y = copy.deepcopy(x)
    assert y is not x and y.requires_grad and y.tolist() == x.tolist() and y.grad.tolist() == [0.5, 0.5]
    y.data.add_(1)
    assert x.tolist() == [1.0, 2.0]
    with pytest.raises(RuntimeError, match="Only Tensors created explicitly by the user"):
        copy.deepcopy(x * 2)
    a, b = copy.deepcopy([x, x])
    assert a is b


@pytest.mark.parametrize("lib", LIBS)
def test_state_dict_and_module_copies(lib):
    lib.manual_seed(0)
    model = lib.nn.Sequential(lib.nn.Linear(3, 2), lib.nn.BatchNorm1d(2))
    sd = copy.deepcopy(model.state_dict())
    assert list(sd) == list(model.state_dict())
    for k, v in model.state_dict().items():
        assert sd[k].tolist() == v.tolist() and sd[k] is not v
    again = pickle.loads(pickle.dumps(model))
    assert type(again[0].weight) is lib.nn.Parameter
    assert again[0].weight.tolist() == model[0].weight.tolist()
    x = lib.ones(4, 3)
    assert again(x).tolist() == model(x).tolist()


# as_strided on views of one storage (a transposed view, an offset slice, overlapping windows of a column): the
# values, the Node and the gradient into the viewed tensor, against torch (the op table covers contiguous inputs)
@pytest.mark.parametrize("view,size,stride,offset", [
    ("b.t()", (2, 3), (1, 2), None),
    ("b[1:]", (2, 2), (1, 1), None),
    ("b[1:]", (3,), (2,), 0),
    ("b[:, 1]", (3, 2), (1, 1), None),
    ("b.t()[1:]", (2, 2), (2, 1), 1),
])
def test_as_strided_of_views_matches_torch(view, size, stride, offset):
    results = []
    for T in (fastgrad, torch):
        base = T.arange(12., dtype=T.float64).reshape(4, 3).requires_grad_()
        b = base * 1  # a non-leaf base, so that views of it have history
        x = eval(view, {"b": b})
        y = x.as_strided(size, stride, offset)
        y.backward(T.arange(1., 1. + y.numel(), dtype=T.float64).reshape(size))
        results.append((y.detach().numpy().copy(), type(y.grad_fn).__name__, base.grad.numpy().copy()))
    f, t = results
    np.testing.assert_array_equal(f[0], t[0])
    assert f[1] == t[1]
    np.testing.assert_array_equal(f[2], t[2])
