"""The Cauchy distribution."""
import math
from numbers import Number

from . import constraints
from .distribution import Distribution
from .utils import broadcast_all

__all__ = ["Cauchy"]


def _fg():
    import fastgrad
    return fastgrad


def _standard_cauchy(shape, dtype):
    """Standard Cauchy draws tan(pi (u - 1/2)) from float64 uniforms u, as PyTorch's cauchy_ (the same
    numbers for the same seed)."""
    fg = _fg()
    u = fg.empty(shape, dtype=fg.float64).uniform_()
    return fg.tan(math.pi * (u - 0.5)).to(dtype)


class Cauchy(Distribution):
    """The Cauchy (Lorentz) distribution with median ``loc`` and half width at half maximum ``scale``.

    rsample is loc + scale * (a standard Cauchy draw, as Tensor.cauchy_ in PyTorch)."""

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        fg = _fg()
        self.loc, self.scale = broadcast_all(loc, scale)
        batch_shape = fg.Size() if isinstance(loc, Number) and isinstance(scale, Number) else self.loc.size()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        fg = _fg()
        new = self._get_checked_instance(Cauchy, _instance)
        batch_shape = fg.Size(batch_shape)
        new.loc = self.loc.expand(batch_shape)
        new.scale = self.scale.expand(batch_shape)
        super(Cauchy, new).__init__(batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def mean(self):
        fg = _fg()
        return fg.full(self._extended_shape(), math.nan, dtype=self.loc.dtype)

    @property
    def mode(self):
        return self.loc

    @property
    def variance(self):
        fg = _fg()
        return fg.full(self._extended_shape(), math.inf, dtype=self.loc.dtype)

    def rsample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        eps = _standard_cauchy(shape, self.loc.dtype)
        return self.loc + eps * self.scale

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return -math.log(math.pi) - self.scale.log() - (((value - self.loc) / self.scale) ** 2).log1p()

    def cdf(self, value):
        fg = _fg()
        if self._validate_args:
            self._validate_sample(value)
        return fg.atan((value - self.loc) / self.scale) / math.pi + 0.5

    def icdf(self, value):
        fg = _fg()
        return fg.tan(math.pi * (value - 0.5)) * self.scale + self.loc

    def entropy(self):
        return math.log(4 * math.pi) + self.scale.log()
