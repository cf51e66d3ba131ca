"""Helpers shared by the distributions: broadcasting parameters, logits/probs conversions, lazy properties."""
import numbers

__all__ = [
    "broadcast_all", "clamp_probs", "euler_constant", "lazy_property", "logits_to_probs", "probs_to_logits",
    "tril_matrix_to_vec", "vec_to_tril_matrix",
]


def _fg():
    import fastgrad
    return fastgrad


def broadcast_all(*values):
    """Broadcasts the given tensors and numbers to a common shape; numbers become tensors of the first tensor's
    dtype (of the default dtype when all are numbers), as torch.distributions.utils.broadcast_all."""
    fg = _fg()
    if not all(isinstance(v, (fg.Tensor, numbers.Number)) for v in values):
        raise ValueError("Input arguments must all be instances of Number, fastgrad.Tensor or objects "
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


euler_constant = 0.57721566490153286060  # Euler-Mascheroni constant


def _tril_positions(n, diag):
    rows, cols = [], []
    for i in range(n):
        for j in range(n):
            if j - i <= diag:
                rows.append(i)
                cols.append(j)
    return rows, cols


def tril_matrix_to_vec(mat, diag=0):
    """The entries of the last two dimensions on or below diagonal ``diag`` (0: the main diagonal, -1: strictly
    below it), row by row, as a vector."""
    fg = _fg()
    n = mat.shape[-1]
    if diag < -n or diag >= n:
        raise ValueError(f"diag ({diag}) provided is outside [{-n}, {n - 1}].")
    rows, cols = _tril_positions(n, diag)
    return mat[..., fg.tensor(rows, dtype=fg.long), fg.tensor(cols, dtype=fg.long)]


def vec_to_tril_matrix(vec, diag=0):
    """The inverse of tril_matrix_to_vec: an n x n matrix (n found from the vector's length) with the vector's
    entries on and below diagonal ``diag``, row by row, and zeros elsewhere."""
    fg = _fg()
    length = vec.shape[-1]
    # the number of entries on or below diagonal diag of an n x n matrix is n (n + 1) / 2 + diag n - diag (diag + 1) / 2
    # for diag <= 0 (and the symmetric count above); solve for n
    b = 1 + 2 * diag
    n_real = (-b + (b * b + 8 * length + 4 * abs(diag) * (diag + 1)) ** 0.5) / 2
    n = round(n_real)
    if abs(n - n_real) > fg.finfo(vec.dtype).eps:
        raise ValueError(f"The size of last dimension is {length} which cannot be expressed as the lower "
                         "triangular part of a square D x D matrix.")
    rows, cols = _tril_positions(n, diag)
    index = [len(rows)] * (n * n)
    for k, (i, j) in enumerate(zip(rows, cols)):
        index[i * n + j] = k
    padded = fg.cat([vec, fg.zeros(vec.shape[:-1] + (1,), dtype=vec.dtype)], -1)
    return padded[..., fg.tensor(index, dtype=fg.long)].reshape(vec.shape[:-1] + (n, n))


def _is_all_true(t):
    return bool(t.all().item()) if t.numel() else True

