"""fastgrad.Size: the shape of a tensor, a tuple that prints like PyTorch's torch.Size."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, SupportsIndex, Tuple, Union, overload

from . import _C

if TYPE_CHECKING:
    _SizeBase = Tuple[int, ...]
else:
    _SizeBase = tuple


class Size(_SizeBase):
    """The shape of a tensor: a tuple of ints (a slice of it is a Size) that prints as fastgrad.Size([...])."""

    __slots__ = ()

    def __repr__(self):
        return "fastgrad.Size([" + ", ".join(str(d) for d in self) + "])"

    __str__ = __repr__

    @overload
    def __getitem__(self, key: SupportsIndex) -> int: ...

    @overload
    def __getitem__(self, key: slice) -> Size: ...

    def __getitem__(self, key: Union[SupportsIndex, slice]) -> Any:
        item = tuple.__getitem__(self, key)
        return Size(item) if isinstance(key, slice) else item

    def __add__(self, other: Tuple[int, ...]) -> Size:  # type: ignore[override]
        """Concatenation with a tuple is a Size, as torch.Size's."""
        if not isinstance(other, tuple):
            return NotImplemented
        return Size(tuple(self) + tuple(other))

    def __radd__(self, other: Tuple[int, ...]) -> Size:
        """A tuple + a Size is a Size, as with torch.Size."""
        if not isinstance(other, tuple):
            return NotImplemented
        return Size(tuple(other) + tuple(self))

    def numel(self) -> int:
        """The number of elements a tensor of this shape holds: the product of the sizes (1 for ())."""
        n = 1
        for d in self:
            n *= d
        return n


_C._set_size_class(Size)
