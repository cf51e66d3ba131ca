"""Stand-ins for nn.functional ops that the core does not provide yet, written with public ops.

The layers look each op up in nn.functional first (see `op`), so as soon as the core gains one of these
names its native version is used and the stand-in here is dead code. Each follows PyTorch's definition
(values and gradients); they are slower than native kernels, and where a stand-in needs an op the core
lacks (a max, an erf, a sign) it takes a constant computed with NumPy from the detached data, which has
no gradient of its own and so leaves the derivative unchanged.
"""

import math
import warnings

import numpy as np

from .. import _C
from . import functional as _F

Tensor = _C.Tensor


def op(name):
    """nn.functional.<name> when it exists, else the stand-in defined here."""
    fn = getattr(_F, name, None)
    return fn if fn is not None else globals()[name]


def _reduction_enum(size_average, reduce, reduction):
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    result = "none" if not reduce else "mean" if size_average else "sum"
    warnings.warn(
        f"size_average and reduce args will be deprecated, please use reduction='{result}' instead.",
        UserWarning,
        stacklevel=3,
    )
    return result


def _reduce(loss, reduction):
    if reduction == "none":
        return loss
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    raise ValueError(f"{reduction} is not a valid value for reduction")


def _const(array, like):
    """A constant tensor (no grad) of `like`'s dtype from a NumPy array."""
    return _C.from_numpy(np.asarray(array, order="C")).to(like.dtype)


def _sign(t):
    return _const(np.sign(t.detach().numpy()), t)


def _abs(t):
    return t * _sign(t)


def _float_mask(mask, like):
    return mask.to(like.dtype)


def _check_same_size(input, target, name):
    if target.shape != input.shape:
        warnings.warn(
            f"Using a target size ({target.shape}) that is different to the input size ({input.shape}). "
            "This will likely lead to incorrect results due to broadcasting. "
            "Please ensure they have the same size.",
            UserWarning,
            stacklevel=3,
        )


# ---- linear layers ----


def linear(input, weight, bias=None):
    out = input.matmul(weight.t())
    return out if bias is None else out + bias


def bilinear(input1, input2, weight, bias=None):
    # y[..., o] = sum_ij x1[..., i] W[o, i, j] x2[..., j]
    if input1.shape[:-1] != input2.shape[:-1]:
        raise RuntimeError(
            f"bilinear(): input batch dimensions do not match: got {tuple(input1.shape[:-1])} "
            f"and {tuple(input2.shape[:-1])}"
        )
    lead = tuple(input1.shape[:-1])
    x1 = input1.reshape(-1, input1.shape[-1])
    x2 = input2.reshape(-1, input2.shape[-1])
    t = _C.matmul(x1.unsqueeze(0), weight)  # (out, n, in2)
    out = (t * x2.unsqueeze(0)).sum(-1).t()  # (n, out)
    if bias is not None:
        out = out + bias
    return out.reshape(*lead, weight.shape[0])


def embedding(
    input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False, sparse=False
):
    if max_norm is not None or scale_grad_by_freq or sparse:
        raise NotImplementedError(
            "fastgrad: embedding(max_norm/scale_grad_by_freq/sparse) is not supported yet"
        )
    if input.is_floating_point():
        raise RuntimeError(
            "Expected tensor for argument #1 'indices' to have one of the following scalar types: "
            f"Long, Int; but got {input.type()} instead (while checking arguments for embedding)"
        )
    num = weight.shape[0]
    idx = input.detach().numpy()
    if idx.size and (idx.min() < 0 or idx.max() >= num):
        raise IndexError("index out of range in self")
    # A one-hot matrix product: the gradient scatters into the selected rows, as index_select's would.
    onehot = np.zeros(idx.shape + (num,), dtype=np.float64)
    np.put_along_axis(onehot, idx[..., None].astype(np.int64), 1.0, axis=-1)
    if padding_idx is None:
        return _const(onehot, weight).matmul(weight)
    pad = onehot[..., padding_idx].copy()
    onehot[..., padding_idx] = 0.0
    pad_onehot = np.zeros_like(onehot)
    pad_onehot[..., padding_idx] = pad
    # The padding row contributes its value but receives no gradient.
    return _const(onehot, weight).matmul(weight) + _const(pad_onehot, weight).matmul(weight.detach())


# ---- dropout and normalisation ----


def dropout(input, p=0.5, training=True, inplace=False):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input * 0.0
    if hasattr(Tensor, "bernoulli_"):
        noise = _C.empty_like(input).bernoulli_(1 - p)
    else:
        noise = (_C.rand_like(input) < (1 - p)).to(input.dtype)
    noise.div_(1 - p)
    return input * noise


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    normalized_shape = tuple(normalized_shape)
    k = len(normalized_shape)
    if tuple(input.shape[input.dim() - k :]) != normalized_shape:
        raise RuntimeError(
            f"Given normalized_shape={list(normalized_shape)}, expected input with shape "
            f"[*, {', '.join(str(s) for s in normalized_shape)}], but got input of size"
            f"{list(input.shape)}"
        )
    dims = tuple(range(input.dim() - k, input.dim()))
    mean = input.mean(dims, keepdim=True)
    centered = input - mean
    var = (centered * centered).mean(dims, keepdim=True)
    out = centered * (var + eps).pow(-0.5)
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out


def batch_norm(
    input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5
):
    c = input.shape[1]
    dims = (0,) + tuple(range(2, input.dim()))
    view = (1, c) + (1,) * (input.dim() - 2)
    if training:
        n = input.numel() // c
        if n <= 1:
            raise ValueError(
                f"Expected more than 1 value per channel when training, got input size {input.shape}"
            )
        mean = input.mean(dims, keepdim=True)
        centered = input - mean
        var = (centered * centered).mean(dims, keepdim=True)
        if running_mean is not None:
            with _no_grad():
                running_mean.mul_(1 - momentum).add_(mean.detach().reshape(c) * momentum)
        if running_var is not None:
            with _no_grad():
                running_var.mul_(1 - momentum).add_(var.detach().reshape(c) * (momentum * n / (n - 1)))
        out = centered * (var + eps).pow(-0.5)
    else:
        out = (input - running_mean.reshape(view)) * (running_var.reshape(view) + eps).pow(-0.5)
    if weight is not None:
        out = out * weight.reshape(view)
    if bias is not None:
        out = out + bias.reshape(view)
    return out


def _no_grad():
    from ..autograd.grad_mode import no_grad

    return no_grad()


# ---- activations ----


def leaky_relu(input, negative_slope=0.01, inplace=False):
    positive = _float_mask(input > 0, input)
    return input * (positive + (1 - positive) * negative_slope)


class _ErfFunction:
    """erf through NumPy for cores without an erf op (forward and backward, first order only)."""

    _cls = None

    @classmethod
    def get(cls):
        if cls._cls is None:
            from ..autograd import Function

            erf = np.vectorize(math.erf, otypes=[np.float64])

            class Erf(Function):
                @staticmethod
                def forward(ctx, x):
                    ctx.save_for_backward(x)
                    return _const(erf(x.detach().numpy().astype(np.float64)), x)

                @staticmethod
                def backward(ctx, grad):
                    (x,) = ctx.saved_tensors
                    return grad * (x * x * -1.0).exp() * (2.0 / math.sqrt(math.pi))

            cls._cls = Erf
        return cls._cls


def _erf(x):
    native = getattr(_C, "erf", None)
    return native(x) if native is not None else _ErfFunction.get().apply(x)


def gelu(input, approximate="none"):
    if approximate == "none":
        return input * 0.5 * (_erf(input * (1.0 / math.sqrt(2.0))) + 1.0)
    if approximate == "tanh":
        inner = (input + input * input * input * 0.044715) * math.sqrt(2.0 / math.pi)
        return input * 0.5 * (inner.tanh() + 1.0)
    raise RuntimeError("approximate argument must be either none or tanh.")


def silu(input, inplace=False):
    return input * input.sigmoid()


def _softmax_dim(ndim):
    warnings.warn(
        "Implicit dimension choice for softmax has been deprecated. Change the call to include dim=X as "
        "an argument.",
        UserWarning,
        stacklevel=4,
    )
    return 0 if ndim in (0, 1, 3) else 1


def _shifted(input, dim):
    # Subtracting the (constant) maximum keeps exp() finite and changes neither value nor gradient.
    if input.dim() == 0:
        return input - input.detach()
    m = input.detach().numpy().max(axis=dim, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)
    return input - _const(m, input)


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _softmax_dim(input.dim())
    if dtype is not None:
        input = input.to(dtype)
    e = _shifted(input, dim).exp()
    return e / e.sum(dim, keepdim=True)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _softmax_dim(input.dim())
    if dtype is not None:
        input = input.to(dtype)
    z = _shifted(input, dim)
    return z - z.exp().sum(dim, keepdim=True).log()


# ---- losses ----


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    _check_same_size(input, target, "l1_loss")
    reduction = _reduction_enum(size_average, reduce, reduction)
    loss = _abs(input - target)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    _check_same_size(input, target, "smooth_l1_loss")
    reduction = _reduction_enum(size_average, reduce, reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    d = input - target
    ad = _abs(d)
    if beta == 0.0:
        return _reduce(ad, reduction)
    small = _float_mask(ad < beta, d)
    loss = small * (d * d * (0.5 / beta)) + (1 - small) * (ad - 0.5 * beta)
    return _reduce(loss, reduction)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    _check_same_size(input, target, "huber_loss")
    d = input - target
    ad = _abs(d)
    small = _float_mask(ad < delta, d)
    loss = small * (d * d * 0.5) + (1 - small) * ((ad - 0.5 * delta) * delta)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    reduction = _reduction_enum(size_average, reduce, reduction)
    if target.shape != input.shape:
        raise ValueError(
            f"Using a target size ({target.shape}) that is different to the input size "
            f"({input.shape}) is deprecated. Please ensure they have the same size."
        )
    x = input.detach().numpy()
    if x.size and ((x < 0).any() or (x > 1).any()):
        raise RuntimeError("all elements of input should be between 0 and 1")
    # log() clamped at -100, as PyTorch does, so that 0 * log(0) stays finite.
    loss = (target * input.log().clamp(min=-100) + (1 - target) * (1 - input).log().clamp(min=-100)) * -1.0
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def _class_last(input):
    """(N, C, d1, ...) -> (N, d1, ..., C); (C,) and (N, C) stay as they are."""
    if input.dim() <= 2:
        return input
    out = input
    for d in range(1, input.dim() - 1):
        out = out.transpose(d, d + 1)
    return out


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    reduction = _reduction_enum(size_average, reduce, reduction)
    if input.dim() < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {input.dim()})")
    if input.dim() >= 2 and input.shape[0] != target.shape[0]:
        raise ValueError(
            f"Expected input batch_size ({input.shape[0]}) to match target batch_size ({target.shape[0]})."
        )
    logp = _class_last(input)  # (..., C)
    c = logp.shape[-1]
    t = target.detach().numpy().astype(np.int64)
    valid = t != ignore_index
    if (t[valid] < 0).any() or (t[valid] >= c).any():
        raise IndexError(f"Target {int(t[valid][(t[valid] < 0) | (t[valid] >= c)][0])} is out of bounds.")
    onehot = np.zeros(t.shape + (c,), dtype=np.float64)
    np.put_along_axis(onehot, np.where(valid, t, 0)[..., None], 1.0, axis=-1)
    onehot *= valid[..., None]
    w = np.ones(c) if weight is None else weight.detach().numpy().astype(np.float64)
    weighted = _const(onehot * w, logp)  # w[target] on the target class, 0 elsewhere
    loss = (logp * weighted).sum(-1) * -1.0
    if reduction == "mean":
        return loss.sum() / float((onehot * w).sum())
    return _reduce(loss, reduction)


def cross_entropy(
    input,
    target,
    weight=None,
    size_average=None,
    ignore_index=-100,
    reduce=None,
    reduction="mean",
    label_smoothing=0.0,
):
    reduction = _reduction_enum(size_average, reduce, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    class_dim = 0 if input.dim() == 1 else 1
    logp = op("log_softmax")(input, class_dim)
    c = input.shape[class_dim]
    if target.is_floating_point():  # class probabilities
        if target.shape != input.shape:
            raise RuntimeError(f"Expected target size {list(input.shape)}, got {list(target.shape)}")
        if label_smoothing > 0:
            target = target * (1 - label_smoothing) + label_smoothing / c
        prod = logp * target
        if weight is not None:
            wshape = [1] * input.dim()
            wshape[class_dim] = c
            prod = prod * weight.reshape(wshape)
        loss = prod.sum(class_dim) * -1.0
        if reduction == "mean":
            return loss.sum() / (input.numel() // c) if input.numel() else loss.sum() / 0.0
        return _reduce(loss, reduction)
    nll = nll_loss(logp, target, weight, ignore_index=ignore_index, reduction=reduction)
    if label_smoothing == 0.0:
        return nll
    wshape = [1] * input.dim()
    wshape[class_dim] = c
    prod = logp if weight is None else logp * weight.reshape(wshape)
    smooth = prod.sum(class_dim) * -1.0
    t = target.detach().numpy()
    keep = t != ignore_index
    smooth = smooth * _const(keep.astype(np.float64), smooth)
    if reduction == "mean":
        if weight is not None:
            denom = weight.detach().numpy().astype(np.float64)[t[keep].astype(np.int64)].sum()
        else:
            denom = keep.sum()
        smooth = smooth.sum() / float(denom)
    else:
        smooth = _reduce(smooth, reduction)
    return nll * (1 - label_smoothing) + smooth * (label_smoothing / c)
