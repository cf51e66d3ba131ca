"""RMSprop, optionally centered and with momentum."""
from __future__ import annotations
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # names for annotations only (they stay out of the module's namespace)
    from typing import Any, Dict, Optional, Union  # noqa: F401

    from .._C import Tensor

from .. import _C
from . import _inplace
from .adam import _scalar_dtype
from .optimizer import Optimizer


class RMSprop(Optimizer):
    """RMSprop: g = grad + weight_decay * p, v = alpha v + (1 - alpha) g^2 (with centered=True, also a running
    mean m of g and v - m^2 in place of v), with momentum b = momentum b + g / (sqrt(v) + eps) and p = p -
    lr b, else p = p - lr g / (sqrt(v) + eps)."""

    def __init__(
        self,
        params,
        lr=1e-2,
        alpha=0.99,
        eps=1e-8,
        weight_decay=0,
        momentum=0,
        centered=False,
        capturable=False,
        foreach=None,
        maximize=False,
        differentiable=False,
    ) -> None:
        if isinstance(lr, _C.Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "alpha": alpha,
            "eps": eps,
            "centered": centered,
            "weight_decay": weight_decay,
            "capturable": capturable,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    def step(self, closure=None) -> Optional[Union[Tensor, float]]:
        return self._run_step(closure, self._update_group)

    def _update_group(self, group):
        lr, alpha, eps = float(group["lr"]), group["alpha"], group["eps"]
        weight_decay, momentum, centered = group["weight_decay"], group["momentum"], group["centered"]
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self.state[p]
            if len(state) == 0:
                state["step"] = _C.zeros((), dtype=_scalar_dtype())
                state["square_avg"] = _C.zeros_like(p)
                if momentum > 0:
                    state["momentum_buffer"] = _C.zeros_like(p)
                if centered:
                    state["grad_avg"] = _C.zeros_like(p)
            grad = p.grad if not group["maximize"] else -p.grad
            square_avg = state["square_avg"]
            state["step"] += 1
            if weight_decay != 0:
                grad = grad.add(p, alpha=weight_decay)
            _inplace.addcmul_(square_avg.mul_(alpha), grad, grad, value=1 - alpha)
            if centered:
                grad_avg = state["grad_avg"]
                _inplace.lerp_(grad_avg, grad, 1 - alpha)
                avg = _inplace.sqrt_(_inplace.addcmul_(square_avg.clone(), grad_avg, grad_avg, value=-1))
            else:
                avg = square_avg.sqrt()
            avg = avg.add_(eps)
            if momentum > 0:
                buf = state["momentum_buffer"]
                _inplace.addcdiv_(buf.mul_(momentum), grad, avg)
                p.add_(buf, alpha=-lr)
            else:
                _inplace.addcdiv_(p, grad, avg, value=-lr)
