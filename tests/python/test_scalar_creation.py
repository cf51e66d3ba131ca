"""Creation with a dtype and reductions with dtype=, compared with PyTorch.

arange computes in the dtype's accumulate type (int64 for the integer dtypes: start and step are truncated
first), linspace converts its ends to the dtype first and has [start] for one step; sum/prod/cumsum/cumprod/
mean/... with dtype= convert each element before reducing.
"""

import math

import numpy as np
import pytest

import fastgrad
from test_scalar_conversion import DTYPES, check_like_torch

torch = pytest.importorskip("torch")

ARANGE_ARGS = [
    (-1.5, 3.7, 1),
    (0, 5, 0.5),
    (0.5, 2.5, 0.7),
    (5, 0, -1.5),
    (2.9, -3, -1),
    (0, 10.5, 2.5),
    (-0.5, 2, 1),
    (0.2, 0.5, 1),
    (0, 3, 1),
    (3,),
    (1,),
    (0,),
    (True,),
    (True, 3),
    (0, 5, 0),
    (0, 5, 0.0),
    (0.5, 0.2, 1),
    (-0.5, 0.2, -1),
    (0, math.nan),
    (0, math.inf),
    (0, 1e30),
    (0, 5, 1e30),
    (1e30, 1e30 + 1e16, 1e15),
    (0, 1e19, 1e18),
    (2**40, 2**40 + 3),
    (2**53, 2**53 + 4),
    (2**24, 2**24 + 4),
    (0, 1, 0.1),
    (-3, 4, 2),
    (0, 1e300, 1e-300),
    (2**63 - 3, 2**63 - 1),
]


@pytest.mark.parametrize("dtype", DTYPES + [None])
@pytest.mark.parametrize("args", ARANGE_ARGS, ids=repr)
def test_arange_like_torch(args, dtype):
    def run(m):
        kw = {} if dtype is None else {"dtype": getattr(m, dtype)}
        return m.arange(*args, **kw)
    check_like_torch(run)


def test_arange_reported_case():
    got = fastgrad.arange(-1.5, 3.7, dtype=fastgrad.int32)
    assert got.tolist() == [-1, 0, 1, 2, 3, 4]
    assert fastgrad.arange(-1.5, 3.7, dtype=fastgrad.int64).tolist() == [-1, 0, 1, 2]
    with pytest.raises(NotImplementedError, match="arange_cpu"):
        fastgrad.arange(3, dtype=fastgrad.bool)


LINSPACE_ENDS = [(2.0, 10.0), (-2.5, 7.9), (0, 7), (7, 0), (-7, 0), (0, 10), (0, 1000), (3, -1000), (0.5, 10.5),
                 (-0.5, 10.9), (-10, -0.5), (0, 1), (0, math.nan), (0, math.inf), (0, 1e300), (0, 2**31 + 5),
                 (1e-300, 1.0), (5, 5)]


@pytest.mark.parametrize("steps", [0, 1, 2, 3, 4, 5, 6, 7, 10])
@pytest.mark.parametrize("dtype", DTYPES + [None])
@pytest.mark.parametrize("ends", LINSPACE_ENDS, ids=repr)
def test_linspace_like_torch(ends, dtype, steps):
    def run(m):
        kw = {} if dtype is None else {"dtype": getattr(m, dtype)}
        return m.linspace(*ends, steps, **kw)
    check_like_torch(run, rtol=1e-6, atol=1e-6)


def test_linspace_one_step_is_start():
    assert fastgrad.linspace(2.0, 10.0, 1).tolist() == [2.0]
    with pytest.raises(RuntimeError, match="^number of steps must be non-negative$"):
        fastgrad.linspace(0, 1, -1)


# ---- reductions with dtype= ----

REDUCE_INPUTS = {
    "halves": [0.5, 0.5],
    "fractions": [1.5, 2.5, -0.7],
    "bools": [True, False, True],
    "int32_big": ("int32", [2**30] * 4),
    "int64": ("int64", [3, -4, 5]),
    "zeros_and_nan": [0.0, math.nan, 0.25],
    "empty": [],
    "0d": 0.5,  # cumsum/cumprod(dtype=bool) of a 0-d tensor is a copy in PyTorch (no kernel runs)
    "0d_bool": True,
}


def _input(m, spec):
    dt, data = spec if isinstance(spec, tuple) else (None, spec)
    return m.tensor(data, dtype=getattr(m, dt) if dt else None)


REDUCTIONS = {
    "sum": lambda m, x, dt: m.sum(x, dtype=dt),
    "sum_dim": lambda m, x, dt: x.sum(0, dtype=dt),
    "sum_dim_keepdim": lambda m, x, dt: m.sum(x, (0,), keepdim=True, dtype=dt),
    "prod": lambda m, x, dt: m.prod(x, dtype=dt),
    "prod_dim": lambda m, x, dt: x.prod(0, dtype=dt),
    "cumsum": lambda m, x, dt: m.cumsum(x, 0, dtype=dt),
    "cumprod": lambda m, x, dt: x.cumprod(0, dtype=dt),
    "mean": lambda m, x, dt: m.mean(x, dtype=dt),
    "mean_dim": lambda m, x, dt: x.mean(0, dtype=dt),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("inp", list(REDUCE_INPUTS))
@pytest.mark.parametrize("op", list(REDUCTIONS))
def test_reduction_with_dtype_like_torch(op, inp, dtype):
    check_like_torch(lambda m: REDUCTIONS[op](m, _input(m, REDUCE_INPUTS[inp]), getattr(m, dtype)), rtol=1e-6)


def test_sum_dtype_bool_reported_case():
    assert fastgrad.tensor([0.5, 0.5]).sum(dtype=fastgrad.bool).item() is True


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_sum_with_dtype_gradient(dtype):
    x = fastgrad.tensor([[0.5, -1.0], [2.0, 3.0]], requires_grad=True)
    xt = torch.tensor([[0.5, -1.0], [2.0, 3.0]], requires_grad=True)
    (fastgrad.sum(x, dtype=getattr(fastgrad, dtype)) * 2).backward()
    (torch.sum(xt, dtype=getattr(torch, dtype)) * 2).backward()
    assert str(x.grad.dtype) == "fastgrad.float32"
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy())
    x64 = fastgrad.tensor([[0.5, -1.0], [2.0, 3.0]], dtype=fastgrad.float64, requires_grad=True)
    assert fastgrad.autograd.gradcheck(lambda t: t.sum(1, dtype=fastgrad.float64), (x64,))

