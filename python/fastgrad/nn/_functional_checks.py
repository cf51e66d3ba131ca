"""Checks and small helpers shared by nn.functional's modules: PyTorch's dtype dispatch errors, the legacy
reduction arguments, argument-type errors."""

import warnings

from .. import _C


# ---- dtype checks: torch dispatches these ops only for some dtypes; its errors, raised before composing ----

_TYPE_NAMES = {_C.bool: "Bool", _C.int32: "Int", _C.int64: "Long", _C.float32: "Float", _C.float64: "Double",
               _C.uint8: "Byte", _C.int8: "Char", _C.int16: "Short", _C.float16: "Half", _C.bfloat16: "BFloat16"}
# the C type names PyTorch's kernels print ("Input type (double) and bias type (long int) should be the same")
_CPP_TYPE_NAMES = {_C.bool: "bool", _C.int32: "int", _C.int64: "long int", _C.float32: "float", _C.float64: "double",
                   _C.uint8: "unsigned char", _C.int8: "signed char", _C.int16: "short int", _C.float16: "c10::Half",
                   _C.bfloat16: "c10::BFloat16"}
_CATEGORY = {_C.bool: 0, _C.int32: 1, _C.int64: 1, _C.float32: 2, _C.float64: 2, _C.uint8: 1, _C.int8: 1, _C.int16: 1,
             _C.float16: 2, _C.bfloat16: 2}


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


def _no_grad():
    from ..autograd.grad_mode import no_grad

    return no_grad()
