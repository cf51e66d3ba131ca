"""Adam and AdamW (Adam with decoupled weight decay)."""
from __future__ import annotations
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # names for annotations only (they stay out of the module's namespace)
    from typing import Any, Dict, Optional, Union  # noqa: F401

    from .._C import Tensor

from .. import _C
from . import _inplace
from . import _checks
from .optimizer import Optimizer, _scalar_dtype  # noqa: F401  (_scalar_dtype: imported from here too)


class Adam(Optimizer):
    """Adam: g = grad (+ weight_decay * p), m = beta1 m + (1 - beta1) g, v = beta2 v + (1 - beta2) g^2, m^ = m
    / (1 - beta1^t), v^ = v / (1 - beta2^t) (with amsgrad=True v^ uses the running maximum of v), p = p -
    lr * m^ / (sqrt(v^) + eps)."""

    def __init__(
        self,
        params,
        lr=1e-3,
        betas=(0.9, 0.999),
        eps=1e-8,
        weight_decay=0,
        amsgrad=False,
        *,
        foreach=None,
        maximize=False,
        capturable=False,
        differentiable=False,
        fused=None,
        decoupled_weight_decay=False,
    ) -> None:
        if isinstance(lr, _C.Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        betas = tuple(float(b) for b in betas)
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
            "maximize": maximize,
            "foreach": foreach,
            "capturable": capturable,
            "differentiable": differentiable,
            "fused": fused,
            "decoupled_weight_decay": decoupled_weight_decay,
        }
        super().__init__(params, defaults)
        _checks.check_fused(fused, foreach, differentiable)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("amsgrad", False)
            group.setdefault("maximize", False)
            group.setdefault("decoupled_weight_decay", False)

    def step(self, closure=None) -> Optional[Union[Tensor, float]]:
        return self._run_step(closure, self._update_group)

    def _update_group(self, group):
        lr = float(group["lr"])
        beta1, beta2 = group["betas"]
        eps, weight_decay, amsgrad = group["eps"], group["weight_decay"], group["amsgrad"]
        decoupled, maximize = group["decoupled_weight_decay"], group["maximize"]
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self.state[p]
            if len(state) == 0:
                state["step"] = _C.zeros((), dtype=_scalar_dtype())
                state["exp_avg"] = _C.zeros_like(p)
                state["exp_avg_sq"] = _C.zeros_like(p)
                if amsgrad:
                    state["max_exp_avg_sq"] = _C.zeros_like(p)
            grad = p.grad if not maximize else -p.grad
            exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
            step_t = state["step"]
            step_t += 1
            if weight_decay != 0:
                if decoupled:
                    p.mul_(1 - lr * weight_decay)
                else:
                    grad = grad.add(p, alpha=weight_decay)
            _inplace.lerp_(exp_avg, grad, 1 - beta1)
            _inplace.addcmul_(exp_avg_sq.mul_(beta2), grad, grad, value=1 - beta2)
            step = step_t.item()
            bias_correction1 = 1 - beta1**step
            bias_correction2 = 1 - beta2**step
            step_size = lr / bias_correction1
            bias_correction2_sqrt = bias_correction2**0.5
            if amsgrad:
                state["max_exp_avg_sq"].copy_(_inplace.maximum(state["max_exp_avg_sq"], exp_avg_sq))
                denom = (state["max_exp_avg_sq"].sqrt() / bias_correction2_sqrt).add_(eps)
            else:
                denom = (exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(eps)
            _inplace.addcdiv_(p, exp_avg, denom, value=-step_size)


class AdamW(Adam):
    """Adam with decoupled weight decay: p = p * (1 - lr * weight_decay) first (weight_decay 0.01 by default),
    then the Adam update without decay in the gradient."""

    def __init__(
        self,
        params,
        lr=1e-3,
        betas=(0.9, 0.999),
        eps=1e-8,
        weight_decay=1e-2,
        amsgrad=False,
        *,
        maximize=False,
        foreach=None,
        capturable=False,
        differentiable=False,
        fused=None,
    ) -> None:
        super().__init__(
            params,
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad,
            foreach=foreach,
            maximize=maximize,
            capturable=capturable,
            differentiable=differentiable,
            fused=fused,
            decoupled_weight_decay=True,
        )

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True
