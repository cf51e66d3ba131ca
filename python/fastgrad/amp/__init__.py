"""Automatic mixed precision (``torch.amp``): ``autocast`` and ``GradScaler``.

An autocast("cpu") region runs the ops of PyTorch's CPU lists in bfloat16 / float16 or float32 as PyTorch's does
(Note [Autocast] in cpp/include/fastgrad/autocast.h; docs/differences.md). ``GradScaler("cpu")`` scales as PyTorch's does; a CUDA scaler is disabled.
"""
from . import autocast_mode, grad_scaler
from .autocast_mode import autocast, custom_bwd, custom_fwd, is_autocast_available
from .grad_scaler import GradScaler

__all__ = ["GradScaler", "autocast", "custom_bwd", "custom_fwd", "is_autocast_available"]
