"""The Multinomial distribution."""
from . import constraints
from .binomial import Binomial
from .categorical import Categorical
from .distribution import Distribution
from .utils import broadcast_all

__all__ = ["Multinomial"]


def _fg():
    import fastgrad
    return fastgrad


class Multinomial(Distribution):
    """The multinomial distribution: the counts of each of K categories in ``total_count`` draws from
    Categorical(probs / logits). total_count must be a Python int (sample needs it; log_prob does not).

    sample draws total_count Categorical samples and counts them, as PyTorch (the same numbers for the same
    seed)."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}

    @property
    def mean(self):
        return self.probs * self.total_count

    @property
    def variance(self):
        return self.total_count * self.probs * (1 - self.probs)

    def __init__(self, total_count=1, probs=None, logits=None, validate_args=None):
        if not isinstance(total_count, int):
            raise NotImplementedError("inhomogeneous total_count is not supported")
        self.total_count = total_count
        self._categorical = Categorical(probs=probs, logits=logits)
        self._binomial = Binomial(total_count=total_count, probs=self.probs)
        batch_shape = self._categorical.batch_shape
        event_shape = self._categorical.param_shape[-1:]
        super().__init__(batch_shape, event_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        fg = _fg()
        new = self._get_checked_instance(Multinomial, _instance)
        batch_shape = fg.Size(batch_shape)
        new.total_count = self.total_count
        new._categorical = self._categorical.expand(batch_shape)
        new._binomial = Binomial(total_count=self.total_count, probs=new._categorical.probs)
        super(Multinomial, new).__init__(batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def _new(self, *args, **kwargs):
        return self._categorical._new(*args, **kwargs)

    @constraints.dependent_property(is_discrete=True, event_dim=1)
    def support(self):
        return constraints.multinomial(self.total_count)

    @property
    def logits(self):
        """The normalised log-probabilities of the categories."""
        return self._categorical.logits

    @property
    def probs(self):
        """The normalised probabilities of the categories."""
        return self._categorical.probs

    @property
    def param_shape(self):
        """The shape of the parameter the distribution was built from."""
        return self._categorical.param_shape

    def sample(self, sample_shape=()):
        fg = _fg()
        sample_shape = fg.Size(sample_shape)
        samples = self._categorical.sample(fg.Size((self.total_count,)) + sample_shape)
        order = list(range(samples.dim()))
        order.append(order.pop(0))
        samples = samples.permute(*order)
        counts = fg.zeros(self._extended_shape(sample_shape), dtype=samples.dtype)
        counts = counts.scatter_add(-1, samples, fg.ones_like(samples))
        return counts.type_as(self.probs)

    def entropy(self):
        fg = _fg()
        n = fg.tensor(self.total_count)
        cat_entropy = self._categorical.entropy()
        term1 = n * cat_entropy - fg.lgamma(n + 1)
        support = self._binomial.enumerate_support(expand=False)[1:]
        binomial_probs = fg.exp(self._binomial.log_prob(support))
        weights = fg.lgamma(support + 1)
        term2 = (binomial_probs * weights).sum([0, -1])
        return term1 + term2

    def log_prob(self, value):
        fg = _fg()
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        log_factorial_n = fg.lgamma(value.sum(-1) + 1)
        log_factorial_xs = fg.lgamma(value + 1).sum(-1)
        # a category of probability 0 counted 0 times contributes 0 (not 0 * -inf)
        logits = fg.where((value == 0) & (logits == -float("inf")), fg.zeros_like(logits), logits)
        log_powers = (logits * value).sum(-1)
        return log_factorial_n - log_factorial_xs + log_powers
