"""The Laplace distribution."""
from numbers import Number

from . import constraints
from .distribution import Distribution
from .utils import broadcast_all

__all__ = ["Laplace"]


def _fg():
    import fastgrad
    return fastgrad


class Laplace(Distribution):
    """The Laplace distribution with location ``loc`` and scale ``scale``.

    rsample draws u uniform on [eps - 1, 1) and returns loc - scale * sign(u) * log1p(-|u|), as PyTorch (the
    same numbers for the same seed)."""

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    @property
    def mean(self):
        return self.loc

    @property
    def mode(self):
        return self.loc

    @property
    def variance(self):
        return 2 * self.scale.pow(2)

    @property
    def stddev(self):
        return (2 ** 0.5) * self.scale

    def __init__(self, loc, scale, validate_args=None):
        fg = _fg()
        self.loc, self.scale = broadcast_all(loc, scale)
        batch_shape = fg.Size() if isinstance(loc, Number) and isinstance(scale, Number) else self.loc.size()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        fg = _fg()
        new = self._get_checked_instance(Laplace, _instance)
        batch_shape = fg.Size(batch_shape)
        new.loc = self.loc.expand(batch_shape)
        new.scale = self.scale.expand(batch_shape)
        super(Laplace, new).__init__(batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def rsample(self, sample_shape=()):
        fg = _fg()
        shape = self._extended_shape(sample_shape)
        eps = fg.finfo(self.loc.dtype).eps
        u = fg.empty(shape, dtype=self.loc.dtype).uniform_(eps - 1, 1)
        return self.loc - self.scale * u.sign() * fg.log1p(-u.abs())

    def log_prob(self, value):
        fg = _fg()
        if self._validate_args:
            self._validate_sample(value)
        return -fg.log(2 * self.scale) - fg.abs(value - self.loc) / self.scale

    def cdf(self, value):
        fg = _fg()
        if self._validate_args:
            self._validate_sample(value)
        return 0.5 - 0.5 * (value - self.loc).sign() * fg.expm1(-(value - self.loc).abs() / self.scale)

    def icdf(self, value):
        fg = _fg()
        term = value - 0.5
        return self.loc - self.scale * term.sign() * fg.log1p(-2 * term.abs())

    def entropy(self):
        fg = _fg()
        return 1 + fg.log(2 * self.scale)
