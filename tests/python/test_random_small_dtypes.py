"""randint / random_ with uint8, int8, int16, float16 and bfloat16, and randn / normal_ of float16 / bfloat16: the
same values as PyTorch for the same seed, and PyTorch's range errors."""
import warnings

import numpy as np
import pytest

import fastgrad

torch = pytest.importorskip("torch")

SMALL = ["uint8", "int8", "int16", "float16", "bfloat16"]
RANGES = [(0, 256), (0, 257), (-1, 5), (-129, 5), (0, 3000), (0, 70000), (-40000, 0), (0, 2**20), (3,),
          (10**6, 10**6 + 50), (-2, 2)]


def outcome(fn):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = fn()
        return "ok", str(r.dtype).split(".")[-1], r.float().tolist()
    except Exception as e:  # noqa: BLE001 - the exception is what is compared
        return "err", type(e).__name__, str(e)


def both(fn, seed):
    res = []
    for lib in (torch, fastgrad):
        lib.manual_seed(seed)
        res.append(outcome(lambda: fn(lib)))
    return res


@pytest.mark.parametrize("dt", SMALL)
@pytest.mark.parametrize("args", RANGES, ids=str)
def test_randint_matches_torch(dt, args):
    e, a = both(lambda m: m.randint(*args, (41,), dtype=getattr(m, dt)), 3)
    assert a == e


@pytest.mark.parametrize("dt", SMALL + ["bool", "int32", "float32"])
@pytest.mark.parametrize("args", [(), (5,), (-3, 5), (100,), (2, 9)], ids=str)
def test_random_inplace_matches_torch(dt, args):
    e, a = both(lambda m: m.empty(37, dtype=getattr(m, dt)).random_(*args), 4)
    assert a == e


@pytest.mark.parametrize("dt", ["float16", "bfloat16"])
@pytest.mark.parametrize("n", [5, 16, 64])  # a length that is not a multiple of 16: docs/differences.md
def test_normal_streams_match_torch(dt, n):
    calls = [
        lambda m: m.randn(n, dtype=getattr(m, dt)),
        lambda m: m.empty(n, dtype=getattr(m, dt)).normal_(1.5, 2.0),
        lambda m: m.empty(n, 2, dtype=getattr(m, dt)).t().normal_(),  # not contiguous: one draw per element
        lambda m: m.normal(m.zeros(n, dtype=getattr(m, dt)), 0.5),
    ]
    for fn in calls:
        e, a = both(fn, 5)
        assert a[:2] == e[:2]
        # PyTorch evaluates log/sin/cos with its own vector functions; libm's can differ by an ulp of float32,
        # which the rounding to the dtype almost always absorbs
        np.testing.assert_allclose(a[2], e[2], rtol=1e-2, atol=1e-2)
        assert np.mean(np.array(a[2]) == np.array(e[2])) > 0.9
