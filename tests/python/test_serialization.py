"""fastgrad.save / fastgrad.load: round trips, state dicts, and clear errors for damaged files."""

import io
import pickle
import json
import math
import struct
import zlib
from collections import OrderedDict

import fastgrad
import fastgrad.nn as nn
import numpy as np
import pytest
from fastgrad import serialization


def round_trip(obj):
    buf = io.BytesIO()
    fastgrad.save(obj, buf)
    buf.seek(0)
    return fastgrad.load(buf)


@pytest.mark.parametrize(
    "tensor",
    [
        fastgrad.randn(3, 4),
        fastgrad.randn(2, 3, dtype=fastgrad.float64),
        fastgrad.arange(6),
        fastgrad.arange(6, dtype=fastgrad.int32),
        fastgrad.tensor([True, False, True]),
        fastgrad.tensor(3.5),
        fastgrad.zeros(0, 3),
        fastgrad.randn(4, 5).t(),
        fastgrad.randn(10)[::3] if True else None,
    ],
    ids=["f32", "f64", "i64", "i32", "bool", "0d", "empty", "transposed", "strided"],
)
def test_tensor_round_trip(tensor):
    loaded = round_trip(tensor)
    assert isinstance(loaded, fastgrad.Tensor)
    assert loaded.dtype == tensor.dtype and loaded.shape == tensor.shape
    np.testing.assert_array_equal(loaded.numpy(), tensor.numpy())
    assert not loaded.requires_grad


def test_requires_grad_and_parameters_survive():
    p = nn.Parameter(fastgrad.randn(2, 2))
    t = fastgrad.randn(3, requires_grad=True)
    frozen = nn.Parameter(fastgrad.ones(1), requires_grad=False)
    lp, lt, lf = round_trip([p, t, frozen])
    assert isinstance(lp, nn.Parameter) and lp.requires_grad
    assert lt.requires_grad and lt.is_leaf and not isinstance(lt, nn.Parameter)
    assert isinstance(lf, nn.Parameter) and not lf.requires_grad


def test_nested_containers_and_scalars():
    obj = {
        "ints": [1, -2, 2**62],
        "floats": (0.5, float("inf"), float("-inf")),
        "nan": float("nan"),
        "str": "héllo",
        "none": None,
        "flags": [True, False],
        3: "int key",
        (1, "a"): "tuple key",
        "nested": {"t": fastgrad.ones(2), "deeper": [[fastgrad.zeros(1)], ()]},
        "dtype": fastgrad.float64,
        "size": fastgrad.Size([2, 3]),
    }
    loaded = round_trip(obj)
    assert list(loaded) == list(obj)
    assert loaded["ints"] == [1, -2, 2**62] and loaded["floats"] == (0.5, math.inf, -math.inf)
    assert math.isnan(loaded["nan"]) and loaded["str"] == "héllo" and loaded["none"] is None
    assert loaded["flags"] == [True, False] and loaded[3] == "int key" and loaded[(1, "a")] == "tuple key"
    assert loaded["nested"]["t"].tolist() == [1.0, 1.0]
    assert isinstance(loaded["nested"]["deeper"][1], tuple)
    assert loaded["dtype"] is fastgrad.float64
    assert tuple(loaded["size"]) == (2, 3)


def test_shared_tensors_stay_shared():
    t = fastgrad.randn(3)
    a, b = round_trip([t, {"again": t}])
    assert a is b["again"]


def test_model_state_dict_round_trip(tmp_path):
    fastgrad.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))
    model(fastgrad.randn(8, 3))  # move the running statistics
    path = tmp_path / "model.fg"
    fastgrad.save(model.state_dict(), path)
    sd = fastgrad.load(path)
    assert isinstance(sd, OrderedDict) and list(sd) == list(model.state_dict())
    assert sd._metadata == model.state_dict()._metadata
    assert sd["1.num_batches_tracked"].dtype == fastgrad.int64
    other = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))
    other.load_state_dict(sd)
    model.eval()
    other.eval()
    x = fastgrad.randn(5, 3)
    np.testing.assert_array_equal(model(x).detach().numpy(), other(x).detach().numpy())
    fastgrad.save(model.state_dict(), str(path))  # str paths too
    assert list(fastgrad.load(str(path))) == list(sd)


def test_loads_what_torch_users_pass():
    buf = io.BytesIO()
    fastgrad.save({"x": 1}, buf)
    assert fastgrad.load(io.BytesIO(buf.getvalue()), map_location="cpu", weights_only=True) == {"x": 1}
    with pytest.raises(RuntimeError):
        fastgrad.load(io.BytesIO(buf.getvalue()), map_location="cuda")


def test_objects_load_only_without_weights_only():
    # Whole modules and other objects are saved (as pickle reduces them) but, as torch.load, a default
    # (weights_only) load refuses to build them (tests/python/test_save_load_objects.py has the details).
    for obj in (object(), nn.Linear(1, 1)):
        buf = io.BytesIO()
        fastgrad.save(obj, buf)
        with pytest.raises(pickle.UnpicklingError, match="Weights only load failed"):
            fastgrad.load(io.BytesIO(buf.getvalue()))
        assert type(fastgrad.load(io.BytesIO(buf.getvalue()), weights_only=False)) is type(obj)
    loop = []
    loop.append(loop)
    back = round_trip(loop)  # pickle keeps cycles, as torch.save does
    assert back[0] is back
    with pytest.raises(ValueError, match="contains itself"):
        fastgrad.save(loop, io.BytesIO(), _use_new_zipfile_serialization=False)  # the earlier format cannot


# ---- damaged files ----


SAMPLE = {"w": fastgrad.randn(4, 4), "b": [fastgrad.arange(3), "x"]}


def saved_bytes(obj=None, zip_format=False):
    buf = io.BytesIO()
    fastgrad.save(obj if obj is not None else SAMPLE, buf, _use_new_zipfile_serialization=zip_format)
    return buf.getvalue()


@pytest.mark.parametrize("zip_format", [False, True])
def test_every_truncation_is_an_error(zip_format):
    data = saved_bytes(zip_format=zip_format)
    for cut in list(range(0, 40)) + list(range(40, len(data), 7)) + [len(data) - 1]:
        with pytest.raises(RuntimeError, match="truncated|corrupt|not a fastgrad file"):
            fastgrad.load(io.BytesIO(data[:cut]))


def test_flipped_bytes_are_detected():
    # The earlier format checksums every byte.
    data = saved_bytes()
    for pos in range(0, len(data), 5):
        damaged = bytearray(data)
        damaged[pos] ^= 0x5A
        with pytest.raises(RuntimeError):
            fastgrad.load(io.BytesIO(bytes(damaged)))


def _same(a, b):
    if isinstance(a, fastgrad.Tensor):
        return isinstance(b, fastgrad.Tensor) and a.dtype == b.dtype and np.array_equal(a.numpy(), b.numpy())
    if isinstance(a, dict):
        return isinstance(b, dict) and list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


def test_flipped_bytes_in_a_checkpoint_never_give_wrong_values():
    # A checkpoint's records carry CRC-32s (the pickle and every storage); a flip elsewhere (a timestamp, the
    # padding) may be harmless, so each damaged file either fails to load or loads the very same values.
    data = saved_bytes(zip_format=True)
    failures = tried = 0
    for pos in range(0, len(data), 3):
        tried += 1
        damaged = bytearray(data)
        damaged[pos] ^= 0x5A
        try:
            out = fastgrad.load(io.BytesIO(bytes(damaged)))
        except (RuntimeError, pickle.UnpicklingError):
            failures += 1
            continue
        assert _same(out, SAMPLE), pos
    assert failures * 4 > tried  # many bytes matter (most of the rest is the records' alignment padding)


def test_other_files_are_refused(tmp_path):
    with pytest.raises(RuntimeError, match="not a fastgrad file"):
        fastgrad.load(io.BytesIO(b"\x80\x04\x95 this looks like a pickle"))
    with pytest.raises(RuntimeError, match="not a fastgrad file"):
        fastgrad.load(io.BytesIO(b""))
    with pytest.raises(RuntimeError, match="corrupt"):
        fastgrad.load(io.BytesIO(b"PK\x03\x04" + bytes(200)))


def craft(header_obj, data=b""):
    """A file with valid checksums around an arbitrary header: what an attacker could write."""
    header_obj = dict(header_obj, data_nbytes=len(data), data_crc32=zlib.crc32(data))
    header = json.dumps(header_obj).encode()
    return serialization._MAGIC + struct.pack("<QI", len(header), zlib.crc32(header)) + header + data


@pytest.mark.parametrize(
    "root,data",
    [
        ({"t": "tensor", "id": 0, "dtype": "|O", "shape": [1], "offset": 0, "nbytes": 8}, b"\0" * 8),
        ({"t": "tensor", "id": 0, "dtype": "<f4", "shape": [4], "offset": 0, "nbytes": 16}, b"\0" * 8),
        ({"t": "tensor", "id": 0, "dtype": "<f4", "shape": [2], "offset": 4, "nbytes": 8}, b"\0" * 8),
        ({"t": "tensor", "id": 0, "dtype": "<f4", "shape": [-1], "offset": 0, "nbytes": 4}, b"\0" * 4),
        ({"t": "pickle", "data": "cos\nsystem\n"}, b""),
        ({"t": "ref", "id": 7}, b""),
        ({"t": "dtype", "name": "__class__"}, b""),
        ({"t": "dict", "items": [[{"t": "list", "items": []}, 1]]}, b""),
        ({"t": "float", "repr": "__import__('os')"}, b""),
        ([1, 2], b""),
    ],
)
def test_malicious_headers_are_refused(root, data):
    with pytest.raises(RuntimeError, match="corrupt"):
        fastgrad.load(io.BytesIO(craft({"format": 1, "root": root}, data)))


def test_unknown_format_version_is_refused():
    with pytest.raises(RuntimeError, match="unsupported file format 2"):
        fastgrad.load(io.BytesIO(craft({"format": 2, "root": None})))
