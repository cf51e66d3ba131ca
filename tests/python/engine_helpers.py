"""Helpers of the engine tests (test_engine_*.py): the same code run against PyTorch and fastgrad, structural
comparison of their results, NumPy-backed tensors for the memory tests, and PyTorch's messages."""

import subprocess
import sys
import textwrap
import weakref

import fastgrad
import numpy as np
import pytest


def run_both(fn):
    """fn(torch), fn(fastgrad): the same code against the oracle and against fastgrad (skips without torch)."""
    torch = pytest.importorskip("torch")
    return fn(torch), fn(fastgrad)


def _is_tensor(x):
    return hasattr(x, "detach") and hasattr(x, "dtype") and hasattr(x, "shape")


def _dtype_name(t):
    return str(t.dtype).rsplit(".", 1)[-1]


def to_numpy(t):
    return t.detach().numpy()


def assert_same(ref, got, where="result", rtol=1e-5, atol=1e-6):
    """Structural equality of torch results and fastgrad results: tensors by shape, dtype and values."""
    if ref is None:
        assert got is None, f"{where}: expected None, got {got!r}"
    elif _is_tensor(ref):
        assert _is_tensor(got), f"{where}: expected a tensor, got {got!r}"
        assert tuple(got.shape) == tuple(ref.shape), f"{where}: shape {tuple(got.shape)} != {tuple(ref.shape)}"
        assert _dtype_name(got) == _dtype_name(ref), f"{where}: dtype {got.dtype} != {ref.dtype}"
        np.testing.assert_allclose(to_numpy(got), to_numpy(ref), rtol=rtol, atol=atol, err_msg=where)
    elif isinstance(ref, (tuple, list)):
        assert isinstance(got, (tuple, list)) and len(got) == len(ref), f"{where}: {got!r} vs {ref!r}"
        for i, (r, g) in enumerate(zip(ref, got)):
            assert_same(r, g, f"{where}[{i}]", rtol, atol)
    elif isinstance(ref, dict):
        assert set(got) == set(ref), f"{where}: keys {sorted(got)} != {sorted(ref)}"
        for k in ref:
            assert_same(ref[k], got[k], f"{where}[{k!r}]", rtol, atol)
    elif isinstance(ref, float):
        assert got == pytest.approx(ref, rel=rtol, abs=atol), f"{where}: {got} != {ref}"
    else:
        assert got == ref, f"{where}: {got!r} != {ref!r}"


def compare_with_torch(fn, **tol):
    ref, got = run_both(fn)
    assert_same(ref, got, **tol)


def graph_structure(fn):
    """A Node as nested tuples: (class name, ((child, input_nr), ...)); None where the edge has no Node."""
    if fn is None:
        return None
    return (type(fn).__name__, tuple((graph_structure(f), nr) for f, nr in fn.next_functions))


def numpy_backed(values, requires_grad=False):
    """A float32 tensor over a NumPy buffer, and a weakref that dies when fastgrad releases that buffer."""
    arr = np.array(values, dtype=np.float32)
    t = fastgrad.from_numpy(arr)
    if requires_grad:
        t.requires_grad_()
    return t, weakref.ref(arr)


def run_isolated(code, timeout=120):
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          timeout=timeout)
    assert proc.returncode == 0, f"exit code {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr[-3000:]}"
    return proc.stdout


SECOND_BACKWARD = "Trying to backward through the graph a second time"
INPLACE_MODIFIED = "modified by an inplace operation"
LEAF_INPLACE = "a leaf Variable that requires grad is being used in an in-place operation."
NON_LEAF_GRAD_WARNING = "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed"
