"""Adadelta: steps scaled by the ratio of running RMS of past updates to running RMS of gradients."""
from __future__ import annotations
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # names for annotations only (they stay out of the module's namespace)
    from typing import Any, Dict, Optional, Union  # noqa: F401

    from .._C import Tensor

from .. import _C
from . import _checks, _inplace
from .optimizer import Optimizer


class Adadelta(Optimizer):
    """Adadelta: g = grad + weight_decay * p, v = rho v + (1 - rho) g^2, delta = sqrt(u + eps) / sqrt(v + eps)
    * g, u = rho u + (1 - rho) delta^2, p = p - lr * delta."""

    def __init__(
        self,
        params,
        lr=1.0,
        rho=0.9,
        eps=1e-6,
        weight_decay=0,
        foreach=None,
        *,
        capturable=False,
        maximize=False,
        differentiable=False,
    ) -> None:
        _checks.check_lr(lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        _checks.check_weight_decay(weight_decay)
        defaults = {
            "lr": lr,
            "rho": rho,
            "eps": eps,
            "weight_decay": weight_decay,
            "maximize": maximize,
            "capturable": capturable,
            "foreach": foreach,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    def step(self, closure=None) -> Optional[Union[Tensor, float]]:
        return self._run_step(closure, self._update_group)

    def _update_group(self, group):
        lr, rho, eps, weight_decay = float(group["lr"]), group["rho"], group["eps"], group["weight_decay"]
        init = lambda p: {"square_avg": _C.zeros_like(p), "acc_delta": _C.zeros_like(p)}  # noqa: E731
        for p, grad, state in self._each_param(group, init):
            square_avg, acc_delta = state["square_avg"], state["acc_delta"]
            state["step"] += 1
            if weight_decay != 0:
                grad = grad.add(p, alpha=weight_decay)
            _inplace.addcmul_(square_avg.mul_(rho), grad, grad, value=1 - rho)
            std = _inplace.sqrt_(square_avg.add(eps))
            delta = _inplace.sqrt_(acc_delta.add(eps))
            delta.div_(std).mul_(grad)
            _inplace.addcmul_(acc_delta.mul_(rho), delta, delta, value=1 - rho)
            p.add_(delta, alpha=-lr)
