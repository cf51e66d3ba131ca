"""The NegativeBinomial distribution."""
from . import constraints
from ._samplers import _poisson_sample
from .binomial import _expand_count_and_param, _set_count_and_param
from .distribution import Distribution
from .gamma import Gamma
from .utils import lazy_property, logits_to_probs, probs_to_logits

__all__ = ["NegativeBinomial"]


def _fg():
    import fastgrad
    return fastgrad


class NegativeBinomial(Distribution):
    """The negative binomial distribution: the number of successes of Bernoulli trials of probability
    ``probs`` (or ``logits``) before ``total_count`` failures.

    sample draws Poisson(Gamma(total_count, exp(-logits))) with fastgrad's samplers (not PyTorch's numbers:
    docs/differences.md)."""

    arg_constraints = {"total_count": constraints.greater_than_eq(0),
                       "probs": constraints.half_open_interval(0.0, 1.0), "logits": constraints.real}
    support = constraints.nonnegative_integer

    def __init__(self, total_count, probs=None, logits=None, validate_args=None):
        batch_shape = _set_count_and_param(self, total_count, probs, logits)
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return _expand_count_and_param(self, NegativeBinomial, batch_shape, _instance)

    def _new(self, *args, **kwargs):
        return self._param.new(*args, **kwargs)

    @property
    def mean(self):
        return self.total_count * self.logits.exp()

    @property
    def mode(self):
        return ((self.total_count - 1) * self.logits.exp()).floor().clamp(min=0.0)

    @property
    def variance(self):
        return self.mean / _fg().sigmoid(-self.logits)

    @lazy_property
    def logits(self):
        """The log-odds of success (derived from probs when given probs)."""
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self):
        """The success probability (derived from logits when given logits)."""
        return logits_to_probs(self.logits, is_binary=True)

    @property
    def param_shape(self):
        """The shape of the parameter the distribution was built from."""
        return self._param.size()

    @lazy_property
    def _gamma(self):
        return Gamma(concentration=self.total_count, rate=(-self.logits).exp(), validate_args=False)

    def sample(self, sample_shape=()):
        fg = _fg()
        with fg.no_grad():
            rate = self._gamma.sample(sample_shape=sample_shape)
            return _poisson_sample(rate)

    def log_prob(self, value):
        fg = _fg()
        F = fg.nn.functional
        if self._validate_args:
            self._validate_sample(value)
        log_unnormalized_prob = self.total_count * F.logsigmoid(-self.logits) + value * F.logsigmoid(self.logits)
        log_normalization = (-fg.lgamma(self.total_count + value) + fg.lgamma(1.0 + value)
                             + fg.lgamma(self.total_count))
        log_normalization = log_normalization.masked_fill(self.total_count + value == 0.0, 0.0)
        return log_unnormalized_prob - log_normalization
