"""Rprop: per-element step sizes that grow while the gradient keeps its sign and shrink when it flips."""
from __future__ import annotations
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # names for annotations only (they stay out of the module's namespace)
    from typing import Any, Dict, Optional, Union  # noqa: F401

    from .._C import Tensor

from .. import _C
from . import _checks, _inplace
from .optimizer import Optimizer


class Rprop(Optimizer):
    """Resilient backpropagation: each element keeps its own step size, multiplied by etaplus when the
    gradient keeps its sign and by etaminus when it flips (clamped to step_sizes); p = p - sign(grad) *
    step, no step after a sign flip."""

    def __init__(
        self,
        params,
        lr=1e-2,
        etas=(0.5, 1.2),
        step_sizes=(1e-6, 50),
        *,
        capturable=False,
        foreach=None,
        maximize=False,
        differentiable=False,
    ) -> None:
        _checks.check_lr(lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = {
            "lr": lr,
            "etas": etas,
            "step_sizes": step_sizes,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
            "capturable": capturable,
        }
        super().__init__(params, defaults)

    def step(self, closure=None) -> Optional[Union[Tensor, float]]:
        return self._run_step(closure, self._update_group)

    def _update_group(self, group):
        etaminus, etaplus = group["etas"]
        step_size_min, step_size_max = group["step_sizes"]
        init = lambda p: {"prev": _C.zeros_like(p), "step_size": _C.full_like(p, float(group["lr"]))}  # noqa: E731
        for p, grad, state in self._each_param(group, init):
            prev, step_size = state["prev"], state["step_size"]
            state["step"] += 1
            # the factor for each element: etaplus where the gradient kept its sign, etaminus where it
            # flipped, 1 where either is zero
            sign = grad.mul(prev).sign()
            flipped = sign < 0
            factor = _C.where(
                sign > 0,
                _C.full_like(p, etaplus),
                _C.where(flipped, _C.full_like(p, etaminus), _C.ones_like(p)),
            )
            step_size.mul_(factor).clamp_(step_size_min, step_size_max)
            # after a sign flip the step is skipped, and the next step sees a zero previous gradient
            grad = _C.where(flipped, _C.zeros_like(grad), grad)
            _inplace.addcmul_(p, grad.sign(), step_size, value=-1)
            prev.copy_(grad)
