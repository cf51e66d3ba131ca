"""The Exponential distribution."""
from numbers import Number

from . import constraints
from .exp_family import ExponentialFamily
from .utils import broadcast_all

__all__ = ["Exponential"]


def _fg():
    import fastgrad
    return fastgrad


class Exponential(ExponentialFamily):
    """The exponential distribution with rate ``rate`` (mean 1 / rate).

    rsample is exponential_() / rate, as PyTorch (the same numbers for the same seed)."""

    arg_constraints = {"rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True
    _mean_carrier_measure = 0

    @property
    def mean(self):
        return self.rate.reciprocal()

    @property
    def mode(self):
        return _fg().zeros_like(self.rate)

    @property
    def stddev(self):
        return self.rate.reciprocal()

    @property
    def variance(self):
        return self.rate.pow(-2)

    def __init__(self, rate, validate_args=None):
        fg = _fg()
        (self.rate,) = broadcast_all(rate)
        batch_shape = fg.Size() if isinstance(rate, Number) else self.rate.size()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        fg = _fg()
        new = self._get_checked_instance(Exponential, _instance)
        batch_shape = fg.Size(batch_shape)
        new.rate = self.rate.expand(batch_shape)
        super(Exponential, new).__init__(batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def rsample(self, sample_shape=()):
        fg = _fg()
        shape = self._extended_shape(sample_shape)
        return fg.empty(shape, dtype=self.rate.dtype).exponential_() / self.rate

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return self.rate.log() - self.rate * value

    def cdf(self, value):
        fg = _fg()
        if self._validate_args:
            self._validate_sample(value)
        return 1 - fg.exp(-self.rate * value)

    def icdf(self, value):
        fg = _fg()
        return -fg.log1p(-value) / self.rate

    def entropy(self):
        fg = _fg()
        return 1.0 - fg.log(self.rate)

    @property
    def _natural_params(self):
        return (-self.rate,)

    def _log_normalizer(self, x):
        fg = _fg()
        return -fg.log(-x)
