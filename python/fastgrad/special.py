"""fastgrad.special: special functions, as torch.special.

The gamma family (gammaln, digamma / psi, polygamma, multigammaln), the error functions (erf, erfc, erfcx,
erfinv), the normal distribution (ndtr, ndtri, log_ndtr), modified Bessel functions of the first kind (i0,
i0e, i1, i1e), Hurwitz zeta, entr, sinc, xlogy / xlog1py, and PyTorch's aliases of other ops (expit, logit,
exp2, expm1, log1p, round, softmax, log_softmax, logsumexp). Each is differentiable where PyTorch's is, with
PyTorch's Node names; float32 inputs are computed in double and rounded.
"""

import math as _math

from . import _C

__all__ = [
    "digamma", "entr", "erf", "erfc", "erfcx", "erfinv", "exp2", "expit", "expm1", "gammaln", "i0", "i0e", "i1",
    "i1e", "log1p", "log_ndtr", "log_softmax", "logit", "logsumexp", "multigammaln", "ndtr", "ndtri", "polygamma",
    "psi", "round", "sinc", "softmax", "xlog1py", "xlogy", "zeta",
]

erf = _C.erf
erfc = _C.erfc
erfinv = _C.erfinv
expm1 = _C.expm1
exp2 = _C.exp2
log1p = _C.log1p
logit = _C.logit
xlogy = _C.xlogy
round = _C.round
sinc = _C.sinc
i0 = _C.i0
gammaln = _C.lgamma
digamma = _C.digamma
psi = _C.digamma
polygamma = _C.polygamma
multigammaln = _C.mvlgamma
expit = _C.sigmoid
i0e = _C.special_i0e
i1 = _C.special_i1
i1e = _C.special_i1e
ndtri = _C.special_ndtri
log_ndtr = _C.special_log_ndtr
erfcx = _C.special_erfcx
entr = _C.special_entr
xlog1py = _C.special_xlog1py
zeta = _C.special_zeta


def ndtr(input):
    """The standard normal CDF, (1 + erf(x / sqrt(2))) / 2 (composed, as PyTorch's: its grad_fn is MulBackward1)."""
    return (1 + _C.erf(input * (1 / _math.sqrt(2)))) * 0.5


def logsumexp(input, dim, keepdim=False):
    """log(sum(exp(input), dim)), computed stably; as torch.logsumexp."""
    return _C.logsumexp(input, dim, keepdim)


def softmax(input, dim, *, dtype=None):
    """softmax along ``dim`` (in ``dtype`` when given); as torch.nn.functional.softmax."""
    from .nn import functional as F

    return F.softmax(input, dim, dtype=dtype)


def log_softmax(input, dim, *, dtype=None):
    """log(softmax(input)) along ``dim``, computed stably (in ``dtype`` when given)."""
    from .nn import functional as F

    return F.log_softmax(input, dim, dtype=dtype)
