"""Learning-rate schedulers (torch.optim.lr_scheduler), chainable as PyTorch's: each step() derives the new lr
from the current one (the recursive form), with the closed form for step(epoch). The classes live in
submodules by kind: the base class (_base), closed-form schedules (_schedules), cyclical schedules (_cyclic),
ReduceLROnPlateau and the schedulers of schedulers (_plateau)."""

from ._base import EPOCH_DEPRECATION_WARNING, LRScheduler  # noqa: F401
from ._cyclic import CyclicLR, OneCycleLR
from ._plateau import ChainedScheduler, ReduceLROnPlateau, SequentialLR, _SchedulerGroup  # noqa: F401
from ._schedules import (
    ConstantLR,
    CosineAnnealingLR,
    CosineAnnealingWarmRestarts,
    ExponentialLR,
    LambdaLR,
    LinearLR,
    MultiplicativeLR,
    MultiStepLR,
    PolynomialLR,
    _LRScheduler,  # noqa: F401
    StepLR,
)

# They present themselves as torch's do, as members of this module (repr, pickling).
for _cls in (LRScheduler, LambdaLR, StepLR, ExponentialLR, CosineAnnealingLR, MultiplicativeLR, MultiStepLR,
             ConstantLR, LinearLR, PolynomialLR, CosineAnnealingWarmRestarts, OneCycleLR, CyclicLR,
             ReduceLROnPlateau, SequentialLR, ChainedScheduler):
    _cls.__module__ = __name__
del _cls
