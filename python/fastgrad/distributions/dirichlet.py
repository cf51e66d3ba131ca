"""The Dirichlet distribution."""
from . import constraints
from ._samplers import _standard_gamma
from .exp_family import ExponentialFamily

__all__ = ["Dirichlet"]


def _fg():
    import fastgrad
    return fastgrad


class Dirichlet(ExponentialFamily):
    """The Dirichlet distribution with concentration ``concentration`` (its last dimension is the event).

    rsample normalises independent Gamma(concentration_i, 1) draws, differentiable through the gamma draws'
    implicit gradients (PyTorch computes the Dirichlet's implicit gradient directly: docs/differences.md)."""

    arg_constraints = {"concentration": constraints.independent(constraints.positive, 1)}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, concentration, validate_args=None):
        if concentration.dim() < 1:
            raise ValueError("`concentration` parameter must be at least one-dimensional.")
        self.concentration = concentration
        batch_shape, event_shape = concentration.shape[:-1], concentration.shape[-1:]
        super().__init__(batch_shape, event_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        fg = _fg()
        new = self._get_checked_instance(Dirichlet, _instance)
        batch_shape = fg.Size(batch_shape)
        new.concentration = self.concentration.expand(batch_shape + self.event_shape)
        super(Dirichlet, new).__init__(batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def rsample(self, sample_shape=()):
        fg = _fg()
        shape = self._extended_shape(sample_shape)
        concentration = self.concentration.expand(shape)
        g = _standard_gamma(concentration)
        x = g / g.sum(-1, True)
        return x.clamp(min=fg.finfo(x.dtype).tiny, max=1 - fg.finfo(x.dtype).eps)

    def log_prob(self, value):
        fg = _fg()
        if self._validate_args:
            self._validate_sample(value)
        return (fg.xlogy(self.concentration - 1.0, value).sum(-1) + fg.lgamma(self.concentration.sum(-1))
                - fg.lgamma(self.concentration).sum(-1))

    @property
    def mean(self):
        return self.concentration / self.concentration.sum(-1, True)

    @property
    def mode(self):
        fg = _fg()
        concentrationm1 = (self.concentration - 1).clamp(min=0.0)
        mode = concentrationm1 / concentrationm1.sum(-1, True)
        mask = (self.concentration < 1).all(dim=-1, keepdim=True)
        onehot = fg.nn.functional.one_hot(mode.argmax(dim=-1), concentrationm1.shape[-1]).to(mode.dtype)
        return fg.where(mask, onehot, mode)

    @property
    def variance(self):
        con0 = self.concentration.sum(-1, True)
        return self.concentration * (con0 - self.concentration) / (con0.pow(2) * (con0 + 1))

    def entropy(self):
        fg = _fg()
        k = self.concentration.size(-1)
        a0 = self.concentration.sum(-1)
        return (fg.lgamma(self.concentration).sum(-1) - fg.lgamma(a0) - (k - a0) * fg.digamma(a0)
                - ((self.concentration - 1.0) * fg.digamma(self.concentration)).sum(-1))

    @property
    def _natural_params(self):
        return (self.concentration,)

    def _log_normalizer(self, x):
        fg = _fg()
        return x.lgamma().sum(-1) - fg.lgamma(x.sum(-1))
