"""Apple's Metal backend (``torch.backends.mps``): fastgrad runs on the CPU, so it is neither built nor available."""

__all__ = ["is_available", "is_built", "is_macos13_or_newer", "is_macos_or_newer"]


def is_available() -> bool:
    """Whether the MPS device can be used: always False (as in a PyTorch build without MPS)."""
    return False


def is_built() -> bool:
    """Whether fastgrad was built with MPS support: always False."""
    return False


def is_macos_or_newer(major: int, minor: int) -> bool:
    """Whether the MPS backend runs on macOS major.minor or newer: False, as there is no MPS backend."""
    return False


def is_macos13_or_newer(minor: int = 0) -> bool:
    """Whether the MPS backend runs on macOS 13.minor or newer: False, as there is no MPS backend."""
    return False
