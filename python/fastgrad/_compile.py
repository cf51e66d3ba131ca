"""fastgrad.compile: accepted so that programs written for torch.compile run; fastgrad has no compiler, so
the model or function comes back unchanged (docs/differences.md)."""

_MODES = ("default", "lite", "reduce-overhead", "max-autotune-no-cudagraphs", "max-autotune")


def compile(
    model=None,
    *,
    fullgraph=False,
    dynamic=None,
    backend="inductor",
    mode=None,
    options=None,
    name=None,
    disable=False,
    **kwargs,
):
    """torch.compile's signature; returns model itself (a Module or a function), uncompiled.

    Used as a decorator, `@fastgrad.compile` and `@fastgrad.compile(mode=...)` both return the decorated
    function. The arguments are checked as PyTorch checks them (mode's name, mode and options not both, a
    callable model) and otherwise ignored.
    """
    if mode is not None and options is not None:
        raise RuntimeError("Either mode or options can be specified, but both can't be specified at the same time.")
    if mode is not None and mode not in _MODES:
        raise RuntimeError(f"Unrecognized mode={mode}, should be one of: {', '.join(_MODES)}")

    def decorate(fn):
        if not callable(fn):
            raise AssertionError(f"A callable function is expected, but {type(fn)} is provided.")
        return fn

    if model is None:
        return decorate
    return decorate(model)
