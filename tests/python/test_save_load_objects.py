"""fastgrad.save / fastgrad.load of NumPy arrays, whole modules, optimizer state_dicts and other objects, with
torch.load's weights_only rules (default True: objects need allowlisting via add_safe_globals /
safe_globals, or weights_only=False), compared with PyTorch."""

import io
import json
import pickle
import struct
import zlib

import numpy as np
import pytest

import fastgrad
from fastgrad import serialization

torch = pytest.importorskip("torch")


class Point:
    """A user class saved whole."""

    def __init__(self, x, tensor):
        self.x = x
        self.tensor = tensor


class WithState:
    def __init__(self):
        self.value = 3

    def __getstate__(self):
        return {"value": self.value * 10}

    def __setstate__(self, state):
        self.value = state["value"] + 1


def _round_trip(lib, obj, **load_kwargs):
    buf = io.BytesIO()
    lib.save(obj, buf)
    buf.seek(0)
    return lib.load(buf, **load_kwargs)


def _outcome(fn):
    try:
        return None, fn()
    except Exception as e:  # noqa: BLE001
        return type(e), e


@pytest.mark.parametrize("dtype", ["float64", "float32", "int64", "int32", "uint8", "bool", "complex64", "float16"])
def test_numpy_array_round_trip_like_torch(dtype):
    arr = (np.arange(12) - 4).reshape(3, 4).astype(dtype)
    for lib in (fastgrad, torch):
        out = _round_trip(lib, {"a": arr, "t": arr.T}, weights_only=False)
        assert type(out["a"]) is np.ndarray and out["a"].dtype == arr.dtype
        np.testing.assert_array_equal(out["a"], arr)
        np.testing.assert_array_equal(out["t"], arr.T)
    # A default load refuses arrays in both libraries, with the same exception class.
    theirs, _ = _outcome(lambda: _round_trip(torch, arr))
    ours, _ = _outcome(lambda: _round_trip(fastgrad, arr))
    assert ours is theirs is pickle.UnpicklingError


NUMPY_GLOBALS = [np.ndarray, np.dtype, type(np.dtype(np.float64)),
                 getattr(np, "_core", getattr(np, "core", None)).multiarray._reconstruct]


def test_numpy_array_with_safe_globals():
    arr = np.linspace(0, 1, 5)
    # As in torch, an array pickles through numpy's _reconstruct and dtype: ndarray alone is not enough.
    with serialization.safe_globals([np.ndarray]):
        ours, _ = _outcome(lambda: _round_trip(fastgrad, arr))
    with torch.serialization.safe_globals([np.ndarray]):
        theirs, _ = _outcome(lambda: _round_trip(torch, arr))
    assert ours is theirs is pickle.UnpicklingError
    with serialization.safe_globals(NUMPY_GLOBALS):
        np.testing.assert_array_equal(_round_trip(fastgrad, arr), arr)
    with pytest.raises(pickle.UnpicklingError):
        _round_trip(fastgrad, arr)  # the allowlist ended with the block


@pytest.mark.parametrize("lib_name", ["fastgrad", "torch"])
def test_whole_module_round_trip(lib_name):
    lib = {"fastgrad": fastgrad, "torch": torch}[lib_name]
    lib.manual_seed(0)
    shared = lib.nn.Linear(3, 3)
    model = lib.nn.Sequential(shared, lib.nn.ReLU(), lib.nn.BatchNorm1d(3), shared)
    model(lib.randn(4, 3))  # running statistics move
    model.eval()
    with pytest.raises(pickle.UnpicklingError, match="Weights only load failed"):
        _round_trip(lib, model)
    again = _round_trip(lib, model, weights_only=False)
    assert type(again) is type(model) and not again.training
    assert again[0] is again[3]  # a shared submodule stays shared
    assert type(again[0].weight) is lib.nn.Parameter and again[0].weight.requires_grad
    x = lib.randn(5, 3)
    assert again(x).tolist() == model(x).tolist()
    for (k, v), (k2, v2) in zip(model.state_dict().items(), again.state_dict().items()):
        assert k == k2 and v.tolist() == v2.tolist()
    # The loaded module trains: hooks and buffers work.
    again.train()
    calls = []
    again.register_forward_hook(lambda m, i, o: calls.append(1))
    again(x).sum().backward()
    assert calls == [1] and again[0].weight.grad is not None


def test_whole_module_with_safe_globals():
    model = fastgrad.nn.Sequential(fastgrad.nn.Linear(2, 2), fastgrad.nn.Tanh())
    buf = io.BytesIO()
    fastgrad.save(model, buf)
    classes = [fastgrad.nn.Sequential, fastgrad.nn.Linear, fastgrad.nn.Tanh]
    with serialization.safe_globals(classes):
        again = fastgrad.load(io.BytesIO(buf.getvalue()))
    assert again[0].weight.tolist() == model[0].weight.tolist()
    serialization.add_safe_globals(classes)
    try:
        assert all(c in serialization.get_safe_globals() for c in classes)
        assert type(fastgrad.load(io.BytesIO(buf.getvalue()))) is fastgrad.nn.Sequential
    finally:
        serialization.clear_safe_globals()
    assert serialization.get_safe_globals() == []
    with pytest.raises(pickle.UnpicklingError, match=r"add_safe_globals\(\[fastgrad.nn.modules.container.Sequential\]\)"):
        fastgrad.load(io.BytesIO(buf.getvalue()))
    # The (callable, "module.name") form.
    with serialization.safe_globals([(c, f"{c.__module__}.{c.__qualname__}") for c in classes]):
        assert type(fastgrad.load(io.BytesIO(buf.getvalue()))) is fastgrad.nn.Sequential


@pytest.mark.parametrize("lib_name", ["fastgrad", "torch"])
def test_user_objects(lib_name):
    lib = {"fastgrad": fastgrad, "torch": torch}[lib_name]
    p = Point(2.5, lib.ones(2, requires_grad=True))
    out = _round_trip(lib, {"p": p, "again": p, "w": WithState()}, weights_only=False)
    assert out["p"] is out["again"] and out["p"].x == 2.5 and out["p"].tensor.requires_grad
    assert out["w"].value == 31
    with serialization.safe_globals([Point]) if lib is fastgrad else torch.serialization.safe_globals([Point]):
        assert _round_trip(lib, Point(1, None)).x == 1


MODULE_LAMBDA = lambda: 1  # noqa: E731  (a module-level lambda: pickle cannot find it by its name)


@pytest.mark.parametrize("obj,exc", [
    (lambda: MODULE_LAMBDA, pickle.PicklingError),
    (lambda: Point(1, MODULE_LAMBDA), pickle.PicklingError),
    (lambda: (lambda: 1), AttributeError),  # a local object
])
def test_unpicklable_objects_raise_like_torch(obj, exc):
    theirs, _ = _outcome(lambda: torch.save(obj(), io.BytesIO()))
    ours, _ = _outcome(lambda: fastgrad.save(obj(), io.BytesIO()))
    assert ours is theirs is exc


@pytest.mark.parametrize("optimizer,kwargs", [("Adam", {"lr": 0.05}), ("SGD", {"lr": 0.1, "momentum": 0.9}),
                                              ("RMSprop", {"lr": 0.01})])
def test_optimizer_state_dict_round_trip_resumes_like_torch(optimizer, kwargs):
    """Train 3 steps, save model and optimizer state_dicts, load them into fresh objects, train 3 more:
    the parameters follow PyTorch's uninterrupted run."""
    w0 = np.array([[0.5, -0.3], [0.2, 0.8]], dtype=np.float32)
    x = np.array([[1.0, 2.0], [-1.0, 0.5], [0.3, -0.7]], dtype=np.float32)

    def make(lib):
        lin = lib.nn.Linear(2, 2, bias=False)
        with lib.no_grad():
            lin.weight.copy_(lib.from_numpy(w0.copy()))
        return lin, getattr(lib.optim, optimizer)(lin.parameters(), **kwargs)

    def step(lib, lin, opt):
        opt.zero_grad()
        (lin(lib.from_numpy(x)) ** 2).sum().backward()
        opt.step()

    t_lin, t_opt = make(torch)
    for _ in range(6):
        step(torch, t_lin, t_opt)

    f_lin, f_opt = make(fastgrad)
    for _ in range(3):
        step(fastgrad, f_lin, f_opt)
    loaded = _round_trip(fastgrad, {"model": f_lin.state_dict(), "opt": f_opt.state_dict()})
    f_lin2, f_opt2 = make(fastgrad)
    f_lin2.load_state_dict(loaded["model"])
    f_opt2.load_state_dict(loaded["opt"])
    for _ in range(3):
        step(fastgrad, f_lin2, f_opt2)
    np.testing.assert_allclose(f_lin2.weight.detach().numpy(), t_lin.weight.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_whole_optimizer_round_trip():
    lin = fastgrad.nn.Linear(2, 1)
    opt = fastgrad.optim.Adam(lin.parameters(), lr=0.1)
    lin(fastgrad.ones(1, 2)).sum().backward()
    opt.step()
    again = _round_trip(fastgrad, {"model": lin, "opt": opt}, weights_only=False)
    assert type(again["opt"]) is fastgrad.optim.Adam
    assert again["opt"].param_groups[0]["params"][0] is again["model"].weight
    assert again["opt"].state_dict()["state"][0]["step"].item() == 1


def _crafted(root, data=b""):
    header = json.dumps({"format": 1, "root": root, "data_nbytes": len(data), "data_crc32": zlib.crc32(data)})
    header = header.encode()
    return serialization._MAGIC + struct.pack("<QI", len(header), zlib.crc32(header)) + header + data


@pytest.mark.parametrize("root", [
    {"t": "global", "module": "os", "name": "system"},
    {"t": "object", "id": 0, "func": {"t": "global", "module": "os", "name": "system"},
     "args": {"t": "list", "items": ["echo pwned"]}},
    {"t": "object", "id": 0, "cls": {"t": "global", "module": "subprocess", "name": "Popen"},
     "args": {"t": "list", "items": []}},
])
def test_crafted_files_cannot_run_code_by_default(root):
    with pytest.raises(pickle.UnpicklingError, match="Weights only load failed"):
        fastgrad.load(io.BytesIO(_crafted(root)))
    with pytest.raises(pickle.UnpicklingError):
        fastgrad.load(io.BytesIO(_crafted(root)), weights_only=True)


@pytest.mark.parametrize("root", [
    {"t": "ndarray", "dtype": "|O", "shape": [1], "offset": 0, "nbytes": 8},
    {"t": "ndarray", "dtype": "<f8", "shape": [4], "offset": 0, "nbytes": 32},
    {"t": "objref", "id": 3},
    {"t": "object", "id": 0},
    {"t": "global", "module": 3, "name": "x"},
])
def test_malformed_object_entries_are_corrupt(root):
    with pytest.raises(RuntimeError, match="corrupt"):
        fastgrad.load(io.BytesIO(_crafted(root, b"\0" * 8)), weights_only=False)


def test_plain_data_still_loads_by_default():
    sd = {"w": fastgrad.ones(2), "n": 3, "s": {1, 2}, "fs": frozenset({3}), "t": (1.5, None)}
    out = _round_trip(fastgrad, sd)
    assert out["s"] == {1, 2} and out["fs"] == frozenset({3}) and out["t"] == (1.5, None)


def test_get_unsafe_globals_in_checkpoint():
    buf = io.BytesIO()
    fastgrad.save({"m": fastgrad.nn.Linear(1, 1), "a": np.zeros(2), "w": fastgrad.ones(1)}, buf)
    names = serialization.get_unsafe_globals_in_checkpoint(io.BytesIO(buf.getvalue()))
    tarr = io.BytesIO()
    torch.save({"a": np.zeros(2), "w": torch.ones(1)}, tarr)
    numpy_names = sorted(torch.serialization.get_unsafe_globals_in_checkpoint(io.BytesIO(tarr.getvalue())))
    assert numpy_names and all(n.startswith("numpy.") for n in numpy_names)
    assert names == sorted(["fastgrad.nn.modules.linear.Linear"] + numpy_names)
    with serialization.safe_globals([fastgrad.nn.Linear]):
        assert serialization.get_unsafe_globals_in_checkpoint(io.BytesIO(buf.getvalue())) == numpy_names
    plain = io.BytesIO()
    fastgrad.save({"w": fastgrad.ones(1)}, plain)
    assert serialization.get_unsafe_globals_in_checkpoint(io.BytesIO(plain.getvalue())) == []
    # torch answers the same question for its own file of the same content
    tbuf = io.BytesIO()
    torch.save({"m": torch.nn.Linear(1, 1)}, tbuf)
    tbuf.seek(0)
    assert torch.serialization.get_unsafe_globals_in_checkpoint(tbuf) == ["torch.nn.modules.linear.Linear"]


class Color(__import__("enum").Enum):
    RED = 1


PointTuple = __import__("collections").namedtuple("PointTuple", "x y")


def test_python_values_round_trip_like_torch():
    import collections
    import datetime

    values = {"bytes": b"\x00ab", "complex": 3 + 4j, "range": range(2, 9, 3), "slice": slice(1, None, 2),
              "date": datetime.date(2020, 1, 2), "enum": Color.RED, "namedtuple": PointTuple(1, 2.5),
              "counter": collections.Counter("aab"), "bytearray": bytearray(b"xy"), "ellipsis": ...}
    for lib in (fastgrad, torch):
        out = _round_trip(lib, values, weights_only=False)
        assert out == values and type(out["namedtuple"]) is PointTuple and out["enum"] is Color.RED
    assert _round_trip(fastgrad, {"b": b"raw"}) == {"b": b"raw"}  # bytes are plain data
