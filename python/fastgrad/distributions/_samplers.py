"""Samplers for the distributions whose PyTorch samplers are C++ kernels (gamma, Poisson, binomial), written
over fastgrad's random stream (rand / randn), and the implicit reparameterisation gradient of the gamma
sample. They draw from the right distributions but not PyTorch's numbers (docs/differences.md).

Note [Implicit reparameterisation]: a gamma draw x = F^-1(u; alpha) is differentiated at fixed u, so
dx/dalpha = -(dF/dalpha) / p(x; alpha), with F the regularized lower incomplete gamma function P(alpha, x)
(_standard_gamma_grad). The draw itself is made without recording (Marsaglia-Tsang), and _StandardGamma puts
this derivative on its backward; Gamma, Chi2, StudentT (through Chi2), Dirichlet (normalised gamma draws) and
Beta (a two-component Dirichlet) inherit it, so their rsample is differentiable as PyTorch's is. dF/dalpha comes
from the series of P (bulk and lower tail), from the upper tail's integral by Gauss-Laguerre quadrature where
the series would cancel (x > 2 alpha + 10), and from the Wilson-Hilferty approximation for alpha >= 500.
"""
import math

from ..autograd.function import Function


def _fg():
    import fastgrad
    return fastgrad


def _standard_gamma_sample(alpha):
    """Gamma(alpha, 1) samples by Marsaglia and Tsang's squeeze/rejection method (alpha < 1 boosted:
    Gamma(alpha + 1) * U^(1/alpha)); computed in float64, returned in alpha's dtype, at least the dtype's
    smallest normal number."""
    fg = _fg()
    with fg.no_grad():
        a_in = alpha.detach().to(fg.float64)
        # concentrations that are not positive numbers give the smallest normal number (as PyTorch's kernel),
        # +inf gives +inf; they take no part in the rejection loop
        invalid = ~(a_in > 0) | (a_in == math.inf)
        a = fg.where(invalid, fg.ones_like(a_in), a_in)
        boost = a < 1
        a1 = fg.where(boost, a + 1, a)
        d = a1 - 1.0 / 3.0
        c = 1.0 / fg.sqrt(9.0 * d)
        out = fg.zeros_like(a)
        done = fg.zeros(a.shape, dtype=fg.bool)
        while not bool(done.all()):
            z = fg.randn(a.shape, dtype=fg.float64)
            u = fg.rand(a.shape, dtype=fg.float64)
            v = (1 + c * z) ** 3
            vpos = v > 0
            logv = fg.log(fg.where(vpos, v, fg.ones_like(v)))
            ok = vpos & (fg.log(u) < 0.5 * z * z + d - d * v + d * logv)
            new = ok & ~done
            out = fg.where(new, d * v, out)
            done = done | ok
        if bool(boost.any()):
            u = fg.rand(a.shape, dtype=fg.float64)
            out = fg.where(boost, out * u ** (1.0 / a), out)
        out = fg.where(invalid, fg.where(a_in == math.inf, a_in, fg.zeros_like(a_in)), out)
        out = out.to(alpha.dtype)
        return out.clamp(min=fg.finfo(alpha.dtype).tiny)


def _standard_gamma_grad(alpha, x):
    """d x / d alpha of a Gamma(alpha, 1) sample x at fixed CDF value (implicit reparameterisation):
    -(dP(alpha, x)/d alpha) / p(x; alpha), with P the regularized lower incomplete gamma function, from the
    series P = sum_n x^(alpha+n) e^-x / Gamma(alpha+n+1), in the far upper tail (x > 2 alpha + 10) from the
    upper incomplete gamma function by Gauss-Laguerre quadrature; for alpha >= 500 from the Wilson-Hilferty
    approximation."""
    fg = _fg()
    with fg.no_grad():
        a_in = alpha.detach().to(fg.float64)
        x_in = x.detach().to(fg.float64)
        bad = ~((a_in > 0) & (a_in < math.inf) & (x_in >= 0) & (x_in < math.inf))
        a = fg.where(bad, fg.ones_like(a_in), a_in)
        xs = fg.where(bad, fg.ones_like(x_in), x_in).clamp(min=1e-300)
        big = a >= 500
        a_s = fg.where(big, fg.ones_like(a), a)
        x_s = fg.where(big, fg.ones_like(xs), xs)
        logx = fg.log(x_s)
        r = x_s / a_s
        psi = fg.digamma(a_s) + 1.0 / a_s
        total = r * (logx - psi)
        x_sr = fg.where(xs > 2 * a + 10, a_s, x_s)
        n_terms = float((x_sr - a_s).clamp(min=0).max()) + 15 * math.sqrt(float(x_sr.max())) + 40 if a.numel() else 0
        for n in range(1, int(min(n_terms, 20000))):
            r = r * x_s / (a_s + n)
            psi = psi + 1.0 / (a_s + n)
            total = total + r * (logx - psi)
        grad = -total
        # Far in the upper tail the series cancels (its terms reach P / p ~ e^x); there
        # dx/dalpha = (dQ/dalpha) / p = int_0^inf e^-s (1 + s/x)^(alpha-1) (log(x + s) - digamma(alpha)) ds,
        # by Gauss-Laguerre quadrature (smooth: (alpha - 1) / x < 1/2).
        tail = ~big & (xs > 2 * a + 10)
        if bool(tail.any()):
            import numpy as np
            nodes, weights = np.polynomial.laguerre.laggauss(64)
            a_t = fg.where(tail, a, fg.ones_like(a))
            x_t = fg.where(tail, xs, fg.full_like(xs, 20.0))
            psi_a = fg.digamma(a_t)
            acc = fg.zeros_like(a)
            for s_, w_ in zip(nodes.tolist(), weights.tolist()):
                acc = acc + w_ * fg.exp((a_t - 1) * fg.log1p(s_ / x_t)) * (fg.log(x_t + s_) - psi_a)
            grad = fg.where(tail, acc, grad)
        if bool(big.any()):
            # x = a (1 - 1/(9a) + z / (3 sqrt(a)))^3 with z fixed
            t = (xs / a) ** (1.0 / 3.0)
            z = (t - 1 + 1 / (9 * a)) * 3 * fg.sqrt(a)
            inner = 1 - 1 / (9 * a) + z / (3 * fg.sqrt(a))
            dinner = 1 / (9 * a * a) - z / (6 * a * fg.sqrt(a))
            g_big = inner ** 3 + 3 * a * inner ** 2 * dinner
            grad = fg.where(big, g_big, grad)
        grad = fg.where(bad, fg.full_like(grad, math.nan), grad)
        return grad.to(alpha.dtype)


class _StandardGamma(Function):
    """A Gamma(alpha, 1) sample whose gradient with respect to alpha is the implicit reparameterisation
    gradient (as PyTorch's _standard_gamma; see Note [Implicit reparameterisation])."""

    @staticmethod
    def forward(ctx, alpha):
        """Samples Gamma(alpha, 1)."""
        x = _standard_gamma_sample(alpha)
        ctx.save_for_backward(alpha, x)
        return x

    @staticmethod
    def backward(ctx, grad):
        """grad * dx/dalpha."""
        alpha, x = ctx.saved_tensors
        return grad * _standard_gamma_grad(alpha, x)


def _standard_gamma(alpha):
    return _StandardGamma.apply(alpha)


def _poisson_sample(rate):
    """Poisson(rate) samples: products of uniforms for rate < 10, Hoermann's transformed rejection (PTRS)
    for rate >= 10; returned in rate's dtype."""
    fg = _fg()
    with fg.no_grad():
        lam = rate.detach().to(fg.float64)
        if not bool((lam >= 0).all()):
            raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
        # +inf draws +inf (PyTorch's kernel returns the int64 minimum there); it takes no part in the loop
        infinite = lam == math.inf
        lam = fg.where(infinite, fg.zeros_like(lam), lam)
        out = fg.zeros_like(lam)
        small = lam < 10
        if bool(small.any()):
            limit = fg.exp(-lam)
            prod = fg.ones_like(lam)
            k = fg.zeros_like(lam)
            active = small & (lam > 0)
            while bool(active.any()):
                prod = fg.where(active, prod * fg.rand(lam.shape, dtype=fg.float64), prod)
                active = active & (prod > limit)
                k = k + active.to(fg.float64)
            out = fg.where(small, k, out)
        large = ~small
        if bool(large.any()):
            lam_l = fg.where(large, lam, fg.full_like(lam, 10.0))
            slam = fg.sqrt(lam_l)
            loglam = fg.log(lam_l)
            b = 0.931 + 2.53 * slam
            a = -0.059 + 0.02483 * b
            inv_alpha = 1.1239 + 1.1328 / (b - 3.4)
            vr = 0.9277 - 3.6224 / (b - 2)
            done = ~large
            while not bool(done.all()):
                u = fg.rand(lam.shape, dtype=fg.float64) - 0.5
                v = fg.rand(lam.shape, dtype=fg.float64)
                us = 0.5 - u.abs()
                k = fg.floor((2 * a / us + b) * u + lam_l + 0.43)
                quick = (us >= 0.07) & (v <= vr)
                reject = (k < 0) | ((us < 0.013) & (v > us))
                kpos = k.clamp(min=0)
                lhs = fg.log(v * inv_alpha / (a / (us * us) + b))
                rhs = -lam_l + kpos * loglam - fg.lgamma(kpos + 1)
                ok = quick | (~reject & (lhs <= rhs))
                new = ok & ~done
                out = fg.where(new, k, out)
                done = done | ok
        out = fg.where(infinite, fg.full_like(out, math.inf), out)
        return out.to(rate.dtype)


def _beta_sample(a, b):
    ga = _standard_gamma_sample(a)
    gb = _standard_gamma_sample(b)
    return ga / (ga + gb)


def _binomial_sample(count, prob):
    """Binomial(count, prob) samples: counts above 64 are halved by Knuth's beta splitting (the order
    statistic of uniforms), the rest are sums of Bernoulli draws; returned in prob's dtype."""
    fg = _fg()
    with fg.no_grad():
        n = count.detach().to(fg.float64).round()
        p = prob.detach().to(fg.float64)
        # counts that are not finite nonnegative numbers and probabilities outside [0, 1] (or NaN) draw NaN and
        # take no part in the loops
        bad = ~((n >= 0) & (n < math.inf) & (p >= 0) & (p <= 1))
        n = fg.where(bad, fg.zeros_like(n), n)
        p = fg.where(bad, fg.zeros_like(p), p)
        acc = fg.zeros_like(p)
        while True:
            big = n > 64
            if not bool(big.any()):
                break
            a = fg.floor(n / 2) + 1
            bb = n + 1 - a
            y = _beta_sample(fg.where(big, a, fg.ones_like(a)), fg.where(big, bb, fg.ones_like(bb)))
            upper = y >= p
            # p < Y: the a-th smallest uniform is above p, so all successes are among the a - 1 below it
            n_new = fg.where(upper, a - 1, bb - 1)
            p_new = fg.where(upper, p / y, (p - y) / (1 - y))
            acc = fg.where(big & ~upper, acc + a, acc)
            n = fg.where(big, n_new, n)
            p = fg.where(big, p_new.clamp(0, 1), p)
        m = int(n.max()) if n.numel() else 0
        if m > 0:
            u = fg.rand((m,) + tuple(p.shape), dtype=fg.float64)
            idx = fg.arange(m, dtype=fg.float64).reshape((m,) + (1,) * p.dim())
            acc = acc + ((u < p) & (idx < n)).to(fg.float64).sum(0)
        acc = fg.where(bad, fg.full_like(acc, math.nan), acc)
        return acc.to(prob.dtype)


def _gammainc_value(a, x):
    """The regularized lower incomplete gamma function P(a, x) in float64: its series for x < a + 1, one minus
    the continued fraction of Q (modified Lentz) otherwise; 0 for x <= 0, NaN for a <= 0 or NaN."""
    fg = _fg()
    with fg.no_grad():
        a = a.detach().to(fg.float64)
        x = x.detach().to(fg.float64)
        a, x = fg.broadcast_tensors(a, x)
        valid = (a > 0) & (x == x)
        pos = valid & (x > 0) & (x < math.inf)
        a_s = fg.where(pos, a, fg.ones_like(a))
        x_s = fg.where(pos, x, fg.ones_like(x))
        log_front = a_s * fg.log(x_s) - x_s - fg.lgamma(a_s)
        use_series = x_s < a_s + 1
        # series: P = e^(a log x - x - lgamma(a)) * sum_n x^n / (a (a+1) ... (a+n))
        term = 1.0 / a_s
        total = term
        for n in range(1, 100000):
            term = term * x_s / (a_s + n)
            total = total + term
            if not bool(((term.abs() > 1e-17 * total.abs()) & use_series).any()):
                break
        p_series = fg.exp(log_front) * total
        # continued fraction of Q (x >= a + 1)
        tiny = 1e-300
        b = x_s + 1 - a_s
        c = fg.full_like(b, 1.0 / tiny)
        d = 1.0 / b
        h = d
        for i in range(1, 100000):
            an = -i * (i - a_s)
            b = b + 2
            d = an * d + b
            d = fg.where(d.abs() < tiny, fg.full_like(d, tiny), d)
            c = b + an / c
            c = fg.where(c.abs() < tiny, fg.full_like(c, tiny), c)
            d = 1.0 / d
            delta = d * c
            h = h * delta
            if not bool((((delta - 1).abs() > 1e-16) & ~use_series).any()):
                break
        q_cf = fg.exp(log_front) * h
        out = fg.where(use_series, p_series, 1 - q_cf)
        out = fg.where(x == math.inf, fg.ones_like(out), out)
        out = fg.where(valid & (x <= 0), fg.zeros_like(out), out)
        return fg.where(valid, out, fg.full_like(out, math.nan))


class _GammaInc(Function):
    """P(a, x), differentiable with respect to x (the gamma density); as PyTorch's igamma, not with respect to
    a."""

    @staticmethod
    def forward(ctx, a, x):
        """P(a, x) in the broadcast shape, in x's dtype."""
        ctx.save_for_backward(a, x)
        return _gammainc_value(a, x).to(x.dtype)

    @staticmethod
    def backward(ctx, grad):
        """d P / d x = x^(a-1) e^-x / Gamma(a); the derivative in a is not implemented (as PyTorch's)."""
        fg = _fg()
        a, x = ctx.saved_tensors
        if ctx.needs_input_grad[0]:
            raise NotImplementedError("the derivative for 'igamma: input' is not implemented.")
        dx = fg.exp(fg.xlogy(a - 1, x) - x - fg.lgamma(a)) if ctx.needs_input_grad[1] else None
        return None, (grad * dx if dx is not None else None)


def _gammainc(a, x):
    return _GammaInc.apply(a, x)
