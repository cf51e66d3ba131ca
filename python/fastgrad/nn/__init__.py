"""fastgrad.nn: Module, Parameter, layers, losses, init and the functional API."""

from . import (
    functional,  # noqa: F401
    init,  # noqa: F401
    utils,  # noqa: F401
)
from .modules import (  # noqa: F401
    GELU,
    BatchNorm1d,
    BCELoss,
    BCEWithLogitsLoss,
    Bilinear,
    CrossEntropyLoss,
    Dropout,
    Embedding,
    Flatten,
    HuberLoss,
    Identity,
    L1Loss,
    LayerNorm,
    LeakyReLU,
    Linear,
    LogSoftmax,
    Module,
    ModuleDict,
    ModuleList,
    MSELoss,
    NLLLoss,
    ReLU,
    Sequential,
    Sigmoid,
    SiLU,
    SmoothL1Loss,
    Softmax,
    Tanh,
    Unflatten,
)
from .parameter import Buffer, Parameter  # noqa: F401
