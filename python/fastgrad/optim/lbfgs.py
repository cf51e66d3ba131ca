"""L-BFGS: a limited-memory quasi-Newton method (Nocedal & Wright, Numerical Optimization, ch. 7 and 3).

Each iteration builds a search direction d = -H g from the last history_size curvature pairs
(s = x_{k+1} - x_k, y = g_{k+1} - g_k) by the two-loop recursion, scaling the initial inverse Hessian by
gamma = s.y / y.y; a pair is kept only when s.y > 1e-10 (it keeps H positive definite). The step length is
lr (the first step of a run is scaled by 1 / |g|_1), or, with line_search_fn="strong_wolfe", the result
of a line search that brackets a point satisfying the strong Wolfe conditions (sufficient decrease
c1 = 1e-4, curvature c2 = 0.9) and then zooms into the bracket, choosing trial steps by cubic
interpolation of the two bracket ends (values and directional derivatives), kept away from the ends.

Like torch.optim.LBFGS: all parameters form one flat vector (one parameter group only), step(closure) may
evaluate the closure several times (at most max_eval times) and returns the loss of its first evaluation,
and the state (history, direction, step, counters) lives in self.state of the first parameter.
"""
from __future__ import annotations
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # names for annotations only (they stay out of the module's namespace)
    from typing import Any, Dict, Optional, Union  # noqa: F401

    from .._C import Tensor

import math

from .. import _C
from ..autograd.grad_mode import enable_grad, no_grad
from .optimizer import Optimizer

_C1, _C2 = 1e-4, 0.9  # the strong Wolfe constants
_MAX_LS = 25  # trial steps per line search


def _cubic_minimizer(t1, f1, g1, t2, f2, g2, bounds=None):
    """The minimizer of the cubic through (t1, f1) and (t2, f2) with slopes g1 and g2, clamped to bounds
    (default: between t1 and t2); the middle of the bounds when the cubic has no minimizer."""
    lo, hi = bounds if bounds is not None else ((t1, t2) if t1 <= t2 else (t2, t1))
    # Nocedal & Wright (3.59), written from whichever end is to the right.
    a = g1 + g2 - 3 * (f1 - f2) / (t1 - t2)
    disc = a * a - g1 * g2
    if disc < 0:
        return (lo + hi) / 2.0
    b = disc.sqrt() if isinstance(disc, _C.Tensor) else math.sqrt(disc)
    if t1 <= t2:
        t = t2 - (t2 - t1) * ((g2 + b - a) / (g2 - g1 + 2 * b))
    else:
        t = t1 - (t1 - t2) * ((g1 + b - a) / (g1 - g2 + 2 * b))
    return min(max(t, lo), hi)


def _as_float(loss):
    """The closure's loss as a Python number (detached first: no warning about requires_grad)."""
    return float(loss.detach()) if isinstance(loss, _C.Tensor) else float(loss)


class _Point:
    """A trial step of the line search: its length, the loss there, the gradient and the slope along d."""

    __slots__ = ("t", "f", "g", "gtd")

    def __init__(self, t, f, g, gtd):
        self.t, self.f, self.g, self.gtd = t, f, g, gtd


def _strong_wolfe(evaluate, t, d, f0, g0, gtd0, tolerance_change):
    """Returns (loss, flat gradient, step, evaluations) of a step along d meeting the strong Wolfe
    conditions (or the best one found within _MAX_LS evaluations)."""
    d_scale = d.abs().max()
    start = _Point(0, f0, g0.clone(), gtd0)

    def sufficient(p):
        return p.f <= f0 + _C1 * p.t * gtd0

    def curvature(p):
        return abs(p.gtd) <= -_C2 * gtd0

    def trial(step):
        f, g = evaluate(step)
        return _Point(step, f, g, g.dot(d))

    # Phase 1: step forward, extrapolating, until the step is acceptable or a bracket holds a minimizer.
    prev, cur = start, trial(t)
    evals, tries = 1, 0
    bracket, found = None, False
    while tries < _MAX_LS:
        if not sufficient(cur) or (tries > 1 and cur.f >= prev.f):
            bracket = [prev, cur]
            break
        if curvature(cur):
            bracket, found = [cur], True
            break
        if cur.gtd >= 0:
            bracket = [prev, cur]
            break
        step = _cubic_minimizer(prev.t, prev.f, prev.gtd, cur.t, cur.f, cur.gtd,
                                bounds=(cur.t + 0.01 * (cur.t - prev.t), cur.t * 10))
        prev = _Point(cur.t, cur.f, cur.g.clone(), cur.gtd)
        cur = trial(step)
        evals += 1
        tries += 1
    if tries == _MAX_LS:
        bracket = [_Point(0, f0, g0, None), cur]

    # Phase 2: zoom into the bracket [low, high], low being the end with the lower loss.
    def ends():
        return (0, 1) if bracket[0].f <= bracket[-1].f else (1, 0)

    low, high = ends()
    stalled = False
    while not found and tries < _MAX_LS:
        a, b = bracket[0], bracket[1]
        if abs(b.t - a.t) * d_scale < tolerance_change:
            break
        step = _cubic_minimizer(a.t, a.f, a.gtd, b.t, b.f, b.gtd)
        left, right = min(a.t, b.t), max(a.t, b.t)
        margin = 0.1 * (right - left)
        if min(right - step, step - left) < margin:
            # Too close to an end: allowed once; the next time (or outside the bracket), move it inside.
            if stalled or step >= right or step <= left:
                step = right - margin if abs(step - right) < abs(step - left) else left + margin
                stalled = False
            else:
                stalled = True
        else:
            stalled = False
        p = trial(step)
        evals += 1
        tries += 1
        if not sufficient(p) or p.f >= bracket[low].f:
            bracket[high] = _Point(p.t, p.f, p.g.clone(), p.gtd)
            low, high = ends()
        else:
            if curvature(p):
                found = True
            elif p.gtd * (bracket[high].t - bracket[low].t) >= 0:
                bracket[high] = bracket[low]
            bracket[low] = _Point(p.t, p.f, p.g.clone(), p.gtd)
    best = bracket[low]
    return best.f, best.g, best.t, evals


class LBFGS(Optimizer):
    """torch.optim.LBFGS: lr (step length, default 1), max_iter (iterations per step(), 20), max_eval
    (closure evaluations per step(), default max_iter * 5 // 4), tolerance_grad (stop when the largest
    gradient entry is at most this, 1e-7), tolerance_change (stop when the step or the loss changes less,
    1e-9), history_size (curvature pairs kept, 100), line_search_fn (None or "strong_wolfe").

    step(closure) needs a closure that zeroes the gradients, computes the loss, calls backward() and
    returns the loss; it returns the closure's first loss. One parameter group only.
    """

    def __init__(
        self,
        params,
        lr=1,
        max_iter=20,
        max_eval=None,
        tolerance_grad=1e-7,
        tolerance_change=1e-9,
        history_size=100,
        line_search_fn=None,
    ) -> None:
        if isinstance(lr, _C.Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = {
            "lr": lr,
            "max_iter": max_iter,
            "max_eval": max_eval,
            "tolerance_grad": tolerance_grad,
            "tolerance_change": tolerance_change,
            "history_size": history_size,
            "line_search_fn": line_search_fn,
        }
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]["params"]
        self._numel_cache = None

    # ---- the parameters as one flat vector ----

    def _numel(self):
        if self._numel_cache is None:
            self._numel_cache = sum(p.numel() for p in self._params)
        return self._numel_cache

    def _gather_flat_grad(self):
        parts = []
        for p in self._params:
            if p.grad is None:
                parts.append(p.new_zeros(p.numel()))
            else:
                parts.append(p.grad.reshape(-1))
        return _C.cat(parts, 0)

    def _add_grad(self, step, direction):
        offset = 0
        for p in self._params:
            n = p.numel()
            p.add_(direction[offset : offset + n].view_as(p), alpha=step)
            offset += n

    def _clone_params(self):
        return [p.clone() for p in self._params]

    def _set_params(self, values):
        for p, v in zip(self._params, values):
            p.copy_(v)

    def _evaluate_at(self, closure, x, step, direction):
        """The loss and flat gradient at x + step * direction; the parameters are put back to x."""
        self._add_grad(step, direction)
        with enable_grad():
            loss = _as_float(closure())
        grad = self._gather_flat_grad()
        self._set_params(x)
        return loss, grad

    @no_grad()
    def step(self, closure) -> Optional[Union[Tensor, float]]:
        """Runs up to max_iter L-BFGS iterations; closure re-evaluates the model and returns the loss."""
        group = self.param_groups[0]
        lr = group["lr"]
        max_iter, max_eval = group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        history_size, line_search_fn = group["history_size"], group["line_search_fn"]
        if line_search_fn is not None and line_search_fn != "strong_wolfe":
            raise RuntimeError("only 'strong_wolfe' is supported")

        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        with enable_grad():
            first_loss = closure()
        loss = _as_float(first_loss)
        evals = 1
        state["func_evals"] += 1
        grad = self._gather_flat_grad()
        if grad.abs().max() <= tolerance_grad:
            return first_loss

        d, t = state.get("d"), state.get("t")
        dirs, steps, rho = state.get("old_dirs"), state.get("old_stps"), state.get("ro")
        h_diag = state.get("H_diag")
        prev_grad, prev_loss = state.get("prev_flat_grad"), state.get("prev_loss")

        iters = 0
        while iters < max_iter:
            iters += 1
            state["n_iter"] += 1

            # The search direction.
            if state["n_iter"] == 1:
                d = grad.neg()
                dirs, steps, rho = [], [], []
                h_diag = 1
            else:
                y = grad.sub(prev_grad)
                s = d.mul(t)
                ys = y.dot(s)
                if ys > 1e-10:  # keep the pair only where the curvature is positive
                    if len(dirs) == history_size:
                        dirs.pop(0)
                        steps.pop(0)
                        rho.pop(0)
                    dirs.append(y)
                    steps.append(s)
                    rho.append(1.0 / ys)
                    h_diag = ys / y.dot(y)
                # Two-loop recursion: d = -H grad.
                if "al" not in state:
                    state["al"] = [None] * history_size
                alpha = state["al"]
                q = grad.neg()
                for i in range(len(dirs) - 1, -1, -1):
                    alpha[i] = steps[i].dot(q) * rho[i]
                    q.add_(dirs[i], alpha=-alpha[i])
                d = r = q.mul(h_diag)
                for i in range(len(dirs)):
                    beta = dirs[i].dot(r) * rho[i]
                    r.add_(steps[i], alpha=alpha[i] - beta)

            prev_grad = grad.clone()
            prev_loss = loss

            # The step length.
            if state["n_iter"] == 1:
                t = min(1.0, 1.0 / grad.abs().sum()) * lr
            else:
                t = lr
            gtd = grad.dot(d)
            if gtd > -tolerance_change:  # not a descent direction any more
                break

            if line_search_fn is not None:
                x0 = self._clone_params()

                def evaluate(step, x0=x0, d=d):
                    return self._evaluate_at(closure, x0, step, d)

                loss, grad, t, ls_evals = _strong_wolfe(evaluate, t, d, loss, grad, gtd, tolerance_change)
                self._add_grad(t, d)
            else:
                self._add_grad(t, d)
                ls_evals = 0
                if iters != max_iter:
                    with enable_grad():
                        loss = _as_float(closure())
                    grad = self._gather_flat_grad()
                    ls_evals = 1
            converged = grad.abs().max() <= tolerance_grad
            evals += ls_evals
            state["func_evals"] += ls_evals

            if iters == max_iter or evals >= max_eval or converged:
                break
            if d.mul(t).abs().max() <= tolerance_change:
                break
            if abs(loss - prev_loss) < tolerance_change:
                break

        state["d"], state["t"] = d, t
        state["old_dirs"], state["old_stps"], state["ro"] = dirs, steps, rho
        state["H_diag"] = h_diag
        state["prev_flat_grad"], state["prev_loss"] = prev_grad, prev_loss
        return first_loss
