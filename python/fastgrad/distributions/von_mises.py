"""The VonMises distribution."""
import math

from . import constraints
from .distribution import Distribution
from .utils import broadcast_all, lazy_property

__all__ = ["VonMises"]


def _fg():
    import fastgrad
    return fastgrad


def _log_i0(x):
    """log I_0(x) = log(i0e(x)) + |x|."""
    fg = _fg()
    return fg.special.i0e(x).log() + x.abs()


def _log_i1(x):
    """log I_1(x) = log(i1e(x)) + |x| (x > 0)."""
    fg = _fg()
    return fg.special.i1e(x).log() + x.abs()


class VonMises(Distribution):
    """The circular von Mises distribution with location ``loc`` (an angle) and ``concentration`` (kappa):
    density exp(kappa cos(x - loc)) / (2 pi I_0(kappa)). Values and loc are angles (any real number, taken
    modulo 2 pi); samples are in [-pi, pi).

    sample follows Best and Fisher's rejection method (1979) in float64, drawing three uniforms per round as
    PyTorch (the same numbers for the same seed). log I_0 is computed exactly (PyTorch uses a polynomial
    approximation good to ~2e-7)."""

    arg_constraints = {"loc": constraints.real, "concentration": constraints.positive}
    support = constraints.real
    has_rsample = False

    def __init__(self, loc, concentration, validate_args=None):
        fg = _fg()
        self.loc, self.concentration = broadcast_all(loc, concentration)
        batch_shape = self.loc.shape
        super().__init__(batch_shape, fg.Size(), validate_args)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        fg = _fg()
        return (self.concentration * fg.cos(value - self.loc) - math.log(2 * math.pi)
                - _log_i0(self.concentration))

    @lazy_property
    def _loc(self):
        return self.loc.to(_fg().float64)

    @lazy_property
    def _concentration(self):
        return self.concentration.to(_fg().float64)

    @lazy_property
    def _proposal_r(self):
        fg = _fg()
        kappa = self._concentration
        tau = 1 + (1 + 4 * kappa ** 2).sqrt()
        rho = (tau - (2 * tau).sqrt()) / (2 * kappa)
        r = (1 + rho ** 2) / (2 * rho)
        # for tiny kappa, r's series (the closed form cancels)
        return fg.where(kappa < 1e-5, 1 / kappa + kappa, r)

    def sample(self, sample_shape=()):
        fg = _fg()
        shape = self._extended_shape(sample_shape)
        with fg.no_grad():
            loc, kappa, r = self._loc, self._concentration, self._proposal_r
            x = fg.empty(shape, dtype=fg.float64)
            done = fg.zeros(shape, dtype=fg.bool)
            while not bool(done.all()):
                u1, u2, u3 = fg.rand((3,) + tuple(shape), dtype=fg.float64).unbind()
                z = fg.cos(math.pi * u1)
                f = (1 + r * z) / (r + z)
                c = kappa * (r - f)
                accept = ((c * (2 - c) - u2) > 0) | ((c / u2).log() + 1 - c >= 0)
                if bool(accept.any()):
                    x = fg.where(accept, (u3 - 0.5).sign() * f.acos(), x)
                    done = done | accept
            return ((x + math.pi + loc) % (2 * math.pi) - math.pi).to(self.loc.dtype)

    def expand(self, batch_shape, _instance=None):
        fg = _fg()
        new = self._get_checked_instance(VonMises, _instance)
        batch_shape = fg.Size(batch_shape)
        new.loc = self.loc.expand(batch_shape)
        new.concentration = self.concentration.expand(batch_shape)
        super(VonMises, new).__init__(batch_shape, fg.Size(), validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def mean(self):
        """The circular mean, loc."""
        return self.loc

    @property
    def mode(self):
        return self.loc

    @lazy_property
    def variance(self):
        """The circular variance, 1 - I_1(kappa) / I_0(kappa)."""
        return 1 - (_log_i1(self.concentration) - _log_i0(self.concentration)).exp()
