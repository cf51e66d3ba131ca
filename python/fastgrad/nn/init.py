"""nn.init: in-place initialisers with PyTorch's formulas, so that the same seed gives the same weights.

Every function fills its tensor under no_grad and returns it. The scale of each scheme is computed with
the same float arithmetic as PyTorch's (gain, then std, then bound), because a one-ulp difference in a bound
changes every weight it scales.
"""

import math
import warnings

import numpy as np

from .. import _C
from ..autograd.grad_mode import no_grad

Tensor = _C.Tensor

__all__ = [
    "calculate_gain",
    "uniform_",
    "normal_",
    "trunc_normal_",
    "constant_",
    "ones_",
    "zeros_",
    "eye_",
    "xavier_uniform_",
    "xavier_normal_",
    "kaiming_uniform_",
    "kaiming_normal_",
    "orthogonal_",
]


def calculate_gain(nonlinearity, param=None):
    """The recommended gain for an activation (sqrt(2) for relu, 5/3 for tanh, ...)."""
    linear_fns = [
        "linear",
        "conv1d",
        "conv2d",
        "conv3d",
        "conv_transpose1d",
        "conv_transpose2d",
        "conv_transpose3d",
    ]
    if nonlinearity in linear_fns or nonlinearity == "sigmoid":
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            negative_slope = 0.01
        elif not isinstance(param, bool) and isinstance(param, (int, float)):
            negative_slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + negative_slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor):
    dims = tensor.dim()
    if dims < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions")
    receptive_field_size = 1
    for s in tuple(tensor.shape)[2:]:
        receptive_field_size *= s
    fan_in = tensor.shape[1] * receptive_field_size
    fan_out = tensor.shape[0] * receptive_field_size
    return fan_in, fan_out


def _calculate_correct_fan(tensor, mode):
    mode = mode.lower()
    valid_modes = ["fan_in", "fan_out"]
    if mode not in valid_modes:
        raise ValueError(f"Mode {mode} not supported, please use one of {valid_modes}")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


# ---- the two random fills everything else builds on ----


def _fill_uniform(tensor, a, b, generator):
    if hasattr(Tensor, "uniform_"):
        return tensor.uniform_(a, b, generator=generator)
    # PyTorch draws a uniform in [0, 1) of the tensor's precision (24 bits for float32, 53 for float64) and
    # maps it with the bounds rounded to the tensor's dtype but the arithmetic done in double.
    shape = tuple(tensor.shape)
    if tensor.dtype == _C.float32:
        x = _C.rand(shape, generator=generator).numpy().astype(np.float64)
        lo, hi = float(np.float32(a)), float(np.float32(b))
        values = (x * (hi - lo) + lo).astype(np.float32)
    else:
        x = _C.rand(shape, dtype=_C.float64, generator=generator).numpy()
        values = x * (b - a) + a
    return tensor.copy_(_C.from_numpy(np.asarray(values, order="C")).to(tensor.dtype))


def _fill_normal(tensor, mean, std, generator):
    if hasattr(Tensor, "normal_"):
        return tensor.normal_(mean, std, generator=generator)
    noise = _C.randn(tuple(tensor.shape), dtype=tensor.dtype, generator=generator)
    return tensor.copy_(noise * std + mean)


def uniform_(tensor, a=0.0, b=1.0, generator=None):
    """Fills tensor with values drawn from U(a, b)."""
    with no_grad():
        return _fill_uniform(tensor, a, b, generator)


def normal_(tensor, mean=0.0, std=1.0, generator=None):
    """Fills tensor with values drawn from N(mean, std^2)."""
    with no_grad():
        return _fill_normal(tensor, mean, std, generator)


def _draw(shape, dtype, fill, generator, *args):
    """A fresh tensor filled by fill(t, *args, generator) and returned as a NumPy array."""
    t = _C.empty(shape, dtype=dtype)
    fill(t, *args, generator)
    return t.numpy()


def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=None):
    """Fills tensor from N(mean, std^2) restricted to [a, b], by rejection as PyTorch 2.13 does: redrawing
    out-of-range normals when [a, b] holds most of the mass, else uniform proposals accepted with the
    density's ratio to its peak. Same draws, same order, so the same seed gives the same values."""

    def norm_cdf(x):
        return (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0

    if (mean < a - 2 * std) or (mean > b + 2 * std):
        warnings.warn(
            "mean is more than 2 std from [a, b] in nn.init.trunc_normal_. "
            "The distribution of values may be incorrect.",
            stacklevel=2,
        )
    shape, dtype = tuple(tensor.shape), tensor.dtype
    with no_grad():
        mass = norm_cdf((b - mean) / std) - norm_cdf((a - mean) / std)
        if mass > 0.3:
            np_dtype = _C.zeros(1, dtype=dtype).numpy().dtype
            lo, hi = np_dtype.type(a), np_dtype.type(b)
            result = _draw(shape, dtype, _fill_normal, generator, mean, std)
            while True:
                reject = (result < lo) | (result > hi)
                if not reject.any():
                    break
                result = np.where(reject, _draw(shape, dtype, _fill_normal, generator, mean, std), result)
        else:
            mode = max(a, min(mean, b))
            log_peak = -0.5 * ((mode - mean) / std) ** 2

            def log_density_ratio(x):
                z = (x - x.dtype.type(mean)) / x.dtype.type(std)
                return z * z * x.dtype.type(-0.5) - x.dtype.type(log_peak)

            result = _draw(shape, dtype, _fill_uniform, generator, a, b)
            pending = np.log(_draw(shape, dtype, _fill_uniform, generator, 0.0, 1.0)) > log_density_ratio(
                result
            )
            while pending.any():
                candidates = _draw(shape, dtype, _fill_uniform, generator, a, b)
                result = np.where(pending, candidates, result)
                accept_draw = np.log(_draw(shape, dtype, _fill_uniform, generator, 0.0, 1.0))
                pending = np.where(pending, accept_draw > log_density_ratio(candidates), pending)
        return tensor.copy_(_C.from_numpy(np.asarray(result, order="C")))


def constant_(tensor, val):
    """Fills tensor with val in place (without recording the fill in the graph) and returns it."""
    with no_grad():
        return tensor.fill_(val)


def ones_(tensor):
    """Fills tensor with 1 in place (without recording the fill in the graph) and returns it."""
    with no_grad():
        return tensor.fill_(1.0)


def zeros_(tensor):
    """Fills tensor with 0 in place (without recording the fill in the graph) and returns it."""
    with no_grad():
        return tensor.zero_()


def eye_(tensor):
    """Fills the 2-D tensor with the identity matrix in place (1 where row == column, 0 elsewhere) and returns
    it."""
    if tensor.dim() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    with no_grad():
        return tensor.copy_(_C.eye(tensor.shape[0], tensor.shape[1], dtype=tensor.dtype))


def xavier_uniform_(tensor, gain=1.0, generator=None):
    """U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)) (Glorot & Bengio, 2010)."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    a = math.sqrt(3.0) * std
    return uniform_(tensor, -a, a, generator)


def xavier_normal_(tensor, gain=1.0, generator=None):
    """N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator)


def kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """U(-bound, bound) with bound = gain * sqrt(3 / fan) (He et al., 2015)."""
    if 0 in tuple(tensor.shape):
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    gain = calculate_gain(nonlinearity, a)
    std = gain / math.sqrt(fan)
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """N(0, std^2) with std = gain / sqrt(fan)."""
    if 0 in tuple(tensor.shape):
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    gain = calculate_gain(nonlinearity, a)
    std = gain / math.sqrt(fan)
    return normal_(tensor, 0.0, std, generator)


def orthogonal_(tensor, gain=1, generator=None):
    """A (semi-)orthogonal matrix from the QR decomposition of a normal sample (computed with NumPy)."""
    if tensor.dim() < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor.numel() == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    flat = _C.randn(rows, cols, dtype=_C.float64, generator=generator).numpy()
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q = q * np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    with no_grad():
        return tensor.copy_(
            _C.from_numpy(np.asarray(q * gain, order="C")).to(tensor.dtype).reshape(tensor.shape)
        )
