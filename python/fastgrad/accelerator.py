"""fastgrad.accelerator: the current accelerator, as torch.accelerator on a CPU-only build of PyTorch:
fastgrad runs on the CPU only, so no accelerator is ever available."""

__all__ = ["current_accelerator", "current_device_index", "device_count", "is_available", "synchronize"]


def is_available():
    """Whether an accelerator (CUDA, MPS, XPU, ...) is available: always False."""
    return False


def current_accelerator(check_available=False):
    """The device of the current accelerator, or None when there is none (always None)."""
    return None


def device_count():
    """The number of accelerator devices: 0."""
    return 0


def current_device_index():
    """The index of the current accelerator device; RuntimeError, as there is none."""
    raise RuntimeError("Cannot access accelerator device when none is available.")


current_device_idx = current_device_index


def synchronize(device=None):
    """Waits for the accelerator's queued work; RuntimeError, as there is no accelerator."""
    raise RuntimeError("Cannot access accelerator device when none is available.")
