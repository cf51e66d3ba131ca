"""Padding and convolution for nn.functional, composed of differentiable core ops (pooling is native:
_functional_pool.py).

Note [Windows as strided slices]
A convolution window visits input positions start + k * dilation (k < kernel) for output
positions start = o * stride. Instead of materialising an index tensor, each kernel offset is one strided
slice of the (padded) input, x[..., k*d : k*d + s*(out-1) + 1 : s], whose shape is already the output's;
stacking the prod(kernel) slices gives every window at once (the im2col matrix). The slices are views, so
the backward of the stack scatters each window's gradient back into place through the slicing ops'
own derivatives. Convolution is then one batched matmul with the weight.
"""

import math

import numpy as np

from .. import _C
from ._functional_checks import _CPP_TYPE_NAMES


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


# ---- convolution ----


def _check_conv_args(padding, stride, dilation, groups):
    # PyTorch's order and words; a zero stride would divide by zero below, a negative padding be ignored
    if any(p < 0 for p in padding):
        raise RuntimeError("negative padding is not supported")
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d <= 0 for d in dilation):
        raise RuntimeError(f"dilation should be greater than zero, but got {list(dilation)}")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")


def _conv(name, nd, input, weight, bias, stride, padding, dilation, groups):
    if not (isinstance(input, _C.Tensor) and isinstance(weight, _C.Tensor)
            and (bias is None or isinstance(bias, _C.Tensor))):
        got = ", ".join("Tensor" if isinstance(a, _C.Tensor) else type(a).__name__ for a in (input, weight, bias))
        raise TypeError(f"{name}() received an invalid combination of arguments - got ({got}, ...), but expected "
                        f"one of: (Tensor input, Tensor weight, Tensor bias = None, tuple of ints stride = 1, "
                        f"tuple of ints padding = 0, tuple of ints dilation = 1, int groups = 1)")
    if bias is not None and bias.dtype != input.dtype:  # torch checks this before the shapes
        raise RuntimeError(f"Input type ({_CPP_TYPE_NAMES[input.dtype]}) and bias type ({_CPP_TYPE_NAMES[bias.dtype]}) "
                           "should be the same")
    unbatched = input.dim() == nd + 1
    if input.dim() not in (nd + 1, nd + 2):
        raise RuntimeError(
            f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to {name}, but got "
            f"input of size: {list(input.shape)}"
        )
    if unbatched:
        input = input.unsqueeze(0)
    stride = _ntuple(stride, nd, "stride", name)
    dilation = _ntuple(dilation, nd, "dilation", name)
    kernel = tuple(weight.shape[2:])
    if isinstance(padding, str):
        if padding == "valid":
            padding = (0,) * nd
        elif padding == "same":
            if any(s != 1 for s in stride):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            # total padding d * (k - 1) per dim; the odd one out goes to the right, as in PyTorch
            amounts = []
            for k, d in zip(reversed(kernel), reversed(dilation)):
                total = d * (k - 1)
                amounts += [total // 2, total - total // 2]
            input = pad(input, amounts)
            padding = (0,) * nd
        else:
            raise RuntimeError(f"Invalid padding string: '{padding}'")
    padding = _ntuple(padding, nd, "padding", name)
    _check_conv_args(padding, stride, dilation, groups)
    n, channels = input.shape[0], input.shape[1]
    out_channels = weight.shape[0]
    if channels != weight.shape[1] * groups:
        raise RuntimeError(
            f"Given groups={groups}, weight of size {list(weight.shape)}, expected input"
            f"{list(input.shape)} to have {weight.shape[1] * groups} channels, but got {channels} "
            f"channels instead"
        )
    if out_channels % groups != 0:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
            f"but got weight of size {list(weight.shape)} instead"
        )
    if bias is not None and (bias.dim() != 1 or bias.shape[0] != out_channels):
        raise RuntimeError(f"Given weight of size {list(weight.shape)}, expected bias to be 1-dimensional with "
                           f"{out_channels} elements, but got bias of size {list(bias.shape)} instead")
    if any(p > 0 for p in padding):
        input = pad(input, [p for p in reversed(padding) for _ in range(2)])
    spatial = tuple(input.shape[2:])
    effective = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    if any(e > s for e, s in zip(effective, spatial)):
        sizes = " x ".join(str(s) for s in spatial)
        kernels = " x ".join(str(e) for e in effective)
        raise RuntimeError(
            f"Calculated padded input size per channel: ({sizes}). Kernel size: ({kernels}). "
            "Kernel size can't be greater than actual input size"
        )
    if input.dtype == _C.int32 and any(d > 1 for d in dilation):  # PyTorch's dilated kernel has no int32 version
        raise NotImplementedError("\"slow_conv_dilated<>\" not implemented for 'Int'")
    out_sizes = tuple(_out_size(s, k, st, 0, d) for s, k, st, d in zip(spatial, kernel, stride, dilation))
    k_numel = math.prod(kernel)
    # (N, C, K, *out) -> (N, groups, C/groups * K, L): column c * K + k matches weight.reshape(O, C/g * K)
    cols = _windows(input, kernel, stride, dilation, out_sizes)
    cols = cols.reshape(n, groups, (channels // groups) * k_numel, math.prod(out_sizes))
    w = weight.reshape(groups, out_channels // groups, (channels // groups) * k_numel)
    out = _C.matmul(w, cols).reshape((n, out_channels) + out_sizes)
    if bias is not None:
        out = out + bias.reshape((1, out_channels) + (1,) * nd)
    return out.squeeze(0) if unbatched else out


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _conv("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _conv("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _conv("conv3d", 3, input, weight, bias, stride, padding, dilation, groups)
