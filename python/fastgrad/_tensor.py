"""What the Tensor class gets from Python: printing, iteration, NumPy protocols and typed grad_fn Nodes.

Everything on the hot path (operators, ops, backward) is bound in C++ (python/src/tensor.cpp).
"""
import numpy as np

from . import _C, _dlpack, _tensor_str
from ._creation import _legacy_new
from ._device import _cpu, device as _device_type

Tensor = _C.Tensor

# ---- construction ----


def _legacy_source(*args, **kwargs):
    """The data behind Tensor(...): Tensor() (empty), Tensor(2, 3) (uninitialised: zeros here),
    Tensor([1, 2]) (always the default float dtype) or Tensor(t) (an alias of t)."""
    if kwargs:
        raise TypeError(f"Tensor() got unexpected keyword arguments {sorted(kwargs)}")
    if not args:
        return _C.zeros(0)
    if all(isinstance(a, int) and not isinstance(a, bool) for a in args):
        return _C.zeros(*args)
    if len(args) == 1 and isinstance(args[0], Tensor):
        return args[0]
    if len(args) == 1:
        return _legacy_new(args[0])
    raise TypeError(f"Tensor(): invalid combination of arguments {tuple(type(a).__name__ for a in args)}")


# ---- printing ----


def _repr(self, *, tensor_contents=None):
    # The C++ core's formatter (fastgrad::format_tensor), the one C++'s `std::cout << t` uses.
    grad_fn = self.grad_fn
    return _C._format_tensor(
        self.detach(),
        self.dtype,
        grad_fn.name() if grad_fn is not None else None,
        self.requires_grad,
        "fastgrad",
    )


def _format(self, spec):
    if self.dim() == 0:
        values = self.detach()
        if values.dtype == _C.bfloat16:
            values = values.float()
        return _tensor_str.format_scalar(values.numpy()[()], spec)
    if spec:
        raise TypeError("unsupported format string passed to Tensor.__format__")
    return repr(self)


Tensor.__repr__ = _repr
Tensor.__str__ = _repr
Tensor.__format__ = _format


# ---- Python protocols ----


def _iter(self):
    if self.dim() == 0:
        raise TypeError("iteration over a 0-d tensor")
    return (self[i] for i in range(self.shape[0]))


def _array(self, dtype=None, copy=None):
    arr = self.numpy()
    return arr if dtype is None else arr.astype(dtype, copy=False)


def _tolist(self):
    """The elements as nested Python lists of numbers (one level per dimension; a number for a 0-dim tensor)."""
    return self.detach().numpy().tolist()


def _device(self):
    return _cpu


Tensor.__iter__ = _iter
Tensor.__array__ = _array
Tensor.__dlpack__ = _dlpack.dlpack
Tensor.__dlpack_device__ = _dlpack.dlpack_device
Tensor.__array_priority__ = 1000  # `ndarray + tensor` defers to Tensor.__radd__
Tensor.tolist = _tolist
Tensor.device = property(_device)
Tensor.is_tensor_like = True


def _new_tensor(self, data, *, dtype=None, device=None, requires_grad=False):
    """A new tensor holding a copy of data (a number, a nested list, an array or a tensor), with self's dtype
    and device unless dtype or device is given; a leaf with requires_grad as given."""
    from ._creation import tensor

    return tensor(data, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)


def _new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False):
    """A tensor of shape size filled with fill_value, with self's dtype unless dtype is given."""
    return _C.full(size, fill_value, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)


def _new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
    """A tensor of the given size (ints, or one list/tuple) filled with 0, with self's dtype unless dtype is
    given. new_empty is the same (its contents are unspecified in PyTorch; fastgrad zeroes them)."""
    return _C.zeros(*size, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)


def _new_ones(self, *size, dtype=None, device=None, requires_grad=False):
    """A tensor of the given size (ints, or one list/tuple) filled with 1, with self's dtype unless dtype is
    given."""
    return _C.ones(*size, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)


Tensor.new_tensor = _new_tensor
Tensor.new_full = _new_full
Tensor.new_zeros = _new_zeros
Tensor.new_ones = _new_ones
Tensor.new_empty = _new_zeros


def _type_as(self, other):
    """self converted to other's dtype (self itself when the dtypes are the same)."""
    if not isinstance(other, Tensor):
        raise TypeError(f"type_as(): argument 'other' (position 1) must be Tensor, not {type(other).__name__}")
    return self.to(other.dtype)


def _is_complex(self):
    """Whether the dtype is complex: always False (fastgrad has no complex dtypes)."""
    return False


Tensor.type_as = _type_as
Tensor.is_complex = _is_complex
Tensor.is_sparse = False  # fastgrad has only dense (strided) tensors
Tensor.is_quantized = False
Tensor.is_meta = False


# ---- pickling and copy.deepcopy ----
# A tensor pickles as its values (a NumPy array, copied), its requires_grad flag, its class and the Python
# attributes of a subclass; unpickling builds a new leaf. Like PyTorch, .grad is not pickled, and a tensor
# pickled twice in one pickle comes back as one object (pickle's memo), but two views of one storage come
# back as two separate tensors (PyTorch keeps them sharing a storage).


def _rebuild_tensor(cls, array, requires_grad, state):
    """Unpickles a tensor: a new leaf of class cls holding array's values (see Tensor.__reduce_ex__)."""
    t = _C.from_numpy(np.array(array, order="C", copy=True))
    if cls is not Tensor:
        from .nn.parameter import Parameter

        if issubclass(cls, Parameter):
            t = cls(t, requires_grad)
        else:
            sub = Tensor.__new__(cls)
            Tensor.__init__(sub, t)
            t = sub
    if requires_grad and not t.requires_grad:
        t.requires_grad_(True)
    if state:
        t.__dict__.update(state)
    return t


def _reduce_ex(self, proto):
    state = getattr(self, "__dict__", None) or None
    array = np.array(self.detach().numpy(), order="C", copy=True)
    return (_rebuild_tensor, (type(self), array, bool(self.requires_grad), state))


def _deepcopy(self, memo):
    if id(self) in memo:
        return memo[id(self)]
    if not self.is_leaf:
        raise RuntimeError(
            "Only Tensors created explicitly by the user (graph leaves) support the deepcopy protocol at the "
            "moment.  If you were attempting to deepcopy a module, this may be because of a "
            "torch.nn.utils.weight_norm usage, see https://github.com/pytorch/pytorch/pull/103001"
        )
    import copy

    new = _rebuild_tensor(type(self), self.detach().numpy(), bool(self.requires_grad), None)
    memo[id(self)] = new
    state = getattr(self, "__dict__", None)
    if state:
        new.__dict__.update(copy.deepcopy(state, memo))
    if self.grad is not None:
        new.grad = copy.deepcopy(self.grad, memo)
    return new


Tensor.__reduce_ex__ = _reduce_ex
Tensor.__deepcopy__ = _deepcopy


# ---- memory placement and Python-function maps (PyTorch's CPU-build behaviour) ----


def _pin_memory(self, device=None):
    """Page-locked memory needs an accelerator: RuntimeError, as a CPU build of PyTorch."""
    raise RuntimeError("Cannot access accelerator device when none is available.")


def _is_pinned(self, device=None):
    """False: fastgrad has no page-locked memory."""
    if device is not None and not isinstance(device, (str, _device_type)):
        raise TypeError(f"is_pinned(): argument 'device' (position 1) must be torch.device, not {type(device).__name__}")
    return False


def _share_memory_(self):
    """Returns self; fastgrad's tensors are copied between processes, not shared (docs/differences.md)."""
    return self


def _is_shared(self):
    """False: fastgrad has no shared-memory storages."""
    return False


def _check_python_map(self, name):
    if self.requires_grad:
        raise RuntimeError(f"Can't call {name}() on Variable that requires grad. Use var.detach().{name}() instead.")


def _values_like(self, values):
    """A tensor of self's shape and dtype holding the Python numbers `values` (row-major)."""
    dtype = self.detach().numpy().dtype
    return _C.from_numpy(np.asarray(values).astype(dtype).reshape(tuple(self.shape)))


def _apply_(self, callable):
    """Replaces every element x by callable(x) (a Python function, element by element, in place)."""
    _check_python_map(self, "apply_")
    flat = self.detach().reshape(-1).tolist()
    self.copy_(_values_like(self, [callable(v) for v in flat]))
    return self


def _map_(self, tensor, callable):
    """Replaces every element x by callable(x, y), y the element of `tensor` (broadcast to self) at its place."""
    _check_python_map(self, "map_")
    other = tensor.detach().expand(*self.shape).reshape(-1).tolist()
    flat = self.detach().reshape(-1).tolist()
    self.copy_(_values_like(self, [callable(a, b) for a, b in zip(flat, other)]))
    return self


def _H(self):
    """The conjugate transpose of a matrix (for real tensors, its transpose); a 0-D tensor itself, with PyTorch's
    deprecation warning."""
    if self.dim() == 0:
        import warnings

        warnings.warn("Tensor.H is deprecated on 0-D tensors. Consider using x.conj().", UserWarning, stacklevel=2)
        return self
    if self.dim() != 2:
        raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got {self.dim()}-D tensor.")
    return self.mT


Tensor.pin_memory = _pin_memory
Tensor.is_pinned = _is_pinned
Tensor.share_memory_ = _share_memory_
Tensor.is_shared = _is_shared
Tensor.apply_ = _apply_
Tensor.map_ = _map_
Tensor.H = property(_H)
