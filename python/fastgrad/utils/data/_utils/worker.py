"""The DataLoader's worker processes: get_worker_info, WorkerInfo and the loop each worker runs.

Protocol (main process <-> worker k): the main process puts (task_id, indices) on worker k's index queue
(indices is a batch of indices, one index, or None for an IterableDataset, whose worker takes its next batch
from its own iterator); the worker answers pickle.dumps((task_id, result)) on the shared result queue, where result is the
collated batch, an _ExceptionWrapper (the exception raised while fetching it, re-raised in the main
process), or _IterationEnd (its IterableDataset iterator is exhausted). A _Resume message starts a new pass
(persistent workers), acknowledged by (None, None); None stops the worker.
"""

import pickle
import random
import sys
import traceback

import numpy as np

__all__ = ["WorkerInfo", "get_worker_info"]

_worker_info = None


class WorkerInfo:
    """What get_worker_info() returns inside a DataLoader worker: id, num_workers, seed, dataset (this
    worker's copy). Its attributes cannot be changed."""

    __initialized = False

    def __init__(self, **kwargs):
        for k, v in kwargs.items():
            setattr(self, k, v)
        self.__keys = tuple(kwargs.keys())
        self.__initialized = True

    def __setattr__(self, key, val):
        if self.__initialized:
            raise RuntimeError(f"Cannot assign attributes to {self.__class__.__name__} objects")
        return super().__setattr__(key, val)

    def __repr__(self):
        items = [f"{k}={getattr(self, k)}" for k in self.__keys]
        return f"{self.__class__.__name__}({', '.join(items)})"


def get_worker_info():
    """In a DataLoader worker process: its WorkerInfo (id, num_workers, seed, dataset). In the main
    process: None."""
    return _worker_info


class _KeyErrorMessage(str):
    """A str whose repr is itself, so a re-raised KeyError shows its traceback text readably."""

    def __repr__(self):
        return self


class _ExceptionWrapper:
    """An exception caught in a worker, carried to the main process (by pickling) and re-raised there as
    the same type, with the worker's traceback in the message."""

    def __init__(self, exc_info, where):
        self.exc_type = exc_info[0]
        self.exc_msg = "".join(traceback.format_exception(*exc_info))
        self.where = where

    def reraise(self):
        msg = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is KeyError:
            msg = _KeyErrorMessage(msg)
        elif getattr(self.exc_type, "message", None):
            raise self.exc_type(message=msg)
        try:
            exception = self.exc_type(msg)
        except Exception:
            raise RuntimeError(msg) from None
        raise exception


class _IterationEnd:
    """A worker's answer when its IterableDataset iterator is exhausted."""


class _Resume:
    """Starts a new pass in a persistent worker."""


def _np_seed(base_seed, worker_id):
    # The NumPy seed of worker_id: PyTorch's 4-word state, which is NumPy's SeedSequence over
    # [worker_id, low and high 32 bits of the base seed, 0].
    return np.random.SeedSequence([worker_id, base_seed & 0xFFFFFFFF, base_seed >> 32, 0]).generate_state(4)


class _Fetcher:
    """Turns a task's indices into a batch: map-style datasets index, iterable ones advance an iterator."""

    def __init__(self, dataset, is_iterable, auto_collation, collate_fn, drop_last):
        self.dataset = dataset
        self.is_iterable = is_iterable
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.drop_last = drop_last
        self.iterator = iter(dataset) if is_iterable else None
        self.ended = False

    def fetch(self, indices):
        if self.is_iterable:
            if self.ended:
                raise StopIteration
            if self.auto_collation:
                batch = []
                for _ in range(indices):  # the batch size
                    try:
                        batch.append(next(self.iterator))
                    except StopIteration:
                        self.ended = True
                        break
                if not batch or (self.ended and self.drop_last and len(batch) < indices):
                    raise StopIteration
                return self.collate_fn(batch)
            return self.collate_fn(next(self.iterator))
        if self.auto_collation:
            getitems = getattr(self.dataset, "__getitems__", None)
            samples = getitems(indices) if callable(getitems) else [self.dataset[i] for i in indices]
            return self.collate_fn(samples)
        return self.collate_fn(self.dataset[indices])


def _worker_loop(
    dataset, is_iterable, index_queue, result_queue, auto_collation, collate_fn, drop_last, base_seed,
    init_fn, worker_id, num_workers,
):
    """The body of a worker process: seed, run worker_init_fn, then answer tasks until told to stop."""
    global _worker_info
    from .... import _C
    from ...._random import manual_seed

    try:
        _C.set_num_threads(1)
        seed = base_seed + worker_id
        random.seed(seed)
        manual_seed(seed)
        np.random.seed(_np_seed(base_seed, worker_id))
        _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed, dataset=dataset)
        init_error = None
        try:
            if init_fn is not None:
                init_fn(worker_id)
            fetcher = _Fetcher(dataset, is_iterable, auto_collation, collate_fn, drop_last)
        except Exception:
            init_error = _ExceptionWrapper(sys.exc_info(), f"in DataLoader worker process {worker_id}")
        iteration_end = False
        while True:
            task = index_queue.get()
            if task is None:
                break
            if isinstance(task, _Resume):
                iteration_end = False
                if init_error is None and is_iterable:
                    try:
                        fetcher = _Fetcher(dataset, is_iterable, auto_collation, collate_fn, drop_last)
                    except Exception:
                        init_error = _ExceptionWrapper(sys.exc_info(), f"in DataLoader worker process {worker_id}")
                result_queue.put(pickle.dumps((None, None)))  # the acknowledgement
                continue
            if iteration_end:
                continue  # a task sent before the main process learnt that this worker's iterator ended
            task_id, indices = task
            if init_error is not None:
                result, init_error = init_error, None
                iteration_end = is_iterable
            else:
                try:
                    result = fetcher.fetch(indices)
                except StopIteration:
                    result = _IterationEnd()
                    iteration_end = True
                except Exception:
                    result = _ExceptionWrapper(sys.exc_info(), f"in DataLoader worker process {worker_id}")
            # Pickled here, not in the queue's feeder thread, so that a batch that cannot be pickled is
            # reported to the main process instead of lost.
            try:
                payload = pickle.dumps((task_id, result), protocol=pickle.HIGHEST_PROTOCOL)
            except Exception:
                wrapped = _ExceptionWrapper(sys.exc_info(), f"in DataLoader worker process {worker_id}")
                payload = pickle.dumps((task_id, wrapped), protocol=pickle.HIGHEST_PROTOCOL)
            del result
            result_queue.put(payload)
    except KeyboardInterrupt:
        pass
    # Stopping: the main process may no longer read the results still queued; do not wait to flush them.
    result_queue.cancel_join_thread()
