"""Python numbers written into tensor elements: one checked conversion, compared with PyTorch.

Every path that puts a number into an element of a given dtype (full and the *_like/new_* factories, fill_,
masked_fill, scatter's value, t[...] = v, tensor(data, dtype=), clamp's bounds, where's scalars, alpha, the
value of addcmul/addcdiv, lerp's weight, addmm's beta/alpha, hardtanh's bounds, pad's value...) either stores
the number or raises PyTorch's RuntimeError "value cannot be converted to type <name> without overflow", for
every dtype and for NaN, infinities, values just outside a dtype's range and values that only fit after
truncation. See Note [Checked scalar conversion] in dtype.h.
"""

import math

import numpy as np
import pytest

import fastgrad
import fastgrad.nn.functional as F

torch = pytest.importorskip("torch")
import torch.nn.functional as TF  # noqa: E402

DTYPES = ["bool", "int32", "int64", "float32", "float64"]

# Numbers at and around the edges of every dtype's range.
VALUES = {
    "nan": math.nan,
    "inf": math.inf,
    "-inf": -math.inf,
    "int32_max": 2**31 - 1,
    "int32_max+1": 2**31,
    "int32_min": -(2**31),
    "int32_min-1": -(2**31) - 1,
    "int32_max+0.5": 2.0**31 - 0.5,
    "int32_min-0.5": -(2.0**31) - 0.5,
    "int64_max": 2**63 - 1,
    "int64_min": -(2**63),
    "2.0**63": 2.0**63,
    "-2.0**63": -(2.0**63),
    "1e19": 1e19,
    "float32_max": 3.4028234663852886e38,
    "float32_max_above": 3.4028235e38,
    "1e300": 1e300,
    "-1e300": -1e300,
    "1e-300": 1e-300,
    "3.7": 3.7,
    "-3.7": -3.7,
    "0.5": 0.5,
    "-0.0": -0.0,
    "true": True,
    "false": False,
    "0": 0,
    "-1": -1,
}


def _lib(m):
    """(module, functional) for fastgrad or torch."""
    return (fastgrad, F) if m is fastgrad else (torch, TF)


def _run(fn, m):
    try:
        return fn(m), None
    except Exception as exc:  # noqa: BLE001  (compared with torch's below)
        return None, exc


def _to_numpy(t):
    if isinstance(t, (tuple, list)):
        return [_to_numpy(x) for x in t]
    return t.detach().numpy() if hasattr(t, "detach") else np.asarray(t)


def check_like_torch(fn, *, message=True, rtol=1e-6, atol=0):
    """fn(m) on torch and on fastgrad: the same exception class (and, for the conversion errors, message), or
    the same dtype, shape and values (NaN equal to NaN)."""
    expected, texc = _run(fn, torch)
    got, fexc = _run(fn, fastgrad)
    if texc is not None:
        assert fexc is not None, f"torch raised {type(texc).__name__}: {texc}; fastgrad returned {got}"
        assert type(fexc).__name__ == type(texc).__name__, (
            f"torch raised {type(texc).__name__}: {texc}; fastgrad {type(fexc).__name__}: {fexc}")
        if message and "without overflow" in str(texc):
            assert str(fexc) == str(texc)
        return
    assert fexc is None, f"torch returned {expected}; fastgrad raised {type(fexc).__name__}: {fexc}"
    if isinstance(expected, torch.Tensor):
        assert str(got.dtype).split(".")[-1] == str(expected.dtype).split(".")[-1]
        assert tuple(got.shape) == tuple(expected.shape)
    e, g = _to_numpy(expected), _to_numpy(got)
    np.testing.assert_allclose(np.asarray(g, dtype=np.float64) if np.asarray(g).dtype != bool else g,
                               np.asarray(e, dtype=np.float64) if np.asarray(e).dtype != bool else e,
                               rtol=rtol, atol=atol, equal_nan=True)


def _setitem(index):
    def run(m, dt, v):
        x = m.zeros(4, dtype=getattr(m, dt))
        x[index(m)] = v
        return x
    return run


def _mask(m):
    return m.tensor([True, False, True, False])


# Each path writes the number v into a tensor of dtype dt (or of the result dtype the path computes).
FILL_PATHS = {
    "full": lambda m, dt, v: m.full((2,), v, dtype=getattr(m, dt)),
    "full_like": lambda m, dt, v: m.full_like(m.zeros(3, dtype=getattr(m, dt)), v),
    "full_like_dtype": lambda m, dt, v: m.full_like(m.zeros(3), v, dtype=getattr(m, dt)),
    "new_full": lambda m, dt, v: m.zeros(1, dtype=getattr(m, dt)).new_full((2,), v),
    "fill_": lambda m, dt, v: m.zeros(3, dtype=getattr(m, dt)).fill_(v),
    "fill_function": lambda m, dt, v: m.fill_(m.zeros(3, dtype=getattr(m, dt)), v),
    "fill_noncontiguous": lambda m, dt, v: m.zeros(3, 4, dtype=getattr(m, dt)).t().fill_(v),
    "masked_fill": lambda m, dt, v: m.zeros(4, dtype=getattr(m, dt)).masked_fill(_mask(m), v),
    "masked_fill_": lambda m, dt, v: m.zeros(4, dtype=getattr(m, dt)).masked_fill_(_mask(m), v),
    "masked_fill_0d_tensor": lambda m, dt, v: m.zeros(4, dtype=getattr(m, dt)).masked_fill(
        _mask(m), m.tensor(v, dtype=m.float64 if isinstance(v, float) else None)),
    "scatter_value": lambda m, dt, v: m.zeros(4, dtype=getattr(m, dt)).scatter(0, m.tensor([1, 3]), v),
    "scatter_value_reduce": lambda m, dt, v: m.zeros(4, dtype=getattr(m, dt)).scatter_(
        0, m.tensor([1]), v, reduce="add"),
    "setitem_int": _setitem(lambda m: 1),
    "setitem_slice": _setitem(lambda m: slice(1, None, 2)),
    "setitem_ellipsis": _setitem(lambda m: Ellipsis),
    "setitem_mask": _setitem(_mask),
    "setitem_index_tensor": _setitem(lambda m: m.tensor([0, 2])),
    "tensor_list": lambda m, dt, v: m.tensor([v, 1], dtype=getattr(m, dt)),
    "tensor_nested": lambda m, dt, v: m.tensor([[1], [v]], dtype=getattr(m, dt)),
    "tensor_scalar": lambda m, dt, v: m.tensor(v, dtype=getattr(m, dt)),
    "tensor_numpy_scalar": lambda m, dt, v: m.tensor(np.float64(v), dtype=getattr(m, dt)),
    "as_tensor_list": lambda m, dt, v: m.as_tensor([v], dtype=getattr(m, dt)),
    "new_tensor": lambda m, dt, v: m.zeros(1, dtype=getattr(m, dt)).new_tensor([v]),
    "clamp_min": lambda m, dt, v: m.zeros(3, dtype=getattr(m, dt)).clamp(min=v),
    "clamp_max": lambda m, dt, v: m.zeros(3, dtype=getattr(m, dt)).clamp(max=v),
    "clamp_both": lambda m, dt, v: m.clamp(m.zeros(3, dtype=getattr(m, dt)), v, v),
    "clamp_": lambda m, dt, v: m.zeros(3, dtype=getattr(m, dt)).clamp_(min=v),
    "where_other": lambda m, dt, v: m.where(_mask(m), m.zeros(4, dtype=getattr(m, dt)), v),
    "where_input": lambda m, dt, v: m.where(_mask(m), v, m.zeros(4, dtype=getattr(m, dt))),
    "where_two_numbers": lambda m, dt, v: m.where(_mask(m), v, m.zeros((), dtype=getattr(m, dt)).item()),
    "add_alpha": lambda m, dt, v: m.add(m.ones(2, dtype=getattr(m, dt)), m.ones(2, dtype=getattr(m, dt)), alpha=v),
    "add_scalar_alpha": lambda m, dt, v: m.ones(2, dtype=getattr(m, dt)).add(1, alpha=v),
    "sub_alpha": lambda m, dt, v: m.sub(m.ones(2, dtype=getattr(m, dt)), m.ones(2, dtype=getattr(m, dt)), alpha=v),
    "add_alpha_": lambda m, dt, v: m.ones(2, dtype=getattr(m, dt)).add_(m.ones(2, dtype=getattr(m, dt)), alpha=v),
    "pow_exponent": lambda m, dt, v: m.ones(2, dtype=getattr(m, dt)) ** v,
    "lerp_weight": lambda m, dt, v: m.lerp(m.zeros(2, dtype=getattr(m, dt)), m.ones(2, dtype=getattr(m, dt)), v),
    "addcmul_value": lambda m, dt, v: m.addcmul(*(m.ones(2, dtype=getattr(m, dt)),) * 3, value=v),
    "addcdiv_value": lambda m, dt, v: m.addcdiv(*(m.ones(2, dtype=getattr(m, dt)),) * 3, value=v),
    "addmm_beta": lambda m, dt, v: m.addmm(*(m.ones(2, 2, dtype=getattr(m, dt)),) * 3, beta=v),
    "addmm_alpha": lambda m, dt, v: m.addmm(*(m.ones(2, 2, dtype=getattr(m, dt)),) * 3, alpha=v),
    "index_add_alpha": lambda m, dt, v: m.zeros(3, dtype=getattr(m, dt)).index_add(
        0, m.tensor([1]), m.ones(1, dtype=getattr(m, dt)), alpha=v),
    "hardtanh": lambda m, dt, v: _lib(m)[1].hardtanh(m.arange(-2, 3).to(getattr(m, dt)), -1, v),
    "hardtanh_min": lambda m, dt, v: _lib(m)[1].hardtanh(m.arange(-2, 3).to(getattr(m, dt)), v, 1e30),
    "pad_value": lambda m, dt, v: _lib(m)[1].pad(m.zeros(2, dtype=getattr(m, dt)), (1, 1), value=v),
    "threshold_threshold": lambda m, dt, v: _lib(m)[1].threshold(m.arange(-2, 3).to(getattr(m, dt)), v, 7),
    "threshold_value": lambda m, dt, v: _lib(m)[1].threshold(m.arange(-2, 3).to(getattr(m, dt)), 0, v),
    "hardshrink": lambda m, dt, v: _lib(m)[1].hardshrink(m.arange(-2, 3).to(getattr(m, dt)), v),
    "leaky_relu": lambda m, dt, v: _lib(m)[1].leaky_relu(m.arange(-2, 3).to(getattr(m, dt)), v),
    "elu": lambda m, dt, v: _lib(m)[1].elu(m.arange(-2, 3).to(getattr(m, dt)), v),
    "celu": lambda m, dt, v: _lib(m)[1].celu(m.arange(-2, 3).to(getattr(m, dt)), v),
    "softplus_beta": lambda m, dt, v: _lib(m)[1].softplus(m.arange(-2, 3).to(getattr(m, dt)), beta=v),
}


# Activations whose parameters are checked against floating inputs (their integer and bool support is another
# matter: not compared here).
FLOAT_ONLY = {"hardtanh", "hardtanh_min", "threshold_threshold", "threshold_value", "hardshrink", "leaky_relu", "elu", "celu",
              "softplus_beta"}


# The values that test an activation parameter's conversion (its overflow), not the activation's own edges.
PARAMETER_VALUES = {"int32_max+1", "1e19", "float32_max", "float32_max_above", "1e300", "3.7", "0.5", "true"}


@pytest.mark.parametrize("value", list(VALUES), ids=list(VALUES))
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("path", list(FILL_PATHS))
def test_number_into_dtype_like_torch(path, dtype, value):
    if path in FLOAT_ONLY and dtype not in ("float32", "float64"):
        pytest.skip("integer/bool activations are compared elsewhere")
    if path in FLOAT_ONLY and value not in PARAMETER_VALUES:
        pytest.skip("non-finite, negative or tiny activation parameters are another matter than conversion")
    if path == "sub_alpha" and value == "int64_min":
        pytest.skip("torch negates alpha in int64 (wrapping to itself); fastgrad subtracts 2**63 exactly")
    v = VALUES[value]
    check_like_torch(lambda m: FILL_PATHS[path](m, dtype, v))


@pytest.mark.parametrize(
    "case",
    [
        ("full_nan_int64", lambda m: m.full((2,), math.nan, dtype=m.int64)),
        ("fill_inf_int32", lambda m: m.zeros(2, dtype=m.int32).fill_(math.inf)),
        ("tensor_2_31_int32", lambda m: m.tensor([2**31], dtype=m.int32)),
        ("masked_fill_int32", lambda m: m.zeros(2, dtype=m.int32).masked_fill(m.tensor([True, False]), 2**40)),
        ("masked_fill_float32", lambda m: m.zeros(2).masked_fill(m.tensor([True, False]), 1e300)),
        ("legacy_int_tensor", lambda m: m.IntTensor([2**31])),
        ("legacy_long_tensor_nan", lambda m: m.LongTensor([math.nan])),
        ("legacy_int_tensor_values", lambda m: m.IntTensor([1.5, -2.7, 16777217])),
    ],
    ids=lambda c: c[0],
)
def test_reported_conversions(case):
    check_like_torch(case[1])


def test_the_message_names_the_element_type():
    for dt, name in [("int32", "int"), ("int64", "int64_t"), ("float32", "float")]:
        with pytest.raises(RuntimeError, match=f"^value cannot be converted to type {name} without overflow$"):
            fastgrad.full((1,), 1e300, dtype=getattr(fastgrad, dt))
    with pytest.raises(RuntimeError, match="^value cannot be converted to type int32 without overflow$"):
        fastgrad.tensor([math.nan], dtype=fastgrad.int32)


def test_int64_limit_and_truncation_toward_zero():
    # 2.0**63 passes the range check (int64's max rounds up to it) and becomes int64's minimum, like torch.
    for v in [2.0**63, -(2.0**63), 3.9, -3.9, 2.0**62 + 0.5]:
        assert fastgrad.full((1,), v, dtype=fastgrad.int64).tolist() == torch.full(
            (1,), v, dtype=torch.int64).tolist()


def test_numpy_arrays_convert_like_to():
    # An array is converted as a whole (it wraps, as torch does); only Python numbers are checked.
    a = np.array([2.0**31, -1.5])
    check_like_torch(lambda m: m.tensor(a, dtype=m.int32), message=False)
    check_like_torch(lambda m: m.as_tensor(np.array([2**40]), dtype=m.int32))


@pytest.mark.parametrize("dtype", DTYPES)
def test_arithmetic_with_numbers_wraps_like_torch(dtype):
    # Not a conversion into an element: torch computes these without the check.
    for fn in [
        lambda m: m.ones(2, dtype=getattr(m, dtype)) + 2**31,
        lambda m: m.ones(2, dtype=getattr(m, dtype)) * 2**31,
        lambda m: m.ones(2, dtype=getattr(m, dtype)) == 2**40,
        lambda m: m.ones(2, dtype=getattr(m, dtype)) - 1e300,
        lambda m: (2**31) ** m.ones(2, dtype=getattr(m, dtype)),
        lambda m: 1e300 % (m.ones(2, dtype=getattr(m, dtype)) + 1),
        lambda m: (m.ones(2, dtype=getattr(m, dtype)) + 1) % 2**31,
        lambda m: (m.ones(2, dtype=getattr(m, dtype)) + 1) // 2**31,
        lambda m: m.fmod(m.ones(2, dtype=getattr(m, dtype)) + 1, 2**31),
        lambda m: m.ones(2, dtype=getattr(m, dtype)) & 2**40,
        lambda m: m.ones(2, dtype=getattr(m, dtype)) | 2**40,
    ]:
        check_like_torch(fn)
