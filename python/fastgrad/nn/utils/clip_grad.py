"""clip_grad_norm_ and clip_grad_value_: rescale or clamp gradients in place before an optimizer step."""

import math

import numpy as np

from ... import _C
from ...autograd.grad_mode import no_grad

Tensor = _C.Tensor


def _grads(parameters):
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def _norm(g, norm_type):
    try:
        return g.norm(norm_type)
    except NotImplementedError:  # a core without infinite-order norms
        values = np.abs(g.numpy())
        return _C.from_numpy(np.asarray(values.max() if norm_type > 0 else values.min(), order="C"))


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Scales all gradients together so that their joint norm is at most max_norm; returns that norm
    (before clipping) as a tensor. The joint norm is the norm of the per-tensor norms, as in PyTorch."""
    grads = _grads(parameters)
    max_norm = float(max_norm)
    norm_type = float(norm_type)
    if len(grads) == 0:
        return _C.zeros(())
    with no_grad():
        norms = [_norm(g, norm_type) for g in grads]
        if math.isinf(norm_type):
            total = (max if norm_type > 0 else min)(norms, key=lambda n: n.item())
        else:
            total = norms[0].pow(norm_type)
            for n in norms[1:]:
                total = total + n.pow(norm_type)
            total = total.pow(1.0 / norm_type)
        value = total.item()
        if error_if_nonfinite and not math.isfinite(value):
            raise RuntimeError(
                f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so it "
                f"cannot "
                "be clipped. To disable this error and scale the gradients by the non-finite norm anyway, "
                "set "
                "`error_if_nonfinite=False`"
            )
        clip_coef = min(max_norm / (value + 1e-6), 1.0)
        for g in grads:
            g.mul_(clip_coef)
    return total


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamps every gradient element into [-clip_value, clip_value]."""
    clip_value = float(clip_value)
    with no_grad():
        for g in _grads(parameters):
            g.copy_(g.clamp(min=-clip_value, max=clip_value))
