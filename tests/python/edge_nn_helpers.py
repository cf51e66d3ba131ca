"""Helpers of the nn edge-case tests against PyTorch 2.13 (test_edge_cases_nn_*.py): the same values as
fastgrad and torch tensors, forward and float64 backward on both with NaN equal to NaN, the same outcome
(value or exception class) on both, and `R`, the random generator the tests share (the files draw from it in
the order of the single file they were split from when they run in file order)."""

import math
import warnings

import fastgrad
import fastgrad.nn.functional as F
import numpy as np
import pytest

torch = pytest.importorskip("torch")
TF = torch.nn.functional

inf, nan = math.inf, math.nan


def to_numpy(t):
    if isinstance(t, (fastgrad.Tensor, torch.Tensor)):
        return t.detach().numpy()
    return np.asarray(t)


def assert_same(f, t, rtol=1e-10, atol=1e-12, check_dtype=True):
    """Same shape, dtype and values (NaN equal to NaN, infinities of the same sign)."""
    a, b = to_numpy(f), to_numpy(t)
    assert a.shape == b.shape, (a.shape, b.shape)
    if check_dtype:
        assert a.dtype == b.dtype, (a.dtype, b.dtype)
    np.testing.assert_allclose(a.astype(np.float64) if a.dtype != np.bool_ else a,
                               b.astype(np.float64) if b.dtype != np.bool_ else b, rtol=rtol, atol=atol, equal_nan=True)


def lib_tensor(lib, array, dtype=None, requires_grad=False):
    array = np.array(array)
    out = lib.from_numpy(array.copy())
    if dtype is not None:
        out = out.to(dtype)
    if requires_grad:
        out.requires_grad_(True)
    return out


def run_both(fn, arrays, grad=None, seed=0, rtol=1e-10, atol=1e-12, check_dtype=True):
    """fn(lib, *tensors) on fastgrad and torch with the same float64 inputs; compares the outputs, then the
    gradients of the inputs listed in `grad` (default: every floating input) for the same random cotangent."""
    arrays = [np.asarray(a) for a in arrays]
    grad = [i for i, a in enumerate(arrays) if a.dtype.kind == "f"] if grad is None else grad
    results = {}
    for lib in (fastgrad, torch):
        tensors = [lib_tensor(lib, a, requires_grad=i in grad) for i, a in enumerate(arrays)]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = fn(lib, *tensors)
        results[lib] = (tensors, out)
    (f_in, f_out), (t_in, t_out) = results[fastgrad], results[torch]
    assert_same(f_out, t_out, rtol, atol, check_dtype)
    if grad and t_out.requires_grad:
        cot = np.random.default_rng(seed).standard_normal(tuple(t_out.shape))
        t_out.backward(torch.from_numpy(cot))
        f_out.backward(fastgrad.from_numpy(cot.copy()))
        for i in grad:
            tg, fg = t_in[i].grad, f_in[i].grad
            if tg is None:
                assert fg is None or not np.any(to_numpy(fg)), i
            else:
                assert fg is not None, i
                assert_same(fg, tg, rtol, atol)
    return f_out, t_out


def same_outcome(fn, *args, rtol=1e-10):
    """fn(lib, *args) returns equal values on both libraries, or raises the same exception class."""
    outcomes = []
    for lib in (fastgrad, torch):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                outcomes.append(("ok", fn(lib, *args)))
        except Exception as e:  # noqa: BLE001 - the class is what is compared
            outcomes.append(("raise", e))
    (fk, fv), (tk, tv) = outcomes
    assert fk == tk, (fk, fv, tk, tv)
    if fk == "raise":
        assert type(fv).__name__ == type(tv).__name__, (fv, tv)
    else:
        if isinstance(tv, tuple):
            for a, b in zip(fv, tv):
                assert_same(a, b, rtol)
        elif isinstance(tv, torch.dtype):
            assert str(fv).split(".")[-1] == str(tv).split(".")[-1], (fv, tv)
        else:
            assert_same(fv, tv, rtol)
    return outcomes


def nn_of(lib):
    return F if lib is fastgrad else TF


# One generator for all the files, as in the single file: the non-contiguous tests draw their module constants
# from it at import, the tests draw the rest when they run.
R = np.random.default_rng(5)
