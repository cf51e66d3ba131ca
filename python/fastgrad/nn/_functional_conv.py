"""Padding and convolution for nn.functional: padding composed of differentiable core ops, convolution
native (pooling is native too: _functional_pool.py).
"""
from __future__ import annotations
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # names for annotations only (they stay out of the module's namespace)
    from typing import Any, Optional, Tuple  # noqa: F401

    from .._C import Tensor

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


def pad(input, pad, mode="constant", value=None) -> Tensor:
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
    if mode == "replicate" or mode == "reflect" and spatial < 3:  # PyTorch's float32 autocast list (Note [Autocast])
        out = _C._autocast_float32(out)
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


# ---- convolution ----


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor:
    """1-d convolution of input (N, C_in, L) or (C_in, L) with weight (C_out, C_in / groups, k); padding is a
    number, a 1-tuple, 'valid' or 'same'."""
    return _C._conv(1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor:
    """2-d convolution of input (N, C_in, H, W) or (C_in, H, W) with weight (C_out, C_in / groups, kH, kW);
    padding is a number, a pair, 'valid' or 'same'."""
    return _C._conv(2, input, weight, bias, stride, padding, dilation, groups)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor:
    """3-d convolution of input (N, C_in, D, H, W) or (C_in, D, H, W) with weight (C_out, C_in / groups, kD, kH,
    kW); padding is a number, a triple, 'valid' or 'same'."""
    return _C._conv(3, input, weight, bias, stride, padding, dilation, groups)


def conv_transpose1d(
    input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1,
) -> Tensor:
    """Transposed 1-d convolution (the gradient of conv1d with respect to its input) of input (N, C_in, L) or
    (C_in, L) with weight (C_in, C_out / groups, k)."""
    return _C._conv_transpose(1, input, weight, bias, stride, padding, output_padding, groups, dilation)


def conv_transpose2d(
    input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1,
) -> Tensor:
    """Transposed 2-d convolution of input (N, C_in, H, W) or (C_in, H, W) with weight (C_in, C_out / groups,
    kH, kW)."""
    return _C._conv_transpose(2, input, weight, bias, stride, padding, output_padding, groups, dilation)


def conv_transpose3d(
    input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1,
) -> Tensor:
    """Transposed 3-d convolution of input (N, C_in, D, H, W) or (C_in, D, H, W) with weight (C_in, C_out /
    groups, kD, kH, kW)."""
    return _C._conv_transpose(3, input, weight, bias, stride, padding, output_padding, groups, dilation)


def unfold(input, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """Every sliding block of input (N, C, H, W) or (C, H, W) as a column: (N, C * prod(kernel_size), L), L the
    number of blocks (im2col)."""
    return _C._im2col(input, kernel_size, dilation, padding, stride)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """The inverse layout of unfold: columns (N, C * prod(kernel_size), L) or (C * prod(kernel_size), L) summed
    into (N, C, *output_size) (col2im); overlapping values add up."""
    return _C._col2im(input, output_size, kernel_size, dilation, padding, stride)
