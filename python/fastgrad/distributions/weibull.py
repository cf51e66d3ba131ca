"""The Weibull distribution."""
from . import constraints
from .exponential import Exponential
from .gumbel import _EULER_GAMMA
from .transformed_distribution import TransformedDistribution
from .transforms import AffineTransform, PowerTransform
from .utils import broadcast_all

__all__ = ["Weibull"]


def _fg():
    import fastgrad
    return fastgrad


class Weibull(TransformedDistribution):
    """The two-parameter Weibull distribution with scale ``scale`` (lambda) and shape ``concentration`` (k):
    scale * E^(1/k) for E ~ Exponential(1) (the same numbers as PyTorch for the same seed)."""

    arg_constraints = {"scale": constraints.positive, "concentration": constraints.positive}
    support = constraints.positive

    def __init__(self, scale, concentration, validate_args=None):
        fg = _fg()
        self.scale, self.concentration = broadcast_all(scale, concentration)
        self.concentration_reciprocal = self.concentration.reciprocal()
        base_dist = Exponential(fg.ones_like(self.scale), validate_args=validate_args)
        transforms = [PowerTransform(exponent=self.concentration_reciprocal),
                      AffineTransform(loc=0, scale=self.scale)]
        super().__init__(base_dist, transforms, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Weibull, _instance)
        new.scale = self.scale.expand(batch_shape)
        new.concentration = self.concentration.expand(batch_shape)
        new.concentration_reciprocal = new.concentration.reciprocal()
        base_dist = self.base_dist.expand(batch_shape)
        transforms = [PowerTransform(exponent=new.concentration_reciprocal), AffineTransform(loc=0, scale=new.scale)]
        super(Weibull, new).__init__(base_dist, transforms, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def mean(self):
        fg = _fg()
        return self.scale * fg.exp(fg.lgamma(1 + self.concentration_reciprocal))

    @property
    def mode(self):
        return self.scale * ((self.concentration - 1) / self.concentration) ** self.concentration.reciprocal()

    @property
    def variance(self):
        fg = _fg()
        return self.scale.pow(2) * (fg.exp(fg.lgamma(1 + 2 * self.concentration_reciprocal))
                                    - fg.exp(2 * fg.lgamma(1 + self.concentration_reciprocal)))

    def entropy(self):
        fg = _fg()
        return (_EULER_GAMMA * (1 - self.concentration_reciprocal)
                + fg.log(self.scale * self.concentration_reciprocal) + 1)
