"""Every public function, method, class and module of fastgrad has a docstring, and the functions and methods
bound in C++ show their argument names and defaults to inspect.signature and help() (Note [Docstrings of bound
functions]).

The walk covers fastgrad, fastgrad.Tensor, nn, nn.functional, nn.init, nn.utils, optim, optim.lr_scheduler,
autograd, utils.data, distributions (with constraints, transforms, kl), func (and linalg, fft, special when they exist): each public name defined by fastgrad (names
re-exported from the standard library are not fastgrad's), each public method of each class defined there
(a method without its own docstring counts as documented when inspect.getdoc finds its base class's), and the
modules themselves. A pybind11 function's signature lines ("add(self: Tensor, ...) -> Tensor") are not a
docstring: they are left out before the count.
"""
import importlib
import inspect
import re
import types

import pytest

import fastgrad

MODULES = [
    "fastgrad", "fastgrad.nn", "fastgrad.nn.functional", "fastgrad.nn.init", "fastgrad.nn.utils",
    "fastgrad.optim", "fastgrad.optim.lr_scheduler", "fastgrad.autograd", "fastgrad.utils.data",
    "fastgrad.linalg", "fastgrad.fft", "fastgrad.special", "fastgrad.distributed", "fastgrad.nn.parallel",
    "fastgrad.utils.data.distributed", "fastgrad.distributions", "fastgrad.distributions.constraints",
    "fastgrad.distributions.transforms", "fastgrad.distributions.kl", "fastgrad.distributions.utils",
    "fastgrad.distributions.constraint_registry",
    "fastgrad.func", "fastgrad.autograd.forward_ad",
]
# A pybind11 signature line, alone or numbered in an overload list, and its "Overloaded function." header.
SIGNATURE_LINE = re.compile(r"^(?:\d+\. )?[\w.]+\(.*\)(?: -> .*)?$|^Overloaded function\.$")


BUILTIN_KINDS = ("builtin_function_or_method", "instancemethod", "method_descriptor")


def doc_text(obj):
    """The docstring, for a function bound in C++ without pybind11's generated signature lines at its start
    (empty when that is all there is)."""
    doc = inspect.getdoc(obj) if not isinstance(obj, type) else obj.__dict__.get("__doc__")
    lines = (doc or "").split("\n")
    if type(obj).__name__ in BUILTIN_KINDS:
        while lines and (SIGNATURE_LINE.match(lines[0].strip()) or not lines[0].strip()):
            lines.pop(0)
    return "\n".join(lines).strip()


def _is_fastgrad(obj):
    if isinstance(obj, types.ModuleType):
        return obj.__name__.startswith("fastgrad")
    mod = getattr(obj, "__module__", None) or ""
    return mod.startswith("fastgrad")


def public_api():
    """(qualified name, object) for every public callable, class and module the walk covers, each once."""
    seen, out = set(), []

    def add(name, obj):
        if id(obj) in seen:
            return False
        seen.add(id(obj))
        out.append((name, obj))
        return True

    for modname in MODULES:
        try:
            mod = importlib.import_module(modname)
        except ImportError:
            continue
        add(modname, mod)
        for name in sorted(dir(mod)):
            if name.startswith("_"):
                continue
            obj = getattr(mod, name)
            if isinstance(obj, types.ModuleType) or not (callable(obj) or isinstance(obj, type)):
                continue
            if not _is_fastgrad(obj) or isinstance(obj, (fastgrad.dtype, fastgrad.Tensor)):
                continue
            if not add(f"{modname}.{name}", obj) or not isinstance(obj, type):
                continue
            for attr, value in sorted(vars(obj).items()):
                if attr.startswith("_") or isinstance(value, (property, type)):
                    continue
                if isinstance(value, (staticmethod, classmethod)):
                    value = value.__func__
                if callable(value):
                    out.append((f"{modname}.{name}.{attr}", getattr(obj, attr)))
    return out


def undocumented():
    return sorted(name for name, obj in public_api() if not doc_text(obj))


def test_walk_covers_the_api():
    names = {name for name, _ in public_api()}
    # spot checks from every area: the walk reaches C++ bindings, Tensor methods, Python functions, classes
    for expected in ("fastgrad.add", "fastgrad.Tensor.add", "fastgrad.Tensor.sum", "fastgrad.nn.Linear",
                     "fastgrad.nn.functional.relu", "fastgrad.optim.SGD.step", "fastgrad.nn.init.xavier_uniform_",
                     "fastgrad.utils.data.DataLoader", "fastgrad.optim.lr_scheduler.StepLR", "fastgrad.autograd.grad"):
        assert expected in names, expected
    assert len(names) > 900


def test_signature_lines_are_not_docstrings():
    raw = fastgrad._C.Tensor.__dict__["__init__"]  # pybind11's own docstring: its signature line only
    assert type(raw).__name__ == "instancemethod" and raw.__doc__.startswith("__init__(")
    assert doc_text(raw) == ""

    def f():
        """hook(module, args) -> None: a Python function's docstring is kept as written."""

    assert doc_text(f) == f.__doc__


def test_every_public_name_has_a_docstring():
    missing = undocumented()
    print(f"{len(missing)} undocumented of {len(public_api())}:", *missing, sep="\n  ")
    assert missing == []
