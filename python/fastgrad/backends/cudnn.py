"""cuDNN settings (``torch.backends.cudnn``): fastgrad has no cuDNN, so it answers as a CPU build of PyTorch.

``enabled``, ``benchmark``, ``deterministic``, ``allow_tf32`` and ``benchmark_limit`` can be read and set
(programs set ``cudnn.benchmark = True`` or ``cudnn.deterministic = True`` for reproducibility); they have
no effect on fastgrad's CPU kernels, which are deterministic already.
"""
import sys

from ._flags import FlagModule

__all__ = ["is_available", "is_acceptable", "version"]

enabled = True
benchmark = False
deterministic = False
allow_tf32 = True
benchmark_limit = None


def is_available() -> bool:
    """Whether cuDNN can be used: always False."""
    return False


def version():
    """The cuDNN version: None, as fastgrad has no cuDNN."""
    return None


def is_acceptable(tensor) -> bool:
    """Whether cuDNN would take this tensor: always False (fastgrad's tensors live on the CPU)."""
    return False


class _CudnnModule(FlagModule):
    _FLAGS = {
        "enabled": (bool, "set_enabled_cudnn"),
        "benchmark": (bool, "set_benchmark_cudnn"),
        "deterministic": (bool, "set_deterministic_cudnn"),
        "allow_tf32": (bool, "set_allow_tf32_cudnn"),
    }


sys.modules[__name__].__class__ = _CudnnModule
