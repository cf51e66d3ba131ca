"""fastgrad's types: the package is marked typed (py.typed), python/fastgrad/_C.pyi names exactly what
fastgrad._C and fastgrad.Tensor hold, and mypy accepts tests/typing/check_api.py (strict, no Any expressions)
and the examples. The mypy tests skip when mypy is not installed (.ci/run installs it)."""
import ast
import importlib.util
import inspect
import pathlib
import subprocess
import sys

import pytest

import fastgrad
from fastgrad import _C

ROOT = pathlib.Path(__file__).resolve().parents[2]
PKG = pathlib.Path(fastgrad.__file__).resolve().parent
STUB = PKG / "_C.pyi"
CONFIG = ROOT / "tests" / "typing" / "mypy.ini"
CHECK_API = ROOT / "tests" / "typing" / "check_api.py"

# Names pybind11 puts on every module and class, not part of the API.
PYBIND_INTERNAL = {"_pybind11_conduit_v1_"}
# Members of Tensor the stub leaves out: object's own (their types are object's) and class internals.
TENSOR_SKIP = (set(dir(object)) - {"__eq__", "__ne__", "__hash__", "__init__", "__lt__", "__le__", "__gt__",
                                   "__ge__", "__repr__", "__str__", "__format__", "__getstate__",
                                   "__reduce_ex__"}) | {"__dict__", "__module__", "__weakref__", "__doc__"}


def _stub_tree():
    return ast.parse(STUB.read_text())


def _names(body):
    out = set()
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            out.add(node.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            out.add(node.target.id)
    return out


def test_py_typed_marker():
    assert (PKG / "py.typed").is_file()
    assert STUB.is_file()


def test_stub_module_names_match_C():
    tree = _stub_tree()
    stub = _names(tree.body) - {"_ValuesIndices", "_Number"}
    real = {n for n in dir(_C) if not n.startswith("__")} - PYBIND_INTERNAL
    assert sorted(real - stub) == [], "in fastgrad._C but not in _C.pyi (rerun tools/gen_stubs.py)"
    assert sorted(stub - real) == [], "in _C.pyi but not in fastgrad._C"


def test_stub_tensor_members_match_Tensor():
    cls = next(n for n in _stub_tree().body if isinstance(n, ast.ClassDef) and n.name == "Tensor")
    stub = _names(cls.body)
    real = set(dir(fastgrad.Tensor)) - TENSOR_SKIP - PYBIND_INTERNAL
    assert sorted(real - stub) == [], "Tensor members missing from _C.pyi (rerun tools/gen_stubs.py)"
    assert sorted(stub - real - {"__lt__", "__le__", "__gt__", "__ge__", "__eq__", "__ne__", "__hash__",
                                 "__init__", "__repr__", "__str__", "__format__"}) == []


def test_stub_classes_members_match():
    for cls in _stub_tree().body:
        if isinstance(cls, ast.ClassDef) and cls.name in ("dtype", "Generator", "Node", "RemovableHandle"):
            real = {n for n in dir(getattr(_C, cls.name)) if n not in dir(object) or n == "__init__"}
            real -= PYBIND_INTERNAL | {"__dict__", "__module__", "__weakref__", "__doc__"}
            assert _names(cls.body) == real, cls.name


def test_nn_all_is_every_layer_class():
    # nn.modules.__all__ is a literal list (type checkers read it); it must name every class imported there
    import fastgrad.nn.modules as modules

    classes = sorted(n for n, v in vars(modules).items() if isinstance(v, type))
    assert modules.__all__ == classes
    for name in classes:
        assert getattr(fastgrad.nn, name) is getattr(modules, name)


def test_stub_signatures_of_functions_agree_with_runtime_names():
    # Each module function's stub parameters are the binding's own argument names (as inspect.signature shows
    # them), in order.
    checked = 0
    defs = [n for n in _stub_tree().body if isinstance(n, ast.FunctionDef)]
    overloaded = {n.name for n in defs if n.decorator_list}
    for node in defs:
        if node.name.startswith("_") or node.name in overloaded:
            continue
        try:
            real = inspect.signature(getattr(_C, node.name)).parameters
        except ValueError:
            continue
        if any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in real.values()):
            continue
        a = node.args
        stub = [x.arg for x in a.posonlyargs + a.args + a.kwonlyargs]
        assert stub == [n + "_" if n in ("from",) else n for n in real], (node.name, stub, list(real))
        checked += 1
    assert checked > 150


def test_check_api_runs():
    # check_api.py's annotations are also true at run time
    spec = importlib.util.spec_from_file_location("check_api", CHECK_API)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    out = mod.tensor_ops()
    assert all(isinstance(t, fastgrad.Tensor) for t in out)
    assert isinstance(mod.training_step(), float)


def _mypy(*files):
    pytest.importorskip("mypy")
    if not (ROOT / "python" / "fastgrad").is_dir():
        pytest.skip("needs the source tree (the config points mypy at python/)")
    r = subprocess.run([sys.executable, "-m", "mypy", "--config-file", str(CONFIG), "--no-incremental",
                        *map(str, files)], capture_output=True, text=True, cwd=ROOT, timeout=600)
    return r.returncode, r.stdout + r.stderr


def test_mypy_check_api_and_examples():
    rc, out = _mypy(CHECK_API, *sorted((ROOT / "examples").glob("*.py")))
    assert rc == 0, out


def test_mypy_check_fails_on_an_any(tmp_path):
    # The check can fail: an expression of type Any (tolist's result) in the strict file is reported.
    bad = tmp_path / "check_api.py"
    bad.write_text("import fastgrad\n\n\ndef f() -> None:\n    x = fastgrad.ones(2)\n    y = x.tolist()\n"
                   "    print(y)\n")
    rc, out = _mypy(bad)
    assert rc == 1 and 'Expression has type "Any"' in out, out


def test_every_public_tensor_method_returns_a_known_type():
    # In the stub, a Tensor method returns Any only where PyTorch's does (values of unknown type).
    allowed = {"tolist", "numpy", "__array__", "__dlpack__", "__reduce_ex__", "__getstate__", "unique",
               "unique_consecutive", "histogram", "apply_", "map_"}
    cls = next(n for n in _stub_tree().body if isinstance(n, ast.ClassDef) and n.name == "Tensor")
    any_returns = sorted({f.name for f in cls.body if isinstance(f, ast.FunctionDef) and not f.name.startswith("_")
                          and isinstance(f.returns, ast.Name) and f.returns.id == "Any"} - allowed)
    assert any_returns == []
    assert inspect.isclass(fastgrad.Tensor)
