"""Global switches PyTorch programs set at start-up: float32 matmul precision and deterministic algorithms.

fastgrad's kernels are deterministic and its float32 products never use TF32 or reduced precision, so these
only record the setting, which reads back as in PyTorch.
"""
import warnings

from .backends import cuda as _cuda

_deterministic = {"mode": False, "warn_only": False}


def set_float32_matmul_precision(precision):
    r"""Set the internal precision of float32 matrix products: ``"highest"``, ``"high"`` or ``"medium"``.

    As in PyTorch, ``"high"`` and ``"medium"`` also turn on ``fastgrad.backends.cuda.matmul.allow_tf32``.
    fastgrad's products always compute in full float32 (or better), so the setting changes no result. A
    precision that is not a string raises RuntimeError; an unknown string warns and changes nothing.
    """
    if not isinstance(precision, str):
        raise RuntimeError(f"set_float32_matmul_precision expects a str, but got {type(precision).__name__}")
    if precision not in ("highest", "high", "medium"):
        warnings.warn(
            f"{precision} is not one of 'highest', 'high', or 'medium'; the current "
            "setFloat32MatmulPrecision call has no effect.",
            UserWarning,
            stacklevel=2,
        )
        return
    _cuda._precision[0] = precision


def get_float32_matmul_precision():
    """The float32 matmul precision set by ``set_float32_matmul_precision``: ``"highest"`` by default."""
    return _cuda._precision[0]


def use_deterministic_algorithms(mode, *, warn_only=False):
    r"""Ask for deterministic algorithms (``torch.use_deterministic_algorithms``).

    Every fastgrad kernel is deterministic (results do not depend on the thread count or on timing), so no
    operation ever raises or warns for nondeterminism; the setting is recorded and read back by
    ``are_deterministic_algorithms_enabled`` and ``is_deterministic_algorithms_warn_only_enabled``.
    ``mode`` and ``warn_only`` must be bools (TypeError otherwise, as in PyTorch).
    """
    if not isinstance(mode, bool):
        raise TypeError(
            f"_set_deterministic_algorithms(): argument 'mode' (position 1) must be bool, not {type(mode).__name__}"
        )
    if not isinstance(warn_only, bool):
        raise TypeError(
            "_set_deterministic_algorithms(): argument 'warn_only' must be bool, not " f"{type(warn_only).__name__}"
        )
    _deterministic["mode"] = mode
    _deterministic["warn_only"] = warn_only


def are_deterministic_algorithms_enabled():
    """Whether ``use_deterministic_algorithms(True)`` is in effect."""
    return _deterministic["mode"]


def is_deterministic_algorithms_warn_only_enabled():
    """Whether ``use_deterministic_algorithms(..., warn_only=True)`` is in effect."""
    return _deterministic["warn_only"]
