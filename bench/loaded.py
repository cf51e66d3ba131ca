"""The loaded-machine check: a 2-thread training step must not be slower than the same step at 1 thread when
every core is busy.

    python -m bench.loaded                     # fastgrad: MLP b64/b512 and transformer block steps
    python -m bench.loaded --torch             # the same for torch, for comparison
    python -m bench.loaded --no-load           # without the busy loops (the idle-machine speed-up)
    python -m bench.loaded --models mlp64,transformer --repeats 21

Starts one busy-loop process per core (`os.cpu_count()`, or `--busy N`), then times each model's step at 1
and at 2 threads, interleaved (the order alternates per repeat, so the busy loops and any other load hit
both settings alike), and prints the medians and t2/t1. The busy loops are killed by their own PIDs on
exit (also on Ctrl-C). A row passes when its 2-thread median is at most its 1-thread median (+5% for
noise); the exit status is 1 if a row failed. See bench/README.md, "Loaded machine".
"""
from __future__ import annotations

import argparse
import gc
import os
import signal
import statistics
import subprocess
import sys
import time

if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

BUSY = "while True:\n    pass\n"
NOISE = 1.05


def start_busy(n):
    procs = [subprocess.Popen([sys.executable, "-c", BUSY]) for _ in range(n)]
    time.sleep(0.3)  # let them reach their loops
    return procs


def stop_busy(procs):
    for p in procs:
        if p.poll() is None:
            os.kill(p.pid, signal.SIGKILL)
    for p in procs:
        p.wait()


def _chunk(step, number):
    gc.disable()
    try:
        t0 = time.perf_counter()
        for _ in range(number):
            step()
        return (time.perf_counter() - t0) / number
    finally:
        gc.enable()


def measure(lib, step, repeats, chunk_s):
    """Medians of the per-step time at 1 and 2 threads, interleaved."""
    lib.set_num_threads(1)
    step()
    number, t = 1, 0.0
    while True:  # calibrate at 1 thread
        t = _chunk(step, number) * number
        if t >= chunk_s or number >= 1 << 16:
            break
        number *= 2
    samples = {1: [], 2: []}
    for r in range(repeats):
        for n in ((1, 2) if r % 2 == 0 else (2, 1)):
            lib.set_num_threads(n)
            step()  # warm the pool / BLAS threads at this setting
            samples[n].append(_chunk(step, number))
    lib.set_num_threads(1)
    return {n: statistics.median(s) for n, s in samples.items()}, number


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default="mlp64,mlp512,transformer", help="comma-separated: mlp64, mlp512, "
                    "transformer, embedding")
    ap.add_argument("--torch", action="store_true", help="also measure torch")
    ap.add_argument("--no-load", action="store_true", help="no busy loops")
    ap.add_argument("--busy", type=int, default=None, help="busy-loop processes (default: one per core)")
    ap.add_argument("--repeats", type=int, default=11)
    ap.add_argument("--chunk", type=float, default=0.1, help="seconds per timed chunk (at 1 thread)")
    args = ap.parse_args(argv)

    import fastgrad

    from bench.model_workloads import model_step

    libs = [("fastgrad", fastgrad)]
    if args.torch:
        import torch

        libs.append(("torch", torch))
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    busy = 0 if args.no_load else (args.busy if args.busy is not None else (os.cpu_count() or 1))

    procs = start_busy(busy)
    failed = False
    try:
        print(f"busy-loop processes: {busy} (pids {' '.join(str(p.pid) for p in procs) or '-'}); "
              f"cores {os.cpu_count()}; load {os.getloadavg()[0]:.2f}")
        print(f"{'model':<12} {'library':<9} {'1 thread':>10} {'2 threads':>10} {'t2/t1':>7}  result")
        for name in models:
            for lib_name, lib in libs:
                step = model_step(lib, name)
                med, number = measure(lib, step, args.repeats, args.chunk)
                ratio = med[2] / med[1]
                ok = ratio <= NOISE
                failed |= not ok and lib_name == "fastgrad"
                print(f"{name:<12} {lib_name:<9} {med[1] * 1e3:8.2f}ms {med[2] * 1e3:8.2f}ms {ratio:7.2f}  "
                      f"{'ok' if ok else 'SLOWER'}", flush=True)
        print(f"load at end {os.getloadavg()[0]:.2f}")
    finally:
        stop_busy(procs)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
