"""default_collate and default_convert, as torch.utils.data._utils.collate."""

import collections.abc
import numbers

import numpy as np

from .... import _C

Tensor = _C.Tensor

__all__ = ["default_collate", "default_convert"]

_COLLATE_ERROR = (
    "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"
)


def _stack(tensors):
    return _C.stack(tensors, 0)


def _tensor(data, dtype=None):
    from ...._creation import tensor

    return tensor(data, dtype=dtype)


def default_collate(batch):
    """Merges a list of samples into a batch: tensors and arrays are stacked, numbers become a tensor
    (float64 for floats, int64 for ints), strings a list, and dicts/tuples/lists are collated field by
    field (tuples come back as lists, namedtuples as namedtuples)."""
    elem = batch[0]
    if isinstance(elem, Tensor):
        return _stack(batch)
    if isinstance(elem, np.ndarray):
        if elem.dtype.kind in "OSUV":
            raise TypeError(_COLLATE_ERROR.format(elem.dtype))
        return default_collate([_C.from_numpy(np.asarray(b, order="C")) for b in batch])
    if isinstance(elem, np.generic):
        return _C.from_numpy(np.asarray(batch))
    if isinstance(elem, bool):
        return _tensor(batch)
    if isinstance(elem, float):
        return _tensor(batch, dtype=_C.float64)
    if isinstance(elem, int):
        return _tensor(batch)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        try:
            return type(elem)({key: default_collate([d[key] for d in batch]) for key in elem})
        except TypeError:
            return {key: default_collate([d[key] for d in batch]) for key in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return type(elem)(*(default_collate(samples) for samples in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if not all(len(e) == size for e in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        transposed = list(zip(*batch))
        if isinstance(elem, tuple):
            return [default_collate(samples) for samples in transposed]
        try:
            return type(elem)([default_collate(samples) for samples in transposed])
        except TypeError:
            return [default_collate(samples) for samples in transposed]
    if isinstance(elem, numbers.Number):
        return _tensor(batch)
    raise TypeError(_COLLATE_ERROR.format(type(elem)))


def default_convert(data):
    """What a DataLoader without automatic batching applies to each sample: NumPy arrays (also inside
    dicts, lists and tuples) become tensors; everything else is returned as it is."""
    if isinstance(data, np.ndarray):
        if data.dtype.kind in "OSUV":
            return data
        return _C.from_numpy(data)
    if isinstance(data, np.generic) and data.dtype.kind not in "OSUV":
        return _C.from_numpy(np.asarray(data))
    if isinstance(data, collections.abc.Mapping):
        try:
            return type(data)({key: default_convert(data[key]) for key in data})
        except TypeError:
            return {key: default_convert(data[key]) for key in data}
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        try:
            return type(data)([default_convert(d) for d in data])
        except TypeError:
            return [default_convert(d) for d in data]
    return data
