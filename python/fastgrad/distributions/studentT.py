"""The Student's t distribution."""
import math

from . import constraints
from .chi2 import Chi2
from .distribution import Distribution
from .utils import _standard_normal, broadcast_all

__all__ = ["StudentT"]


def _fg():
    import fastgrad
    return fastgrad


class StudentT(Distribution):
    """Student's t distribution with ``df`` degrees of freedom, location ``loc`` and scale ``scale``.

    rsample is loc + scale * X / sqrt(Z / df) with X standard normal and Z ~ Chi2(df) (reparameterised
    through the gamma draw; not PyTorch's numbers: docs/differences.md)."""

    arg_constraints = {"df": constraints.positive, "loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    @property
    def mean(self):
        fg = _fg()
        return fg.where(self.df <= 1, fg.full_like(self.loc, math.nan), self.loc)

    @property
    def mode(self):
        return self.loc

    @property
    def variance(self):
        fg = _fg()
        df = self.df
        safe = fg.where(df > 2, df, fg.full_like(df, 3.0))
        m = self.scale.pow(2) * safe / (safe - 2)
        m = fg.where(df > 2, m, fg.full_like(m, math.inf))
        return fg.where(df <= 1, fg.full_like(m, math.nan), m)

    def __init__(self, df, loc=0.0, scale=1.0, validate_args=None):
        self.df, self.loc, self.scale = broadcast_all(df, loc, scale)
        self._chi2 = Chi2(self.df)
        batch_shape = self.df.size()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        fg = _fg()
        new = self._get_checked_instance(StudentT, _instance)
        batch_shape = fg.Size(batch_shape)
        new.df = self.df.expand(batch_shape)
        new.loc = self.loc.expand(batch_shape)
        new.scale = self.scale.expand(batch_shape)
        new._chi2 = self._chi2.expand(batch_shape)
        super(StudentT, new).__init__(batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def rsample(self, sample_shape=()):
        fg = _fg()
        shape = self._extended_shape(sample_shape)
        X = _standard_normal(shape, dtype=self.df.dtype)
        Z = self._chi2.rsample(sample_shape)
        Y = X * fg.rsqrt(Z / self.df)
        return self.loc + self.scale * Y

    def log_prob(self, value):
        fg = _fg()
        if self._validate_args:
            self._validate_sample(value)
        y = (value - self.loc) / self.scale
        Z = (self.scale.log() + 0.5 * self.df.log() + 0.5 * math.log(math.pi) + fg.lgamma(0.5 * self.df)
             - fg.lgamma(0.5 * (self.df + 1.0)))
        return -0.5 * (self.df + 1.0) * fg.log1p(y ** 2.0 / self.df) - Z

    def entropy(self):
        fg = _fg()
        lbeta = fg.lgamma(0.5 * self.df) + math.lgamma(0.5) - fg.lgamma(0.5 * (self.df + 1))
        return (self.scale.log()
                + 0.5 * (self.df + 1) * (fg.digamma(0.5 * (self.df + 1)) - fg.digamma(0.5 * self.df))
                + 0.5 * self.df.log() + lbeta)
