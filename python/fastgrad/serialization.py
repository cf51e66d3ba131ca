"""fastgrad.save / fastgrad.load: tensors and nested containers in a file that loading never executes.

Layout (all integers little-endian):

    magic       8 bytes   b"FGRAD\\x00\\x01\\n"
    header_len  8 bytes   uint64, length of the JSON header
    header_crc  4 bytes   uint32, CRC-32 of the header bytes
    header      JSON      {"format": 1, "data_nbytes": N, "data_crc32": c, "root": <value>}
    data        N bytes   the tensors' raw little-endian contents, one after another

Values in the header are JSON scalars (None, bool, int, float, str) or tagged objects:
{"t": "list"|"tuple", "items": [...]}, {"t": "dict"|"odict", "items": [[key, value], ...]} (keys are
values too, so integer keys survive), {"t": "tensor", "id": k, "dtype": "<f4", "shape": [...],
"offset": o, "nbytes": n, "requires_grad": b, "parameter": b}, {"t": "ref", "id": k} (a tensor saved
earlier in the same file: shared tensors stay shared), {"t": "dtype", "name": "float32"}, {"t": "float",
"repr": "nan"} for non-finite floats. Loading only builds these types; a damaged or truncated file fails
a length, bounds or checksum check with a RuntimeError before any tensor is built.
"""

import json
import math
import os
import struct
import zlib
from collections import OrderedDict

import numpy as np

from . import _C

Tensor = _C.Tensor

_MAGIC = b"FGRAD\x00\x01\n"
_FORMAT = 1
# The numpy dtype strings of fastgrad's own dtypes, the only ones save() writes and load() accepts (a file
# naming another dtype, e.g. uint8, float16 or uint64, is refused rather than converted with a wrap-around).
_ALLOWED_DTYPES = {"|b1": "bool", "<i4": "int32", "<i8": "int64", "<f4": "float32", "<f8": "float64"}


class _Writer:
    def __init__(self):
        self.chunks = []
        self.offset = 0
        self.tensor_ids = {}  # id(tensor) -> index, so a tensor saved twice is stored once
        self.keep_alive = []  # the tensors whose ids are in tensor_ids
        self.active = set()  # ids of the containers being encoded, to refuse cycles

    def encode(self, obj):
        if obj is None or isinstance(obj, (bool, str)):
            return obj
        if isinstance(obj, int):
            return obj
        if isinstance(obj, float):
            return obj if math.isfinite(obj) else {"t": "float", "repr": repr(obj)}
        if isinstance(obj, Tensor):
            return self.encode_tensor(obj)
        if isinstance(obj, _C.dtype):
            return {"t": "dtype", "name": str(obj).split(".")[-1]}
        if isinstance(obj, (list, tuple, dict)):
            if id(obj) in self.active:
                raise ValueError("fastgrad.save: cannot save a structure that contains itself")
            self.active.add(id(obj))
            try:
                if isinstance(obj, dict):
                    out = {
                        "t": "odict" if isinstance(obj, OrderedDict) else "dict",
                        "items": [[self.encode(k), self.encode(v)] for k, v in obj.items()],
                    }
                    metadata = getattr(obj, "_metadata", None)
                    if metadata is not None:
                        out["metadata"] = self.encode(metadata)
                    return out
                kind = "tuple" if isinstance(obj, tuple) else "list"
                if isinstance(obj, tuple) and type(obj) is not tuple and not _is_size(obj):
                    raise TypeError(f"fastgrad.save: cannot save objects of type {type(obj).__name__}")
                return {"t": kind, "items": [self.encode(v) for v in obj]}
            finally:
                self.active.discard(id(obj))
        if isinstance(obj, (np.integer, np.floating, np.bool_)):
            return self.encode(obj.item())
        raise TypeError(
            f"fastgrad.save: cannot save objects of type {type(obj).__name__}; supported are tensors, "
            "numbers, strings, None, dtypes and lists/tuples/dicts of them"
        )

    def encode_tensor(self, t):
        if id(t) in self.tensor_ids:
            return {"t": "ref", "id": self.tensor_ids[id(t)]}
        arr = np.asarray(t.detach().numpy(), order="C")
        arr = arr.astype(arr.dtype.newbyteorder("<"), copy=False)
        data = arr.tobytes()
        index = len(self.keep_alive)
        self.tensor_ids[id(t)] = index
        self.keep_alive.append(t)
        from .nn.parameter import Parameter

        entry = {
            "t": "tensor",
            "id": index,
            "dtype": arr.dtype.str,
            "shape": list(arr.shape),
            "offset": self.offset,
            "nbytes": len(data),
            "requires_grad": bool(t.requires_grad),
            "parameter": isinstance(t, Parameter),
        }
        self.chunks.append(data)
        self.offset += len(data)
        return entry


def _is_size(obj):
    from ._size import Size

    return isinstance(obj, Size)


def save(
    obj,
    f,
    pickle_module=None,
    pickle_protocol=2,
    _use_new_zipfile_serialization=True,
    _disable_byteorder_record=False,
):
    """Saves obj (tensors, numbers, strings, None and nested dicts/lists/tuples of them, e.g. a state_dict)
    to a path or a writable binary file object."""
    writer = _Writer()
    root = writer.encode(obj)
    data = b"".join(writer.chunks)
    header = json.dumps(
        {"format": _FORMAT, "data_nbytes": len(data), "data_crc32": zlib.crc32(data), "root": root},
        separators=(",", ":"),
    ).encode("utf-8")
    blob = _MAGIC + struct.pack("<QI", len(header), zlib.crc32(header)) + header + data
    if isinstance(f, (str, os.PathLike)):
        parent = os.path.dirname(os.path.abspath(os.fspath(f)))
        if not os.path.isdir(parent):
            raise RuntimeError(f"Parent directory {parent} does not exist.")
        try:
            fh = open(f, "wb")
        except OSError as e:  # PyTorch's writer reports any path it cannot open as a RuntimeError
            raise RuntimeError(f"open file failed with strerror: {e.strerror} ({os.fspath(f)})") from e
        with fh:
            fh.write(blob)
    else:
        f.write(blob)


class _Reader:
    def __init__(self, data):
        self.data = data
        self.tensors = {}

    def fail(self, what):
        raise RuntimeError(f"fastgrad.load: the file is corrupt ({what})")

    def decode(self, value):
        if value is None or isinstance(value, (bool, int, float, str)):
            return value
        if isinstance(value, list):
            self.fail("unexpected bare list")
        if not isinstance(value, dict) or "t" not in value:
            self.fail("unexpected value in header")
        kind = value["t"]
        if kind in ("list", "tuple"):
            items = [self.decode(v) for v in self._items(value)]
            return items if kind == "list" else tuple(items)
        if kind in ("dict", "odict"):
            out = OrderedDict() if kind == "odict" else {}
            for pair in self._items(value):
                if not isinstance(pair, list) or len(pair) != 2:
                    self.fail("malformed dict entry")
                key = self.decode(pair[0])
                try:
                    out[key] = self.decode(pair[1])
                except TypeError:
                    self.fail("unhashable dict key")
            if "metadata" in value and kind == "odict":
                out._metadata = self.decode(value["metadata"])
            return out
        if kind == "tensor":
            return self.decode_tensor(value)
        if kind == "ref":
            if value.get("id") not in self.tensors:
                self.fail("reference to an unknown tensor")
            return self.tensors[value["id"]]
        if kind == "dtype":
            dt = getattr(_C, str(value.get("name")), None)
            if not isinstance(dt, _C.dtype):
                self.fail(f"unknown dtype {value.get('name')!r}")
            return dt
        if kind == "float":
            if value.get("repr") not in ("nan", "inf", "-inf"):
                self.fail("bad float")
            return float(value["repr"])
        self.fail(f"unknown entry type {kind!r}")

    def _items(self, value):
        items = value.get("items")
        if not isinstance(items, list):
            self.fail("container without items")
        return items

    def decode_tensor(self, entry):
        dtype_str, shape = entry.get("dtype"), entry.get("shape")
        offset, nbytes, index = entry.get("offset"), entry.get("nbytes"), entry.get("id")
        if not isinstance(dtype_str, str) or dtype_str not in _ALLOWED_DTYPES:
            self.fail(f"tensor dtype {_dtype_name(dtype_str)} is not supported by fastgrad; supported: "
                      f"{', '.join(_ALLOWED_DTYPES.values())}")
        if not (
            isinstance(shape, list)
            and all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in shape)
        ):
            self.fail("bad tensor shape")
        if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in (offset, nbytes)):
            self.fail("bad tensor offset")
        dtype = np.dtype(dtype_str)
        if math.prod(shape) * dtype.itemsize != nbytes or offset + nbytes > len(self.data):
            self.fail("tensor data out of bounds")
        if index in self.tensors:
            self.fail("duplicate tensor id")
        arr = np.frombuffer(self.data, dtype=dtype, count=math.prod(shape), offset=offset).reshape(shape)
        arr = arr.astype(dtype.newbyteorder("="), copy=True)
        t = _C.from_numpy(arr)
        if entry.get("parameter"):
            from .nn.parameter import Parameter

            t = Parameter(t, requires_grad=bool(entry.get("requires_grad")))
        elif entry.get("requires_grad"):
            t.requires_grad_(True)
        self.tensors[index] = t
        return t


def _dtype_name(dtype_str):
    """A readable name for the dtype string a file names (numpy's name when numpy knows it)."""
    try:
        return f"{np.dtype(dtype_str).name} ({dtype_str!r})"
    except (TypeError, ValueError):
        return repr(dtype_str)


def _read_all(f):
    if isinstance(f, (str, os.PathLike)):
        with open(f, "rb") as fh:
            return fh.read()
    if isinstance(f, (bytes, bytearray, memoryview)):
        return bytes(f)
    data = f.read()
    if not isinstance(data, (bytes, bytearray)):
        raise TypeError("fastgrad.load: expected a path or a binary file object")
    return bytes(data)


def load(f, map_location=None, pickle_module=None, *, weights_only=None, mmap=None, **pickle_load_args):
    """Loads what save() wrote. Only tensors, numbers, strings, None, dtypes and containers can come out of
    a file; truncated or damaged files raise RuntimeError."""
    if weights_only and pickle_module is not None:
        raise RuntimeError("Can not safely load weights when explicit pickle_module is specified")
    if mmap and not isinstance(f, (str, os.PathLike)):
        raise ValueError("f must be a file path in order to use the mmap argument")
    if map_location is not None and not callable(map_location) and not isinstance(map_location, dict):
        if str(map_location).startswith("cuda"):
            raise RuntimeError(
                "Attempting to deserialize object on a CUDA device but fastgrad.cuda.is_available() "
                "is False. If you are running on a CPU-only machine, please use fastgrad.load with "
                "map_location=fastgrad.device('cpu') to map your storages to the CPU."
            )
        _C._check_device(str(map_location))
    blob = _read_all(f)
    fixed = len(_MAGIC) + 12
    if not blob.startswith(_MAGIC):
        if blob and _MAGIC.startswith(blob):
            raise RuntimeError("fastgrad.load: the file is truncated (incomplete header)")
        raise RuntimeError(
            "fastgrad.load: not a fastgrad file (bad magic number); fastgrad only reads files "
            "written by fastgrad.save"
        )
    if len(blob) < fixed:
        raise RuntimeError("fastgrad.load: the file is truncated (incomplete header)")
    header_len, header_crc = struct.unpack_from("<QI", blob, len(_MAGIC))
    if fixed + header_len > len(blob):
        raise RuntimeError("fastgrad.load: the file is truncated (header runs past the end of the file)")
    header = blob[fixed : fixed + header_len]
    if zlib.crc32(header) != header_crc:
        raise RuntimeError("fastgrad.load: the file is corrupt (header checksum mismatch)")
    try:
        meta = json.loads(header.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise RuntimeError("fastgrad.load: the file is corrupt (unreadable header)") from None
    except RecursionError:  # the JSON parser's own depth limit
        raise RuntimeError("fastgrad.load: the file is corrupt (nesting too deep)") from None
    if not isinstance(meta, dict) or meta.get("format") != _FORMAT:
        found = meta.get("format") if isinstance(meta, dict) else meta
        raise RuntimeError(f"fastgrad.load: unsupported file format {found!r}")
    data = blob[fixed + header_len :]
    if len(data) < meta.get("data_nbytes", -1):
        raise RuntimeError(
            f"fastgrad.load: the file is truncated (expected {meta['data_nbytes']} bytes of tensor "
            f"data, found {len(data)})"
        )
    if len(data) != meta.get("data_nbytes") or zlib.crc32(data) != meta.get("data_crc32"):
        raise RuntimeError("fastgrad.load: the file is corrupt (tensor data checksum mismatch)")
    try:
        return _Reader(data).decode(meta.get("root"))
    except RecursionError:
        raise RuntimeError("fastgrad.load: the file is corrupt (nesting too deep)") from None


__all__ = ["save", "load"]
