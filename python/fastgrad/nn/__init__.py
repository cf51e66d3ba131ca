"""fastgrad.nn: neural-network building blocks (see nn.functional)."""
from . import functional  # noqa: F401
