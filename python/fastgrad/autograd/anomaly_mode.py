"""Anomaly detection: a NaN produced in backward raises at the Node that made it, with the Python
traceback of the forward call that created that Node."""
import warnings

from .. import _C
from .grad_mode import _DecoratorContextManager


class detect_anomaly(_DecoratorContextManager):
    """Enables anomaly detection inside a block (or a decorated function)."""

    def __init__(self, check_nan=True):
        self.check_nan = check_nan
        warnings.warn("Anomaly Detection has been enabled. This mode will increase the runtime and should only be "
                      "enabled for debugging.", UserWarning, stacklevel=2)

    def __enter__(self):
        self.prev = _C.is_anomaly_enabled()
        _C._set_anomaly_enabled(self.check_nan)

    def __exit__(self, *exc):
        _C._set_anomaly_enabled(self.prev)

    def clone(self):
        """A new context manager with the same arguments (a decorated function gets a fresh one per call)."""
        return _Quiet(self.check_nan)


class _Quiet(detect_anomaly):
    def __init__(self, check_nan=True):  # re-entering a decorated function does not warn again
        self.check_nan = check_nan


class set_detect_anomaly:
    """Turns anomaly detection on or off at once; as a context manager, restores it on exit."""

    def __init__(self, mode, check_nan=True):
        self.prev = _C.is_anomaly_enabled()
        _C._set_anomaly_enabled(bool(mode) and check_nan)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _C._set_anomaly_enabled(self.prev)
