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


from . import amp  # noqa: E402  (torch.cuda.amp: the deprecated autocast and GradScaler forms)
