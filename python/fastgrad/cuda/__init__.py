"""fastgrad runs on the CPU: the CUDA queries answer as a PyTorch CPU build does."""


def is_available():
    return False


def device_count():
    return 0


def is_initialized():
    return False


def manual_seed(seed):
    """No CUDA generators exist; like PyTorch on a machine without GPUs this silently does nothing."""


def manual_seed_all(seed):
    """See manual_seed."""



def is_bf16_supported(including_emulation=True):
    """Whether CUDA supports bfloat16: False (no CUDA)."""
    return False


def empty_cache():
    """Release the CUDA caching allocator's unused memory: there is none, so this does nothing (as in PyTorch)."""


def memory_allocated(device=None):
    """Bytes of CUDA memory held by tensors: 0."""
    return 0


def max_memory_allocated(device=None):
    """Peak bytes of CUDA memory held by tensors: 0."""
    return 0


def memory_reserved(device=None):
    """Bytes of CUDA memory the caching allocator holds: 0."""
    return 0


def max_memory_reserved(device=None):
    """Peak bytes of CUDA memory the caching allocator held: 0."""
    return 0


def _not_compiled():
    raise AssertionError("Torch not compiled with CUDA enabled")


def synchronize(device=None):
    """Wait for a CUDA device: raises AssertionError, as a PyTorch build without CUDA does."""
    _not_compiled()


def current_device():
    """The current CUDA device: raises AssertionError, as a PyTorch build without CUDA does."""
    _not_compiled()


def get_device_name(device=None):
    """A CUDA device's name: raises AssertionError, as a PyTorch build without CUDA does."""
    _not_compiled()


def get_device_capability(device=None):
    """A CUDA device's compute capability: raises AssertionError, as a PyTorch build without CUDA does."""
    _not_compiled()


def get_device_properties(device=None):
    """A CUDA device's properties: raises AssertionError, as a PyTorch build without CUDA does."""
    _not_compiled()


from . import amp  # noqa: E402  (torch.cuda.amp: the deprecated autocast and GradScaler forms)
