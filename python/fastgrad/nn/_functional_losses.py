"""nn.functional's losses (the fused ones run in C++, cpp/src/ops/nn_loss.cpp; the others are composed here as
PyTorch composes them)."""
from __future__ import annotations
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # names for annotations only (they stay out of the module's namespace)
    from typing import Any, Optional, Tuple  # noqa: F401

    from .._C import Tensor

import warnings

from .. import _C
from ..amp.autocast_mode import _autocast_op  # Note [Autocast]
from . import functional as _functional  # logsigmoid, pairwise_distance (imported lazily by attribute)
from ._functional_checks import (  # noqa: F401
    _BOOL_NEGATION,
    _BOOL_SUBTRACTION,
    _CPP_TYPE_NAMES,
    _TYPE_NAMES,
    _check_cast,
    _check_inplace_shape,
    _check_reduction,
    _clamp_min_value_only,
    _fails_in_backward,
    _floating_kernel,
    _loss_reduction,
    _no_grad,
    _promoted,
    _reduction,
    _tensor_args,
    _warn_target_size,
)


# ---- losses ----


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None) -> Tensor:
    """Mean squared error: reduction over (input - target)^2 (broadcast), 'mean' by default, or 'sum', or
    'none'."""
    # torch's order: the operands broadcast, then the reduction (ValueError), then the kernel's dtype check
    _warn_target_size(input, target)
    reduction = _reduction(size_average, reduce, reduction)
    input_shape = input.shape
    if input.shape != target.shape:
        input, target = _C.broadcast_tensors(input, target)
    if weight is None:
        _check_reduction(reduction)
        dtype = _floating_kernel("mse_cpu", input, target)
        return _C._mse_loss(input.to(dtype), target.to(dtype), reduction)
    if weight.shape != input_shape:
        raise ValueError("Weights and input must have the same size.")
    diff = input - target
    weighted = diff * diff * weight
    if reduction == "none":
        return weighted
    if reduction == "sum":
        return weighted.sum()
    if reduction == "mean":
        return weighted.sum() / weight.sum()
    raise ValueError(f"Invalid reduction mode: {reduction}. Expected one of 'none', 'mean', 'sum'.")


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None) -> Tensor:
    """Mean absolute error: reduction over |input - target| (broadcast), 'mean' by default."""
    # Composite in PyTorch too: input and target broadcast to one shape (so a 0-d target takes part in type
    # promotion as a full tensor), then (input - target).abs() and the reduction.
    _warn_target_size(input, target)
    reduction = _reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if input.shape != target.shape:
        input, target = _C.broadcast_tensors(input, target)
    if weight is None:
        return _l1_loss(input, target, reduction)
    if weight.shape != input.shape:
        raise ValueError("Weights and input must have the same size.")
    errors = (input - target).abs() * weight  # composed, as PyTorch's weighted form (not autocast)
    if reduction == "mean":
        return errors.sum() / weight.sum()
    return errors if reduction == "none" else errors.sum()


@_autocast_op("float32")
def _l1_loss(input, target, reduction):
    """PyTorch's l1_loss op (its float32 autocast list): the reduction of |input - target|."""
    errors = (input - target).abs()
    if reduction == "none":
        return errors
    return errors.sum() if reduction == "sum" else errors.mean()


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0) -> Tensor:
    """Elementwise 0.5 (x - y)^2 / beta where |x - y| < beta, |x - y| - 0.5 beta elsewhere (|x - y| when beta
    is 0), then reduced."""
    # torch's order: the operands broadcast, then the reduction (ValueError), then the kernel's dtype check
    _warn_target_size(input, target)
    reduction = _reduction(size_average, reduce, reduction)
    if input.shape != target.shape:
        input, target = _C.broadcast_tensors(input, target)
    _check_reduction(reduction)
    if beta == 0.0:  # as PyTorch: plain L1, whose gradient is defined at 0
        return l1_loss(input, target, reduction=reduction)
    dtype = _floating_kernel("smooth_l1_cpu", input, target)
    return _C._smooth_l1_loss(input.to(dtype), target.to(dtype), reduction, beta)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None) -> Tensor:
    """Elementwise 0.5 (x - y)^2 where |x - y| < delta, delta (|x - y| - 0.5 delta) elsewhere, then reduced
    (smooth_l1_loss times delta when beta = delta)."""
    # As torch's Python layer: the operands broadcast first, then the reduction is checked, then the kernel's
    # dtype checks (computed in the promoted dtype, written into one of the input's dtype)
    _warn_target_size(input, target)
    input_shape = input.shape
    if input.shape != target.shape:
        input, target = _C.broadcast_tensors(input, target)
    if weight is None:
        _check_reduction(reduction)
    _check_cast(_promoted(input, target), input.dtype)
    _floating_kernel("huber_cpu", input, target)
    mixed, mixed_dtype = target.dtype != input.dtype, target.dtype
    target = target.to(input.dtype)
    if weight is None:
        loss = _C._huber_loss(input, target, reduction, delta)
    else:
        if weight.shape != input_shape:
            raise ValueError("Weights and input must have the same size.")
        loss = _C._huber_loss(input, target, "none", delta) * weight
        if reduction not in ("none", "mean", "sum"):
            raise ValueError(f"Invalid reduction mode: {reduction}. Expected one of 'none', 'mean', 'sum'.")
        if reduction != "none":
            loss = loss.sum() if reduction == "sum" else loss.mean()
    if mixed:  # torch's backward kernel refuses a target of another dtype
        loss = _fails_in_backward(loss, f"Found dtype {_TYPE_NAMES[mixed_dtype]} but expected "
                                        f"{_TYPE_NAMES[input.dtype]}")
    return loss


@_autocast_op("float32")
def binary_cross_entropy(
    input, target, weight=None, size_average=None, reduce=None, reduction="mean",
) -> Tensor:
    """Mean (or sum, or none by reduction) of -w (y log(x) + (1 - y) log(1 - x)) for probabilities input x and
    targets y, each log clamped at -100."""
    reduction = _loss_reduction(size_average, reduce, reduction)
    if target.shape != input.shape:
        raise ValueError(f"Using a target size ({target.shape}) that is different to the input size "
                         f"({input.shape}) is deprecated. Please ensure they have the same size.")
    if target.dtype != input.dtype:
        raise RuntimeError(f"Found dtype {_TYPE_NAMES[target.dtype]} but expected {_TYPE_NAMES[input.dtype]}")
    _floating_kernel("binary_cross_entropy", input)
    if weight is not None and not isinstance(weight, _C.Tensor):  # torch's Python layer calls weight.size()
        raise AttributeError(f"'{type(weight).__name__}' object has no attribute 'size'")
    # torch's kernel checks each element in turn, the input's value before the target's
    with _no_grad():
        from ..func._vmap import physical  # under vmap: checked over every sample at once, as the kernel does
        bad_input = physical(~((input >= 0) & (input <= 1)))
        bad_target = physical(~((target >= 0) & (target <= 1)))
        if bad_input.shape != bad_target.shape:
            bad_input, bad_target = _C.broadcast_tensors(bad_input, bad_target)
        if bool((bad_input | bad_target).any()):
            first = int((bad_input | bad_target).reshape(-1).to(_C.int64).argmax())
            which = "input" if bool(bad_input.reshape(-1)[first]) else "target"
            raise RuntimeError(f"all elements of {which} should be between 0 and 1")
    return _C._binary_cross_entropy(input, target, weight, reduction)


@_autocast_op("float32")
def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None, reduction="mean",
                                     pos_weight=None) -> Tensor:
    """Binary cross entropy on logits x, computed stably: -w (p y log(sigmoid(x)) + (1 - y) log(1 -
    sigmoid(x))) with pos_weight p weighting positives; reduced by reduction."""
    # torch's Python layer: the reduction, then the sizes (ValueError), then the top-level op
    reduction = _reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if target.shape != input.shape:
        raise ValueError(f"Target size ({target.shape}) must be the same as input size ({input.shape})")
    return _bce_with_logits(input, target, weight, pos_weight, reduction)


def _bce_with_logits(input, target, weight, pos_weight, reduction):
    # As torch's kernel: log_sigmoid(input) (floating input only), then (1 - target) * input written into a
    # tensor of the target's shape and dtype, so the input broadcasts to the target (not the reverse) and the
    # result has the target's dtype.
    _tensor_args("binary_cross_entropy_with_logits", ("input", 1, input), ("target", 2, target),
                 ("weight", 3, weight), ("pos_weight", 4, pos_weight), optional=("weight", "pos_weight"))
    _floating_kernel("log_sigmoid_cpu", input)
    if target.dtype == _C.bool:
        raise RuntimeError(_BOOL_SUBTRACTION)
    _check_inplace_shape(target.shape, input.shape)
    _check_cast(input.dtype, target.dtype)
    if input.shape != target.shape:
        # torch's backward writes the input's gradient in place into the input's shape, and refuses
        input = _fails_in_backward(input.expand(target.shape), f"output with shape {list(input.shape)} doesn't "
                                                               f"match the broadcast shape {list(target.shape)}")
    return _C._binary_cross_entropy_with_logits(input, target, weight, pos_weight, reduction).to(
        target.dtype if target.is_floating_point() else input.dtype)


@_autocast_op("float32")
def nll_loss(
    input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean",
) -> Tensor:
    """Negative log likelihood: -w_{y_i} input[i, y_i] for log-probabilities input (N, C, ...) and class
    indices target, ignore_index skipped; 'mean' divides by the summed weights of the counted targets."""
    return _C._nll_loss(input, target, weight, _reduction(size_average, reduce, reduction), ignore_index)


@_autocast_op("float32")
def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean",
                  label_smoothing=0.0) -> Tensor:
    """Cross entropy of logits input (N, C, ...) against class indices or class probabilities target: -sum_c
    w_c y_c log_softmax(x)_c, with label_smoothing mixing y with the uniform distribution, ignore_index
    skipped; the 'mean' over index targets divides by the summed weights."""
    return _C._cross_entropy(input, target, weight, _reduction(size_average, reduce, reduction), ignore_index,
                             label_smoothing)


_REDUCTION_ENUM = {0: "none", 1: "mean", 2: "sum"}


def _binary_cross_entropy_with_logits(input, target, weight=None, pos_weight=None, reduction=0):
    """fastgrad.binary_cross_entropy_with_logits, PyTorch's top-level form of
    nn.functional.binary_cross_entropy_with_logits: reduction is an int (0 none, 1 mean, 2 sum) and the
    loss is -w (p y log(sigmoid(x)) + (1 - y) log(1 - sigmoid(x))), computed stably."""
    # torch.binary_cross_entropy_with_logits: the top-level form, whose reduction is PyTorch's enum value (its
    # Python binding defaults to 0, no reduction, as observed in torch 2.x).
    if isinstance(reduction, bool) or not isinstance(reduction, int):
        raise TypeError(f"binary_cross_entropy_with_logits(): argument 'reduction' must be int, not "
                        f"{type(reduction).__name__}")
    return _bce_with_logits(input, target, weight, pos_weight, _REDUCTION_ENUM[reduction])


# ---- more losses: compositions, reduced the way PyTorch reduces them ----


def _reduce(loss, reduction):
    if reduction == "none":
        return loss
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    raise ValueError(f"{reduction} is not a valid value for reduction")


@_autocast_op("float32")
def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False) -> Tensor:
    """Kullback-Leibler divergence with log-probabilities input: target (log(target) - input) elementwise
    (exp(target) (target - input) with log_target=True); 'batchmean' divides the sum by the batch size."""
    # pointwise xlogy(target, target) - target * input
    # torch's order: the reduction (warning, ValueError), the parser (TypeError), then the dtypes
    legacy = size_average is not None or reduce is not None
    reduction = _reduction(size_average, reduce, reduction)
    if reduction == "mean" and not legacy:
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the support size."
                      "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
                      "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
                      UserWarning, stacklevel=2)
    if reduction != "batchmean":
        _check_reduction(reduction)
    _tensor_args("kl_div", ("input", 1, input), ("target", 2, target))
    if not (input.is_floating_point() and target.is_floating_point()):
        raise RuntimeError("kl_div: Integral inputs not supported.")
    if log_target:
        loss = target.exp() * (target - input)
    else:
        # as torch composes it (so its gradient for a zero target, target / target, is NaN alike)
        loss = _C.xlogy(target, target) - target * input
    if reduction == "batchmean":
        return loss.sum() / input.shape[0] if input.dim() != 0 else loss.sum()
    return _reduce(loss, reduction)


@_autocast_op("float32")
def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean") -> Tensor:
    """Elementwise log(1 + exp(-y x)) for y in {1, -1}, then reduced (the mean over all elements by default)."""
    # log(1 + exp(-y * x)). torch's kernel negates the input into an output of the input's shape and dtype and
    # multiplies the target into it in place: its checks, in that order.
    reduction = _loss_reduction(size_average, reduce, reduction)
    _tensor_args("soft_margin_loss", ("input", 1, input), ("target", 2, target))
    if target.requires_grad and _C.is_grad_enabled():
        raise RuntimeError("The function 'soft_margin_loss' is not differentiable with respect to argument 'target'. "
                           "This input cannot have requires_grad True.")
    if input.dtype == _C.bool:
        raise RuntimeError(_BOOL_NEGATION)
    _check_inplace_shape(input.shape, target.shape)
    # computed in the promoted floating dtype, written into a tensor of the input's dtype
    result = _promoted(input, target)
    _check_cast(result if result.is_floating_point else _C.get_default_dtype(), input.dtype)
    if target.dtype == _C.bool:  # torch's backward negates the target
        input = _fails_in_backward(input, _BOOL_NEGATION)
    return _reduce((-input * target).exp().log1p(), reduction).to(input.dtype)


@_autocast_op("float32")
def margin_ranking_loss(
    input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean",
) -> Tensor:
    """Elementwise max(0, -y (x1 - x2) + margin) for y in {1, -1}, then reduced."""
    # max(0, -y * (x1 - x2) + margin), the margin a float (so integer inputs give a floating loss, as in torch)
    reduction = _loss_reduction(size_average, reduce, reduction)
    if not (input1.dim() == input2.dim() == target.dim()):
        raise RuntimeError(
            f"margin_ranking_loss : All input tensors should have same dimension but got sizes: "
            f"input1: {input1.size()}, input2: {input2.size()}, target: {target.size()} ")
    _tensor_args("margin_ranking_loss", ("input1", 1, input1), ("input2", 2, input2), ("target", 3, target))
    return _reduce((-target * (input1 - input2) + float(margin)).clamp(min=0), reduction)


@_autocast_op("float32")
def hinge_embedding_loss(
    input, target, margin=1.0, size_average=None, reduce=None, reduction="mean",
) -> Tensor:
    """Elementwise x where y = 1, max(0, margin - x) where y = -1, then reduced."""
    # x where y != -1, plus max(0, margin - x) where y != 1, in the input's dtype (torch converts the margin to
    # it, so an integer input truncates the margin and gives an integer loss)
    reduction = _loss_reduction(size_average, reduce, reduction)
    _tensor_args("hinge_embedding_loss", ("input", 1, input), ("target", 2, target))
    if input.dtype == _C.bool:
        raise RuntimeError(_BOOL_SUBTRACTION)
    if not input.is_floating_point():
        margin = int(margin)
    margin_part = _C.where(target != 1, (margin - input).clamp(min=0), 0)
    self_part = _C.where(target != -1, input, 0)
    return _reduce(margin_part + self_part, reduction)


@_autocast_op("float32")
def cosine_embedding_loss(
    input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean",
) -> Tensor:
    """1 - cos(x1, x2) where y = 1, max(0, cos(x1, x2) - margin) where y = -1, per pair of rows, then reduced."""
    # 1 - cos(x1, x2) where y == 1, max(0, cos(x1, x2) - margin) where y == -1
    reduction = _loss_reduction(size_average, reduce, reduction)
    _tensor_args("cosine_embedding_loss", ("input1", 1, input1), ("input2", 2, input2), ("target", 3, target))
    # torch's checks: the target's rank decides the inputs' (0-d target: 1-d inputs, 1-d target: 2-d inputs)
    if target.dim() not in (0, 1):
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if target.dim() == 1 and not (input1.dim() == 2 and input2.dim() == 2):
        raise RuntimeError(f"1D target tensor expects 2D input tensors, but found inputs with sizes "
                           f"{list(input1.shape)} and {list(input2.shape)}.")
    if target.dim() == 0 and not (input1.dim() == 1 and input2.dim() == 1):
        raise RuntimeError(f"0D target tensor expects 1D input tensors, but found inputs with sizes "
                           f"{list(input1.shape)} and {list(input2.shape)}.")
    eps = 1e-12
    dot = (input1 * input2).sum(-1)
    squared1 = (input1 * input1).sum(-1) + eps
    squared2 = (input2 * input2).sum(-1) + eps
    cos = dot / (squared1 * squared2).sqrt()
    positive = _C.where(target == 1, 1 - cos, 0.0)
    negative = _C.where(target == -1, (cos - margin).clamp(min=0), 0.0)
    return _reduce(positive + negative, reduction)


@_autocast_op("float32")
def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8, reduce=None,
                     reduction="mean") -> Tensor:
    """Poisson negative log likelihood: exp(input) - target * input with log_input=True, else input - target *
    log(input + eps); full=True adds Stirling's term for target > 1; reduced."""
    reduction = _reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    _tensor_args("poisson_nll_loss", ("input", 1, input), ("target", 2, target))
    for name, position, value in (("log_input", 3, log_input), ("full", 4, full)):
        if not isinstance(value, bool):
            raise TypeError(f"poisson_nll_loss(): argument '{name}' (position {position}) must be bool, not "
                            f"{type(value).__name__}")
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * (input + eps).log()
    if full:
        # Stirling's approximation of log(target!), only where target > 1
        safe = _C.where(target > 1, target, 1.0)
        stirling = safe * safe.log() - safe + 0.5 * (2 * 3.141592653589793 * safe).log()
        loss = loss + _C.where(target > 1, stirling, 0.0)
    return _reduce(loss, reduction)


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean") -> Tensor:
    """Gaussian negative log likelihood: 0.5 (log(max(var, eps)) + (input - target)^2 / max(var, eps)), plus
    0.5 log(2 pi) with full=True; reduced."""
    # 0.5 * (log(max(var, eps)) + (input - target)^2 / max(var, eps)) (+ 0.5 * log(2 pi) when full), with
    # torch's Python layer's checks in its order
    import math

    if isinstance(var, float):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = var * _C.ones_like(input)
    else:
        if not isinstance(var, _C.Tensor):
            raise TypeError(f"any(): argument 'input' (position 1) must be Tensor, not {type(var < 0).__name__}")
        from ..func._vmap import physical  # under vmap: every sample's var at once
        if bool(physical(var < 0).any()):
            raise ValueError("var has negative entry/entries")
    if var.shape != input.shape:
        if tuple(input.shape[:-1]) == tuple(var.shape):
            var = var.unsqueeze(-1)  # one variance per sample, shared by its last dim
        elif input.dim() == var.dim() and sum(y for x, y in zip(input.shape, var.shape) if x != y) == 1:
            pass  # one variance shared along one dim: broadcast
        else:
            raise ValueError("var is of incorrect size")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    if not var.is_floating_point():  # torch clamps var in place to eps
        raise RuntimeError(f"result type Float can't be cast to the desired output type {_CPP_TYPE_NAMES[var.dtype]}")
    # The clamp changes values only; the gradient flows to var as if it were not there (PyTorch clamps a
    # clone in place under no_grad).
    var = _clamp_min_value_only(var, eps)
    loss = 0.5 * (var.log() + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


def multilabel_soft_margin_loss(
    input, target, weight=None, size_average=None, reduce=None, reduction="mean",
) -> Tensor:
    """-1/C sum_c w_c (y_c log(sigmoid(x_c)) + (1 - y_c) log(sigmoid(-x_c))) per sample, then reduced over the
    batch."""
    reduction = _reduction(size_average, reduce, reduction)
    loss = -(target * _functional.logsigmoid(input) + (1 - target) * _functional.logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    class_dim = input.dim() - 1
    loss = loss.sum(class_dim) / input.shape[class_dim]
    return _reduce(loss, reduction)


@_autocast_op("float32")
def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False, size_average=None,
                        reduce=None, reduction="mean") -> Tensor:
    """max(d(a, p) - d(a, n) + margin, 0) per triplet, d the p-norm pairwise distance (with swap=True, d(a, n)
    is min(d(a, n), d(p, n))); reduced."""
    # max(0, margin + d(a, p) - d(a, n)), d the pairwise p-norm distance
    reduction = _loss_reduction(size_average, reduce, reduction)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    _tensor_args("triplet_margin_loss", ("anchor", 1, anchor), ("positive", 2, positive), ("negative", 3, negative))
    dims = (anchor.dim(), positive.dim(), negative.dim())
    if len(set(dims)) != 1:
        raise RuntimeError(
            f"The anchor, positive, and negative tensors are expected to have the same number of dimensions, "
            f"but got: anchor {dims[0]}D, positive {dims[1]}D, and negative {dims[2]}D inputs")
    d_pos = _functional.pairwise_distance(anchor, positive, p, eps)
    d_neg = _functional.pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = _C.minimum(d_neg, _functional.pairwise_distance(positive, negative, p, eps))
    return _reduce((margin + d_pos - d_neg).clamp(min=0), reduction)
