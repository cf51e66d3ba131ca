"""The Wishart distribution."""
import math
import warnings
from numbers import Number

from . import constraints
from .chi2 import Chi2
from .exp_family import ExponentialFamily
from .multivariate_normal import _precision_to_scale_tril
from .utils import lazy_property

__all__ = ["Wishart"]

_LOG_2 = math.log(2)


def _fg():
    import fastgrad
    return fastgrad


def _mvdigamma(a, p):
    """The multivariate digamma function sum_{i=0}^{p-1} digamma(a - i/2)."""
    fg = _fg()
    offsets = fg.arange(p, dtype=a.dtype) / 2
    return fg.digamma(a.unsqueeze(-1) - offsets).sum(-1)


class Wishart(ExponentialFamily):
    """The Wishart distribution over p x p positive-definite matrices with ``df`` degrees of freedom (> p - 1)
    and scale given by exactly one of ``covariance_matrix``, ``precision_matrix`` or ``scale_tril``.

    rsample uses the Bartlett decomposition L A A^T L^T (A lower triangular, chi-distributed diagonal with
    df - i degrees of freedom, standard normal below), reparameterised through the chi-squared (gamma) draws
    (fastgrad's samplers: not PyTorch's numbers, docs/differences.md); singular draws are redrawn up to
    ``max_try_correction`` times, with a warning."""

    support = constraints.positive_definite
    has_rsample = True
    _mean_carrier_measure = 0

    @property
    def arg_constraints(self):
        return {"covariance_matrix": constraints.positive_definite,
                "precision_matrix": constraints.positive_definite, "scale_tril": constraints.lower_cholesky,
                "df": constraints.greater_than(self.event_shape[-1] - 1)}

    def __init__(self, df, covariance_matrix=None, precision_matrix=None, scale_tril=None, validate_args=None):
        fg = _fg()
        if (covariance_matrix is not None) + (scale_tril is not None) + (precision_matrix is not None) != 1:
            raise AssertionError(
                "Exactly one of covariance_matrix or precision_matrix or scale_tril may be specified.")
        param = next(p for p in (covariance_matrix, precision_matrix, scale_tril) if p is not None)
        if param.dim() < 2:
            raise ValueError("scale_tril must be at least two-dimensional, with optional leading batch dimensions")
        if isinstance(df, Number):
            batch_shape = fg.Size(param.shape[:-2])
            self.df = fg.tensor(df, dtype=param.dtype)
        else:
            batch_shape = fg.broadcast_shapes(param.shape[:-2], df.shape)
            self.df = df.expand(batch_shape)
        event_shape = param.shape[-2:]
        p = event_shape[-1]
        if bool(self.df.le(p - 1).any()):
            raise ValueError(f"Value of df={df} expected to be greater than ndim - 1 = {p - 1}.")
        if scale_tril is not None:
            self.scale_tril = param.expand(batch_shape + (-1, -1))
        elif covariance_matrix is not None:
            self.covariance_matrix = param.expand(batch_shape + (-1, -1))
        else:
            self.precision_matrix = param.expand(batch_shape + (-1, -1))
        if bool(self.df.lt(p).any()):
            warnings.warn("Low df values detected. Singular samples are highly likely to occur for ndim - 1 < df "
                          "< ndim.", stacklevel=2)
        super().__init__(batch_shape, event_shape, validate_args=validate_args)
        if scale_tril is not None:
            self._unbroadcasted_scale_tril = scale_tril
        elif covariance_matrix is not None:
            self._unbroadcasted_scale_tril = fg.linalg.cholesky(covariance_matrix)
        else:
            self._unbroadcasted_scale_tril = _precision_to_scale_tril(precision_matrix)
        self._dist_chi2 = self._chi2(batch_shape)

    def _chi2(self, batch_shape):
        fg = _fg()
        p = self._event_shape[-1]
        offsets = fg.arange(p, dtype=self._unbroadcasted_scale_tril.dtype).expand(tuple(batch_shape) + (-1,))
        return Chi2(df=self.df.unsqueeze(-1) - offsets)

    def expand(self, batch_shape, _instance=None):
        fg = _fg()
        new = self._get_checked_instance(Wishart, _instance)
        batch_shape = fg.Size(batch_shape)
        cov_shape = batch_shape + self.event_shape
        new._unbroadcasted_scale_tril = self._unbroadcasted_scale_tril.expand(cov_shape)
        new.df = self.df.expand(batch_shape)
        for name in ("covariance_matrix", "scale_tril", "precision_matrix"):
            if name in self.__dict__:
                setattr(new, name, getattr(self, name).expand(cov_shape))
        super(Wishart, new).__init__(batch_shape, self.event_shape, validate_args=False)
        new._dist_chi2 = new._chi2(batch_shape)
        new._validate_args = self._validate_args
        return new

    @lazy_property
    def scale_tril(self):
        """The lower Cholesky factor of the scale (covariance) matrix."""
        return self._unbroadcasted_scale_tril.expand(self._batch_shape + self._event_shape)

    @lazy_property
    def covariance_matrix(self):
        """The scale matrix, scale_tril @ scale_tril^T."""
        L = self._unbroadcasted_scale_tril
        return (L @ L.mT).expand(self._batch_shape + self._event_shape)

    @lazy_property
    def precision_matrix(self):
        """The inverse of the scale matrix."""
        fg = _fg()
        L = self._unbroadcasted_scale_tril
        identity = fg.eye(self._event_shape[-1], dtype=L.dtype).expand(L.shape)
        return fg.cholesky_solve(identity, L).expand(self._batch_shape + self._event_shape)

    @property
    def mean(self):
        return self.df.reshape(self._batch_shape + (1, 1)) * self.covariance_matrix

    @property
    def mode(self):
        fg = _fg()
        factor = self.df - self.covariance_matrix.shape[-1] - 1
        factor = fg.where(factor <= 0, fg.full_like(factor, math.nan), factor)
        return factor.reshape(self._batch_shape + (1, 1)) * self.covariance_matrix

    @property
    def variance(self):
        V = self.covariance_matrix
        d = V.diagonal(dim1=-2, dim2=-1)
        return self.df.reshape(self._batch_shape + (1, 1)) * (V.pow(2) + d.unsqueeze(-1) * d.unsqueeze(-2))

    def _bartlett(self, sample_shape):
        fg = _fg()
        p = self._event_shape[-1]
        eps = fg.finfo(self._unbroadcasted_scale_tril.dtype).eps
        chi = self._dist_chi2.rsample(sample_shape).sqrt().clamp(min=eps)
        normals = fg.randn(tuple(sample_shape) + tuple(self._batch_shape) + (p, p),
                           dtype=self._unbroadcasted_scale_tril.dtype).tril(-1)
        A = normals + chi.unsqueeze(-1) * fg.eye(p, dtype=chi.dtype)
        chol = self._unbroadcasted_scale_tril @ A
        return chol @ chol.mT

    def rsample(self, sample_shape=(), max_try_correction=None):
        """A reparameterised sample (Bartlett decomposition); singular draws (possible for df < p) are redrawn
        up to max_try_correction (default 10) times, with a warning."""
        fg = _fg()
        if max_try_correction is None:
            max_try_correction = 10
        sample_shape = fg.Size(sample_shape)
        sample = self._bartlett(sample_shape)
        singular = ~self.support.check(sample)
        if bool(singular.any()):
            warnings.warn("Singular sample detected.", stacklevel=2)
            for _ in range(max_try_correction):
                redraw = self._bartlett(sample_shape)
                keep = singular.reshape(singular.shape + (1, 1))
                sample = fg.where(keep, redraw, sample)
                singular = ~self.support.check(sample)
                if not bool(singular.any()):
                    break
        return sample

    def log_prob(self, value):
        fg = _fg()
        if self._validate_args:
            self._validate_sample(value)
        nu = self.df
        p = self._event_shape[-1]
        half_log_det_scale = self._unbroadcasted_scale_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1)
        trace = fg.cholesky_solve(value, self._unbroadcasted_scale_tril).diagonal(dim1=-2, dim2=-1).sum(-1)
        return (-nu * (p * _LOG_2 / 2 + half_log_det_scale) - fg.mvlgamma(nu / 2, p=p)
                + (nu - p - 1) / 2 * fg.linalg.slogdet(value).logabsdet - trace / 2)

    def entropy(self):
        fg = _fg()
        nu = self.df
        p = self._event_shape[-1]
        half_log_det_scale = self._unbroadcasted_scale_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1)
        return ((p + 1) * (p * _LOG_2 / 2 + half_log_det_scale) + fg.mvlgamma(nu / 2, p=p)
                - (nu - p - 1) / 2 * _mvdigamma(nu / 2, p) + nu * p / 2)

    @property
    def _natural_params(self):
        p = self._event_shape[-1]
        return -self.precision_matrix / 2, (self.df - p - 1) / 2

    def _log_normalizer(self, x, y):
        fg = _fg()
        p = self._event_shape[-1]
        return ((y + (p + 1) / 2) * (-fg.linalg.slogdet(-2 * x).logabsdet + _LOG_2 * p)
                + fg.mvlgamma(y + (p + 1) / 2, p=p))
