"""fastgrad.utils.dlpack, as torch.utils.dlpack: from_dlpack, to_dlpack and DLDeviceType."""
from .._dlpack import DLDeviceType, from_dlpack, to_dlpack

__all__ = ["DLDeviceType", "from_dlpack", "to_dlpack"]
