"""PyTorch's checkpoint layout (Note [Checkpoint layout] in python/fastgrad/_checkpoint.py): files written by
fastgrad.save load in torch.load(weights_only=True) and the reverse, with values, dtypes, Parameters and shared
storages preserved; crafted archives are refused without running anything; saving to a path is all or nothing."""
import io
import os
import pickle
import struct
import zipfile
from collections import OrderedDict

import numpy as np
import pytest

import fastgrad

torch = pytest.importorskip("torch")


def _save(lib, obj):
    buf = io.BytesIO()
    lib.save(obj, buf)
    return buf.getvalue()


def _np(t):
    return t.detach().numpy()


def _content(lib):
    """The same content built in either library: a model's state_dict, an optimizer's, views, odd tensors."""
    lib.manual_seed(0)
    rng = np.random.default_rng(3)
    model = lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.BatchNorm1d(4), lib.nn.ReLU(), lib.nn.Linear(4, 2))
    with lib.no_grad():
        for p in model.parameters():
            p.copy_(lib.tensor(rng.standard_normal(tuple(p.shape)).astype(np.float32)))
    opt = lib.optim.Adam(model.parameters(), lr=0.01)
    x = lib.tensor(rng.standard_normal((5, 3)).astype(np.float32))
    model(x).pow(2).sum().backward()
    opt.step()
    base = lib.tensor(rng.standard_normal((4, 6)))
    return {
        "model": model.state_dict(),
        "optim": opt.state_dict(),
        "base": base,
        "row": base[1],  # a view: shares base's storage
        "cols": base[:, 1:5:2],  # a strided view
        "t": base.t(),  # non-contiguous
        "weight": model[0].weight,  # a Parameter
        "ints": lib.arange(7, dtype=lib.int32),
        "longs": lib.tensor([[1, -2], [3, 2 ** 40]]),
        "mask": lib.tensor([True, False, True]),
        "scalar": lib.tensor(2.5, dtype=lib.float64),
        "empty": lib.zeros(0, 3),
        "meta": [1, 2.5, "s", None, (True, b"\x00b"), {3, 4}, 1 + 2j],
        "dtype": lib.float64,
        "size": lib.Size([2, 3]),
        "device": lib.device("cpu"),
    }


def _assert_same(ours, theirs, ours_lib, path="root", exact=True):
    if isinstance(ours, (fastgrad.Tensor, torch.Tensor)):
        assert isinstance(theirs, (fastgrad.Tensor, torch.Tensor)), path
        if exact:
            np.testing.assert_array_equal(_np(ours), _np(theirs), err_msg=path)
        assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1], path
        assert tuple(ours.shape) == tuple(theirs.shape) and tuple(ours.stride()) == tuple(theirs.stride()), path
        assert ours.requires_grad == theirs.requires_grad, path
        assert type(ours).__name__ == type(theirs).__name__, path  # Parameter stays Parameter
    elif isinstance(ours, dict):
        assert type(ours).__name__ == type(theirs).__name__ and list(ours) == list(theirs), path
        for k in ours:
            _assert_same(ours[k], theirs[k], ours_lib, f"{path}[{k!r}]", exact)
    elif isinstance(ours, (list, tuple)):
        assert len(ours) == len(theirs), path
        for i, (a, b) in enumerate(zip(ours, theirs)):
            _assert_same(a, b, ours_lib, f"{path}[{i}]", exact)
    else:
        assert str(ours).replace("fastgrad", "torch") == str(theirs).replace("fastgrad", "torch"), path


def _storage_ptr(t):
    return t.untyped_storage().data_ptr() if isinstance(t, torch.Tensor) else t._storage_key()[0]


@pytest.mark.parametrize("direction", ["fastgrad->torch", "torch->fastgrad", "fastgrad->fastgrad"])
def test_round_trip_between_libraries(direction):
    writer, reader = {"fastgrad->torch": (fastgrad, torch), "torch->fastgrad": (torch, fastgrad),
                      "fastgrad->fastgrad": (fastgrad, fastgrad)}[direction]
    original = _content(writer)
    loaded = reader.load(io.BytesIO(_save(writer, original)), weights_only=True)
    _assert_same(loaded, original, reader)
    _assert_same(_content(reader), original, reader, exact=False)  # the same content built in the other library
    assert loaded["model"]._metadata == original["model"]._metadata
    # views share the storage of what they view, as when saved
    assert _storage_ptr(loaded["row"]) == _storage_ptr(loaded["base"]) == _storage_ptr(loaded["cols"])
    loaded["base"][1, 0] = 123.0
    assert float(loaded["row"][0]) == 123.0
    assert _storage_ptr(loaded["empty"]) != _storage_ptr(loaded["base"])


def test_torch_state_dict_trains_the_same_in_fastgrad():
    torch.manual_seed(1)
    tmodel = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.Tanh(), torch.nn.Linear(5, 1))
    topt = torch.optim.SGD(tmodel.parameters(), lr=0.1, momentum=0.9)
    x, y = torch.randn(8, 3), torch.randn(8, 1)
    torch.nn.functional.mse_loss(tmodel(x), y).backward()
    topt.step()
    blob = _save(torch, {"model": tmodel.state_dict(), "optim": topt.state_dict()})
    ck = fastgrad.load(io.BytesIO(blob))
    fmodel = fastgrad.nn.Sequential(fastgrad.nn.Linear(3, 5), fastgrad.nn.Tanh(), fastgrad.nn.Linear(5, 1))
    fmodel.load_state_dict(ck["model"])
    fopt = fastgrad.optim.SGD(fmodel.parameters(), lr=0.1, momentum=0.9)
    fopt.load_state_dict(ck["optim"])
    fx, fy = fastgrad.tensor(x.numpy()), fastgrad.tensor(y.numpy())
    for _ in range(3):
        for lib, model, opt, a, b in ((torch, tmodel, topt, x, y), (fastgrad, fmodel, fopt, fx, fy)):
            opt.zero_grad()
            lib.nn.functional.mse_loss(model(a), b).backward()
            opt.step()
    for fp, tp in zip(fmodel.parameters(), tmodel.parameters()):
        np.testing.assert_allclose(_np(fp), _np(tp), rtol=1e-5, atol=1e-6)


def test_paths_and_archive_names(tmp_path):
    path = tmp_path / "my model.pt"
    fastgrad.save({"w": fastgrad.ones(2)}, path)
    assert os.listdir(tmp_path) == ["my model.pt"]
    assert torch.equal(torch.load(path)["w"], torch.ones(2))
    torch.save({"w": torch.ones(3)}, path)
    assert fastgrad.load(str(path))["w"].tolist() == [1.0, 1.0, 1.0]


def test_records_are_aligned_and_stored():
    blob = _save(fastgrad, {"a": fastgrad.randn(3), "b": fastgrad.arange(5)})
    zf = zipfile.ZipFile(io.BytesIO(blob))
    names = zf.namelist()
    assert names[0] == "archive/data.pkl" and "archive/byteorder" in names and "archive/version" in names
    for info in zf.infolist():
        assert info.compress_type == zipfile.ZIP_STORED
        n, e = struct.unpack("<HH", blob[info.header_offset + 26:info.header_offset + 30])
        assert (info.header_offset + 30 + n + e) % 64 == 0, info.filename


def test_dtypes_fastgrad_lacks_are_named():
    blob = _save(torch, {"h": torch.ones(2, dtype=torch.complex64)})
    with pytest.raises(RuntimeError, match="complex64"):
        fastgrad.load(io.BytesIO(blob))
    blob = _save(torch, {"d": torch.uint16})
    with pytest.raises(RuntimeError, match="uint16"):
        fastgrad.load(io.BytesIO(blob))
    # the half-precision and small integer dtypes load (tests/python/test_dtypes_small.py checks the values)
    blob = _save(torch, {"h": torch.ones(2, dtype=torch.float16), "d": torch.uint8})
    out = fastgrad.load(io.BytesIO(blob))
    assert out["h"].dtype == fastgrad.float16 and out["d"] == fastgrad.uint8


def test_cuda_locations_need_map_location():
    blob = _archive(_tensor_pickle(numel=2, size=(2,), location="cuda:0"),
                    {"data/0": np.array([1.0, 2.0], np.float32).tobytes()})
    with pytest.raises(RuntimeError, match="CUDA device"):
        fastgrad.load(io.BytesIO(blob))
    assert fastgrad.load(io.BytesIO(blob), map_location="cpu").tolist() == [1.0, 2.0]


def test_saving_to_a_path_is_all_or_nothing(tmp_path):
    path = tmp_path / "ck.pt"
    fastgrad.save({"w": fastgrad.ones(2)}, path)
    before = path.read_bytes()
    with pytest.raises(AttributeError):
        fastgrad.save({"w": fastgrad.zeros(2), "f": lambda: 0}, path)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["ck.pt"]


# ---- crafted archives ----

FLOATS = np.arange(4, dtype=np.float32).tobytes()


def _archive(data_pkl, records=(), prefix="archive", byteorder=b"little", compress=None):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(f"{prefix}/data.pkl", data_pkl, compress_type=compress or zipfile.ZIP_STORED)
        if byteorder is not None:
            zf.writestr(f"{prefix}/byteorder", byteorder)
        for name, data in dict(records).items():
            zf.writestr(f"{prefix}/{name}", data, compress_type=compress or zipfile.ZIP_STORED)
    return buf.getvalue()


def _tensor_pickle(numel=4, offset=0, size=(4,), stride=(1,), key="0", kind="FloatStorage", location="cpu"):
    def tup(v):
        return b"(" + b"".join(b"J" + struct.pack("<i", x) for x in v) + b"t"

    return (b"\x80\x02ctorch._utils\n_rebuild_tensor_v2\n((X\x07\x00\x00\x00storagectorch\n" + kind.encode()
            + b"\nX" + struct.pack("<I", len(key)) + key.encode() + b"X" + struct.pack("<I", len(location))
            + location.encode() + b"J"
            + struct.pack("<i", numel) + b"tQJ" + struct.pack("<i", offset) + tup(size) + tup(stride)
            + b"\x89ccollections\nOrderedDict\n)RtR.")


def _deep_pickle(depth):
    return b"\x80\x02" + b"]" * depth + b"a" * (depth - 1) + b"."


CRAFTED = {
    # code that would run if the unpickler built any global it is given
    "os.system": (_archive(b"\x80\x02cos\nsystem\nX\x04\x00\x00\x00exitq\x85R."), pickle.UnpicklingError),
    "builtins.eval": (_archive(b"\x80\x02c__builtin__\neval\nX\x01\x00\x00\x001\x85R."), pickle.UnpicklingError),
    "stack global": (_archive(b"\x80\x04\x8c\x02os\x8c\x06system\x93X\x04\x00\x00\x00exit\x85R."),
                     pickle.UnpicklingError),
    "importlib": (_archive(b"\x80\x02cimportlib\nimport_module\nX\x02\x00\x00\x00os\x85R."), pickle.UnpicklingError),
    "INST opcode": (_archive(b"(X\x04\x00\x00\x00exitios\nsystem\n."), pickle.UnpicklingError),
    # damaged structure
    "not a pickle": (_archive(b"this is not a pickle"), RuntimeError),
    "truncated pickle": (_archive(_tensor_pickle()[:40], {"data/0": FLOATS}), RuntimeError),
    "no data.pkl": (_archive(b"", prefix="a/b"), RuntimeError),
    "storage record missing": (_archive(_tensor_pickle()), RuntimeError),
    "storage record short": (_archive(_tensor_pickle(), {"data/0": FLOATS[:12]}), RuntimeError),
    "storage record long": (_archive(_tensor_pickle(), {"data/0": FLOATS + b"\0" * 4}), RuntimeError),
    "huge numel": (_archive(_tensor_pickle(numel=2 ** 31 - 1), {"data/0": FLOATS}), RuntimeError),
    "negative numel": (_archive(_tensor_pickle(numel=-4), {"data/0": FLOATS}), RuntimeError),
    "view past the storage": (_archive(_tensor_pickle(offset=2, size=(4,)), {"data/0": FLOATS}), RuntimeError),
    "stride past the storage": (_archive(_tensor_pickle(size=(2, 2), stride=(3, 1)), {"data/0": FLOATS}),
                                RuntimeError),
    "negative size": (_archive(_tensor_pickle(size=(-1,)), {"data/0": FLOATS}), RuntimeError),
    "negative offset": (_archive(_tensor_pickle(offset=-1, size=(1,)), {"data/0": FLOATS}), RuntimeError),
    "key with a path": (_archive(_tensor_pickle(key="../../etc/passwd"), {"data/0": FLOATS}), RuntimeError),
    "unknown storage type": (_archive(_tensor_pickle(kind="EvilStorage"), {"data/0": FLOATS}),
                             pickle.UnpicklingError),
    "big endian": (_archive(_tensor_pickle(), {"data/0": FLOATS}, byteorder=b"big"), RuntimeError),
    "deep nesting": (_archive(_deep_pickle(5000)), RuntimeError),
    "zip bomb": (_archive(_tensor_pickle(numel=2 ** 22), {"data/0": bytes(2 ** 24)}, compress=zipfile.ZIP_DEFLATED),
                 RuntimeError),
    "directory named ..": (_archive(_tensor_pickle(), {"data/0": FLOATS}, prefix=".."), RuntimeError),
    "persistent id of another kind": (_archive(b"\x80\x02X\x03\x00\x00\x00abcQ."), RuntimeError),
}


@pytest.mark.parametrize("name", sorted(CRAFTED))
def test_crafted_archives_are_refused(name, tmp_path, monkeypatch):
    blob, exc = CRAFTED[name]
    calls = []
    monkeypatch.setattr(os, "system", lambda *a: calls.append(a))
    with pytest.raises(exc):
        fastgrad.load(io.BytesIO(blob))
    assert calls == []


def test_deep_but_legitimate_nesting_loads():
    obj = inner = []
    for _ in range(300):
        inner.append([])
        inner = inner[0]
    loaded = fastgrad.load(io.BytesIO(_save(fastgrad, {"x": obj, "many": [[] for _ in range(5000)]})))
    assert len(loaded["many"]) == 5000
    depth, node = 0, loaded["x"]
    while node:
        node, depth = node[0], depth + 1
    assert depth == 300


def test_allowlisted_classes_load_from_a_checkpoint():
    blob = _save(fastgrad, {"od": OrderedDict(a=1), "lin": fastgrad.nn.Linear(2, 2)})
    with pytest.raises(pickle.UnpicklingError, match="Weights only load failed"):
        fastgrad.load(io.BytesIO(blob))
    with fastgrad.serialization.safe_globals([fastgrad.nn.Linear]):
        out = fastgrad.load(io.BytesIO(blob))
    assert isinstance(out["lin"], fastgrad.nn.Linear) and out["od"] == OrderedDict(a=1)
