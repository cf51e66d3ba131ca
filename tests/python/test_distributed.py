"""fastgrad.distributed and DistributedDataParallel: runs tests/distributed under `mpirun -n 2` and
`mpirun -n 3 --oversubscribe` (each process runs the same tests; see tests/distributed/conftest.py), and in
one process without a launcher; a process that raises ends the job instead of hanging it;
DistributedSampler's order against PyTorch's; the module without MPI."""

import importlib.util
import itertools
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

import fastgrad as torch
import fastgrad.distributed as dist
from fastgrad.utils.data import DistributedSampler

ROOT = Path(__file__).resolve().parents[2]
HAVE_MPI = importlib.util.find_spec("mpi4py") is not None
MPIRUN = shutil.which("mpirun") or shutil.which("mpirun", path=str(Path(sys.executable).parent))
needs_mpi = pytest.mark.skipif(
    not (HAVE_MPI and MPIRUN), reason="needs mpi4py and mpirun (fastgrad[distributed])"
)


def _env():
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONUNBUFFERED="1")
    env.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")  # containers run as root
    env["OMPI_MCA_mpi_yield_when_idle"] = "1"  # oversubscribed: waiting ranks yield the core
    return env


def _run(cmd, timeout):
    t0 = time.monotonic()
    try:
        p = subprocess.run(cmd, cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"{' '.join(cmd)} did not finish in {timeout} s (a hang):\n{(e.stdout or '')[-3000:]}")
    return p, time.monotonic() - t0


@needs_mpi
@pytest.mark.parametrize("n", [2, 3])
def test_collectives_and_ddp_under_mpirun(n):
    cmd = [MPIRUN, "-n", str(n)] + (["--oversubscribe"] if n > (os.cpu_count() or 1) else [])
    cmd += [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--color=no", "tests/distributed"]
    p, _ = _run(cmd, 600)
    out = p.stdout + p.stderr
    assert p.returncode == 0, out[-6000:]
    assert out.count(" passed") == n and "failed" not in out, out[-3000:]


@needs_mpi
def test_one_process_without_a_launcher():
    p, _ = _run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--color=no", "tests/distributed"],
        600,
    )
    assert p.returncode == 0, (p.stdout + p.stderr)[-6000:]


@needs_mpi
def test_a_rank_that_raises_ends_the_job():
    script = (
        "import fastgrad as torch, fastgrad.distributed as dist\n"
        "dist.init_process_group('mpi')\n"
        "if dist.get_rank() == 1:\n"
        "    raise ZeroDivisionError('rank 1 failed on purpose')\n"
        "t = torch.ones(3)\n"
        "dist.all_reduce(t)   # rank 0 waits here for a peer that is gone\n"
        "print('unreachable', t)\n"
    )
    p, took = _run([MPIRUN, "-n", "2", sys.executable, "-c", script], 120)
    out = p.stdout + p.stderr
    assert p.returncode != 0 and "rank 1 failed on purpose" in out and "unreachable" not in out, out[-3000:]
    assert took < 100


@pytest.mark.parametrize(
    "n,replicas,shuffle,drop_last,seed,epoch",
    list(itertools.product([1, 5, 7, 16, 33], [1, 2, 3, 4], [True, False], [True, False], [0, 7], [0, 3])),
)
def test_distributed_sampler_order_matches_pytorch(n, replicas, shuffle, drop_last, seed, epoch):
    tud = pytest.importorskip("torch.utils.data")
    ds = list(range(n))
    for rank in range(replicas):
        ours = DistributedSampler(ds, replicas, rank, shuffle=shuffle, seed=seed, drop_last=drop_last)
        theirs = tud.DistributedSampler(ds, replicas, rank, shuffle=shuffle, seed=seed, drop_last=drop_last)
        ours.set_epoch(epoch)
        theirs.set_epoch(epoch)
        assert list(ours) == list(theirs) and len(ours) == len(theirs)


def test_distributed_sampler_errors():
    with pytest.raises(ValueError, match=r"Invalid rank 2, rank should be in the interval \[0, 1\]"):
        DistributedSampler(list(range(4)), num_replicas=2, rank=2)
    with pytest.raises(ValueError, match="Invalid rank -1"):
        DistributedSampler(list(range(4)), num_replicas=2, rank=-1)
    assert torch.utils.data.distributed.DistributedSampler is DistributedSampler


def test_without_mpi4py(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "mpi4py" else real(name, *a)
    )
    assert dist.is_available() is False
    with pytest.raises(RuntimeError, match=r'pip install "fastgrad\[distributed\]"'):
        dist.init_process_group("mpi")


def test_not_initialized_and_bad_backend():
    if dist.is_initialized():
        pytest.skip("a process group is initialised in this process")
    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        dist.get_rank()
    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        dist.all_reduce(torch.ones(1))
    with pytest.raises(ValueError, match="backend 'nccl' is not available"):
        dist.init_process_group("nccl")
    assert torch.distributed is dist and torch.nn.parallel.DistributedDataParallel is not None


@needs_mpi
def test_ddp_digits_example_trains_on_two_processes():
    pytest.importorskip("sklearn")
    p, _ = _run([MPIRUN, "-n", "2", sys.executable, "examples/ddp_digits.py", "--epochs", "10"], 600)
    out = p.stdout + p.stderr
    assert p.returncode == 0, out[-3000:]
    assert "2 process(es), 719 training images each" in out
    accuracy = float(out.split("test accuracy ")[1].split()[0])
    assert accuracy >= 0.9, out
