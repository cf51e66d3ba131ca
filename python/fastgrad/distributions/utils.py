"""Helpers shared by the distributions: broadcasting parameters, logits/probs conversions, lazy properties."""
import numbers

__all__ = ["broadcast_all", "clamp_probs", "lazy_property", "logits_to_probs", "probs_to_logits"]


def _fg():
    import fastgrad
    return fastgrad


def broadcast_all(*values):
    """Broadcasts the given tensors and numbers to a common shape; numbers become tensors of the first tensor's
    dtype (of the default dtype when all are numbers), as torch.distributions.utils.broadcast_all."""
    fg = _fg()
    if not all(isinstance(v, (fg.Tensor, numbers.Number)) for v in values):
        raise ValueError("Input arguments must all be instances of numbers.Number, torch.Tensor or objects "
                         "implementing __torch_function__.")
    if not all(isinstance(v, fg.Tensor) for v in values):
        like = next((v for v in values if isinstance(v, fg.Tensor)), None)
        dtype = like.dtype if like is not None else fg.get_default_dtype()
        values = tuple(v if isinstance(v, fg.Tensor) else fg.tensor(v, dtype=dtype) for v in values)
    return fg.broadcast_tensors(*values)


def _standard_normal(shape, dtype, device=None):
    return _fg().randn(shape, dtype=dtype)


def _sum_rightmost(value, dim):
    """Sums out the ``dim`` rightmost dimensions of ``value``."""
    if dim == 0:
        return value
    return value.reshape(value.shape[:-dim] + (-1,)).sum(-1)


def logits_to_probs(logits, is_binary=False):
    """Probabilities from logits: sigmoid for binary (Bernoulli) logits, softmax over the last dimension
    otherwise."""
    fg = _fg()
    if is_binary:
        return fg.sigmoid(logits)
    return fg.softmax(logits, dim=-1)


def clamp_probs(probs):
    """Clamps probabilities to the open interval (eps, 1 - eps) of their dtype."""
    eps = _fg().finfo(probs.dtype).eps
    return probs.clamp(min=eps, max=1 - eps)


def probs_to_logits(probs, is_binary=False):
    """Logits from probabilities: log(p) - log1p(-p) for binary probabilities, log(p) otherwise (both after
    clamp_probs)."""
    fg = _fg()
    ps_clamped = clamp_probs(probs)
    if is_binary:
        return fg.log(ps_clamped) - fg.log1p(-ps_clamped)
    return fg.log(ps_clamped)


class lazy_property:
    """A property computed on first access (with gradients enabled) and then stored on the instance; used for
    parameters derived from others (e.g. Normal's probs from logits)."""

    def __init__(self, wrapped):
        self.wrapped = wrapped
        self.__doc__ = wrapped.__doc__
        self.__name__ = getattr(wrapped, "__name__", None)

    def __get__(self, instance, obj_type=None):
        if instance is None:
            return _lazy_property_and_property(self.wrapped)
        with _fg().enable_grad():
            value = self.wrapped(instance)
        setattr(instance, self.wrapped.__name__, value)
        return value


class _lazy_property_and_property(lazy_property, property):
    """lazy_property seen on the class: a property too, so that documentation tools treat it as one."""

    def __init__(self, wrapped):
        property.__init__(self, wrapped)


def tril_matrix_to_vec(mat, diag=0):
    """The lower-triangular entries (from diagonal ``diag``) of the last two dimensions, row by row."""
    fg = _fg()
    n = mat.shape[-1]
    rows, cols = [], []
    for i in range(n):
        for j in range(n):
            if j - i <= diag:
                rows.append(i)
                cols.append(j)
    return mat[..., fg.tensor(rows), fg.tensor(cols)]


def _is_all_true(t):
    return bool(t.all().item()) if t.numel() else True

