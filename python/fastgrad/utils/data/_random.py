"""The random draws of the data utilities, made the way PyTorch makes them (same generator, same calls), so
that the same seed gives PyTorch's shuffles and splits."""

import numpy as np

from ... import _C


def randperm_list(n, generator):
    """torch.randperm(n, generator=generator).tolist()."""
    randperm = getattr(_C, "randperm", None)
    if randperm is not None:
        return randperm(n, generator=generator).tolist()
    # Without randperm in the core: a permutation from the same generator (not PyTorch's order).
    keys = _C.rand(n, dtype=_C.float64, generator=generator).numpy() if n else np.zeros(0)
    return np.argsort(keys, kind="stable").tolist()


def random_int64(generator=None):
    """The value of torch.empty((), dtype=torch.int64).random_(generator=...): one 64-bit draw."""
    t = _C.empty((), dtype=_C.int64)
    if hasattr(t, "random_"):
        return int(t.random_(generator=generator).item())
    return int(_C.randint(0, 2**62, (), generator=generator).item())
