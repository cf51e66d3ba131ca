"""The GeneralizedPareto distribution."""
import math
from numbers import Number, Real

from . import constraints
from .distribution import Distribution
from .utils import broadcast_all

__all__ = ["GeneralizedPareto"]


def _fg():
    import fastgrad
    return fastgrad


class GeneralizedPareto(Distribution):
    """The generalized Pareto distribution with location ``loc``, scale ``scale`` and shape ``concentration``
    (xi): survival function (1 + xi z)^(-1/xi) of z = (x - loc) / scale (exp(-z) for xi = 0).

    rsample is icdf(rand), as PyTorch (the same numbers for the same seed)."""

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive, "concentration": constraints.real}
    has_rsample = True

    def __init__(self, loc, scale, concentration, validate_args=None):
        fg = _fg()
        self.loc, self.scale, self.concentration = broadcast_all(loc, scale, concentration)
        if isinstance(loc, Number) and isinstance(scale, Number) and isinstance(concentration, Number):
            batch_shape = fg.Size()
        else:
            batch_shape = self.loc.size()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        fg = _fg()
        new = self._get_checked_instance(GeneralizedPareto, _instance)
        batch_shape = fg.Size(batch_shape)
        new.loc = self.loc.expand(batch_shape)
        new.scale = self.scale.expand(batch_shape)
        new.concentration = self.concentration.expand(batch_shape)
        super(GeneralizedPareto, new).__init__(batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def _xi(self):
        """(xi is 0 (to isclose's default tolerance), xi with those entries replaced by 1)."""
        fg = _fg()
        xi = self.concentration
        zero = fg.isclose(xi, fg.zeros_like(xi))
        return zero, fg.where(zero, fg.ones_like(xi), xi)

    def rsample(self, sample_shape=()):
        fg = _fg()
        shape = self._extended_shape(sample_shape)
        return self.icdf(fg.rand(shape, dtype=self.loc.dtype))

    def log_prob(self, value):
        fg = _fg()
        if self._validate_args:
            self._validate_sample(value)
        z = (value - self.loc) / self.scale
        zero, xi = self._xi()
        # -log scale - (1 + 1/xi) log1p(xi z), or -log scale - z at xi = 0
        power = 1 / xi + fg.ones_like(z)
        nonzero = fg.where(power == 0, power, power * fg.log1p(xi * z))
        log_scale = math.log(self.scale) if isinstance(self.scale, Real) else self.scale.log()
        return -log_scale - fg.where(zero, z, nonzero)

    def log_survival_function(self, value):
        """log P(X > value)."""
        fg = _fg()
        if self._validate_args:
            self._validate_sample(value)
        z = (value - self.loc) / self.scale
        zero, xi = self._xi()
        return fg.where(zero, -z, -fg.log1p(xi * z) / xi)

    def log_cdf(self, value):
        """log P(X <= value)."""
        fg = _fg()
        return fg.log1p(-fg.exp(self.log_survival_function(value)))

    def cdf(self, value):
        return _fg().exp(self.log_cdf(value))

    def icdf(self, value):
        fg = _fg()
        zero, xi = self._xi()
        log1m_u = fg.log1p(-value)
        return fg.where(zero, self.loc - self.scale * log1m_u,
                        self.loc + self.scale / xi * fg.expm1(-xi * log1m_u))

    @property
    def mean(self):
        fg = _fg()
        xi = self.concentration
        ok = xi < 1
        safe = fg.where(ok, xi, fg.full_like(xi, 0.5))
        return fg.where(ok, self.loc + self.scale / (1 - safe), fg.full_like(xi, math.nan))

    @property
    def variance(self):
        fg = _fg()
        xi = self.concentration
        ok = xi < 0.5
        safe = fg.where(ok, xi, fg.full_like(xi, 0.25))
        v = self.scale ** 2 / ((1 - safe) ** 2 * (1 - 2 * safe))
        return fg.where(ok, v, fg.full_like(v, math.nan))

    def entropy(self):
        fg = _fg()
        return fg.broadcast_to(fg.log(self.scale) + self.concentration + 1, self._batch_shape)

    @property
    def mode(self):
        return self.loc

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self):
        fg = _fg()
        lower = self.loc
        upper = fg.where(self.concentration < 0, lower - self.scale / self.concentration,
                         fg.full_like(lower, math.inf))
        return constraints.interval(lower, upper)
