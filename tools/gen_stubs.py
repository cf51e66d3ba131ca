"""Draft python/fastgrad/_C.pyi from the built extension: `FASTGRAD_RAW_DOCS=1 python tools/gen_stubs.py [out]`.

The stub describes fastgrad._C as a type checker sees it: every module function (from pybind11's signature
lines, overloads as @overload), the dtype/Generator/Node/RemovableHandle classes, and the Tensor class with
every method, property and operator fastgrad.Tensor has at run time, the Python-side ones (fastgrad/_tensor.py
and friends) included, since they are set on the same class. FASTGRAD_RAW_DOCS=1 keeps pybind11's own
docstrings (fastgrad/_docs.py otherwise replaces their signature lines with text signatures, which carry no
types). The output is a draft: the committed stub is this output, and tests/python/test_typing.py checks its
names against dir(fastgrad._C) and dir(fastgrad.Tensor), so a new binding shows up as a failing test.
"""
import ast
import inspect
import keyword
import os
import re
import sys

os.environ["FASTGRAD_RAW_DOCS"] = "1"
import fastgrad  # noqa: E402
from fastgrad import _C  # noqa: E402
from fastgrad._docs import _split  # noqa: E402

NUMBER = "_Number"
TYPE_MAP = {
    "object": "Any",
    "Number": NUMBER,
    "fastgrad._C.Node": "Node",
    "fastgrad.Tensor": "Tensor",
    "fastgrad._C.Tensor": "Tensor",
    "tuple": "tuple[Any, ...]",
    "dict": "dict[str, Any]",
    "collections.abc.Callable": "Callable[..., Any]",
    "collections.abc.Sequence[int]": "Sequence[int]",
    "collections.abc.Sequence[Tensor]": "Sequence[Tensor]",
    "numpy.ndarray": "Any",
    "capsule": "Any",
    "bytes": "bytes",
}
OPERATORS = {f"__{p}{op}__" for p in ("", "r", "i") for op in ("and", "or", "xor", "floordiv", "mod", "lshift",
                                                                  "rshift", "add", "sub", "mul", "truediv",
                                                                  "matmul", "pow")}
KNOWN = {"Tensor", "int", "bool", "str", "float", "None", "dtype", "Node", "RemovableHandle", "Generator", "bytes",
         "Any", NUMBER}


def map_type(t, ret=False, name=""):
    t = t.strip()
    if t in TYPE_MAP:
        t = TYPE_MAP[t]
    t = t.replace("typing.SupportsFloat | typing.SupportsIndex", "float")
    t = t.replace("typing.SupportsInt | typing.SupportsIndex", "int")
    t = t.replace("collections.abc.", "")
    t = t.replace("typing.", "")
    if ret and t == "Any" and name in OPERATORS:
        return "Tensor"
    if ret and t == "Any" and name.endswith("_") and not name.startswith("_"):
        return "Tensor"  # an in-place op returns self
    if ret and t == "tuple[Any, ...]":
        return "tuple[Any, ...]"
    words = set(re.findall(r"[A-Za-z_][\w.]*", t)) - {"None", "tuple", "list", "dict", "Sequence", "Callable"}
    if not words <= KNOWN:
        return "Any"
    return t


def split_params(s):
    """The top-level comma-separated parts of a parameter list (fastgrad._docs splits them for the docstrings)."""
    return _split(s)


def convert_params(params, method):
    out, seen_default = [], False
    for i, p in enumerate(params):
        if p in ("*", "/"):
            out.append(p)
            continue
        if p.startswith("**"):
            out.append(p.split(":")[0] + ": Any")
            continue
        if p.startswith("*"):
            out.append(p.split(":")[0] + ": Any")
            continue
        default = ""
        if "=" in p:
            p, _ = p.split("=", 1)
            default = " = ..."
            seen_default = True
        elif seen_default and "*" not in out:
            default = " = ..."  # pybind11 allows a required argument after defaults; Python's syntax does not
        name, _, typ = p.partition(":")
        name = name.strip()
        if keyword.iskeyword(name):
            name += "_"  # uniform_(from, to): not a Python name, as in PyTorch's stubs (from_)
        if method and i == 0:
            out.append("self")
            continue
        typ = map_type(typ) if typ else "Any"
        out.append(f"{name}: {typ}{default}")
    return out


SIG = re.compile(r"^(?:\d+\. )?(\w+)\((.*)\) -> (.+)$")


def pybind_signatures(fn, name):
    doc = getattr(fn, "__doc__", None) or ""
    lines = doc.split("\n")
    if lines and lines[0].endswith("(*args, **kwargs)") and len(lines) > 1 and lines[1] == "Overloaded function.":
        sigs = [SIG.match(line) for line in lines if re.match(r"^\d+\. ", line)]
    else:
        sigs = [SIG.match(lines[0])] if lines else []
    return [(m.group(2), m.group(3)) for m in sigs if m and m.group(1) == name]


def documented_params(fn, name, method):
    """The argument list fastgrad/_docs.py gives a binding that parses *args/**kwargs itself (SIGNATURES, or the
    signature line of its hand-written docstring), e.g. '(input, dim=-1, *, stable=False)'; None without one."""
    from fastgrad import _docs

    table = _docs.TENSOR_SIGNATURES if method else {}
    sig = table.get(name) or (None if method else _docs.SIGNATURES.get(name))
    sig = sig or _docs._hand_written_signature(getattr(fn, "__doc__", "") or "", name, method)
    if not sig:
        return None
    args = ast.parse(f"def f{sig.replace('$self', 'self')}: pass").body[0].args
    out = []
    positional = args.posonlyargs + args.args
    defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    for i, (a, d) in enumerate(zip(positional, defaults)):
        out.append("self" if method and i == 0 else f"{a.arg}: Any" + (" = ..." if d is not None else ""))
    if args.vararg:
        out.append(f"*{args.vararg.arg}: Any")
    elif args.kwonlyargs:
        out.append("*")
    for a, d in zip(args.kwonlyargs, args.kw_defaults):
        out.append(f"{a.arg}: Any" + (" = ..." if d is not None else ""))
    if args.kwarg:
        out.append(f"**{args.kwarg.arg}: Any")
    return out


def emit_function(name, fn, method, indent=""):
    sigs = pybind_signatures(fn, name)
    if len(sigs) == 1 and "*args" in sigs[0][0]:
        params = documented_params(fn, name, method)
        if params is not None:
            ret = map_type(sigs[0][1], True, name)
            return [f"{indent}def {name}({', '.join(params)}) -> {ret}: ..."]
    if not sigs:
        return [f"{indent}def {name}({'self, ' if method else ''}*args: Any, **kwargs: Any) -> Any: ..."]
    lines = []
    for params, ret in sigs:
        if len(sigs) > 1:
            lines.append(f"{indent}@overload")
        ps = convert_params(split_params(params), method)
        lines.append(f"{indent}def {name}({', '.join(ps)}) -> {map_type(ret, True, name)}: ...")
    return lines


# Tensor members that are not pybind11 functions (Python methods, fast C entry points, properties, operators),
# or whose pybind11 return type is `object`: their types, as PyTorch's stubs give them.
TENSOR_OVERRIDES = {
    "item": "def item(self) -> _Number: ...",
    "tolist": "def tolist(self) -> Any: ...",
    "detach": "def detach(self) -> Tensor: ...",
    "backward": ("def backward(self, gradient: Optional[Tensor] = ..., retain_graph: Optional[bool] = ..., "
                 "create_graph: bool = ..., inputs: Any = ...) -> None: ..."),
    "zero_": "def zero_(self) -> Tensor: ...",
    "tanh": "def tanh(self) -> Tensor: ...",
    "is_contiguous": "def is_contiguous(self, memory_format: Any = ...) -> bool: ...",
    "is_complex": "def is_complex(self) -> bool: ...",
    "is_pinned": "def is_pinned(self, device: Any = ...) -> bool: ...",
    "is_shared": "def is_shared(self) -> bool: ...",
    "is_floating_point": "def is_floating_point(self) -> bool: ...",
    "is_nonzero": "def is_nonzero(self) -> bool: ...",
    "is_set_to": "def is_set_to(self, tensor: Tensor) -> bool: ...",
    "is_same_size": "def is_same_size(self, other: Tensor) -> bool: ...",
    "equal": "def equal(self, other: Tensor) -> bool: ...",
    "allclose": ("def allclose(self, other: Tensor, rtol: float = ..., atol: float = ..., "
                 "equal_nan: bool = ...) -> bool: ..."),
    "dim": "def dim(self) -> int: ...",
    "ndimension": "def ndimension(self) -> int: ...",
    "numel": "def numel(self) -> int: ...",
    "nelement": "def nelement(self) -> int: ...",
    "element_size": "def element_size(self) -> int: ...",
    "get_device": "def get_device(self) -> int: ...",
    "data_ptr": "def data_ptr(self) -> int: ...",
    "storage_offset": "def storage_offset(self) -> int: ...",
    "stride": "@overload\n    def stride(self) -> tuple[int, ...]: ...\n    @overload\n    def stride(self, dim: int) -> int: ...",
    "size": "@overload\n    def size(self) -> Size: ...\n    @overload\n    def size(self, dim: int) -> int: ...",
    "numpy": "def numpy(self, *, force: bool = ...) -> Any: ...",
    "type": ("@overload\n    def type(self, dtype: None = ..., non_blocking: bool = ...) -> str: ...\n"
             "    @overload\n    def type(self, dtype: Any, non_blocking: bool = ...) -> Tensor: ..."),
    "unbind": "def unbind(self, dim: int = ...) -> tuple[Tensor, ...]: ...",
    "chunk": "def chunk(self, chunks: int, dim: int = ...) -> tuple[Tensor, ...]: ...",
    "split": "def split(self, split_size: Any, dim: int = ...) -> tuple[Tensor, ...]: ...",
    "tensor_split": "def tensor_split(self, indices_or_sections: Any, dim: int = ...) -> tuple[Tensor, ...]: ...",
    "register_hook": "def register_hook(self, hook: Callable[[Tensor], Optional[Tensor]]) -> RemovableHandle: ...",
    "register_post_accumulate_grad_hook": ("def register_post_accumulate_grad_hook(self, hook: "
                                           "Callable[[Tensor], None]) -> RemovableHandle: ..."),
    "retain_grad": "def retain_grad(self) -> None: ...",
    "requires_grad_": "def requires_grad_(self, requires_grad: bool = ...) -> Tensor: ...",
    "__len__": "def __len__(self) -> int: ...",
    "__iter__": "def __iter__(self) -> Iterator[Tensor]: ...",
    "__bool__": "def __bool__(self) -> bool: ...",
    "__float__": "def __float__(self) -> float: ...",
    "__int__": "def __int__(self) -> int: ...",
    "__index__": "def __index__(self) -> int: ...",
    "__complex__": "def __complex__(self) -> complex: ...",
    "__hash__": "def __hash__(self) -> int: ...",
    "__repr__": "def __repr__(self) -> str: ...",
    "__str__": "def __str__(self) -> str: ...",
    "__format__": "def __format__(self, format_spec: str) -> str: ...",
    "__contains__": "def __contains__(self, element: Any) -> bool: ...",
    "__getitem__": "def __getitem__(self, indices: Any) -> Tensor: ...",
    "__setitem__": "def __setitem__(self, indices: Any, value: Any) -> None: ...",
    "__lt__": "def __lt__(self, other: Any) -> Tensor: ...",
    "__le__": "def __le__(self, other: Any) -> Tensor: ...",
    "__gt__": "def __gt__(self, other: Any) -> Tensor: ...",
    "__ge__": "def __ge__(self, other: Any) -> Tensor: ...",
    "__eq__": "def __eq__(self, other: Any) -> Tensor: ...  # type: ignore[override]",
    "__ne__": "def __ne__(self, other: Any) -> Tensor: ...  # type: ignore[override]",
    "__init__": "def __init__(self, *args: Any, **kwargs: Any) -> None: ...",
    "__array__": "def __array__(self, dtype: Any = ..., copy: Any = ...) -> Any: ...",
    "__reduce_ex__": "def __reduce_ex__(self, proto: Any) -> Any: ...",
    "__deepcopy__": "def __deepcopy__(self, memo: Any) -> Tensor: ...",
    "__dlpack__": "def __dlpack__(self, *args: Any, **kwargs: Any) -> Any: ...",
    "__dlpack_device__": "def __dlpack_device__(self) -> tuple[int, int]: ...",
    "__setstate__": "def __setstate__(self, state: Any) -> None: ...",
    "__getstate__": "def __getstate__(self) -> Any: ...",
}
_VI = "_ValuesIndices"
for _n in ("max", "min"):
    TENSOR_OVERRIDES[_n] = (f"@overload\n    def {_n}(self) -> Tensor: ...\n    @overload\n    def {_n}(self, dim: int, "
                            f"keepdim: bool = ...) -> {_VI}: ...\n    @overload\n    def {_n}(self, other: Tensor) "
                            "-> Tensor: ...")
TENSOR_OVERRIDES.update({
    "sort": f"def sort(self, dim: int = ..., descending: bool = ..., *, stable: bool = ...) -> {_VI}: ...",
    "topk": f"def topk(self, k: int, dim: int = ..., largest: bool = ..., sorted: bool = ...) -> {_VI}: ...",
    "kthvalue": f"def kthvalue(self, k: int, dim: int = ..., keepdim: bool = ...) -> {_VI}: ...",
    "nonzero": ("@overload\n    def nonzero(self, *, as_tuple: Literal[False] = ...) -> Tensor: ...\n    @overload\n"
                "    def nonzero(self, *, as_tuple: Literal[True]) -> tuple[Tensor, ...]: ..."),
})
# The same ops as functions of the module: the Tensor forms with `input` first.
MODULE_OVERRIDES = {
    n: TENSOR_OVERRIDES[n].replace("(self)", "(input: Tensor)").replace("(self, ", "(input: Tensor, ")
    .replace("\n    ", "\n") for n in ("max", "min", "sort", "topk", "kthvalue", "nonzero")
}
MODULE_OVERRIDES.update({
    "atleast_1d": "def atleast_1d(*tensors: Any) -> Any: ...",
    "einsum": "def einsum(equation: str, *operands: Any) -> Tensor: ...",
    "broadcast_shapes": "def broadcast_shapes(*shapes: Any) -> Size: ...",
})
TENSOR_PROPERTIES = {
    "shape": "Size", "ndim": "int", "itemsize": "int", "nbytes": "int", "dtype": "dtype", "is_cuda": "bool",
    "is_cpu": "bool", "_version": "int", "_base": "Optional[Tensor]", "grad_fn": "Optional[Node]",
    "output_nr": "int", "retains_grad": "bool", "data": "Tensor", "T": "Tensor", "mT": "Tensor", "mH": "Tensor",
    "H": "Tensor", "device": "_device", "requires_grad": "bool", "is_leaf": "bool", "grad": "Optional[Tensor]",
    "is_sparse": "bool", "is_quantized": "bool", "is_meta": "bool", "is_tensor_like": "bool", "layout": "Any",
    "is_mps": "bool", "is_xpu": "bool", "is_mkldnn": "bool", "is_nested": "bool", "name": "Any", "names": "Any",
    "is_sparse_csr": "bool", "__array_priority__": "int",
}
SETTABLE = {"requires_grad", "grad", "data"}
# Tensor members whose result is not a Tensor (returned as named tuples or values); their types.
TENSOR_RETURNS = {
    "max": "Any", "min": "Any", "sort": "Any", "topk": "Any", "kthvalue": "Any", "histogram": "Any",
    "unique": "Any", "unique_consecutive": "Any", "aminmax": "Any", "std_mean": "tuple[Tensor, Tensor]",
    "var_mean": "tuple[Tensor, Tensor]", "share_memory_": "Tensor", "apply_": "Tensor", "map_": "Tensor",
}
OBJECT_DUNDERS = set(dir(object))


def python_method(name, fn):
    wrapped = getattr(fn, "__wrapped__", None)
    if wrapped is not None and pybind_signatures(wrapped, name):  # _numpy_names' renaming wrapper
        sigs = pybind_signatures(wrapped, name)
        if name in TENSOR_RETURNS:
            sigs = [(p, TENSOR_RETURNS[name]) for p, _ in sigs]
        return emit_sigs(name, [(p, map_type(r, True, name)) for p, r in sigs])
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return [f"    def {name}(self, *args: Any, **kwargs: Any) -> Any: ..."]
    ps, star_seen = [], False
    for i, p in enumerate(sig.parameters.values()):
        if i == 0:
            ps.append("self")
            continue
        if p.kind == p.VAR_POSITIONAL:
            ps.append(f"*{p.name}: Any")
            star_seen = True
        elif p.kind == p.VAR_KEYWORD:
            ps.append(f"**{p.name}: Any")
        else:
            if p.kind == p.KEYWORD_ONLY and not star_seen:
                ps.append("*")
                star_seen = True
            ps.append(f"{p.name}: Any" + (" = ..." if p.default is not p.empty else ""))
    ret = TENSOR_RETURNS.get(name, "Tensor")
    return [f"    def {name}({', '.join(ps)}) -> {ret}: ..."]


def tensor_class():
    T = fastgrad.Tensor
    lines = ["class Tensor:"]
    names = sorted(n for n in dir(T) if not (n in OBJECT_DUNDERS and n not in TENSOR_OVERRIDES
                                            and n not in ("__eq__", "__ne__", "__hash__", "__init__")))
    for n in names:
        v = inspect.getattr_static(T, n)
        if n in TENSOR_PROPERTIES:
            lines += ["    @property", f"    def {n}(self) -> {TENSOR_PROPERTIES[n]}: ..."]
            if n in SETTABLE:
                lines += [f"    @{n}.setter", f"    def {n}(self, value: {TENSOR_PROPERTIES[n]}) -> None: ..."]
            continue
        if n in TENSOR_OVERRIDES:
            lines += ["    " + TENSOR_OVERRIDES[n]]
            continue
        if n in ("__doc__", "__module__", "__dict__", "__weakref__", "_pybind11_conduit_v1_"):
            continue
        kind = type(v).__name__
        if kind == "instancemethod":
            fn = getattr(T, n)
            sigs = pybind_signatures(fn, n)
            if n in TENSOR_RETURNS and sigs:
                sigs = [(p, TENSOR_RETURNS[n]) for p, _ in sigs]
                lines += emit_sigs(n, sigs)
            else:
                lines += emit_function(n, fn, True, "    ")
        elif kind == "function":
            lines += python_method(n, v)
        elif kind == "wrapper_descriptor":  # a number-protocol slot: an operator on Tensors
            if n in ("__neg__", "__pos__", "__abs__", "__invert__"):
                lines.append(f"    def {n}(self) -> Tensor: ...")
            else:
                lines.append(f"    def {n}(self, other: Any) -> Tensor: ...")
        elif kind in ("bool", "int", "str", "NoneType"):
            lines.append(f"    {n}: {kind if kind != 'NoneType' else 'None'}")
        elif kind in ("staticmethod", "classmethod"):
            lines.append(f"    @{kind}")
            lines.append(f"    def {n}(*args: Any, **kwargs: Any) -> Any: ...")
        else:
            lines.append(f"    def {n}(self, *args: Any, **kwargs: Any) -> Any: ...  # {kind}")
    return lines


def emit_sigs(name, sigs):
    lines = []
    for params, ret in sigs:
        if len(sigs) > 1:
            lines.append("    @overload")
        ps = convert_params(split_params(params), True)
        lines.append(f"    def {name}({', '.join(ps)}) -> {ret}: ...")
    return lines


OTHER_OVERRIDES = {
    ("dtype", "is_complex"): "bool", ("dtype", "is_floating_point"): "bool", ("dtype", "is_signed"): "bool",
    ("dtype", "itemsize"): "int", ("Generator", "device"): "_device", ("Generator", "manual_seed"): "Generator",
    ("Generator", "set_state"): "Generator", ("Node", "next_functions"): "tuple[tuple[Optional[Node], int], ...]",
    ("Node", "register_hook"): "RemovableHandle", ("Node", "register_prehook"): "RemovableHandle",
    ("Node", "variable"): "Tensor", ("RemovableHandle", "__enter__"): "RemovableHandle",
}


def other_class(name, cls):
    lines = [f"class {name}:"]
    for n in sorted(dir(cls)):
        if n == "_pybind11_conduit_v1_":
            continue
        if n in OBJECT_DUNDERS and n != "__init__":
            continue
        if n in ("__dict__", "__module__", "__weakref__", "__doc__"):
            continue
        v = inspect.getattr_static(cls, n)
        if isinstance(v, property):
            doc = v.fget.__doc__ if v.fget else ""
            m = SIG.match((doc or "").split("\n")[0])
            ret = OTHER_OVERRIDES.get((name, n)) or (map_type(m.group(3), True) if m else "Any")
            lines += ["    @property", f"    def {n}(self) -> {ret}: ..."]
        elif n == "__init__":
            sigs = pybind_signatures(getattr(cls, n), n)
            lines += emit_sigs(n, [(p, "None") for p, _ in sigs]) if sigs else [
                "    def __init__(self, *args: Any, **kwargs: Any) -> None: ..."]
        elif type(v).__name__ == "instancemethod" or callable(v):
            fn_lines = emit_function(n, getattr(cls, n), True, "    ")
            if (name, n) in OTHER_OVERRIDES:
                fn_lines = [re.sub(r"-> .*: \.\.\.$", f"-> {OTHER_OVERRIDES[name, n]}: ...", line)
                            for line in fn_lines]
            lines += fn_lines
        else:
            lines.append(f"    {n}: Any")
    if len(lines) == 1:
        lines.append("    ...")
    return lines


HEADER = '''"""Types of fastgrad._C, the pybind11 extension (drafted by tools/gen_stubs.py, then kept by hand).

tests/python/test_typing.py checks that every name here exists in fastgrad._C / fastgrad.Tensor and the other way
round, and runs mypy over tests/typing/check_api.py and examples/ against this stub.
"""
from builtins import bool as _bool, float as _float, int as _int
from typing import Any, Callable, Iterator, Literal, Optional, Sequence, Union, overload

from fastgrad._device import device as _device
from fastgrad._size import Size

_Number = Union[int, float, bool]


class _ValuesIndices(tuple[Tensor, Tensor]):
    """(values, indices), as fastgrad.return_types.max and the other named result tuples."""

    @property
    def values(self) -> Tensor: ...
    @property
    def indices(self) -> Tensor: ...

'''


# The stub's namespaces hold names that are also builtin types: the dtype `bool` in the module, the methods
# `bool`, `int`, `float` in Tensor. mypy resolves an annotation in the scope it is written in, so `-> bool` inside
# Tensor would mean the method; annotations say _bool/_int/_float (imported from builtins) instead.
# A name followed by `:` is a parameter or attribute being defined, unless it follows `->` (a return type).
_BUILTIN_IN_ANNOTATION = re.compile(r"(?<![\w.'\"])(bool|int|float)\b(?!\s*\()(?!\s*:)|(?<=-> )(bool|int|float)\b")


def builtin_aliases(line):
    """`line` with its annotations' bool/int/float spelled _bool/_int/_float.

    Names being defined (functions, attributes, parameters) are kept."""
    if line.startswith(("from ", "import ")):
        return line
    head = re.match(r"(\s*(?:def\s+\w+|\w+(?=:)))", line)  # `def name` or a `name:` attribute: the name stays
    keep = head.group(1) if head else ""
    return keep + _BUILTIN_IN_ANNOTATION.sub(lambda m: "_" + m.group(0), line[len(keep):])


def main(out):
    body = [HEADER]
    classes = {n: getattr(_C, n) for n in dir(_C) if isinstance(getattr(_C, n), type)}
    for n in ("dtype", "Generator", "Node", "RemovableHandle"):
        if n in classes:
            body += other_class(n, classes.pop(n)) + [""]
    body += tensor_class() + [""]
    for n, c in classes.items():
        if n != "Tensor":
            body += other_class(n, c) + [""]
    for n in sorted(dir(_C)):
        if n.startswith("__") or n in classes or n == "Tensor" or n in ("dtype", "Generator", "Node",
                                                                          "RemovableHandle"):
            continue
        v = getattr(_C, n)
        if isinstance(v, _C.dtype):
            body.append(f"{n}: dtype")
        elif isinstance(v, _C.Generator):
            body.append(f"{n}: Generator")
        elif n in MODULE_OVERRIDES:
            body.append(MODULE_OVERRIDES[n])
        elif callable(v):
            body += emit_function(n, v, False)
        else:
            body.append(f"{n}: {type(v).__name__}")
    lines = "\n".join(body).split("\n")
    first = next(i for i, ln in enumerate(lines) if ln.startswith("from "))  # after the docstring (prose)
    lines[first:] = [builtin_aliases(ln) for ln in lines[first:]]
    with open(out, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "python/fastgrad/_C.pyi")
