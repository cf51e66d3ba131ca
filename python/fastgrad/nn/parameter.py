"""nn.Parameter and nn.Buffer: tensors that a Module registers when they are assigned as attributes."""

from .. import _C

Tensor = _C.Tensor


class Parameter(Tensor):
    """A Tensor that is a module parameter: assigning one to a Module attribute registers it.

    `Parameter(data)` aliases `data`'s memory (no copy) and requires grad unless told otherwise.
    """

    def __init__(self, data=None, requires_grad=True):
        if data is None:
            data = _C.empty(0)
        elif not isinstance(data, Tensor):
            # PyTorch detaches `data` first, so a non-tensor fails there, with AttributeError.
            raise AttributeError(f"'{type(data).__name__}' object has no attribute 'detach' "
                                 "(Parameter(data) needs a Tensor)")
        # The core's Tensor(t) makes this object a detached alias of t's storage.
        super().__init__(data)
        self.requires_grad_(requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        result = type(self)(self.detach().clone(), self.requires_grad)
        memo[id(self)] = result
        return result


class Buffer(Tensor):
    """A Tensor that a Module registers as a buffer when assigned as an attribute (nn.Buffer)."""

    def __init__(self, data=None, *, persistent=True):
        if data is None:
            data = _C.empty(0)
        super().__init__(data)
        self.persistent = persistent
