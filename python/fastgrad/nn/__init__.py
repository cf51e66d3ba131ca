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
