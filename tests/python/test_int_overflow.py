"""Python ints outside int64: fastgrad raises what torch raises (type and message), never wraps or crashes.

As arguments of ops (PyTorch's Scalar) torch raises OverflowError; as tensor data, ValueError. A float tensor
built from such ints holds their float value."""

import numpy as np
import pytest

import fastgrad

torch = pytest.importorskip("torch")

BIG, NEG = 2**70, -(2**70)

CASES = {
    "add": lambda m: m.tensor([1]) + BIG,
    "add_float": lambda m: m.tensor([1.0]) + BIG,
    "radd": lambda m: BIG + m.tensor([1]),
    "sub_negative": lambda m: m.tensor([1]) - NEG,
    "mul": lambda m: m.tensor([1]) * 2**64,
    "rmul_float": lambda m: BIG * m.tensor([1.0]),
    "div": lambda m: m.tensor([1]) / BIG,
    "pow": lambda m: m.tensor([2]) ** BIG,
    "eq": lambda m: m.tensor([1]) == BIG,
    "add_alpha": lambda m: m.tensor([1]).add(1, alpha=BIG),
    "fill_": lambda m: m.tensor([1]).fill_(BIG),
    "clamp": lambda m: m.tensor([1]).clamp(max=BIG),
    "where": lambda m: m.where(m.tensor([True]), m.tensor([1]), BIG),
    "full": lambda m: m.full((2,), BIG),
    "tensor_scalar": lambda m: m.tensor(BIG),
    "tensor_list": lambda m: m.tensor([1, BIG]),
    "tensor_nested": lambda m: m.tensor([[1], [NEG]]),
    "tensor_uint64_range": lambda m: m.tensor([2**63]),
    "tensor_bool_and_big": lambda m: m.tensor([True, BIG]),
}

FITS = {
    "int64_max": lambda m: m.tensor([1]) + (2**63 - 1),
    "int64_min": lambda m: m.tensor([0]) + (-(2**63)),
    "tensor_int64_max": lambda m: m.tensor([2**63 - 1, -(2**63)]),
    "tensor_float_with_big": lambda m: m.tensor([1.5, BIG]),
    "tensor_big_as_float64": lambda m: m.tensor([BIG], dtype=m.float64),
    "tensor_scalar_as_float64": lambda m: m.tensor(BIG, dtype=m.float64),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_int_out_of_range_raises_like_torch(name):
    with pytest.raises(Exception) as expected:
        CASES[name](torch)
    with pytest.raises(expected.type) as got:
        CASES[name](fastgrad)
    assert str(got.value) == str(expected.value)


@pytest.mark.parametrize("name", sorted(FITS))
def test_ints_that_fit_work_like_torch(name):
    expected = FITS[name](torch)
    got = FITS[name](fastgrad)
    assert str(got.dtype).split(".")[-1] == str(expected.dtype).split(".")[-1]
    np.testing.assert_array_equal(got.numpy(), expected.numpy())


I64_MAX, I64_MIN, I32_MAX = 2**63 - 1, -(2**63), 2**31 - 1

# Integer results that overflow wrap modulo 2**bits as in torch (and are no undefined behaviour in the kernels:
# CI's asan-python stage runs these under UBSan).
WRAPS = {
    "add": lambda m: m.tensor([I64_MAX]) + m.tensor([1]),
    "add_alpha": lambda m: m.tensor([1]).add(m.tensor([2**62]), alpha=4),
    "add_scalar_alpha": lambda m: m.tensor([1]).add(2**62, alpha=4),
    "add_int32": lambda m: m.tensor([I32_MAX], dtype=m.int32) + m.tensor([1], dtype=m.int32),
    "sub": lambda m: m.tensor([I64_MIN]) - m.tensor([1]),
    "sub_scalar": lambda m: m.tensor([I64_MIN]) - 1,
    "sub_alpha": lambda m: m.tensor([0]).sub(m.tensor([2**62]), alpha=3),
    "rsub": lambda m: I64_MIN - m.tensor([1]),
    "mul": lambda m: m.tensor([2**62]) * m.tensor([4]),
    "mul_scalar": lambda m: m.tensor([2**62 + 1]) * 3,
    "mul_int32": lambda m: m.tensor([2**30], dtype=m.int32) * 4,
    "neg": lambda m: -m.tensor([I64_MIN]),
    "addcmul_int32": lambda m: m.addcmul(m.tensor([1], dtype=m.int32), m.tensor([2**16], dtype=m.int32),
                                         m.tensor([2**15], dtype=m.int32)),
    "sum": lambda m: m.tensor([I64_MAX, 1, 5]).sum(),
    "sum_int32": lambda m: m.tensor([I32_MAX, I32_MAX], dtype=m.int32).sum(),
    "sum_dim": lambda m: m.tensor([[I64_MAX, 2], [3, 4]]).sum(0),
    "prod": lambda m: m.tensor([2**32, 2**32 + 1]).prod(),
    "cumsum": lambda m: m.tensor([I64_MAX, 1, 1]).cumsum(0),
    "cumprod": lambda m: m.tensor([2**32, 2**32, 3]).cumprod(0),
}


@pytest.mark.parametrize("name", sorted(WRAPS))
def test_integer_overflow_wraps_like_torch(name):
    expected = WRAPS[name](torch)
    got = WRAPS[name](fastgrad)
    assert str(got.dtype).split(".")[-1] == str(expected.dtype).split(".")[-1]
    np.testing.assert_array_equal(got.numpy(), expected.numpy())


def test_integer_matmul_wraps_like_torch():
    cases = [
        lambda m: m.tensor([[I32_MAX, 1]], dtype=m.int32) @ m.tensor([[1], [2]], dtype=m.int32),  # the tiny loop
        lambda m: m.tensor([[I64_MAX] * 40] * 20) @ m.tensor([[3] * 30] * 40),  # the general loop
        lambda m: m.addmm(m.tensor([[I32_MAX]], dtype=m.int32), m.tensor([[2**16]], dtype=m.int32),
                          m.tensor([[2**16]], dtype=m.int32), beta=3, alpha=5),
        lambda m: m.mm(m.ones(2, 0, dtype=m.int64), m.ones(0, 2, dtype=m.int64)),
    ]
    for case in cases:
        expected, got = case(torch), case(fastgrad)
        assert str(got.dtype).split(".")[-1] == str(expected.dtype).split(".")[-1]
        np.testing.assert_array_equal(got.numpy(), expected.numpy())
