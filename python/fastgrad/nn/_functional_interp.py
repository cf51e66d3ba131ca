"""Resampling for nn.functional: interpolate (and the deprecated upsample, upsample_nearest, upsample_bilinear) with
PyTorch's argument parsing and checks, in its order and words, then one native op per call
(cpp/src/ops/upsample.cpp: nearest, nearest-exact, linear, bilinear, bicubic, trilinear) or, for mode 'area',
adaptive average pooling, as PyTorch's interpolate does.

antialias=True (and mode 'lanczos', which requires it) is not implemented: NotImplementedError (see
docs/differences.md)."""

import numbers
import warnings

from .. import _C

# interpolate's modes by the rank they need (the others are refused with PyTorch's words)
_RANK_OF_MODE = {"linear": 3, "bilinear": 4, "bicubic": 4, "trilinear": 5}

# PyTorch's op name for a mode and number of spatial dims (its argument-parser messages name it)
_OP_NAMES = {
    "nearest": "upsample_nearest{}d",
    "nearest-exact": "_upsample_nearest_exact{}d",
    "linear": "upsample_linear1d",
    "bilinear": "upsample_bilinear2d",
    "bicubic": "upsample_bicubic2d",
    "trilinear": "upsample_trilinear3d",
}


def _is_integer(x):
    """Whether x counts as an integer for interpolate's size check: an int (bool too), a NumPy integer, or a tensor
    of an integer dtype."""
    if isinstance(x, numbers.Integral):
        return True
    if isinstance(x, _C.Tensor):
        return not x.dtype.is_floating_point
    return False


def _type_label(value):
    """How PyTorch's argument parser shows an argument in its messages: "list", "NoneType", ..."""
    return "list" if isinstance(value, (list, tuple)) else type(value).__name__


def _invalid_arguments(op, mode, output_size, scale_factors, align_corners):
    """PyTorch's argument-parser TypeError for sizes or factors of the wrong types (its first line)."""
    got = ["Tensor", _type_label(output_size)]
    if mode not in ("nearest", "nearest-exact"):
        got.append("bool")
    got.append(_type_label(scale_factors))
    return TypeError(f"{op}() received an invalid combination of arguments - got ({', '.join(got)})")


def _size_values(op, mode, output_size, align_corners):
    """The output sizes as ints (Python, NumPy and integer-tensor ints; bools and other types are refused as
    PyTorch's parser refuses them)."""
    sizes = []
    for v in output_size:
        if isinstance(v, bool) or not _is_integer(v):
            raise _invalid_arguments(op, mode, output_size, None, align_corners)
        if isinstance(v, _C.Tensor):
            if v.numel() != 1:
                raise _invalid_arguments(op, mode, output_size, None, align_corners)
            v = v.item()
        sizes.append(int(v))
    return sizes


def _factor_values(op, mode, scale_factors, align_corners):
    """The scale factors as floats (Python and NumPy numbers, bools too; tensors and strings are refused as
    PyTorch's parser refuses them)."""
    factors = []
    for i, v in enumerate(scale_factors):
        if isinstance(v, _C.Tensor):
            raise _invalid_arguments(op, mode, None, scale_factors, align_corners)
        if not isinstance(v, numbers.Real):
            if i > 0 or len(scale_factors) == 1:
                raise TypeError(f"{op}(): argument 'scale_factors' must be tuple of floats, but found element of "
                                f"type {type(v).__name__} at pos {i + 1}")
            raise _invalid_arguments(op, mode, None, scale_factors, align_corners)
        factors.append(float(v))
    return factors


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None, recompute_scale_factor=None,
                antialias=False):
    """Down/up samples ``input`` (N, C, *spatial) with 1, 2 or 3 spatial dims to ``size`` or by ``scale_factor``
    (exactly one is given: an int/float for every dim or a sequence of one per dim).

    Modes: 'nearest' (source index floor(o * in / out)), 'nearest-exact' (floor((o + 0.5) * in / out)), 'linear'
    (3-D input), 'bilinear' and 'bicubic' (4-D; Keys' cubic convolution with A = -0.75, indices clamped at the
    borders), 'trilinear' (5-D) and 'area' (adaptive average pooling). ``align_corners`` (interpolating modes
    only, default False) maps the corner pixels' centres onto each other: source = o * (in - 1) / (out - 1);
    otherwise source = (o + 0.5) * in / out - 0.5. A given ``scale_factor`` sets the output size to
    floor(in * scale_factor) and, unless ``recompute_scale_factor`` is True, the source step to 1 / scale_factor
    (with True, the step is recomputed from the integer output size). ``antialias`` is not implemented
    (NotImplementedError). Differentiable in ``input`` any number of times; float32 and float64.
    """
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating modes: "
                             "linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False

    dim = input.dim() - 2
    op = _OP_NAMES.get(mode, "interpolate").format(dim)
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        scale_factors = None
        if isinstance(size, (list, tuple)):
            if len(size) != dim:
                raise ValueError(
                    "Input and output must have the same number of spatial dimensions, but got input with spatial "
                    f"dimensions of {list(input.shape[2:])} and output size of {size}. Please provide input tensor "
                    "in (N, C, d1, d2, ...,dK) format and output size in (o1, o2, ...,oK) format."
                )
            if not all(_is_integer(x) for x in size):
                raise TypeError(
                    "expected size to be one of int or Tuple[int] or Tuple[int, int] or Tuple[int, int, int], but "
                    f"got size with types {[type(x) for x in size]}"
                )
            output_size = list(size)
        else:
            output_size = [size for _ in range(dim)]
    elif scale_factor is not None:
        output_size = None
        if isinstance(scale_factor, (list, tuple)):
            if len(scale_factor) != dim:
                raise ValueError(
                    "Input and scale_factor must have the same number of spatial dimensions, but got input with "
                    f"spatial dimensions of {list(input.shape[2:])} and scale_factor of shape {scale_factor}. Please "
                    "provide input tensor in (N, C, d1, d2, ...,dK) format and scale_factor in (s1, s2, ...,sK) "
                    "format."
                )
            scale_factors = list(scale_factor)
        else:
            scale_factors = [scale_factor for _ in range(dim)]
    else:
        raise ValueError("either size or scale_factor should be defined")

    if recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    if mode == "area" and output_size is None:  # area takes an output size: computed here
        recompute_scale_factor = True
    if recompute_scale_factor:
        scale_factors = _factor_values(op, mode, scale_factors, align_corners)
        output_size = [int(input.shape[i + 2] * scale_factors[i]) for i in range(dim)]
        scale_factors = None

    if antialias and not (mode in ("bilinear", "bicubic", "lanczos") and input.dim() == 4):
        raise ValueError("Anti-alias option is restricted to bilinear, bicubic, and lanczos modes and requires a 4-D "
                         "tensor as input")

    if mode in ("nearest", "nearest-exact") and dim in (1, 2, 3):
        return _upsample(input, op, mode, output_size, scale_factors, False)
    if mode == "area" and dim in (1, 2, 3):
        from ._functional_pool import adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d

        return (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d)[dim - 1](input, output_size)
    if mode in _RANK_OF_MODE and input.dim() == _RANK_OF_MODE[mode]:
        if antialias:
            raise NotImplementedError(f"interpolate(): antialias=True is not implemented in fastgrad (mode '{mode}')")
        return _upsample(input, op, mode, output_size, scale_factors, align_corners)
    if mode == "lanczos" and input.dim() == 4:
        if align_corners:
            raise ValueError("Lanczos mode does not support align_corners=True")
        if not antialias:
            raise ValueError("Lanczos mode requires antialias=True")
        raise NotImplementedError("interpolate(): mode 'lanczos' (antialias=True) is not implemented in fastgrad")
    if mode in ("linear", "bilinear", "trilinear") and input.dim() in (3, 4, 5):
        raise NotImplementedError(f"Got {input.dim()}D input, but {mode} mode needs {_RANK_OF_MODE[mode]}D input")
    raise NotImplementedError(
        f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.dim()}D) for the modes: nearest | "
        f"linear | bilinear | bicubic | trilinear | lanczos | area | nearest-exact (got {mode})"
    )


def _upsample(input, op, mode, output_size, scale_factors, align_corners):
    if output_size is not None:
        output_size = _size_values(op, mode, output_size, align_corners)
    else:
        scale_factors = _factor_values(op, mode, scale_factors, align_corners)
    return _C._upsample(input, mode, output_size, scale_factors, align_corners)


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Deprecated: ``interpolate(input, size, scale_factor, mode, align_corners)``, with a UserWarning as
    PyTorch's."""
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    """Deprecated: ``interpolate(input, size, scale_factor, mode='nearest')``, with a UserWarning as PyTorch's."""
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use `nn.functional.interpolate` instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    """Deprecated: ``interpolate(input, size, scale_factor, mode='bilinear', align_corners=True)`` (4-D input),
    with a UserWarning as PyTorch's."""
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use `nn.functional.interpolate` instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)
