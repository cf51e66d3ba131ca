"""fastgrad.save / fastgrad.load: tensors and nested containers in a file that loading never executes.

fastgrad.save writes PyTorch's checkpoint layout, so torch.load reads fastgrad's files and fastgrad.load reads
PyTorch's (Note [Checkpoint layout] in _checkpoint.py). fastgrad.load also reads fastgrad's earlier format,
which save(..., _use_new_zipfile_serialization=False) still writes. That format's layout (all integers
little-endian):

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
"repr": "nan"} for non-finite floats, {"t": "set"|"frozenset", "items": [...]}, {"t": "bytes", "hex": h}.
Loading only builds these types; a damaged or truncated file fails a length, bounds or checksum check with a
RuntimeError before any tensor is built.

Other objects (a whole nn.Module, an optimizer, instances of user classes, NumPy arrays) are stored the way
pickle reduces them, as structure rather than as a pickle stream: {"t": "global", "module": m, "name": q}
(a class or function, by name), {"t": "object", "id": k, "cls": <global>, "args": [...], "state": <value>}
(cls.__new__(cls, *args), then the state set as pickle sets it), or "func" instead of "cls"
(func(*args)), with optional "listitems" and "dictitems"; {"t": "objref", "id": k} (an object stored earlier in
the file); {"t": "ndarray", "dtype", "shape", "offset", "nbytes"} (a NumPy array's bytes in the data section).
Building them imports and calls the named globals, so, as torch.load, fastgrad.load refuses them unless
weights_only=False is given or the globals are allowlisted (add_safe_globals, safe_globals); the default
weights_only=None means True, as in PyTorch 2.6 and later.
"""

import copyreg
import importlib
import io
import json
import math
import os
import pickle
import re
import struct
import tempfile
import types
import zlib
from collections import OrderedDict, defaultdict

import numpy as np

from . import _C, _checkpoint

Tensor = _C.Tensor

_MAGIC = b"FGRAD\x00\x01\n"
_FORMAT = 1
# The numpy dtype strings of fastgrad's own dtypes, the only ones save() writes and load() accepts (a file
# naming another dtype, e.g. uint8, float16 or uint64, is refused rather than converted with a wrap-around).
_ALLOWED_DTYPES = {"|b1": "bool", "<i4": "int32", "<i8": "int64", "<f4": "float32", "<f8": "float64"}


# The NumPy dtype kinds a stored array may have: booleans and numbers (no Python objects, no raw records).
_ARRAY_KINDS = "biufc"
# Containers stored as themselves: their subclasses (a namedtuple, an OrderedDict subclass) are objects.
_PLAIN_DICTS = (dict, OrderedDict, defaultdict)


class _Writer:
    def __init__(self):
        self.chunks = []
        self.offset = 0
        self.tensor_ids = {}  # id(tensor) -> index, so a tensor saved twice is stored once
        self.keep_alive = []  # the tensors whose ids are in tensor_ids
        self.active = set()  # ids of the containers being encoded, to refuse cycles
        self.object_ids = {}  # id(object) -> index, so an object referenced twice is stored once

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
        if type(obj) is bytes:
            return {"t": "bytes", "hex": obj.hex()}
        if isinstance(obj, (set, frozenset)) and type(obj) in (set, frozenset):
            return {"t": type(obj).__name__, "items": [self.encode(v) for v in obj]}
        if type(obj) in (list, tuple) or type(obj) in _PLAIN_DICTS or _is_size(obj):
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
                return {"t": kind, "items": [self.encode(v) for v in obj]}
            finally:
                self.active.discard(id(obj))
        if isinstance(obj, (np.integer, np.floating, np.bool_)):
            return self.encode(obj.item())
        if type(obj) is np.ndarray:
            return self.encode_ndarray(obj)
        return self.encode_object(obj)

    def encode_ndarray(self, arr):
        if arr.dtype.kind not in _ARRAY_KINDS:
            raise TypeError(f"fastgrad.save: cannot save NumPy arrays of dtype {arr.dtype}")
        arr = np.ascontiguousarray(arr)
        arr = arr.astype(arr.dtype.newbyteorder("<"), copy=False)
        data = arr.tobytes()
        entry = {"t": "ndarray", "dtype": arr.dtype.str, "shape": list(arr.shape), "offset": self.offset,
                 "nbytes": len(data)}
        self.chunks.append(data)
        self.offset += len(data)
        return entry

    def encode_global(self, obj):
        """A class or function, by its module and qualified name (which must find obj again, as pickle
        requires)."""
        name = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None)
        module = getattr(obj, "__module__", None) or pickle.whichmodule(obj, name)
        if "<locals>" in name.split("."):  # pickle's class for a function or class defined in a function
            raise AttributeError(f"Can't pickle local object {name!r}")
        try:
            found = _lookup(module, name)
        except (ImportError, AttributeError, TypeError):
            found = None
        if found is not obj:
            raise pickle.PicklingError(f"Can't pickle {obj!r}: attribute lookup {name} on {module} failed")
        return {"t": "global", "module": module, "name": name}

    def encode_object(self, obj):
        """Any other object, as pickle reduces it (protocol 2): a constructor, its arguments and a state."""
        if isinstance(obj, (type, types.FunctionType, types.BuiltinFunctionType)):
            return self.encode_global(obj)
        if id(obj) in self.object_ids:
            return {"t": "objref", "id": self.object_ids[id(obj)]}
        reduced = copyreg.dispatch_table.get(type(obj))
        reduced = reduced(obj) if reduced is not None else obj.__reduce_ex__(2)
        if not isinstance(reduced, (str, tuple)) or (isinstance(reduced, tuple) and not 2 <= len(reduced) <= 6):
            raise pickle.PicklingError(f"{type(obj).__name__}.__reduce_ex__ must return a string or a tuple")
        if isinstance(reduced, str):  # a module-level object: stored by name
            module = getattr(obj, "__module__", None) or pickle.whichmodule(obj, reduced)
            if _lookup(module, reduced) is not obj:
                raise pickle.PicklingError(f"Can't pickle {obj!r}: it's not found as {module}.{reduced}")
            return {"t": "global", "module": module, "name": reduced}
        func, args, state, listitems, dictitems = (tuple(reduced) + (None,) * 5)[:5]
        index = len(self.object_ids)
        self.object_ids[id(obj)] = index
        self.keep_alive.append(obj)
        entry = {"t": "object", "id": index}
        if func is copyreg.__newobj__:
            entry["cls"] = self.encode_global(args[0])
            entry["args"] = self.encode(list(args[1:]))
        elif func is copyreg.__newobj_ex__:
            entry["cls"] = self.encode_global(args[0])
            entry["args"] = self.encode(list(args[1]))
            entry["kwargs"] = self.encode(dict(args[2]))
        else:
            entry["func"] = self.encode(func)
            entry["args"] = self.encode(list(args))
        if state is not None:
            entry["state"] = self.encode(state)
        if listitems is not None:
            entry["listitems"] = self.encode(list(listitems))
        if dictitems is not None:
            entry["dictitems"] = self.encode([list(kv) for kv in dictitems])
        return entry

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


def _lookup(module, qualname):
    obj = importlib.import_module(module)
    for part in qualname.split("."):
        if part == "<locals>":
            raise AttributeError(qualname)
        obj = getattr(obj, part)
    return obj


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
    """Saves obj to a path or a writable binary file object in PyTorch's checkpoint layout (a zip archive of
    data.pkl plus one record per tensor storage; Note [Checkpoint layout] in _checkpoint.py), which torch.load
    reads, with weights_only=True for tensors, numbers, strings, None and nested dicts/lists/tuples/sets of them
    (a state_dict, an optimizer's state_dict). NumPy arrays, whole modules and other picklable objects are saved
    too; loading them needs weights_only=False or allowlisted globals. Tensors sharing memory share it again
    after loading. Objects pickle cannot store (a lambda) raise pickle.PicklingError. Saving to a path is all or
    nothing: the file is written beside the target and renamed over it once complete.
    `_use_new_zipfile_serialization=False` writes fastgrad's earlier format instead (see the module docstring)."""
    if _use_new_zipfile_serialization:
        buf = io.BytesIO()
        name = "archive"
        if isinstance(f, (str, os.PathLike)):
            name = os.path.splitext(os.path.basename(os.fspath(f)))[0] or "archive"
            name = re.sub(r"[^0-9A-Za-z_.-]", "_", name)
        _checkpoint.write(obj, buf, archive_name=name)
        blob = buf.getvalue()
    else:
        writer = _Writer()
        root = writer.encode(obj)
        data = b"".join(writer.chunks)
        header = json.dumps(
            {"format": _FORMAT, "data_nbytes": len(data), "data_crc32": zlib.crc32(data), "root": root},
            separators=(",", ":"),
        ).encode("utf-8")
        blob = _MAGIC + struct.pack("<QI", len(header), zlib.crc32(header)) + header + data
    if isinstance(f, (str, os.PathLike)):
        _write_atomically(os.fspath(f), blob)
    else:
        f.write(blob)


def _write_atomically(path, blob):
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        raise RuntimeError(f"Parent directory {parent} does not exist.")
    try:
        fd, tmp = tempfile.mkstemp(prefix=".fastgrad-save-", dir=parent)
    except OSError as e:  # PyTorch's writer reports any path it cannot open as a RuntimeError
        raise RuntimeError(f"open file failed with strerror: {e.strerror} ({path})") from e
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(blob)
            fh.flush()
            os.fsync(fh.fileno())
        if os.path.isdir(path):
            raise RuntimeError(f"open file failed with strerror: Is a directory ({path})")
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


# ---- globals allowed when loading with weights_only=True ----

_safe_globals = []  # what add_safe_globals allowlisted: callables, or (callable, "module.name") pairs
_DEFAULT_SAFE = ("fastgrad.nn.modules.module._HookDict",)  # fastgrad's own plain-data container


def add_safe_globals(safe_globals):
    """Allowlists classes and functions for fastgrad.load(weights_only=True): a list of callables, or of
    (callable, "module.qualname") pairs naming where the file refers to them."""
    _safe_globals.extend(safe_globals)


def get_safe_globals():
    """The list of globals add_safe_globals allowlisted."""
    return list(_safe_globals)


def clear_safe_globals():
    """Forgets every global add_safe_globals allowlisted."""
    del _safe_globals[:]


class safe_globals:
    """A context manager that allowlists globals for weights_only loads inside its block:
    `with fastgrad.serialization.safe_globals([MyClass]): fastgrad.load(path)`."""

    def __init__(self, safe_globals):
        self.safe_globals = safe_globals

    def __enter__(self):
        self._count = len(_safe_globals)
        add_safe_globals(self.safe_globals)

    def __exit__(self, exc_type, exc_value, tb):
        del _safe_globals[self._count :]


def _allowed(module, name):
    """Whether module.name may be built by a weights_only load (a default, or allowlisted)."""
    full = f"{module}.{name}"
    names = set(_DEFAULT_SAFE)
    for entry in _safe_globals:
        if isinstance(entry, tuple) and len(entry) == 2:
            names.add(entry[1])
        else:
            names.add(f"{getattr(entry, '__module__', '')}.{getattr(entry, '__qualname__', '')}")
    return full in names


def _refusal(what, module, name):
    hint = f"{module}.{name}"
    return pickle.UnpicklingError(
        "Weights only load failed. This file can still be loaded, to do so you have two options, do those steps "
        "only if you trust the source of the checkpoint. \n\t(1) Re-running `fastgrad.load` with `weights_only` "
        "set to `False` will likely succeed, but it can result in arbitrary code execution. Do it only if you got "
        "the file from a trusted source.\n\t(2) Alternatively, to load with `weights_only=True` please check the "
        "recommended steps in the following error message.\n\tWeightsUnpickler error: Unsupported global: GLOBAL "
        f"{hint} was not an allowed global by default. Please use `fastgrad.serialization.add_safe_globals([{hint}])` "
        f"or the `fastgrad.serialization.safe_globals([{hint}])` context manager to allowlist this {what} if you "
        "trust this class/function."
    )


class _Reader:
    def __init__(self, data, weights_only=True):
        self.data = data
        self.tensors = {}
        self.objects = {}
        self.weights_only = weights_only

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
        if kind in ("set", "frozenset"):
            try:
                return (set if kind == "set" else frozenset)(self.decode(v) for v in self._items(value))
            except TypeError:
                self.fail("unhashable set item")
        if kind == "bytes":
            try:
                return bytes.fromhex(value.get("hex"))
            except (TypeError, ValueError):
                self.fail("bad bytes")
        if kind == "ndarray":
            return self.decode_ndarray(value)
        if kind == "global":
            return self.decode_global(value)
        if kind == "object":
            return self.decode_object(value)
        if kind == "objref":
            if value.get("id") not in self.objects:
                self.fail("reference to an unknown object")
            return self.objects[value["id"]]
        self.fail(f"unknown entry type {kind!r}")

    def decode_ndarray(self, entry):
        dtype_str, shape = entry.get("dtype"), entry.get("shape")
        offset, nbytes = entry.get("offset"), entry.get("nbytes")
        try:
            dtype = np.dtype(dtype_str) if isinstance(dtype_str, str) else None
        except TypeError:
            dtype = None
        if dtype is None or dtype.kind not in _ARRAY_KINDS or dtype.fields is not None:
            self.fail("bad array dtype")
        self._check_extent(shape, offset, nbytes, dtype)
        if self.weights_only and not _allowed("numpy", "ndarray"):
            raise _refusal("global", "numpy", "ndarray")
        arr = np.frombuffer(self.data, dtype=dtype, count=math.prod(shape), offset=offset).reshape(shape)
        return arr.astype(dtype.newbyteorder("="), copy=True)

    def _check_extent(self, shape, offset, nbytes, dtype):
        if not (
            isinstance(shape, list)
            and all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in shape)
        ):
            self.fail("bad tensor shape")
        if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in (offset, nbytes)):
            self.fail("bad tensor offset")
        if math.prod(shape) * dtype.itemsize != nbytes or offset + nbytes > len(self.data):
            self.fail("tensor data out of bounds")

    def decode_global(self, entry):
        module, name = entry.get("module"), entry.get("name")
        if not isinstance(module, str) or not isinstance(name, str):
            self.fail("bad global")
        if self.weights_only and not _allowed(module, name):
            raise _refusal("global", module, name)
        try:
            return _lookup(module, name)
        except (ImportError, AttributeError) as e:
            if self.weights_only:
                self.fail(f"unknown global {module}.{name}")
            raise e

    def decode_object(self, entry):
        index = entry.get("id")
        if not isinstance(index, int) or index in self.objects:
            self.fail("bad object id")
        args = self.decode(entry.get("args", {"t": "list", "items": []}))
        if not isinstance(args, list):
            self.fail("bad object arguments")
        if "cls" in entry:
            cls = self.decode(entry["cls"])
            if not isinstance(cls, type):
                self.fail("bad object class")
            kwargs = self.decode(entry["kwargs"]) if "kwargs" in entry else {}
            obj = cls.__new__(cls, *args, **kwargs)
        elif "func" in entry:
            func = self.decode(entry["func"])
            if not callable(func):
                self.fail("bad object constructor")
            obj = func(*args)
        else:
            self.fail("object without a constructor")
        self.objects[index] = obj
        if "state" in entry:
            _set_state(obj, self.decode(entry["state"]))
        if "listitems" in entry:
            items = self.decode(entry["listitems"])
            obj.extend(items) if hasattr(obj, "extend") else [obj.append(v) for v in items]
        if "dictitems" in entry:
            for pair in self.decode(entry["dictitems"]):
                if not isinstance(pair, list) or len(pair) != 2:
                    self.fail("malformed dict entry")
                obj[pair[0]] = pair[1]
        return obj

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


def _set_state(obj, state):
    """Sets an unpickled object's state as pickle does: __setstate__, or the instance dict (and slots)."""
    setstate = getattr(obj, "__setstate__", None)
    if setstate is not None:
        setstate(state)
        return
    slots = None
    if isinstance(state, tuple) and len(state) == 2:
        state, slots = state
    if state:
        obj.__dict__.update(state)
    if slots:
        for k, v in slots.items():
            setattr(obj, k, v)


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
    """Loads what save() wrote. With weights_only=True (the default, None, means True as in PyTorch) only
    tensors, numbers, strings, None, dtypes, containers and allowlisted globals (add_safe_globals,
    safe_globals) come out of a file, and anything else raises pickle.UnpicklingError; weights_only=False
    also rebuilds whole modules, NumPy arrays and other objects, importing and calling the classes the file
    names (only for files from a trusted source). Truncated or damaged files raise RuntimeError."""
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
    if _checkpoint.is_zip(blob):
        return _checkpoint.read(blob, weights_only is not False, map_location, _allowed, _lookup, _refusal)
    meta, data = _read_checked(blob)
    try:
        return _Reader(data, weights_only=weights_only is not False).decode(meta.get("root"))
    except RecursionError:
        raise RuntimeError("fastgrad.load: the file is corrupt (nesting too deep)") from None


def _read_checked(blob):
    """(header, tensor data) of a file of fastgrad's earlier format, after the magic, length and checksum checks."""
    fixed = len(_MAGIC) + 12
    if not blob.startswith(_MAGIC):
        if blob and _MAGIC.startswith(blob):
            raise RuntimeError("fastgrad.load: the file is truncated (incomplete header)")
        raise RuntimeError(
            "fastgrad.load: not a fastgrad file (bad magic number); fastgrad reads checkpoints written by "
            "fastgrad.save or torch.save (a zip archive), not legacy (pre-1.6) PyTorch files or raw pickles"
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
    return meta, data


def get_unsafe_globals_in_checkpoint(f):
    """The names ("module.qualname") of the classes and functions a file refers to that a weights_only load
    would refuse (not allowlisted), without building anything."""
    blob = _read_all(f)
    if _checkpoint.is_zip(blob):
        return _checkpoint.unsafe_globals(blob, _allowed)
    meta, _ = _read_checked(blob)
    found = set()
    stack = [meta.get("root")]
    while stack:  # an explicit stack: headers can nest deeply
        value = stack.pop()
        if isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, dict):
            kind = value.get("t")
            if kind == "global" and isinstance(value.get("module"), str) and isinstance(value.get("name"), str):
                if not _allowed(value["module"], value["name"]):
                    found.add(f"{value['module']}.{value['name']}")
            elif kind == "ndarray" and not _allowed("numpy", "ndarray"):
                found.add("numpy.ndarray")
            stack.extend(value.values())
    return sorted(found)


__all__ = [
    "save",
    "load",
    "add_safe_globals",
    "get_safe_globals",
    "clear_safe_globals",
    "safe_globals",
    "get_unsafe_globals_in_checkpoint",
]
