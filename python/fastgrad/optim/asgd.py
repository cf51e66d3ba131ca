"""ASGD: SGD with a decaying step size and a running (Polyak) average of the iterates in state["ax"]."""
from __future__ import annotations
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # names for annotations only (they stay out of the module's namespace)
    from typing import Any, Dict, Optional, Union  # noqa: F401

    from .._C import Tensor

from .. import _C
from . import _checks
from .optimizer import _scalar_dtype
from .optimizer import Optimizer


class ASGD(Optimizer):
    """Averaged SGD: eta_t = lr / (1 + lambd lr t)^alpha, p = p (1 - lambd eta) - eta * (grad + weight_decay *
    p), and the average ax of the iterates after step t0 (ax = ax + (p - ax) mu with mu = 1 / max(1, t -
    t0))."""

    def __init__(
        self,
        params,
        lr=1e-2,
        lambd=1e-4,
        alpha=0.75,
        t0=1e6,
        weight_decay=0,
        foreach=None,
        maximize=False,
        differentiable=False,
        capturable=False,
    ) -> None:
        _checks.check_lr(lr)
        _checks.check_weight_decay(weight_decay)
        defaults = {
            "lr": lr,
            "lambd": lambd,
            "alpha": alpha,
            "t0": t0,
            "weight_decay": weight_decay,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
            "capturable": capturable,
        }
        super().__init__(params, defaults)

    def step(self, closure=None) -> Optional[Union[Tensor, float]]:
        return self._run_step(closure, self._update_group)

    def _update_group(self, group):
        lr, lambd, alpha, t0 = float(group["lr"]), group["lambd"], group["alpha"], group["t0"]
        weight_decay = group["weight_decay"]
        def init(p):
            # step, eta (the current step size) and mu (the averaging weight) are scalar-dtype tensors, as in
            # PyTorch: their values are rounded to it
            scalar = _scalar_dtype()
            return {"eta": _C.full((), lr, dtype=scalar), "mu": _C.ones((), dtype=scalar), "ax": _C.zeros_like(p)}

        for p, grad, state in self._each_param(group, init):
            eta, mu, ax = state["eta"], state["mu"], state["ax"]
            state["step"] += 1
            if weight_decay != 0:
                grad = grad.add(p, alpha=weight_decay)
            eta_value = eta.item()
            p.mul_(1 - lambd * eta_value)
            p.add_(grad, alpha=-eta_value)
            mu_value = mu.item()
            if mu_value != 1:
                ax.add_(p.sub(ax).mul_(mu_value))
            else:
                ax.copy_(p)
            step = state["step"].item()
            # the new values pass through the default dtype first (torch.as_tensor of a Python float), so a
            # float64 eta/mu loaded from a state dict still holds float32-rounded values, as in PyTorch
            eta.copy_(_C.full((), lr / ((1 + lambd * lr * step) ** alpha), dtype=_scalar_dtype()))
            mu.copy_(_C.full((), 1 / max(1, step - t0), dtype=_scalar_dtype()))
