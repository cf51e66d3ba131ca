"""Padding, convolution and pooling for nn.functional: padding and pooling composed of differentiable core ops,
convolution native.

Note [Windows as strided slices]
A convolution or pooling window visits input positions start + k * dilation (k < kernel) for output
positions start = o * stride. Instead of materialising an index tensor, each kernel offset is one strided
slice of the (padded) input, x[..., k*d : k*d + s*(out-1) + 1 : s], whose shape is already the output's;
stacking the prod(kernel) slices gives every window at once (the im2col matrix). The slices are views, so
the backward of the stack scatters each window's gradient back into place through the slicing ops'
own derivatives. Pooling is then a reduction over the stacked dim. (Convolution, unfold and fold are native
ops: see cpp/src/cpu/conv.h.)
"""

import math

import numpy as np

from .. import _C


def _ntuple(value, n, name="argument", op="conv", position=0):
    """n ints from an int or a list of ints, parsed as the bindings parse int lists (floats, strings and
    tensors of several elements are TypeErrors naming `op` and the argument)."""
    single = not isinstance(value, (list, tuple))
    ints = _C._int_list(value, op, name, position)
    if single:
        return ints * n
    if len(ints) == 1 and n > 1:
        return ints * n
    if len(ints) != n:
        raise RuntimeError(
            f"expected {name} to be a single integer value or a list of {n} values to match "
            f"the convolution dimensions, but got {name}={list(ints)}"
        )
    return ints


# ---- pad ----


def _pad_indices(size, left, right, mode):
    positions = np.arange(-left, size + right)
    if mode == "reflect":
        positions = np.abs(positions)
        positions = np.where(positions >= size, 2 * (size - 1) - positions, positions)
    elif mode == "replicate":
        positions = np.clip(positions, 0, size - 1)
    else:  # circular
        positions = np.mod(positions, size)
    return _C.from_numpy(positions.astype(np.int64))


def pad(input, pad, mode="constant", value=None):
    """Pads the last len(pad) // 2 dims: pad = (left_last, right_last, left_second_last, ...). Negative
    amounts crop (constant mode). Non-constant modes gather with index_select, so gradients of the
    repeated entries add up."""
    if not isinstance(input, _C.Tensor):
        raise TypeError(f"pad(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    pad = _C._int_list(pad, "pad", "pad", 2, False)
    if len(pad) % 2 != 0:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > input.dim():
        raise RuntimeError(
            f"Padding length should be less than or equal to two times the input dimension but "
            f"got padding length {len(pad)} and input of dimension {input.dim()}"
        )
    if mode not in ("constant", "reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    out = input
    if mode == "constant":
        fill = 0.0 if value is None else float(value)  # PyTorch's pad takes the value as a double
        for i in range(len(pad) // 2):
            dim = input.dim() - 1 - i
            left, right = pad[2 * i], pad[2 * i + 1]
            if left < 0:
                out = out.narrow(dim, -left, out.shape[dim] + left)
            if right < 0:
                out = out.narrow(dim, 0, out.shape[dim] + right)
            pieces = []
            for amount in (left, None, right):
                if amount is None:
                    pieces.append(out)
                elif amount > 0:
                    shape = list(out.shape)
                    shape[dim] = amount
                    pieces.append(_C.full(tuple(shape), fill, dtype=out.dtype))
            if len(pieces) > 1:
                out = _C.cat(pieces, dim)
        return out
    if value is not None and value != 0:
        raise ValueError(f'Padding mode "{mode}" doesn\'t take in value argument.')
    spatial = len(pad) // 2
    if input.dim() not in (spatial + 1, spatial + 2):
        raise NotImplementedError(
            f"Padding size {len(pad)} is not supported for {input.dim()}D input tensor.\n"
            "Supported combinations for non-constant padding:\n"
            "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
            "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
            "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)"
        )
    shape = list(input.shape)
    if mode != "circular" and 0 in (shape[1:] if len(shape) == spatial + 2 else shape):
        raise RuntimeError(f"Expected {spatial + 1}D or {spatial + 2}D (batch mode) tensor with possibly 0 batch size "
                           f"and other non-zero dimensions for input, but got: {shape}")
    dims = [input.dim() - spatial + i for i in range(spatial)]
    sizes = [input.shape[d] + pad[2 * (input.dim() - 1 - d)] + pad[2 * (input.dim() - 1 - d) + 1] for d in dims]
    if any(s < 0 for s in sizes):
        shape = list(input.shape[: input.dim() - spatial]) + sizes
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(sizes)}: {shape}")
    if mode != "circular":
        # PyTorch refuses a reflect/replicate result with no positive output size in any padded dim.
        if all(s < 1 for s in sizes):
            names = "DHW"[3 - spatial:]
            given = ", ".join(f"{n}: {input.shape[d]}" for n, d in zip(names, dims))
            calculated = " ".join(f"{n}: {s}" for n, s in zip(names, sizes))
            raise RuntimeError(f"input ({given}) is too small. Calculated output {calculated}")
        if input.dtype == _C.bool:  # PyTorch's reflect/replicate kernels have no bool version
            kernel = "reflection" if mode == "reflect" else "replication"
            raise NotImplementedError(f"\"{kernel}_pad{spatial}d\" not implemented for 'Bool'")
    for i in range(spatial):
        dim = input.dim() - 1 - i
        left, right = pad[2 * i], pad[2 * i + 1]
        size = input.shape[dim]
        if mode == "reflect" and (left >= size or right >= size):
            raise RuntimeError(
                f"Argument #4: Padding size should be less than the corresponding input dimension, "
                f"but got: padding ({left}, {right}) at dimension {dim} of input {list(input.shape)}"
            )
        if mode == "circular":
            if left > size or right > size:
                raise RuntimeError("Padding value causes wrapping around more than once.")
            if size + left + right <= 0:  # cropped away entirely
                out = out.narrow(dim, 0, 0)
                continue
            # Negative amounts crop first; the positive ones then wrap around what is left (as PyTorch).
            start, stop = max(-left, 0), size - max(-right, 0)
            kept = max(stop - start, 0)
            left, right = max(left, 0), max(right, 0)
            if kept < size:
                out = out.narrow(dim, start, kept) if kept > 0 else out.narrow(dim, 0, 0)
            if left == 0 and right == 0:
                continue
            if left > kept or right > kept:
                raise RuntimeError(
                    f"Padding value causes wrapping around more than once: padding ({pad[2 * i]}, {pad[2 * i + 1]}) "
                    f"of dimension {dim} (size {size}) leaves {kept} elements to wrap around")
            size = kept
        out = out.index_select(dim, _pad_indices(size, left, right, mode))
    return out


# ---- windows ----


def _windows(x, kernel, stride, dilation, out_sizes):
    """Every window of x's last len(kernel) dims, stacked at dim -len(kernel)-1 (see Note [Windows as strided
    slices]): shape (..., prod(kernel), *out_sizes)."""
    nd = len(kernel)
    views = []
    for offsets in np.ndindex(*kernel):
        index = [slice(None)] * (x.dim() - nd)
        for k, s, d, o in zip(offsets, stride, dilation, out_sizes):
            start = k * d
            index.append(slice(start, start + s * (o - 1) + 1, s))
        views.append(x[tuple(index)])
    return _C.stack(views, x.dim() - nd)


def _out_size(size, kernel, stride, padding, dilation, ceil_mode=False):
    span = size + 2 * padding - dilation * (kernel - 1) - 1
    if ceil_mode:
        out = -(-span // stride) + 1
        if (out - 1) * stride >= size + padding:  # the last window must start inside the input or left pad
            out -= 1
        return out
    return span // stride + 1


# ---- convolution, transposed convolution, unfold, fold: native ops (cpp/src/ops/conv.cpp) ----
# The core checks the arguments with PyTorch's messages and records ConvolutionBackward0 / Im2ColBackward0 /
# Col2ImBackward0; the bindings (python/src/conv.cpp) read the int lists as PyTorch's parser does.


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-d convolution of input (N, C_in, L) or (C_in, L) with weight (C_out, C_in / groups, k); padding is a
    number, a 1-tuple, 'valid' or 'same'."""
    return _C._conv(1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-d convolution of input (N, C_in, H, W) or (C_in, H, W) with weight (C_out, C_in / groups, kH, kW);
    padding is a number, a pair, 'valid' or 'same'."""
    return _C._conv(2, input, weight, bias, stride, padding, dilation, groups)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-d convolution of input (N, C_in, D, H, W) or (C_in, D, H, W) with weight (C_out, C_in / groups, kD, kH,
    kW); padding is a number, a triple, 'valid' or 'same'."""
    return _C._conv(3, input, weight, bias, stride, padding, dilation, groups)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """Transposed 1-d convolution (the gradient of conv1d with respect to its input) of input (N, C_in, L) or
    (C_in, L) with weight (C_in, C_out / groups, k)."""
    return _C._conv_transpose(1, input, weight, bias, stride, padding, output_padding, groups, dilation)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """Transposed 2-d convolution of input (N, C_in, H, W) or (C_in, H, W) with weight (C_in, C_out / groups,
    kH, kW)."""
    return _C._conv_transpose(2, input, weight, bias, stride, padding, output_padding, groups, dilation)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """Transposed 3-d convolution of input (N, C_in, D, H, W) or (C_in, D, H, W) with weight (C_in, C_out /
    groups, kD, kH, kW)."""
    return _C._conv_transpose(3, input, weight, bias, stride, padding, output_padding, groups, dilation)


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Every sliding block of input (N, C, H, W) or (C, H, W) as a column: (N, C * prod(kernel_size), L), L the
    number of blocks (im2col)."""
    return _C._im2col(input, kernel_size, dilation, padding, stride)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """The inverse layout of unfold: columns (N, C * prod(kernel_size), L) or (C * prod(kernel_size), L) summed
    into (N, C, *output_size) (col2im); overlapping values add up."""
    return _C._col2im(input, output_size, kernel_size, dilation, padding, stride)


# ---- pooling ----


def _pool_args(name, nd, kernel_size, stride, padding, dilation):
    kernel = _ntuple(kernel_size, nd, "kernel_size", name, 2)
    stride = (
        kernel
        if stride is None or (isinstance(stride, (list, tuple)) and len(stride) == 0)
        else _ntuple(stride, nd, "stride", name)
    )
    return kernel, stride, _ntuple(padding, nd, "padding", name), _ntuple(dilation, nd, "dilation", name)


def _check_pool_input(name, nd, input):
    # each pooling op words its rank error its own way in PyTorch
    d = input.dim()
    if d in (nd + 1, nd + 2):
        return
    if name == "max_pool1d":
        raise RuntimeError(
            f"max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for "
            f"input, but got:{list(input.shape)}"
        )
    if name == "max_pool2d":
        raise RuntimeError("non-empty 3D or 4D (batch mode) tensor expected for input")
    if name == "avg_pool2d":
        raise IndexError(
            f"Dimension out of range (expected to be in range of [-{max(d, 1)}, {max(d, 1) - 1}], but got -3)"
        )
    if name == "adaptive_avg_pool2d":
        raise RuntimeError(f"adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got {list(input.shape)}")
    raise RuntimeError(
        f"Expected 2 to 3 dimensions, but got {d}-dimensional tensor for argument #1 'self' (while "
        f"checking arguments for {name})"
    )


def _check_pool_args(name, kernel, stride, padding, dilation):
    """PyTorch's checks of the pooling arguments, in its order and words, then the padding bound. The 1-d
    ops other than max_pool1d run as 2-d ones of height 1 in PyTorch, and their messages show it."""
    if name == "max_pool1d":
        for what, v, bad in (("kernel_size", kernel[0], kernel[0] <= 0), ("stride", stride[0], stride[0] <= 0),
                             ("padding", padding[0], padding[0] < 0), ("dilation", dilation[0], dilation[0] <= 0)):
            if bad:
                must = "be non-negative" if what == "padding" else "be greater than zero"
                raise RuntimeError(f"max_pool1d() {what} must {must}, but got {v}")
    else:
        labels = ("T", "H", "W")[-max(len(kernel), 2):]
        lead = (1,) * (2 - len(kernel))

        def show(prefix, values):
            return " ".join(f"{prefix}{label}: {v}" for label, v in zip(labels, lead + tuple(values)))

        if any(v == 0 for v in stride):
            raise RuntimeError("stride should not be zero")
        if any(v <= 0 for v in kernel):
            raise RuntimeError(f"kernel size should be greater than zero, but got {show('k', kernel)}")
        if any(v < 0 for v in stride):
            raise RuntimeError(f"stride should be greater than zero, but got {show('d', stride)}")
        if any(v < 0 for v in padding):
            raise RuntimeError(f"pad must be non-negative, but got pad: {min(padding)}")
        if any(v <= 0 for v in dilation):
            raise RuntimeError(f"dilation should be greater than zero, but got {show('dilation', dilation)}")
    _check_pool_padding(name, padding, kernel, dilation)


def _check_pool_padding(name, padding, kernel, dilation):
    for p, k, d in zip(padding, kernel, dilation):
        if name == "max_pool1d":
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


def _check_input_tensor(name, input):
    # torch's parser error for a non-tensor input
    if not isinstance(input, _C.Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")


def _check_pool_empty(name, input, nd, return_indices=False):
    """torch's pooling kernels refuse an empty non-batch dim. The 1-d ops other than max_pool1d without indices
    run as 2-d ones on a height-1 input, and their message shows that shape."""
    shape = list(input.shape)
    if name == "max_pool1d" and not return_indices:
        if 0 in shape[-2:] or (len(shape) == 2 and 0 in shape):
            raise RuntimeError(f"max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size "
                               f"for input, but got:{shape}")
        return
    if nd == 1:
        shape = shape[:-1] + [1, shape[-1]]
    if 0 in shape[-3:]:
        raise RuntimeError(f"Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, but "
                           f"got:{shape}")


def _check_pool_output(name, input, nd, out_sizes):
    if all(o > 0 for o in out_sizes):
        return
    if name == "max_pool1d":
        raise RuntimeError(f"max_pool1d() Invalid computed output size: {out_sizes[0]}")
    channels = input.shape[-nd - 1]
    given = "x".join(str(s) for s in (channels,) + tuple(input.shape[-nd:]))
    calculated = "x".join(str(s) for s in (channels,) + tuple(out_sizes))
    raise RuntimeError(
        f"Given input size: ({given}). Calculated output size: ({calculated}). Output size is too small"
    )


def _window_argmax(windows, dim):
    """PyTorch's max-pooling choice within each window: the first maximum, or the last NaN if there is one."""
    first = windows.argmax(dim)
    nan = windows.isnan()
    if not bool(nan.any()):
        return first
    last_nan = (windows.shape[dim] - 1) - nan.flip([dim]).to(_C.int64).argmax(dim)
    return _C.where(nan.any(dim), last_nan, first)


def _max_pool(name, nd, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    _check_input_tensor(name, input)
    _check_pool_input(name, nd, input)
    kernel, stride, padding, dilation = _pool_args(name, nd, kernel_size, stride, padding, dilation)
    _check_pool_args(name, kernel, stride, padding, dilation)
    spatial = tuple(input.shape[-nd:])
    out_sizes = tuple(
        _out_size(s, k, st, p, d, ceil_mode)
        for s, k, st, p, d in zip(spatial, kernel, stride, padding, dilation)
    )
    _check_pool_empty(name, input, nd, return_indices)
    _check_pool_output(name, input, nd, out_sizes)
    # the kernel's dtype check comes after the shape checks, as in torch
    if input.dtype == _C.bool or (name == "max_pool1d" and not return_indices and not input.dtype.is_floating_point):
        _check_pool_dtype("max_pool2d" if input.dtype == _C.bool else "max_pool1d_impl", input, ())
    # Padding never wins (-inf, or the smallest integer); in ceil mode the last windows may reach past the
    # right padding
    amounts = []
    for s, k, st, p, d, o in reversed(list(zip(spatial, kernel, stride, padding, dilation, out_sizes))):
        needed = (o - 1) * st + d * (k - 1) + 1
        amounts += [p, max(needed - s - p, 0)]
    lowest = -math.inf if input.dtype.is_floating_point else int(np.iinfo(str(input.dtype).split(".")[-1]).min)
    x = pad(input, amounts, value=lowest) if any(amounts) else input
    windows = _windows(x, kernel, stride, dilation, out_sizes)
    wdim = input.dim() - nd
    with _no_grad():
        choice = _window_argmax(windows.detach(), wdim)  # offset within the window, (..., *out_sizes)
    # The gradient flows to the chosen element only, as PyTorch's max-pooling backward does.
    out = windows.gather(wdim, choice.unsqueeze(wdim)).squeeze(wdim)
    if not return_indices:
        return out
    # The flat position of the choice in each (unpadded) input plane: start + k * dilation per dim.
    with _no_grad():
        indices = _C.zeros(tuple(choice.shape), dtype=_C.int64)
        rest = choice
        for i in reversed(range(nd)):
            k_i = rest % kernel[i]
            rest = _C.div(rest, kernel[i], rounding_mode="floor")
            shape = [1] * choice.dim()
            shape[choice.dim() - nd + i] = out_sizes[i]
            starts = (_C.arange(out_sizes[i], dtype=_C.int64) * stride[i] - padding[i]).reshape(tuple(shape))
            position = starts + k_i * dilation[i]
            indices = indices + position * math.prod(spatial[i + 1:])
    return out, indices


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    return _max_pool(
        "max_pool1d", 1, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices
    )


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    return _max_pool(
        "max_pool2d", 2, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices
    )


def _max_unpool(name, nd, input, indices, kernel_size, stride, padding, output_size):
    """Scatters each value to its flat position in a zero plane of the output size (inverse of max_pool)."""
    kernel, stride, padding, _ = _pool_args(name, nd, kernel_size, stride, padding, 1)
    if indices.dtype != _C.int64:
        raise RuntimeError(f"elements in indices should be type int64 but got: {indices.dtype}")
    if tuple(indices.shape) != tuple(input.shape):
        raise RuntimeError(f"Expected shape of indices to be same as that of the input tensor "
                           f"({list(input.shape)}) but got indices tensor with shape: {list(indices.shape)}")
    if input.dim() not in (nd + 1, nd + 2):
        raise RuntimeError(f"{name}: Expected input to be {nd + 1}D or {nd + 2}D, but got {input.dim()}D")
    default = [(input.shape[input.dim() - nd + i] - 1) * stride[i] - 2 * padding[i] + kernel[i] for i in range(nd)]
    if output_size is None:
        sizes = default
    else:
        sizes = [int(v) for v in output_size]
        shown = output_size  # the messages show the sizes as given (a tuple or a list), as PyTorch's do
        if len(sizes) == nd + 2 or (len(sizes) == nd + 1 and input.dim() == nd + 1):
            sizes, shown = sizes[-nd:], output_size[len(sizes) - nd:]
        if len(sizes) != nd:
            raise ValueError(f"output_size should be a sequence containing {nd} or {nd + 2} elements, but it has "
                             f"a length of '{len(output_size)}'")
        for i, (s, d) in enumerate(zip(sizes, default)):
            low, high = d - stride[i], d + stride[i]
            if not low < s < high:
                raise ValueError(f'invalid output_size "{shown}" (dim {i} must be between {low} and {high})')
    lead = tuple(input.shape[: input.dim() - nd])
    plane = math.prod(sizes)
    pooled = math.prod(input.shape[input.dim() - nd:])
    flat_indices = indices.reshape(lead + (pooled,))
    if flat_indices.numel() and (int(flat_indices.min()) < 0 or int(flat_indices.max()) >= plane):
        bad = int(flat_indices.max()) if int(flat_indices.max()) >= plane else int(flat_indices.min())
        raise RuntimeError(f"Found an invalid max index: {bad} (output volumes are of size "
                           f"{'x'.join(str(s) for s in sizes)}")
    out = _C.zeros(lead + (plane,), dtype=input.dtype)
    out = out.scatter(input.dim() - nd, flat_indices, input.reshape(lead + (pooled,)))
    return out.reshape(lead + tuple(sizes))


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of max_pool1d: a zero tensor of the pooled input's length (or ``output_size``) with each
    value of ``input`` (N, C, L) or (C, L) written at the flat position ``indices`` gives
    (``max_pool1d(..., return_indices=True)``'s second result). Differentiable in ``input``.

    Raises RuntimeError for an index outside the output, ValueError for an ``output_size`` outside the sizes
    that ``kernel_size``/``stride``/``padding`` allow, as PyTorch does."""
    return _max_unpool("max_unpool1d", 1, input, indices, kernel_size, stride, padding, output_size)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of max_pool2d: a zero tensor of the pooled input's size (or ``output_size``) with each
    value of ``input`` (N, C, H, W) or (C, H, W) written at the flat per-plane position ``indices`` gives
    (``max_pool2d(..., return_indices=True)``'s second result). Differentiable in ``input``.

    Raises RuntimeError for an index outside the output plane, ValueError for an ``output_size`` outside the
    sizes that ``kernel_size``/``stride``/``padding`` allow, as PyTorch does."""
    return _max_unpool("max_unpool2d", 2, input, indices, kernel_size, stride, padding, output_size)


def _no_grad():
    from ..autograd.grad_mode import no_grad

    return no_grad()


def _avg_divisors(spatial, kernel, stride, padding, out_sizes, count_include_pad):
    # one divisor per output position and dim; their product is the window's divisor
    per_dim = []
    for size, k, s, p, o in zip(spatial, kernel, stride, padding, out_sizes):
        start = np.arange(o) * s - p
        end = np.minimum(start + k, size + p)
        full = end - start  # the window clipped to the padded input
        inner = np.minimum(end, size) - np.maximum(start, 0)
        per_dim.append(full if count_include_pad else inner)
    divisor = per_dim[0].astype(np.float64)
    for d in per_dim[1:]:
        divisor = np.multiply.outer(divisor, d)
    return divisor


_DTYPE_NAMES = {_C.int64: "Long", _C.int32: "Int", _C.bool: "Bool", _C.float32: "Float", _C.float64: "Double"}


def _check_pool_dtype(kernel, input, allowed):
    # PyTorch's CPU pooling kernels: floating point, plus the integer dtypes in `allowed`
    if input.dtype.is_floating_point or input.dtype in allowed:
        return
    names = {_C.int64: "Long", _C.int32: "Int", _C.bool: "Bool"}
    raise NotImplementedError(f'"{kernel}" not implemented for \'{names.get(input.dtype, str(input.dtype))}\'')


def _avg_pool(name, nd, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override):
    _check_input_tensor(name, input)
    _check_pool_input(name, nd, input)
    kernel, stride, padding, _ = _pool_args(name, nd, kernel_size, stride, padding, 1)
    _check_pool_args(name, kernel, stride, padding, (1,) * nd)
    spatial = tuple(input.shape[-nd:])
    out_sizes = tuple(
        _out_size(s, k, st, p, 1, ceil_mode) for s, k, st, p in zip(spatial, kernel, stride, padding)
    )
    _check_pool_empty(name, input, nd)
    _check_pool_output(name, input, nd, out_sizes)
    _check_pool_dtype("avg_pool2d", input, (_C.int64,))  # after the shape checks, as in torch
    amounts = []
    for s, k, st, p, o in reversed(list(zip(spatial, kernel, stride, padding, out_sizes))):
        amounts += [p, max((o - 1) * st + k - s - p, 0)]
    x = pad(input, amounts) if any(amounts) else input
    total = _windows(x, kernel, stride, (1,) * nd, out_sizes).sum(input.dim() - nd)
    if divisor_override:
        divisor = divisor_override
    else:
        divisor = _C.from_numpy(_avg_divisors(spatial, kernel, stride, padding, out_sizes, count_include_pad))
        divisor = divisor.to(input.dtype)
    if not input.dtype.is_floating_point:  # an integer average keeps the dtype, rounded toward zero
        return _C.div(total, divisor, rounding_mode="trunc")
    return total / divisor


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    return _avg_pool("avg_pool1d", 1, input, kernel_size, stride, padding, ceil_mode, count_include_pad, None)


def avg_pool2d(
    input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True, divisor_override=None
):
    return _avg_pool(
        "avg_pool2d", 2, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override
    )


def _adaptive_matrix(size, out):
    # row i averages input positions floor(i * size / out) .. ceil((i + 1) * size / out) - 1
    m = np.zeros((out, size))
    for i in range(out):
        start = (i * size) // out
        end = -(-((i + 1) * size) // out)
        m[i, start:end] = 1.0 / (end - start)
    return m


def _adaptive_output_size(name, nd, input, output_size):
    """The output sizes as torch's Python layer reads them: 1-d takes an int or a 1-tuple of ints; 2-d an int or
    a sequence whose None entries keep the input's size."""
    if nd == 1:
        sizes = output_size if isinstance(output_size, (list, tuple)) else (output_size,)
        if len(sizes) != 1 or not all(isinstance(o, int) and not isinstance(o, bool) for o in sizes):
            raise TypeError(f"adaptive_avg_pool1d(): argument 'output_size' (position 2) must be tuple of ints, "
                            f"not {type(output_size).__name__}")
        return tuple(int(o) for o in sizes)
    if isinstance(output_size, bool):  # (an int to torch's Python layer, but not to its parser)
        raise TypeError(f"{name}(): argument 'output_size' (position 2) must be tuple of ints, not bool")
    if isinstance(output_size, int):
        return (output_size,) * nd
    if len(output_size) != nd:
        raise RuntimeError(f"{name}: output_size must be {nd}")
    for i, o in enumerate(output_size):
        if isinstance(o, bool):
            raise TypeError(f"{name}(): argument 'output_size' (position 2) must be tuple of ints, but found element "
                            f"of type bool at pos {i}")
    spatial = tuple(input.shape[-nd:])
    return tuple(s if o is None else int(o) for s, o in zip(spatial, output_size))


def _adaptive_avg_pool(name, nd, input, output_size):
    if nd == 2 and not isinstance(input, _C.Tensor):  # torch's Python layer reads input.size() first
        raise AttributeError(f"'{type(input).__name__}' object has no attribute 'size'")
    _check_input_tensor(name, input)
    # torch runs the 1-d op as the 2-d one on a height-1 input: its messages show the 2-d shapes
    sizes = _adaptive_output_size(name, nd, input, output_size)
    _check_pool_input(name, nd, input)
    shape2d = list(input.shape[:-1]) + [1, input.shape[-1]] if nd == 1 else list(input.shape)
    if all(o == 1 for o in sizes):  # torch takes the mean over the spatial dims
        if not input.is_floating_point():
            raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be either a floating point "
                               f"or complex dtype. Got: {_DTYPE_NAMES[input.dtype]}")
        return input.mean(tuple(range(-nd, 0)), keepdim=True)
    for i in (-2, -1):
        if shape2d[i] == 0:
            raise RuntimeError(f"adaptive_avg_pool2d(): Expected input to have non-zero size for non-batch "
                               f"dimensions, but input has sizes {shape2d} with dimension {i + len(shape2d)} "
                               f"being empty")
    if input.numel() and 0 not in sizes:  # (no kernel runs for an empty input or output)
        _check_pool_dtype("adaptive_avg_pool2d", input, ())
    spatial = tuple(input.shape[-nd:])
    out = input
    # one averaging matrix per spatial dim, applied along that dim
    for i, (s, o) in enumerate(zip(spatial, sizes)):
        dim = input.dim() - nd + i
        if o > 0 and s > 0 and input.is_floating_point():
            # each output position averages its own window: an averaging matrix would also multiply the
            # values outside the window by 0, and inf * 0 is nan
            windows = [(j * s) // o for j in range(o + 1)]
            ends = [-(-((j + 1) * s) // o) for j in range(o)]
            out = _C.cat([out.narrow(dim, windows[j], ends[j] - windows[j]).mean(dim, keepdim=True)
                          for j in range(o)], dim)
            continue
        m = _C.from_numpy(_adaptive_matrix(s, o)).to(input.dtype)
        out = _C.matmul(out.movedim(dim, -1), m.t()).movedim(-1, dim)
    grad2d = list(out.shape[:-1]) + [1, out.shape[-1]] if nd == 1 else list(out.shape)
    if out.requires_grad and 0 in grad2d[1:]:
        # torch's backward refuses a gradient with an empty non-batch dim (the channels included)
        empty = grad2d.index(0, 1)

        def refuse(grad):
            raise RuntimeError(f"adaptive_avg_pool2d_backward(): Expected grad_output to have non-zero size for "
                               f"non-batch dimensions, but grad_output has sizes {grad2d} with dimension {empty} "
                               f"being empty")
        out = out.expand(out.shape)
        out.register_hook(refuse)
    return out


def adaptive_avg_pool1d(input, output_size):
    return _adaptive_avg_pool("adaptive_avg_pool1d", 1, input, output_size)


def adaptive_avg_pool2d(input, output_size):
    return _adaptive_avg_pool("adaptive_avg_pool2d", 2, input, output_size)
