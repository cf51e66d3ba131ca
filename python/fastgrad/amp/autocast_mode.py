"""``autocast``: PyTorch's automatic mixed precision region.

Inside an enabled ``autocast("cpu", dtype)`` region (dtype bfloat16, the default, or float16) the ops of PyTorch's
CPU lower-precision list (matmul, mm, bmm, addmm, baddbmm, linear, the convolutions, einsum, prelu, attention)
cast their float32 / half-precision operands to the region's dtype, those of its float32 list (the losses, prod,
trace, the 3-d average pooling, the decompositions) to float32, and cat / stack promote, through the recorded
conversion (Note [Autocast] in cpp/include/fastgrad/autocast.h). float64 and integer operands and the other ops
are left as they are; backward passes run in the dtypes the forward recorded. ``is_autocast_enabled(device_type)``
and ``get_autocast_dtype(device_type)`` report the region, regions nest and restore the previous state on exit,
``autocast`` works as a decorator, and the regions PyTorch disables (CUDA and other absent devices, a CPU dtype
other than the half-precision ones) are disabled with PyTorch's warnings.
"""
import functools
import threading
import warnings
from typing import Any, Callable, TypeVar

_Fn = TypeVar("_Fn", bound=Callable[..., Any])

__all__ = ["autocast", "is_autocast_available", "is_autocast_enabled", "custom_fwd", "custom_bwd"]

_state = threading.local()  # device_type -> (enabled, dtype, cache_enabled), per thread as in PyTorch

_KNOWN_DEVICES = (
    "cpu cuda ipu xpu mkldnn opengl opencl ideep hip ve fpga maia xla lazy vulkan mps meta hpu mtia privateuseone"
).split()


def _states():
    if not hasattr(_state, "by_device"):
        _state.by_device = {}
    return _state.by_device


def is_autocast_available(device_type: str) -> bool:
    """Whether autocast can be enabled for device_type: True for ``"cpu"`` only (fastgrad runs on the CPU)."""
    return device_type == "cpu"


_NO_DEVICE = object()  # is_autocast_enabled() without an argument (an explicit None is refused, as PyTorch)


def is_autocast_enabled(device_type=_NO_DEVICE) -> bool:
    r"""Whether an enabled autocast region for ``device_type`` is active in this thread.

    Without an argument it answers for CUDA, as PyTorch's legacy form does (always False in fastgrad):
    ``is_autocast_enabled("cpu")`` is the question for a CPU region.
    """
    if device_type is _NO_DEVICE:
        device_type = "cuda"
    if not isinstance(device_type, str):
        raise TypeError(
            f"is_autocast_enabled(): argument 'device_type' (position 1) must be str, not {type(device_type).__name__}"
        )
    return _states().get(device_type, (False, None, True))[0]


def _check_device(device_type, fn):
    if not isinstance(device_type, str):
        raise TypeError(f"{fn}(): argument 'device_type' (position 1) must be str, not {type(device_type).__name__}")
    device = device_type.split(":")[0]
    if device not in _KNOWN_DEVICES:
        raise RuntimeError(
            f"Expected one of {', '.join(_KNOWN_DEVICES)} device type at start of device string: {device_type}"
        )
    return device


def get_autocast_dtype(device_type: str):
    r"""The lower-precision dtype an autocast region for ``device_type`` uses in this thread: the dtype of the
    innermost region entered (also a disabled one), else the device's default, ``bfloat16`` for ``"cpu"`` and
    ``float16`` for CUDA and the other devices, as ``torch.get_autocast_dtype``.
    """
    from .. import _C

    device = _check_device(device_type, "get_autocast_dtype")
    state = _states().get(device)
    if state is not None:
        return state[1]
    return _C.bfloat16 if device in ("cpu", "hpu") else _C.float16


def set_autocast_enabled(device_type, enabled=_NO_DEVICE):
    """Turns the autocast region of ``device_type`` on or off in this thread without a context manager, as
    ``torch.set_autocast_enabled(device_type, enabled)`` (the one-argument form sets CUDA's). Its dtype is
    ``get_autocast_dtype(device_type)``; a CPU region casts only with a half-precision dtype."""
    if enabled is _NO_DEVICE:  # the legacy form set_autocast_enabled(enabled), for CUDA
        device_type, enabled = "cuda", device_type
    device = _check_device(device_type, "set_autocast_enabled")
    if not isinstance(enabled, bool):
        raise TypeError(
            f"set_autocast_enabled(): argument 'enabled' (position 2) must be bool, not {type(enabled).__name__}"
        )
    states = _states()
    _, _, cache = states.get(device, (False, None, True))
    states[device] = (enabled, get_autocast_dtype(device), cache)
    if device == "cpu":
        _sync_cpu(states)


def set_autocast_dtype(device_type, dtype):
    """Sets the lower-precision dtype of ``device_type``'s autocast region in this thread, as
    ``torch.set_autocast_dtype``."""
    from .. import _C

    device = _check_device(device_type, "set_autocast_dtype")
    if not isinstance(dtype, _C.dtype):
        raise TypeError(
            f"set_autocast_dtype(): argument 'dtype' (position 2) must be fastgrad.dtype, not {type(dtype).__name__}"
        )
    states = _states()
    enabled, _, cache = states.get(device, (False, None, True))
    states[device] = (enabled, dtype, cache)
    if device == "cpu":
        _sync_cpu(states)


def is_autocast_cpu_enabled():
    """Deprecated form of ``is_autocast_enabled("cpu")``, with PyTorch's DeprecationWarning."""
    warnings.warn("torch.is_autocast_cpu_enabled() is deprecated. Please use torch.is_autocast_enabled('cpu') "
                  "instead.", DeprecationWarning, stacklevel=2)
    return is_autocast_enabled("cpu")


def get_autocast_cpu_dtype():
    """Deprecated form of ``get_autocast_dtype("cpu")``, with PyTorch's DeprecationWarning."""
    warnings.warn("torch.get_autocast_cpu_dtype() is deprecated. Please use torch.get_autocast_dtype('cpu') "
                  "instead.", DeprecationWarning, stacklevel=2)
    return get_autocast_dtype("cpu")


def is_autocast_cache_enabled():
    """Whether autocast's weight-cast cache is on (``torch.is_autocast_cache_enabled``): fastgrad casts a weight
    at each use, so the switch changes nothing but is kept (docs/differences.md)."""
    return getattr(_state, "cache_enabled", True)


def set_autocast_cache_enabled(enabled):
    """Sets the switch ``is_autocast_cache_enabled`` reports (``torch.set_autocast_cache_enabled``)."""
    if not isinstance(enabled, bool):
        raise TypeError(
            f"set_autocast_cache_enabled(): argument 'enabled' (position 1) must be bool, not {type(enabled).__name__}"
        )
    _state.cache_enabled = enabled


def clear_autocast_cache():
    """``torch.clear_autocast_cache``: fastgrad keeps no cast cache, so there is nothing to clear."""


def _sync_cpu(states):
    """Hands the CPU region's state to the ops (Note [Autocast] in cpp/include/fastgrad/autocast.h)."""
    from .. import _C

    enabled, dtype, _ = states.get("cpu", (False, None, True))
    on = bool(enabled) and dtype in (_C.bfloat16, _C.float16)
    _C._set_autocast_cpu(on, dtype if on else _C.bfloat16)


def _autocast_op(policy: str) -> Callable[[_Fn], _Fn]:
    """Marks an op written in Python as one of PyTorch's CPU autocast lists (``"lower"``: the lower-precision list,
    ``"float32"``: the float32 list): inside an enabled CPU region its tensor arguments get the casts the C++ ops
    apply (Note [Autocast]), and its body runs with autocast off, as the ops of those lists do."""

    def mark(fn: _Fn) -> _Fn:
        from .. import _C

        cast = _C._autocast_lower if policy == "lower" else _C._autocast_float32
        tensor = _C.Tensor

        @functools.wraps(fn)
        def op(*args, **kwargs):
            if not _C._is_autocast_cpu_enabled():
                return fn(*args, **kwargs)
            args = tuple(cast(a) if isinstance(a, tensor) else a for a in args)
            kwargs = {k: cast(v) if isinstance(v, tensor) else v for k, v in kwargs.items()}
            dtype = _C._autocast_cpu_dtype()
            _C._set_autocast_cpu(False, dtype)
            try:
                return fn(*args, **kwargs)
            finally:
                _C._set_autocast_cpu(True, dtype)

        return op  # type: ignore[return-value]

    return mark


def _is_fastgrad_dtype(obj):
    from .. import _C

    return isinstance(obj, _C.dtype)


class autocast:
    r"""Context manager (and decorator) for an automatic mixed precision region, as ``torch.autocast``.

    Args:
        device_type (str): ``"cpu"``, ``"cuda"``, ... Only a CPU region can be enabled; a region for another
            device is disabled with PyTorch's warning (as on a machine without that device).
        dtype: the lower precision the region computes in: ``bfloat16`` or ``float16`` on the CPU (default:
            ``get_autocast_dtype(device_type)`` when the region is made, ``bfloat16`` outside any region). A
            full-precision dtype (``float32``, ``float64``, an integer dtype) disables a CPU region with
            PyTorch's warning; an object that is not a dtype raises TypeError on entry.
        enabled (bool): whether the region is enabled (default True).
        cache_enabled (bool, optional): PyTorch's weight-cast cache switch; accepted, and each op casts its
            operands anew (the values and gradients are those of PyTorch's cached casts).

    Example::

        >>> with fastgrad.autocast(device_type="cpu"):
        ...     y = model(x)          # matmul, linear, conv in bfloat16; losses in float32
        >>> @fastgrad.autocast("cpu")
        ... def forward(x): ...
    """

    def __init__(self, device_type: str, dtype=None, enabled: bool = True, cache_enabled=None):
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        if device_type not in _KNOWN_DEVICES:
            raise RuntimeError(
                f"Expected one of {', '.join(_KNOWN_DEVICES)} device type at start of device string: {device_type}"
            )
        self.device = device_type
        self.fast_dtype = get_autocast_dtype(device_type) if dtype is None else dtype
        dtype = self.fast_dtype
        self._cache_enabled = True if cache_enabled is None else bool(cache_enabled)
        if enabled and device_type == "cuda":
            warnings.warn("CUDA is not available or torch_xla is imported. Disabling autocast.", stacklevel=2)
            enabled = False
        elif enabled and device_type != "cpu":
            warnings.warn(
                f"User provided device_type of '{device_type}', but {device_type.upper()} is not available. "
                "Disabling",
                stacklevel=2,
            )
            enabled = False
        elif enabled and _is_fastgrad_dtype(dtype) and str(dtype) not in ("fastgrad.bfloat16", "fastgrad.float16"):
            warnings.warn(
                "In CPU autocast, but the target dtype is not supported. Disabling autocast.\n"
                "CPU Autocast only supports dtypes of torch.bfloat16, torch.float16 currently.",
                stacklevel=2,
            )
            enabled = False
        self._enabled = enabled
        self._saved = []

    def __enter__(self):
        if not isinstance(self._enabled, bool):  # checked on entry, as PyTorch does
            raise TypeError(
                "set_autocast_enabled(): argument 'enabled' (position 2) must be bool, not "
                f"{type(self._enabled).__name__}"
            )
        if not _is_fastgrad_dtype(self.fast_dtype):
            raise TypeError(
                "set_autocast_dtype(): argument 'dtype' (position 2) must be fastgrad.dtype, not "
                f"{type(self.fast_dtype).__name__}"
            )
        from .. import _C

        states = _states()
        # the ops' own state is saved too: a region entered inside a backward pass (custom_bwd) restores the
        # engine's autocast-off state on exit, not the enclosing region's
        self._saved.append((states.get(self.device), _C._is_autocast_cpu_enabled(), _C._autocast_cpu_dtype()))
        states[self.device] = (self._enabled, self.fast_dtype, self._cache_enabled)
        if self.device == "cpu":
            _sync_cpu(states)
        return self

    def __exit__(self, exc_type, exc_value, traceback):
        from .. import _C

        previous, ops_enabled, ops_dtype = self._saved.pop()
        states = _states()
        if previous is None:
            states.pop(self.device, None)
        else:
            states[self.device] = previous
        if self.device == "cpu":
            _C._set_autocast_cpu(ops_enabled, ops_dtype)
        return False

    def __call__(self, func):
        """Use the region as a decorator: each call of func runs inside it."""

        @functools.wraps(func)
        def decorate_autocast(*args, **kwargs):
            with self:
                return func(*args, **kwargs)

        return decorate_autocast


def _cast(value, device_type, dtype):
    """value with its floating tensors other than float64 converted to dtype, through lists, tuples and dicts."""
    from .. import _C

    if isinstance(value, _C.Tensor):
        eligible = value.is_floating_point() and value.dtype != _C.float64 and device_type == "cpu"
        return value.to(dtype) if eligible else value
    if isinstance(value, (str, bytes)):
        return value
    if isinstance(value, dict):
        return {_cast(k, device_type, dtype): _cast(v, device_type, dtype) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_cast(v, device_type, dtype) for v in value)
    return value


def custom_fwd(fwd=None, *, device_type, cast_inputs=None):
    r"""Decorator for a custom ``autograd.Function``'s ``forward`` under autocast (``torch.amp.custom_fwd``).

    The forward runs as written, in the autocast state of the caller; with ``cast_inputs`` given and an enabled
    region for ``device_type``, it runs with autocast disabled and its floating inputs (other than float64)
    converted to ``cast_inputs``. The state is recorded on ``ctx`` for ``custom_bwd``. Usable as
    ``@custom_fwd(device_type="cpu")``.
    """
    if not isinstance(device_type, str):
        raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
    if fwd is None:
        return functools.partial(custom_fwd, device_type=device_type, cast_inputs=cast_inputs)

    @functools.wraps(fwd)
    def decorate_fwd(*args, **kwargs):
        ctx = args[0]
        ctx._dtype = get_autocast_dtype(device_type)
        enabled = is_autocast_enabled(device_type)
        if cast_inputs is None:
            ctx._fwd_used_autocast = enabled
            return fwd(*args, **kwargs)
        ctx._fwd_used_autocast = False
        if not enabled:
            return fwd(*args, **kwargs)
        with autocast(device_type=device_type, enabled=False):
            return fwd(*_cast(args, device_type, cast_inputs), **_cast(kwargs, device_type, cast_inputs))

    return decorate_fwd


def custom_bwd(bwd=None, *, device_type):
    """Decorator for a custom ``autograd.Function``'s ``backward`` (``torch.amp.custom_bwd``): runs it in the
    autocast state its ``custom_fwd`` forward ran in (backward passes otherwise run without autocast)."""
    if not isinstance(device_type, str):
        raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
    if bwd is None:
        return functools.partial(custom_bwd, device_type=device_type)

    @functools.wraps(bwd)
    def decorate_bwd(*args, **kwargs):
        ctx = args[0]
        enabled = getattr(ctx, "_fwd_used_autocast", False)
        with autocast(device_type=device_type, enabled=enabled, dtype=getattr(ctx, "_dtype", None)):
            return bwd(*args, **kwargs)

    return decorate_bwd
