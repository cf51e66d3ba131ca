"""The LKJCholesky distribution."""
import math

from . import constraints
from ._samplers import _beta_sample
from .distribution import Distribution
from .utils import broadcast_all

__all__ = ["LKJCholesky"]


def _fg():
    import fastgrad
    return fastgrad


class LKJCholesky(Distribution):
    """The LKJ distribution over lower Cholesky factors L of dim x dim correlation matrices M = L L^T, with
    density proportional to det(M)^(concentration - 1).

    sample uses the onion method (Lewandowski, Kurowicka and Joe, 2009): row i (i = 2..dim) is sqrt(y) w with
    y ~ Beta((i-1)/2, concentration + (dim-i)/2) and w uniform on the unit sphere, and diagonal sqrt(1 - y)
    (fastgrad's beta sampler: not PyTorch's numbers). log_prob is the density of L in those coordinates:
    sum_i (2 concentration + dim - i - 2) log L_ii minus the log normaliser
    sum_i lgamma(concentration + (dim-i)/2) - (dim-1) lgamma(concentration + (dim-1)/2) + dim(dim-1)/4 log pi."""

    arg_constraints = {"concentration": constraints.positive}
    support = constraints.corr_cholesky

    def __init__(self, dim, concentration=1.0, validate_args=None):
        fg = _fg()
        if dim < 2:
            raise ValueError(f"Expected dim to be an integer greater than or equal to 2. Found dim={dim}.")
        self.dim = dim
        (self.concentration,) = broadcast_all(concentration)
        batch_shape = self.concentration.size()
        event_shape = fg.Size((dim, dim))
        super().__init__(batch_shape, event_shape, validate_args)

    def expand(self, batch_shape, _instance=None):
        fg = _fg()
        new = self._get_checked_instance(LKJCholesky, _instance)
        batch_shape = fg.Size(batch_shape)
        new.dim = self.dim
        new.concentration = self.concentration.expand(batch_shape)
        super(LKJCholesky, new).__init__(batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def _row_betas(self):
        """(first, second) Beta parameters of y for rows i = 2..dim, shape batch + (dim - 1,)."""
        fg = _fg()
        i = fg.arange(2, self.dim + 1, dtype=self.concentration.dtype)
        first = (i - 1) / 2
        second = self.concentration.unsqueeze(-1) + (self.dim - i) / 2
        return fg.broadcast_tensors(first, second)

    def sample(self, sample_shape=()):
        fg = _fg()
        D = self.dim
        sample_shape = fg.Size(sample_shape)
        with fg.no_grad():
            a, b = self._row_betas()
            shape = tuple(sample_shape) + tuple(a.shape)
            y = _beta_sample(a.expand(shape), b.expand(shape))
            # y for row 1 is 0: its only entry is its diagonal 1
            y = fg.cat([fg.zeros(shape[:-1] + (1,), dtype=y.dtype), y], -1)
            w = fg.randn(tuple(sample_shape) + tuple(self._batch_shape) + (D, D),
                         dtype=self.concentration.dtype).tril(-1)
            norm = w.norm(dim=-1, keepdim=True)
            w = w / fg.where(norm > 0, norm, fg.ones_like(norm))
            L = w * y.sqrt().unsqueeze(-1)
            diag = (1 - y).clamp(min=0).sqrt()
            return L + diag.unsqueeze(-1) * fg.eye(D, dtype=L.dtype)

    def log_prob(self, value):
        fg = _fg()
        if self._validate_args:
            self._validate_sample(value)
        D = self.dim
        diag = value.diagonal(dim1=-2, dim2=-1)[..., 1:]
        i = fg.arange(2, D + 1, dtype=self.concentration.dtype)
        exponents = 2 * self.concentration.unsqueeze(-1) + D - i - 2
        unnormalized = (exponents * diag.log()).sum(-1)
        _, second = self._row_betas()
        log_normalizer = (fg.lgamma(second).sum(-1) - (D - 1) * fg.lgamma(self.concentration + (D - 1) / 2)
                          + D * (D - 1) / 4 * math.log(math.pi))
        return unnormalized - log_normalizer
