"""Parent side: runs case indices in child processes, isolating crashes and hangs, and collects results."""

from __future__ import annotations

import json
import os
import queue
import select
import subprocess
import sys
import threading
import time
from pathlib import Path

from .worker import MEMORY_LIMIT, under_asan

ROOT = Path(__file__).resolve().parents[3]  # the repository (tests/python/fuzz/ -> repo)


class Child:
    def __init__(self):
        env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONFAULTHANDLER="0")
        env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
        if under_asan(env):  # the child cannot use RLIMIT_DATA there (worker._limit_memory): ASan's cap instead
            env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + f":max_allocation_size_mb={MEMORY_LIMIT >> 20}"
        self.p = subprocess.Popen([sys.executable, "-u", "-m", "tests.python.fuzz.worker"], cwd=str(ROOT),
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                  env=env, text=True, bufsize=1)
        self.buf = ""

    def send(self, line):
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()

    def readline(self, timeout):
        """A line, or None at EOF, or 'TIMEOUT'."""
        deadline = time.monotonic() + timeout
        fd = self.p.stdout.fileno()
        while "\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                return "TIMEOUT"
            r, _, _ = select.select([fd], [], [], left)
            if not r:
                continue
            chunk = os.read(fd, 65536).decode("utf-8", "replace")
            if not chunk:
                return None
            self.buf += chunk
        line, self.buf = self.buf.split("\n", 1)
        return line

    def kill(self):
        try:
            self.p.kill()
        except OSError:
            pass
        self.p.wait()

    def close(self):
        try:
            self.send("Q")
            self.p.stdin.close()
            self.p.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            self.kill()


def _run_batch(child_box, seed, start, stop, timeout, records, startup_timeout):
    """Runs [start, stop) on the child in child_box[0] (restarting it after a crash); appends records."""
    i = start
    while i < stop:
        if child_box[0] is None:
            child_box[0] = Child()
            first = True
        else:
            first = False
        ch = child_box[0]
        ch.send(f"B {seed} {i} {stop}")
        current = None
        while True:
            line = ch.readline(startup_timeout if (first and current is None) else timeout)
            if line is None or line == "TIMEOUT":
                if line == "TIMEOUT":
                    ch.kill()
                    why = f"timeout after {timeout:.0f}s"
                else:
                    ch.p.wait()
                    why = f"child died (exit status {ch.p.returncode})"
                child_box[0] = None
                if current is None:  # died before starting a case: count the next one
                    current = i
                records.append({"i": current, "outcome": "crash", "detail": why})
                i = current + 1
                break
            if line.startswith("S "):
                current = int(line[2:])
            elif line.startswith("R "):
                records.append(json.loads(line[2:]))
                current = None
            elif line == "E":
                i = stop
                break


def run(seed=0, calls=20000, workers=2, batch=500, timeout=60.0, start=0, progress=None):
    """Runs cases start..start+calls; returns the list of records (one per case)."""
    jobs: queue.Queue = queue.Queue()
    for s in range(start, start + calls, batch):
        jobs.put((s, min(s + batch, start + calls)))
    records: list = []
    lock = threading.Lock()

    def work():
        box = [None]
        local: list = []
        try:
            while True:
                try:
                    s, e = jobs.get_nowait()
                except queue.Empty:
                    break
                _run_batch(box, seed, s, e, timeout, local, startup_timeout=max(timeout, 120.0))
                if progress:
                    with lock:
                        progress(len(records) + len(local))
        finally:
            if box[0] is not None:
                box[0].close()
            with lock:
                records.extend(local)

    threads = [threading.Thread(target=work) for _ in range(max(1, workers))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    records.sort(key=lambda r: r["i"])
    # crashes: attach the op and reproducer (regenerated here: the child could not send them)
    from .gen import make_case

    for r in records:
        if r["outcome"] == "crash":
            c = make_case(seed, r["i"])
            r["op"], r["code"] = c.op, c.code
    return records
