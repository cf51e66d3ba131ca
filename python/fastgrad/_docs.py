"""Docstrings and signatures of the functions and Tensor methods bound in C++ (Note [Docstrings of bound functions]).

pybind11 gives a bound function a docstring made of its C++ signature ("add(input: object, other: object, *,
alpha: Number = 1) -> Tensor"), which inspect.signature cannot read. attach() rewrites each one at import into
CPython's own form for built-in functions, "name(input, other, *, alpha=1)\\n--\\n\\n<docstring>": __doc__ is
then the docstring alone and __text_signature__ the argument names and defaults, which inspect.signature,
help() and editors read. The names and defaults come from the binding's py::arg list; functions that parse
*args/**kwargs themselves get theirs from SIGNATURES. The texts live in _docs_text.py.

FASTGRAD_RAW_DOCS=1 in the environment leaves pybind11's docstrings as they are (tools/gen_stubs.py reads the
C++ types from them).
"""
import ast
import keyword
import os
import re

from . import _C
from ._docs_text import ALIASES, CLASS_DOCS, CLASS_METHOD_DOCS, DOCS, SIGNATURES, TENSOR_DOCS, TENSOR_SIGNATURES

_SIG = re.compile(r"^(\w+)\((.*)\) -> .*$")
_SIMPLE_LITERAL = re.compile(r"^(?:None|True|False|-?\d+(?:\.\d*)?(?:e-?\d+)?|'[\w ]*')$")


def _split(params):
    if "(" not in params and "[" not in params and "{" not in params:
        return [p.strip() for p in params.split(",") if p.strip()]
    out, depth, cur = [], 0, ""
    for ch in params:
        depth += ch in "([{"
        depth -= ch in ")]}"
        if ch == "," and depth == 0:
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        out.append(cur.strip())
    return out


def _text_signature(first_line, name, method):
    """'(input, other, *, alpha=1)' from pybind11's 'name(input: object, other: object, *, alpha: Number = 1)
    -> Tensor', or None when it cannot be written as Python (a default that is not a literal)."""
    m = _SIG.match(first_line)
    if not m or m.group(1) != name or "*args" in m.group(2):
        return None
    out = []
    for i, p in enumerate(_split(m.group(2))):
        if p in ("*", "/"):
            out.append(p)
            continue
        head, eq, default = p.partition("=")
        pname = head.split(":")[0].strip()
        if method and i == 0:
            out.append("$self")
            continue
        if eq:
            default = default.strip()
            if default == "Ellipsis":
                default = "..."
            elif not _SIMPLE_LITERAL.match(default):
                try:
                    ast.literal_eval(default)
                except (ValueError, SyntaxError):
                    return None
            out.append(f"{pname}={default}")
        else:
            out.append(pname)
    if method and not out:
        return None
    if method and len(out) == 1:
        out.append("/")  # self alone: inspect shows "()" for a bound call either way
    return "(" + ", ".join(out) + ")"


def _is_python(sig):
    """False when an argument is named like a Python keyword (uniform_'s `from`): no def could show it."""
    return not any(keyword.iskeyword(n) for n in re.findall(r"[(,]\s*\**(\w+)", sig))


def _hand_written_signature(doc, name, method):
    """The signature of a binding's own signature line "name(input, dim=-1, *, stable=False) -> Tensor" (one
    line of that form: several are overloads, which a text signature cannot show)."""
    if f"\n{name}(" not in doc:
        return None
    lines = [m.group(1) for m in (re.match(rf"^{name}(\(.*\))(?: -> .*)?$", line) for line in doc.split("\n")[1:])
             if m]
    if len(lines) != 1:
        return None
    params = lines[0]
    try:
        args = ast.parse(f"def f{params}: pass").body[0].args
    except SyntaxError:
        return None
    if any(a.annotation for a in args.posonlyargs + args.args + args.kwonlyargs):
        return None
    if method:
        first = (args.posonlyargs + args.args)[:1]
        if first and first[0].arg in ("input", "self"):
            params = "($self" + params[1 + len(first[0].arg):]
        else:
            params = "($self, " + params[1:] if params != "()" else "($self)"
    return params


def _doc_for(name, tensor_method):
    if tensor_method and name in TENSOR_DOCS:
        return TENSOR_DOCS[name]
    if name in DOCS:
        return DOCS[name]
    if name in ALIASES and ALIASES[name] in DOCS:
        return f"Alias of {ALIASES[name]}. " + DOCS[ALIASES[name]]
    if name.endswith("_") and not name.startswith("_"):
        base = _doc_for(name[:-1], tensor_method)
        if base:
            return f"In place: writes the result of {name[:-1]} into self and returns self. " + base
    return None


def _hand_written(doc, name):
    """The docstring pybind11 holds after its own signature lines (the doc argument of the binding, which may
    start with signature lines of its own: those stay)."""
    lines = doc.split("\n")
    if lines and _SIG.match(lines[0]):
        lines = lines[1:]
    elif len(lines) > 1 and lines[1] == "Overloaded function.":
        lines = [line for line in lines[2:] if not re.match(rf"^\d+\. {name}\(", line)]
    return "\n".join(lines).strip()


def _rewrite(fn, name, tensor_method):
    raw = getattr(fn, "__doc__", None) or ""
    if "\n--\n\n" in raw:  # already rewritten
        return
    sig = (TENSOR_SIGNATURES.get(name) if tensor_method else None) or SIGNATURES.get(name)
    if sig and tensor_method and not sig.startswith("($self"):
        sig = "($self" + (", " + sig[1:] if sig != "()" else ")")
    elif sig and not tensor_method and sig.startswith("($self"):
        sig = None
    if sig is None:
        sig = _text_signature(raw.split("\n")[0], name, tensor_method)
    if sig is None:
        sig = _hand_written_signature(raw, name, tensor_method)
    if sig and not _is_python(sig):
        sig = None  # e.g. uniform_(from=0, to=1): `from` is a keyword, so no Python signature can show it
    if sig and type(fn).__name__ == "instancemethod":
        # pybind11's function has a __self__ (its record), so inspect would drop a "$self" as already bound:
        # a plain "self" is what an unbound method shows, and a bound one drops it.
        sig = sig.replace("($self", "(self", 1)
    text = _hand_written(raw, name) or _doc_for(name, tensor_method)  # the binding's own doc argument first
    if sig is None:
        if text and text != raw:
            _C._set_doc(fn, text)
        return
    _C._set_doc(fn, f"{name}{sig}\n--\n\n{text or ''}")  # no text: an empty docstring, which the tests count


def attach():
    """Rewrites the docstrings of fastgrad._C's public functions and of fastgrad.Tensor's bound methods."""
    if os.environ.get("FASTGRAD_RAW_DOCS"):
        return
    for name, fn in vars(_C).items():
        if not name.startswith("_") and type(fn).__name__ == "builtin_function_or_method":
            _rewrite(fn, name, False)
    for name, text in CLASS_DOCS.items():
        getattr(_C, name).__doc__ = text
    for (cls, name), text in CLASS_METHOD_DOCS.items():
        fn = vars(getattr(_C, cls))[name]
        sig = _text_signature((fn.__doc__ or "").split("\n")[0], name, True)
        sig = sig.replace("($self", "(self", 1) if sig else sig  # an instancemethod (see _rewrite)
        _C._set_doc(fn, f"{name}{sig}\n--\n\n{text}" if sig else text)
    for name, fn in vars(_C.Tensor).items():
        kind = type(fn).__name__
        if kind == "instancemethod" or (kind == "method_descriptor" and not name.startswith("__")):
            if kind == "instancemethod" and name.startswith("__") and name not in TENSOR_DOCS:
                continue  # operators: Python's own descriptions ("Return self+value.") stand
            _rewrite(fn, name, True)
