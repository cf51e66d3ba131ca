"""fastgrad.multiprocessing: Python's multiprocessing with PyTorch's additions (torch.multiprocessing).

Everything of the standard module is here (Process, Queue, Pool, get_context, set_start_method, ...); tensors
cross process boundaries by pickling (their values are copied, not shared: fastgrad has no shared-memory
storages, docs/differences.md). Added as in PyTorch: the sharing-strategy switches (recorded only) and
``spawn(fn, args, nprocs, join, daemon, start_method)``, which runs ``fn(i, *args)`` in ``nprocs`` processes and
re-raises a failure of any of them in the parent as ``ProcessRaisedException`` / ``ProcessExitedException``.
"""

import multiprocessing as _mp
import signal as _signal
import traceback as _traceback
from multiprocessing import *  # noqa: F401,F403

__all__ = [n for n in dir(_mp) if not n.startswith("_")] + [
    "get_all_sharing_strategies", "get_sharing_strategy", "set_sharing_strategy", "spawn", "start_processes",
    "ProcessContext", "ProcessException", "ProcessRaisedException", "ProcessExitedException",
]

_STRATEGIES = {"file_descriptor", "file_system"}
_strategy = "file_descriptor"


def get_all_sharing_strategies():
    """The sharing strategies PyTorch offers on Linux."""
    return set(_STRATEGIES)


def get_sharing_strategy():
    """The strategy set by set_sharing_strategy (default "file_descriptor")."""
    return _strategy


def set_sharing_strategy(new_strategy):
    """Records the strategy (fastgrad copies tensors between processes whatever it is)."""
    global _strategy
    if new_strategy not in _STRATEGIES:
        raise AssertionError(f"invalid sharing strategy {new_strategy!r}")
    _strategy = new_strategy


class ProcessException(Exception):
    """A process started by spawn() failed."""

    def __init__(self, msg, error_index, pid):
        super().__init__(msg)
        self.msg = msg
        self.error_index = error_index
        self.pid = pid

    def __reduce__(self):
        return type(self), (self.msg, self.error_index, self.pid)


class ProcessRaisedException(ProcessException):
    """A process started by spawn() raised; the message holds its traceback."""


class ProcessExitedException(ProcessException):
    """A process started by spawn() exited with a non-zero code or a signal."""

    def __init__(self, msg, error_index, error_pid, exit_code, signal_name=None):
        super().__init__(msg, error_index, error_pid)
        self.exit_code = exit_code
        self.signal_name = signal_name

    def __reduce__(self):
        return type(self), (self.msg, self.error_index, self.pid, self.exit_code, self.signal_name)


def _wrap(fn, i, args, error_queue):
    try:
        fn(i, *args)
    except KeyboardInterrupt:
        pass
    except Exception:  # noqa: BLE001 - any failure goes to the parent
        error_queue.put(_traceback.format_exc())
        raise SystemExit(1)


class ProcessContext:
    """The processes of one spawn(); join() waits for them and raises the first failure."""

    def __init__(self, processes, error_queues):
        self.processes = processes
        self.error_queues = error_queues

    def pids(self):
        return [p.pid for p in self.processes]

    def join(self, timeout=None):
        """True when every process has finished; raises (after terminating the others) if one failed."""
        if all(not p.is_alive() for p in self.processes) and all(p.exitcode == 0 for p in self.processes):
            return True
        for i, p in enumerate(self.processes):
            p.join(timeout)
            if p.exitcode not in (None, 0):
                self._fail(i)
        return all(p.exitcode is not None for p in self.processes)

    def _fail(self, index):
        for p in self.processes:
            if p.is_alive():
                p.terminate()
            p.join()
        p = self.processes[index]
        queue = self.error_queues[index]
        if not queue.empty():
            tb = queue.get()
            msg = f"\n\n-- Process {index} terminated with the following error:\n{tb}"
            raise ProcessRaisedException(msg, index, p.pid)
        code = p.exitcode
        if code < 0:
            name = _signal.Signals(-code).name
            raise ProcessExitedException(f"process {index} terminated with signal {name}", index, p.pid, code, name)
        raise ProcessExitedException(f"process {index} terminated with exit code {code}", index, p.pid, code)


def start_processes(fn, args=(), nprocs=1, join=True, daemon=False, start_method="spawn"):
    """Runs fn(i, *args) for i in range(nprocs), each in its own process (see spawn)."""
    ctx = _mp.get_context(start_method)
    processes, queues = [], []
    for i in range(nprocs):
        q = ctx.SimpleQueue()
        p = ctx.Process(target=_wrap, args=(fn, i, args, q), daemon=daemon)
        p.start()
        processes.append(p)
        queues.append(q)
    context = ProcessContext(processes, queues)
    if not join:
        return context
    while not context.join():
        pass
    return None


def spawn(fn, args=(), nprocs=1, join=True, daemon=False, start_method="spawn"):
    """Runs ``fn(i, *args)`` for ``i in range(nprocs)`` in new processes (``start_method``, "spawn" by default,
    so ``fn`` must be importable). With ``join`` waits for all and re-raises the first failure in the parent
    (``ProcessRaisedException`` with the child's traceback, or ``ProcessExitedException``); otherwise returns the
    ``ProcessContext``."""
    return start_processes(fn, args, nprocs, join, daemon, start_method)
