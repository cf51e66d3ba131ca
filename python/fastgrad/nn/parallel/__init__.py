"""fastgrad.nn.parallel: DistributedDataParallel (data parallelism over processes, fastgrad.distributed)."""

from .distributed import DistributedDataParallel

__all__ = ["DistributedDataParallel"]
