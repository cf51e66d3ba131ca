"""fastgrad.device: fastgrad computes on the CPU; other devices get PyTorch's errors."""
from . import _C


_DEVICE_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve", "fpga", "maia",
                 "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia", "privateuseone")


class device:
    """A device: a type ('cpu'; PyTorch's other names parse, and using them raises as PyTorch does without
    that device) and an optional index. device('cpu'), device('cuda', 0), device('cuda:0')."""

    __slots__ = ("type", "index")

    def __init__(self, type, index=None):  # noqa: A002  (PyTorch's argument name)
        # Like torch.device this only parses: a device that cannot be used here fails when a tensor is put on it.
        if isinstance(type, device):
            type, index = type.type, type.index
        elif isinstance(type, int) and not isinstance(type, bool):
            type, index = "cuda", type  # PyTorch reads a bare ordinal as a CUDA device
        if not isinstance(type, str):
            raise TypeError(f"device() received an invalid combination of arguments - got ({type!r})")
        if type == "":
            raise RuntimeError("Device string must not be empty")
        kind, sep, idx = type.partition(":")
        if sep:
            if not idx.isdigit() or index is not None:
                raise RuntimeError(f"Invalid device string: '{type}'")
            index = int(idx)
        if kind not in _DEVICE_TYPES:
            raise RuntimeError("Expected one of " + ", ".join(_DEVICE_TYPES) +
                               f" device type at start of device string: {type}")
        self.type = kind
        self.index = index

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self):
        return hash((self.type, self.index))


_cpu = device("cpu")


_device_class = device


def set_default_device(device):  # noqa: F811  (PyTorch's argument name; the class is _device_class here)
    """Only the CPU exists here; anything else raises like a factory given that device would."""
    if device is not None:
        _C._check_device(str(_device_class(device)))


def get_default_device():
    """The device factories use when none is given (fastgrad: cpu)."""
    return _cpu
