"""fastgrad.autograd: the engine's Python entry points (backward, grad), grad mode and gradcheck."""
from .. import _C
from .function import Function, FunctionCtx, once_differentiable  # noqa: F401
from .anomaly_mode import detect_anomaly, set_detect_anomaly  # noqa: F401
from .grad_mode import enable_grad, inference_mode, no_grad, set_grad_enabled  # noqa: F401
from .gradcheck import GradcheckError, gradcheck, gradgradcheck  # noqa: F401
from .._legacy import Variable  # noqa: F401


def _as_tuple(x):
    if x is None:
        return None
    if isinstance(x, _C.Tensor):
        return (x,)
    return tuple(x)


def _grads_for(outputs, grads):
    """PyTorch pairs outputs with gradients by position: extra gradients are ignored, missing ones refused."""
    if grads is None:
        return None
    if len(grads) < len(outputs):
        raise RuntimeError(f"got {len(outputs)} tensors and {len(grads)} gradients")
    return grads[: len(outputs)]


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, grad_variables=None, inputs=None):
    """Computes the sum of gradients of `tensors` w.r.t. the graph leaves (or `inputs`) into their .grad."""
    if grad_variables is not None:
        grad_tensors = grad_variables
    tensors = _as_tuple(tensors)
    grads = _grads_for(tensors, _as_tuple(grad_tensors))
    inputs = _as_tuple(inputs)
    if inputs is not None and len(inputs) == 0:
        raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
    _C._backward(tensors, grads, retain_graph, create_graph, inputs)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, only_inputs=True,
         allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """Returns the gradients of `outputs` w.r.t. `inputs` (a tuple), without touching any .grad."""
    if materialize_grads and allow_unused is False:
        raise ValueError("Expected allow_unused to be True or not passed when materialize_grads=True, "
                         "but got: allow_unused=False.")
    allow = bool(allow_unused) or materialize_grads
    inputs_t = _as_tuple(inputs)
    if len(inputs_t) == 0:
        raise RuntimeError("`inputs` argument to `grad()` cannot be empty.")
    outputs_t = _as_tuple(outputs)
    grads = _grads_for(outputs_t, _as_tuple(grad_outputs))
    result = _C._grad(outputs_t, inputs_t, grads, retain_graph, create_graph, allow)
    if materialize_grads:
        result = tuple(g if g is not None else _C.zeros_like(x) for g, x in zip(result, inputs_t))
    return result


from . import functional  # noqa: E402,F401  (needs grad() above)


def __getattr__(name):
    # autograd.forward_ad on first use (it needs grad() above and fastgrad.func's dispatch, whose import would
    # cost `import fastgrad` ~25 ms)
    if name == "forward_ad":
        import importlib

        return importlib.import_module(".forward_ad", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
