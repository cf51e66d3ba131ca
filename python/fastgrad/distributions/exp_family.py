"""ExponentialFamily, the base of the distributions of the exponential family, as in PyTorch."""
from .distribution import Distribution

__all__ = ["ExponentialFamily"]


class ExponentialFamily(Distribution):
    """Base class of distributions of the exponential family, p(x; theta) = exp(<t(x), theta> - F(theta) +
    k(x)), with natural parameters theta, sufficient statistic t, log normalizer F and carrier measure k.

    Subclasses define _natural_params, _log_normalizer and _mean_carrier_measure; entropy then follows from
    the Bregman divergence of the log normalizer (computed with autograd)."""

    @property
    def _natural_params(self):
        raise NotImplementedError

    def _log_normalizer(self, *natural_params):
        raise NotImplementedError

    @property
    def _mean_carrier_measure(self):
        raise NotImplementedError

    def entropy(self):
        """The entropy from the log normalizer: F(theta) - <theta, grad F(theta)> - E[k(x)]."""
        import fastgrad
        result = -self._mean_carrier_measure
        nparams = [p.detach().requires_grad_() for p in self._natural_params]
        lg_normal = self._log_normalizer(*nparams)
        gradients = fastgrad.autograd.grad(lg_normal.sum(), nparams, create_graph=True)
        result = result + lg_normal
        for np_, g in zip(nparams, gradients):
            result = result - (np_ * g).reshape(self._batch_shape + (-1,)).sum(-1)
        return result
