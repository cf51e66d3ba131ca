"""fastgrad.nn.functional: PyTorch's functional API over the core's ops.

The math lives in C++ (cpp/src/ops/nn*.cpp); this layer adds PyTorch's signatures: `inplace=` flags, the
legacy `size_average`/`reduce` arguments, `weight=` on the elementwise losses (composite, as in PyTorch)
and PyTorch's warnings.
"""
import warnings

from .. import _C


def _reduction(size_average, reduce, reduction):
    # The deprecated size_average/reduce flags, mapped to a reduction as PyTorch maps them.
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    warnings.warn("size_average and reduce args will be deprecated, please use reduction='"
                  + ("none" if not reduce else "mean" if size_average else "sum") + "' instead.", UserWarning,
                  stacklevel=3)
    if not reduce:
        return "none"
    return "mean" if size_average else "sum"


def _check_reduction(reduction):
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")


def _warn_target_size(input, target):
    if target.shape != input.shape:
        warnings.warn(
            f"Using a target size ({target.shape}) that is different to the input size ({input.shape}). "
            "This will likely lead to incorrect results due to broadcasting. Please ensure they have the same size.",
            UserWarning, stacklevel=3)


# ---- activations ----


def relu(input, inplace=False):
    return _C.relu_(input) if inplace else _C.relu(input)


def relu_(input):
    return _C.relu_(input)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return _C._hardtanh_(input, min_val, max_val) if inplace else _C._hardtanh(input, min_val, max_val)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    return hardtanh(input, min_val, max_val, inplace=True)


def relu6(input, inplace=False):
    return _C._hardtanh_(input, 0.0, 6.0) if inplace else _C._relu6(input)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    return _C._leaky_relu_(input, negative_slope) if inplace else _C._leaky_relu(input, negative_slope)


def leaky_relu_(input, negative_slope=0.01):
    return _C._leaky_relu_(input, negative_slope)


def elu(input, alpha=1.0, inplace=False):
    return _C._elu_(input, alpha) if inplace else _C._elu(input, alpha)


def elu_(input, alpha=1.0):
    return _C._elu_(input, alpha)


def selu(input, inplace=False):
    return _C.selu_(input) if inplace else _C.selu(input)


def selu_(input):
    return _C.selu_(input)


def gelu(input, approximate="none"):
    return _C._gelu(input, approximate)


def silu(input, inplace=False):
    return _C._silu_(input) if inplace else _C._silu(input)


def mish(input, inplace=False):
    return _C._mish_(input) if inplace else _C._mish(input)


def softplus(input, beta=1.0, threshold=20.0):
    return _C._softplus(input, beta, threshold)


def sigmoid(input):
    return _C.sigmoid(input)


def tanh(input):
    return _C.tanh(input)


def _softmax_dim(name, ndim, stacklevel):
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. "
                  "Change the call to include dim=X as an argument.", UserWarning, stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _softmax_dim("softmax", input.dim(), _stacklevel)
    return _C.softmax(input, dim, dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _softmax_dim("log_softmax", input.dim(), _stacklevel)
    return _C.log_softmax(input, dim, dtype)


# ---- linear, dropout, normalize, one_hot ----


def linear(input, weight, bias=None):
    return _C._linear(input, weight, bias)


def dropout(input, p=0.5, training=True, inplace=False):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    return _C.dropout_(input, p, training) if inplace else _C.dropout(input, p, training)


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    if out is not None:
        raise NotImplementedError("fastgrad: normalize(out=...) is not supported")
    denom = input.norm(p, dim, keepdim=True).clamp(min=eps)
    return input / denom


def one_hot(tensor, num_classes=-1):
    return _C._one_hot(tensor, num_classes)


# ---- losses ----


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    _warn_target_size(input, target)
    reduction = _reduction(size_average, reduce, reduction)
    if weight is None:
        return _C._mse_loss(input, target, reduction)
    if weight.shape != input.shape:
        raise ValueError("Weights and input must have the same size.")
    _check_reduction(reduction)
    diff = input - target
    weighted = diff * diff * weight
    if reduction == "none":
        return weighted
    return weighted.sum() if reduction == "sum" else weighted.sum() / weight.sum()


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    # Composite in PyTorch too: (input - target).abs(), then the reduction.
    _warn_target_size(input, target)
    reduction = _reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    errors = (input - target).abs()
    if weight is not None:
        if weight.shape != input.shape:
            raise ValueError("Weights and input must have the same size.")
        errors = errors * weight
        if reduction == "mean":
            return errors.sum() / weight.sum()
    if reduction == "none":
        return errors
    return errors.sum() if reduction == "sum" else errors.mean()


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    _warn_target_size(input, target)
    reduction = _reduction(size_average, reduce, reduction)
    if beta == 0.0:  # as PyTorch: plain L1, whose gradient is defined at 0
        return l1_loss(input, target, reduction=reduction)
    return _C._smooth_l1_loss(input, target, reduction, beta)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    _warn_target_size(input, target)
    if weight is None:
        return _C._huber_loss(input, target, reduction, delta)
    if weight.shape != input.shape:
        raise ValueError("Weights and input must have the same size.")
    _check_reduction(reduction)
    loss = _C._huber_loss(input, target, "none", delta) * weight
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    reduction = _reduction(size_average, reduce, reduction)
    if target.shape != input.shape:
        raise ValueError(f"Using a target size ({target.shape}) that is different to the input size "
                         f"({input.shape}) is deprecated. Please ensure they have the same size.")
    return _C._binary_cross_entropy(input, target, weight, reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None, reduction="mean",
                                     pos_weight=None):
    return _C._binary_cross_entropy_with_logits(input, target, weight, pos_weight,
                                                _reduction(size_average, reduce, reduction))


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    return _C._nll_loss(input, target, weight, _reduction(size_average, reduce, reduction), ignore_index)


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean",
                  label_smoothing=0.0):
    return _C._cross_entropy(input, target, weight, _reduction(size_average, reduce, reduction), ignore_index,
                             label_smoothing)


_REDUCTION_ENUM = {0: "none", 1: "mean", 2: "sum"}


def _binary_cross_entropy_with_logits(input, target, weight=None, pos_weight=None, reduction=1):
    # torch.binary_cross_entropy_with_logits: the top-level form, whose reduction is PyTorch's enum value.
    return _C._binary_cross_entropy_with_logits(input, target, weight, pos_weight, _REDUCTION_ENUM[reduction])


# ---- embedding, bilinear and normalisation layers ----


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
              sparse=False):
    if padding_idx is not None:
        if padding_idx > 0:
            assert padding_idx < weight.size(0), "Padding_idx must be within num_embeddings"
        elif padding_idx < 0:
            assert padding_idx >= -weight.size(0), "Padding_idx must be within num_embeddings"
            padding_idx = weight.size(0) + padding_idx
    else:
        padding_idx = -1
    if scale_grad_by_freq or sparse:
        raise NotImplementedError("fastgrad: embedding(scale_grad_by_freq=True / sparse=True) is not supported")
    if max_norm is not None:
        # torch.embedding_renorm_: the rows looked up are rescaled in place to a norm of at most max_norm.
        with _no_grad():
            from .._creation import tensor

            rows = tensor(sorted(set(input.reshape(-1).tolist())), dtype=_C.int64)
            norms = weight[rows].norm(p=norm_type, dim=1, keepdim=True)
            scale = _C.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
            weight[rows] = weight[rows] * scale
    return _C._embedding(weight, input, padding_idx)


def bilinear(input1, input2, weight, bias=None):
    # y[..., o] = sum_ij x1[..., i] W[o, i, j] x2[..., j] + b[o]
    if input1.shape[:-1] != input2.shape[:-1]:
        raise RuntimeError(f"bilinear(): input batch dimensions do not match: got {list(input1.shape[:-1])} "
                           f"and {list(input2.shape[:-1])}")
    if weight.dim() != 3 or input1.shape[-1] != weight.shape[1] or input2.shape[-1] != weight.shape[2]:
        raise RuntimeError(f"bilinear(): weight of size {list(weight.shape)} does not match inputs of size "
                           f"{list(input1.shape)} and {list(input2.shape)}")
    lead = tuple(input1.shape[:-1])
    x1 = input1.reshape(-1, input1.shape[-1])
    x2 = input2.reshape(-1, input2.shape[-1])
    out = _C.einsum("ni,oij,nj->no", x1, weight, x2).reshape(*lead, weight.shape[0])
    return out if bias is None else out + bias


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    if isinstance(normalized_shape, int):
        normalized_shape = (normalized_shape,)
    return _C._layer_norm(input, tuple(normalized_shape), weight, bias, eps)


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    if training:
        size = input.size()
        per_channel = size[0]
        for s in size[2:]:
            per_channel *= s
        if per_channel == 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size {size}")
    return _C._batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def _no_grad():
    from ..autograd.grad_mode import no_grad

    return no_grad()
