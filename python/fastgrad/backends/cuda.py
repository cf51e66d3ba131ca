"""CUDA settings (``torch.backends.cuda``): fastgrad has no CUDA, so it answers as a CPU build of PyTorch.

``matmul.allow_tf32`` and the reduced-precision flags can be read and set; they change nothing in
fastgrad's CPU products. ``matmul.allow_tf32`` and ``fastgrad.set_float32_matmul_precision`` are two views
of one setting, as in PyTorch.
"""

__all__ = ["is_built", "matmul", "cufft_plan_cache"]


def is_built() -> bool:
    """Whether fastgrad was built with CUDA: always False."""
    return False


_precision = ["highest"]  # the float32 matmul precision: "highest", "high" or "medium"


class cuBLASModule:
    """``torch.backends.cuda.matmul``: settable flags; an unknown name raises AttributeError("Unknown attribute ...")."""

    _BOOL_FLAGS = ("allow_fp16_reduced_precision_reduction", "allow_bf16_reduced_precision_reduction")

    def __init__(self):
        object.__setattr__(self, "_flags", {name: True for name in self._BOOL_FLAGS})

    def __getattr__(self, name):
        if name == "allow_tf32":
            return _precision[0] != "highest"
        flags = object.__getattribute__(self, "_flags")
        if name in flags:
            return flags[name]
        raise AttributeError(f"Unknown attribute {name}")

    def __setattr__(self, name, value):
        if name == "allow_tf32":
            if not isinstance(value, bool):
                raise RuntimeError(f"set_allow_tf32_cublas expects a bool, but got {type(value).__name__}")
            _precision[0] = "high" if value else "highest"
            return
        if name in self._flags:
            self._flags[name] = value
            return
        raise AttributeError(f"Unknown attribute {name}")


matmul = cuBLASModule()


class _CufftPlanCache:
    """``torch.backends.cuda.cufft_plan_cache``: there is no cuFFT, so the cache is always empty."""

    size = 0
    max_size = 0

    def clear(self):
        """Nothing to clear."""


cufft_plan_cache = _CufftPlanCache()
