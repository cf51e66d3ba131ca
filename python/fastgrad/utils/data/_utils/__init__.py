"""The DataLoader's helpers, as torch.utils.data._utils: collate (default_collate, default_convert) and
worker (get_worker_info, WorkerInfo, the worker loop)."""

from . import collate, worker  # noqa: F401
