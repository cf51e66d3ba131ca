"""``autocast``: PyTorch's automatic mixed precision region, on a library without half-precision dtypes.

fastgrad has no bfloat16 or float16 dtypes yet, so inside an enabled region every op runs in its inputs' own
dtypes, exactly as outside (see docs/differences.md). What the region does keep is PyTorch's bookkeeping:
``is_autocast_enabled(device_type)`` is True inside an enabled CPU region, regions nest and restore the
previous state on exit, ``autocast`` works as a decorator, and the arguments are checked and the regions
PyTorch disables (CUDA and other absent devices, a CPU dtype other than the half-precision ones) are
disabled with PyTorch's warnings.
"""
import functools
import threading
import warnings

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


def _is_fastgrad_dtype(obj):
    from .. import _C

    return isinstance(obj, _C.dtype)


class autocast:
    r"""Context manager (and decorator) for an automatic mixed precision region, as ``torch.autocast``.

    Args:
        device_type (str): ``"cpu"``, ``"cuda"``, ... Only a CPU region can be enabled; a region for another
            device is disabled with PyTorch's warning (as on a machine without that device).
        dtype: the lower precision PyTorch would compute in (``torch.bfloat16`` by default on the CPU).
            fastgrad has no half-precision dtypes, so any object is accepted and the ops of the region run in
            their inputs' dtypes. A full-precision fastgrad dtype (``float32``, ``float64``, an integer
            dtype) disables a CPU region with PyTorch's warning, as PyTorch does.
        enabled (bool): whether the region is enabled (default True).
        cache_enabled (bool, optional): PyTorch's weight-cast cache switch; recorded and otherwise unused.

    Example::

        >>> with fastgrad.autocast(device_type="cpu"):
        ...     y = model(x)          # runs in x's own dtype on fastgrad
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
        self.fast_dtype = dtype
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
        states = _states()
        self._saved.append(states.get(self.device))
        states[self.device] = (self._enabled, self.fast_dtype, self._cache_enabled)
        return self

    def __exit__(self, exc_type, exc_value, traceback):
        previous = self._saved.pop()
        states = _states()
        if previous is None:
            states.pop(self.device, None)
        else:
            states[self.device] = previous
        return False

    def __call__(self, func):
        """Use the region as a decorator: each call of func runs inside it."""

        @functools.wraps(func)
        def decorate_autocast(*args, **kwargs):
            with self:
                return func(*args, **kwargs)

        return decorate_autocast


def custom_fwd(fwd=None, *, device_type, cast_inputs=None):
    r"""Decorator for a custom ``autograd.Function``'s ``forward`` under autocast (``torch.amp.custom_fwd``).

    As fastgrad's autocast changes no dtype, the forward runs as written; with ``cast_inputs`` given it runs
    with autocast disabled for ``device_type`` (PyTorch then casts floating inputs to ``cast_inputs``; fastgrad
    has no half-precision dtypes to cast from). Usable as ``@custom_fwd(device_type="cpu")``.
    """
    if not isinstance(device_type, str):
        raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
    if fwd is None:
        return functools.partial(custom_fwd, device_type=device_type, cast_inputs=cast_inputs)

    @functools.wraps(fwd)
    def decorate_fwd(*args, **kwargs):
        if cast_inputs is None:
            return fwd(*args, **kwargs)
        with autocast(device_type=device_type, enabled=False):
            return fwd(*args, **kwargs)

    return decorate_fwd


def custom_bwd(bwd=None, *, device_type):
    """Decorator for a custom ``autograd.Function``'s ``backward`` (``torch.amp.custom_bwd``): runs it as written."""
    if not isinstance(device_type, str):
        raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
    if bwd is None:
        return functools.partial(custom_bwd, device_type=device_type)

    @functools.wraps(bwd)
    def decorate_bwd(*args, **kwargs):
        return bwd(*args, **kwargs)

    return decorate_bwd
