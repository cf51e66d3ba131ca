"""The CPU device (``torch.cpu``): always available, one device; ``torch.cpu.amp`` holds the deprecated autocast forms."""
from . import amp

__all__ = ["amp", "current_device", "device_count", "is_available", "synchronize"]


def is_available() -> bool:
    """Whether the CPU device is available: always True."""
    return True


def device_count() -> int:
    """The number of CPU devices: 1."""
    return 1


def current_device() -> str:
    """The current CPU device: ``"cpu"``."""
    return "cpu"


def synchronize(device=None) -> None:
    """Wait for the CPU's work to finish: fastgrad's ops are synchronous, so this returns at once."""
