"""fastgrad.utils: data loading (fastgrad.utils.data), activation checkpointing (fastgrad.utils.checkpoint) and
DLPack exchange (fastgrad.utils.dlpack).

``fastgrad.utils.data`` is imported on first use (``import fastgrad.utils.data``, ``from fastgrad.utils.data
import DataLoader`` or the attribute ``fastgrad.utils.data``): it brings in multiprocessing and the worker
machinery, which ``import fastgrad`` should not pay for.
"""

import importlib as _importlib


def __getattr__(name):
    if name in ("data", "checkpoint", "dlpack"):
        return _importlib.import_module("." + name, __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
