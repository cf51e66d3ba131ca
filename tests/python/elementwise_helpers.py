"""Helpers of the elementwise-op tests against PyTorch (test_ops_elementwise_unary.py,
test_ops_elementwise_binary.py, test_ops_elementwise_inplace.py): the same values as fastgrad and torch
tensors of each dtype (0-d, 0-size, non-contiguous and broadcast samples, special values), comparison of
values, dtypes and errors, grad_fn names, and float64 gradcheck (first and second order)."""

import numpy as np
import pytest

import fastgrad as fg
from fastgrad.autograd import gradcheck as _gradcheck

torch = pytest.importorskip("torch")


DTYPES = ["bool", "int32", "int64", "float32", "float64"]


# ---- helpers ----


def gradcheck(fn, inputs):
    return _gradcheck(fn, tuple(inputs))


def fg_dtype(name):
    return getattr(fg, name)


def th_dtype(name):
    return getattr(torch, name)


def both(array, dtype=None, requires_grad=False):
    """The same data as a fastgrad and a torch tensor."""
    a = np.array(array)
    if dtype is not None:
        a = a.astype(dtype)
    f = fg.tensor(a.tolist(), dtype=fg_dtype(str(a.dtype) if a.dtype != np.bool_ else "bool"))
    t = torch.tensor(a.tolist(), dtype=th_dtype(str(a.dtype) if a.dtype != np.bool_ else "bool"))
    if requires_grad:
        f.requires_grad_()
        t.requires_grad_()
    return f, t


def to_numpy(x):
    if isinstance(x, torch.Tensor):
        return x.detach().numpy()
    return np.asarray(x.detach().numpy())


def dtype_str(x):
    return str(x.dtype).split(".")[-1]


def assert_same(f, t, rtol=None, atol=0.0):
    """fastgrad result f equals torch result t: shape, dtype, values (NaN equal to NaN)."""
    if isinstance(t, (bool, int, float)):
        assert f == t and type(f) is type(t), (f, t)
        return
    assert tuple(f.shape) == tuple(t.shape), (f.shape, t.shape)
    assert dtype_str(f) == dtype_str(t), (f.dtype, t.dtype)
    a, b = to_numpy(f), to_numpy(t)
    if a.dtype.kind == "f":
        if rtol is None:
            rtol = 2e-6 if a.dtype == np.float32 else 1e-12
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, equal_nan=True)
        # Infinities and the sign of zero must match too.
        assert np.array_equal(np.isinf(a), np.isinf(b))
    else:
        np.testing.assert_array_equal(a, b)


def run_both(ffn, tfn):
    """Runs the same call on both libraries: returns (fastgrad result, torch result) or checks both raise."""
    try:
        t = tfn()
    except Exception as e:  # noqa: BLE001  (PyTorch's error is the spec)
        with pytest.raises(type(e)) as info:
            ffn()
        return None, (e, info.value)
    return ffn(), t


def assert_same_error(te, fe):
    """Same exception type and the same leading wording (fastgrad may add shapes and dtypes)."""
    assert type(fe) is type(te)
    key = str(te).split("\n")[0][:60]
    assert key in str(fe), f"torch: {te!r}\nfastgrad: {fe!r}"


def grad_fn_name(x):
    return None if x.grad_fn is None else type(x.grad_fn).__name__ if isinstance(x, torch.Tensor) else x.grad_fn.name()


def noncontiguous(values, dtype):
    """A 2x3 transposed (non-contiguous) view holding `values` (6 of them), for both libraries."""
    a = np.array(values, dtype=dtype).reshape(3, 2)
    f, t = both(a)
    return f.t(), t.t()


def leaf_3x2(values):
    """A float64 leaf that requires grad, (3, 2); ops under gradcheck see it transposed (non-contiguous)."""
    return fg.tensor(np.array(values, dtype=np.float64).reshape(3, 2).tolist(), dtype=fg.float64, requires_grad=True)


SPECIAL_FLOATS = [0.0, -0.0, 0.5, -0.5, 1.0, -1.0, 2.5, -2.5, 3.7, -3.7, 1e-3, 100.0, -100.0,
                  float("inf"), -float("inf"), float("nan")]
INTS = [0, 1, -1, 2, -2, 3, 7, -7, 100, -100]
BOOLS = [True, False, True, False]


def samples(dtype):
    """Sample inputs of one dtype: 1-d special values, 0-d, 0-size and a transposed view."""
    values = {"bool": BOOLS, "int32": INTS, "int64": INTS, "float32": SPECIAL_FLOATS, "float64": SPECIAL_FLOATS}[dtype]
    np_dtype = np.bool_ if dtype == "bool" else getattr(np, dtype)
    out = [both(np.array(values, dtype=np_dtype)), both(np.array(values[2], dtype=np_dtype)),
           both(np.zeros((0, 3), dtype=np_dtype))]
    six = (list(values) * 2)[:6] if dtype == "bool" else list(values[2:8])
    out.append(noncontiguous(six, np_dtype))
    return out


def second_order(fn, *inputs):
    """gradcheck of the first derivative (built with create_graph=True): checks the second derivative.

    The output is squared so that piecewise-linear ops (maximum, where) still have a first derivative that
    depends on the inputs."""
    def first(*xs):
        return fg.autograd.grad((fn(*xs) ** 2).sum(), xs, create_graph=True)
    return _gradcheck(first, inputs)
