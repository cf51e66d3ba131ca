"""torch.special and the gamma family: values against mpmath to an ulp bound (float64 and float32), edge values
(poles, +-0, +-inf, NaN, the ends of the domains) against PyTorch, and the errors."""
import numpy as np
import pytest

import fastgrad as fg

mp = pytest.importorskip("mpmath")
mp.mp.dps = 50

X = np.concatenate([np.linspace(-9.75, 9.75, 79), [1e-9, 0.5, 1.4616321449683622, 2.5, 17.3, 29.9, 30.1, 87.5,
                                                     200.25, 700.5, -0.5, -3.7, -12.2]])
P = np.concatenate([np.linspace(0.001, 0.999, 67), [1e-300, 1e-40, 1e-10, 1 - 1e-10, 0.5]])
U = np.concatenate([np.linspace(-0.999, 0.999, 67), [1 - 1e-12, -1 + 1e-15, 1e-10, -1e-300]])


def _real(x):
    return float(x.real) if isinstance(x, mp.mpc) else float(x)


def _lgamma(x):
    return mp.inf if x <= 0 and x == int(x) else mp.log(abs(mp.gamma(x)))


def _digamma(x):
    if x == 0:
        return -mp.inf   # PyTorch's value at +0
    return mp.nan if x < 0 and x == int(x) else mp.digamma(x)


def _log_ndtr(x):
    return mp.log(mp.ncdf(x)) if x < 0 else mp.log1p(-mp.ncdf(-x))


def _ndtri(p):
    with mp.workdps(400):   # erfinv next to -1 (p ~ 1e-300) needs the digits
        return mp.sqrt(2) * mp.erfinv(2 * p - 1)


# name: (fastgrad function, mpmath reference, inputs, float64 ulp bound)
CASES = {
    "lgamma": (fg.lgamma, _lgamma, X[np.abs(X) < 700], 4),
    # digamma: its value is a difference of terms ~2 where it is small (0.036 at 1.5): ~50 ulp of the value there
    "digamma": (fg.digamma, _digamma, X[np.abs(X - 1.4616321449683622) > 1e-3], 64),
    "erfinv": (fg.erfinv, mp.erfinv, U, 2),
    "i0": (fg.i0, lambda x: mp.besseli(0, x), X, 16),
    "i0e": (fg.special.i0e, lambda x: mp.besseli(0, x) * mp.exp(-abs(x)), X, 16),
    "i1": (fg.special.i1, lambda x: mp.besseli(1, x), X, 16),
    "i1e": (fg.special.i1e, lambda x: mp.besseli(1, x) * mp.exp(-abs(x)), X, 16),
    "ndtri": (fg.special.ndtri, _ndtri, P, 4),
    "log_ndtr": (fg.special.log_ndtr, _log_ndtr, np.concatenate([X, [-40.0, -150.0]]), 4),
    "erfcx": (fg.special.erfcx, lambda x: mp.exp(x * x) * mp.erfc(x), np.concatenate([X, [25.9, 26.1, 50.0]]), 4),
    "entr": (fg.special.entr, lambda x: -x * mp.log(x) if x > 0 else (0 if x == 0 else -mp.inf), X, 2),
    "polygamma2": (lambda t: fg.polygamma(2, t), lambda x: mp.psi(2, x), X[X > 0], 8),
    "polygamma3_negative": (lambda t: fg.polygamma(3, t), lambda x: mp.psi(3, x),
                            np.array([-0.5, -1.3, -2.7, -7.1]), 64),
    "zeta": (lambda t: fg.special.zeta(t, 1.5), lambda s: mp.zeta(s, 1.5), np.linspace(1.1, 30.0, 40), 8),
}


def _ulps(ours, ref, dtype):
    ours, ref = np.asarray(ours, np.float64), np.asarray(ref, np.float64)
    finite = np.isfinite(ref)
    assert np.array_equal(np.isnan(ours), np.isnan(ref)), (ours[np.isnan(ours) != np.isnan(ref)])
    assert np.array_equal(ours[~finite & ~np.isnan(ref)], ref[~finite & ~np.isnan(ref)])
    spacing = np.spacing(np.abs(ref[finite]).astype(dtype)).astype(np.float64)
    spacing = np.maximum(spacing, np.finfo(dtype).smallest_normal)  # subnormal results: an absolute floor
    return np.max(np.abs(ours[finite] - ref[finite]) / spacing, initial=0.0)


@pytest.mark.parametrize("name", sorted(CASES))
def test_float64_within_ulp_bound_of_mpmath(name):
    fn, ref, x, bound = CASES[name]
    ours = fn(fg.tensor(x, dtype=fg.float64)).numpy()
    expected = [_real(ref(mp.mpf(float(v)))) for v in x]
    assert _ulps(ours, expected, np.float64) <= bound


@pytest.mark.parametrize("name", sorted(CASES))
def test_float32_rounded_once(name):
    fn, ref, x, _ = CASES[name]
    x32 = np.asarray(x, np.float32)
    ours = fn(fg.tensor(x32)).numpy()
    assert ours.dtype == np.float32
    expected = [_real(ref(mp.mpf(float(v)))) for v in x32]
    exp32 = np.asarray(expected, np.float64)
    keep = ~np.isfinite(exp32) | (np.abs(exp32) < 3e38)   # beyond float32: inf, compared as such
    exp32 = np.where(np.abs(exp32) >= 3.4028235677973366e38, np.copysign(np.inf, exp32), exp32)  # float32's inf
    assert _ulps(ours[keep], exp32[keep], np.float32) <= 1.0


EDGES = np.array([0.0, -0.0, 1.0, -1.0, -2.0, 2.0, np.inf, -np.inf, np.nan, 1e-300, -1e-300, 0.5, 1e5, -1e5])


@pytest.mark.parametrize("name", ["lgamma", "digamma", "erfinv", "i0", "sinc", "special.i0e", "special.i1",
                                  "special.i1e", "special.ndtri", "special.log_ndtr", "special.erfcx",
                                  "special.entr", "special.ndtr", "polygamma1", "polygamma4"])
def test_edge_values_match_pytorch(name):
    torch = pytest.importorskip("torch")

    def get(m):
        if name.startswith("polygamma"):
            n = int(name[-1])
            return lambda t: m.polygamma(n, t)
        if name.startswith("special."):
            return getattr(m.special, name.split(".")[1])
        return getattr(m, name)

    edges = EDGES
    if name.startswith("polygamma"):
        # at the poles (non-positive integers) PyTorch's polygamma returns large finite numbers (6.6e32 for
        # polygamma(1, -1)); fastgrad returns inf (docs/differences.md)
        # polygamma(n, +-inf): PyTorch's varies with n (0 or NaN at inf; NaN or -inf at -inf); fastgrad's is
        # the limit 0 at inf and NaN at -inf (checked below)
        edges = edges[(~((edges <= 0) & (edges == np.floor(edges))) | (edges == 0)) & ~np.isinf(edges)]
        n = int(name[-1])
        assert fg.polygamma(n, fg.tensor([np.inf])).item() == 0
        assert np.isnan(fg.polygamma(n, fg.tensor([-np.inf])).item())
    ours = get(fg)(fg.tensor(edges)).numpy()
    theirs = get(torch)(torch.tensor(edges)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=0, equal_nan=True)


def test_zeta_edges_and_number_forms_match_pytorch():
    torch = pytest.importorskip("torch")
    x = np.array([1.0, 0.5, 2.0, 2.0, 2.0, 3.0, 2.5, np.inf, np.nan])
    q = np.array([2.0, 2.0, 0.0, -1.0, -1.5, -2.5, -1.5, 1.0, 1.0])
    np.testing.assert_allclose(fg.special.zeta(fg.tensor(x), fg.tensor(q)).numpy(),
                               torch.special.zeta(torch.tensor(x), torch.tensor(q)).numpy(), rtol=1e-9,
                               equal_nan=True)
    np.testing.assert_allclose(fg.special.zeta(2.0, fg.tensor([1.0, 3.0])).numpy(),
                               torch.special.zeta(2.0, torch.tensor([1.0, 3.0])).numpy(), rtol=1e-12)


def test_gradients_at_their_edges():
    x = fg.tensor([0.0, 1e-3, -2.5, 3.0], dtype=fg.float64, requires_grad=True)
    fg.sinc(x).sum().backward()
    assert x.grad[0].item() == 0.0
    tiny = fg.tensor([5e-320, -1e-12, 1e-6], dtype=fg.float64, requires_grad=True)   # the series near 0
    fg.sinc(tiny).sum().backward()
    assert np.allclose(tiny.grad.numpy(), -np.pi**2 / 3 * np.array([5e-320, -1e-12, 1e-6]), rtol=1e-9, atol=0)
    y = fg.tensor([0.0, 2.0], dtype=fg.float64, requires_grad=True)
    fg.special.i1(y).sum().backward()
    assert y.grad[0].item() == 0.5
    z = fg.tensor([0.0, -1.0], dtype=fg.float64, requires_grad=True)
    fg.special.i1e(z).sum().backward()
    assert z.grad[0].item() == 0.5
    for fn in (fg.lgamma, fg.digamma, fg.special.i0e, fg.special.log_ndtr, fg.special.erfcx, fg.special.entr,
               lambda t: fg.polygamma(2, t), lambda t: fg.mvlgamma(t + 2, 3),
               lambda t: fg.special.xlog1py(t, t)):
        leaf = fg.tensor([0.7, 1.9, 3.2], dtype=fg.float64, requires_grad=True)
        assert fg.autograd.gradcheck(fn, (leaf,))
        assert fg.autograd.gradgradcheck(fn, (leaf,))
    leaf = fg.tensor([-0.6, 0.1, 0.8], dtype=fg.float64, requires_grad=True)
    assert fg.autograd.gradcheck(fg.erfinv, (leaf,)) and fg.autograd.gradcheck(fg.special.ndtri, (leaf * 0 + 0.3,))


def test_errors():
    with pytest.raises(RuntimeError, match="does not support negative n"):
        fg.polygamma(-1, fg.ones(2))
    with pytest.raises(RuntimeError, match="p has to be greater than or equal to 1"):
        fg.mvlgamma(fg.ones(2) * 3, 0)
    x = fg.tensor([2.0, 3.0], requires_grad=True)
    out = fg.special.zeta(x, fg.tensor([1.0, 2.0]))
    assert type(out.grad_fn).__name__ == "SpecialZetaBackward0"
    with pytest.raises(NotImplementedError, match="the derivative for 'self' is not implemented"):
        out.sum().backward()
    with pytest.raises(TypeError):
        fg.special.zeta(2.0, 3.0)


def test_in_place_and_integer_inputs():
    t = fg.tensor([0.5, 2.0, 3.5], dtype=fg.float64)
    for method, ref in (("lgamma_", fg.lgamma), ("digamma_", fg.digamma), ("i0_", fg.i0), ("sinc_", fg.sinc)):
        c = t.clone()
        assert getattr(c, method)() is c and fg.equal(c, ref(t))
    c = t.clone()
    c.polygamma_(1)
    assert fg.equal(c, fg.polygamma(1, t))
    c = t.clone() + 2
    c.mvlgamma_(2)
    assert fg.equal(c, fg.mvlgamma(t + 2, 2))
    assert fg.lgamma(fg.tensor([1, 2, 3])).dtype == fg.float32   # integers compute in the default dtype
    with pytest.raises(RuntimeError):
        fg.tensor([1, 2]).lgamma_()   # an integer tensor cannot hold the result
