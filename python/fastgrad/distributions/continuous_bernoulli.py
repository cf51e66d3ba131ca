"""The ContinuousBernoulli distribution."""
import math
from numbers import Number

from . import constraints
from .exp_family import ExponentialFamily
from .utils import broadcast_all, clamp_probs, lazy_property, logits_to_probs, probs_to_logits

__all__ = ["ContinuousBernoulli"]


def _fg():
    import fastgrad
    return fastgrad


class ContinuousBernoulli(ExponentialFamily):
    """The continuous Bernoulli distribution on [0, 1] (Loaiza-Ganem and Cunningham, 2019): density
    C(p) p^x (1 - p)^(1 - x) with C(p) = 2 atanh(1 - 2p) / (1 - 2p) = logit(p) / (2p - 1) (C(1/2) = 2),
    parameterised by ``probs`` p or ``logits`` (not both).

    Inside ``lims`` (around 1/2, where the closed forms are 0/0) the normaliser, mean and variance are their
    Taylor series in p - 1/2. rsample is icdf(rand), as PyTorch (the same numbers for the same seed)."""

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.unit_interval
    _mean_carrier_measure = 0
    has_rsample = True

    def __init__(self, probs=None, logits=None, lims=(0.499, 0.501), validate_args=None):
        fg = _fg()
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            is_scalar = isinstance(probs, Number)
            (self.probs,) = broadcast_all(probs)
            # checked here when asked for: the clamping below would hide invalid values
            if validate_args is not None and not bool(self.arg_constraints["probs"].check(self.probs).all()):
                raise ValueError("The parameter probs has invalid values")
            self.probs = clamp_probs(self.probs)
        else:
            is_scalar = isinstance(logits, Number)
            (self.logits,) = broadcast_all(logits)
        self._param = self.probs if probs is not None else self.logits
        batch_shape = fg.Size() if is_scalar else self._param.size()
        self._lims = lims
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        fg = _fg()
        new = self._get_checked_instance(ContinuousBernoulli, _instance)
        new._lims = self._lims
        batch_shape = fg.Size(batch_shape)
        if "probs" in self.__dict__:
            new.probs = self.probs.expand(batch_shape)
            new._param = new.probs
        if "logits" in self.__dict__:
            new.logits = self.logits.expand(batch_shape)
            new._param = new.logits
        super(ContinuousBernoulli, new).__init__(batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def _new(self, *args, **kwargs):
        return self._param.new(*args, **kwargs)

    def _stable(self):
        """Where p is outside ``lims`` (the closed forms are accurate)."""
        return (self.probs <= self._lims[0]) | (self.probs > self._lims[1])

    def _safe_probs(self):
        """p where stable, lims[0] elsewhere (so that the unused closed forms stay finite, gradients too)."""
        fg = _fg()
        return fg.where(self._stable(), self.probs, fg.full_like(self.probs, self._lims[0]))

    def _cont_bern_log_norm(self):
        """log C(p) = log|logit(p)| - log|2p - 1|; log 2 + 4/3 t^2 + 104/45 t^4 (t = p - 1/2) near 1/2."""
        fg = _fg()
        p = self._safe_probs()
        closed = (fg.log1p(-p) - fg.log(p)).abs().log() - (1.0 - 2.0 * p).abs().log()
        t2 = (self.probs - 0.5).pow(2)
        series = math.log(2.0) + (4.0 / 3.0 + 104.0 / 45.0 * t2) * t2
        return fg.where(self._stable(), closed, series)

    @property
    def mean(self):
        fg = _fg()
        p = self._safe_probs()
        closed = p / (2.0 * p - 1.0) + 1.0 / (fg.log1p(-p) - fg.log(p))
        t = self.probs - 0.5
        series = 0.5 + (1.0 / 3.0 + 16.0 / 45.0 * t.pow(2)) * t
        return fg.where(self._stable(), closed, series)

    @property
    def stddev(self):
        return self.variance.sqrt()

    @property
    def variance(self):
        fg = _fg()
        p = self._safe_probs()
        closed = p * (p - 1.0) / (1.0 - 2.0 * p).pow(2) + 1.0 / (fg.log1p(-p) - fg.log(p)).pow(2)
        t2 = (self.probs - 0.5).pow(2)
        series = 1.0 / 12.0 - (1.0 / 15.0 - 128.0 / 945.0 * t2) * t2
        return fg.where(self._stable(), closed, series)

    @lazy_property
    def logits(self):
        """The log-odds of p (derived from probs when given probs)."""
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self):
        """p, clamped away from 0 and 1 (derived from logits when given logits)."""
        return clamp_probs(logits_to_probs(self.logits, is_binary=True))

    @property
    def param_shape(self):
        """The shape of the parameter the distribution was built from."""
        return self._param.size()

    def sample(self, sample_shape=()):
        fg = _fg()
        shape = self._extended_shape(sample_shape)
        u = fg.rand(shape, dtype=self.probs.dtype)
        with fg.no_grad():
            return self.icdf(u)

    def rsample(self, sample_shape=()):
        fg = _fg()
        shape = self._extended_shape(sample_shape)
        return self.icdf(fg.rand(shape, dtype=self.probs.dtype))

    def log_prob(self, value):
        fg = _fg()
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        return (-fg.nn.functional.binary_cross_entropy_with_logits(logits, value, reduction="none")
                + self._cont_bern_log_norm())

    def cdf(self, value):
        fg = _fg()
        if self._validate_args:
            self._validate_sample(value)
        p = self._safe_probs()
        closed = (p.pow(value) * (1.0 - p).pow(1.0 - value) + p - 1.0) / (2.0 * p - 1.0)
        inside = fg.where(self._stable(), closed, value)
        return fg.where(value <= 0.0, fg.zeros_like(value),
                        fg.where(value >= 1.0, fg.ones_like(value), inside))

    def icdf(self, value):
        fg = _fg()
        p = self._safe_probs()
        closed = (fg.log1p(-p + value * (2.0 * p - 1.0)) - fg.log1p(-p)) / (fg.log(p) - fg.log1p(-p))
        return fg.where(self._stable(), closed, value)

    def entropy(self):
        fg = _fg()
        log_q = fg.log1p(-self.probs)
        log_p = fg.log(self.probs)
        return self.mean * (log_q - log_p) - self._cont_bern_log_norm() - log_q

    @property
    def _natural_params(self):
        return (self.logits,)

    def _log_normalizer(self, x):
        """log((e^x - 1) / x) of the natural parameter x; x/2 + x^2/24 - x^4/2880 near 0."""
        fg = _fg()
        stable = (x <= self._lims[0] - 0.5) | (x > self._lims[1] - 0.5)
        safe = fg.where(stable, x, fg.full_like(x, self._lims[0] - 0.5))
        closed = fg.expm1(safe).abs().log() - safe.abs().log()
        series = 0.5 * x + x.pow(2) / 24.0 - x.pow(4) / 2880.0
        return fg.where(stable, closed, series)
