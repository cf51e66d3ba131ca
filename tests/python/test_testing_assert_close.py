"""fastgrad.testing.assert_close against torch.testing.assert_close: the same verdicts, exception types and
messages (with torch's names replaced by fastgrad's) on the same inputs; make_tensor's contract."""

import math

import numpy as np
import pytest

import fastgrad
from fastgrad.testing import assert_close, make_tensor

torch = pytest.importorskip("torch")


def _build(lib, spec):
    """spec describes a value: ("t", data, dtype) a tensor, ("p", data) a Parameter, ("np", array), lists,
    tuples and dicts of specs, or a plain Python value."""
    if isinstance(spec, tuple) and spec and spec[0] == "t":
        dtype = getattr(lib, spec[2]) if len(spec) > 2 else None
        return lib.tensor(spec[1], dtype=dtype)
    if isinstance(spec, tuple) and spec and spec[0] == "tt":  # transposed
        return lib.tensor(spec[1]).t()
    if isinstance(spec, tuple) and spec and spec[0] == "p":
        return lib.nn.Parameter(lib.tensor(spec[1]))
    if isinstance(spec, tuple) and spec and spec[0] == "np":
        return np.array(spec[1])
    if isinstance(spec, list):
        return [_build(lib, s) for s in spec]
    if isinstance(spec, dict):
        return {k: _build(lib, v) for k, v in spec.items()}
    return spec


nan, inf = math.nan, math.inf

CASES = [
    (("t", [1.0, 2.0, 3.0]), ("t", [1.0, 2.5, 3.0]), {}),
    (("t", [[1.0, 2.0], [3.0, 4.0]]), ("t", [[1.0, 2.0], [3.0, 4.5]]), {}),
    (("t", [1, 2, 3]), ("t", [1, 2, 4]), {}),
    (("t", [5]), ("t", [3]), {}),
    (("t", 5), ("t", 3), {}),
    (("t", 1.0), ("t", 2.0), {}),
    (("t", nan), ("t", nan), {}),
    (("t", [1.0, 2.0]), ("t", [1.0, 2.0, 3.0]), {}),
    (("t", [1.0, 2.0]), ("t", [1.0, 2.0], "float64"), {}),
    (("t", [1.0, 2.0]), ("t", [1.0, 2.0], "float64"), {"check_dtype": False}),
    (("t", [1, 2]), ("t", [1.0, 2.5]), {"check_dtype": False}),
    (("t", [1.0, nan]), ("t", [1.0, nan]), {}),
    (("t", [1.0, nan]), ("t", [1.0, nan]), {"equal_nan": True}),
    (("t", [inf]), ("t", [inf]), {}),
    (("t", [inf]), ("t", [-inf]), {}),
    (("t", [0.0, 1.0]), ("t", [0.0, 1.0001]), {}),
    (("t", [0.0, 1.0]), ("t", [1e-3, 1.0]), {}),
    (("t", [1.0, 2.0, 3.0, 4.0]), ("t", [0.0, 2.5, 3.0, 5.0]), {}),
    (("t", [1e30]), ("t", [2e30]), {}),
    (("t", [1.0]), ("t", [1.1]), {"rtol": 0.2, "atol": 0}),
    (("t", [1.0]), ("t", [1.5]), {"rtol": 0.1, "atol": 0.1}),
    (("t", [1.0]), ("t", [1.5]), {"rtol": 0, "atol": 0}),
    (("t", [1.0]), ("t", [1.1]), {"rtol": 0.2}),
    (("t", [1.0]), ("t", [1.1]), {"atol": 0.2}),
    (("t", [1.0]), ("t", [1.1]), {"msg": "custom"}),
    (("t", [True]), ("t", [False]), {}),
    (("t", [1.0, 1.0, 1.0, 1.0, 1.0, 1.0]), ("t", [1.0, 1.0, 1.0, 1.0, 1.0, 1.0], "float64"), {"check_dtype": False}),
    (("tt", [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), ("t", [[1.0, 4.0], [2.0, 5.0], [3.0, 6.0]]), {"check_stride": True}),
    (("tt", [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), ("t", [[1.0, 4.0], [2.0, 5.0], [3.0, 6.0]]), {}),
    (("p", [1.0]), ("t", [1.0]), {}),
    (("p", [1.0]), ("t", [1.0]), {"allow_subclasses": False}),
    (("t", []), ("t", []), {}),
    (1.0, 1.5, {}),
    (1, 2, {}),
    (1, 1.0, {}),
    (1, 1.0, {"check_dtype": False}),
    (True, False, {}),
    (0.0, 1e-9, {}),
    (None, None, {}),
    (("t", [1.0]), 1.0, {}),
    (("t", [1.0]), [1.0], {}),
    (("t", [1.0]), ("np", [1.0]), {}),
    (("np", [1.0]), ("np", [1.5]), {}),
    ("a", "a", {}),
    ([("t", 1.0), ("t", 2.0)], [("t", 1.0), ("t", 3.0)], {}),
    ([[("t", 1.0)]], [[("t", 2.0)]], {}),
    ((1, 2), [1, 2], {}),
    ([1, 2], [1, 2, 3], {}),
    ({"a": ("t", 1.0)}, {"a": ("t", 3.0)}, {}),
    ({"a": ("t", 1.0)}, {"b": ("t", 3.0)}, {}),
    ({"a": [1, 2]}, {"a": [1, 3]}, {}),
]


def _outcome(lib, actual, expected, kwargs):
    try:
        lib.testing.assert_close(_build(lib, actual), _build(lib, expected), **kwargs)
    except Exception as e:  # noqa: BLE001
        return type(e), str(e)
    return None, None


@pytest.mark.parametrize("actual,expected,kwargs", CASES, ids=[str(i) for i in range(len(CASES))])
def test_assert_close_matches_torch(actual, expected, kwargs):
    theirs = _outcome(torch, actual, expected, kwargs)
    ours = _outcome(fastgrad, actual, expected, kwargs)
    assert ours[0] is theirs[0]
    if theirs[1] is not None:
        expected_text = theirs[1].replace("torch.nn.parameter.Parameter", "fastgrad.nn.parameter.Parameter")
        expected_text = expected_text.replace("torch.Tensor", "fastgrad.Tensor").replace("torch.", "fastgrad.")
        assert ours[1] == expected_text


def test_msg_callable():
    with pytest.raises(AssertionError) as info:
        assert_close(fastgrad.tensor([1.0]), fastgrad.tensor([2.0]), msg=lambda m: "X" + m)
    assert str(info.value).startswith("XTensor-likes are not close!")


def test_default_tolerances_are_per_dtype():
    # 5e-6 relative: within float32's default tolerance, outside float64's.
    assert_close(fastgrad.tensor([1.0]), fastgrad.tensor([1.000005]))
    with pytest.raises(AssertionError):
        assert_close(fastgrad.tensor([1.0], dtype=fastgrad.float64), fastgrad.tensor([1.000005], dtype=fastgrad.float64))
    for lib in (fastgrad, torch):  # and torch agrees
        lib.testing.assert_close(lib.tensor([1.0]), lib.tensor([1.000005]))


@pytest.mark.parametrize("dtype", ["float32", "float64", "int32", "int64", "bool"])
def test_make_tensor(dtype):
    fastgrad.manual_seed(0)
    dt = getattr(fastgrad, dtype)
    t = make_tensor(3, 4, dtype=dt, device="cpu")
    assert t.shape == (3, 4) and t.dtype == dt and not t.requires_grad
    if dtype.startswith("float"):
        values = t.numpy()
        assert (values >= -9).all() and (values < 9).all()
        t = make_tensor((2, 5), dtype=dt, low=1, high=2, requires_grad=True, noncontiguous=True)
        assert t.requires_grad and not t.is_contiguous() and t.shape == (2, 5)
        assert ((t.detach().numpy() >= 1) & (t.detach().numpy() < 2)).all()
    elif dtype.startswith("int"):
        values = t.numpy()
        assert (values >= -9).all() and (values < 10).all()
        assert (make_tensor(50, dtype=dt, exclude_zero=True).numpy() != 0).all()
        with pytest.raises(ValueError):
            make_tensor(2, dtype=dt, requires_grad=True)
    assert make_tensor((), dtype=dt).shape == ()
    tt = torch.testing.make_tensor(3, 4, dtype=getattr(torch, dtype), device="cpu")
    assert tuple(tt.shape) == tuple(t.shape) if dtype in ("int32", "int64", "bool") else True
