"""fastgrad.utils.checkpoint: activation checkpointing, as torch.utils.checkpoint.

``checkpoint(function, *args, use_reentrant=...)`` computes ``function(*args)``.
- ``use_reentrant=True`` (PyTorch's default when the argument is omitted, with its warning): the forward runs
  without recording a graph and keeps only the inputs; backward runs ``function`` again with the random state of
  the forward (``preserve_rng_state``) and backpropagates through that recomputation. The output's grad_fn is
  ``CheckpointFunctionBackward``, as PyTorch's. Memory: the activations inside ``function`` are not kept.
- ``use_reentrant=False``: the call is recorded as usual (the same graph and grad_fn as PyTorch's non-reentrant
  checkpoint, which hides its recomputation in saved-tensor hooks); fastgrad keeps the activations, so this form
  saves no memory (docs/differences.md).
"""

import warnings

from .. import _C

__all__ = ["checkpoint", "checkpoint_sequential"]


def _rng_state():
    from .. import get_rng_state

    return get_rng_state()


def _set_rng_state(state):
    from .. import set_rng_state

    set_rng_state(state)


def _function_class():
    from ..autograd import Function

    class CheckpointFunction(Function):
        @staticmethod
        def forward(ctx, run_function, preserve_rng_state, *args):
            from ..amp.autocast_mode import get_autocast_dtype, is_autocast_enabled

            ctx.run_function = run_function
            ctx.preserve_rng_state = preserve_rng_state
            # the recomputation runs in the forward's autocast region, as PyTorch's (Note [Autocast])
            ctx.autocast = (is_autocast_enabled("cpu"), get_autocast_dtype("cpu"))
            if preserve_rng_state:
                ctx.fwd_rng_state = _rng_state()
            ctx.inputs, ctx.tensor_indices, tensors = [], [], []
            for i, a in enumerate(args):
                if isinstance(a, _C.Tensor):
                    tensors.append(a)
                    ctx.tensor_indices.append(i)
                    ctx.inputs.append(None)
                else:
                    ctx.inputs.append(a)
            ctx.save_for_backward(*tensors)
            from .. import no_grad

            with no_grad():
                return run_function(*args)

        @staticmethod
        def backward(ctx, *grads):
            from .. import enable_grad
            from ..amp.autocast_mode import autocast
            from ..autograd import backward as autograd_backward

            inputs = list(ctx.inputs)
            for i, t in zip(ctx.tensor_indices, ctx.saved_tensors):
                inputs[i] = t
            detached = [x.detach().requires_grad_(x.requires_grad) if isinstance(x, _C.Tensor) else x for x in inputs]
            state = None
            if ctx.preserve_rng_state:
                state = _rng_state()
                _set_rng_state(ctx.fwd_rng_state)
            try:
                with enable_grad(), autocast("cpu", dtype=ctx.autocast[1], enabled=ctx.autocast[0]):
                    outputs = ctx.run_function(*detached)
            finally:
                if state is not None:
                    _set_rng_state(state)
            if isinstance(outputs, _C.Tensor):
                outputs = (outputs,)
            pairs = [(o, g) for o, g in zip(outputs, grads) if isinstance(o, _C.Tensor) and o.requires_grad]
            if not pairs:
                raise RuntimeError("none of output has requires_grad=True, this checkpoint() is not necessary")
            autograd_backward([o for o, _ in pairs], [g for _, g in pairs])
            return (None, None) + tuple(x.grad if isinstance(x, _C.Tensor) else None for x in detached)

    return CheckpointFunction


_CHECKPOINT_FUNCTION = None


def _grad_enabled():
    from .. import is_grad_enabled

    return is_grad_enabled()


def checkpoint(function, *args, use_reentrant=None, context_fn=None, determinism_check="default", debug=False,
               preserve_rng_state=True, **kwargs):
    """``function(*args, **kwargs)`` without keeping its activations for backward (see the module docstring).

    ``use_reentrant`` should be passed explicitly: without it PyTorch warns and takes ``True``, and so does
    fastgrad. The reentrant form takes no keyword arguments for ``function`` (ValueError, as PyTorch).
    """
    global _CHECKPOINT_FUNCTION
    if use_reentrant is None:
        warnings.warn(
            "torch.utils.checkpoint: the use_reentrant parameter should be passed explicitly. Starting in PyTorch "
            "2.9, calling checkpoint without use_reentrant will raise an exception. use_reentrant=False is "
            "recommended, but if you need to preserve the current default behavior, you can pass "
            "use_reentrant=True. Refer to docs for more details on the differences between the two variants.",
            stacklevel=2,
        )
        use_reentrant = True
    if not use_reentrant:
        return function(*args, **kwargs)
    if kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
    if not any(isinstance(a, _C.Tensor) and a.requires_grad for a in args) and _grad_enabled():
        warnings.warn("None of the inputs have requires_grad=True. Gradients will be None", stacklevel=2)
    if _CHECKPOINT_FUNCTION is None:
        _CHECKPOINT_FUNCTION = _function_class()
    return _CHECKPOINT_FUNCTION.apply(function, preserve_rng_state, *args)


def checkpoint_sequential(functions, segments, input, use_reentrant=None, **kwargs):
    """Runs ``functions`` (an nn.Sequential or a list of modules) in ``segments`` checkpointed chunks; the last
    chunk is run directly, as PyTorch does."""
    if use_reentrant is None:
        warnings.warn(
            "torch.utils.checkpoint.checkpoint_sequential: the use_reentrant parameter should be passed "
            "explicitly. In version 2.9 we will raise an exception if use_reentrant is not passed. "
            "use_reentrant=False is recommended, but if you need to preserve the current default behavior, you "
            "can pass use_reentrant=True. Refer to docs for more details on the differences between the two "
            "variants.",
            stacklevel=2,
        )
        use_reentrant = True
    fns = list(functions.children()) if hasattr(functions, "children") else list(functions)
    size = len(fns) // segments

    def run(start, end):
        def forward(x):
            for j in range(start, end + 1):
                x = fns[j](x)
            return x

        return forward

    end = -1
    for start in range(0, size * (segments - 1), size):
        end = start + size - 1
        input = checkpoint(run(start, end), input, use_reentrant=use_reentrant,
                           preserve_rng_state=kwargs.get("preserve_rng_state", True))
    return run(end + 1, len(fns) - 1)(input)
