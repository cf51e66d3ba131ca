"""The CPU backend: which vector instruction level the kernels use (``torch.backends.cpu``)."""
from .. import _C

__all__ = ["get_cpu_capability"]


def get_cpu_capability() -> str:
    r"""Return the CPU capability the kernels run at, as a string: ``"DEFAULT"``, ``"AVX2"`` or ``"AVX512"``.

    The level is chosen once, at the first kernel call: the best the CPU supports, lowered by the
    environment variable ``FASTGRAD_CPU_CAPABILITY=default|avx2|avx512`` (set before the process starts;
    a value the CPU cannot honour is ignored), as PyTorch's ``ATEN_CPU_CAPABILITY`` lowers its own.

    Example::

        >>> fastgrad.backends.cpu.get_cpu_capability()
        'AVX512'
    """
    return _C._get_cpu_capability()
