"""The upsampling layers: nn.Upsample and its fixed-mode forms, over F.interpolate (cpp/src/ops/upsample.cpp)."""

from .. import functional as F
from .module import Module


class Upsample(Module):
    """Upsamples (or downsamples) a (N, C, *spatial) input with 1, 2 or 3 spatial dims to ``size`` or by
    ``scale_factor`` with F.interpolate's ``mode`` ('nearest', 'nearest-exact', 'linear', 'bilinear', 'bicubic',
    'trilinear', 'area'), ``align_corners`` and ``recompute_scale_factor``. A scale factor is kept as a float
    (a tuple of floats), and the repr shows it, or else the size, with the mode, as PyTorch's."""

    __constants__ = ["size", "scale_factor", "mode", "align_corners", "name", "recompute_scale_factor"]

    def __init__(self, size=None, scale_factor=None, mode="nearest", align_corners=None,
                 recompute_scale_factor=None):
        super().__init__()
        self.name = type(self).__name__
        self.size = size
        if isinstance(scale_factor, tuple):
            self.scale_factor = tuple(float(factor) for factor in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor else None
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input):
        """F.interpolate of ``input`` with this layer's settings."""
        return F.interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners,
                             recompute_scale_factor=self.recompute_scale_factor)

    def __setstate__(self, state):
        # modules pickled before recompute_scale_factor existed recomputed the scale (as PyTorch's)
        if "recompute_scale_factor" not in state:
            state["recompute_scale_factor"] = True
        super().__setstate__(state)

    def extra_repr(self):
        """'scale_factor=2.0, mode='nearest'' (or 'size=...' when no scale factor is set)."""
        info = f"scale_factor={self.scale_factor!r}" if self.scale_factor is not None else f"size={self.size!r}"
        return info + f", mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    """2-d nearest-neighbour upsampling of a (N, C, H, W) input: Upsample(size, scale_factor, mode='nearest')."""

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """2-d bilinear upsampling of a (N, C, H, W) input with align_corners=True: Upsample(size, scale_factor,
    mode='bilinear', align_corners=True)."""

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)
