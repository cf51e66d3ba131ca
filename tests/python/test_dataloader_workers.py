"""utils.data as a package: DataLoader with worker processes (num_workers > 0) against PyTorch's DataLoader
(same batches, same order, same worker assignment and seeds), errors raised in workers, dead workers,
timeouts, persistent workers; the submodules' names where torch has them; WeightedRandomSampler."""

import os
import random
import time
import warnings

import numpy as np
import pytest

import fastgrad
from fastgrad.utils.data import DataLoader, Dataset, IterableDataset, TensorDataset, get_worker_info

try:
    import torch
except ImportError:  # the tests that compare with PyTorch skip
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="needs PyTorch as the oracle")
# torch warns when a DataLoader asks for more workers than the machine has cores.
pytestmark = pytest.mark.filterwarnings("ignore:This DataLoader will create:UserWarning")


def _lib(name):
    return {"fastgrad": fastgrad, "torch": torch}[name]


def _gen(lib, seed):
    g = lib.Generator()
    g.manual_seed(seed)
    return g


class WhoLoads:
    """Map-style: sample i is (i, the loading worker's id, its seed, draws from its random streams)."""

    def __init__(self, lib, n):
        self.lib = lib
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        info = self.lib.utils.data.get_worker_info()
        wid, seed = (-1, -1) if info is None else (info.id, info.seed)
        return {
            "i": i,
            "worker": wid,
            "seed": seed,
            "np": int(np.random.randint(0, 2**31)),
            "py": random.random(),
            "lib": self.lib.rand(1).item(),
        }


class Counting:
    """An iterable dataset of range(start, end), split between the workers when shard is set."""

    def __init__(self, lib, start, end, shard):
        self.lib, self.start, self.end, self.shard = lib, start, end, shard

    def __iter__(self):
        info = self.lib.utils.data.get_worker_info()
        if info is None or not self.shard:
            return iter(range(self.start, self.end))
        per = -(-(self.end - self.start) // info.num_workers)
        lo = self.start + info.id * per
        return iter(range(lo, min(lo + per, self.end)))


def _iterable(lib, *args):
    cls = type("CountingIt", (Counting, lib.utils.data.IterableDataset), {})
    return cls(lib, *args)


def _plain(batch):
    """Batches as plain Python values, comparable between the libraries."""
    if isinstance(batch, dict):
        return {k: _plain(v) for k, v in batch.items()}
    if isinstance(batch, (list, tuple)):
        return [_plain(v) for v in batch]
    if hasattr(batch, "tolist"):
        return batch.tolist()
    return batch


def _run(lib_name, make_dataset, epochs=1, seed=5, **kwargs):
    lib = _lib(lib_name)
    lib.manual_seed(seed)
    loader = lib.utils.data.DataLoader(make_dataset(lib), **kwargs)
    return [[_plain(b) for b in loader] for _ in range(epochs)]


@pytest.mark.parametrize("num_workers", [1, 2, 3])
def test_map_style_same_batches_as_single_process(num_workers):
    ds = TensorDataset(fastgrad.arange(23.0).reshape(23, 1), fastgrad.arange(23))
    one = [_plain(b) for b in DataLoader(ds, batch_size=4, shuffle=True, generator=_gen(fastgrad, 1))]
    many = [
        _plain(b)
        for b in DataLoader(ds, batch_size=4, shuffle=True, generator=_gen(fastgrad, 1), num_workers=num_workers)
    ]
    assert many == one and len(many) == 6
    unbatched = [_plain(b) for b in DataLoader(ds, batch_size=None, num_workers=num_workers)]
    assert unbatched == [[[float(i)], i] for i in range(23)]


@needs_torch
@pytest.mark.parametrize("kwargs", [
    dict(batch_size=3, num_workers=2),
    dict(batch_size=3, num_workers=3, shuffle=True, prefetch_factor=1),
    dict(batch_size=None, num_workers=2),
    dict(batch_size=4, num_workers=2, drop_last=True, shuffle=True),
])
def test_map_style_workers_match_torch(kwargs):
    """Values, order, which worker loads which batch, each worker's seed and its torch/NumPy/random
    streams: all as PyTorch's."""
    ours = _run("fastgrad", lambda lib: WhoLoads(lib, 17), epochs=2, **kwargs)
    theirs = _run("torch", lambda lib: WhoLoads(lib, 17), epochs=2, **kwargs)
    assert ours == theirs
    assert {b["worker"] if isinstance(b["worker"], int) else b["worker"][0] for b in ours[0]} == set(
        range(kwargs["num_workers"])
    )


@needs_torch
def test_persistent_workers_match_torch():
    kwargs = dict(batch_size=4, num_workers=2, shuffle=True, persistent_workers=True)
    ours = _run("fastgrad", lambda lib: WhoLoads(lib, 10), epochs=3, **kwargs)
    theirs = _run("torch", lambda lib: WhoLoads(lib, 10), epochs=3, **kwargs)
    assert ours == theirs
    assert ours[0] != ours[1]


def test_persistent_workers_keep_their_processes_and_resume_after_a_break():
    ds = WhoLoads(fastgrad, 12)
    loader = DataLoader(ds, batch_size=2, num_workers=2, persistent_workers=True)
    it = iter(loader)
    next(it)  # leave the first pass after one batch: its prefetched batches are dropped
    pids = [w.pid for w in it._workers]
    second = [b["i"].tolist() for b in loader]
    assert second == [[0, 1], [2, 3], [4, 5], [6, 7], [8, 9], [10, 11]]
    assert iter(loader) is it and [w.pid for w in it._workers] == pids
    assert all(w.is_alive() for w in it._workers)
    del loader, it


@needs_torch
@pytest.mark.parametrize("shard", [True, False])
@pytest.mark.parametrize("batch_size,drop_last", [(2, False), (2, True), (None, False)])
def test_iterable_dataset_workers_match_torch(shard, batch_size, drop_last):
    kwargs = dict(batch_size=batch_size, drop_last=drop_last, num_workers=3)
    ours = _run("fastgrad", lambda lib: _iterable(lib, 3, 14, shard), **kwargs)
    theirs = _run("torch", lambda lib: _iterable(lib, 3, 14, shard), **kwargs)
    assert ours == theirs


@needs_torch
def test_iterable_dataset_persistent_workers_match_torch():
    kwargs = dict(batch_size=2, num_workers=2, persistent_workers=True)
    ours = _run("fastgrad", lambda lib: _iterable(lib, 0, 7, True), epochs=2, **kwargs)
    theirs = _run("torch", lambda lib: _iterable(lib, 0, 7, True), epochs=2, **kwargs)
    assert ours == theirs


class Failing(Dataset):
    def __init__(self, exc):
        self.exc = exc

    def __len__(self):
        return 6

    def __getitem__(self, i):
        if i == 2:
            raise self.exc
        return i


@pytest.mark.parametrize("exc", [ValueError("bad sample 2"), KeyError("bad sample 2"), IndexError("bad sample 2")])
def test_worker_exception_is_raised_in_the_main_process(exc):
    it = iter(DataLoader(Failing(exc), num_workers=2))
    assert next(it).tolist() == [0] and next(it).tolist() == [1]
    with pytest.raises(type(exc)) as info:
        next(it)
    text = str(info.value)
    assert text.startswith(f"Caught {type(exc).__name__} in DataLoader worker process 0.\nOriginal Traceback")
    assert "bad sample 2" in text and "__getitem__" in text
    assert [b.tolist() for b in it] == [[3], [4], [5]]  # the loader goes on, as PyTorch's


@needs_torch
def test_worker_exception_text_matches_torch():
    def message(lib):
        loader = lib.utils.data.DataLoader(Failing(KeyError("k")), num_workers=1, batch_size=3)
        with pytest.raises(KeyError) as info:
            list(loader)
        return str(info.value).split("\n")[0]

    assert message(fastgrad) == message(torch)


def _raise_in_init(worker_id):
    raise RuntimeError(f"init of worker {worker_id} failed")


def test_worker_init_fn_error_is_raised():
    loader = DataLoader(TensorDataset(fastgrad.arange(4)), num_workers=2, worker_init_fn=_raise_in_init)
    with pytest.raises(RuntimeError, match="(?s)Caught RuntimeError in DataLoader worker process 0.*init of worker 0"):
        list(loader)


def _record_init(worker_id):
    info = get_worker_info()
    assert info.id == worker_id
    info.dataset.seen_init = worker_id  # the worker's own copy of the dataset


class InitSeen(Dataset):
    seen_init = None

    def __len__(self):
        return 4

    def __getitem__(self, i):
        info = get_worker_info()
        return (self.seen_init, info.num_workers, repr(info).startswith("WorkerInfo(id="))


def test_worker_init_fn_and_worker_info():
    assert get_worker_info() is None
    out = list(DataLoader(InitSeen(), batch_size=None, num_workers=2, worker_init_fn=_record_init))
    assert out == [[0, 2, True], [1, 2, True], [0, 2, True], [1, 2, True]]  # default_convert: tuples -> lists
    assert InitSeen.seen_init is None  # the main process's dataset is untouched


class FrozenInfo(Dataset):
    def __len__(self):
        return 1

    def __getitem__(self, i):
        get_worker_info().id = 7


def test_worker_info_is_read_only():
    with pytest.raises(RuntimeError, match="Cannot assign attributes to WorkerInfo objects"):
        list(DataLoader(FrozenInfo(), num_workers=1))


class Dies(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        if i == 1:
            os._exit(3)
        return i


def test_dead_worker_raises_instead_of_hanging():
    with pytest.raises(RuntimeError, match=r"DataLoader worker \(pid\(s\) \d+.*\) exited unexpectedly"):
        list(DataLoader(Dies(), num_workers=2))


class Slow(Dataset):
    def __len__(self):
        return 2

    def __getitem__(self, i):
        time.sleep(30)
        return i


def test_timeout():
    loader = DataLoader(Slow(), num_workers=1, timeout=0.2)
    it = iter(loader)
    with pytest.raises(RuntimeError, match=r"DataLoader timed out after 0.2 seconds"):
        next(it)
    it._shutdown_workers()  # terminates the sleeping worker
    assert not any(w.is_alive() for w in it._workers)


class Unpicklable(Dataset):
    def __len__(self):
        return 2

    def __getitem__(self, i):
        return lambda: i


def test_batch_that_cannot_cross_processes_is_reported():
    with pytest.raises(Exception, match="Caught .* in DataLoader worker process 0"):
        list(DataLoader(Unpicklable(), num_workers=1, batch_size=None))


def test_workers_stop_after_the_pass_and_on_early_exit():
    it = iter(DataLoader(TensorDataset(fastgrad.arange(6)), num_workers=2))
    workers = list(it._workers)
    assert len(list(it)) == 6
    assert not any(w.is_alive() for w in workers)
    it = iter(DataLoader(TensorDataset(fastgrad.arange(6)), num_workers=2))
    next(it)
    workers = list(it._workers)
    it._shutdown_workers()
    assert not any(w.is_alive() for w in workers)


def test_argument_checks_match_torch():
    ds = TensorDataset(fastgrad.arange(4))
    with pytest.raises(ValueError, match="persistent_workers option needs num_workers > 0"):
        DataLoader(ds, persistent_workers=True)
    with pytest.raises(ValueError, match="multiprocessing_context can only be used with multi-process loading"):
        DataLoader(ds, multiprocessing_context="fork")
    assert DataLoader(ds, num_workers=2).prefetch_factor == 2 and DataLoader(ds).prefetch_factor is None
    loader = DataLoader(ds, batch_size=2)
    with pytest.raises(ValueError, match="batch_size attribute should not be set after DataLoader is initialized"):
        loader.batch_size = 3
    with pytest.warns(UserWarning, match="'pin_memory' argument is set as true but no accelerator is found"):
        assert [b[0].tolist() for b in DataLoader(ds, batch_size=2, pin_memory=True)] == [[0, 1], [2, 3]]


@needs_torch
def test_argument_checks_against_torch():
    for kwargs in (dict(persistent_workers=True), dict(multiprocessing_context="fork")):
        for lib in (fastgrad, torch):
            with pytest.raises(ValueError):
                lib.utils.data.DataLoader(lib.utils.data.TensorDataset(lib.arange(4)), **kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.arange(4)), num_workers=1, prefetch_factor=3)
        DataLoader(TensorDataset(fastgrad.arange(4)), num_workers=1, prefetch_factor=3)


def test_spawn_context_works():
    loader = DataLoader(TensorDataset(fastgrad.arange(5)), batch_size=2, num_workers=1,
                        multiprocessing_context="spawn")
    assert [b[0].tolist() for b in loader] == [[0, 1], [2, 3], [4]]


# ---- names where torch has them ----

SUBMODULE_NAMES = {
    "dataloader": ["DataLoader", "default_collate", "default_convert", "get_worker_info", "_DatasetKind"],
    "dataset": ["Dataset", "IterableDataset", "TensorDataset", "StackDataset", "ConcatDataset", "ChainDataset",
                "Subset", "random_split"],
    "sampler": ["Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler", "WeightedRandomSampler",
                "BatchSampler"],
    "_utils.collate": ["default_collate", "default_convert"],
    "_utils.worker": ["get_worker_info", "WorkerInfo"],
}


@needs_torch
@pytest.mark.parametrize("module", sorted(SUBMODULE_NAMES))
def test_submodule_names_where_torch_has_them(module):
    import importlib

    theirs = importlib.import_module(f"torch.utils.data.{module}")
    ours = importlib.import_module(f"fastgrad.utils.data.{module}")
    for name in SUBMODULE_NAMES[module]:
        assert hasattr(theirs, name), name
        assert hasattr(ours, name), f"fastgrad.utils.data.{module}.{name} is missing"


@needs_torch
def test_package_names_where_torch_has_them():
    left_out = {"DFIterDataPipe", "DataChunk", "IterDataPipe", "MapDataPipe", "DistributedSampler",
                "functional_datapipe", "argument_validation", "guaranteed_datapipes_determinism",
                "non_deterministic", "runtime_validation", "runtime_validation_disabled"}
    missing = [n for n in torch.utils.data.__all__ if n not in left_out and not hasattr(fastgrad.utils.data, n)]
    assert not missing


def test_from_imports():
    from fastgrad.utils.data._utils.collate import default_collate
    from fastgrad.utils.data.dataloader import DataLoader as DL
    from fastgrad.utils.data.sampler import WeightedRandomSampler  # noqa: F401

    assert DL is DataLoader and default_collate is fastgrad.utils.data.default_collate


# ---- samplers and datasets new in the package ----


@needs_torch
@pytest.mark.parametrize("replacement,num_samples", [(True, 10), (False, 3)])
def test_weighted_random_sampler_matches_torch(replacement, num_samples):
    weights = [0.1, 0.5, 2.0, 1.0]
    ours = list(fastgrad.utils.data.WeightedRandomSampler(weights, num_samples, replacement, _gen(fastgrad, 3)))
    theirs = list(torch.utils.data.WeightedRandomSampler(weights, num_samples, replacement, _gen(torch, 3)))
    assert ours == theirs and len(ours) == num_samples


@needs_torch
@pytest.mark.parametrize("args", [([[1.0, 2.0]], 2), ([1.0, 2.0], 0), ([1.0, 2.0], 2, 1)])
def test_weighted_random_sampler_errors_match_torch(args):
    with pytest.raises(ValueError) as theirs:
        torch.utils.data.WeightedRandomSampler(*args)
    with pytest.raises(ValueError) as ours:
        fastgrad.utils.data.WeightedRandomSampler(*args)
    assert str(ours.value) == str(theirs.value)


@needs_torch
def test_subset_random_sampler_matches_torch():
    ours = list(fastgrad.utils.data.SubsetRandomSampler([5, 6, 7, 8], generator=_gen(fastgrad, 3)))
    theirs = list(torch.utils.data.SubsetRandomSampler([5, 6, 7, 8], generator=_gen(torch, 3)))
    assert ours == theirs


def test_stack_and_chain_datasets():
    a = TensorDataset(fastgrad.arange(3))
    b = fastgrad.utils.data.StackDataset(a, a)
    assert len(b) == 3 and b[1][0][0].item() == 1
    d = fastgrad.utils.data.StackDataset(x=a, y=a)
    assert set(d[2]) == {"x", "y"}
    with pytest.raises(ValueError, match="Size mismatch between datasets"):
        fastgrad.utils.data.StackDataset(a, TensorDataset(fastgrad.arange(2)))
    chained = _iterable(fastgrad, 0, 2, False) + _iterable(fastgrad, 5, 7, False)
    assert isinstance(chained, fastgrad.utils.data.ChainDataset) and list(chained) == [0, 1, 5, 6]
    assert isinstance(chained, IterableDataset)


def test_default_convert_without_batching():
    out = list(DataLoader([np.ones(2), np.zeros(2)], batch_size=None))
    assert all(isinstance(t, fastgrad.Tensor) for t in out) and out[0].tolist() == [1.0, 1.0]


@needs_torch
def test_generator_drives_shuffle_and_worker_seeds_like_torch():
    def run(lib):
        g = _gen(lib, 17)
        loader = lib.utils.data.DataLoader(WhoLoads(lib, 9), batch_size=2, shuffle=True, num_workers=2,
                                           generator=g)
        return [[_plain(b) for b in loader] for _ in range(2)]

    assert run(fastgrad) == run(torch)


def _failing_collate(batch):
    raise TypeError("cannot collate this")


def test_collate_fn_error_in_worker():
    loader = DataLoader(TensorDataset(fastgrad.arange(4)), batch_size=2, num_workers=1, collate_fn=_failing_collate)
    with pytest.raises(TypeError, match="(?s)Caught TypeError in DataLoader worker process 0.*cannot collate this"):
        list(loader)


@needs_torch
def test_custom_samplers_with_workers_match_torch():
    def run(lib):
        ds = WhoLoads(lib, 10)
        sampler = lib.utils.data.SubsetRandomSampler([9, 1, 4, 7, 3], generator=_gen(lib, 2))
        batches = lib.utils.data.BatchSampler(lib.utils.data.SequentialSampler(range(7)), 3, drop_last=False)
        a = [_plain(b)["i"] for b in lib.utils.data.DataLoader(ds, batch_size=2, sampler=sampler, num_workers=2)]
        b = [_plain(b)["i"] for b in lib.utils.data.DataLoader(ds, batch_sampler=batches, num_workers=2)]
        return a, b

    assert run(fastgrad) == run(torch)


@needs_torch
def test_too_many_workers_warning_matches_torch():
    import os as _os

    n = len(_os.sched_getaffinity(0)) + 1

    def message(lib):
        loader = lib.utils.data.DataLoader(lib.utils.data.TensorDataset(lib.arange(3)), num_workers=n)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            list(loader)
        return [str(w.message) for w in caught if "worker processes in total" in str(w.message)]

    ours, theirs = message(fastgrad), message(torch)
    assert ours == theirs and len(ours) == 1
