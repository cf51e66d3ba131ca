"""Automatic mixed precision (``torch.amp``): ``autocast`` and ``GradScaler``.

fastgrad has no half-precision dtypes yet: an autocast region runs its ops in their inputs' own dtypes
(docs/differences.md). ``GradScaler("cpu")`` scales as PyTorch's does; a CUDA scaler is disabled.
"""
from . import autocast_mode, grad_scaler
from .autocast_mode import autocast, custom_bwd, custom_fwd, is_autocast_available
from .grad_scaler import GradScaler

__all__ = ["GradScaler", "autocast", "custom_bwd", "custom_fwd", "is_autocast_available"]
