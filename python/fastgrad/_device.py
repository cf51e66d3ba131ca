"""fastgrad.device: fastgrad computes on the CPU; other devices get PyTorch's errors."""
from . import _C


class device:
    __slots__ = ("type", "index")

    def __init__(self, type, index=None):  # noqa: A002  (PyTorch's argument name)
        if isinstance(type, device):
            type, index = type.type, type.index
        if not isinstance(type, str):
            raise TypeError(f"device() received an invalid combination of arguments - got ({type!r})")
        name = type if index is None else f"{type}:{index}"
        _C._check_device(name)
        kind, _, idx = name.partition(":")
        self.type = kind
        self.index = int(idx) if idx else None

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


def set_default_device(dev):
    """Only the CPU exists here; anything else raises like a factory given that device would."""
    if dev is not None:
        device(dev)


def get_default_device():
    return _cpu
