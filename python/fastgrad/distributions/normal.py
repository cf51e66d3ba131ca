"""The Normal distribution."""
import math
from numbers import Number, Real

from . import constraints
from .exp_family import ExponentialFamily
from .utils import _standard_normal, broadcast_all

__all__ = ["Normal"]


def _fg():
    import fastgrad
    return fastgrad


class Normal(ExponentialFamily):
    """The normal (Gaussian) distribution N(loc, scale^2).

    Args:
        loc (float or Tensor): mean of the distribution.
        scale (float or Tensor): standard deviation (positive).

    sample draws torch.normal(loc, scale) and rsample loc + scale * randn, as PyTorch (the same numbers for
    the same seed)."""

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True
    _mean_carrier_measure = 0

    @property
    def mean(self):
        return self.loc

    @property
    def mode(self):
        return self.loc

    @property
    def stddev(self):
        return self.scale

    @property
    def variance(self):
        return self.stddev.pow(2)

    def __init__(self, loc, scale, validate_args=None):
        fg = _fg()
        self.loc, self.scale = broadcast_all(loc, scale)
        batch_shape = fg.Size() if isinstance(loc, Number) and isinstance(scale, Number) else self.loc.size()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        fg = _fg()
        new = self._get_checked_instance(Normal, _instance)
        batch_shape = fg.Size(batch_shape)
        new.loc = self.loc.expand(batch_shape)
        new.scale = self.scale.expand(batch_shape)
        super(Normal, new).__init__(batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def sample(self, sample_shape=()):
        fg = _fg()
        shape = self._extended_shape(sample_shape)
        with fg.no_grad():
            return fg.normal(self.loc.expand(shape), self.scale.expand(shape))

    def rsample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        eps = _standard_normal(shape, dtype=self.loc.dtype)
        return self.loc + eps * self.scale

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        var = self.scale ** 2
        log_scale = math.log(self.scale) if isinstance(self.scale, Real) else self.scale.log()
        return -((value - self.loc) ** 2) / (2 * var) - log_scale - math.log(math.sqrt(2 * math.pi))

    def cdf(self, value):
        fg = _fg()
        if self._validate_args:
            self._validate_sample(value)
        return 0.5 * (1 + fg.erf((value - self.loc) * self.scale.reciprocal() / math.sqrt(2)))

    def icdf(self, value):
        fg = _fg()
        return self.loc + self.scale * fg.erfinv(2 * value - 1) * math.sqrt(2)

    def entropy(self):
        fg = _fg()
        return 0.5 + 0.5 * math.log(2 * math.pi) + fg.log(self.scale)

    @property
    def _natural_params(self):
        return (self.loc / self.scale.pow(2), -0.5 * self.scale.pow(2).reciprocal())

    def _log_normalizer(self, x, y):
        fg = _fg()
        return -0.25 * x.pow(2) / y + 0.5 * fg.log(-math.pi / y)
