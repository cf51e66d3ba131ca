"""Standing in for torch: `fastgrad.install_as_torch()` and `python -m fastgrad run script.py`.

`install_as_torch()` puts an import hook at the front of `sys.meta_path` that answers every import of
`torch` or `torch.a.b` with the module `fastgrad` or `fastgrad.a.b` itself (the same module object, so
`torch.nn.functional is fastgrad.nn.functional`). A `torch.*` submodule fastgrad does not have raises
ModuleNotFoundError naming the torch module, as a missing module does, so a script's
`try: import torch.x / except ImportError:` fallback keeps working.

`run_script(path, args)` installs the hook and runs a script as `python script.py args...` would
(`runpy.run_path` with `__name__ == "__main__"`, `sys.argv` and `sys.path[0]` set). When the script stops on
an API fastgrad lacks (an AttributeError on a fastgrad module or class, an ImportError of a torch name), it
prints which torch API that is and returns exit status 1 instead of a bare traceback.
"""
import importlib
import importlib.abc
import importlib.util
import os
import re
import sys
import traceback
import types

_PREFIX = "torch"
_TARGET = "fastgrad"

# The exit status of `python -m fastgrad run` when the script reaches an API fastgrad lacks.
MISSING_API_EXIT = 1


class _AliasLoader(importlib.abc.Loader):
    """Loads a torch module name as an already imported fastgrad module (nothing is executed)."""

    def __init__(self, module):
        self._module = module

    def create_module(self, spec):
        return self._module

    def exec_module(self, module):
        pass


class _TorchAliasFinder(importlib.abc.MetaPathFinder):
    """Resolves `torch` and `torch.x.y` to `fastgrad` and `fastgrad.x.y`."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != _PREFIX and not fullname.startswith(_PREFIX + "."):
            return None
        target_name = _TARGET + fullname[len(_PREFIX):]
        module = _import_target(target_name)
        if module is None:
            raise ModuleNotFoundError(
                f"No module named '{fullname}' (fastgrad, standing in for torch, does not provide it)",
                name=fullname,
            )
        spec = importlib.util.spec_from_loader(fullname, _AliasLoader(module))
        return spec


def _import_target(target_name):
    """The fastgrad module for target_name, or None when fastgrad has no such module."""
    if target_name in sys.modules:
        return sys.modules[target_name]
    parent_name, _, child = target_name.rpartition(".")
    if parent_name:
        parent = _import_target(parent_name)
        if parent is None:
            return None
        # A module object fastgrad holds as an attribute (not importable under its own name).
        attr = getattr(parent, child, None)
        if isinstance(attr, types.ModuleType):
            return attr
        if not hasattr(parent, "__path__"):
            return None
    try:
        return importlib.import_module(target_name)
    except ModuleNotFoundError as exc:
        # Only "this fastgrad module does not exist" means absent; a missing dependency inside it propagates.
        if exc.name == target_name:
            return None
        raise


_finder = _TorchAliasFinder()


def install_as_torch():
    r"""Make every ``import torch`` in this process import fastgrad.

    After this call, ``import torch``, ``import torch.nn.functional as F`` and
    ``from torch.utils.data import DataLoader`` give fastgrad's modules (the same objects:
    ``sys.modules["torch.nn"] is fastgrad.nn``), so a PyTorch program and the libraries it imports run on
    fastgrad unmodified. A ``torch.*`` submodule fastgrad lacks raises ModuleNotFoundError naming it.
    Calling it again does nothing. It must run before anything imports the real torch: if torch is
    already imported, it raises RuntimeError.

    Returns the ``fastgrad`` module (what ``import torch`` now gives).

    Example::

        >>> import fastgrad
        >>> torch = fastgrad.install_as_torch()
        >>> import torch.nn.functional as F
        >>> F is fastgrad.nn.functional
        True
    """
    fastgrad = importlib.import_module(_TARGET)
    existing = sys.modules.get(_PREFIX)
    if existing is not None and existing is not fastgrad:
        raise RuntimeError(
            "install_as_torch(): torch is already imported in this process; call "
            "fastgrad.install_as_torch() before anything imports torch"
        )
    if _finder not in sys.meta_path:
        sys.meta_path.insert(0, _finder)
    sys.modules[_PREFIX] = fastgrad
    return fastgrad


def _torch_name(module_name):
    """`fastgrad.nn.functional` -> `torch.nn.functional`; `fastgrad._C` -> `torch`."""
    if module_name == _TARGET + "._C":
        return _PREFIX
    if module_name == _TARGET or module_name.startswith(_TARGET + "."):
        return _PREFIX + module_name[len(_TARGET):]
    return None


def _is_fastgrad_module_name(name):
    return isinstance(name, str) and (name == _TARGET or name.startswith(_TARGET + "."))


def _public_class_path(cls):
    """`torch.nn.Linear`-style name of a fastgrad class, or None for a class defined elsewhere."""
    module = getattr(cls, "__module__", None)
    if not _is_fastgrad_module_name(module):
        return None
    torch_module = _torch_name(module)
    # Prefer the shortest public path torch users write (torch.nn.Linear rather than torch.nn.modules.linear.Linear).
    parts = module.split(".")
    for depth in range(1, len(parts) + 1):
        owner = sys.modules.get(".".join(parts[:depth]))
        if owner is not None and getattr(owner, cls.__name__, None) is cls:
            torch_module = _torch_name(".".join(parts[:depth]))
            break
    return f"{torch_module}.{cls.__name__}"


def missing_api(exc):
    """The torch name of the API a script reached that fastgrad lacks, or None if exc is not such an error."""
    if isinstance(exc, ModuleNotFoundError):
        name = exc.name or ""
        if name == _PREFIX or name.startswith(_PREFIX + "."):
            return name
        return None
    if isinstance(exc, ImportError):
        # `from torch.x import y` where fastgrad.x has no y.
        match = re.match(r"cannot import name '([^']+)' from '([^']+)'", str(exc))
        if match and _is_fastgrad_module_name(match.group(2)):
            return f"{_torch_name(match.group(2))}.{match.group(1)}"
        return None
    if isinstance(exc, AttributeError):
        name = getattr(exc, "name", None)
        obj = getattr(exc, "obj", None)
        if name is None or obj is None:
            # Raised without the attribute's owner attached: read a module's message.
            match = re.match(r"module '([^']+)' has no attribute '([^']+)'", str(exc))
            if match and _is_fastgrad_module_name(match.group(1)):
                return f"{_torch_name(match.group(1))}.{match.group(2)}"
            return None
        if isinstance(obj, types.ModuleType):
            torch_module = _torch_name(getattr(obj, "__name__", ""))
            return f"{torch_module}.{name}" if torch_module else None
        cls = obj if isinstance(obj, type) else type(obj)
        # Only fastgrad's own classes: a user's subclass may be missing its own attribute.
        path = _public_class_path(cls)
        return f"{path}.{name}" if path else None
    return None


def _script_location(exc, script):
    """`script.py, line N`: the innermost frame of the traceback that is in the script itself."""
    script = os.path.realpath(script)
    found = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if os.path.realpath(frame.filename) == script:
            found = frame
    if found is None:
        return ""
    return f" ({os.path.basename(script)}, line {found.lineno})"


def _print_script_traceback(exc):
    """Print exc's traceback without the runner's own frames (this module's and runpy's), as `python script.py` would."""
    tb = exc.__traceback__
    here = os.path.realpath(__file__)
    while tb is not None and tb.tb_next is not None:
        filename = tb.tb_frame.f_code.co_filename
        if os.path.realpath(filename) != here and "runpy" not in os.path.basename(filename):
            break
        tb = tb.tb_next
    traceback.print_exception(type(exc), exc, tb)


def _install_in_child():
    install_as_torch()


class _InstallInChild:
    """Unpickled in a spawned child before it imports the script again: installs the torch alias there first."""

    def __reduce__(self):
        return (_install_in_child, ())


def _alias_spawned_children():
    # Note [Spawned children]: a `spawn` child (a DataLoader with multiprocessing_context="spawn",
    # torch.multiprocessing.spawn) starts a fresh interpreter, unpickles the preparation data its parent sends,
    # then imports the script as __mp_main__. An extra entry in that data, which prepare() ignores, installs the
    # alias while being unpickled, so the script's `import torch` in the child gives fastgrad too.
    import multiprocessing.spawn as spawn

    original = spawn.get_preparation_data
    if getattr(original, "_fastgrad_alias", False):
        return

    def get_preparation_data(name):
        data = original(name)
        data["fastgrad_as_torch"] = _InstallInChild()
        return data

    get_preparation_data._fastgrad_alias = True
    spawn.get_preparation_data = get_preparation_data


def run_script(path, args=()):
    """Run the PyTorch script at path on fastgrad, as `python path args...` would; return the exit status.

    Used by ``python -m fastgrad run``: installs fastgrad as torch (``install_as_torch``), sets
    ``sys.argv`` to ``[path, *args]``, puts the script's folder first on ``sys.path`` and runs it with
    ``__name__ == "__main__"``. An exception the script does not catch propagates with its traceback,
    except one that means the script reached an API fastgrad lacks: then a message naming that torch API
    goes to stderr and the exit status is 1. ``SystemExit`` from the script propagates unchanged.
    """
    import runpy

    if not os.path.exists(path):
        print(f"fastgrad run: can't open file '{path}': No such file or directory", file=sys.stderr)
        return 2
    install_as_torch()
    _alias_spawned_children()
    sys.argv = [path, *args]
    # As `python script.py` does: the script's folder replaces the first entry (the current folder under -m).
    script_dir = os.path.dirname(os.path.abspath(path))
    if sys.path:
        sys.path[0] = script_dir
    else:
        sys.path.append(script_dir)
    try:
        runpy.run_path(path, run_name="__main__")
    except (AttributeError, ImportError) as exc:
        api = missing_api(exc)
        if api is None:
            raise
        _print_script_traceback(exc)
        print(
            f"\nfastgrad run: the script uses {api}{_script_location(exc, path)}, which fastgrad does not "
            f"provide (yet).",
            file=sys.stderr,
        )
        return MISSING_API_EXIT
    return 0
