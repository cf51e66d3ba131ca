"""The Kumaraswamy distribution."""
import math

from . import constraints
from .gumbel import _EULER_GAMMA
from .transformed_distribution import TransformedDistribution
from .transforms import AffineTransform, PowerTransform
from .uniform import Uniform
from .utils import broadcast_all

__all__ = ["Kumaraswamy"]


def _fg():
    import fastgrad
    return fastgrad


def _raw_moment(a, b, n):
    """E[X^n] = b B(1 + n/a, b) for X ~ Kumaraswamy(a, b)."""
    fg = _fg()
    s = 1 + n / a
    return fg.exp(b.log() + s.lgamma() + b.lgamma() - (s + b).lgamma())


class Kumaraswamy(TransformedDistribution):
    """The Kumaraswamy distribution on (0, 1) with density a b x^(a-1) (1 - x^a)^(b-1) (``concentration1`` a,
    ``concentration0`` b): (1 - U^(1/b))^(1/a) for U uniform (the same numbers as PyTorch for the same seed)."""

    arg_constraints = {"concentration1": constraints.positive, "concentration0": constraints.positive}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, concentration1, concentration0, validate_args=None):
        fg = _fg()
        self.concentration1, self.concentration0 = broadcast_all(concentration1, concentration0)
        base_dist = Uniform(fg.full_like(self.concentration0, 0), fg.full_like(self.concentration0, 1),
                            validate_args=validate_args)
        transforms = [PowerTransform(exponent=self.concentration0.reciprocal()),
                      AffineTransform(loc=1.0, scale=-1.0),
                      PowerTransform(exponent=self.concentration1.reciprocal())]
        super().__init__(base_dist, transforms, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Kumaraswamy, _instance)
        new.concentration1 = self.concentration1.expand(batch_shape)
        new.concentration0 = self.concentration0.expand(batch_shape)
        return super().expand(batch_shape, _instance=new)

    @property
    def mean(self):
        return _raw_moment(self.concentration1, self.concentration0, 1)

    @property
    def mode(self):
        fg = _fg()
        a, b = self.concentration1, self.concentration0
        # ((a - 1) / (a b - 1))^(1/a) for a >= 1, b >= 1 (not both 1); PyTorch 2.13's formula gives NaN for
        # every parameter (docs/differences.md)
        mode = ((a - 1) / (a * b - 1)).pow(a.reciprocal())
        return fg.where((b < 1) | (a < 1) | ((a == 1) & (b == 1)), fg.full_like(mode, math.nan), mode)

    @property
    def variance(self):
        return _raw_moment(self.concentration1, self.concentration0, 2) - self.mean.pow(2)

    def entropy(self):
        fg = _fg()
        a, b = self.concentration1, self.concentration0
        harmonic_b = fg.digamma(b + 1) + _EULER_GAMMA
        return (1 - b.reciprocal()) + (1 - a.reciprocal()) * harmonic_b - fg.log(a) - fg.log(b)
