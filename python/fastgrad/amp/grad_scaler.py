"""``GradScaler``: loss scaling for mixed-precision training, as ``torch.amp.GradScaler``.

A scaler for ``"cuda"`` (the default device) is disabled with PyTorch's warning, as on a machine without
CUDA: ``scale`` returns its argument, ``step`` calls ``optimizer.step()``, ``update`` does nothing. A scaler
for ``"cpu"`` scales as PyTorch's does: the loss is multiplied by the scale, ``unscale_``/``step`` divide the
gradients by it and skip the step when one is inf or NaN, and ``update`` grows or backs off the scale.
"""
import warnings

__all__ = ["GradScaler"]

_READY, _UNSCALED, _STEPPED = 0, 1, 2


class GradScaler:
    r"""Scale the loss and unscale the gradients around ``optimizer.step()`` (``torch.amp.GradScaler``).

    Args:
        device (str): ``"cuda"`` (default; disabled, as there is no CUDA) or ``"cpu"``.
        init_scale (float): the first scale (default 2**16).
        growth_factor (float): the scale is multiplied by it after ``growth_interval`` steps without inf/NaN.
        backoff_factor (float): the scale is multiplied by it after a step with inf/NaN gradients.
        growth_interval (int): steps without inf/NaN before the scale grows (default 2000).
        enabled (bool): False makes every method a pass-through (default True).

    Usage::

        scaler = fastgrad.amp.GradScaler("cpu")
        for x, y in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
    """

    def __init__(self, device="cuda", init_scale=2.0**16, growth_factor=2.0, backoff_factor=0.5,
                 growth_interval=2000, enabled=True):
        self._device = device
        self._enabled = enabled
        if enabled and device == "cuda":
            warnings.warn("torch.cuda.amp.GradScaler is enabled, but CUDA is not available.  Disabling.",
                          stacklevel=2)
            self._enabled = False
        elif enabled and device != "cpu":
            warnings.warn(f"GradScaler is enabled, but device {device} is not available.  Disabling.",
                          stacklevel=2)
            self._enabled = False
        if self._enabled:
            if not growth_factor > 1.0:
                raise AssertionError("The growth factor must be > 1.0.")
            if not backoff_factor < 1.0:
                raise AssertionError("The backoff factor must be < 1.0.")
            self._init_scale = init_scale
            self._scale = None
            self._growth_factor = growth_factor
            self._backoff_factor = backoff_factor
            self._growth_interval = growth_interval
            self._init_growth_tracker = 0
            self._growth_tracker = None
            self._per_optimizer_states = {}

    # -- the scale --------------------------------------------------------------------------------------------
    def _lazy_init(self):
        from .. import _C

        self._scale = _C.full((), float(self._init_scale), dtype=_C.float32)
        self._growth_tracker = self._init_growth_tracker

    def _check_scale(self, funcname):
        if self._scale is None:
            raise AssertionError(
                f"Attempted {funcname} but _scale is None.  This may indicate your script did not use "
                "scaler.scale(loss or outputs) earlier in the iteration."
            )

    def scale(self, outputs):
        """Multiply a tensor (or the tensors of a list, tuple or other iterable) by the scale; unchanged if disabled."""
        if not self._enabled:
            return outputs
        from .. import _C

        if self._scale is None:
            self._lazy_init()
        if isinstance(outputs, _C.Tensor):
            return outputs * self._scale

        def apply(value):
            if isinstance(value, _C.Tensor):
                return value * self._scale
            if isinstance(value, (list, tuple)):
                return type(value)(apply(v) for v in value)
            if hasattr(value, "__iter__"):
                return map(apply, value)
            raise ValueError("outputs must be a Tensor or an iterable of Tensors")

        return apply(outputs)

    def _state(self, optimizer):
        return self._per_optimizer_states.setdefault(id(optimizer), {"stage": _READY, "found_inf": None})

    def unscale_(self, optimizer):
        """Divide optimizer's gradients by the scale (in place) and record whether any is inf or NaN."""
        if not self._enabled:
            return
        self._check_scale("unscale_")
        state = self._state(optimizer)
        if state["stage"] == _UNSCALED:
            raise RuntimeError("unscale_() has already been called on this optimizer since the last update().")
        if state["stage"] == _STEPPED:
            raise RuntimeError("unscale_() is being called after step().")
        from .. import _C
        from ..autograd.grad_mode import no_grad

        inv_scale = 1.0 / float(self._scale.item())
        found_inf = False
        checked = 0
        with no_grad():
            for group in optimizer.param_groups:
                for param in group["params"]:
                    if param.grad is None:
                        continue
                    grad = param.grad
                    grad.mul_(inv_scale)
                    checked += 1
                    if not bool(_C.isfinite(grad).all()):
                        found_inf = True
        state["found_inf"] = found_inf
        state["checked"] = checked
        state["stage"] = _UNSCALED

    def step(self, optimizer, *args, **kwargs):
        """Unscale (if not done yet) and call ``optimizer.step(*args, **kwargs)`` unless a gradient is inf/NaN."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise RuntimeError("Closure use is not currently supported if GradScaler is enabled.")
        self._check_scale("step")
        state = self._state(optimizer)
        if state["stage"] == _STEPPED:
            raise RuntimeError("step() has already been called since the last update().")
        if state["stage"] == _READY:
            self.unscale_(optimizer)
        if not state.get("checked"):
            raise AssertionError("No inf checks were recorded for this optimizer.")
        result = None
        if not state["found_inf"]:
            result = optimizer.step(*args, **kwargs)
        state["stage"] = _STEPPED
        return result

    def update(self, new_scale=None):
        """Grow or back off the scale from this iteration's inf/NaN checks (or set it to new_scale)."""
        if not self._enabled:
            return
        self._check_scale("update")
        from .. import _C

        if new_scale is not None:
            if isinstance(new_scale, _C.Tensor):
                if new_scale.numel() != 1:
                    raise AssertionError("new_scale should be a float or a 1-element torch.FloatTensor")
                value = float(new_scale.item())
            else:
                value = float(new_scale)
            self._scale.fill_(value)
        else:
            found = [s["found_inf"] for s in self._per_optimizer_states.values() if s["found_inf"] is not None]
            if not found:
                raise AssertionError("No inf checks were recorded prior to update.")
            if any(found):
                self._scale.mul_(self._backoff_factor)
                self._growth_tracker = 0
            else:
                self._growth_tracker += 1
                if self._growth_tracker == self._growth_interval:
                    self._scale.mul_(self._growth_factor)
                    self._growth_tracker = 0
        self._per_optimizer_states = {}

    # -- queries and checkpoints ------------------------------------------------------------------------------
    def is_enabled(self):
        """Whether the scaler scales (False for a disabled or a CUDA scaler)."""
        return self._enabled

    def get_scale(self):
        """The current scale as a Python float (1.0 when disabled)."""
        if not self._enabled:
            return 1.0
        return float(self._init_scale) if self._scale is None else float(self._scale.item())

    def get_growth_factor(self):
        """The growth factor."""
        return self._growth_factor

    def set_growth_factor(self, new_factor):
        """Set the growth factor."""
        self._growth_factor = new_factor

    def get_backoff_factor(self):
        """The backoff factor."""
        return self._backoff_factor

    def set_backoff_factor(self, new_factor):
        """Set the backoff factor."""
        self._backoff_factor = new_factor

    def get_growth_interval(self):
        """The growth interval."""
        return self._growth_interval

    def set_growth_interval(self, new_interval):
        """Set the growth interval."""
        self._growth_interval = new_interval

    def _get_growth_tracker(self):
        if not self._enabled:
            return 0
        return self._init_growth_tracker if self._growth_tracker is None else self._growth_tracker

    def state_dict(self):
        """The scaler's state as a dict (empty when disabled): scale, factors, interval and growth tracker."""
        if not self._enabled:
            return {}
        return {
            "scale": self.get_scale(),
            "growth_factor": self._growth_factor,
            "backoff_factor": self._backoff_factor,
            "growth_interval": self._growth_interval,
            "_growth_tracker": self._get_growth_tracker(),
        }

    def load_state_dict(self, state_dict):
        """Restore a state from ``state_dict()``; loading an empty dict into an enabled scaler raises RuntimeError."""
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise RuntimeError(
                "The source state dict is empty, possibly because it was saved from a disabled instance of GradScaler."
            )
        self._init_scale = state_dict["scale"]
        if self._scale is not None:
            self._scale.fill_(state_dict["scale"])
        self._growth_factor = state_dict["growth_factor"]
        self._backoff_factor = state_dict["backoff_factor"]
        self._growth_interval = state_dict["growth_interval"]
        self._init_growth_tracker = state_dict["_growth_tracker"]
        if self._growth_tracker is not None:
            self._growth_tracker = state_dict["_growth_tracker"]

    def __getstate__(self):
        state = self.__dict__.copy()
        if self._enabled:
            state["_per_optimizer_states"] = {}
        return state

