"""Grad mode (docs/design.md, sections 2 and 4), with PyTorch 2.13 as the oracle: no_grad, enable_grad and
set_grad_enabled as contexts, calls and decorators, nesting, restoring on errors, and per-thread state.

Each test names the promise it checks. Tests that compare with PyTorch run the same code with `torch` and
with `fastgrad` (`run_both` in engine_helpers.py) and skip cleanly when torch is not installed; the others check
analytic results (derivatives worked out by hand, never values computed by fastgrad itself) and run without
torch.
"""

import threading

import fastgrad
import pytest
from engine_helpers import compare_with_torch

# ---------------------------------------------------------------------------------------------------------------
# grad mode: no_grad, enable_grad, set_grad_enabled


def test_no_grad_context_records_nothing_and_restores_the_mode():
    x = fastgrad.ones(2, requires_grad=True)
    assert fastgrad.is_grad_enabled()
    with fastgrad.no_grad():
        assert not fastgrad.is_grad_enabled()
        y = x * 2
    assert fastgrad.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None and y.is_leaf


def test_grad_mode_contexts_nest_like_torch():
    def f(m):
        x = m.ones(1, requires_grad=True)
        seen = []
        with m.no_grad():
            seen.append((x * 2).requires_grad)
            with m.enable_grad():
                seen.append((x * 2).requires_grad)
                with m.no_grad():
                    seen.append((x * 2).requires_grad)
                with m.set_grad_enabled(False):
                    seen.append((x * 2).requires_grad)
                seen.append((x * 2).requires_grad)
            seen.append((x * 2).requires_grad)
            with m.set_grad_enabled(True):
                seen.append((x * 2).requires_grad)
            seen.append(m.is_grad_enabled())
        seen.append((x * 2).requires_grad)
        return seen

    compare_with_torch(f)
    x = fastgrad.ones(1, requires_grad=True)
    with fastgrad.no_grad():
        with fastgrad.enable_grad():
            assert (x * 2).requires_grad
        assert not (x * 2).requires_grad


def test_set_grad_enabled_works_as_a_plain_call():
    try:
        fastgrad.set_grad_enabled(False)
        assert not fastgrad.is_grad_enabled()
        assert not (fastgrad.ones(1, requires_grad=True) * 2).requires_grad
    finally:
        fastgrad.set_grad_enabled(True)
    assert fastgrad.is_grad_enabled()


def test_grad_mode_is_restored_when_the_block_raises():
    with pytest.raises(ValueError):
        with fastgrad.no_grad():
            raise ValueError
    assert fastgrad.is_grad_enabled()
    with fastgrad.no_grad():
        with pytest.raises(ValueError):
            with fastgrad.enable_grad():
                raise ValueError
        assert not fastgrad.is_grad_enabled()


def test_grad_mode_decorators_with_and_without_parentheses():
    x = fastgrad.ones(1, requires_grad=True)

    @fastgrad.no_grad
    def bare(t):
        return t * 2

    @fastgrad.no_grad()
    def called(t):
        return t * 2

    @fastgrad.set_grad_enabled(False)
    def disabled(t):
        return t * 2

    @fastgrad.enable_grad()
    def enabled(t):
        return t * 2

    @fastgrad.enable_grad
    def enabled_bare(t):
        return t * 2

    assert fastgrad.is_grad_enabled()  # decorating changes nothing by itself
    assert not bare(x).requires_grad
    assert not called(x).requires_grad
    assert not disabled(x).requires_grad
    assert fastgrad.is_grad_enabled()
    with fastgrad.no_grad():
        assert enabled(x).requires_grad
        assert enabled_bare(x).requires_grad
        assert not fastgrad.is_grad_enabled()


def test_grad_mode_decorator_keeps_the_functions_name_and_doc():
    @fastgrad.no_grad()
    def step(t):
        """Take a step."""
        return t

    assert step.__name__ == "step" and step.__doc__ == "Take a step."


def test_grad_mode_decorated_function_can_be_called_repeatedly():
    @fastgrad.no_grad()
    def f(t):
        return t * 2

    x = fastgrad.ones(1, requires_grad=True)
    assert [f(x).requires_grad for _ in range(3)] == [False, False, False]
    assert fastgrad.is_grad_enabled()


def test_grad_mode_decorator_on_a_generator_matches_torch():
    def f(m):
        @m.no_grad()
        def gen():
            yield m.is_grad_enabled()
            yield m.is_grad_enabled()

        g = gen()
        return next(g), m.is_grad_enabled(), next(g)

    compare_with_torch(f)


def test_thread_started_inside_no_grad_has_grad_enabled():
    seen = {}

    def work():
        seen["enabled"] = fastgrad.is_grad_enabled()
        seen["requires_grad"] = (fastgrad.ones(1, requires_grad=True) * 2).requires_grad

    with fastgrad.no_grad():
        t = threading.Thread(target=work)
        t.start()
        t.join()
        assert not fastgrad.is_grad_enabled()
    assert seen == {"enabled": True, "requires_grad": True}


def test_no_grad_in_another_thread_does_not_leak_into_this_one():
    entered, release = threading.Event(), threading.Event()
    seen = {}

    def work():
        with fastgrad.no_grad():
            seen["worker"] = fastgrad.is_grad_enabled()
            entered.set()
            release.wait(10)

    t = threading.Thread(target=work)
    t.start()
    assert entered.wait(10)
    seen["main"] = fastgrad.is_grad_enabled()
    seen["main_records"] = (fastgrad.ones(1, requires_grad=True) * 2).requires_grad
    release.set()
    t.join()
    assert seen == {"worker": False, "main": True, "main_records": True}


def test_backward_leaves_grad_mode_enabled():
    x = fastgrad.ones(2, requires_grad=True)
    (x * x).sum().backward()
    assert fastgrad.is_grad_enabled()
    fastgrad.autograd.grad((x * x).sum(), x, create_graph=True)
    assert fastgrad.is_grad_enabled()
