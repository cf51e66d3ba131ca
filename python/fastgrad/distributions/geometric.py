"""The Geometric distribution."""
from numbers import Number

from . import constraints
from .distribution import Distribution
from .utils import broadcast_all, lazy_property, logits_to_probs, probs_to_logits

__all__ = ["Geometric"]


def _fg():
    import fastgrad
    return fastgrad


class Geometric(Distribution):
    """The geometric distribution: the number of failures before the first success of Bernoulli trials of
    probability ``probs`` (or ``logits``), P(k) = (1 - p)^k p for k = 0, 1, ...

    sample is floor(log(u) / log1p(-p)) for u uniform on [tiny, 1), as PyTorch (the same numbers for the same
    seed)."""

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.nonnegative_integer

    def __init__(self, probs=None, logits=None, validate_args=None):
        fg = _fg()
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            (self.probs,) = broadcast_all(probs)
        else:
            (self.logits,) = broadcast_all(logits)
        probs_or_logits = probs if probs is not None else logits
        batch_shape = fg.Size() if isinstance(probs_or_logits, Number) else probs_or_logits.size()
        super().__init__(batch_shape, validate_args=validate_args)
        if self._validate_args and probs is not None:
            value = self.probs
            valid = value > 0
            if not bool(valid.all()):
                invalid_value = value.detach()[~valid]
                raise ValueError(f"Expected parameter probs ({type(value).__name__} of shape {tuple(value.shape)}) "
                                 f"of distribution {repr(self)} to be positive but found invalid values:\n"
                                 f"{invalid_value}")

    def expand(self, batch_shape, _instance=None):
        fg = _fg()
        new = self._get_checked_instance(Geometric, _instance)
        batch_shape = fg.Size(batch_shape)
        if "probs" in self.__dict__:
            new.probs = self.probs.expand(batch_shape)
        if "logits" in self.__dict__:
            new.logits = self.logits.expand(batch_shape)
        super(Geometric, new).__init__(batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def mean(self):
        return 1.0 / self.probs - 1.0

    @property
    def mode(self):
        return _fg().zeros_like(self.probs)

    @property
    def variance(self):
        return (1.0 / self.probs - 1.0) / self.probs

    @lazy_property
    def logits(self):
        """The log-odds of success (derived from probs when given probs)."""
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self):
        """The success probability (derived from logits when given logits)."""
        return logits_to_probs(self.logits, is_binary=True)

    def sample(self, sample_shape=()):
        fg = _fg()
        shape = self._extended_shape(sample_shape)
        tiny = fg.finfo(self.probs.dtype).tiny
        with fg.no_grad():
            u = fg.empty(shape, dtype=self.probs.dtype).uniform_(tiny, 1)
            return (u.log() / (-self.probs).log1p()).floor()

    def log_prob(self, value):
        fg = _fg()
        if self._validate_args:
            self._validate_sample(value)
        value, probs = broadcast_all(value, self.probs)
        # p = 1 at k = 0: 0 * log(0) is 0
        probs = fg.where((probs == 1) & (value == 0), fg.zeros_like(probs), probs)
        return value * (-probs).log1p() + self.probs.log()

    def entropy(self):
        fg = _fg()
        return fg.nn.functional.binary_cross_entropy_with_logits(self.logits, self.probs,
                                                                 reduction="none") / self.probs


