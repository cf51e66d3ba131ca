"""PyTorch's checkpoint layout, written and read without PyTorch: what fastgrad.save writes and fastgrad.load reads
(python/fastgrad/serialization.py keeps the entry points and the older fastgrad format).

Note [Checkpoint layout]
A checkpoint is a zip archive of uncompressed records under one top-level directory (`<name>/`; torch.save names it
after the file, `archive` for a file object), each record's data aligned to 64 bytes:

    <name>/data.pkl               the object, pickled with protocol 2
    <name>/.format_version        b"1"
    <name>/.storage_alignment     b"64"
    <name>/byteorder              b"little"
    <name>/data/<key>             one record per storage: its elements, raw, little-endian
    <name>/version                b"3\\n"
    <name>/.data/serialization_id an identifier of the archive

In data.pkl a tensor is `torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad,
OrderedDict())`, its storage a persistent id `("storage", torch.<Kind>Storage, key, "cpu", numel)`, a Parameter
`torch._utils._rebuild_parameter(tensor, requires_grad, OrderedDict())`, a dtype the global `torch.<name>`, a
device `torch.device("cpu")`, a Size `torch.Size(tuple)`. Tensors sharing a storage (views, a tensor saved twice)
share its record, so they share memory again after loading. fastgrad writes these names as text and maps them
back to its own classes when reading: neither direction imports torch.

Loading never runs code from the file: the unpickler builds only the globals of the weights-only list (the torch
names above, OrderedDict, set, bytes, ...) and what the user allowlisted (serialization.add_safe_globals), unless
weights_only=False. Before unpickling, the archive's records and the pickle's opcodes are checked: record sizes
against the archive, storages against the sizes the pickle gives them, views against their storages, the
pickle's nesting depth; anything inconsistent is a RuntimeError naming what is wrong.
"""

import _compat_pickle
import hashlib
import io
import pickle
import pickletools
import re
import struct
import sys
import types
import zipfile
from collections import Counter, OrderedDict

import numpy as np

from . import _C

Tensor = _C.Tensor

_ZIP_MAGIC = b"PK\x03\x04"
_ALIGN = 64
# The storage class PyTorch names for each dtype, and NumPy's little-endian code for its elements.
_STORAGE_OF = {"float32": "FloatStorage", "float64": "DoubleStorage", "int64": "LongStorage", "int32": "IntStorage",
               "bool": "BoolStorage", "float16": "HalfStorage", "bfloat16": "BFloat16Storage", "uint8": "ByteStorage",
               "int8": "CharStorage", "int16": "ShortStorage"}
_DTYPE_OF_STORAGE = {v: k for k, v in _STORAGE_OF.items()}
# bfloat16 has no NumPy dtype: its records are read and written as their 16-bit patterns.
_NUMPY_CODE = {"float32": "<f4", "float64": "<f8", "int64": "<i8", "int32": "<i4", "bool": "|b1", "float16": "<f2",
               "bfloat16": "<i2", "uint8": "|u1", "int8": "|i1", "int16": "<i2"}
# PyTorch's storages and dtypes fastgrad has no dtype for: named in the error instead of converted.
_OTHER_STORAGES = {"ComplexFloatStorage": "complex64", "ComplexDoubleStorage": "complex128"}
_OTHER_DTYPES = ("complex64", "complex128", "cfloat", "cdouble", "float8_e4m3fn", "float8_e5m2", "uint16", "uint32",
                 "uint64")
_MAX_DEPTH = 4000  # pickle levels (a container of tensors is ~4 per level): deeper objects are refused
_MAX_PICKLE_BYTES = 1 << 31
_MAX_RATIO = 64  # the most a compressed record may expand
_KEY = re.compile(r"^[0-9A-Za-z_.-]{1,64}$")


def is_zip(head):
    return head.startswith(_ZIP_MAGIC)


# ---------------------------------------------------------------------------------------------------------------
# Writing


class _Name:
    """A global named in the pickle as `module name` text, without importing the module (torch)."""

    __slots__ = ("module", "name")

    def __init__(self, module, name):
        self.module, self.name = module, name

    def __call__(self, *args):  # pickle's save_reduce wants a callable; this one only ever gets written
        raise TypeError(f"{self.module}.{self.name} is a name for pickles, not a function")


_REBUILD_TENSOR = _Name("torch._utils", "_rebuild_tensor_v2")
_REBUILD_PARAMETER = _Name("torch._utils", "_rebuild_parameter")
_TORCH_DEVICE = _Name("torch", "device")
_TORCH_SIZE = _Name("torch", "Size")


class _StorageRef:
    __slots__ = ("key", "kind", "numel")

    def __init__(self, key, kind, numel):
        self.key, self.kind, self.numel = key, kind, numel


class _Pickler(pickle._Pickler):
    """The pure-Python pickler (it lets save() write a global by name), with PyTorch's reductions of tensors,
    Parameters, dtypes, devices and sizes."""

    def __init__(self, file):
        super().__init__(file, protocol=2)
        self.storages = {}  # (storage address, dtype name) -> (_StorageRef, tensor over the whole storage)
        self.records = []  # (key, tensor over the whole storage), in order of first use

    def save(self, obj, save_persistent_id=True):
        if isinstance(obj, (_Name, _C.dtype)) and id(obj) not in self.memo:
            module, name = (obj.module, obj.name) if isinstance(obj, _Name) else ("torch", str(obj).split(".")[-1])
            self.write(pickle.GLOBAL + module.encode() + b"\n" + name.encode() + b"\n")
            self.memoize(obj)
            return
        if isinstance(obj, (types.FunctionType, type)) and "<locals>" in getattr(obj, "__qualname__", ""):
            # the error of Python's C pickler (the one torch.save uses) for a function or class defined locally
            raise AttributeError(f"Can't pickle local object {obj.__qualname__!r}")
        super().save(obj, save_persistent_id)

    def persistent_id(self, obj):
        if isinstance(obj, _StorageRef):
            return ("storage", _Name("torch", obj.kind), obj.key, "cpu", obj.numel)
        return None

    def reducer_override(self, obj):
        if isinstance(obj, Tensor):
            return self._reduce_tensor(obj)
        from ._device import device
        from ._size import Size

        if isinstance(obj, device):
            return (_TORCH_DEVICE, (str(obj),))

        if isinstance(obj, Size):
            return (_TORCH_SIZE, (tuple(obj),))
        return NotImplemented

    def _reduce_tensor(self, t):
        from .nn.parameter import Parameter

        if isinstance(t, Parameter):
            return (_REBUILD_PARAMETER, (t.detach(), t.requires_grad, OrderedDict()))
        dtype = str(t.dtype).split(".")[-1]
        if dtype not in _STORAGE_OF:
            raise pickle.PicklingError(f"fastgrad.save: tensors of dtype {t.dtype} cannot be saved")
        address, nbytes = t._storage_key()
        item = t.element_size()
        if (t.data_ptr() - address) % item:  # shares bytes at an odd offset (a view of another dtype): a copy
            t = t.contiguous().clone()
            address, nbytes = t._storage_key()
        offset_bytes = t.data_ptr() - address
        slot = (address, dtype)
        entry = self.storages.get(slot)
        if entry is None:
            whole = t.detach()._alias([nbytes // item], [1], 0)
            ref = _StorageRef(str(len(self.records)), _STORAGE_OF[dtype], nbytes // item)
            entry = self.storages[slot] = (ref, whole)
            self.records.append((ref.key, whole))
        args = (entry[0], offset_bytes // item, tuple(t.shape), tuple(t.stride()), t.requires_grad, OrderedDict())
        return (_REBUILD_TENSOR, args)


def _aligned_record(zf, name, data):
    """Adds a stored record whose data starts at a multiple of 64 bytes (an extra field pads the header)."""
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    start = zf.fp.tell() + 30 + len(name.encode("utf-8")) + 4  # local header, name, extra field's own header
    pad = -start % _ALIGN
    info.extra = b"FB" + struct.pack("<H", pad) + b"Z" * pad
    zf.writestr(info, data)


def write(obj, fileobj, archive_name="archive"):
    """Writes obj to the binary file object in PyTorch's checkpoint layout (Note [Checkpoint layout])."""
    buf = io.BytesIO()
    pickler = _Pickler(buf)
    limit = sys.getrecursionlimit()
    try:  # the pure-Python pickler recurses per level of nesting (~3 frames): allow what the C pickler allows
        if sys.version_info >= (3, 11):  # where Python-to-Python calls no longer use the C stack
            sys.setrecursionlimit(max(limit, 20000))
        pickler.dump(obj)
    except RecursionError:
        raise ValueError("fastgrad.save: the object is nested too deeply to be saved") from None
    finally:
        sys.setrecursionlimit(limit)
    data_pkl = buf.getvalue()
    records = [(f"{archive_name}/data.pkl", data_pkl), (f"{archive_name}/.format_version", b"1"),
               (f"{archive_name}/.storage_alignment", str(_ALIGN).encode()), (f"{archive_name}/byteorder", b"little")]
    digest = hashlib.sha1(data_pkl)
    for key, whole in pickler.records:
        raw = (whole.view(_C.int16) if whole.dtype == _C.bfloat16 else whole).numpy().tobytes()
        digest.update(raw[:4096])
        records.append((f"{archive_name}/data/{key}", raw))
    records.append((f"{archive_name}/version", b"3\n"))
    records.append((f"{archive_name}/.data/serialization_id", str(int(digest.hexdigest(), 16))[:40].encode()))
    with zipfile.ZipFile(fileobj, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        for name, data in records:
            _aligned_record(zf, name, data)


# ---------------------------------------------------------------------------------------------------------------
# Reading


def _corrupt(what):
    return RuntimeError(f"fastgrad.load: the file is corrupt ({what})")


class _StorageKind:
    """What a `torch.<Kind>Storage` global stands for while loading: the dtype of the storage's elements."""

    def __init__(self, dtype):
        self.dtype = dtype


def _rebuild_tensor(storage, storage_offset, size, stride, requires_grad=False, backward_hooks=None, metadata=None):
    if not isinstance(storage, Tensor):
        raise _corrupt("a tensor's storage is not a storage")
    if not (isinstance(storage_offset, int) and isinstance(size, (tuple, list)) and isinstance(stride, (tuple, list))
            and all(isinstance(v, int) for v in (*size, *stride))):
        raise _corrupt("a tensor's sizes, strides or offset are not integers")
    try:
        t = storage._alias(list(size), list(stride), storage_offset)
    except (ValueError, TypeError, OverflowError) as e:
        raise _corrupt(f"a tensor does not fit its storage: {e}") from None
    if requires_grad:
        t.requires_grad_(True)
    return t


def _rebuild_tensor_v1(storage, storage_offset, size, stride):
    return _rebuild_tensor(storage, storage_offset, size, stride)


def _rebuild_parameter(data, requires_grad, backward_hooks=None, state=None):
    from .nn.parameter import Parameter

    if not isinstance(data, Tensor):
        raise _corrupt("a Parameter's data is not a tensor")
    p = Parameter(data, requires_grad=bool(requires_grad))
    if state:
        for k, v in state.items() if isinstance(state, dict) else ():
            setattr(p, k, v)
    return p


def _rebuild_from_type_v2(func, new_type, args, state):
    from .nn.parameter import Parameter

    out = func(*args)
    if new_type is Parameter and not isinstance(out, Parameter):
        out = Parameter(out, requires_grad=out.requires_grad)
    if state and isinstance(state, dict):
        for k, v in state.items():
            setattr(out, k, v)
    return out


def _encode(text, encoding="latin1"):
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise _corrupt("bytes in an unexpected encoding")
    return text.encode(encoding)


def _dtype_global(name):
    """fastgrad's dtype for a `torch.<name>` global (None when the name is not a dtype)."""
    if name in _OTHER_DTYPES:
        raise RuntimeError(f"fastgrad.load: the file holds a torch.{name} value, and fastgrad has no {name} dtype")
    return getattr(_C, name, None) if isinstance(getattr(_C, name, None), _C.dtype) else None


def _torch_globals():
    """What the torch names of the weights-only list stand for in fastgrad."""
    from . import _device, _size
    from .nn.parameter import Parameter

    table = {
        ("collections", "OrderedDict"): OrderedDict,
        ("collections", "Counter"): Counter,
        ("_codecs", "encode"): _encode,
        ("builtins", "bytearray"): bytearray,
        ("builtins", "set"): set,
        ("builtins", "frozenset"): frozenset,
        ("builtins", "complex"): complex,
        ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
        ("torch._utils", "_rebuild_tensor"): _rebuild_tensor_v1,
        ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
        ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter,
        ("torch._tensor", "_rebuild_from_type_v2"): _rebuild_from_type_v2,
        ("torch", "Tensor"): Tensor,
        ("torch.nn.parameter", "Parameter"): Parameter,
        ("torch", "Size"): _size.Size,
        ("torch", "device"): _device.device,
    }
    for kind, dtype in _DTYPE_OF_STORAGE.items():
        table[("torch", kind)] = _StorageKind(dtype)
    return table


def _python3_name(module, name):
    """Protocol-2 pickles name builtins as Python 2 did (`__builtin__ set`): Python 3's names for them."""
    if (module, name) in _compat_pickle.NAME_MAPPING:
        return _compat_pickle.NAME_MAPPING[(module, name)]
    return _compat_pickle.IMPORT_MAPPING.get(module, module), name


class _Unpickler(pickle.Unpickler):
    def __init__(self, data, zf, prefix, weights_only, map_location, allowed, lookup, refusal):
        super().__init__(io.BytesIO(data))
        self.zf, self.prefix = zf, prefix
        self.weights_only = weights_only
        self.map_location = map_location
        self.allowed, self.lookup, self.refusal = allowed, lookup, refusal
        self.table = _torch_globals()
        self.storages = {}

    def find_class(self, module, name):
        module, name = _python3_name(module, name)
        found = self.table.get((module, name))
        if found is not None:
            return found
        if module == "torch":
            if name in _OTHER_STORAGES:
                raise RuntimeError(f"fastgrad.load: the file holds a torch.{name} ({_OTHER_STORAGES[name]}) "
                                   f"tensor, and fastgrad has no {_OTHER_STORAGES[name]} dtype")
            dtype = _dtype_global(name)
            if dtype is not None:
                return dtype
        if not self.weights_only or self.allowed(module, name):
            try:
                return self.lookup(module, name)
            except (ImportError, AttributeError) as e:
                raise pickle.UnpicklingError(f"fastgrad.load: cannot find {module}.{name} ({e})") from None
        raise self.refusal("global", module, name)

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"):
            raise _corrupt(f"unknown persistent id {str(pid)[:80]}")
        _, kind, key, location, numel = pid
        if not isinstance(kind, _StorageKind):
            raise _corrupt("a storage of unknown type")
        if not isinstance(key, str) or not _KEY.match(key) or not isinstance(numel, int) or numel < 0:
            raise _corrupt("a storage with an invalid key or size")
        _check_location(location, self.map_location)
        cached = self.storages.get(key)
        if cached is not None:
            if cached.dtype != getattr(_C, kind.dtype) or cached.numel() != numel:
                raise _corrupt(f"storage {key} is used with two types or sizes")
            return cached
        code = _NUMPY_CODE[kind.dtype]
        raw = _read_record(self.zf, f"{self.prefix}/data/{key}", numel * np.dtype(code).itemsize, exact=True)
        arr = np.frombuffer(raw, dtype=code).astype(code[1:], copy=True)
        storage = _C.from_numpy(arr) if numel else _C.empty(0, dtype=getattr(_C, kind.dtype))
        if kind.dtype == "bfloat16" and numel:
            storage = storage.view(_C.bfloat16)
        self.storages[key] = storage
        return storage


def _check_location(location, map_location):
    if not isinstance(location, str):
        raise _corrupt("a storage with an invalid location")
    if location.startswith("cuda") and map_location is None:
        raise RuntimeError(
            "Attempting to deserialize object on a CUDA device but fastgrad.cuda.is_available() is False. If you "
            "are running on a CPU-only machine, please use fastgrad.load with map_location=fastgrad.device('cpu') "
            "to map your storages to the CPU."
        )


def _read_record(zf, name, expected=None, exact=False, limit=None):
    try:
        info = zf.getinfo(name)
    except KeyError:
        raise _corrupt(f"record {name!r} is missing") from None
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise _corrupt(f"record {name!r} uses an unsupported compression")
    if info.compress_type == zipfile.ZIP_STORED and info.compress_size != info.file_size:
        raise _corrupt(f"record {name!r} has inconsistent sizes")
    if info.compress_type == zipfile.ZIP_DEFLATED and info.file_size > _MAX_RATIO * info.compress_size + 4096:
        # torch.save never compresses; tensor data compresses < 2x: a higher ratio is a zip bomb's
        raise _corrupt(f"record {name!r} expands {info.file_size} bytes from {info.compress_size}")
    if exact and info.file_size != expected:
        raise _corrupt(f"record {name!r} holds {info.file_size} bytes, the tensor data needs {expected}")
    if limit is not None and info.file_size > limit:
        raise _corrupt(f"record {name!r} is too large ({info.file_size} bytes)")
    try:
        with zf.open(info) as fh:
            data = fh.read(info.file_size + 1)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as e:
        raise _corrupt(f"record {name!r}: {e}") from None
    except Exception as e:  # noqa: BLE001  (zlib.error and friends from a damaged deflate stream)
        raise _corrupt(f"record {name!r}: {e}") from None
    if len(data) != info.file_size:
        raise _corrupt(f"record {name!r} is truncated")
    return data


_FILLS = {"APPEND", "APPENDS", "SETITEM", "SETITEMS", "ADDITEMS", "BUILD"}  # ops that add to the object below
_STRINGS = {"SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8", "UNICODE", "STRING", "BINSTRING", "SHORT_BINSTRING"}


def _check_pickle(data):
    """Runs the pickle's opcodes over a stack of (nesting depth, string value) instead of objects: a malformed
    stream, or objects nested deeper than _MAX_DEPTH levels of the pickle (each container, tuple and call is
    one), is an error before anything is built. Returns the (module, name) of every global the pickle names.
    (Nesting built through memo references is not counted: unpickling does not recurse, so it is harmless there.)"""
    names = []
    stack, memo = [], {}
    mark = pickletools.markobject
    try:
        for op, arg, _ in pickletools.genops(data):
            before, name = op.stack_before, op.name
            if name == "MARK":
                stack.append(None)
                continue
            if mark in before:
                items = []
                while stack and stack[-1] is not None:
                    items.append(stack.pop())
                if not stack:
                    raise _corrupt("the pickle is malformed: no mark on the stack")
                stack.pop()
                below = before.index(mark)
            else:
                items, below = [], len(before)
            if len(stack) < below:
                raise _corrupt(f"the pickle is malformed: {name} on a stack of {len(stack)}")
            under = stack[len(stack) - below:] if below else []
            del stack[len(stack) - below:]
            popped = under + items
            if name in ("GLOBAL", "INST"):
                module, _, gname = arg.partition(" ")
                names.append((module, gname))
            elif name == "STACK_GLOBAL":
                if not all(isinstance(e[1], str) for e in popped):
                    raise _corrupt("a global named by values that are not strings")
                names.append((popped[0][1], popped[1][1]))
            if name in ("BINPUT", "LONG_BINPUT", "PUT", "MEMOIZE"):
                if not stack:
                    raise _corrupt("the pickle is malformed: memo of an empty stack")
                memo[len(memo) if name == "MEMOIZE" else arg] = stack[-1]
                continue
            if name in ("BINGET", "LONG_BINGET", "GET"):
                if arg not in memo:
                    raise _corrupt("the pickle is malformed: memo key missing")
                new = memo[arg]
            elif name in _STRINGS:
                new = (1, arg)
            elif name in _FILLS and popped:
                new = (max([popped[0][0]] + [1 + e[0] for e in popped[1:]]), None)
            else:
                new = (1 + max((e[0] for e in popped), default=0), None)
            if new[0] > _MAX_DEPTH:
                raise _corrupt(f"objects nested deeper than {_MAX_DEPTH} levels")
            stack.extend([new] * len(op.stack_after))
    except (ValueError, EOFError, struct.error) as e:
        raise _corrupt(f"the pickle is malformed: {e}") from None
    return names


def _open_archive(blob):
    try:
        zf = zipfile.ZipFile(io.BytesIO(blob))
    except zipfile.BadZipFile:
        raise RuntimeError("fastgrad.load: the file is truncated or corrupt (no zip directory)") from None
    except Exception as e:  # noqa: BLE001  (damaged directories raise struct.error, ValueError, ...)
        raise _corrupt(f"unreadable zip directory: {e}") from None
    pkls = [n for n in zf.namelist() if n.endswith("/data.pkl") and n.count("/") == 1]
    if len(pkls) != 1:
        raise _corrupt("expected one <name>/data.pkl record")
    prefix = pkls[0][: -len("/data.pkl")]
    if prefix in ("", ".", "..") or prefix.startswith("/"):
        raise _corrupt(f"the archive's directory is named {prefix!r}")
    try:
        byteorder = zf.getinfo(f"{prefix}/byteorder")
    except KeyError:
        byteorder = None
    if byteorder is not None and _read_record(zf, byteorder.filename, limit=16) != b"little":
        raise RuntimeError("fastgrad.load: the file was written on a big-endian machine, which fastgrad cannot read")
    return zf, prefix


def read(blob, weights_only, map_location, allowed, lookup, refusal):
    """The object a checkpoint in PyTorch's layout holds (Note [Checkpoint layout])."""
    zf, prefix = _open_archive(blob)
    data = _read_record(zf, f"{prefix}/data.pkl", limit=_MAX_PICKLE_BYTES)
    _check_pickle(data)
    unpickler = _Unpickler(data, zf, prefix, weights_only, map_location, allowed, lookup, refusal)
    try:
        return unpickler.load()
    except (RuntimeError, pickle.UnpicklingError):
        raise
    except RecursionError:
        raise _corrupt("nesting too deep") from None
    except (EOFError, IndexError, KeyError, struct.error, TypeError, ValueError, AttributeError) as e:
        if not weights_only:
            raise
        raise _corrupt(f"the pickle is malformed: {type(e).__name__}: {e}") from None


def unsafe_globals(blob, allowed):
    """The "module.name" of every global of the checkpoint that a weights-only load would refuse."""
    zf, prefix = _open_archive(blob)
    data = _read_record(zf, f"{prefix}/data.pkl", limit=_MAX_PICKLE_BYTES)
    table = _torch_globals()
    found = set()
    for module, name in _check_pickle(data):
        module, name = _python3_name(module, name)
        if (module, name) in table or allowed(module, name):
            continue
        if module == "torch" and (name in _OTHER_STORAGES or name in _OTHER_DTYPES or _dtype_global(name)):
            continue
        found.add(f"{module}.{name}")
    return sorted(found)
