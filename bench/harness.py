"""Timing primitives: what a workload hands back for one library, and the interleaved measurement loop.

A workload gives, per library, a *Bench*:

* `Stmt(stmt, globals)`: timeit-style; the statement is compiled into timeit's own `for` loop, so a tiny op
  such as `a + b` pays no Python function call on top of its own cost (the loop adds ~10 ns per iteration,
  the same for every library, and is not subtracted).
* `Call(fn)`: `fn()` in the same loop, for bodies that are whole Python functions (a training step).
* `Prepared(prepare, run, group)`: `ctx = prepare(k)` untimed, then `run(ctx)` timed, then `ctx` dropped
  untimed, in groups of k <= `group` calls. This isolates one phase, e.g. backward() over graphs built
  just before the clock starts.
* `Metric(measure, unit)`: no loop; `measure()` returns one value per repeat (a subprocess probe: import
  time, RSS, bytes per node).

`measure_interleaved` calibrates each timed bench so that one chunk (`number` calls) takes ~`chunk_s`, then
runs the repeats with the libraries alternating (rotated order per repeat), so slow drifts of a shared machine
hit every library alike. The garbage collector is off while a chunk runs, as in timeit.
"""
import gc
import statistics
import time
import timeit


class Unsupported(Exception):
    """The library lacks something the workload needs (reported as "unsupported", not as a failure)."""


class Stmt:
    kind = "time"

    def __init__(self, stmt, globals_):
        self._timer = timeit.Timer(stmt, globals=dict(globals_))

    def time(self, number):
        return self._timer.timeit(number)


class Call(Stmt):
    def __init__(self, fn):
        super().__init__("_fn()", {"_fn": fn})


class Prepared:
    """`prepare(k)` builds the inputs of k calls (untimed), `run(ctx)` is timed, `ctx` is dropped untimed.

    A chunk of `number` calls goes in groups of at most `group`, each prepared right before it is run, so
    the prepared objects are as cache-warm as in real use (built a moment ago) rather than thousands of
    them built up front and visited cold. The chunk time is the sum of the groups' timed parts.
    """

    kind = "time"

    def __init__(self, prepare, run, group=16):
        self._prepare = prepare
        self._run = run
        self._group = max(1, int(group))

    def time(self, number):
        total = 0.0
        left = number
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            while left > 0:
                k = min(self._group, left)
                ctx = self._prepare(k)
                t0 = time.perf_counter()
                self._run(ctx)
                total += time.perf_counter() - t0
                del ctx
                left -= k
        finally:
            if gc_was_enabled:
                gc.enable()
        return total


class Metric:
    kind = "metric"

    def __init__(self, measure, unit):
        self.measure = measure
        self.unit = unit


def calibrate(bench, chunk_s, max_number=10_000_000):
    """Smallest `number` (1, 2, 5, 10, 20, ...-ish growth) whose chunk takes at least `chunk_s`.

    Returns (number, seconds of the last chunk). The calibration runs double as warm-up.
    """
    number = 1
    while True:
        t = bench.time(number)
        if t >= chunk_s or number >= max_number:
            return number, t
        if t <= 0:
            number *= 10
            continue
        # aim a little above the target, grow at most 10x per step
        number = min(max_number, max(number + 1, min(number * 10, int(number * chunk_s * 1.2 / t) + 1)))


def summarize(samples):
    s = sorted(samples)
    n = len(s)
    q = statistics.quantiles(s, n=4) if n >= 2 else [s[0]] * 3
    return {
        "median": statistics.median(s),
        "min": s[0],
        "max": s[-1],
        "q1": q[0],
        "q3": q[2],
        "repeats": n,
        "samples": s,
    }


def measure_interleaved(benches, *, repeats, min_repeats, chunk_s, budget_s, log=None, wake=False, settle_s=0.0):
    """benches: {lib: Bench}. Returns {lib: summary dict (+ "number" for timed benches)}.

    Timed benches: each lib is calibrated on its own, then each repeat runs one chunk of every lib, the
    order rotating by one per repeat. The repeat count is `repeats`, lowered towards `min_repeats` if one
    round would blow `budget_s`. Per-call time = chunk time / number.

    `wake` (the multi-thread rows): each timed chunk is preceded by one untimed call of the same library, so
    that its worker threads are running when the chunk starts. Without it a chunk pays for waking threads that
    went to sleep while the other library ran (on a virtual machine, up to a millisecond for an idle vCPU),
    and the library that sleeps sooner (fastgrad: after 50 us; PyTorch's OpenMP threads spin for
    milliseconds) is charged for the interleaving, not for its kernels.

    `settle_s` (the multi-thread rows): a pause before each timed chunk (before the wake call), so that the
    library that ran last has stopped using the cores. PyTorch's OpenMP workers keep spinning for ~8 ms after
    its last parallel region (measured: 0.8 of a core over the next 5 ms, 0.08 over 100 ms); without the
    pause the next library's chunk starts with one of the two cores taken.
    """
    libs = list(benches)
    numbers = {}
    round_s = 0.0
    for lib in libs:
        b = benches[lib]
        if b.kind == "time":
            numbers[lib], t = calibrate(b, chunk_s)
            round_s += t
        else:
            t0 = time.perf_counter()
            b.measure()  # warm-up (caches the interpreter and the library files on disk)
            round_s += time.perf_counter() - t0
    if round_s > 0:
        n_rep = max(min_repeats, min(repeats, int(budget_s / round_s)))
    else:
        n_rep = repeats
    samples = {lib: [] for lib in libs}
    for r in range(n_rep):
        k = r % len(libs)
        for lib in libs[k:] + libs[:k]:
            b = benches[lib]
            if b.kind == "time":
                if settle_s > 0:
                    time.sleep(settle_s)
                if wake:
                    b.time(1)
                samples[lib].append(b.time(numbers[lib]) / numbers[lib])
            else:
                samples[lib].append(b.measure())
    out = {}
    for lib in libs:
        out[lib] = summarize(samples[lib])
        if lib in numbers:
            out[lib]["number"] = numbers[lib]
    return out
