"""fastgrad.Size: the shape of a tensor, a tuple that prints like PyTorch's torch.Size."""
from . import _C


class Size(tuple):
    __slots__ = ()

    def __repr__(self):
        return "fastgrad.Size([" + ", ".join(str(d) for d in self) + "])"

    __str__ = __repr__

    def __getitem__(self, key):
        item = tuple.__getitem__(self, key)
        return Size(item) if isinstance(key, slice) else item

    def numel(self):
        n = 1
        for d in self:
            n *= d
        return n


_C._set_size_class(Size)
