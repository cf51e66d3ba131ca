"""The Fisher-Snedecor (F) distribution."""
import math
from numbers import Number

from . import constraints
from .distribution import Distribution
from .gamma import Gamma
from .utils import broadcast_all

__all__ = ["FisherSnedecor"]


def _fg():
    import fastgrad
    return fastgrad


class FisherSnedecor(Distribution):
    """The F distribution with ``df1`` and ``df2`` degrees of freedom: (X1 / df1) / (X2 / df2) for independent
    chi-squared X1, X2; rsample is reparameterised through the gamma draws (not PyTorch's numbers:
    docs/differences.md)."""

    arg_constraints = {"df1": constraints.positive, "df2": constraints.positive}
    support = constraints.positive
    has_rsample = True

    def __init__(self, df1, df2, validate_args=None):
        fg = _fg()
        self.df1, self.df2 = broadcast_all(df1, df2)
        # chi2(d) / d is Gamma(d / 2, rate d / 2); the common factor 2 cancels in the ratio
        self._gamma1 = Gamma(self.df1 * 0.5, self.df1)
        self._gamma2 = Gamma(self.df2 * 0.5, self.df2)
        batch_shape = fg.Size() if isinstance(df1, Number) and isinstance(df2, Number) else self.df1.size()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        fg = _fg()
        new = self._get_checked_instance(FisherSnedecor, _instance)
        batch_shape = fg.Size(batch_shape)
        new.df1 = self.df1.expand(batch_shape)
        new.df2 = self.df2.expand(batch_shape)
        new._gamma1 = self._gamma1.expand(batch_shape)
        new._gamma2 = self._gamma2.expand(batch_shape)
        super(FisherSnedecor, new).__init__(batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def mean(self):
        fg = _fg()
        # NaN where undefined, with df2 itself replaced (as PyTorch, so that gradients there are NaN too)
        d2 = fg.where(self.df2 > 2, self.df2, fg.full_like(self.df2, math.nan))
        return d2 / (d2 - 2)

    @property
    def mode(self):
        fg = _fg()
        m = (self.df1 - 2) / self.df1 * self.df2 / (self.df2 + 2)
        return fg.where(self.df1 > 2, m, fg.full_like(m, math.nan))

    @property
    def variance(self):
        fg = _fg()
        d1 = self.df1
        d2 = fg.where(self.df2 > 4, self.df2, fg.full_like(self.df2, math.nan))
        return 2 * d2.pow(2) * (d1 + d2 - 2) / (d1 * (d2 - 2).pow(2) * (d2 - 4))

    def rsample(self, sample_shape=()):
        fg = _fg()
        shape = self._extended_shape(sample_shape)
        x1 = self._gamma1.rsample(sample_shape).view(shape)
        x2 = self._gamma2.rsample(sample_shape).view(shape)
        tiny = fg.finfo(x2.dtype).tiny
        return (x1 / x2.clamp(min=tiny)).clamp(min=tiny)

    def log_prob(self, value):
        fg = _fg()
        if self._validate_args:
            self._validate_sample(value)
        h1, h2 = 0.5 * self.df1, 0.5 * self.df2
        ratio = self.df1 / self.df2
        log_norm = (h1 + h2).lgamma() - h1.lgamma() - h2.lgamma() + h1 * ratio.log()
        return log_norm + (h1 - 1) * fg.log(value) - (h1 + h2) * fg.log1p(ratio * value)
