"""Backend settings, as in ``torch.backends``: ``fastgrad.backends.cpu``."""
from . import cpu

__all__ = ["cpu"]
