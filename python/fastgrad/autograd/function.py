"""Custom differentiable operations written in Python: subclass Function, define forward and backward.

    class Exp(Function):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, grad):
            (y,) = ctx.saved_tensors
            return grad * y

    Exp.apply(x)   # recorded in the graph as ExpBackward
"""
import functools

from .. import _C
from .grad_mode import no_grad


class FunctionCtx:
    """The `ctx` of forward/backward: what forward leaves for backward."""

    def save_for_backward(self, *tensors):
        """Saves tensors (inputs or outputs of forward) for backward, which reads them from ctx.saved_tensors;
        in-place changes to them before backward are detected."""
        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, _C.Tensor):
                raise TypeError(f"save_for_backward can only save variables, but argument {i} is of type "
                                f"{type(t).__name__}")
        self.to_save = tensors

    def save_for_forward(self, *tensors):
        """Saves tensors for a forward-mode derivative (jvp); kept for PyTorch compatibility."""
        self.saved_for_forward = tensors

    def mark_dirty(self, *args):
        """Declares the input tensors that forward modified in place (and returns), so that their version
        counters and graph are updated."""
        self.dirty_tensors = args

    def mark_non_differentiable(self, *args):
        """Declares outputs that are not differentiable: they get requires_grad False and their gradient in
        backward is always zero."""
        self.non_differentiable = args

    def set_materialize_grads(self, value):
        """With value=True (the default), None gradients of outputs reach backward as zero tensors; with
        False, as None."""
        self.materialize_grads = value

    @property
    def saved_tensors(self):
        node = getattr(self, "_node", None)
        if node is None and hasattr(self, "_weak_node"):  # outside backward, once apply() made the Node
            node = self._weak_node()
            if node is None:
                raise RuntimeError("Trying to backward through the graph a second time (or directly access saved "
                                   "tensors after they have already been freed): the graph of this Function is "
                                   "gone.")
        if node is not None:
            return node._saved_tensors()  # version-checked, and refused once the graph is freed
        return tuple(getattr(self, "to_save", ()))


class BackwardCFunction:
    """Gives backward code PyTorch's `ctx.apply`-style access (kept for compatibility)."""


class FunctionMeta(type):
    """Names each Function's backward Node `<ClassName>Backward`, as PyTorch does."""

    def __init__(cls, name, bases, attrs):
        cls._backward_name = name + "Backward"
        super().__init__(name, bases, attrs)


class Function(metaclass=FunctionMeta):
    """Base class of custom autograd operations; call them with `.apply(*args)`."""

    def __init__(self, *args, **kwargs):
        raise RuntimeError("Legacy autograd function with non-static forward method is deprecated. Please use "
                           "new-style autograd function with static forward method.")

    def __call__(self, *args, **kwargs):
        raise RuntimeError("Legacy autograd function with non-static forward method is deprecated.")

    @staticmethod
    def forward(ctx, *args, **kwargs):
        """The computation of the custom op, defined by the subclass as a staticmethod: forward(ctx, *args)
        (or forward(*args) with setup_context), run without recording a graph."""
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def setup_context(ctx, inputs, output):
        """Optional staticmethod setup_context(ctx, inputs, output): saves what backward needs when forward
        does not take ctx."""
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        """The gradient of the custom op, defined by the subclass as a staticmethod: backward(ctx,
        *grad_outputs) returns one gradient (or None) per input of forward."""
        raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                  "autograd.Function to use it with backward mode AD.")

    vjp = backward

    @classmethod
    def apply(cls, *args, **kwargs):
        """Runs the custom op: calls forward on the inputs and, when some input requires grad, records a node
        whose backward is the subclass's backward. Returns forward's output."""
        ctx = FunctionCtx()
        ctx.needs_input_grad = tuple(isinstance(a, _C.Tensor) and a.requires_grad for a in args)
        ctx.materialize_grads = True
        uses_setup_context = cls.setup_context is not Function.setup_context
        with no_grad():
            if uses_setup_context:
                output = cls.forward(*args, **kwargs)
            else:
                output = cls.forward(ctx, *args, **kwargs)
        if uses_setup_context:
            cls.setup_context(ctx, args, output)

        is_tuple = isinstance(output, tuple)
        outputs = output if is_tuple else (output,)
        dirty = getattr(ctx, "dirty_tensors", ())
        if not all(any(d is out for out in outputs) for d in dirty):
            raise RuntimeError("Some elements marked as dirty during the forward method were not returned as output. "
                               "The inputs that are modified inplace must all be outputs of the Function.")
        tensor_inputs = [a for a in args if isinstance(a, _C.Tensor)]
        if not (_C.is_grad_enabled() and any(t.requires_grad for t in tensor_inputs)):
            return output

        is_tensor = tuple(isinstance(a, _C.Tensor) for a in args)
        node = _C._function_node(cls._backward_name, functools.partial(_run_backward, cls, ctx, is_tensor), args)
        ctx._weak_node = _C._weak_node(node)
        non_diff = getattr(ctx, "non_differentiable", ())
        results = []
        for out in outputs:
            if not isinstance(out, _C.Tensor):
                results.append(out)
                continue
            is_dirty = any(out is d for d in dirty)
            if not is_dirty and any(out is a for a in tensor_inputs):
                out = out.detach()  # an input returned as is: a new tensor over the same memory
            if any(out is n for n in non_diff) or not out.is_floating_point():
                _C._function_set_output(node, out.detach())  # keeps the output numbering; no history
                results.append(out)
                continue
            if is_dirty:
                _C._function_mark_dirty(node, out)
            else:
                _C._function_set_output(node, out)
            results.append(out)
        for t in getattr(ctx, "to_save", ()):
            is_output = any(t is r for r in results)
            _C._function_save(node, t, is_output)
        ctx.to_save = ()
        return tuple(results) if is_tuple else results[0]


def _run_backward(cls, ctx, is_tensor, node, *grads):
    if ctx.materialize_grads:
        grads = tuple(g if g is not None else _C._function_zero_grad(node, i) for i, g in enumerate(grads))
    ctx._node = node
    try:
        result = cls.backward(ctx, *grads)
    finally:
        del ctx._node
    if not isinstance(result, tuple):
        result = (result,)
    if len(result) > len(ctx.needs_input_grad):
        # PyTorch accepts extra trailing Nones.
        if all(r is None for r in result[len(ctx.needs_input_grad):]):
            result = result[: len(ctx.needs_input_grad)]
    for i, (g, tensor_input) in enumerate(zip(result, is_tensor)):
        if g is None:
            continue
        if not isinstance(g, _C.Tensor):
            raise RuntimeError(f"function {cls._backward_name} returned {type(g).__name__} at position {i + 1}: "
                               f"expected Variable or None (got {type(g).__name__})")
        if not tensor_input:
            raise RuntimeError(f"function {cls._backward_name} returned a gradient different than None at position "
                               f"{i + 1}, but the corresponding forward input was not a Variable")
    return result


def once_differentiable(fn):
    """Marks a backward as not differentiable again: it runs without recording a graph."""

    @functools.wraps(fn)
    def wrapper(ctx, *args):
        with no_grad():
            return fn(ctx, *args)

    return wrapper
