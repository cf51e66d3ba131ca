"""kl_divergence and register_kl: the Kullback-Leibler divergence KL(p || q) between distributions, looked up
by the pair of types (the most specific registered pair by method resolution order), as torch.distributions.kl.

Registered pairs: those PyTorch registers among the distributions fastgrad has (same-family pairs, the
(Low Rank) multivariate normals, Independent and TransformedDistribution pairs, and the cross-family pairs
with closed forms or infinite divergence)."""
import math
import warnings
from functools import total_ordering

from .bernoulli import Bernoulli
from .beta import Beta
from .binomial import Binomial
from .categorical import Categorical
from .continuous_bernoulli import ContinuousBernoulli
from .cauchy import Cauchy
from .dirichlet import Dirichlet
from .distribution import Distribution
from .exp_family import ExponentialFamily
from .exponential import Exponential
from .gamma import Gamma
from .geometric import Geometric
from .gumbel import Gumbel
from .half_normal import HalfNormal
from .independent import Independent
from .laplace import Laplace
from .lowrank_multivariate_normal import (
    LowRankMultivariateNormal,
    _batch_lowrank_logdet,
    _batch_lowrank_mahalanobis,
)
from .multivariate_normal import MultivariateNormal, _batch_mahalanobis
from .normal import Normal
from .one_hot_categorical import OneHotCategorical
from .pareto import Pareto
from .poisson import Poisson
from .transformed_distribution import TransformedDistribution
from .uniform import Uniform
from .utils import _sum_rightmost

__all__ = ["register_kl", "kl_divergence"]

_KL_REGISTRY = {}
_KL_MEMOIZE = {}


def _fg():
    import fastgrad
    return fastgrad


def register_kl(type_p, type_q):
    """Decorator to register a pairwise function with kl_divergence: ``@register_kl(Normal, Normal)`` above
    ``def kl_normal_normal(p, q)``. Lookup picks the most specific registered pair by the types' method
    resolution orders; when the two orders disagree a RuntimeWarning asks to register the pair to break the
    tie."""
    if not isinstance(type_p, type) and issubclass(type_p, Distribution):
        raise TypeError(f"Expected type_p to be a Distribution subclass but got {type_p}")
    if not isinstance(type_q, type) and issubclass(type_q, Distribution):
        raise TypeError(f"Expected type_q to be a Distribution subclass but got {type_q}")

    def decorator(fun):
        _KL_REGISTRY[type_p, type_q] = fun
        _KL_MEMOIZE.clear()
        return fun

    return decorator


@total_ordering
class _Match:
    __slots__ = ["types"]

    def __init__(self, *types):
        self.types = types

    def __eq__(self, other):
        return self.types == other.types

    def __le__(self, other):
        for x, y in zip(self.types, other.types):
            if not issubclass(x, y):
                return False
            if x is not y:
                break
        return True


def _dispatch_kl(type_p, type_q):
    matches = [(super_p, super_q) for super_p, super_q in _KL_REGISTRY
               if issubclass(type_p, super_p) and issubclass(type_q, super_q)]
    if not matches:
        return NotImplemented
    left_p, left_q = min(_Match(*m) for m in matches).types
    right_q, right_p = min(_Match(*reversed(m)) for m in matches).types
    left_fun = _KL_REGISTRY[left_p, left_q]
    right_fun = _KL_REGISTRY[right_p, right_q]
    if left_fun is not right_fun:
        warnings.warn(f"Ambiguous kl_divergence({type_p.__name__}, {type_q.__name__}). Please register_kl("
                      f"{left_p.__name__}, {right_q.__name__})", RuntimeWarning, stacklevel=2)
    return left_fun


def _infinite_like(tensor):
    return _fg().full_like(tensor, math.inf)


def _x_log_x(tensor):
    return tensor * tensor.log()


def _batch_trace_XXT(bmat):
    """The trace of X X^T for a batch of matrices X."""
    n = bmat.size(-1)
    m = bmat.size(-2)
    flat_trace = bmat.reshape(bmat.shape[:-2] + (n * m,)).pow(2).sum(-1)
    return flat_trace


def kl_divergence(p, q):
    """The Kullback-Leibler divergence KL(p || q) = E_p[log p(x) - log q(x)], batched over the batch shape.

    Raises NotImplementedError when no function is registered for the pair of types (see register_kl)."""
    try:
        fun = _KL_MEMOIZE[type(p), type(q)]
    except KeyError:
        fun = _dispatch_kl(type(p), type(q))
        _KL_MEMOIZE[type(p), type(q)] = fun
    if fun is NotImplemented:
        raise NotImplementedError(f"No KL(p || q) is implemented for p type {p.__class__.__name__} and q type "
                                  f"{q.__class__.__name__}")
    return fun(p, q)


# Same-family pairs.

@register_kl(Bernoulli, Bernoulli)
def _kl_bernoulli_bernoulli(p, q):
    fg = _fg()
    sp = fg.nn.functional.softplus
    t1 = p.probs * (sp(-q.logits) - sp(-p.logits))
    t1 = fg.where(q.probs == 0, fg.full_like(t1, math.inf), t1)
    t1 = fg.where(p.probs == 0, fg.zeros_like(t1), t1)
    t2 = (1 - p.probs) * (sp(q.logits) - sp(p.logits))
    t2 = fg.where(q.probs == 1, fg.full_like(t2, math.inf), t2)
    t2 = fg.where(p.probs == 1, fg.zeros_like(t2), t2)
    return t1 + t2


@register_kl(Beta, Beta)
def _kl_beta_beta(p, q):
    fg = _fg()
    sum_params_p = p.concentration1 + p.concentration0
    sum_params_q = q.concentration1 + q.concentration0
    t1 = q.concentration1.lgamma() + q.concentration0.lgamma() + sum_params_p.lgamma()
    t2 = p.concentration1.lgamma() + p.concentration0.lgamma() + sum_params_q.lgamma()
    t3 = (p.concentration1 - q.concentration1) * fg.digamma(p.concentration1)
    t4 = (p.concentration0 - q.concentration0) * fg.digamma(p.concentration0)
    t5 = (sum_params_q - sum_params_p) * fg.digamma(sum_params_p)
    return t1 - t2 + t3 + t4 + t5


@register_kl(Binomial, Binomial)
def _kl_binomial_binomial(p, q):
    fg = _fg()
    if bool((p.total_count < q.total_count).any()):
        raise NotImplementedError("KL between Binomials where q.total_count > p.total_count is not implemented")
    kl = p.total_count * (p.probs * (p.logits - q.logits) + (-p.probs).log1p() - (-q.probs).log1p())
    return fg.where(p.total_count > q.total_count, fg.full_like(kl, math.inf), kl)


@register_kl(Categorical, Categorical)
def _kl_categorical_categorical(p, q):
    fg = _fg()
    t = p.probs * (p.logits - q.logits)
    t = fg.where((q.probs == 0).expand_as(t), fg.full_like(t, math.inf), t)
    t = fg.where((p.probs == 0).expand_as(t), fg.zeros_like(t), t)
    return t.sum(-1)


@register_kl(OneHotCategorical, OneHotCategorical)
def _kl_onehotcategorical_onehotcategorical(p, q):
    return _kl_categorical_categorical(p._categorical, q._categorical)


@register_kl(Cauchy, Cauchy)
def _kl_cauchy_cauchy(p, q):
    t1 = ((p.scale + q.scale).pow(2) + (p.loc - q.loc).pow(2)).log()
    t2 = (4 * p.scale * q.scale).log()
    return t1 - t2


@register_kl(Dirichlet, Dirichlet)
def _kl_dirichlet_dirichlet(p, q):
    fg = _fg()
    sum_p_concentration = p.concentration.sum(-1)
    sum_q_concentration = q.concentration.sum(-1)
    t1 = sum_p_concentration.lgamma() - sum_q_concentration.lgamma()
    t2 = (p.concentration.lgamma() - q.concentration.lgamma()).sum(-1)
    t3 = p.concentration - q.concentration
    t4 = p.concentration.digamma() - fg.digamma(sum_p_concentration).unsqueeze(-1)
    return t1 - t2 + (t3 * t4).sum(-1)


@register_kl(Exponential, Exponential)
def _kl_exponential_exponential(p, q):
    rate_ratio = q.rate / p.rate
    return -rate_ratio.log() + rate_ratio - 1


@register_kl(ExponentialFamily, ExponentialFamily)
def _kl_expfamily_expfamily(p, q):
    fg = _fg()
    if not type(p) == type(q):
        raise NotImplementedError("The cross KL-divergence between different exponential families cannot "
                                  "                            be computed using Bregman divergences")
    p_nparams = [np_.detach().requires_grad_() for np_ in p._natural_params]
    q_nparams = q._natural_params
    lg_normal = p._log_normalizer(*p_nparams)
    gradients = fg.autograd.grad(lg_normal.sum(), p_nparams, create_graph=True)
    result = q._log_normalizer(*q_nparams) - lg_normal
    for pnp, qnp, g in zip(p_nparams, q_nparams, gradients):
        term = (qnp - pnp) * g
        result = result - _sum_rightmost(term, len(q.event_shape))
    return result


@register_kl(Gamma, Gamma)
def _kl_gamma_gamma(p, q):
    fg = _fg()
    t1 = q.concentration * fg.log(p.rate / q.rate)
    t2 = fg.lgamma(q.concentration) - fg.lgamma(p.concentration)
    t3 = (p.concentration - q.concentration) * fg.digamma(p.concentration)
    t4 = (q.rate - p.rate) * (p.concentration / p.rate)
    return t1 + t2 + t3 + t4


@register_kl(Laplace, Laplace)
def _kl_laplace_laplace(p, q):
    fg = _fg()
    scale_ratio = p.scale / q.scale
    loc_abs_diff = (p.loc - q.loc).abs()
    t1 = -scale_ratio.log()
    t2 = loc_abs_diff / q.scale
    t3 = scale_ratio * fg.exp(-loc_abs_diff / p.scale)
    return t1 + t2 + t3 - 1


@register_kl(LowRankMultivariateNormal, LowRankMultivariateNormal)
def _kl_lowrankmultivariatenormal_lowrankmultivariatenormal(p, q):
    if p.event_shape != q.event_shape:
        raise ValueError("KL-divergence between two Low Rank Multivariate Normals with"
                         "                          different event shapes cannot be computed")
    term1 = (_batch_lowrank_logdet(q._unbroadcasted_cov_factor, q._unbroadcasted_cov_diag, q._capacitance_tril)
             - _batch_lowrank_logdet(p._unbroadcasted_cov_factor, p._unbroadcasted_cov_diag,
                                     p._capacitance_tril))
    term3 = _batch_lowrank_mahalanobis(q._unbroadcasted_cov_factor, q._unbroadcasted_cov_diag, q.loc - p.loc,
                                       q._capacitance_tril)
    qWt_qDinv = q._unbroadcasted_cov_factor.mT / q._unbroadcasted_cov_diag.unsqueeze(-2)
    A = _tri_solve(q._capacitance_tril, qWt_qDinv)
    term21 = (p._unbroadcasted_cov_diag / q._unbroadcasted_cov_diag).sum(-1)
    term22 = _batch_trace_XXT(p._unbroadcasted_cov_factor * q._unbroadcasted_cov_diag.rsqrt().unsqueeze(-1))
    term23 = _batch_trace_XXT(A * p._unbroadcasted_cov_diag.sqrt().unsqueeze(-2))
    term24 = _batch_trace_XXT(A @ p._unbroadcasted_cov_factor)
    term2 = term21 + term22 - term23 - term24
    return 0.5 * (term1 + term2 + term3 - p.event_shape[0])


def _tri_solve(L, B):
    """L^-1 B for lower-triangular L, broadcasting the batch dimensions."""
    fg = _fg()
    batch = fg.broadcast_shapes(L.shape[:-2], B.shape[:-2])
    return fg.linalg.solve_triangular(L.expand(batch + L.shape[-2:]), B.expand(batch + B.shape[-2:]),
                                      upper=False)


@register_kl(MultivariateNormal, LowRankMultivariateNormal)
def _kl_multivariatenormal_lowrankmultivariatenormal(p, q):
    if p.event_shape != q.event_shape:
        raise ValueError("KL-divergence between two (Low Rank) Multivariate Normals with"
                         "                          different event shapes cannot be computed")
    term1 = (_batch_lowrank_logdet(q._unbroadcasted_cov_factor, q._unbroadcasted_cov_diag, q._capacitance_tril)
             - 2 * p._unbroadcasted_scale_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1))
    term3 = _batch_lowrank_mahalanobis(q._unbroadcasted_cov_factor, q._unbroadcasted_cov_diag, q.loc - p.loc,
                                       q._capacitance_tril)
    qWt_qDinv = q._unbroadcasted_cov_factor.mT / q._unbroadcasted_cov_diag.unsqueeze(-2)
    A = _tri_solve(q._capacitance_tril, qWt_qDinv)
    term21 = _batch_trace_XXT(p._unbroadcasted_scale_tril * q._unbroadcasted_cov_diag.rsqrt().unsqueeze(-1))
    term22 = _batch_trace_XXT(A @ p._unbroadcasted_scale_tril)
    term2 = term21 - term22
    return 0.5 * (term1 + term2 + term3 - p.event_shape[0])


@register_kl(LowRankMultivariateNormal, MultivariateNormal)
def _kl_lowrankmultivariatenormal_multivariatenormal(p, q):
    fg = _fg()
    if p.event_shape != q.event_shape:
        raise ValueError("KL-divergence between two (Low Rank) Multivariate Normals with"
                         "                          different event shapes cannot be computed")
    term1 = (2 * q._unbroadcasted_scale_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1)
             - _batch_lowrank_logdet(p._unbroadcasted_cov_factor, p._unbroadcasted_cov_diag,
                                     p._capacitance_tril))
    term3 = _batch_mahalanobis(q._unbroadcasted_scale_tril, q.loc - p.loc)
    n = p.event_shape[0]
    term21 = _batch_trace_XXT(_tri_solve(q._unbroadcasted_scale_tril, p._unbroadcasted_cov_factor))
    p_diag_sqrt = p._unbroadcasted_cov_diag.sqrt().unsqueeze(-1) * fg.eye(n, dtype=p.loc.dtype)
    term22 = _batch_trace_XXT(_tri_solve(q._unbroadcasted_scale_tril, p_diag_sqrt))
    return 0.5 * (term1 + term21 + term22 + term3 - n)


@register_kl(MultivariateNormal, MultivariateNormal)
def _kl_multivariatenormal_multivariatenormal(p, q):
    if p.event_shape != q.event_shape:
        raise ValueError("KL-divergence between two Multivariate Normals with"
                         "                          different event shapes cannot be computed")
    half_term1 = (q._unbroadcasted_scale_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1)
                  - p._unbroadcasted_scale_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1))
    term2 = _batch_trace_XXT(_tri_solve(q._unbroadcasted_scale_tril, p._unbroadcasted_scale_tril))
    term3 = _batch_mahalanobis(q._unbroadcasted_scale_tril, q.loc - p.loc)
    return half_term1 + 0.5 * (term2 + term3 - p.event_shape[0])


@register_kl(Normal, Normal)
def _kl_normal_normal(p, q):
    var_ratio = (p.scale / q.scale).pow(2)
    t1 = ((p.loc - q.loc) / q.scale).pow(2)
    return 0.5 * (var_ratio + t1 - 1 - var_ratio.log())


@register_kl(Poisson, Poisson)
def _kl_poisson_poisson(p, q):
    return p.rate * (p.rate.log() - q.rate.log()) - (p.rate - q.rate)


@register_kl(TransformedDistribution, TransformedDistribution)
def _kl_transformed_transformed(p, q):
    if p.transforms != q.transforms:
        raise NotImplementedError
    if p.event_shape != q.event_shape:
        raise NotImplementedError
    return kl_divergence(p.base_dist, q.base_dist)


@register_kl(Uniform, Uniform)
def _kl_uniform_uniform(p, q):
    fg = _fg()
    result = ((q.high - q.low) / (p.high - p.low)).log()
    outside = (q.low > p.low) | (q.high < p.high)
    return fg.where(outside, fg.full_like(result, math.inf), result)


@register_kl(Independent, Independent)
def _kl_independent_independent(p, q):
    if p.reinterpreted_batch_ndims != q.reinterpreted_batch_ndims:
        raise NotImplementedError
    result = kl_divergence(p.base_dist, q.base_dist)
    return _sum_rightmost(result, p.reinterpreted_batch_ndims)


# Cross-family pairs: E_p[log p] - E_p[log q] from p's entropy and q's log density's expectation.

def _normal_cross_term(q, mean, second_moment):
    """-E_p[log q(x)] for a Normal q, from p's first and second moments."""
    return (0.5 * math.log(2 * math.pi) + q.scale.log()
            + (second_moment - 2 * q.loc * mean + q.loc.pow(2)) / (2 * q.scale.pow(2)))


@register_kl(Bernoulli, Poisson)
def _kl_bernoulli_poisson(p, q):
    return -p.entropy() - (p.probs * q.rate.log() - q.rate)


@register_kl(Beta, Exponential)
def _kl_beta_exponential(p, q):
    return -p.entropy() - q.rate.log() + q.rate * (p.concentration1 / (p.concentration1 + p.concentration0))


@register_kl(Beta, Gamma)
def _kl_beta_gamma(p, q):
    fg = _fg()
    total = p.concentration1 + p.concentration0
    e_log_x = fg.digamma(p.concentration1) - fg.digamma(total)
    return (-p.entropy() + q.concentration.lgamma() - q.concentration * q.rate.log()
            - (q.concentration - 1) * e_log_x + q.rate * p.concentration1 / total)


@register_kl(Beta, Normal)
def _kl_beta_normal(p, q):
    a, b = p.concentration1, p.concentration0
    total = a + b
    mean = a / total
    second = a * (a + 1) / (total * (total + 1))
    return -p.entropy() + _normal_cross_term(q, mean, second)


@register_kl(Beta, Uniform)
def _kl_beta_uniform(p, q):
    fg = _fg()
    result = -p.entropy() + (q.high - q.low).log()
    outside = (q.low > 0) | (q.high < 1)
    return fg.where(outside, fg.full_like(result, math.inf), result)


@register_kl(Exponential, Gamma)
def _kl_exponential_gamma(p, q):
    euler_gamma = 0.5772156649015329
    e_log_x = -euler_gamma - p.rate.log()
    return (-p.entropy() + q.concentration.lgamma() - q.concentration * q.rate.log()
            - (q.concentration - 1) * e_log_x + q.rate / p.rate)


@register_kl(Exponential, Normal)
def _kl_exponential_normal(p, q):
    mean = p.rate.reciprocal()
    return -p.entropy() + _normal_cross_term(q, mean, 2 * mean.pow(2))


@register_kl(Gamma, Exponential)
def _kl_gamma_exponential(p, q):
    return -p.entropy() - q.rate.log() + q.rate * p.concentration / p.rate


@register_kl(Gamma, Normal)
def _kl_gamma_normal(p, q):
    mean = p.concentration / p.rate
    second = p.concentration * (p.concentration + 1) / p.rate.pow(2)
    return -p.entropy() + _normal_cross_term(q, mean, second)


@register_kl(Laplace, Normal)
def _kl_laplace_normal(p, q):
    second = 2 * p.scale.pow(2) + p.loc.pow(2)
    return -p.entropy() + _normal_cross_term(q, p.loc, second)


@register_kl(Normal, Laplace)
def _kl_normal_laplace(p, q):
    fg = _fg()
    d = p.loc - q.loc
    e_abs = (math.sqrt(2 / math.pi) * p.scale * fg.exp(-0.5 * (d / p.scale).pow(2))
             + d * fg.erf(d / (p.scale * math.sqrt(2))))
    return -p.entropy() + (2 * q.scale).log() + e_abs / q.scale


@register_kl(Uniform, Beta)
def _kl_uniform_beta(p, q):
    fg = _fg()
    width = p.high - p.low
    e_log_x = (fg.xlogy(p.high, p.high) - fg.xlogy(p.low, p.low) - width) / width
    e_log_1mx = (fg.xlogy(1 - p.low, 1 - p.low) - fg.xlogy(1 - p.high, 1 - p.high) - width) / width
    lbeta = q.concentration1.lgamma() + q.concentration0.lgamma() - (q.concentration1 + q.concentration0).lgamma()
    result = (-width.log() - (q.concentration1 - 1) * e_log_x - (q.concentration0 - 1) * e_log_1mx + lbeta)
    outside = (p.high > 1) | (p.low < 0)
    return fg.where(outside, fg.full_like(result, math.inf), result)


@register_kl(Uniform, Exponential)
def _kl_uniform_exponetial(p, q):
    fg = _fg()
    result = -(p.high - p.low).log() - q.rate.log() + q.rate * (p.high + p.low) / 2
    return fg.where(p.low < 0, fg.full_like(result, math.inf), result)


@register_kl(Uniform, Gamma)
def _kl_uniform_gamma(p, q):
    fg = _fg()
    width = p.high - p.low
    e_log_x = (fg.xlogy(p.high, p.high) - fg.xlogy(p.low, p.low) - width) / width
    result = (-width.log() + q.concentration.lgamma() - q.concentration * q.rate.log()
              - (q.concentration - 1) * e_log_x + q.rate * (p.high + p.low) / 2)
    return fg.where(p.low < 0, fg.full_like(result, math.inf), result)


@register_kl(Uniform, Normal)
def _kl_uniform_normal(p, q):
    mean = (p.high + p.low) / 2
    second = (p.high.pow(2) + p.high * p.low + p.low.pow(2)) / 3
    return -(p.high - p.low).log() + _normal_cross_term(q, mean, second)


# Pairs whose divergence is infinite: q's support does not cover p's.

@register_kl(Exponential, Beta)
@register_kl(Exponential, ContinuousBernoulli)
@register_kl(Exponential, Uniform)
def _kl_exponential_infinity(p, q):
    return _infinite_like(p.rate)


@register_kl(Gamma, Beta)
@register_kl(Gamma, ContinuousBernoulli)
@register_kl(Gamma, Uniform)
def _kl_gamma_infinity(p, q):
    return _infinite_like(p.concentration)


@register_kl(Laplace, Beta)
@register_kl(Laplace, ContinuousBernoulli)
@register_kl(Laplace, Exponential)
@register_kl(Laplace, Gamma)
@register_kl(Laplace, Uniform)
def _kl_laplace_infinity(p, q):
    return _infinite_like(p.loc)


@register_kl(Normal, Beta)
@register_kl(Normal, ContinuousBernoulli)
@register_kl(Normal, Exponential)
@register_kl(Normal, Gamma)
@register_kl(Normal, Uniform)
def _kl_normal_infinity(p, q):
    return _infinite_like(p.loc)


@register_kl(Poisson, Bernoulli)
@register_kl(Poisson, Binomial)
def _kl_poisson_infinity(p, q):
    return _infinite_like(p.rate)


# Gumbel, Pareto, Geometric and HalfNormal pairs. For a Gumbel q (location m, scale b) with z = (x - m) / b,
# -log q(x) = log b + z + e^-z, so -E_p[log q] = log b + (E_p[x] - m) / b + e^(m/b) E_p[e^(-x/b)] (p's moment
# generating function at -1/b). For a Pareto p (scale s, shape a): E[log x] = log s + 1/a, E[x] = a s / (a - 1),
# E[x^2] = a s^2 / (a - 2).

def _gumbel_cross_term(q, mean, mgf_at_minus_inv_scale):
    return q.scale.log() + (mean - q.loc) / q.scale + (q.loc / q.scale).exp() * mgf_at_minus_inv_scale


@register_kl(Gumbel, Gumbel)
def _kl_gumbel_gumbel(p, q):
    mgf = (-p.loc / q.scale).exp() * (1 + p.scale / q.scale).lgamma().exp()
    return -p.entropy() + _gumbel_cross_term(q, p.mean, mgf)


@register_kl(Exponential, Gumbel)
def _kl_exponential_gumbel(p, q):
    rb = p.rate * q.scale
    return -p.entropy() + _gumbel_cross_term(q, p.mean, rb / (rb + 1))


@register_kl(Gamma, Gumbel)
def _kl_gamma_gumbel(p, q):
    mgf = (1 + (p.rate * q.scale).reciprocal()).pow(-p.concentration)
    return -p.entropy() + _gumbel_cross_term(q, p.mean, mgf)


@register_kl(Normal, Gumbel)
def _kl_normal_gumbel(p, q):
    mgf = (-p.loc / q.scale + 0.5 * (p.scale / q.scale).pow(2)).exp()
    return -p.entropy() + _gumbel_cross_term(q, p.loc, mgf)


@register_kl(Uniform, Gumbel)
def _kl_uniform_gumbel(p, q):
    width = p.high - p.low
    mgf = q.scale * ((-p.low / q.scale).exp() - (-p.high / q.scale).exp()) / width
    return -width.log() + _gumbel_cross_term(q, (p.high + p.low) / 2, mgf)


@register_kl(Gumbel, Normal)
def _kl_gumbel_normal(p, q):
    return -p.entropy() + _normal_cross_term(q, p.mean, p.variance + p.mean.pow(2))


def _pareto_e_log(p):
    return p.scale.log() + p.alpha.reciprocal()


def _inf_where(cond, result):
    fg = _fg()
    return fg.where(cond, fg.full_like(result, math.inf), result)


@register_kl(Pareto, Pareto)
def _kl_pareto_pareto(p, q):
    cross = -q.alpha.log() - q.alpha * q.scale.log() + (q.alpha + 1) * _pareto_e_log(p)
    return _inf_where(p.scale < q.scale, -p.entropy() + cross)


@register_kl(Pareto, Exponential)
def _kl_pareto_exponential(p, q):
    mean = p.alpha * p.scale / (p.alpha - 1)
    return _inf_where(p.alpha <= 1, -p.entropy() - q.rate.log() + q.rate * mean)


@register_kl(Pareto, Gamma)
def _kl_pareto_gamma(p, q):
    mean = p.alpha * p.scale / (p.alpha - 1)
    cross = (q.concentration.lgamma() - q.concentration * q.rate.log()
             - (q.concentration - 1) * _pareto_e_log(p) + q.rate * mean)
    return _inf_where(p.alpha <= 1, -p.entropy() + cross)


@register_kl(Pareto, Normal)
def _kl_pareto_normal(p, q):
    mean = p.alpha * p.scale / (p.alpha - 1)
    second = p.alpha * p.scale.pow(2) / (p.alpha - 2)
    return _inf_where(p.alpha <= 2, -p.entropy() + _normal_cross_term(q, mean, second))


@register_kl(Uniform, Pareto)
def _kl_uniform_pareto(p, q):
    fg = _fg()
    width = p.high - p.low
    e_log_x = (fg.xlogy(p.high, p.high) - fg.xlogy(p.low, p.low) - width) / width
    cross = -q.alpha.log() - q.alpha * q.scale.log() + (q.alpha + 1) * e_log_x
    return _inf_where(p.low < q.scale, -width.log() + cross)


@register_kl(Geometric, Geometric)
def _kl_geometric_geometric(p, q):
    return -p.entropy() - (-q.probs).log1p() * (p.probs.reciprocal() - 1) - q.probs.log()


@register_kl(HalfNormal, HalfNormal)
def _kl_halfnormal_halfnormal(p, q):
    return _kl_normal_normal(p.base_dist, q.base_dist)


@register_kl(Beta, Pareto)
def _kl_beta_infinity(p, q):
    return _infinite_like(p.concentration1)


@register_kl(Exponential, Pareto)
def _kl_exponential_pareto_infinity(p, q):
    return _infinite_like(p.rate)


@register_kl(Gamma, Pareto)
def _kl_gamma_pareto_infinity(p, q):
    return _infinite_like(p.concentration)


@register_kl(Laplace, Pareto)
@register_kl(Normal, Pareto)
def _kl_loc_pareto_infinity(p, q):
    return _infinite_like(p.loc)


@register_kl(Gumbel, Beta)
@register_kl(Gumbel, ContinuousBernoulli)
@register_kl(Gumbel, Exponential)
@register_kl(Gumbel, Gamma)
@register_kl(Gumbel, Pareto)
@register_kl(Gumbel, Uniform)
def _kl_gumbel_infinity(p, q):
    return _infinite_like(p.loc)


@register_kl(Pareto, Beta)
@register_kl(Pareto, ContinuousBernoulli)
@register_kl(Pareto, Uniform)
def _kl_pareto_infinity(p, q):
    return _infinite_like(p.scale)


# ContinuousBernoulli q: log q(x) = x logit(q) + log(1 - q) + log C(q), so -E_p[log q] needs only p's mean.

def _cb_cross_term(q, mean):
    return -mean * q.logits - (-q.probs).log1p() - q._cont_bern_log_norm()


@register_kl(ContinuousBernoulli, ContinuousBernoulli)
def _kl_continuous_bernoulli_continuous_bernoulli(p, q):
    return -p.entropy() + _cb_cross_term(q, p.mean)


@register_kl(Beta, ContinuousBernoulli)
def _kl_beta_continuous_bernoulli(p, q):
    return -p.entropy() + _cb_cross_term(q, p.mean)


@register_kl(Uniform, ContinuousBernoulli)
def _kl_uniform_continuous_bernoulli(p, q):
    result = -(p.high - p.low).log() + _cb_cross_term(q, (p.high + p.low) / 2)
    return _inf_where((p.low < 0) | (p.high > 1), result)


@register_kl(ContinuousBernoulli, Exponential)
def _kl_continuous_bernoulli_exponential(p, q):
    return -p.entropy() - q.rate.log() + q.rate * p.mean


@register_kl(ContinuousBernoulli, Normal)
def _kl_continuous_bernoulli_normal(p, q):
    return -p.entropy() + _normal_cross_term(q, p.mean, p.variance + p.mean.pow(2))


@register_kl(ContinuousBernoulli, Uniform)
def _kl_continuous_bernoulli_uniform(p, q):
    return _inf_where((q.low > 0) | (q.high < 1), -p.entropy() + (q.high - q.low).log())


@register_kl(ContinuousBernoulli, Pareto)
def _kl_continuous_bernoulli_infinity(p, q):
    return _infinite_like(p.probs)
