"""fastgrad.nn: Module, Parameter, layers, losses, init and the functional API."""

from . import (
    functional,
    init,
    utils,
)
from .modules import *  # noqa: F403
from .modules import __all__ as _modules_all
from .parameter import Buffer, Parameter

__all__ = list(_modules_all) + ["Buffer", "Parameter"]


def __getattr__(name):
    # fastgrad.nn.parallel (DistributedDataParallel) on first use, as torch.nn.parallel
    if name == "parallel":
        import importlib

        return importlib.import_module(".parallel", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
