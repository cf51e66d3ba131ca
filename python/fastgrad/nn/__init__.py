"""fastgrad.nn: Module, Parameter, layers, losses, init and the functional API."""
from . import functional  # noqa: F401
from . import init  # noqa: F401
from . import utils  # noqa: F401
from .modules import (  # noqa: F401
    BCELoss, BCEWithLogitsLoss, BatchNorm1d, Bilinear, CrossEntropyLoss, Dropout, Embedding, Flatten, GELU,
    HuberLoss, Identity, L1Loss, LayerNorm, LeakyReLU, Linear, LogSoftmax, MSELoss, Module, ModuleDict,
    ModuleList, NLLLoss, ReLU, Sequential, SiLU, Sigmoid, SmoothL1Loss, Softmax, Tanh, Unflatten,
)
from .parameter import Buffer, Parameter  # noqa: F401
