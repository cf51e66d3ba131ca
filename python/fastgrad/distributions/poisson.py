"""The Poisson distribution."""
from numbers import Number

from . import constraints
from ._samplers import _poisson_sample
from .exp_family import ExponentialFamily
from .utils import broadcast_all

__all__ = ["Poisson"]


def _fg():
    import fastgrad
    return fastgrad


class Poisson(ExponentialFamily):
    """The Poisson distribution with rate ``rate``: P(k) = rate^k e^-rate / k!.

    sample uses products of uniforms (rate < 10) or transformed rejection (PTRS), not PyTorch's numbers
    (docs/differences.md)."""

    arg_constraints = {"rate": constraints.nonnegative}
    support = constraints.nonnegative_integer

    @property
    def mean(self):
        return self.rate

    @property
    def mode(self):
        return self.rate.floor()

    @property
    def variance(self):
        return self.rate

    def __init__(self, rate, validate_args=None):
        fg = _fg()
        (self.rate,) = broadcast_all(rate)
        batch_shape = fg.Size() if isinstance(rate, Number) else self.rate.size()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        fg = _fg()
        new = self._get_checked_instance(Poisson, _instance)
        batch_shape = fg.Size(batch_shape)
        new.rate = self.rate.expand(batch_shape)
        super(Poisson, new).__init__(batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def sample(self, sample_shape=()):
        fg = _fg()
        shape = self._extended_shape(sample_shape)
        with fg.no_grad():
            return _poisson_sample(self.rate.expand(shape))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        rate, value = broadcast_all(self.rate, value)
        return value.xlogy(rate) - rate - (value + 1).lgamma()

    @property
    def _natural_params(self):
        fg = _fg()
        return (fg.log(self.rate),)

    def _log_normalizer(self, x):
        fg = _fg()
        return fg.exp(x)
