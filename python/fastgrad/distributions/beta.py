"""The Beta distribution."""
from numbers import Number, Real

from . import constraints
from .dirichlet import Dirichlet
from .exp_family import ExponentialFamily
from .utils import broadcast_all

__all__ = ["Beta"]


def _fg():
    import fastgrad
    return fastgrad


class Beta(ExponentialFamily):
    """The beta distribution with concentrations ``concentration1`` (alpha) and ``concentration0`` (beta),
    as a Dirichlet over (x, 1 - x); rsample is reparameterised (see Dirichlet)."""

    arg_constraints = {"concentration1": constraints.positive, "concentration0": constraints.positive}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, concentration1, concentration0, validate_args=None):
        fg = _fg()
        if isinstance(concentration1, Real) and isinstance(concentration0, Real):
            concentration1_concentration0 = fg.tensor([float(concentration1), float(concentration0)])
        else:
            concentration1, concentration0 = broadcast_all(concentration1, concentration0)
            concentration1_concentration0 = fg.stack([concentration1, concentration0], -1)
        self._dirichlet = Dirichlet(concentration1_concentration0, validate_args=validate_args)
        super().__init__(self._dirichlet._batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        fg = _fg()
        new = self._get_checked_instance(Beta, _instance)
        batch_shape = fg.Size(batch_shape)
        new._dirichlet = self._dirichlet.expand(batch_shape)
        super(Beta, new).__init__(batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def mean(self):
        return self.concentration1 / (self.concentration1 + self.concentration0)

    @property
    def mode(self):
        return self._dirichlet.mode[..., 0]

    @property
    def variance(self):
        total = self.concentration1 + self.concentration0
        return self.concentration1 * self.concentration0 / (total.pow(2) * (total + 1))

    def rsample(self, sample_shape=()):
        return self._dirichlet.rsample(sample_shape).select(-1, 0)

    def log_prob(self, value):
        fg = _fg()
        if self._validate_args:
            self._validate_sample(value)
        heads_tails = fg.stack([value, 1.0 - value], -1)
        return self._dirichlet.log_prob(heads_tails)

    def entropy(self):
        return self._dirichlet.entropy()

    @property
    def concentration1(self):
        """The first concentration (alpha)."""
        fg = _fg()
        result = self._dirichlet.concentration[..., 0]
        return fg.tensor([result]) if isinstance(result, Number) else result

    @property
    def concentration0(self):
        """The second concentration (beta)."""
        fg = _fg()
        result = self._dirichlet.concentration[..., 1]
        return fg.tensor([result]) if isinstance(result, Number) else result

    @property
    def _natural_params(self):
        return (self.concentration1, self.concentration0)

    def _log_normalizer(self, x, y):
        fg = _fg()
        return fg.lgamma(x) + fg.lgamma(y) - fg.lgamma(x + y)
