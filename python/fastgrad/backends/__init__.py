"""Backend settings, as in ``torch.backends``: ``cpu`` (the kernels' instruction level) and the answers of a
CPU-only PyTorch build for ``cuda``, ``cudnn`` and ``mps`` (not available; their flags can be set)."""
from . import cpu, cuda, cudnn, mps

__all__ = ["cpu", "cuda", "cudnn", "mps"]
