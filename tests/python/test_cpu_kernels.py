"""The CPU layer's vectorised float functions (Note [CPU dispatch] in cpp/src/cpu/dispatch.h), at every
capability level this machine has: accuracy against a higher-precision reference (float64 for float32
results, 80-bit long double for float64 results) within 2 ulp, with ±0, ±inf, NaN, denormals and the
overflow/underflow thresholds exact; the same value for an element whatever its position (vector body, tail,
strided input, another thread's chunk); the level switches (environment variable and in-process setter).
"""
import os
import subprocess
import sys

import numpy as np
import pytest

import fastgrad as fg

LEVELS = ["default", "avx2", "avx512"]


def _hardware_levels():
    """The levels this CPU and build support (the setter refuses the others), whatever level the process started
    at (FASTGRAD_CPU_CAPABILITY may have lowered it)."""
    start = fg.backends.cpu.get_cpu_capability()
    levels = []
    for lv in LEVELS:
        try:
            fg._C._set_cpu_capability(lv)
        except ValueError:
            break
        levels.append(lv)
    fg._C._set_cpu_capability(start)
    return levels


AVAILABLE = _hardware_levels()
BEST = AVAILABLE[-1]
MAX_ULP = 2.0


@pytest.fixture(params=LEVELS)
def level(request):
    if request.param not in AVAILABLE:
        pytest.skip(f"this CPU's best level is {BEST}")
    before = fg.backends.cpu.get_cpu_capability()
    fg._C._set_cpu_capability(request.param)
    yield request.param
    fg._C._set_cpu_capability(before)


def _sigmoid(x):
    with np.errstate(over="ignore"):
        e = np.exp(-np.abs(x))
        return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def _mp(fn):
    """An mpmath function (40 digits) mapped over an array; the reference where NumPy has none."""
    import mpmath

    def ref(x):
        with mpmath.workdps(40):
            f = np.frompyfunc(lambda v: float(fn(mpmath.mpf(float(v)))) if np.isfinite(v) else np.nan, 1, 1)
            out = f(x).astype(np.float64)
        if x.dtype == np.longdouble:  # exact enough: mpmath rounds the 40-digit value once into float64
            out = out.astype(np.longdouble)
        return out

    return ref


def _erf_family(name):
    import mpmath

    # Beyond |x| = 40 the functions are at their limits (erf ±1, erfc 0 or 2, gelu x or -0); mpmath's erfc
    # series overflows for huge arguments.
    def clamp(f, lo, hi):
        return lambda v: (lo(v) if v < -40 else hi(v)) if abs(v) > 40 else f(v)

    fn = {"erf": clamp(mpmath.erf, lambda v: -1, lambda v: 1),
          "erfc": clamp(mpmath.erfc, lambda v: 2, lambda v: 0),
          "gelu": clamp(lambda v: v / 2 * mpmath.erfc(-v / mpmath.sqrt(2)), lambda v: -0.0, lambda v: v)}[name]
    limits = {"erf": (-1.0, 1.0), "erfc": (2.0, 0.0), "gelu": (-0.0, np.inf)}[name]  # values at -inf, +inf
    base = _mp(fn)

    def ref(x):
        out = base(x)
        zero = x == 0  # mpmath has no signed zero: erf(±0) = ±0, gelu(±0) = ±0, erfc(0) = 1
        out[zero] = 1 if name == "erfc" else x[zero]
        out[x == -np.inf] = limits[0]
        out[x == np.inf] = limits[1]
        if name == "gelu":  # PyTorch's kernels: NaN at -inf (-inf * 0); +inf at +inf (the limit)
            out[x == -np.inf] = np.nan
        return out

    return ref


def _softplus(x):
    """PyTorch's softplus for beta 1, threshold 20: x itself above 20, log1p(exp(x)) below."""
    with np.errstate(over="ignore"):
        return np.where(x > 20, x, np.log1p(np.exp(np.minimum(x, 20))))


def _mish(x):
    """x tanh(softplus(x)), NaN at -inf (-inf * 0) as PyTorch's x * tanh(log1p(exp(x)))."""
    with np.errstate(over="ignore", invalid="ignore"):
        return x * np.tanh(np.where(x > 20, x, np.log1p(np.exp(np.minimum(x, 20)))))


def _rsqrt(x):
    with np.errstate(divide="ignore", invalid="ignore"):
        return 1 / np.sqrt(x)


# name -> (reference on a high-precision NumPy array, fastgrad function)
FUNCTIONS = {
    "exp": (np.exp, fg.exp),
    "expm1": (np.expm1, fg.expm1),
    "log": (np.log, fg.log),
    "log1p": (np.log1p, fg.log1p),
    "log2": (np.log2, fg.log2),
    "tanh": (np.tanh, fg.tanh),
    "sigmoid": (_sigmoid, fg.sigmoid),
    "silu": (lambda x: x * _sigmoid(x), fg.nn.functional.silu),
    "erf": (_erf_family("erf"), fg.erf),
    "erfc": (_erf_family("erfc"), fg.erfc),
    "gelu": (_erf_family("gelu"), fg.nn.functional.gelu),
    "softplus": (_softplus, fg.nn.functional.softplus),
    "mish": (_mish, fg.nn.functional.mish),
    "sin": (np.sin, fg.sin),
    "cos": (np.cos, fg.cos),
    "rsqrt": (_rsqrt, fg.rsqrt),
}
MP_FUNCTIONS = {"erf", "erfc", "gelu"}  # references from mpmath: a thinned sample
# float64 bounds where the double bodies do not reach 2 ulp (glibc's own erfc is allowed 5 ulp): erfc's
# product of a fitted ratio and a scaled exponential, gelu's x/2 * erfc on top.
# mish: the baseline level (no fused multiply-add) rounds x w separately in x - x w (measured 2.01).
MAX_ULP_F64 = {"erfc": 3.0, "gelu": 5.0, "mish": 2.5}

# Arguments where results change class: overflow to inf, underflow to 0 and the denormals, domain edges.
THRESHOLDS = [0.0, 1.0, -1.0, 0.55, -0.55, 0.3466, 88.72283, 88.722835, 88.7228394, 89.0, -87.33655, -87.336548,
              -103.27893, -103.972084, -103.97208, -104.0, -108.7, -115.0, 709.782712893384, 709.7827128933841,
              -708.3964185322641, -744.4400719213812, -745.1332191019411, -745.1332191019412, -750.0, -760.0,
              9.01, 10.0, 19.06, 20.0, -17.328680, -18.0, -37.42994775023705, -40.0, 1e-30, -1e-30, 1e-300,
              -0.9999999, -0.99999994, 1.1754944e-38, 2.2250738585072014e-308, 1.4e-45, 5e-324]
SPECIAL = [0.0, -0.0, np.inf, -np.inf, np.nan]


def _samples(dtype):
    rng = np.random.default_rng(1234)
    if dtype == np.float32:
        bits = rng.integers(0, 2**32, 100_000, dtype=np.uint64).astype(np.uint32).view(np.float32)
    else:
        bits = rng.integers(0, 2**63, 100_000, dtype=np.uint64).view(np.float64)
        bits = np.concatenate([bits, -bits])
    bits = bits[np.isfinite(bits)]
    ranges = [np.linspace(-a, a, 20_001) for a in (1e-6, 0.6, 3.0, 20.0, 120.0, 800.0)]
    ranges.append(np.geomspace(1e-40, 1e30, 20_001))
    thr = np.array(THRESHOLDS, dtype=np.float64)
    near = [np.nextafter(thr.astype(dtype), dtype(np.inf)), np.nextafter(thr.astype(dtype), dtype(-np.inf))]
    with np.errstate(over="ignore"):
        parts = [bits, *(r.astype(dtype) for r in ranges), thr.astype(dtype), -thr.astype(dtype), *near,
                 np.array(SPECIAL, dtype=dtype)]
    return np.concatenate([p.astype(dtype) for p in parts])


_REFERENCE = {}


def _reference(name, dtype):
    key = (name, dtype)
    if key not in _REFERENCE:
        x = _samples(dtype)
        if name in MP_FUNCTIONS:
            x = np.concatenate([x[:-len(SPECIAL) - 4 * len(THRESHOLDS)][::23], x[-len(SPECIAL) - 4 * len(THRESHOLDS):]])
        wide = np.float64 if dtype == np.float32 else np.longdouble
        with np.errstate(all="ignore"):
            ref = FUNCTIONS[name][0](x.astype(wide))
        _REFERENCE[key] = (x, ref)
    return _REFERENCE[key]


def _ulp_errors(y, ref, dtype):
    """|y - ref| in units of the spacing of dtype at ref (ref rounded to dtype)."""
    with np.errstate(all="ignore"):
        r = ref.astype(dtype)
        spacing = np.spacing(np.abs(r)).astype(ref.dtype)
        return np.abs(y.astype(ref.dtype) - ref) / spacing


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_accuracy(level, name, dtype):
    x, ref = _reference(name, dtype)
    y = FUNCTIONS[name][1](fg.from_numpy(x.copy())).numpy()
    assert y.dtype == dtype
    with np.errstate(all="ignore"):
        r = ref.astype(dtype)  # the correctly rounded result (up to the reference's own error)
    # Exact classes: NaN where the reference is NaN, the same infinity, the same signed zero.
    assert np.array_equal(np.isnan(y), np.isnan(r)), (level, x[np.isnan(y) != np.isnan(r)][:5])
    exact = ~np.isfinite(r) | (r == 0)
    exact &= ~np.isnan(r)
    wrong = exact & ~((y == r) & (np.signbit(y) == np.signbit(r)))
    assert not wrong.any(), (level, x[wrong][:5], y[wrong][:5], r[wrong][:5])
    finite = np.isfinite(r) & ~exact
    assert np.isfinite(y[finite]).all(), (level, x[finite][~np.isfinite(y[finite])][:5])
    err = _ulp_errors(y[finite], ref[finite], dtype)
    worst = int(np.argmax(err))
    bound = MAX_ULP_F64.get(name, MAX_ULP) if dtype == np.float64 else MAX_ULP
    assert err[worst] <= bound, (level, name, x[finite][worst], float(err[worst]))


@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_same_value_at_every_position(level, name):
    """An element's value does not depend on where it sits: full vectors, zero-padded tails, strided rows
    through the kernels' buffers and the chunks of other threads all run the same body."""
    fn = FUNCTIONS[name][1]
    x = np.linspace(-30, 30, 70_001, dtype=np.float32)
    whole = fn(fg.from_numpy(x)).numpy()
    for n in (1, 3, 7, 15, 17, 33, 1001):
        np.testing.assert_array_equal(fn(fg.from_numpy(x[:n].copy())).numpy(), whole[:n])
        np.testing.assert_array_equal(fn(fg.from_numpy(x[5:5 + n].copy())).numpy(), whole[5:5 + n])
    strided = fg.from_numpy(x)[::3]
    np.testing.assert_array_equal(fn(strided).numpy(), whole[::3])
    before = fg.get_num_threads()
    try:
        fg.set_num_threads(1)
        np.testing.assert_array_equal(fn(fg.from_numpy(x)).numpy(), whole)
    finally:
        fg.set_num_threads(before)


@pytest.mark.parametrize("dtype", [fg.float32, fg.float64], ids=["float32", "float64"])
def test_fused_backward_formulas(level, dtype):
    """The one-pass derivatives equal PyTorch's formulas (g (1 - y^2), g y (1 - y), silu's) evaluated in
    NumPy at the dtype's precision, also for a broadcast incoming gradient."""
    rng = np.random.default_rng(0)
    npt = np.float32 if dtype == fg.float32 else np.float64
    x = rng.standard_normal((67, 33)).astype(npt) * 4
    g = rng.standard_normal((67, 33)).astype(npt)
    for name in ("tanh", "sigmoid", "silu", "gelu", "softplus", "mish", "sin", "cos", "rsqrt"):
        for grad in (g, np.ones_like(g)):
            xx = np.abs(x) + npt(0.5) if name == "rsqrt" else x
            t = fg.tensor(xx, requires_grad=True)
            y = FUNCTIONS[name][1](t)
            y.backward(fg.tensor(grad) if grad is g else fg.ones(()).to(dtype).expand(*x.shape))
            yy = FUNCTIONS[name][1](fg.tensor(xx)).numpy()
            if name == "tanh":
                want = grad * (1 - yy * yy)
            elif name == "sigmoid":
                want = grad * ((1 - yy) * yy)
            elif name == "silu":
                s = FUNCTIONS["sigmoid"][1](fg.tensor(x)).numpy()
                want = grad * s * (1 + x * (1 - s))
            elif name == "softplus":  # sigmoid(x) below the threshold 20, 1 above
                s = FUNCTIONS["sigmoid"][1](fg.tensor(x)).numpy()
                want = grad * np.where(x > 20, 1, s)
            elif name == "mish":  # tanh(sp) + x sigmoid(x) (1 - tanh(sp)^2), in float64
                xd = x.astype(np.float64)
                tsp = np.tanh(np.log1p(np.exp(xd)))
                want = (grad * (tsp + xd / (1 + np.exp(-xd)) * (1 - tsp * tsp))).astype(npt)
            elif name == "sin":
                want = (grad * np.cos(x.astype(np.float64))).astype(npt)
            elif name == "cos":
                want = (grad * -np.sin(x.astype(np.float64))).astype(npt)
            elif name == "rsqrt":
                want = -0.5 * grad * yy ** 3
            else:  # Phi(x) + x phi(x), from the float64 erfc of the fastgrad kernel (checked above)
                xd = x.astype(np.float64)
                cdf = 0.5 * fg.erfc(fg.tensor(-xd / np.sqrt(2))).numpy()
                want = (grad * (cdf + xd * np.exp(-xd * xd / 2) / np.sqrt(2 * np.pi))).astype(npt)
            # The formulas cancel (1 - y^2 near |y| = 1): the bound is absolute, a few eps of g's scale.
            bound = 8 * np.finfo(npt).eps * np.abs(grad) * (1 + np.abs(x))
            assert (np.abs(t.grad.numpy() - want) <= bound).all(), name


def test_double_backward_uses_the_differentiable_formula():
    x = fg.tensor([0.3, -1.2, 2.0], dtype=fg.float64, requires_grad=True)
    gelu_tanh = lambda t: fg.nn.functional.gelu(t, approximate="tanh")  # noqa: E731
    for fn in (fg.tanh, fg.sigmoid, fg.nn.functional.silu, fg.erf, fg.erfc, fg.nn.functional.gelu, gelu_tanh,
               fg.nn.functional.softplus, fg.nn.functional.mish, fg.sin, fg.cos):
        assert fg.autograd.gradcheck(fn, (x,))
        assert fg.autograd.gradgradcheck(fn, (x,))
    xp = fg.tensor([0.3, 1.2, 2.0], dtype=fg.float64, requires_grad=True)
    assert fg.autograd.gradcheck(fg.rsqrt, (xp,))
    assert fg.autograd.gradgradcheck(fg.rsqrt, (xp,))


def test_capability_names_and_setter():
    assert BEST in LEVELS
    with pytest.raises(ValueError, match="unknown level"):
        fg._C._set_cpu_capability("sse9")
    for lv in LEVELS[LEVELS.index(BEST) + 1:]:
        with pytest.raises(ValueError, match="does not support"):
            fg._C._set_cpu_capability(lv)


@pytest.mark.parametrize("asked", LEVELS + ["bogus"])
def test_environment_variable_lowers_the_level(asked):
    env = dict(os.environ, FASTGRAD_CPU_CAPABILITY=asked)
    out = subprocess.run([sys.executable, "-c", "import fastgrad; print(fastgrad.backends.cpu.get_cpu_capability())"],
                         env=env, capture_output=True, text=True, check=True).stdout.strip()
    expect = asked if asked in AVAILABLE else BEST
    assert out == expect.upper()


def test_matches_torch_within_float_tolerance():
    torch = pytest.importorskip("torch")
    x = np.linspace(-20, 20, 10_001, dtype=np.float32)
    for name, (_, fn) in FUNCTIONS.items():
        tfn = getattr(torch.nn.functional, name) if name in ("silu", "gelu", "softplus", "mish") else getattr(torch, name)
        xx = x if not (name.startswith("log") or name == "rsqrt") else np.abs(x) + (name == "rsqrt") * 1e-3
        ours = fn(fg.from_numpy(xx.copy())).numpy()
        theirs = tfn(torch.from_numpy(xx.copy())).numpy()
        # torch's float32 gelu and erfc cancel (1 + erf(x) at negative x): an absolute bound there.
        # torch's float32 sin and cos reduce x in float (absolute error ~1e-7 at |x| = 20), mish's x tanh(log1p(exp))
        # rounds three times.
        atol = 1e-6 if name in ("gelu", "erfc", "sin", "cos", "mish") else 1e-37
        np.testing.assert_allclose(ours, theirs, rtol=3e-7, atol=atol, err_msg=name)
    x64 = np.linspace(-8, 8, 4001)
    for approximate in ("none", "tanh"):
        ours = fg.nn.functional.gelu(fg.tensor(x64), approximate=approximate).numpy()
        theirs = torch.nn.functional.gelu(torch.tensor(x64), approximate=approximate).numpy()
        # torch's x/2 (1 + erf) and x/2 (1 + tanh) cancel at negative x: an absolute bound of a few eps.
        np.testing.assert_allclose(ours, theirs, rtol=1e-14, atol=1e-15)
        xt, xf = torch.tensor(x64, requires_grad=True), fg.tensor(x64, requires_grad=True)
        torch.nn.functional.gelu(xt, approximate=approximate).sum().backward()
        fg.nn.functional.gelu(xf, approximate=approximate).sum().backward()
        np.testing.assert_allclose(xf.grad.numpy(), xt.grad.numpy(), rtol=1e-13, atol=1e-14)


SOFTMAX_CASES = [((64, 1000), -1), ((7, 33), 0), ((3, 5, 37), 1), ((2, 3, 4, 5), 2), ((1, 100), 0), ((1000,), 0),
                 ((3, 17, 1), 1), ((), 0), ((5, 1), 1), ((300, 200), 0), ((4, 300, 250), 1)]


@pytest.mark.parametrize("shape,dim", SOFTMAX_CASES)
def test_softmax_kernels_match_torch(level, shape, dim):
    """softmax/log_softmax and their one-pass backward (last dim: per row; other dims: vectorised across the
    contiguous columns, threaded over panels or column blocks) against PyTorch."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(len(shape) + dim)
    for dt, tol in ((np.float32, 2e-6), (np.float64, 1e-13)):
        xn = (rng.standard_normal(shape) * 5).astype(dt)
        gn = rng.standard_normal(shape).astype(dt)
        for name in ("softmax", "log_softmax"):
            xt, xf = torch.tensor(xn, requires_grad=True), fg.tensor(xn, requires_grad=True)
            yt, yf = getattr(torch, name)(xt, dim), getattr(fg, name)(xf, dim)
            yt.backward(torch.tensor(gn))
            yf.backward(fg.tensor(gn))
            scale = 1 + np.abs(yt.detach().numpy())  # log_softmax's values reach -30: relative there
            assert (np.abs(yf.detach().numpy() - yt.detach().numpy()) <= tol * scale).all(), name
            gscale = 1 + np.abs(xt.grad.numpy()) + np.abs(gn).sum()
            assert (np.abs(xf.grad.numpy() - xt.grad.numpy()) <= tol * gscale).all(), name


def test_softmax_same_at_any_thread_count():
    x = fg.tensor(np.random.default_rng(3).standard_normal((2, 4096, 64)).astype(np.float32))
    before = fg.get_num_threads()
    try:
        outs = []
        for n in (1, 2):
            fg.set_num_threads(n)
            outs.append([f(x, d).numpy() for f in (fg.softmax, fg.log_softmax) for d in (0, 1, 2)])
    finally:
        fg.set_num_threads(before)
    for a, b in zip(*outs):
        np.testing.assert_array_equal(a, b)
