"""fastgrad.utils.data.distributed: DistributedSampler, as torch.utils.data.distributed."""

import math

from ... import _C
from .sampler import Sampler

__all__ = ["DistributedSampler"]


class DistributedSampler(Sampler):
    """The share of ``dataset``'s indices that process ``rank`` of ``num_replicas`` reads (PyTorch's order).

    Each epoch the indices are shuffled (when ``shuffle``) by a generator seeded with ``seed + epoch`` -- call
    ``set_epoch`` before each epoch so every process draws the same permutation and the order changes --
    then padded by repeating indices from the start so they divide evenly (or, with ``drop_last``, cut to a
    multiple of ``num_replicas``), and process ``rank`` takes every ``num_replicas``-th index from ``rank``.
    ``num_replicas`` and ``rank`` default to the default process group's world size and rank."""

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0, drop_last=False):
        if num_replicas is None or rank is None:
            from ... import distributed as dist

            if not dist.is_available():
                raise RuntimeError("Requires distributed package to be available")
            if num_replicas is None:
                num_replicas = dist.get_world_size()
            if rank is None:
                rank = dist.get_rank()
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        n = len(dataset)
        if drop_last and n % num_replicas != 0:
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def __iter__(self):
        n = len(self.dataset)
        if self.shuffle:
            g = _C.Generator()
            g.manual_seed(self.seed + self.epoch)
            indices = _C.randperm(n, generator=g).tolist()
        else:
            indices = list(range(n))
        if not self.drop_last:
            missing = self.total_size - len(indices)
            if missing > 0:
                repeats = math.ceil(missing / len(indices))
                indices += (indices * repeats)[:missing]
        else:
            indices = indices[: self.total_size]
        if len(indices) != self.total_size:
            raise AssertionError(f"DistributedSampler: {len(indices)} indices, expected {self.total_size}")
        mine = indices[self.rank : self.total_size : self.num_replicas]
        if len(mine) != self.num_samples:
            raise AssertionError(f"DistributedSampler: {len(mine)} indices, expected {self.num_samples}")
        return iter(mine)

    def __len__(self):
        return self.num_samples

    def set_epoch(self, epoch):
        """Set the epoch: with ``shuffle``, each epoch's order is drawn from ``seed + epoch``."""
        self.epoch = epoch
