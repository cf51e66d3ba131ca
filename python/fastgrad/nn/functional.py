"""fastgrad.nn.functional: PyTorch's functional API over the core's ops."""
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


def relu(input, inplace=False):
    if inplace:
        raise NotImplementedError("fastgrad: relu(inplace=True) is not supported yet")
    return _C.relu(input)


def sigmoid(input):
    return _C.sigmoid(input)


def tanh(input):
    return _C.tanh(input)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    if weight is not None:
        raise NotImplementedError("fastgrad: mse_loss(weight=...) is not supported yet")
    if target.shape != input.shape:
        warnings.warn(
            f"Using a target size ({target.shape}) that is different to the input size ({input.shape}). "
            "This will likely lead to incorrect results due to broadcasting. Please ensure they have the same size.",
            UserWarning, stacklevel=2)
    return _C._mse_loss(input, target, _reduction(size_average, reduce, reduction))


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None, reduction="mean",
                                     pos_weight=None):
    return _C._binary_cross_entropy_with_logits(input, target, weight, pos_weight,
                                                _reduction(size_average, reduce, reduction))
