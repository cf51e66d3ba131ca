"""Pooling for nn.functional: PyTorch's argument parsing and checks, in its order and words, then one native op per
call (cpp/src/ops/pooling.cpp): max pooling and its indices, max_unpool, average pooling, adaptive average and
adaptive max pooling over 1, 2 or 3 spatial dims. lp_pool is composed over average pooling, as PyTorch's is.

PyTorch runs the 1-d ops as the 2-d ones on a height-1 input, and several of its messages show that (shapes with
an extra 1, "kH: 1"); the checks below reproduce them."""
from __future__ import annotations
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # names for annotations only (they stay out of the module's namespace)
    from typing import Any, Optional, Tuple  # noqa: F401

    from .._C import Tensor

from .. import _C
from ..amp.autocast_mode import _autocast_op  # Note [Autocast]

_WORDS = {2: "two", 3: "three"}
_DTYPE_NAMES = {_C.int64: "Long", _C.int32: "Int", _C.bool: "Bool", _C.float32: "Float", _C.float64: "Double",
                _C.uint8: "Byte", _C.int8: "Char", _C.int16: "Short", _C.float16: "Half", _C.bfloat16: "BFloat16"}


# ---- arguments ----


def _length_message(op, nd, what, n, max_pool1d_impl):
    if nd == 1:
        if max_pool1d_impl:  # torch's own max_pool1d kernel (no indices) words them this way
            forms = {"kernel_size": "an int, list of ints or tuple of ints",
                     "stride": "None, an int, list of ints, or tuple of ints",
                     "padding": "an int, list of ints, or tuple of ints",
                     "dilation": "an int, list of ints or tuple of ints"}
            return f"max_pool1d() {what} must be {forms[what]} of size 1 but got size {n}"
        return f"{op}() argument '{what}' should contain one int (got {n})"
    if op == "avg_pool3d":
        forms = {"kernel_size": "be a single int", "stride": "be omitted, a single int", "padding": "be a single int"}
    else:
        forms = {"kernel_size": "either be a single int", "stride": "either be omitted, a single int",
                 "padding": "either be a single int", "dilation": "be either a single int"}
    return f"{op}: {what} must {forms[what]}, or a tuple of {_WORDS[nd]} ints"


def _per_dim(op, nd, what, value, position=0, max_pool1d_impl=False):
    """One int per spatial dim from an int or a list of one or nd ints (parsed as the bindings parse int lists:
    floats, strings and tensors of several elements are TypeErrors naming op and argument)."""
    ints = _C._int_list(value, op, what, position)
    if len(ints) == nd:
        return ints
    if len(ints) == 1:
        return ints * nd
    raise RuntimeError(_length_message(op, nd, what, len(ints), max_pool1d_impl))


def _pool_args(name, nd, kernel_size, stride, padding, dilation, max_pool1d_impl=False):
    kernel = _per_dim(name, nd, "kernel_size", kernel_size, 2, max_pool1d_impl)
    if stride is None or (isinstance(stride, (list, tuple)) and len(stride) == 0):
        stride = kernel
    else:
        stride = _per_dim(name, nd, "stride", stride, 0, max_pool1d_impl)
    padding = _per_dim(name, nd, "padding", padding, 0, max_pool1d_impl)
    dilation = _per_dim(name, nd, "dilation", dilation, 0, max_pool1d_impl)
    return kernel, stride, padding, dilation


def _pooled_size(size, kernel, stride, padding, dilation, ceil_mode=False):
    span = size + 2 * padding - dilation * (kernel - 1) - 1
    if ceil_mode:
        out = -(-span // stride) + 1
        if (out - 1) * stride >= size + padding:  # the last window must start inside the input or left pad
            out -= 1
        return out
    return span // stride + 1


# ---- checks ----


def _check_input_tensor(name, input):
    # torch's parser error for a non-tensor input
    if not isinstance(input, _C.Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")


def _check_pool_input(name, nd, input, max_pool1d_impl=True):
    # each pooling op words its rank error its own way in PyTorch
    d = input.dim()
    if d in (nd + 1, nd + 2):
        return
    if name == "max_pool1d" and max_pool1d_impl:
        raise RuntimeError(
            f"max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for "
            f"input, but got:{list(input.shape)}"
        )
    if name in ("max_pool2d", "max_pool3d", "avg_pool3d"):
        raise RuntimeError(f"non-empty {nd + 1}D or {nd + 2}D (batch mode) tensor expected for input")
    if name == "avg_pool2d":
        raise IndexError(
            f"Dimension out of range (expected to be in range of [-{max(d, 1)}, {max(d, 1) - 1}], but got -3)"
        )
    if name in ("adaptive_avg_pool2d", "adaptive_avg_pool3d"):
        raise RuntimeError(f"{name}(): Expected {nd + 1}D or {nd + 2}D tensor, but got {list(input.shape)}")
    if name in ("adaptive_max_pool2d", "adaptive_max_pool3d"):
        raise RuntimeError(f"{name}(): Expected {nd + 1}D or {nd + 2}D tensor, but got: {list(input.shape)}")
    raise RuntimeError(
        f"Expected 2 to 3 dimensions, but got {d}-dimensional tensor for argument #1 'self' (while "
        f"checking arguments for {name})"
    )


def _check_pool_args(name, kernel, stride, padding, dilation, max_pool1d_impl=False):
    """PyTorch's checks of the pooling arguments, in its order and words, then the padding bound. The 1-d
    ops other than max_pool1d without indices run as 2-d ones of height 1 in PyTorch, and their messages show
    it."""
    if max_pool1d_impl:
        for what, v, bad in (("kernel_size", kernel[0], kernel[0] <= 0), ("stride", stride[0], stride[0] <= 0),
                             ("padding", padding[0], padding[0] < 0), ("dilation", dilation[0], dilation[0] <= 0)):
            if bad:
                must = "be non-negative" if what == "padding" else "be greater than zero"
                raise RuntimeError(f"max_pool1d() {what} must {must}, but got {v}")
    else:
        if any(v == 0 for v in stride):
            raise RuntimeError("stride should not be zero")
        if any(v <= 0 for v in kernel):
            raise RuntimeError(f"kernel size should be greater than zero, but got {_labelled('k', kernel)}")
        if any(v < 0 for v in stride):
            raise RuntimeError(f"stride should be greater than zero, but got {_labelled('d', stride)}")
        if any(v < 0 for v in padding):
            raise RuntimeError(f"pad must be non-negative, but got pad: {min(padding)}")
        if any(v <= 0 for v in dilation):
            raise RuntimeError(f"dilation should be greater than zero, but got {_labelled('dilation', dilation)}")
    for p, k, d in zip(padding, kernel, dilation):
        if max_pool1d_impl:
            if p > k // 2:
                raise RuntimeError(
                    f"max_pool1d() padding should be at most half of kernel size, but got padding={p} "
                    f"and kernel_size={k}"
                )
        elif p > ((k - 1) * d + 1) // 2:
            raise RuntimeError(
                f"pad should be at most half of effective kernel size, but got pad={p}, "
                f"kernel_size={k} and dilation={d}"
            )


def _labelled(prefix, values):
    """ "kH: 1 kW: 2" (1-d and 2-d, the 1-d op seen as 2-d) or "kT: 1 kH: 2 kW: 3" as PyTorch lists them."""
    labels = ("T", "H", "W")[-max(len(values), 2):]
    lead = (1,) * (2 - len(values))
    return " ".join(f"{prefix}{label}: {v}" for label, v in zip(labels, lead + tuple(values)))


def _check_pool_empty(name, input, nd, return_indices=False):
    """torch's pooling kernels refuse an empty non-batch dim. The 1-d ops other than max_pool1d without indices
    run as 2-d ones on a height-1 input, and their message shows that shape."""
    shape = list(input.shape)
    if name == "max_pool1d" and not return_indices:
        if 0 in shape[-2:] or (len(shape) == 2 and 0 in shape):
            raise RuntimeError(f"max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size "
                               f"for input, but got:{shape}")
        return
    if nd == 3:
        if 0 in shape[-4:]:  # (torch names non-batch dimension 0 whichever one is empty)
            prefix = "max_pool3d_with_indices_out_cpu_template" if name == "max_pool3d" else name
            raise RuntimeError(f"{prefix}(): Expected input's non-batch dimensions to have positive length, but "
                               f"input has a shape of {shape} and non-batch dimension 0 has length zero!")
        return
    if nd == 1:
        shape = shape[:-1] + [1, shape[-1]]
    if 0 in shape[-3:]:
        raise RuntimeError(f"Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, but "
                           f"got:{shape}")


def _check_max_pool_kernel_padding(nd, kernel, padding):
    # max pooling's shape check bounds the padding by half the kernel itself (the dilation aside)
    if all(p <= k // 2 for p, k in zip(padding, kernel)):
        return
    if nd == 3:
        raise RuntimeError(f"pad should be smaller than or equal to half of kernel size, but got kT: {kernel[0]} "
                           f"kW: {kernel[2]} kH: {kernel[1]} padT: {padding[0]} padW: {padding[2]} "
                           f"padH: {padding[1]}")
    (kh, kw), (ph, pw) = ((1,) + tuple(kernel))[-2:], ((0,) + tuple(padding))[-2:]
    raise RuntimeError(f"pad should be smaller than or equal to half of kernel size, but got padW = {pw}, "
                       f"padH = {ph}, kW = {kw}, kH = {kh}")


def _check_pool_output(name, input, nd, out_sizes, max_pool1d_impl=False):
    if all(o > 0 for o in out_sizes):
        return
    if max_pool1d_impl:
        raise RuntimeError(f"max_pool1d() Invalid computed output size: {out_sizes[0]}")
    lead = (input.shape[-nd - 1],) + ((1,) if nd == 1 else ())  # (the 1-d ops run as 2-d ones of height 1)
    given = "x".join(str(s) for s in lead + tuple(input.shape[-nd:]))
    calculated = "x".join(str(s) for s in lead + tuple(out_sizes))
    raise RuntimeError(
        f"Given input size: ({given}). Calculated output size: ({calculated}). Output size is too small"
    )


def _check_pool_dtype(kernel, input, allowed):
    # PyTorch's CPU pooling kernels: floating point, plus the integer dtypes in `allowed`
    if input.dtype.is_floating_point or input.dtype in allowed:
        return
    raise NotImplementedError(f'"{kernel}" not implemented for \'{_DTYPE_NAMES[input.dtype]}\'')


# ---- max pooling ----


def _max_pool(name, nd, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    _check_input_tensor(name, input)
    impl = name == "max_pool1d" and not return_indices  # torch's own 1-d kernel: the rank first
    if impl:
        _check_pool_input(name, nd, input)
    kernel, stride, padding, dilation = _pool_args(name, nd, kernel_size, stride, padding, dilation, impl)
    if not impl:
        _check_pool_input(name, nd, input, impl)
    _check_pool_args(name, kernel, stride, padding, dilation, impl)
    out_sizes = tuple(
        _pooled_size(s, k, st, p, d, ceil_mode)
        for s, k, st, p, d in zip(tuple(input.shape[-nd:]), kernel, stride, padding, dilation)
    )
    _check_pool_empty(name, input, nd, return_indices)
    if not impl:
        _check_max_pool_kernel_padding(nd, kernel, padding)
    _check_pool_output(name, input, nd, out_sizes, impl)
    # the kernel's dtype check comes after the shape checks, as in torch
    if impl and not input.dtype.is_floating_point:
        _check_pool_dtype("max_pool1d_impl", input, ())
    _check_pool_dtype("max_pool3d" if nd == 3 else "max_pool2d", input,
                      (_C.int32, _C.int64, _C.uint8, _C.int8, _C.int16))
    if nd == 3 and not return_indices:  # PyTorch's float32 autocast list has max_pool3d, not its indices form
        input = _C._autocast_float32(input)  # (Note [Autocast])
    out, indices = _C._max_pool_with_indices(input, nd, kernel, stride, padding, dilation, ceil_mode)
    return (out, indices) if return_indices else out


def max_pool1d(
    input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False,
) -> Any:
    """Max pooling over 1 spatial dim(s) of input (N, C, *spatial) or (C, *spatial): the largest value of
    each window (kernel_size, stride defaulting to kernel_size, padding, dilation, ceil_mode); with
    return_indices also the flat position of each maximum in its plane."""
    return _max_pool("max_pool1d", 1, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool2d(
    input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False,
) -> Any:
    """Max pooling over 2 spatial dim(s) of input (N, C, *spatial) or (C, *spatial): the largest value of
    each window (kernel_size, stride defaulting to kernel_size, padding, dilation, ceil_mode); with
    return_indices also the flat position of each maximum in its plane."""
    return _max_pool("max_pool2d", 2, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool3d(
    input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False,
) -> Any:
    """Max pooling over 3 spatial dim(s) of input (N, C, *spatial) or (C, *spatial): the largest value of
    each window (kernel_size, stride defaulting to kernel_size, padding, dilation, ceil_mode); with
    return_indices also the flat position of each maximum in its plane."""
    return _max_pool("max_pool3d", 3, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False) -> Tuple[Tensor, Tensor]:
    """max_pool1d(..., return_indices=True): (values, indices) whatever `return_indices` says, as PyTorch's."""
    return _max_pool("max_pool1d", 1, input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False) -> Tuple[Tensor, Tensor]:
    """max_pool2d(..., return_indices=True): (values, indices) whatever `return_indices` says, as PyTorch's."""
    return _max_pool("max_pool2d", 2, input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False) -> Tuple[Tensor, Tensor]:
    """max_pool3d(..., return_indices=True): (values, indices) whatever `return_indices` says, as PyTorch's."""
    return _max_pool("max_pool3d", 3, input, kernel_size, stride, padding, dilation, ceil_mode, True)


# ---- max_unpool ----


def _max_unpool(name, nd, input, indices, kernel_size, stride, padding, output_size):
    """Zeros of the output size with each value of `input` written at its flat per-plane position in `indices`."""
    if not isinstance(input, _C.Tensor):  # torch's Python layer reads input.size() first
        raise AttributeError(f"'{type(input).__name__}' object has no attribute 'size'")
    kernel = _per_dim(name, nd, "kernel_size", kernel_size, 3)
    stride = kernel if stride is None else _per_dim(name, nd, "stride", stride)
    padding = _per_dim(name, nd, "padding", padding)
    default = [(input.shape[input.dim() - nd + i] - 1) * stride[i] - 2 * padding[i] + kernel[i] for i in range(nd)]
    if output_size is None:
        sizes = default
    else:
        sizes = [int(v) for v in output_size]
        shown = output_size  # the messages show the sizes as given (a tuple or a list), as PyTorch's do
        if len(sizes) == nd + 2:
            sizes, shown = sizes[-nd:], output_size[2:]
        if len(sizes) != nd:
            raise ValueError(f"output_size should be a sequence containing {nd} or {nd + 2} elements, but it has "
                             f"a length of '{len(output_size)}'")
        for i, (s, d) in enumerate(zip(sizes, default)):
            low, high = d - stride[i], d + stride[i]
            if not low < s < high:
                raise ValueError(f'invalid output_size "{shown}" (dim {i} must be between {low} and {high})')
    if indices.dtype != _C.int64:
        detail = "" if nd == 3 else f" but got: {_DTYPE_NAMES[indices.dtype]}"
        raise RuntimeError(f"elements in indices should be type int64{detail}")
    if tuple(indices.shape) != tuple(input.shape):
        raise RuntimeError(f"Expected shape of indices to be same as that of the input tensor "
                           f"({list(input.shape)}) but got indices tensor with shape: {list(indices.shape)}")
    if input.dim() not in (nd + 1, nd + 2):
        if nd == 3:
            raise RuntimeError(f"Input to max_unpooling3d should be a 4d or 5d Tensor, but got a tensor with "
                               f"{input.dim()} dimensions.")
        raise RuntimeError(f"{name}: Expected input to be {nd + 1}D or {nd + 2}D, but got {input.dim()}D")
    shape = list(input.shape) if nd > 1 else list(input.shape) + [1]  # the 1-d op runs as the 2-d one
    for d in range(1 if len(shape) == max(nd, 2) + 2 else 0, len(shape)):
        if shape[d] == 0:
            raise RuntimeError(f"max_unpooling{max(nd, 2)}d_forward_out_cpu(): Expected input to have non-zero size "
                               f"for non-batch dimensions, but got {shape} with dimension {d} being empty.")
    _check_pool_dtype("max_unpool3d" if nd == 3 else "max_unpool2d", input, ())
    return _C._max_unpool(input, indices, sizes)


@_autocast_op("float32")
def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None) -> Tensor:
    """Partial inverse of max_pool1d: a zero tensor of the pooled input's length (or ``output_size``) with each
    value of ``input`` (N, C, L) or (C, L) written at the flat position ``indices`` gives
    (``max_pool1d(..., return_indices=True)``'s second result). Differentiable in ``input``.

    Raises RuntimeError for an index outside the output, ValueError for an ``output_size`` outside the sizes
    that ``kernel_size``/``stride``/``padding`` allow, as PyTorch does."""
    return _max_unpool("max_unpool1d", 1, input, indices, kernel_size, stride, padding, output_size)


@_autocast_op("float32")
def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None) -> Tensor:
    """Partial inverse of max_pool2d: a zero tensor of the pooled input's size (or ``output_size``) with each
    value of ``input`` (N, C, H, W) or (C, H, W) written at the flat per-plane position ``indices`` gives
    (``max_pool2d(..., return_indices=True)``'s second result). Differentiable in ``input``.

    Raises RuntimeError for an index outside the output plane, ValueError for an ``output_size`` outside the
    sizes that ``kernel_size``/``stride``/``padding`` allow, as PyTorch does."""
    return _max_unpool("max_unpool2d", 2, input, indices, kernel_size, stride, padding, output_size)


@_autocast_op("float32")
def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None) -> Tensor:
    """Partial inverse of max_pool3d: as max_unpool2d over (N, C, D, H, W) or (C, D, H, W) inputs."""
    return _max_unpool("max_unpool3d", 3, input, indices, kernel_size, stride, padding, output_size)


# ---- average pooling ----


def _avg_pool(name, nd, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override):
    _check_input_tensor(name, input)
    if nd < 3:
        _check_pool_input(name, nd, input)
    kernel, stride, padding, _ = _pool_args(name, nd, kernel_size, stride, padding, 1)
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    if nd == 3:
        _check_pool_input(name, nd, input)
    _check_pool_args(name, kernel, stride, padding, (1,) * nd)
    spatial = tuple(input.shape[-nd:])
    out_sizes = tuple(_pooled_size(s, k, st, p, 1, ceil_mode) for s, k, st, p in zip(spatial, kernel, stride, padding))
    _check_pool_empty(name, input, nd)
    if nd == 3 and any(s < k for s, k in zip(spatial, kernel)):
        raise RuntimeError(f"input image (T: {spatial[0]} H: {spatial[1]} W: {spatial[2]}) smaller than kernel size "
                           f"(kT: {kernel[0]} kH: {kernel[1]} kW: {kernel[2]})")
    _check_pool_output(name, input, nd, out_sizes)
    _check_pool_dtype("avg_pool3d_out_frame" if nd == 3 else "avg_pool2d", input, (_C.int64,))
    return _C._avg_pool(input, nd, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True) -> Tensor:
    """Average pooling over 1 spatial dim(s) of input (N, C, *spatial) or (C, *spatial): the mean of each
    window (padding counted unless count_include_pad=False; divisor_override replaces the divisor where the
    op takes it)."""
    return _avg_pool("avg_pool1d", 1, input, kernel_size, stride, padding, ceil_mode, count_include_pad, None)


def avg_pool2d(
    input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True, divisor_override=None
) -> Tensor:
    """Average pooling over 2 spatial dim(s) of input (N, C, *spatial) or (C, *spatial): the mean of each
    window (padding counted unless count_include_pad=False; divisor_override replaces the divisor where the
    op takes it)."""
    return _avg_pool(
        "avg_pool2d", 2, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override
    )


@_autocast_op("float32")
def avg_pool3d(
    input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True, divisor_override=None
) -> Tensor:
    """Average pooling over 3 spatial dim(s) of input (N, C, *spatial) or (C, *spatial): the mean of each
    window (padding counted unless count_include_pad=False; divisor_override replaces the divisor where the
    op takes it)."""
    return _avg_pool(
        "avg_pool3d", 3, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override
    )


# ---- adaptive pooling ----


def _adaptive_output_size(name, nd, input, output_size):
    """The output sizes as torch's Python layer reads them: 1-d takes an int or a 1-tuple of ints; 2-d and 3-d an
    int or a sequence whose None entries keep the input's size."""
    if nd == 1:
        sizes = output_size if isinstance(output_size, (list, tuple)) else (output_size,)
        if not all(isinstance(o, int) and not isinstance(o, bool) for o in sizes):
            raise TypeError(f"{name}(): argument 'output_size' (position 2) must be tuple of ints, "
                            f"not {type(output_size).__name__}")
        if len(sizes) != 1:
            raise RuntimeError(f"{name}() argument 'output_size' should contain one int (got {len(sizes)})")
        return tuple(int(o) for o in sizes)
    if isinstance(output_size, bool):  # (an int to torch's Python layer, but not to its parser)
        raise TypeError(f"{name}(): argument 'output_size' (position 2) must be tuple of ints, not bool")
    if isinstance(output_size, int):
        return (output_size,) * nd
    if input.dim() <= len(output_size):  # torch's _list_with_default fills None entries from the input's sizes
        raise ValueError(f"Input dimension should be at least {len(output_size) + 1}")
    sizes = [s if o is None else o for s, o in zip(input.shape[input.dim() - len(output_size):], output_size)]
    for i, o in enumerate(sizes):
        if not isinstance(o, int) or isinstance(o, bool):
            raise TypeError(f"{name}(): argument 'output_size' (position 2) must be tuple of ints, but found element "
                            f"of type {type(o).__name__} at pos {i}")
    if len(sizes) != nd:
        if name.startswith("adaptive_max"):
            raise RuntimeError(f"{name}(): internal error: output_size.size() must be {nd}")
        raise RuntimeError(f"{name}: output_size must be {nd}")
    return tuple(sizes)


def _check_adaptive_empty(name, nd, input):
    shape = list(input.shape)
    if nd < 3 and name.startswith("adaptive_avg"):  # torch's 2-d average kernel checks the spatial dims only
        shape = shape[:-1] + [1, shape[-1]] if nd == 1 else shape  # (the 1-d op runs as the 2-d one)
        name, dims = "adaptive_avg_pool2d", (len(shape) - 2, len(shape) - 1)
    else:
        dims = range(1, len(shape))  # dim 0 is exempt: the batch, or the channels of an unbatched input
    for i in dims:
        if shape[i] == 0:
            raise RuntimeError(f"{name}(): Expected input to have non-zero size for non-batch dimensions, but input "
                               f"has sizes {shape} with dimension {i} being empty")


def _adaptive_avg_pool(name, nd, input, output_size):
    if nd >= 2 and not isinstance(input, _C.Tensor):  # torch's Python layer reads input.size() first
        raise AttributeError(f"'{type(input).__name__}' object has no attribute 'size'")
    _check_input_tensor(name, input)
    sizes = _adaptive_output_size(name, nd, input, output_size)
    _check_pool_input(name, nd, input)
    if any(o < 0 for o in sizes):
        shown = ("{1, " + str(sizes[0]) + "}" if nd == 1 else
                 "{" + ", ".join(str(o) for o in sizes) + "}" if nd == 2 else
                 "{" + f"{sizes[0]}, {sizes[1]},{sizes[2]}" + "}")
        raise RuntimeError(f"{'adaptive_avg_pool2d' if nd < 3 else name}: elements of output_size must be greater "
                           f"than or equal to 0 but received {shown}")
    if all(o == 1 for o in sizes):  # torch takes the mean over the spatial dims
        if not input.is_floating_point():
            raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be either a floating point "
                               f"or complex dtype. Got: {_DTYPE_NAMES[input.dtype]}")
        return _C._adaptive_avg_pool(input, sizes)
    _check_adaptive_empty(name, nd, input)
    if input.numel() and 0 not in sizes:  # (no kernel runs for an empty input or output)
        _check_pool_dtype("adaptive_avg_pool3d_cpu" if nd == 3 else "adaptive_avg_pool2d", input, ())
    out = _C._adaptive_avg_pool(input, sizes)
    grad_shape = list(out.shape[:-1]) + [1, out.shape[-1]] if nd == 1 else list(out.shape)
    kernel = "adaptive_avg_pool3d_backward" if nd == 3 else "adaptive_avg_pool2d_backward"
    return _refuse_empty_gradient(out, kernel, grad_shape, 1)


def _refuse_empty_gradient(out, kernel, grad_shape, first):
    """torch's adaptive pooling backward refuses a gradient with an empty dim from `first` on (dim 0 is exempt, batch
    or, for an unbatched input, channels): a hook
    raising its error, on a view of out (so the hook sees the gradient before the pooling Node runs)."""
    empty = next((i for i in range(max(first, 0), len(grad_shape)) if grad_shape[i] == 0), None)
    if not out.requires_grad or empty is None:
        return out

    def refuse(grad):
        raise RuntimeError(f"{kernel}(): Expected grad_output to have non-zero size for non-batch dimensions, "
                           f"but grad_output has sizes {grad_shape} with dimension {empty} being empty")
    out = out.expand(out.shape)
    out.register_hook(refuse)
    return out


def adaptive_avg_pool1d(input, output_size) -> Tensor:
    """Adaptive average pooling over 1 spatial dim(s) to output_size: output cell i averages input positions
    floor(i*in/out) to ceil((i+1)*in/out)."""
    return _adaptive_avg_pool("adaptive_avg_pool1d", 1, input, output_size)


def adaptive_avg_pool2d(input, output_size) -> Tensor:
    """Adaptive average pooling over 2 spatial dim(s) to output_size: output cell i averages input positions
    floor(i*in/out) to ceil((i+1)*in/out)."""
    return _adaptive_avg_pool("adaptive_avg_pool2d", 2, input, output_size)


@_autocast_op("float32")
def adaptive_avg_pool3d(input, output_size) -> Tensor:
    """Adaptive average pooling over 3 spatial dim(s) to output_size: output cell i averages input positions
    floor(i*in/out) to ceil((i+1)*in/out)."""
    return _adaptive_avg_pool("adaptive_avg_pool3d", 3, input, output_size)


def _adaptive_max_pool(name, nd, input, output_size):
    if nd >= 2 and not isinstance(input, _C.Tensor):  # torch's Python layer reads input.size() first
        raise AttributeError(f"'{type(input).__name__}' object has no attribute 'size'")
    _check_input_tensor(name, input)
    sizes = _adaptive_output_size(name, nd, input, output_size)
    _check_pool_input(name, nd, input)
    _check_adaptive_empty(name, nd, input)
    if any(o < 0 for o in sizes):
        shape = list(input.shape[:-nd]) + ([1] if nd == 1 else []) + list(sizes)
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(sizes)}: {shape}")
    _check_pool_dtype("adaptive_max_pool3d_cpu" if nd == 3 else "adaptive_max_pool2d", input, ())
    out, indices = _C._adaptive_max_pool(input, sizes)
    grad_shape = list(out.shape[:-1]) + [1, out.shape[-1]] if nd == 1 else list(out.shape)
    kernel = "adaptive_max_pool3d_backward" if nd == 3 else "adaptive_max_pool2d_backward"
    return _refuse_empty_gradient(out, kernel, grad_shape, 1), indices


def adaptive_max_pool1d(input, output_size, return_indices=False) -> Any:
    """Adaptive max pooling over 1 spatial dim(s) to output_size (windows as adaptive_avg_pool1d's); with
    return_indices also the flat position of each maximum in its plane."""
    out, indices = _adaptive_max_pool("adaptive_max_pool1d", 1, input, output_size)
    return (out, indices) if return_indices else out


def adaptive_max_pool2d(input, output_size, return_indices=False) -> Any:
    """Adaptive max pooling over 2 spatial dim(s) to output_size (windows as adaptive_avg_pool2d's); with
    return_indices also the flat position of each maximum in its plane."""
    out, indices = _adaptive_max_pool("adaptive_max_pool2d", 2, input, output_size)
    return (out, indices) if return_indices else out


@_autocast_op("float32")
def adaptive_max_pool3d(input, output_size, return_indices=False) -> Any:
    """Adaptive max pooling over 3 spatial dim(s) to output_size (windows as adaptive_avg_pool3d's); with
    return_indices also the flat position of each maximum in its plane."""
    out, indices = _adaptive_max_pool("adaptive_max_pool3d", 3, input, output_size)
    return (out, indices) if return_indices else out


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=False) -> Tuple[Tensor, Tensor]:
    """adaptive_max_pool1d(..., return_indices=True): (values, indices) whatever `return_indices` says."""
    return _adaptive_max_pool("adaptive_max_pool1d", 1, input, output_size)


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=False) -> Tuple[Tensor, Tensor]:
    """adaptive_max_pool2d(..., return_indices=True): (values, indices) whatever `return_indices` says."""
    return _adaptive_max_pool("adaptive_max_pool2d", 2, input, output_size)


@_autocast_op("float32")
def adaptive_max_pool3d_with_indices(input, output_size, return_indices=False) -> Tuple[Tensor, Tensor]:
    """adaptive_max_pool3d(..., return_indices=True): (values, indices) whatever `return_indices` says."""
    return _adaptive_max_pool("adaptive_max_pool3d", 3, input, output_size)


# ---- power-average pooling ----


def _lp_pool(nd, input, norm_type, kernel_size, stride, ceil_mode):
    """(sum over the window of x ** p) ** (1 / p), as PyTorch composes it: the average pooling of x ** p times
    the window's size, its sign kept through relu (a negative average, possible for odd p, gives 0)."""
    pools = {1: (max_pool1d, avg_pool1d), 2: (max_pool2d, avg_pool2d), 3: (max_pool3d, avg_pool3d)}
    max_pool, avg_pool = pools[nd]
    if isinstance(norm_type, (int, float)) and not isinstance(norm_type, bool) and abs(norm_type) == float("inf"):
        if norm_type > 0:
            return max_pool(input.abs(), kernel_size, stride, 0, 1, ceil_mode)
        return -max_pool(-input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    if stride is not None:
        out = avg_pool(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    else:
        out = avg_pool(input.pow(norm_type), kernel_size, padding=0, ceil_mode=ceil_mode)
    if nd == 1:
        size = kernel_size
    else:
        size = 1
        for k in tuple(kernel_size) if isinstance(kernel_size, (list, tuple)) else (kernel_size,) * nd:
            size *= k
    return (out.sign() * out.abs().relu()).mul(size).pow(1.0 / norm_type)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False) -> Tensor:
    """Power-average pooling over 1 spatial dim(s): (sum of x**norm_type over each window) ** (1 /
    norm_type), computed over avg_pool1d."""
    return _lp_pool(1, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False) -> Tensor:
    """Power-average pooling over 2 spatial dim(s): (sum of x**norm_type over each window) ** (1 /
    norm_type), computed over avg_pool2d."""
    return _lp_pool(2, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False) -> Tensor:
    """Power-average pooling over 3 spatial dim(s): (sum of x**norm_type over each window) ** (1 /
    norm_type), computed over avg_pool3d."""
    return _lp_pool(3, input, norm_type, kernel_size, stride, ceil_mode)
