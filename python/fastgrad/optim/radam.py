"""RAdam: Adam whose adaptive step is switched on once the variance of its estimate is tractable."""
from __future__ import annotations
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # names for annotations only (they stay out of the module's namespace)
    from typing import Any, Dict, Optional, Union  # noqa: F401

    from .._C import Tensor

from .. import _C
from . import _checks, _inplace
from .optimizer import Optimizer


class RAdam(Optimizer):
    """Rectified Adam: m and v as Adam; with rho_inf = 2/(1 - beta2) - 1 and rho_t = rho_inf - 2 t beta2^t /
    (1 - beta2^t), the step is the bias-corrected momentum times the rectification r_t = sqrt((rho_t -
    4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t)) / sqrt(v^) when rho_t > 5, else the
    momentum alone: p = p - lr * that."""

    def __init__(
        self,
        params,
        lr=1e-3,
        betas=(0.9, 0.999),
        eps=1e-8,
        weight_decay=0,
        decoupled_weight_decay=False,
        *,
        foreach=None,
        maximize=False,
        capturable=False,
        differentiable=False,
    ) -> None:
        _checks.check_adam_like(lr, betas, eps, weight_decay)
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "maximize": maximize,
            "foreach": foreach,
            "capturable": capturable,
            "decoupled_weight_decay": decoupled_weight_decay,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    def step(self, closure=None) -> Optional[Union[Tensor, float]]:
        return self._run_step(closure, self._update_group)

    def _update_group(self, group):
        lr, (beta1, beta2) = float(group["lr"]), group["betas"]
        eps, weight_decay = group["eps"], group["weight_decay"]
        init = lambda p: {"exp_avg": _C.zeros_like(p), "exp_avg_sq": _C.zeros_like(p)}  # noqa: E731
        for p, grad, state in self._each_param(group, init):
            exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
            state["step"] += 1
            step = state["step"].item()
            if weight_decay != 0:
                if group["decoupled_weight_decay"]:
                    p.mul_(1 - lr * weight_decay)
                else:
                    grad = grad.add(p, alpha=weight_decay)
            _inplace.lerp_(exp_avg, grad, 1 - beta1)
            _inplace.addcmul_(exp_avg_sq.mul_(beta2), grad, grad, value=1 - beta2)
            bias_correction1 = 1 - beta1**step
            bias_correction2 = 1 - beta2**step
            bias_corrected_exp_avg = exp_avg / bias_correction1
            # the length of the approximated simple moving average, and its limit
            rho_inf = 2 / (1 - beta2) - 1
            rho_t = rho_inf - 2 * step * (beta2**step) / bias_correction2
            if rho_t > 5.0:
                rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
                # scalar / tensor, evaluated as PyTorch evaluates it: reciprocal, then the product
                adaptive_lr = exp_avg_sq.sqrt().add_(eps).reciprocal() * (bias_correction2**0.5)
                p.add_(bias_corrected_exp_avg * lr * adaptive_lr * rect, alpha=-1.0)
            else:
                p.add_(bias_corrected_exp_avg * lr, alpha=-1.0)
