"""Adamax: Adam with the infinity norm in place of the second moment."""
from __future__ import annotations
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # names for annotations only (they stay out of the module's namespace)
    from typing import Any, Dict, Optional, Union  # noqa: F401

    from .._C import Tensor

from .. import _C
from . import _checks, _inplace
from .optimizer import Optimizer


class Adamax(Optimizer):
    """Adamax (Adam with the infinity norm): g = grad + weight_decay * p, m = beta1 m + (1 - beta1) g, u =
    max(beta2 u, |g| + eps), p = p - lr / (1 - beta1^t) * m / u."""

    def __init__(
        self,
        params,
        lr=2e-3,
        betas=(0.9, 0.999),
        eps=1e-8,
        weight_decay=0,
        foreach=None,
        *,
        maximize=False,
        differentiable=False,
        capturable=False,
    ) -> None:
        _checks.check_adam_like(lr, betas, eps, weight_decay)
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
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
        lr, (beta1, beta2) = float(group["lr"]), group["betas"]
        eps, weight_decay = group["eps"], group["weight_decay"]
        init = lambda p: {"exp_avg": _C.zeros_like(p), "exp_inf": _C.zeros_like(p)}  # noqa: E731
        for p, grad, state in self._each_param(group, init):
            exp_avg, exp_inf = state["exp_avg"], state["exp_inf"]
            state["step"] += 1
            if weight_decay != 0:
                grad = grad.add(p, alpha=weight_decay)
            _inplace.lerp_(exp_avg, grad, 1 - beta1)
            # exp_inf = max(beta2 * exp_inf, |grad| + eps)
            exp_inf.copy_(_inplace.maximum(exp_inf.mul_(beta2), grad.abs().add_(eps)))
            clr = lr / (1 - beta1 ** state["step"].item())
            _inplace.addcdiv_(p, exp_avg, exp_inf, value=-clr)
