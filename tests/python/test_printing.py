"""fastgrad's tensor printing (the C++ core's formatter, cpp/src/api/print.cpp, behind
python/fastgrad/_tensor_str.py) must match torch's repr.

Each random case is rendered by both libraries under the same print options and
compared byte for byte.
"""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
torch_get_printoptions = pytest.importorskip("torch._tensor_str").get_printoptions

from fastgrad import _tensor_str as ts  # noqa: E402

DTYPES = ["float32", "float64", "int64", "int32", "bool"]
NP_DTYPES = {"float32": np.float32, "float64": np.float64, "int64": np.int64, "int32": np.int32, "bool": np.bool_}

# Print option settings applied identically to torch and to fastgrad.
OPTION_SETS = [
    {},
    {"precision": 2},
    {"precision": 7},
    {"precision": 0},
    {"linewidth": 40},
    {"linewidth": 133},
    {"linewidth": 12},
    {"threshold": 20},
    {"threshold": 0},
    {"edgeitems": 1, "threshold": 30},
    {"edgeitems": 0, "threshold": 30},
    {"edgeitems": 0},
    {"edgeitems": 5, "threshold": 60},
    {"sci_mode": True},
    {"sci_mode": False},
    {"profile": "short"},
    {"profile": "full"},
    {"profile": "short", "precision": 5, "linewidth": 60, "threshold": 100},
]


def _options_id(opts):
    return ",".join(f"{k}={v}" for k, v in opts.items()) or "default"


@pytest.fixture(autouse=True)
def _reset_printoptions():
    ts.set_printoptions(profile="default")
    torch.set_printoptions(profile="default")
    yield
    ts.set_printoptions(profile="default")
    torch.set_printoptions(profile="default")


def _apply(opts):
    ts.set_printoptions(**opts)
    torch.set_printoptions(**opts)


# --------------------------------------------------------------------------
# Random input generation
# --------------------------------------------------------------------------


def _random_shape(rng, threshold):
    kind = rng.random()
    if kind < 0.15:
        # numel straddling the summarisation threshold
        target = int(min(threshold, 1000)) + int(rng.integers(-2, 3))
        target = max(target, 1)
        rank = int(rng.integers(1, 4))
        if rank == 1:
            return (target,)
        lead = int(rng.choice([1, 2, 3, 7]))
        return (lead,) * (rank - 1) + (max(1, target // lead ** (rank - 1)),)
    if kind < 0.22:
        # long dimension: summarised or wrapped rows
        rank = int(rng.integers(1, 4))
        return tuple(int(rng.choice([1, 2, 3])) for _ in range(rank - 1)) + (int(rng.integers(10, 2500)),)
    rank = int(rng.integers(0, 5))
    sizes = [0, 1, 2, 3, 4, 5, 7, 8, 12]
    probs = np.array([0.3, 1, 2, 2, 1, 1, 1, 0.5, 0.5])
    return tuple(int(rng.choice(sizes, p=probs / probs.sum())) for _ in range(rank))


def _random_floats(rng, n, np_dtype):
    family = int(rng.integers(0, 11))
    if family == 0:  # a single magnitude, anywhere from tiny to huge
        vals = rng.standard_normal(n) * 10.0 ** int(rng.integers(-12, 13))
    elif family == 1:  # integer valued
        vals = rng.integers(-1000, 1000, n).astype(np.float64)
    elif family == 2:  # integer valued, large
        vals = rng.integers(-(10**6), 10**6, n) * 10.0 ** int(rng.integers(1, 12))
    elif family == 3:  # magnitudes spread over many decades
        vals = np.sign(rng.standard_normal(n)) * 10.0 ** rng.uniform(-9, 11, n)
    elif family == 4:  # near the 1e-4 / 1e8 / ratio-1000 switches to sci mode
        anchor = float(rng.choice([1e-4, 1e8, 1000.0, 1.0]))
        vals = anchor * rng.uniform(0.5, 2.0, n) * rng.choice([-1, 1], n)
        if n:
            vals[0] = 1.0
    elif family == 5:  # rounding edges at the default precision
        vals = rng.choice([9.99995, 0.99996, 99.99999, 0.00005, 1.00004, -9.5, 2.5], n)
    elif family == 6:  # all zeros, possibly negative
        vals = np.zeros(n) * rng.choice([-1.0, 1.0], n)
    elif family == 7:  # only non-finite values and zeros
        vals = rng.choice([np.inf, -np.inf, np.nan, 0.0, -0.0], n)
    elif family == 8:  # extreme values representable in the dtype
        info = np.finfo(np_dtype)
        vals = rng.choice([float(info.max), float(info.tiny), float(info.smallest_subnormal), 1.0, -3.5], n)
    elif family == 9:  # small values with few significant digits
        vals = rng.integers(-50, 50, n) / 8.0
    else:  # plain normals
        vals = rng.standard_normal(n)
    vals = vals.astype(np_dtype)
    if n and rng.random() < 0.3:  # sprinkle special values
        k = int(rng.integers(1, n + 1))
        idx = rng.integers(0, n, k)
        vals[idx] = rng.choice([np.inf, -np.inf, np.nan, 0.0, -0.0], k)
    return vals


def _random_values(rng, dtype_name, shape):
    n = int(np.prod(shape, dtype=np.int64))
    np_dtype = NP_DTYPES[dtype_name]
    if dtype_name in ("float32", "float64"):
        flat = _random_floats(rng, n, np_dtype)
    elif dtype_name == "bool":
        flat = rng.random(n) < rng.random()
    else:
        info = np.iinfo(np_dtype)
        bound = int(rng.choice([10, 1000, 10**6, int(info.max)]))
        low = 0 if rng.random() < 0.3 else -bound
        flat = rng.integers(low, bound, n, dtype=np_dtype, endpoint=True)
    return np.asarray(flat, dtype=np_dtype).reshape(shape)


def _random_case(seed, threshold):
    rng = np.random.default_rng(seed)
    dtype_name = DTYPES[seed % len(DTYPES)]
    return _random_values(rng, dtype_name, _random_shape(rng, threshold)), dtype_name


# --------------------------------------------------------------------------
# Comparison helpers
# --------------------------------------------------------------------------


def _assert_matches(arr, dtype_name):
    t = torch.from_numpy(arr)
    assert ts.format_tensor(arr, dtype_name=dtype_name, module="torch") == repr(t)
    assert str(t) == repr(t)
    if dtype_name.startswith("float"):
        x = t.clone().requires_grad_()
        assert ts.format_tensor(arr, dtype_name=dtype_name, module="torch", requires_grad=True) == repr(x)
        for y in (x * 2, x + 1, x.exp(), x.sum()):
            name = type(y.grad_fn).__name__
            got = ts.format_tensor(y.detach().numpy(), dtype_name=dtype_name, module="torch", grad_fn_name=name)
            assert got == repr(y)


# --------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------


@pytest.mark.parametrize("opts", OPTION_SETS, ids=_options_id)
@pytest.mark.parametrize("batch", range(4))
def test_random_tensors_match_torch(opts, batch):
    _apply(opts)
    threshold = ts.get_printoptions()["threshold"]
    for seed in range(batch * 10, batch * 10 + 10):
        arr, dtype_name = _random_case(seed + 1000 * OPTION_SETS.index(opts), threshold)
        _assert_matches(arr, dtype_name)


CORNER_CASES = [
    ([], "float32"),
    ([], "float64"),
    ([], "int64"),
    ([], "int32"),
    ([], "bool"),
    (np.zeros((0, 3)), "float32"),
    (np.zeros((2, 0, 3)), "int64"),
    (np.zeros((1, 0)), "bool"),
    (3.0, "float32"),
    (-0.0, "float32"),
    (2.5, "float64"),
    (7, "int64"),
    (-7, "int32"),
    (True, "bool"),
    (float("nan"), "float32"),
    (float("-inf"), "float64"),
    (1e-5, "float32"),
    (1e8, "float32"),
    (123456789.0, "float64"),
    ([0.0, -0.0], "float32"),
    ([-0.0, 1.0], "float32"),
    ([np.nan, np.inf, -np.inf], "float32"),
    ([np.inf, -np.inf, 1.0], "float32"),
    ([np.nan, 1.5], "float64"),
    ([0.0, 1e-4, 1.0], "float32"),
    ([0.0, 0.99e-4], "float32"),
    ([1.0, 1000.0], "float32"),
    ([1.0, 1001.0], "float32"),
    ([0.1, 100.0], "float32"),
    ([0.1, 100.1], "float32"),
    ([1e8, 1.0], "float64"),
    ([99999999.0, 1.0], "float64"),
    ([1e300, -1e-300], "float64"),
    ([5e-324, 1.0], "float64"),
    ([1e100, 1e99], "float64"),
    ([2**62, -(2**62), 5], "int64"),
    ([2**31 - 1, -(2**31)], "int32"),
    ([True, False, True], "bool"),
    ([[True], [True]], "bool"),
    (np.arange(12.0).reshape(3, 4), "float32"),
    (np.arange(24).reshape(2, 3, 4), "int64"),
    (np.arange(48.0).reshape(2, 2, 3, 4) / 7, "float64"),
    (np.arange(1001.0), "float32"),
    (np.arange(1000.0), "float32"),
    (np.arange(2002).reshape(2, 1001), "int32"),
    (np.arange(1200.0).reshape(20, 60) - 600, "float32"),
    (np.arange(5000).reshape(10, 10, 50) % 7 == 0, "bool"),
    (np.linspace(-1, 1, 37), "float64"),
]


@pytest.mark.parametrize("opts", OPTION_SETS, ids=_options_id)
def test_corner_cases_match_torch(opts):
    _apply(opts)
    for values, dtype_name in CORNER_CASES:
        _assert_matches(np.array(values, dtype=NP_DTYPES[dtype_name]), dtype_name)


@pytest.mark.parametrize("linewidth", [40, 57, 63, 80, 97])
def test_suffix_wrapping(linewidth):
    # Sweep the row length across the line width so the suffixes sit on
    # both sides of every wrapping decision.
    _apply({"linewidth": linewidth})
    for n in range(1, 25):
        arr = np.arange(n, dtype=np.float64) * 1.25
        _assert_matches(arr, "float64")
        _assert_matches(arr.reshape(1, n), "float64")
        ints = np.arange(n, dtype=np.int32) * 1001
        _assert_matches(ints, "int32")
    for n in range(1, 12):
        _assert_matches(np.zeros((n, 0)), "float64")


def test_fastgrad_module_prefix():
    arr = np.array([1.0, 2.0])
    assert ts.format_tensor(arr, dtype_name="float64") == "tensor([1., 2.], dtype=fastgrad.float64)"
    assert ts.format_tensor(np.array([], dtype=np.int64), dtype_name="int64") == "tensor([], dtype=fastgrad.int64)"
    assert ts.format_tensor(arr, dtype_name="float32", requires_grad=True) == "tensor([1., 2.], requires_grad=True)"
    assert ts.format_tensor(arr, dtype_name="float32", grad_fn_name="AddBackward0") == "tensor([1., 2.], grad_fn=<AddBackward0>)"
    # Values are converted to the declared dtype before printing.
    assert ts.format_tensor(np.array([0.1]), dtype_name="float32", module="torch") == repr(torch.tensor([0.1]))


@pytest.mark.parametrize("opts", OPTION_SETS + [{"profile": "nonexistent"}], ids=_options_id)
def test_printoptions_state_matches_torch(opts):
    _apply(opts)
    assert ts.get_printoptions() == torch_get_printoptions()
    ts.set_printoptions(precision=3)
    torch.set_printoptions(precision=3)
    assert ts.get_printoptions() == torch_get_printoptions()  # sci_mode resets to None


def test_printoptions_context_manager():
    before = ts.get_printoptions()
    with ts.printoptions(precision=1, sci_mode=True):
        assert ts.get_printoptions()["precision"] == 1
        assert ts.format_tensor(np.array([1.25]), dtype_name="float32") == "tensor([1.2e+00])"
    assert ts.get_printoptions() == before


SCALARS = {
    "float32": [0.1, -2.5, 3.0, -0.0, 1e-7, 123456.789, np.inf, np.nan],
    "float64": [0.1, -2.5, 1e300, 5e-324, -np.inf],
    "int64": [0, -7, 2**62],
    "int32": [5, -(2**31)],
    "bool": [True, False],
}
FLOAT_SPECS = ["", ".2f", "e", ".3e", "10.4f", "<12g", "+.1%", "08.3f", ".0f", "g"]
INT_SPECS = ["", "d", "5d", "+d", "x", ",", ".2f", "^9", "b"]


@pytest.mark.parametrize("dtype_name", DTYPES)
def test_format_scalar_matches_torch(dtype_name):
    specs = FLOAT_SPECS if dtype_name.startswith("float") else INT_SPECS
    for x in SCALARS[dtype_name]:
        arr = np.array(x, dtype=NP_DTYPES[dtype_name])
        t = torch.from_numpy(arr)
        for spec in specs:
            assert ts.format_scalar(arr[()], spec) == format(t, spec)
            assert ts.format_scalar(arr, spec) == format(t, spec)  # 0-d array works too
        assert ts.format_scalar(arr[()], "") == format(t.clone().requires_grad_() if dtype_name.startswith("float") else t, "")


def test_format_non_scalar():
    arr = np.array([1.5, 2.0], dtype=np.float64)
    t = torch.from_numpy(arr)
    assert ts.format_scalar(arr, "", dtype_name="float64", module="torch") == format(t, "")
    with pytest.raises(TypeError) as torch_err:
        format(t, ".2f")
    with pytest.raises(TypeError) as our_err:
        ts.format_scalar(arr, ".2f")
    assert str(our_err.value) == str(torch_err.value)
