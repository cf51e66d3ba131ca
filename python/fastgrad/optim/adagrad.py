"""Adagrad: per-coordinate learning rates from the running sum of squared gradients."""
from __future__ import annotations
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # names for annotations only (they stay out of the module's namespace)
    from typing import Any, Dict, Optional, Union  # noqa: F401

    from .._C import Tensor

from .. import _C
from . import _inplace
from .adam import _scalar_dtype
from . import _checks
from .optimizer import Optimizer


class Adagrad(Optimizer):
    """Adagrad: g = grad + weight_decay * p, the learning rate decayed as lr_t = lr / (1 + (t - 1) lr_decay),
    s = s + g^2 (starting at initial_accumulator_value), p = p - lr_t g / (sqrt(s) + eps)."""

    def __init__(
        self,
        params,
        lr=1e-2,
        lr_decay=0,
        weight_decay=0,
        initial_accumulator_value=0,
        eps=1e-10,
        foreach=None,
        *,
        maximize=False,
        differentiable=False,
        fused=None,
    ) -> None:
        if isinstance(lr, _C.Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError(f"Invalid initial_accumulator_value value: {initial_accumulator_value}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        defaults = {
            "lr": lr,
            "lr_decay": lr_decay,
            "eps": eps,
            "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
            "fused": fused,
        }
        super().__init__(params, defaults)
        _checks.check_fused(fused, foreach, differentiable)
        # Adagrad's state exists from the start (PyTorch creates it in the constructor too).
        for group in self.param_groups:
            for p in group["params"]:
                state = self.state[p]
                state["step"] = _C.zeros((), dtype=_scalar_dtype())
                state["sum"] = _C.full_like(p, initial_accumulator_value)

    def step(self, closure=None) -> Optional[Union[Tensor, float]]:
        return self._run_step(closure, self._update_group)

    def _update_group(self, group):
        lr, lr_decay, eps, weight_decay = (
            float(group["lr"]),
            group["lr_decay"],
            group["eps"],
            group["weight_decay"],
        )
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self.state[p]
            state_sum, step_t = state["sum"], state["step"]
            step_t += 1
            step = step_t.item()
            grad = p.grad if not group["maximize"] else -p.grad
            if weight_decay != 0:
                grad = grad.add(p, alpha=weight_decay)
            clr = lr / (1 + (step - 1) * lr_decay)
            _inplace.addcmul_(state_sum, grad, grad, value=1)
            std = state_sum.sqrt().add_(eps)
            _inplace.addcdiv_(p, grad, std, value=-clr)
