"""fastgrad.nn.functional: PyTorch's functional API over the core's ops.

The math lives in C++ (cpp/src/ops/nn*.cpp); this layer adds PyTorch's signatures: `inplace=` flags, the
legacy `size_average`/`reduce` arguments, `weight=` on the elementwise losses (composite, as in PyTorch)
and PyTorch's warnings.
"""
import numbers
import warnings

from .. import _C


# ---- dtype checks: torch dispatches these ops only for some dtypes; its errors, raised before composing ----

_TYPE_NAMES = {_C.bool: "Bool", _C.int32: "Int", _C.int64: "Long", _C.float32: "Float", _C.float64: "Double"}
_CATEGORY = {_C.bool: 0, _C.int32: 1, _C.int64: 1, _C.float32: 2, _C.float64: 2}


def _promoted(*tensors):
    dtype = tensors[0].dtype
    for t in tensors[1:]:
        dtype = _C.promote_types(dtype, t.dtype)
    return dtype


def _floating_kernel(kernel, *tensors):
    """torch's dispatch error ('"kernel" not implemented for 'Long'') when the tensors' promoted dtype is not
    floating; else that dtype. Tensors of different floating dtypes are computed in the promoted one."""
    dtype = _promoted(*tensors)
    if not dtype.is_floating_point:
        raise NotImplementedError(f'"{kernel}" not implemented for \'{_TYPE_NAMES[dtype]}\'')
    return dtype


def _check_cast(result, output):
    """torch's error when an op's result dtype cannot be written into an output of dtype `output`."""
    if _CATEGORY[result] > _CATEGORY[output]:
        raise RuntimeError(f"result type {_TYPE_NAMES[result]} can't be cast to the desired output type "
                           f"{_TYPE_NAMES[output]}")


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


def _loss_reduction(size_average, reduce, reduction):
    """torch's Python layer for the losses that call an ATen op with a reduction enum: the legacy flags or the
    reduction name, checked (ValueError) before anything else."""
    reduction = _reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    return reduction


def _warn_target_size(input, target):
    if target.shape != input.shape:
        warnings.warn(
            f"Using a target size ({target.shape}) that is different to the input size ({input.shape}). "
            "This will likely lead to incorrect results due to broadcasting. Please ensure they have the same size.",
            UserWarning, stacklevel=3)


def _broadcast_shape(a, b):
    """The broadcast of shapes a and b, with torch's error (a and b named in that order) when they do not."""
    a, b = tuple(a), tuple(b)
    n = max(len(a), len(b))
    pa, pb = (1,) * (n - len(a)) + a, (1,) * (n - len(b)) + b
    out = []
    for i, (x, y) in enumerate(zip(pa, pb)):
        if x != y and x != 1 and y != 1:
            raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b ({y}) at "
                               f"non-singleton dimension {i}")
        out.append(y if x == 1 else x)
    return tuple(out)


def _check_inplace_shape(output, other):
    """torch's errors when `other` is combined in place into a tensor of shape `output`."""
    shape = _broadcast_shape(output, other)
    if shape != tuple(output):
        raise RuntimeError(f"output with shape {list(output)} doesn't match the broadcast shape {list(shape)}")


def _fails_in_backward(tensor, message):
    """`tensor`, made to raise torch's RuntimeError(message) when a gradient reaches it: for the cases where torch's
    forward succeeds and its backward kernel refuses (mixed dtypes, an input broadcast by an in-place kernel)."""
    if tensor.requires_grad:
        def refuse(grad):
            raise RuntimeError(message)
        tensor = tensor.expand(tensor.shape)  # an alias: the hook must not stay on the caller's tensor
        tensor.register_hook(refuse)
    return tensor


def _tensor_args(op, *args, optional=()):
    """torch's parser TypeError for (name, position, value) triples that are not tensors (None allowed for the
    names in `optional`)."""
    for name, position, value in args:
        if isinstance(value, _C.Tensor) or (value is None and name in optional):
            continue
        raise TypeError(f"{op}(): argument '{name}' (position {position}) must be Tensor, not "
                        f"{type(value).__name__}")


def _clamp_min_value_only(x, low):
    """max(x, low) in value, with the gradient of x itself (PyTorch clamps a detached copy in place). Only the
    clamped elements get the detached correction, so inf and NaN elements stay as they are."""
    return _C.where(x < low, x + (low - x).detach(), x)


_BOOL_NEGATION = ("Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a "
                  "mask, use the `~` or `logical_not()` operator instead.")
_BOOL_SUBTRACTION = ("Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or "
                     "`logical_xor()` operator instead.")


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
    # PyTorch's hardtanh_ is the kernel itself: no min_val <= max_val check (min > max gives max everywhere)
    return _C._hardtanh_(input, min_val, max_val)


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


def _method(input, name):
    """torch's F op that calls input.<name>(): AttributeError for a non-tensor."""
    if not isinstance(input, _C.Tensor):
        raise AttributeError(f"'{type(input).__name__}' object has no attribute '{name}'")


def sigmoid(input):
    _method(input, "sigmoid")
    return _C.sigmoid(input)


def tanh(input):
    _method(input, "tanh")
    return _C.tanh(input)


def _softmax_dim(name, ndim, stacklevel):
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. "
                  "Change the call to include dim=X as an argument.", UserWarning, stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    _method(input, "dim" if dim is None else "softmax")
    if dim is None:
        dim = _softmax_dim("softmax", input.dim(), _stacklevel)
    return _C.softmax(input, dim, dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    _method(input, "dim" if dim is None else "log_softmax")
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


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    # Composite in PyTorch too: input and target broadcast to one shape (so a 0-d target takes part in type
    # promotion as a full tensor), then (input - target).abs() and the reduction.
    _warn_target_size(input, target)
    reduction = _reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if input.shape != target.shape:
        input, target = _C.broadcast_tensors(input, target)
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


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
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


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
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
        bad_input = ~((input >= 0) & (input <= 1))
        bad_target = ~((target >= 0) & (target <= 1))
        if bool((bad_input | bad_target).any()):
            first = int((bad_input | bad_target).reshape(-1).to(_C.int64).argmax())
            which = "input" if bool(bad_input.reshape(-1)[first]) else "target"
            raise RuntimeError(f"all elements of {which} should be between 0 and 1")
    return _C._binary_cross_entropy(input, target, weight, reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None, reduction="mean",
                                     pos_weight=None):
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


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    return _C._nll_loss(input, target, weight, _reduction(size_average, reduce, reduction), ignore_index)


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean",
                  label_smoothing=0.0):
    return _C._cross_entropy(input, target, weight, _reduction(size_average, reduce, reduction), ignore_index,
                             label_smoothing)


_REDUCTION_ENUM = {0: "none", 1: "mean", 2: "sum"}


def _binary_cross_entropy_with_logits(input, target, weight=None, pos_weight=None, reduction=0):
    # torch.binary_cross_entropy_with_logits: the top-level form, whose reduction is PyTorch's enum value (its
    # Python binding defaults to 0, no reduction, as observed in torch 2.x).
    if isinstance(reduction, bool) or not isinstance(reduction, int):
        raise TypeError(f"binary_cross_entropy_with_logits(): argument 'reduction' must be int, not "
                        f"{type(reduction).__name__}")
    return _bce_with_logits(input, target, weight, pos_weight, _REDUCTION_ENUM[reduction])


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
    if sparse:
        raise NotImplementedError("fastgrad: embedding(sparse=True) is not supported")
    if weight.numel() == 0 and input.numel():
        # torch gathers from an empty weight with another kernel, which words an out-of-range index its own way
        rows = weight.shape[0] if weight.dim() else 0
        bad = [i for i in input.reshape(-1).tolist() if not 0 <= i < rows]
        if bad:
            raise RuntimeError(f"INDICES element is out of DATA bounds, id={bad[0]} axis_dim={rows}")
    if max_norm is not None:
        # torch.embedding_renorm_: the rows looked up are rescaled in place to a norm of at most max_norm.
        with _no_grad():
            from .._creation import tensor

            rows = tensor(sorted(set(input.reshape(-1).tolist())), dtype=_C.int64)
            norms = weight[rows].norm(p=norm_type, dim=1, keepdim=True)
            scale = _C.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
            weight[rows] = weight[rows] * scale
    return _C._embedding(weight, input, padding_idx, scale_grad_by_freq)


def bilinear(input1, input2, weight, bias=None):
    # y[..., o] = sum_ij x1[..., i] W[o, i, j] x2[..., j] + b[o]
    _tensor_args("bilinear", ("input1", 1, input1), ("input2", 2, input2), ("weight", 3, weight), ("bias", 4, bias),
                 optional=("bias",))
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
    return _C._layer_norm(input, normalized_shape, weight, bias, eps)


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    if training:
        size = input.size()
        per_channel = size[0]
        for s in size[2:]:
            per_channel *= s
        if per_channel == 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size {size}")
    # torch's checks, in its order: eps (Python layer), then the kernel's
    if training and eps <= 0.0:
        raise ValueError(f"batch_norm eps must be positive during training, but got {eps}")
    if eps < 0.0:
        raise ValueError(f"batch_norm eps must be non-negative, but got {eps}")
    if input.dim() >= 2 and input.shape[1] == 0 and any(p is not None and p.numel() == 0 for p in (weight, bias)):
        # torch reads the first element of an empty weight or bias when there are no channels
        raise IndexError("select(): index 0 out of range for tensor of size [0] at dimension 0")
    if (running_mean is None) != (running_var is None) and input.numel() != 0:  # (an empty input returns first)
        if not training:
            missing = "running_mean" if running_mean is None else "running_var"
            raise RuntimeError(f"{missing} must be defined in evaluation mode")
        raise ValueError("running_mean and running_var must either both be None or neither be None")
    return _C._batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)



# ---- more activations: compositions of core ops (their gradients come from the ops they are built of) ----


def _maybe_inplace(fn, input, inplace):
    # The in-place spelling of a composite activation: the same values, written into `input`. The
    # composite runs on a clone, so that what its backward saves is not the tensor being overwritten.
    return input.copy_(fn(input.clone())) if inplace else fn(input)


def celu(input, alpha=1.0, inplace=False):
    # x for x > 0, alpha * (exp(x / alpha) - 1) otherwise (the core's elu with input scale 1 / alpha)
    if inplace:
        return celu_(input, alpha)
    _tensor_args("celu", ("input", 1, input))
    return _C._celu(input, alpha)


def celu_(input, alpha=1.0):
    _tensor_args("celu_", ("input", 1, input))
    out = _C._celu_(input, alpha)
    if alpha < 0 and out.requires_grad:  # torch's forward succeeds; its backward refuses
        def refuse(grad):
            raise RuntimeError(
                "In-place elu backward calculation is triggered with a negative slope which is not supported. "
                "This is caused by calling in-place forward function with a negative slope, please call "
                "out-of-place version instead.")
        out.register_hook(refuse)
    return out


def softsign(input):
    return input / (input.abs() + 1)


def tanhshrink(input):
    return input - input.tanh()


def logsigmoid(input):
    # log(sigmoid(x)) = -softplus(-x): no overflow for large |x|, and its gradient is sigmoid(-x) everywhere
    # (0.5 at 0; no 0 * inf from a clamp's flat side when the incoming gradient is infinite)
    _tensor_args("log_sigmoid", ("input", 1, input))
    _floating_kernel("log_sigmoid_cpu", input)
    return -_C._softplus(-input, 1.0, 20.0)


def _number_arg(op, name, position, value):
    # a Python or NumPy number (bools included), as torch's parser takes it
    if not (isinstance(value, numbers.Number) or type(value).__module__ == "numpy" and type(value).__name__ in
            ("bool_", "bool")):
        raise TypeError(f"{op}(): argument '{name}' (position {position}) must be Number, not {type(value).__name__}")


def hardsigmoid(input, inplace=False):
    _tensor_args("hardsigmoid_" if inplace else "hardsigmoid", ("input", 1, input))
    _floating_kernel("hardsigmoid_cpu", input)
    return _maybe_inplace(lambda x: _C._relu6(x + 3) / 6, input, inplace)


def hardswish(input, inplace=False):
    _tensor_args("hardswish_" if inplace else "hardswish", ("input", 1, input))
    _floating_kernel("hardswish_cpu", input)
    return _maybe_inplace(lambda x: x * (_C._relu6(x + 3) / 6), input, inplace)


def softshrink(input, lambd=0.5):
    # x - clamp(x, -lambd, lambd): x - lambd above lambd, x + lambd below -lambd, 0 between
    _tensor_args("softshrink", ("input", 1, input))
    _number_arg("softshrink", "lambd", 2, lambd)
    lambd = lambd.item() if hasattr(lambd, "item") else lambd  # a NumPy scalar as a Python number
    _floating_kernel("softshrink_check", input)
    dtype, largest = ("Double", 1.7976931348623157e308) if input.dtype == _C.float64 else ("Float", 3.4028234663852886e38)
    if not 0 <= lambd <= largest:  # (nan and inf included)
        raise RuntimeError(f"lambda must be in range [0, {largest:g}] for input dtype {dtype}, but found {lambd:g}")
    return input - input.clamp(-lambd, lambd)


def _element(value, like):
    """The number `value` as a 0-d tensor of like's dtype: converted (and checked) as PyTorch's kernels do."""
    return _C.full((), value, dtype=like.dtype)


def hardshrink(input, lambd=0.5):
    _tensor_args("hardshrink", ("input", 1, input))
    _number_arg("hardshrink", "lambd", 2, lambd)
    _floating_kernel("hardshrink_cpu", input)
    # 0 where -lambd <= x <= lambd (never for a NaN lambd), x elsewhere
    return _C.where(input.abs() <= _element(lambd, input), 0.0, input)


def _threshold(input, threshold, value, inplace):
    # The result keeps the input's dtype: threshold and value are converted (checked) to it, as torch's kernel
    # does; value where x <= threshold (never for a NaN threshold), x elsewhere.
    if input.dtype == _C.bool:
        raise NotImplementedError("\"threshold_cpu\" not implemented for 'Bool'")
    threshold, value = _element(threshold, input), _element(value, input)
    return _maybe_inplace(lambda x: _C.where(x <= threshold, value, x), input, inplace)


def threshold(input, threshold, value, inplace=False):
    return _threshold(input, threshold, value, inplace)


def threshold_(input, threshold, value):
    return _threshold(input, threshold, value, True)


def glu(input, dim=-1):
    if input.dim() == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    if isinstance(dim, bool) or not isinstance(dim, int):
        raise TypeError(f"glu(): argument 'dim' (position 2) must be int, not {type(dim).__name__}")
    size = input.shape[dim]
    if size % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {dim % input.dim()} is size {size}")
    _floating_kernel("glu_cpu", input)  # (after the shape check, as in torch)
    first, second = input.chunk(2, dim)
    return first * second.sigmoid()


def prelu(input, weight):
    _tensor_args("prelu", ("input", 1, input), ("weight", 2, weight))
    # max(0, x) + weight * min(0, x), with one weight per channel (dim 1) or a single shared one; torch's
    # checks in its order: one dtype, the weight's size, then a floating dtype
    if input.dtype != weight.dtype:
        raise RuntimeError(f"prelu: Type promoting not supported. Got {_TYPE_NAMES[input.dtype]} and "
                           f"{_TYPE_NAMES[weight.dtype]}")
    if weight.numel() != 1:
        channels = input.shape[1] if input.dim() >= 2 else 1
        if input.dim() == 0 or weight.numel() != channels:
            raise RuntimeError(
                f"Mismatch of parameter numbers and input channel size. Found parameter numbers = "
                f"{weight.numel()} and channel size = {channels}.")
        weight = weight.reshape((channels,) + (1,) * (input.dim() - 2))
    else:
        weight = weight.reshape(())  # a 0-d input gives a 0-d output
    _floating_kernel("prelu_cpu", input)
    # x where x > 0, weight * x elsewhere, selected (not added) so that an infinite or NaN weight leaves the
    # positive side alone; the weight multiplies a 0 there, so its gradient is 0 even for an infinite x
    positive = input > 0
    return _C.where(positive, input, weight * _C.where(positive, 0.0, input))


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _softmax_dim("softmin", input.dim(), _stacklevel)
    return _C.softmax(-input, dim, dtype)


# ---- distances ----


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    _tensor_args("pairwise_distance", ("x1", 1, x1), ("x2", 2, x2))
    if p is None or isinstance(p, (str, list, tuple)):
        raise TypeError(f"pairwise_distance(): argument 'p' (position 3) must be float, not {type(p).__name__}")
    # ||x1 - x2 + eps||_p over the last dim (eps keeps the norm's gradient finite at x1 == x2); eps is a
    # double in PyTorch's signature, so integer inputs give a float distance
    return (x1 - x2 + float(eps)).norm(float(p), -1, keepdim=keepdim)  # p is a double too (not a Scalar)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    # sum(x1 / max(||x1||, eps) * x2 / max(||x2||, eps)) along dim. As in PyTorch, the clamp changes the
    # norms' values only: the gradient flows through each norm as if it were not clamped.
    _tensor_args("cosine_similarity", ("x1", 1, x1), ("x2", 2, x2))
    if isinstance(dim, bool) or not isinstance(dim, int):
        raise TypeError(f"cosine_similarity(): argument 'dim' (position 3) must be int, not {type(dim).__name__}")
    dtype = _promoted(x1, x2)
    if not dtype.is_floating_point:
        raise RuntimeError(f"expected common dtype to be floating point, yet common dtype is {_TYPE_NAMES[dtype]}")
    # integer and bool operands are converted to the common floating dtype
    x1, x2 = _C.broadcast_tensors(x1.to(dtype), x2.to(dtype))
    n1 = x1.norm(2, dim, keepdim=True)
    n2 = x2.norm(2, dim, keepdim=True)
    n1, n2 = _clamp_min_value_only(n1, eps), _clamp_min_value_only(n2, eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim)


# ---- more losses: compositions, reduced the way PyTorch reduces them ----


def _reduce(loss, reduction):
    if reduction == "none":
        return loss
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    raise ValueError(f"{reduction} is not a valid value for reduction")


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    # pointwise target * (log(target) - input), with 0 * log(0) = 0 as in xlogy
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
        # xlogy(target, target): 0 where target is 0, nan where it is negative (log of a negative number)
        loss = target * _C.where(target != 0, target, 1.0).log() - target * input
    if reduction == "batchmean":
        return loss.sum() / input.shape[0] if input.dim() != 0 else loss.sum()
    return _reduce(loss, reduction)


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
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


def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean"):
    # max(0, -y * (x1 - x2) + margin), the margin a float (so integer inputs give a floating loss, as in torch)
    reduction = _loss_reduction(size_average, reduce, reduction)
    if not (input1.dim() == input2.dim() == target.dim()):
        raise RuntimeError(
            f"margin_ranking_loss : All input tensors should have same dimension but got sizes: "
            f"input1: {input1.size()}, input2: {input2.size()}, target: {target.size()} ")
    _tensor_args("margin_ranking_loss", ("input1", 1, input1), ("input2", 2, input2), ("target", 3, target))
    return _reduce((-target * (input1 - input2) + float(margin)).clamp(min=0), reduction)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None, reduction="mean"):
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


def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean"):
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


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8, reduce=None,
                     reduction="mean"):
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


_CPP_TYPE_NAMES = {_C.bool: "bool", _C.int32: "int", _C.int64: "long int"}


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
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
        if bool((var < 0).any()):
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


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    reduction = _reduction(size_average, reduce, reduction)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    class_dim = input.dim() - 1
    loss = loss.sum(class_dim) / input.shape[class_dim]
    return _reduce(loss, reduction)


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False, size_average=None,
                        reduce=None, reduction="mean"):
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
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = _C.minimum(d_neg, pairwise_distance(positive, negative, p, eps))
    return _reduce((margin + d_pos - d_neg).clamp(min=0), reduction)



def _prod(sizes):
    out = 1
    for s in sizes:
        out *= s
    return out


def _normalize_over(x, dims, eps):
    # (x - mean) / sqrt(var + eps) over `dims`, with the biased variance
    mean = x.mean(dims, keepdim=True)
    centered = x - mean
    var = (centered * centered).mean(dims, keepdim=True)
    return centered * (var + eps).rsqrt()


def _channel_affine(out, weight, bias):
    # per-channel (dim 1) scale and shift
    shape = (1, -1) + (1,) * (out.dim() - 2)
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    if input.dim() < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received {input.dim()}")
    n, c = input.shape[0], input.shape[1]
    # PyTorch's check, before the divisibility one: each group must hold more than one value.
    size = [n * c // num_groups, num_groups] + list(input.shape[2:])
    if size[0] * _prod(size[2:]) == 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input size {size}")
    if c % num_groups != 0:
        raise RuntimeError(f"Expected number of channels in input to be divisible by num_groups, but got input of "
                           f"shape {list(input.shape)} and num_groups={num_groups}")
    _tensor_args("group_norm", ("weight", 3, weight), ("bias", 4, bias), optional=("weight", "bias"))
    _floating_kernel("GroupNormKernelImpl", input)  # (after the shape checks, as in torch)
    per_group = input.numel() // (n * num_groups) if n else (c // num_groups) * _prod(input.shape[2:])
    grouped = input.reshape(n, num_groups, per_group)
    out = _normalize_over(grouped, (2,), eps).reshape(input.shape)
    return _channel_affine(out, weight, bias)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats=True,
                  momentum=0.1, eps=1e-5):
    # each (sample, channel) slice normalised over its own spatial positions
    spatial = tuple(range(2, input.dim()))
    size = _prod(input.shape[2:])
    if use_input_stats and size == 1:
        raise ValueError(f"Expected more than 1 spatial element when training, got input size {input.size()}")
    _tensor_args("instance_norm", ("input", 1, input), ("weight", 2, weight), ("bias", 3, bias),
                 ("running_mean", 4, running_mean), ("running_var", 5, running_var),
                 optional=("weight", "bias", "running_mean", "running_var"))
    if not use_input_stats and (running_mean is None or running_var is None):
        raise RuntimeError("Expected running_mean and running_var to be defined when use_input_stats is false")
    if input.numel() == 0 and not input.is_floating_point():
        return input.clone()  # torch's batch_norm kernel returns an empty input before dispatching on its dtype
    _floating_kernel("batch_norm", input)  # torch normalises through its batch_norm kernel
    if not use_input_stats:
        shape = (1, -1) + (1,) * len(spatial)
        out = (input - running_mean.reshape(shape)) * (running_var.reshape(shape) + eps).rsqrt()
        return _channel_affine(out, weight, bias)
    if running_mean is not None or running_var is not None:
        # running statistics: the batch average of each instance's mean and unbiased variance
        with _no_grad():
            x = input.detach()
            mean = x.mean(spatial)
            var = x.var(spatial, correction=1)
            if running_mean is not None:
                running_mean.mul_(1 - momentum).add_(mean.mean(0) * momentum)
            if running_var is not None:
                running_var.mul_(1 - momentum).add_(var.mean(0) * momentum)
    return _channel_affine(_normalize_over(input, spatial, eps), weight, bias)


def rms_norm(input, normalized_shape, weight=None, eps=None):
    # x / sqrt(mean(x^2 over the last len(normalized_shape) dims) + eps) * weight
    if not isinstance(normalized_shape, (tuple, list)):
        raise TypeError(f"rms_norm(): argument 'normalized_shape' (position 2) must be tuple of ints, not "
                        f"{type(normalized_shape).__name__}")
    _tensor_args("rms_norm", ("input", 1, input), ("weight", 3, weight), optional=("weight",))
    normalized_shape = tuple(normalized_shape)
    if weight is not None and tuple(weight.shape) != normalized_shape:
        raise RuntimeError(f"Expected weight to be of same shape as normalized_shape, but got weight of shape "
                           f"{list(weight.shape)} and normalized_shape = {list(normalized_shape)}")
    k = len(normalized_shape)
    if k == 0 or tuple(input.shape[input.dim() - k:]) != normalized_shape or input.dim() < k:
        raise RuntimeError(f"Given normalized_shape={list(normalized_shape)}, expected input with shape "
                           f"[*{', '.join(str(s) for s in normalized_shape)}], but got input of size"
                           f"{list(input.shape)}")
    _floating_kernel("rms_norm", input)  # (after the shape checks, as in torch)
    if eps is None:
        eps = 2.220446049250313e-16 if input.dtype == _C.float64 else 1.1920928955078125e-07
    dims = tuple(range(input.dim() - k, input.dim()))
    out = input * ((input * input).mean(dims, keepdim=True) + eps).rsqrt()
    return out if weight is None else out * weight


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    # x / (k + alpha / size * sum of x^2 over `size` neighbouring channels)^beta (zero-padded at the edges)
    _method(input, "dim")
    if input.dim() < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {input.dim()} dimensions)")
    if input.numel() == 0:
        return input
    if size <= 0:  # torch averages with a (size, 1) or (size, 1, 1) pooling kernel, which checks it first
        kernel = f"kH: {size} kW: 1" if input.dim() == 3 else f"kT: {size} kH: 1 kW: 1"
        raise RuntimeError(f"kernel size should be greater than zero, but got {kernel}")
    if input.dtype != _C.int64 and not input.dtype.is_floating_point:  # PyTorch's average-pooling kernels
        names = {_C.int32: "Int", _C.bool: "Bool"}
        kernel = "avg_pool2d" if input.dim() == 3 else "avg_pool3d_out_frame"
        raise NotImplementedError(f'"{kernel}" not implemented for \'{names.get(input.dtype, str(input.dtype))}\'')
    squared = input * input
    channels = input.shape[1]
    before, after = size // 2, (size - 1) // 2
    zeros_before = _C.zeros((input.shape[0], before) + tuple(input.shape[2:]), dtype=input.dtype)
    zeros_after = _C.zeros((input.shape[0], after) + tuple(input.shape[2:]), dtype=input.dtype)
    padded = _C.cat([zeros_before, squared, zeros_after], 1)
    window = padded.narrow(1, 0, channels)
    for offset in range(1, size):
        window = window + padded.narrow(1, offset, channels)
    # the window's average first (rounded toward zero for int64, as PyTorch's integer average pooling)
    average = _C.div(window, size, rounding_mode="trunc") if input.dtype == _C.int64 else window / size
    div = (average * alpha + k) ** beta
    return input / div


def _no_grad():
    from ..autograd.grad_mode import no_grad

    return no_grad()


from ._functional_conv import (  # noqa: E402  (padding, convolution and pooling: see that file's note)
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    avg_pool1d,
    avg_pool2d,
    conv1d,
    conv2d,
    conv3d,
    max_pool1d,
    max_pool2d,
    max_unpool1d,
    max_unpool2d,
    pad,
)
