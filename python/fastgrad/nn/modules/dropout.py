"""Dropout, Flatten and Unflatten."""

from .. import functional as F
from .module import Module


class Dropout(Module):
    """In training, zeroes each element with probability p and scales the rest by 1/(1-p)."""

    def __init__(self, p=0.5, inplace=False) -> None:
        super().__init__()
        if p < 0 or p > 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def forward(self, input):
        return F.dropout(input, self.p, self.training, self.inplace)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"


class Flatten(Module):
    """Flattens dims start_dim..end_dim into one."""

    def __init__(self, start_dim=1, end_dim=-1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input):
        if hasattr(input, "flatten"):
            return input.flatten(self.start_dim, self.end_dim)
        shape = tuple(input.shape)
        if not shape:
            return input.reshape(1)
        start = self.start_dim % len(shape)
        end = self.end_dim % len(shape)
        if start > end:
            raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
        middle = 1
        for s in shape[start : end + 1]:
            middle *= s
        return input.reshape(shape[:start] + (middle,) + shape[end + 1 :])

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Expands dim into unflattened_size."""

    def __init__(self, dim, unflattened_size) -> None:
        super().__init__()
        self.dim = dim
        self.unflattened_size = (
            tuple(unflattened_size) if isinstance(unflattened_size, list) else unflattened_size
        )

    def forward(self, input):
        shape = tuple(input.shape)
        d = self.dim % len(shape)
        return input.reshape(shape[:d] + tuple(self.unflattened_size) + shape[d + 1 :])

    def extra_repr(self):
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
