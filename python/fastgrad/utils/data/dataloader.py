"""fastgrad.utils.data.dataloader: DataLoader, as torch.utils.data.dataloader.

With num_workers=0 the batches are loaded in the calling process. With num_workers=n > 0, n worker
processes load them (see _utils/worker.py for the protocol): the main process hands out the batches of
indices round-robin to the workers, at most prefetch_factor * n at a time, and yields the results in the
sampler's order, so a map-style dataset gives the same batches in the same order as with num_workers=0.
Batches cross the process boundary by pickling (tensors pickle as their values). An exception in a worker
is re-raised in the main process (same type, the worker's traceback in the message); a worker that dies
raises RuntimeError instead of hanging. Shuffling draws from the DataLoader's generator (or the default
one) the way PyTorch does, so with the same seed the batches come in PyTorch's order.
"""

import itertools
import math
import multiprocessing
import os
import pickle
import queue
import time
import warnings

from . import _utils
from ._random import random_int64
from ._utils.collate import default_collate, default_convert
from ._utils.worker import _ExceptionWrapper, _IterationEnd, _Resume, _worker_loop, get_worker_info
from .dataset import IterableDataset
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

__all__ = ["DataLoader", "default_collate", "default_convert", "get_worker_info"]

# How often (seconds) a main process waiting for a batch checks that its workers are still alive.
_STATUS_CHECK_INTERVAL = 0.5
# How long shutting down waits for a worker to exit before terminating it.
_SHUTDOWN_TIMEOUT = 5.0


class _DatasetKind:
    Map = 0
    Iterable = 1


class _InfiniteConstantSampler(Sampler):
    """The index sampler of an IterableDataset: the same value forever (the batch size, or None)."""

    def __init__(self, value=None):
        self.value = value

    def __iter__(self):
        while True:
            yield self.value


class DataLoader:
    """Iterates over a dataset in batches: sampler -> batch of indices -> samples -> collate_fn.

    Arguments as torch.utils.data.DataLoader: batch_size (None turns automatic batching off), shuffle,
    sampler, batch_sampler, num_workers (worker processes; 0 loads in the main process), collate_fn,
    pin_memory (accepted; there is no accelerator memory to pin), drop_last, timeout (seconds to wait
    for a worker's batch, 0 for no limit), worker_init_fn (called with the worker id in each worker after
    it is seeded), multiprocessing_context, generator (for shuffling and the workers' base seed),
    prefetch_factor (batches loaded in advance per worker; 2 when num_workers > 0), persistent_workers
    (keep the workers between passes), pin_memory_device and in_order (accepted; batches always come in
    order).
    """

    _FROZEN = ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset", "persistent_workers")

    def __init__(
        self,
        dataset,
        batch_size=1,
        shuffle=None,
        sampler=None,
        batch_sampler=None,
        num_workers=0,
        collate_fn=None,
        pin_memory=False,
        drop_last=False,
        timeout=0,
        worker_init_fn=None,
        multiprocessing_context=None,
        generator=None,
        *,
        prefetch_factor=None,
        persistent_workers=False,
        pin_memory_device="",
        in_order=True,
    ):
        if num_workers < 0:
            raise ValueError(
                "num_workers option should be non-negative; use num_workers=0 to disable multiprocessing."
            )
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError(
                "prefetch_factor option could only be specified in multiprocessing.let num_workers > 0 to enable "
                "multiprocessing, otherwise set prefetch_factor to None."
            )
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.generator = generator
        self.persistent_workers = persistent_workers
        self.in_order = in_order
        self._iterator = None
        self._iterable = isinstance(dataset, IterableDataset)
        self._dataset_kind = _DatasetKind.Iterable if self._iterable else _DatasetKind.Map
        if self._iterable:
            if shuffle not in (False, None):
                raise ValueError(
                    f"DataLoader with IterableDataset: expected unspecified shuffle option, but got "
                    f"shuffle={shuffle}"
                )
            if sampler is not None:
                raise ValueError(
                    f"DataLoader with IterableDataset: expected unspecified sampler option, but got "
                    f"sampler={sampler}"
                )
            if batch_sampler is not None:
                raise ValueError(
                    f"DataLoader with IterableDataset: expected unspecified batch_sampler option, "
                    f"but got batch_sampler={batch_sampler}"
                )
        shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError(
                    "batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, "
                    "and drop_last"
                )
            batch_size = None
            drop_last = False
        elif batch_size is None and drop_last:
            raise ValueError(
                "batch_size=None option disables auto-batching and is mutually exclusive with drop_last"
            )
        if sampler is None:
            if self._iterable:
                sampler = _InfiniteConstantSampler()
            else:
                sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn
        self.multiprocessing_context = multiprocessing_context
        self.__initialized = True

    def __setattr__(self, attr, val):
        if self.__dict__.get("_DataLoader__initialized") and attr in self._FROZEN:
            raise ValueError(f"{attr} attribute should not be set after {self.__class__.__name__} is initialized")
        super().__setattr__(attr, val)

    @property
    def multiprocessing_context(self):
        """The multiprocessing context the workers are started with (None: the platform's default)."""
        return self.__multiprocessing_context

    @multiprocessing_context.setter
    def multiprocessing_context(self, context):
        if context is not None:
            if self.num_workers <= 0:
                raise ValueError(
                    "multiprocessing_context can only be used with multi-process loading (num_workers > 0), "
                    f"but got num_workers={self.num_workers}"
                )
            if isinstance(context, str):
                valid = multiprocessing.get_all_start_methods()
                if context not in valid:
                    raise ValueError(
                        "multiprocessing_context option should specify a valid start method in "
                        f"{valid!r}, but got multiprocessing_context={context!r}"
                    )
                context = multiprocessing.get_context(context)
            elif not isinstance(context, multiprocessing.context.BaseContext):
                raise TypeError(
                    "multiprocessing_context option should be a valid context object or a string specifying "
                    f"the start method, but got multiprocessing_context={context}"
                )
        self.__multiprocessing_context = context

    @property
    def _auto_collation(self):
        return self.batch_sampler is not None

    @property
    def _index_sampler(self):
        if self._iterable:
            return _InfiniteConstantSampler(self.batch_size)
        return self.batch_sampler if self._auto_collation else self.sampler

    def _get_iterator(self):
        if self.num_workers == 0:
            return _SingleProcessDataLoaderIter(self)
        self.check_worker_number_rationality()
        return _MultiProcessingDataLoaderIter(self)

    def check_worker_number_rationality(self):
        """Warns, as PyTorch does, when num_workers exceeds the CPUs this process may run on."""
        try:
            cpus = len(os.sched_getaffinity(0))
        except (AttributeError, OSError):
            cpus = os.cpu_count()
        if cpus is not None and self.num_workers > cpus:
            warnings.warn(
                f"This DataLoader will create {self.num_workers} worker processes in total. Our suggested max "
                f"number of worker in current system is {cpus}, which is smaller than what this DataLoader is "
                "going to create. Please be aware that excessive worker creation might get DataLoader running "
                "slow or even freeze, lower the worker number to avoid potential slowness/freeze if necessary.",
                stacklevel=3,
            )

    def __iter__(self):
        """An iterator over the batches. With persistent_workers, the same iterator (and its workers)
        serves every pass."""
        if self.persistent_workers and self.num_workers > 0:
            if self._iterator is None:
                self._iterator = self._get_iterator()
            else:
                self._iterator._reset(self)
            return self._iterator
        return self._get_iterator()

    def __len__(self):
        if self._iterable:
            n = len(self.dataset)
            if self.batch_size is not None:
                n = n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)
            return n
        return len(self._index_sampler)


class _BaseDataLoaderIter:
    def __init__(self, loader):
        self._dataset = loader.dataset
        self._dataset_kind = loader._dataset_kind
        self._auto_collation = loader._auto_collation
        self._drop_last = loader.drop_last
        self._index_sampler = loader._index_sampler
        self._num_workers = loader.num_workers
        self._collate_fn = loader.collate_fn
        self._timeout = loader.timeout
        self._worker_init_fn = loader.worker_init_fn
        self._persistent_workers = loader.persistent_workers
        if loader.pin_memory:
            warnings.warn(
                "'pin_memory' argument is set as true but no accelerator is found, then device pinned memory "
                "won't be used.",
                stacklevel=3,
            )
        # PyTorch's iterator draws the workers' base seed first (also without workers), so drawing it here
        # keeps the shuffle order in step with PyTorch's for the same generator state.
        self._base_seed = random_int64(loader.generator)
        self._sampler_iter = iter(self._index_sampler)
        self._num_yielded = 0

    def _reset(self, loader):
        self._sampler_iter = iter(self._index_sampler)
        self._num_yielded = 0

    def __iter__(self):
        return self

    def __next__(self):
        data = self._next_data()
        self._num_yielded += 1
        return data

    def __len__(self):
        return len(self._index_sampler)


class _SingleProcessDataLoaderIter(_BaseDataLoaderIter):
    def __init__(self, loader):
        super().__init__(loader)
        self._fetcher = _utils.worker._Fetcher(
            self._dataset, self._dataset_kind == _DatasetKind.Iterable, self._auto_collation,
            self._collate_fn, self._drop_last,
        )

    def _next_data(self):
        index = next(self._sampler_iter)
        return self._fetcher.fetch(index)


class _MultiProcessingDataLoaderIter(_BaseDataLoaderIter):
    def __init__(self, loader):
        super().__init__(loader)
        self._shutdown = True  # until the workers exist
        self._prefetch_factor = loader.prefetch_factor
        context = loader.multiprocessing_context or multiprocessing.get_context()
        self._result_queue = context.Queue()
        self._index_queues = []
        self._workers = []
        self._shutdown = False
        is_iterable = self._dataset_kind == _DatasetKind.Iterable
        for worker_id in range(self._num_workers):
            index_queue = context.Queue()
            index_queue.cancel_join_thread()
            worker = context.Process(
                target=_worker_loop,
                args=(
                    self._dataset, is_iterable, index_queue, self._result_queue, self._auto_collation,
                    self._collate_fn, self._drop_last, self._base_seed, self._worker_init_fn, worker_id,
                    self._num_workers,
                ),
                daemon=True,
            )
            worker.start()
            self._index_queues.append(index_queue)
            self._workers.append(worker)
        self._start_pass(first=True)

    def _reset(self, loader):
        super()._reset(loader)
        self._start_pass(first=False)

    def _start_pass(self, first):
        self._send_idx = 0  # the id of the next task to send
        self._rcvd_idx = 0  # the id of the next batch to yield
        self._task_info = {}  # task id -> [worker id] while pending, [worker id, result] once received
        self._tasks_outstanding = 0
        self._workers_status = [True] * self._num_workers
        self._worker_cycle = itertools.cycle(range(self._num_workers))
        if not first:
            # A persistent worker starts its next pass; results still in flight from an interrupted pass
            # arrive before its acknowledgement and are dropped.
            for index_queue in self._index_queues:
                index_queue.put(_Resume())
            acks = 0
            while acks < self._num_workers:
                task_id, _ = self._get_data()
                if task_id is None:
                    acks += 1
        for _ in range(self._prefetch_factor * self._num_workers):
            self._try_put_index()

    def _try_put_index(self):
        if self._tasks_outstanding >= self._prefetch_factor * self._num_workers:
            return
        try:
            index = next(self._sampler_iter)
        except StopIteration:
            return
        for _ in range(self._num_workers):
            worker_id = next(self._worker_cycle)
            if self._workers_status[worker_id]:
                break
        else:
            return  # every worker's iterator has ended
        self._index_queues[worker_id].put((self._send_idx, index))
        self._task_info[self._send_idx] = [worker_id]
        self._tasks_outstanding += 1
        self._send_idx += 1

    def _get_data(self):
        """The next (task id, result) from any worker; RuntimeError if a worker died or on timeout."""
        deadline = time.monotonic() + self._timeout if self._timeout > 0 else None
        while True:
            wait = _STATUS_CHECK_INTERVAL
            if deadline is not None:
                wait = max(0.0, min(wait, deadline - time.monotonic()))
            try:
                payload = self._result_queue.get(timeout=wait)
            except queue.Empty:
                dead = [w for w in self._workers if not w.is_alive()]
                if dead:
                    pids = ", ".join(str(w.pid) for w in dead)
                    self._shutdown_workers()
                    raise RuntimeError(f"DataLoader worker (pid(s) {pids}) exited unexpectedly") from None
                if deadline is not None and time.monotonic() >= deadline:
                    raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds") from None
                continue
            return pickle.loads(payload)

    def _next_data(self):
        if self._shutdown:
            raise StopIteration
        while True:
            # Skip the tasks of workers whose iterable dataset ended before answering them.
            while self._rcvd_idx < self._send_idx:
                info = self._task_info[self._rcvd_idx]
                if len(info) == 2 or self._workers_status[info[0]]:
                    break
                # The worker's iterator ended before this task: it will never answer it.
                del self._task_info[self._rcvd_idx]
                self._rcvd_idx += 1
                self._tasks_outstanding -= 1
                self._try_put_index()
            else:
                if not self._persistent_workers:
                    self._shutdown_workers()
                raise StopIteration
            info = self._task_info[self._rcvd_idx]
            if len(info) == 2:
                del self._task_info[self._rcvd_idx]
                self._rcvd_idx += 1
                return self._process_data(info[1])
            task_id, data = self._get_data()
            if task_id is None or task_id not in self._task_info:
                continue  # a stale acknowledgement or result
            self._tasks_outstanding -= 1
            if isinstance(data, _IterationEnd):
                self._workers_status[self._task_info[task_id][0]] = False
                self._try_put_index()
                continue
            if task_id != self._rcvd_idx:
                self._task_info[task_id].append(data)
                continue
            del self._task_info[task_id]
            self._rcvd_idx += 1
            return self._process_data(data)

    def _process_data(self, data):
        self._try_put_index()
        if isinstance(data, _ExceptionWrapper):
            data.reraise()
        return data

    def _shutdown_workers(self):
        if getattr(self, "_shutdown", True):
            return
        self._shutdown = True
        try:
            for index_queue in self._index_queues:
                try:
                    index_queue.put(None)
                except Exception:
                    pass
            for worker in self._workers:
                worker.join(timeout=_SHUTDOWN_TIMEOUT)
                if worker.is_alive():
                    worker.terminate()
                    worker.join()
            for q in self._index_queues + [self._result_queue]:
                q.cancel_join_thread()
                q.close()
        except Exception:  # at interpreter exit, parts of multiprocessing may be gone already
            pass

    def __del__(self):
        self._shutdown_workers()
