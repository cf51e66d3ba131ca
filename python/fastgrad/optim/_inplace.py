"""In-place update steps the optimizers share, in PyTorch's arithmetic order.

Each uses the Tensor method of the same name when the core has it, else the same formula written with the
in-place ops every core has (add_, mul_, copy_). PyTorch's CPU kernels compute
  addcmul_: self + value * t1 * t2        addcdiv_: self + value * t1 / t2
  lerp_:    self + w * (end - self) if w < 0.5 else end - (end - self) * (1 - w)
"""

from .. import _C

Tensor = _C.Tensor
_HAS = {name: hasattr(Tensor, name) for name in ("addcmul_", "addcdiv_", "lerp_", "sqrt_")}


def addcmul_(self, t1, t2, value=1):
    if _HAS["addcmul_"]:
        return self.addcmul_(t1, t2, value=value)
    return self.add_(t1 * value * t2)


def addcdiv_(self, t1, t2, value=1):
    if _HAS["addcdiv_"]:
        return self.addcdiv_(t1, t2, value=value)
    return self.add_(t1 * value / t2)


def lerp_(self, end, weight):
    if _HAS["lerp_"]:
        return self.lerp_(end, weight)
    if weight < 0.5:
        return self.add_((end - self) * weight)
    return self.copy_(end - (end - self) * (1 - weight))


def maximum(a, b):
    native = getattr(_C, "maximum", None)
    if native is not None:
        return native(a, b)
    bigger = (b > a).to(a.dtype)
    return a + (b - a) * bigger


def sqrt_(self):
    if _HAS["sqrt_"]:
        return self.sqrt_()
    return self.copy_(self.sqrt())
