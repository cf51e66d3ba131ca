"""DLPack exchange (Note [DLPack] in python/src/dlpack.cpp): Tensor.__dlpack__ / __dlpack_device__ and
fastgrad.from_dlpack, zero-copy with PyTorch, NumPy, JAX and any other library that speaks the protocol."""
import enum

from . import _C

_CPU = 1


class DLDeviceType(enum.IntEnum):
    """DLPack's device codes (the ones PyTorch's enum names); fastgrad's tensors are all kDLCPU."""

    kDLCPU = 1
    kDLCUDA = 2
    kDLCUDAHost = 3
    kDLOpenCL = 4
    kDLVulkan = 7
    kDLMetal = 8
    kDLVPI = 9
    kDLROCM = 10
    kDLROCMHost = 11
    kDLExtDev = 12
    kDLCUDAManaged = 13
    kDLOneAPI = 14
    kDLWebGPU = 15
    kDLHexagon = 16
    kDLMAIA = 17


def dlpack_device(self):
    """`Tensor.__dlpack_device__()`: (DLDeviceType.kDLCPU, 0), the device of the tensor's memory."""
    return (DLDeviceType.kDLCPU, 0)


def dlpack(self, *, stream=None, max_version=None, dl_device=None, copy=None):
    """`Tensor.__dlpack__()`: a capsule holding the tensor's memory for another library, without a copy
    (`copy=True` copies). A consumer asking for DLPack 1.x (`max_version=(1, 0)` or later) gets a versioned
    capsule ("dltensor_versioned"), others the legacy "dltensor". CPU tensors take no stream; a tensor that
    requires grad must be detached first (BufferError), as in PyTorch."""
    if stream is not None and stream != -1:
        raise BufferError("__dlpack__: stream should be None on cpu")
    if dl_device is not None and tuple(int(v) for v in dl_device) != (_CPU, 0):
        raise BufferError(f"__dlpack__: cannot export a CPU tensor to DLPack device {tuple(dl_device)}")
    if self.requires_grad:
        raise BufferError("Can't export tensors that require gradient, use tensor.detach()")
    versioned = max_version is not None and int(max_version[0]) >= 1
    return _C._to_dlpack(self, versioned, bool(copy))


def from_dlpack(ext_tensor):
    """A fastgrad tensor over the memory of `ext_tensor`: an object with `__dlpack__` (a PyTorch or JAX
    tensor, a NumPy array, a fastgrad tensor) or a DLPack capsule (consumed: a capsule is used once). The
    memory is shared, not copied, except for read-only arrays, which are copied (fastgrad tensors are
    writable). Only CPU memory of dtypes fastgrad has (float32, float64, int32, int64, bool) is accepted."""
    if hasattr(ext_tensor, "__dlpack__"):
        if hasattr(ext_tensor, "__dlpack_device__"):
            device = ext_tensor.__dlpack_device__()
            if int(device[0]) != _CPU:
                raise BufferError(f"from_dlpack: the tensor is on DLPack device {tuple(int(v) for v in device)}; "
                                  "fastgrad only has CPU tensors")
        try:
            capsule = ext_tensor.__dlpack__(max_version=(1, 0))
        except TypeError:  # a producer that predates DLPack 1.0's keyword
            capsule = ext_tensor.__dlpack__()
    else:
        capsule = ext_tensor
    return _C._from_dlpack_capsule(capsule)


def to_dlpack(tensor):
    """A legacy ("dltensor") DLPack capsule of the tensor's memory, as torch.utils.dlpack.to_dlpack."""
    if not isinstance(tensor, _C.Tensor):
        raise TypeError(f"to_dlpack(): argument 'tensor' must be Tensor, not {type(tensor).__name__}")
    return dlpack(tensor)
