"""fastgrad.finfo and fastgrad.iinfo: the numerical properties of the floating and integer dtypes, as
torch.finfo and torch.iinfo (the same attributes, Python numbers, and repr)."""

import math

import numpy as np

from . import _C

_NUMPY = {"float32": np.float32, "float64": np.float64, "float16": np.float16, "int32": np.int32, "int64": np.int64,
          "uint8": np.uint8, "int8": np.int8, "int16": np.int16}
# bfloat16 has no NumPy type: float32's exponent range with 8 significant bits.
_BFLOAT16 = {"bits": 16, "eps": 2.0**-7, "max": (2 - 2.0**-7) * 2.0**127, "tiny": 2.0**-126}


def _dtype_name(dtype):
    return str(dtype).split(".")[-1]


class finfo:
    """The properties of a floating dtype (the default dtype when none is given): bits, eps (the gap
    between 1 and the next number), max, min (= -max), tiny and smallest_normal (the smallest positive
    normal number), resolution (10 ** -(decimal digits of precision)) and dtype (its name)."""

    def __init__(self, type=None):
        if type is None:
            type = _C.get_default_dtype()
        if not isinstance(type, _C.dtype):
            raise TypeError(
                f"finfo(): argument 'type' (position 1) must be fastgrad.dtype, not {type.__class__.__name__}"
            )
        if not _C.empty(0, dtype=type).is_floating_point():
            raise TypeError(
                "fastgrad.finfo() requires a floating point input type. Use fastgrad.iinfo to handle "
                "'fastgrad.finfo'"
            )
        if _dtype_name(type) == "bfloat16":
            self.bits, self.eps, self.max, self.tiny = (_BFLOAT16[k] for k in ("bits", "eps", "max", "tiny"))
            self.min = -self.max
            self.smallest_normal = self.tiny
        else:
            info = np.finfo(_NUMPY[_dtype_name(type)])
            self.bits = int(info.bits)
            self.eps = float(info.eps)
            self.max = float(info.max)
            self.min = float(info.min)
            self.tiny = float(info.tiny)
            self.smallest_normal = float(info.smallest_normal)
        self.resolution = 10.0 ** -math.floor(-math.log10(self.eps))
        self.dtype = _dtype_name(type)

    def __eq__(self, other):
        return isinstance(other, finfo) and other.dtype == self.dtype

    __hash__ = None  # as torch.finfo

    def __repr__(self):
        return (
            f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
            f"smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, dtype={self.dtype})"
        )


class iinfo:
    """The properties of an integer dtype: bits, max, min and dtype (its name)."""

    def __init__(self, type):
        if not isinstance(type, _C.dtype):
            raise TypeError(
                f"iinfo(): argument 'type' (position 1) must be fastgrad.dtype, not {type.__class__.__name__}"
            )
        name = _dtype_name(type)
        if name == "bool":
            raise TypeError("fastgrad.bool is not supported by fastgrad.iinfo")
        if name not in ("int32", "int64", "uint8", "int8", "int16"):
            raise TypeError(
                "fastgrad.iinfo() requires an integer input type. Use fastgrad.finfo to handle 'fastgrad.iinfo'"
            )
        info = np.iinfo(_NUMPY[name])
        self.bits = int(info.bits)
        self.max = int(info.max)
        self.min = int(info.min)
        self.dtype = name

    def __eq__(self, other):
        return isinstance(other, iinfo) and other.dtype == self.dtype

    __hash__ = None

    def __repr__(self):
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"
