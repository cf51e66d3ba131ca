"""Memory formats: fastgrad.contiguous_format, preserve_format, channels_last, channels_last_3d.

They are accepted wherever PyTorch takes memory_format= (contiguous, clone, to, is_contiguous, the *_like
factories, Module.to). fastgrad lays results out row-major (docs/differences.md, `result-layout`), so
contiguous_format and preserve_format give the row-major layout; channels_last (4-d) and channels_last_3d
(5-d) give the channels-last strides in contiguous(), clone() and to(), and is_contiguous() checks them.
"""

from . import _C

Tensor = _C.Tensor


class memory_format:
    """A memory layout a tensor can be asked for (fastgrad.contiguous_format, preserve_format,
    channels_last, channels_last_3d)."""

    def __init__(self, name):
        self._name = name

    def __repr__(self):
        return f"fastgrad.{self._name}"

    def __reduce__(self):
        return self._name  # pickles as the module-level object of that name


contiguous_format = memory_format("contiguous_format")
preserve_format = memory_format("preserve_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")

# The order in which channels-last strides grow: channels first, then the spatial dims last to first, batch.
_CHANNELS_LAST = {channels_last: (4, (1, 3, 2, 0)), channels_last_3d: (5, (1, 4, 3, 2, 0))}


def _check(fn, fmt):
    if fmt is not None and not isinstance(fmt, memory_format):
        raise TypeError(
            f"{fn}(): argument 'memory_format' must be fastgrad.memory_format, not {type(fmt).__name__}"
        )


def _rank_check(t, fmt):
    rank, _ = _CHANNELS_LAST[fmt]
    if t.dim() != rank:
        raise RuntimeError(f"required rank {rank} tensor to use {fmt._name} format")


def _is_channels_last(t, fmt):
    rank, order = _CHANNELS_LAST[fmt]
    if t.dim() != rank:
        return False
    sizes, strides = t.shape, t.stride()
    expected = 1
    for d in order:
        if sizes[d] != 1:
            if strides[d] != expected:
                return False
            expected *= sizes[d]
    return True


def _to_channels_last(t, fmt):
    """A copy of t with channels-last strides (recorded by autograd as a permute and a copy)."""
    _, order = _CHANNELS_LAST[fmt]
    to_last = [d for d in reversed(order)]  # batch, spatial dims in order, channels
    back = [to_last.index(d) for d in range(t.dim())]
    return t.permute(*to_last).clone().permute(*back)


_contiguous = Tensor.contiguous
_clone = Tensor.clone
_is_contiguous = Tensor.is_contiguous
_to = Tensor.to
_clone_fn = _C.clone


def contiguous(self, memory_format=contiguous_format):
    """A tensor with the same values laid out contiguously in memory_format (self when it already is)."""
    if memory_format is contiguous_format or memory_format is None:
        return _contiguous(self)
    _check("contiguous", memory_format)
    if memory_format in _CHANNELS_LAST:
        _rank_check(self, memory_format)
        return self if _is_channels_last(self, memory_format) else _to_channels_last(self, memory_format)
    return _contiguous(self)


def is_contiguous(self, memory_format=contiguous_format):
    """Whether self is laid out contiguously in memory_format (row-major for contiguous_format)."""
    if memory_format is contiguous_format or memory_format is None:
        return _is_contiguous(self)
    _check("is_contiguous", memory_format)
    if memory_format in _CHANNELS_LAST:
        return _is_channels_last(self, memory_format)
    raise RuntimeError("is_contiguous(): preserve_format is not a layout a tensor can be checked against")


def clone(self, *, memory_format=preserve_format):
    """A copy of self (recorded by autograd); channels_last formats give channels-last strides."""
    if memory_format in _CHANNELS_LAST:
        _rank_check(self, memory_format)
        return _to_channels_last(self, memory_format)
    _check("clone", memory_format)
    return _clone(self)


def clone_fn(input, *, memory_format=preserve_format):
    """fastgrad.clone(input, memory_format=...): input.clone(memory_format=...)."""
    if not isinstance(input, Tensor):
        return _clone_fn(input)  # the binding's TypeError
    return clone(input, memory_format=memory_format)


def to(self, *args, **kwargs):
    """Tensor.to(dtype / device / other tensor, non_blocking=False, copy=False, memory_format=...)."""
    fmt = kwargs.get("memory_format")
    if fmt is None or fmt is preserve_format or fmt is contiguous_format:
        return _to(self, *args, **kwargs)
    _check("to", fmt)
    out = _to(self, *args, **kwargs)
    if fmt in _CHANNELS_LAST and not _is_channels_last(out, fmt):
        _rank_check(out, fmt)
        return _to_channels_last(out, fmt)
    return out


def _conversion(name, dtype):
    """Tensor.float() / double() / long() / int() / bool() / half() / bfloat16() / byte() / char() / short() with
    PyTorch's memory_format argument."""
    convert = getattr(Tensor, name)

    def method(self, *, memory_format=preserve_format):  # keyword-only, as PyTorch's: x.long(None) is a TypeError
        if memory_format is preserve_format or memory_format is None:
            return convert(self)
        _check(name, memory_format)
        return to(self, dtype, memory_format=memory_format)

    method.__name__ = name
    method.__doc__ = f"self.to({dtype}, memory_format=memory_format)."
    return method


_CONVERSIONS = [_conversion(n, d) for n, d in (("float", _C.float32), ("double", _C.float64), ("long", _C.int64),
                                              ("int", _C.int32), ("bool", _C.bool), ("half", _C.float16),
                                              ("bfloat16", _C.bfloat16), ("byte", _C.uint8), ("char", _C.int8),
                                              ("short", _C.int16))]


def install(namespace):
    """Puts the format objects in the package namespace and the memory_format-aware methods on Tensor."""
    for name in ("memory_format", "contiguous_format", "preserve_format", "channels_last", "channels_last_3d"):
        namespace[name] = globals()[name]
    for fn in (contiguous, is_contiguous, clone, to, *_CONVERSIONS):
        fn.__qualname__ = f"Tensor.{fn.__name__}"
        setattr(Tensor, fn.__name__, fn)
    namespace["clone"] = clone_fn
    clone_fn.__name__ = clone_fn.__qualname__ = "clone"
