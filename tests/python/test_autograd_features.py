"""Autograd beyond backward(): hooks, custom Functions, the functional API, gradgradcheck, inference mode,
anomaly detection, interruption and threads. PyTorch is the oracle where it is installed."""
import os
import signal
import subprocess
import sys
import threading
import textwrap

import numpy as np
import pytest

import fastgrad


def torch_or_skip():
    return pytest.importorskip("torch")


def both(fn):
    """Runs fn(lib) with fastgrad and with torch; returns both results."""
    torch = torch_or_skip()
    return fn(fastgrad), fn(torch)


def to_list(x):
    if isinstance(x, (tuple, list)):
        return [to_list(v) for v in x]
    if hasattr(x, "detach"):
        return x.detach().numpy().tolist()
    return x


# ---- hooks ----


def hook_log(lib):
    log = []
    x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x.register_hook(lambda g: log.append(("leaf", g.tolist())) or g * 2)
    x.register_post_accumulate_grad_hook(lambda t: log.append(("post_accumulate", t.grad.tolist())))
    y = x * 3
    y.register_hook(lambda g: log.append(("y", g.tolist())))
    y.retain_grad()
    z = y.exp().sum()
    z.grad_fn.register_prehook(lambda go: log.append(("pre", [g.tolist() for g in go])))
    z.grad_fn.register_hook(lambda gi, go: log.append(("post", [g.tolist() for g in gi])))
    z.backward()
    return log, x.grad.tolist(), y.grad.tolist()


def test_hooks_run_in_pytorchs_order_with_the_same_values():
    ours, theirs = both(hook_log)
    assert ours[0] == theirs[0]
    np.testing.assert_allclose(np.array(ours[1]), np.array(theirs[1]), rtol=1e-6)
    np.testing.assert_allclose(np.array(ours[2]), np.array(theirs[2]), rtol=1e-6)


def test_hook_can_replace_the_gradient_and_be_removed():
    x = fastgrad.ones(2, requires_grad=True)
    handle = x.register_hook(lambda g: g * 10)
    (x * 2).sum().backward()
    assert x.grad.tolist() == [20.0, 20.0]
    handle.remove()
    x.grad = None
    (x * 2).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]


def test_hook_on_a_tensor_without_grad_is_refused():
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        fastgrad.ones(2).register_hook(lambda g: g)


def test_hook_changing_the_shape_is_refused():
    x = fastgrad.ones(2, requires_grad=True)
    x.register_hook(lambda g: fastgrad.ones(3))
    with pytest.raises(RuntimeError, match="size"):
        (x * 2).sum().backward()


# ---- custom Functions ----


class MyExp(fastgrad.autograd.Function):
    @staticmethod
    def forward(ctx, a, k):
        r = a.exp() * k
        ctx.save_for_backward(r)
        return r

    @staticmethod
    def backward(ctx, g):
        (r,) = ctx.saved_tensors
        return g * r, None


def test_custom_function_gradients_and_node_name():
    a = fastgrad.tensor([0.5, 1.0], dtype=fastgrad.float64, requires_grad=True)
    out = MyExp.apply(a, 2.0)
    assert type(out.grad_fn).__name__ == "MyExpBackward"
    assert fastgrad.autograd.gradcheck(lambda x: MyExp.apply(x, 2.0), (a,))
    out.sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), 2 * np.exp([0.5, 1.0]))
    with pytest.raises(RuntimeError, match="second time"):
        out.sum().backward()


def test_custom_function_saved_tensor_version_check():
    class Square(fastgrad.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a * a

        @staticmethod
        def backward(ctx, g):
            (a,) = ctx.saved_tensors
            return 2 * a * g

    a = fastgrad.ones(2, requires_grad=True)
    b = a * 1
    out = Square.apply(b)
    b.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.sum().backward()


def test_custom_function_setup_context_and_non_differentiable_outputs():
    class SortLike(fastgrad.autograd.Function):
        @staticmethod
        def forward(a):
            return a * 2, (a > 0)

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.mark_non_differentiable(output[1])

        @staticmethod
        def backward(ctx, g, g_mask):
            return g * 2

    a = fastgrad.tensor([1.0, -1.0], requires_grad=True)
    y, mask = SortLike.apply(a)
    assert not mask.requires_grad and y.requires_grad
    y.sum().backward()
    assert a.grad.tolist() == [2.0, 2.0]


def test_custom_function_wrong_number_of_gradients():
    class Bad(fastgrad.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a + b

        @staticmethod
        def backward(ctx, g):
            return g

    a = fastgrad.ones(1, requires_grad=True)
    with pytest.raises(RuntimeError, match="incorrect number of gradients"):
        Bad.apply(a, fastgrad.ones(1, requires_grad=True)).sum().backward()


# ---- functional API and higher order ----


def functional_results(lib):
    F = lib.autograd.functional
    lib.manual_seed(0)
    x = lib.randn(3, dtype=lib.float64)
    ones = lib.ones(3, dtype=lib.float64)
    return [to_list(F.vjp(lambda a: a.exp() * 2, x, ones)), to_list(F.jvp(lambda a: a.exp() * 2, x, ones)),
            to_list(F.jacobian(lambda a: a.exp() * 2, x)), to_list(F.hessian(lambda a: (a ** 3).sum(), x)),
            to_list(F.hvp(lambda a: (a ** 3).sum(), x, ones)), to_list(F.vhp(lambda a: (a ** 3).sum(), x, ones))]


def test_functional_api_matches_torch():
    ours, theirs = both(functional_results)
    for a, b in zip(ours, theirs):
        assert len(a) == len(b)
        for part_a, part_b in zip(a, b):
            np.testing.assert_allclose(np.array(part_a), np.array(part_b), rtol=1e-12)


def test_gradgradcheck_and_create_graph():
    x = fastgrad.randn(4, dtype=fastgrad.float64, requires_grad=True)
    assert fastgrad.autograd.gradgradcheck(lambda a: (a.sin() * a.exp()).sum(), (x,))
    (g,) = fastgrad.autograd.grad((x ** 3).sum(), x, create_graph=True)
    (gg,) = fastgrad.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(gg.numpy(), 6 * x.detach().numpy())


# ---- modes ----


def test_inference_mode_makes_inference_tensors_like_torch():
    def run(lib):
        x = lib.ones(3, requires_grad=True)
        with lib.inference_mode():
            y = x * 2
            inside = (y.requires_grad, y.is_inference(), lib.is_inference_mode_enabled())
        errors = []
        for f in (lambda: (x * y).sum().backward(), lambda: y.add_(1), lambda: y.requires_grad_()):
            try:
                f()
                errors.append(None)
            except RuntimeError as e:
                errors.append(str(e).split(".")[0])
        return inside, lib.is_inference_mode_enabled(), errors

    ours, theirs = both(run)
    assert ours == theirs


def test_anomaly_mode_names_the_node_that_made_nan():
    a = fastgrad.tensor([0.0, 1.0], requires_grad=True)
    with pytest.warns(UserWarning, match="Anomaly Detection"):
        with fastgrad.autograd.detect_anomaly():
            with pytest.raises(RuntimeError, match="Function 'SqrtBackward0' returned nan values in its 0th output") as e:
                (a.sqrt() * 0).sum().backward()
    assert "Traceback of forward call" in str(e.value) and "test_anomaly_mode" in str(e.value)
    assert not fastgrad.is_anomaly_enabled()


# ---- threads and interruption ----


def test_concurrent_backward_from_threads_sums_exactly():
    w = fastgrad.ones(4, dtype=fastgrad.float64, requires_grad=True)
    errors = []

    def work():
        try:
            for _ in range(200):
                ((w * 2).sum() + (w * w).sum()).backward()
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert w.grad.tolist() == [8 * 200 * 4.0] * 4  # d/dw (2w + w^2) = 4 at w = 1, 1600 times


def test_grad_mode_is_thread_local():
    seen = []
    with fastgrad.no_grad():
        t = threading.Thread(target=lambda: seen.append(fastgrad.is_grad_enabled()))
        t.start()
        t.join()
        assert not fastgrad.is_grad_enabled()
    assert seen == [True]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_interrupts_a_long_backward_quickly_and_the_engine_stays_usable():
    code = textwrap.dedent("""
        import os, signal, threading, time
        import fastgrad as torch
        x = torch.ones(1, requires_grad=True)
        y = x
        for _ in range(500_000):
            y = y * 1.0
        loss = y.sum()
        fired = []
        def fire():
            time.sleep(0.01)
            fired.append(time.perf_counter())
            os.kill(os.getpid(), signal.SIGINT)
        # The signal is sent once backward has started (from a hook on the first Node it runs).
        y.register_hook(lambda g: threading.Thread(target=fire).start())
        try:
            loss.backward()
            print("not interrupted")
        except KeyboardInterrupt:
            print("latency_ms", (time.perf_counter() - fired[0]) * 1000)
        (x * 3).sum().backward()
        print("grad", x.grad.item())
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120).stdout
    if "not interrupted" in out:
        pytest.skip("backward finished before the signal arrived")
    latency = float(out.split("latency_ms")[1].split()[0])
    assert latency < 1000  # generous: the machines are shared; the measured figure is in the closing note
    assert "grad 3.0" in out


# ---- Python objects held by the graph are visible to the garbage collector ----


def test_a_hook_capturing_its_own_tensor_is_freed_by_gc_collect():
    import gc
    import weakref

    x = fastgrad.ones(3, requires_grad=True)
    y = x * 2
    y.register_hook(lambda g: y.shape and g)  # y -> grad_fn -> hook -> closure -> y
    ref = weakref.ref(y)
    del y
    gc.collect()
    assert ref() is None  # PyTorch leaks this cycle


def test_a_custom_function_ctx_holding_its_output_is_freed_by_gc_collect():
    import gc
    import weakref

    class Keep(fastgrad.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            out = a * 2
            ctx.out = out
            return out

        @staticmethod
        def backward(ctx, g):
            return g * 2

    o = Keep.apply(fastgrad.ones(2, requires_grad=True))
    ref = weakref.ref(o)
    del o
    gc.collect()
    assert ref() is None
