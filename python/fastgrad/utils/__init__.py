"""fastgrad.utils: data loading (fastgrad.utils.data)."""

from . import data  # noqa: F401
