"""NAdam: Adam with Nesterov momentum and a momentum-decay schedule (Dozat, 2016)."""
from __future__ import annotations
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # names for annotations only (they stay out of the module's namespace)
    from typing import Any, Dict, Optional, Union  # noqa: F401

    from .._C import Tensor

from .. import _C
from . import _checks, _inplace
from .optimizer import _scalar_dtype
from .optimizer import Optimizer


class NAdam(Optimizer):
    """Adam with Nesterov momentum: g = grad (+ weight_decay * p, or p scaled by 1 - lr * weight_decay with
    decoupled_weight_decay=True), mu_t = beta1 (1 - 0.5 * 0.96^(t * momentum_decay)), m and v as Adam,
    d = sqrt(v / (1 - beta2^t)) + eps, p = p - lr (1 - mu_t) / (1 - mu_1...mu_t) g / d - lr mu_{t+1} /
    (1 - mu_1...mu_{t+1}) m / d."""

    def __init__(
        self,
        params,
        lr=2e-3,
        betas=(0.9, 0.999),
        eps=1e-8,
        weight_decay=0,
        momentum_decay=4e-3,
        decoupled_weight_decay=False,
        *,
        foreach=None,
        maximize=False,
        capturable=False,
        differentiable=False,
    ) -> None:
        _checks.check_adam_like(lr, betas, eps, weight_decay)
        if not 0.0 <= momentum_decay:
            raise ValueError(f"Invalid momentum_decay value: {momentum_decay}")
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "momentum_decay": momentum_decay,
            "decoupled_weight_decay": decoupled_weight_decay,
            "maximize": maximize,
            "foreach": foreach,
            "capturable": capturable,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    def step(self, closure=None) -> Optional[Union[Tensor, float]]:
        return self._run_step(closure, self._update_group)

    def _update_group(self, group):
        lr, (beta1, beta2) = float(group["lr"]), group["betas"]
        eps, weight_decay, momentum_decay = group["eps"], group["weight_decay"], group["momentum_decay"]
        def init(p):
            # mu_product: the running product of the momentum coefficients, kept (like step) in the scalar dtype
            ones = _C.ones((), dtype=_scalar_dtype())
            return {"mu_product": ones, "exp_avg": _C.zeros_like(p), "exp_avg_sq": _C.zeros_like(p)}

        for p, grad, state in self._each_param(group, init):
            exp_avg, exp_avg_sq, mu_product = state["exp_avg"], state["exp_avg_sq"], state["mu_product"]
            state["step"] += 1
            step = state["step"].item()
            bias_correction2 = 1 - beta2**step
            if weight_decay != 0:
                if group["decoupled_weight_decay"]:
                    p.mul_(1 - lr * weight_decay)
                else:
                    grad = grad.add(p, alpha=weight_decay)
            mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
            mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
            mu_product.mul_(mu)
            _inplace.lerp_(exp_avg, grad, 1 - beta1)
            _inplace.addcmul_(exp_avg_sq.mul_(beta2), grad, grad, value=1 - beta2)
            denom = exp_avg_sq.div(bias_correction2).sqrt().add_(eps)
            mu_product_value = mu_product.item()
            mu_product_next = mu_product_value * mu_next
            _inplace.addcdiv_(p, grad, denom, value=-lr * (1.0 - mu) / (1.0 - mu_product_value))
            _inplace.addcdiv_(p, exp_avg, denom, value=(-lr * mu_next) / (1.0 - mu_product_next))
