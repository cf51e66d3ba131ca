"""Grad-mode switches: context managers that also work as decorators. Grad mode is thread-local."""
from __future__ import annotations
from typing import TYPE_CHECKING, Any, Callable, TypeVar, overload  # noqa: F401

if TYPE_CHECKING:
    from typing_extensions import Self

_F = TypeVar("_F", bound=Callable[..., Any])

import functools
import inspect

from .. import _C


class _DecoratorContextManager:
    """Usable as `with cm():`, `@cm()` and `@cm`."""

    def __call__(self, func) -> Any:
        if inspect.isclass(func):
            raise TypeError("fastgrad grad-mode decorators cannot decorate classes")
        if inspect.isgeneratorfunction(func):
            @functools.wraps(func)
            def generator(*args, **kwargs):
                gen = func(*args, **kwargs)
                with self.clone():
                    response = gen.send(None)
                while True:
                    try:
                        request = yield response
                    except GeneratorExit:
                        gen.close()
                        raise
                    with self.clone():
                        response = gen.send(request)
            return generator

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self.clone():
                return func(*args, **kwargs)

        return wrapper

    def clone(self):
        """A new context manager with the same arguments (a decorated function gets a fresh one per call)."""
        return self.__class__()


class no_grad(_DecoratorContextManager):
    """Disables recording of operations: results of ops have requires_grad=False."""

    @overload
    def __new__(cls, orig_func: None = None) -> Self: ...

    @overload
    def __new__(cls, orig_func: _F) -> _F: ...

    def __new__(cls, orig_func=None) -> Any:
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)  # bare @no_grad

    def __enter__(self) -> None:
        self.prev = _C.is_grad_enabled()
        _C._set_grad_enabled(False)

    def __exit__(self, *exc) -> None:
        _C._set_grad_enabled(self.prev)


class enable_grad(_DecoratorContextManager):
    """Enables recording of operations inside a no_grad region."""

    @overload
    def __new__(cls, orig_func: None = None) -> Self: ...

    @overload
    def __new__(cls, orig_func: _F) -> _F: ...

    def __new__(cls, orig_func=None) -> Any:
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)

    def __enter__(self) -> None:
        self.prev = _C.is_grad_enabled()
        _C._set_grad_enabled(True)

    def __exit__(self, *exc) -> None:
        _C._set_grad_enabled(self.prev)


class set_grad_enabled(_DecoratorContextManager):
    """Sets grad mode on or off at once; as a context manager, restores the previous mode on exit."""

    def __init__(self, mode) -> None:
        if not isinstance(mode, bool):  # no truthiness: set_grad_enabled("no") must not mean True
            t = type(mode)
            name = t.__name__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__name__}"
            raise TypeError(f"set_grad_enabled(): argument 'enabled' (position 1) must be bool, not {name}")
        self.prev = _C.is_grad_enabled()
        self.mode = mode
        _C._set_grad_enabled(self.mode)

    def __call__(self, func):
        _C._set_grad_enabled(self.prev)  # used as a decorator: only the calls are affected
        return super().__call__(func)

    def __enter__(self) -> None:
        _C._set_grad_enabled(self.mode)

    def __exit__(self, *exc) -> None:
        _C._set_grad_enabled(self.prev)

    def clone(self):
        """A new context manager with the same arguments (a decorated function gets a fresh one per call)."""
        return self.__class__(self.mode)


class inference_mode(_DecoratorContextManager):
    """No history at all, and tensors made inside are inference tensors: autograd refuses to save them, and
    they cannot be modified in place or made to require grad outside inference mode."""

    def __new__(cls, mode=True):
        if callable(mode) and not isinstance(mode, bool):
            return cls()(mode)  # bare @inference_mode
        return super().__new__(cls)

    def __init__(self, mode=True) -> None:
        self.mode = bool(mode)

    def __enter__(self) -> None:
        self.prev = (_C.is_grad_enabled(), _C.is_inference_mode_enabled())
        if self.mode:
            _C._set_grad_enabled(False)
        _C._set_inference_mode(self.mode)

    def __exit__(self, *exc) -> None:
        _C._set_grad_enabled(self.prev[0])
        _C._set_inference_mode(self.prev[1])

    def clone(self):
        """A new context manager with the same arguments (a decorated function gets a fresh one per call)."""
        return self.__class__(self.mode)
