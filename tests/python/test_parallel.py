"""Intra-op threads and the caching allocator.

Promises checked here: results do not depend on the thread count (bit for bit for elementwise ops and
reductions, within float tolerance for BLAS); the float32 sum of 2^24 ones is exactly 16777216;
set_num_threads/get_num_threads behave like PyTorch's (OMP_NUM_THREADS sets the default); freed storage is
reused and empty_cache() gives it back; several Python threads calling ops with 2 intra-op threads get
exact results. No timing assertions.
"""
import gc
import os
import subprocess
import sys
import threading

import numpy as np
import pytest

import fastgrad

try:
    import torch
except ImportError:  # the torch comparisons skip
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch not installed")

BIG = (1 << 20) + 17  # above the grain, not a multiple of anything


def _run_in_threads(work, n):
    """work(k) in n Python threads at once; returns when all have finished."""
    threads = [threading.Thread(target=work, args=(k,)) for k in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


@pytest.fixture(autouse=True)
def restore_threads():
    saved = fastgrad.get_num_threads()
    yield
    fastgrad.set_num_threads(saved)


def at_threads(fn, counts=(1, 2, 3)):
    """fn() evaluated at each thread count, as NumPy arrays."""
    out = []
    for n in counts:
        fastgrad.set_num_threads(n)
        res = fn()
        out.append([np.array(r.detach().numpy() if hasattr(r, "detach") else r, copy=True) for r in res])
    return out


def assert_same_bits(results):
    first = results[0]
    for other in results[1:]:
        for a, b in zip(first, other):
            assert a.dtype == b.dtype and a.shape == b.shape
            np.testing.assert_array_equal(a, b)


def rand(*shape, seed=0, dtype=np.float32):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


# ---- the knobs ---------------------------------------------------------------------------------------------


def test_set_num_threads_round_trips():
    for n in (1, 2, 3, 1):
        fastgrad.set_num_threads(n)
        assert fastgrad.get_num_threads() == n


@pytest.mark.parametrize("bad", [0, -1, -100])
def test_set_num_threads_refuses_non_positive_like_torch(bad):
    with pytest.raises(RuntimeError, match="set_num_threads expects a positive integer"):
        fastgrad.set_num_threads(bad)
    if torch is not None:
        with pytest.raises(RuntimeError, match="set_num_threads expects a positive integer"):
            torch.set_num_threads(bad)


def test_set_num_threads_refuses_a_float_like_torch():
    with pytest.raises(RuntimeError, match="expects an int, but got float"):
        fastgrad.set_num_threads(1.5)
    if torch is not None:
        with pytest.raises(RuntimeError, match="expects an int, but got float"):
            torch.set_num_threads(1.5)


def _threads_in_fresh_interpreter(env_value):
    env = dict(os.environ)
    env.pop("OMP_NUM_THREADS", None)
    if env_value is not None:
        env["OMP_NUM_THREADS"] = env_value
    out = subprocess.run([sys.executable, "-c", "import fastgrad; print(fastgrad.get_num_threads())"],
                         env=env, capture_output=True, text=True, timeout=120, cwd="/")
    assert out.returncode == 0, out.stderr
    return int(out.stdout.split()[-1])


def test_omp_num_threads_sets_the_default():
    assert _threads_in_fresh_interpreter("3") == 3
    assert _threads_in_fresh_interpreter("1") == 1


def test_default_is_the_hardware_concurrency():
    assert _threads_in_fresh_interpreter(None) == os.cpu_count()


def test_pool_survives_fork():
    src = (
        "import os, fastgrad\n"
        "fastgrad.set_num_threads(2)\n"
        "x = fastgrad.ones(1 << 20)\n"
        "assert (x + x).sum().item() == 2 * (1 << 20)\n"  # the parent's pool exists now
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    ok = (x * 3).sum().item() == 3 * (1 << 20)\n"
        "    os._exit(0 if ok else 1)\n"
        "_, status = os.waitpid(pid, 0)\n"
        "print(os.waitstatus_to_exitcode(status))\n"
    )
    if not hasattr(os, "fork"):
        pytest.skip("no fork")
    out = subprocess.run([sys.executable, "-c", src], capture_output=True, text=True, timeout=120, cwd="/")
    assert out.returncode == 0, out.stderr
    assert out.stdout.split()[-1] == "0"


# ---- results do not depend on the thread count -------------------------------------------------------------


def test_elementwise_ops_are_identical_across_thread_counts():
    an, bn = rand(BIG, seed=1), rand(BIG, seed=2)
    a, b = fastgrad.tensor(an), fastgrad.tensor(bn)
    results = at_threads(lambda: [a + b, a * b, a.exp(), a.relu(), a.tanh(), a.sigmoid(),
                                  a.to(fastgrad.float64), (a > b), fastgrad.where(a > 0, a, b)])
    assert_same_bits(results)
    r = results[0]
    np.testing.assert_array_equal(r[0], an + bn)
    np.testing.assert_array_equal(r[1], an * bn)
    np.testing.assert_allclose(r[2], np.exp(an), rtol=1e-6)
    np.testing.assert_array_equal(r[3], np.maximum(an, 0))
    np.testing.assert_array_equal(r[6], an.astype(np.float64))
    np.testing.assert_array_equal(r[7], an > bn)
    np.testing.assert_array_equal(r[8], np.where(an > 0, an, bn))


def test_broadcast_and_strided_ops_are_identical_across_thread_counts():
    mn, rn, cn = rand(1031, 1029, seed=3), rand(1029, seed=4), rand(1031, 1, seed=5)
    m, row, col = fastgrad.tensor(mn), fastgrad.tensor(rn), fastgrad.tensor(cn)
    results = at_threads(lambda: [m + row, m * col, col + row, m.t() - row.unsqueeze(1), m.t().contiguous(),
                                  m[::2, 1::3] * 2.0])
    assert_same_bits(results)
    r = results[0]
    np.testing.assert_array_equal(r[0], mn + rn)
    np.testing.assert_array_equal(r[1], mn * cn)
    np.testing.assert_array_equal(r[2], cn + rn)
    np.testing.assert_array_equal(r[3], mn.T - rn[:, None])
    np.testing.assert_array_equal(r[4], mn.T)
    np.testing.assert_array_equal(r[5], mn[::2, 1::3] * np.float32(2.0))


def test_fill_and_copy_are_identical_across_thread_counts():
    results = at_threads(lambda: [fastgrad.full((BIG,), 2.5), fastgrad.zeros(BIG, dtype=fastgrad.int64),
                                  fastgrad.ones(3, BIG // 3).t().clone()])
    assert_same_bits(results)
    assert (results[0][0] == 2.5).all() and (results[0][1] == 0).all() and (results[0][2] == 1).all()


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
def test_reductions_are_identical_across_thread_counts(dtype):
    xn = (rand(3, 700_001, seed=6) * 10).astype(dtype)
    x = fastgrad.tensor(xn)
    ops = lambda: [x.sum(), x.sum(1), x.sum(0), x[1].sum(), x.sum(dim=1, keepdim=True)] + (
        [x.mean(), x.mean(1), x.norm()] if dtype != np.int64 else [])
    results = at_threads(ops)
    assert_same_bits(results)
    r = results[0]
    x64 = xn.astype(np.float64)
    tol = dict(rtol=1e-5, atol=1e-2) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-6)
    np.testing.assert_allclose(r[0], x64.sum(), **tol)
    np.testing.assert_allclose(r[1], x64.sum(1), **tol)
    np.testing.assert_allclose(r[2], x64.sum(0), **tol)
    np.testing.assert_allclose(r[3], x64[1].sum(), **tol)
    if dtype != np.int64:
        np.testing.assert_allclose(r[5], x64.mean(), **tol)
        np.testing.assert_allclose(r[7], np.sqrt((x64 ** 2).sum()), rtol=1e-5)


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_float32_sum_of_2_pow_24_ones_is_exact(threads):
    fastgrad.set_num_threads(threads)
    s = fastgrad.ones(1 << 24).sum()
    assert s.dtype == fastgrad.float32
    assert s.item() == 16777216.0
    assert fastgrad.ones(1 << 24).mean().item() == 1.0
    assert fastgrad.ones(4, 1 << 22).sum(1).tolist() == [4194304.0] * 4


def test_matmul_agrees_across_thread_counts():
    an, bn = rand(513, 700, seed=7), rand(700, 301, seed=8)
    a, b = fastgrad.tensor(an), fastgrad.tensor(bn)
    results = at_threads(lambda: [a @ b])
    for r in results:
        np.testing.assert_allclose(r[0], an.astype(np.float64) @ bn, rtol=1e-4, atol=1e-3)


def _mlp_grads(lib, batch=256):
    r = np.random.default_rng(3)
    x = lib.tensor(r.standard_normal((batch, 784)).astype(np.float32))
    target = lib.tensor(r.integers(0, 10, batch).astype(np.int64))
    w1 = lib.tensor((r.standard_normal((784, 256)) * 0.05).astype(np.float32), requires_grad=True)
    b1 = lib.tensor(np.zeros(256, np.float32), requires_grad=True)
    w2 = lib.tensor((r.standard_normal((256, 10)) * 0.05).astype(np.float32), requires_grad=True)
    b2 = lib.tensor(np.zeros(10, np.float32), requires_grad=True)
    loss = lib.nn.functional.cross_entropy((x @ w1 + b1).relu() @ w2 + b2, target)
    loss.backward()
    return [loss, w1.grad, b1.grad, w2.grad, b2.grad]


def test_mlp_backward_agrees_across_thread_counts():
    results = at_threads(lambda: _mlp_grads(fastgrad))
    for r in results[1:]:
        for a, b in zip(results[0], r):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)


@needs_torch
@pytest.mark.parametrize("threads", [1, 2])
def test_mlp_backward_matches_torch(threads):
    fastgrad.set_num_threads(threads)
    saved = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        ours = [np.array(t.detach().numpy()) for t in _mlp_grads(fastgrad)]
        theirs = [t.detach().numpy() for t in _mlp_grads(torch)]
    finally:
        torch.set_num_threads(saved)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def test_errors_inside_threaded_kernels_reach_the_caller():
    fastgrad.set_num_threads(2)
    x = fastgrad.arange(0, 1 << 20)
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        fastgrad.div(x, fastgrad.zeros_like(x), rounding_mode="floor")
    assert (x + x).sum().item() == (1 << 20) * ((1 << 20) - 1)  # the pool still works


# ---- several Python threads, two intra-op threads ----------------------------------------------------------


def test_concurrent_ops_from_python_threads_are_exact():
    fastgrad.set_num_threads(2)
    inputs = [rand(BIG, seed=10 + k) for k in range(8)]
    expected = [(x * 2 + 1, np.float32(x.astype(np.float64).sum())) for x in inputs]
    reference = []
    for x in inputs:  # what one thread computes: the concurrent runs must match it bit for bit
        t = fastgrad.tensor(x)
        reference.append(((t * 2 + 1).numpy().copy(), t.sum().item()))
    errors = []

    def work(k):
        try:
            t = fastgrad.tensor(inputs[k])
            for _ in range(10):
                y, s = t * 2 + 1, t.sum().item()
                if not np.array_equal(y.numpy(), reference[k][0]) or s != reference[k][1]:
                    errors.append(f"thread {k}: wrong result")
                    return
        except BaseException as e:  # surface worker failures in the main thread
            errors.append(e)

    _run_in_threads(work, 8)
    assert errors == []
    for (y, s), (ey, es) in zip(reference, expected):
        np.testing.assert_array_equal(y, ey)
        assert s == pytest.approx(float(es), rel=1e-5)


def test_concurrent_backward_from_python_threads_with_two_intra_op_threads():
    fastgrad.set_num_threads(2)
    x = fastgrad.zeros(1 << 18, requires_grad=True)
    rounds, errors = 20, []

    def work(k):
        try:
            for _ in range(rounds):
                (x * float(k)).sum().backward()
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(1, 9)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert (x.grad.numpy() == rounds * sum(range(1, 9))).all()


# ---- the caching allocator ---------------------------------------------------------------------------------


def _rss():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return None


def test_freed_storage_is_reused():
    fastgrad.empty_cache()
    before = fastgrad._C._allocator_stats()
    for _ in range(20):
        t = fastgrad.empty(1 << 21)  # 8 MB
        del t
    after = fastgrad._C._allocator_stats()
    assert after["allocations"] - before["allocations"] == 20
    assert after["cache_hits"] - before["cache_hits"] >= 19
    assert after["allocated_bytes"] == before["allocated_bytes"]  # nothing leaked
    assert after["cached_bytes"] >= 8 << 20


def test_empty_cache_gives_memory_back_and_may_be_called_again():
    ts = [fastgrad.ones(1 << 20) for _ in range(16)]  # 64 MB
    del ts
    assert fastgrad._C._allocator_stats()["cached_bytes"] >= 64 << 20
    fastgrad.empty_cache()
    assert fastgrad._C._allocator_stats()["cached_bytes"] == 0
    fastgrad.empty_cache()
    fastgrad.empty_cache()
    assert fastgrad._C._allocator_stats()["cached_bytes"] == 0
    assert fastgrad.ones(1 << 20).sum().item() == 1 << 20  # still allocates


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="needs /proc")
def test_allocation_loops_do_not_grow_rss():
    x = fastgrad.ones(1 << 22)  # 16 MB
    for _ in range(5):
        y = x + 1
    del y
    base = _rss()
    for k in range(200):
        y = x * float(k)  # a fresh 16 MB output each time
        z = y.sum()
        del y, z
    assert _rss() - base < 64 << 20


def test_cache_is_capped():
    limit = fastgrad._C._allocator_stats()["cache_limit"]
    try:
        fastgrad._C._set_cache_limit(16 << 20)
        ts = [fastgrad.empty(1 << 20) for _ in range(10)]  # 10 x 4 MB
        del ts
        assert fastgrad._C._allocator_stats()["cached_bytes"] <= 16 << 20
    finally:
        fastgrad._C._set_cache_limit(limit)


def test_allocator_is_thread_safe():
    # Garbage left in reference cycles by earlier tests (an exception's traceback holding tensors) is collected
    # first: collected during the threads' allocations, it would lower the count below `before`.
    gc.collect()
    fastgrad.empty_cache()
    before = fastgrad._C._allocator_stats()["allocated_bytes"]
    errors = []

    def work(k):
        try:
            for i in range(200):
                t = fastgrad.full((1000 + 37 * k + i,), float(k))
                if t.sum().item() != float(k) * t.numel():
                    errors.append(k)
        except BaseException as e:
            errors.append(e)

    _run_in_threads(work, 8)
    assert errors == []
    assert fastgrad._C._allocator_stats()["allocated_bytes"] == before


# ---- matrix products split across the pool (Note [BLAS threads] in cpp/src/cpu/blas.cpp) -------------------


@pytest.mark.parametrize("m,k,n", [(1000, 300, 17), (17, 300, 1000), (200, 64, 333), (64, 784, 256)])
@pytest.mark.parametrize("ta,tb", [(False, False), (True, False), (False, True), (True, True)])
def test_split_matrix_products_agree_with_numpy_at_every_thread_count(m, k, n, ta, tb):
    r = np.random.default_rng(m + n)
    an = r.standard_normal((m, k)).astype(np.float32)
    bn = r.standard_normal((k, n)).astype(np.float32)
    a = fastgrad.tensor(an.T.copy()).t() if ta else fastgrad.tensor(an)  # transposed layouts reach BLAS as such
    b = fastgrad.tensor(bn.T.copy()).t() if tb else fastgrad.tensor(bn)
    want = an.astype(np.float64) @ bn.astype(np.float64)
    for got in at_threads(lambda: [a @ b, fastgrad.addmm(fastgrad.ones(m, n), a, b, beta=0.5, alpha=2.0)]):
        np.testing.assert_allclose(got[0], want, rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(got[1], 0.5 + 2.0 * want, rtol=1e-4, atol=1e-3)


def test_batched_small_products_are_exact_across_thread_counts():
    # many small matrices split over the batch: each product is one BLAS call whichever thread makes it
    r = np.random.default_rng(7)
    a = fastgrad.tensor(r.standard_normal((256, 32, 16)).astype(np.float32), requires_grad=True)
    b = fastgrad.tensor(r.standard_normal((256, 16, 32)).astype(np.float32), requires_grad=True)

    def run():
        a.grad = b.grad = None
        y = fastgrad.bmm(a, b)
        (y * y).sum().backward()
        return [y, a.grad, b.grad]

    assert_same_bits(at_threads(run))
    want = np.matmul(a.detach().numpy().astype(np.float64), b.detach().numpy().astype(np.float64))
    np.testing.assert_allclose(run()[0].detach().numpy(), want, rtol=1e-4, atol=1e-4)
