"""PyTorch's legacy spellings that old tutorials still use: the typed tensor classes (`torch.FloatTensor([1, 2])`,
`torch.LongTensor(3)`, `isinstance(t, torch.FloatTensor)`) and `torch.autograd.Variable`. Each is a thin
factory over the modern API; the tensors they make are ordinary fastgrad Tensors."""
from . import _C
from ._tensor import _legacy_source

Tensor = _C.Tensor


class _TensorType(type):
    """The metaclass of FloatTensor & co.: calling the class makes a tensor of its dtype; isinstance() is true
    for tensors of that dtype (as torch's tensortype does for CPU tensors)."""

    def __call__(cls, *args, **kwargs):
        if kwargs:
            raise TypeError(f"new() received an invalid combination of arguments - got keyword arguments "
                            f"{sorted(kwargs)}")
        if len(args) == 1 and isinstance(args[0], tuple) and all(isinstance(a, int) for a in args[0]):
            args = args[0]  # FloatTensor(torch.Size([2, 3])): a shape
        if args and all(isinstance(a, int) and not isinstance(a, bool) for a in args):
            return _C.zeros(*args, dtype=cls.dtype)
        if len(args) == 1 and isinstance(args[0], (list, tuple)):
            # IntTensor([...]): the data read straight into the class's dtype (checked like tensor(data, dtype=)).
            from ._creation import _from_data
            return _from_data(args[0], cls.dtype)
        src = _legacy_source(*args)
        if len(args) == 1 and isinstance(args[0], Tensor):
            if src.dtype != cls.dtype:
                raise TypeError(f"expected {cls.dtype} (got {src.dtype})")
            return src
        return src if src.dtype == cls.dtype else src.to(cls.dtype)

    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj.dtype == cls.dtype

    def __repr__(cls):
        return f"<class 'fastgrad.{cls.__name__}'>"


def _tensor_type(name, dtype):
    doc = (f"The legacy tensor type of dtype {dtype}: {name}(*sizes) is zeros of that shape, {name}(data) a tensor "
           f"of data in that dtype, and isinstance(t, {name}) is true for tensors of that dtype.")
    return _TensorType(name, (), {"dtype": dtype, "__module__": "fastgrad", "__doc__": doc})


FloatTensor = _tensor_type("FloatTensor", _C.float32)
DoubleTensor = _tensor_type("DoubleTensor", _C.float64)
IntTensor = _tensor_type("IntTensor", _C.int32)
LongTensor = _tensor_type("LongTensor", _C.int64)
BoolTensor = _tensor_type("BoolTensor", _C.bool)


class _VariableMeta(type):
    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor)


class Variable(metaclass=_VariableMeta):
    """Deprecated since PyTorch 0.4: Variable(t, requires_grad=...) is the tensor t itself (requires_grad set
    when asked), and every tensor is an instance of Variable."""

    def __new__(cls, data, requires_grad=False, volatile=False):
        if not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        if requires_grad:
            data.requires_grad_(True)
        return data


_TYPE_NAMES = {f"{prefix}.{cls.__name__}": cls.dtype for cls in (FloatTensor, DoubleTensor, IntTensor, LongTensor,
                                                                 BoolTensor) for prefix in ("torch", "fastgrad")}
_core_type = Tensor.type


def _type(self, dtype=None, non_blocking=False, **kwargs):
    """Tensor.type(): the type name with no argument, else a copy converted to a dtype, a typed tensor class
    (FloatTensor) or its name ('torch.FloatTensor')."""
    if isinstance(dtype, _TensorType):
        dtype = dtype.dtype
    elif isinstance(dtype, str):
        if dtype not in _TYPE_NAMES:
            raise ValueError(f"invalid type: '{dtype}'")
        dtype = _TYPE_NAMES[dtype]
    return _core_type(self, dtype)


Tensor.type = _type
