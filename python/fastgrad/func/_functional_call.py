"""functional_call and stack_module_state: a module run with given tensors in place of its parameters and
buffers, and the parameters of several modules stacked for vmap (model ensembling)."""
from collections.abc import Sequence

from .. import _C


def _resolve(module, name):
    parts = name.split(".")
    for p in parts[:-1]:
        module = getattr(module, p)
    return module, parts[-1]


def _swap(module, name, value):
    """Puts value under `name` (a dotted path) and returns what was there (or a marker for nothing)."""
    owner, attr = _resolve(module, name)
    d = owner.__dict__
    for store in ("_parameters", "_buffers"):
        if store in d and attr in d[store]:
            old = d[store][attr]
            d[store][attr] = value
            return (store, old)
    old = d.get(attr, _MISSING)
    object.__setattr__(owner, attr, value)
    return ("__dict__", old)


def _restore(module, name, saved):
    owner, attr = _resolve(module, name)
    store, old = saved
    if store == "__dict__":
        if old is _MISSING:
            owner.__dict__.pop(attr, None)
        else:
            object.__setattr__(owner, attr, old)
    else:
        owner.__dict__[store][attr] = old


_MISSING = object()


def _tied_groups(module):
    """Names of parameters and buffers that share one tensor, keyed by that tensor's id."""
    groups = {}
    for name, t in list(module.named_parameters(remove_duplicate=False)) + list(
            module.named_buffers(remove_duplicate=False)):
        groups.setdefault(id(t), []).append(name)
    return groups


def functional_call(module, parameter_and_buffer_dicts, args=None, kwargs=None, *, tie_weights=True, strict=False):
    """Calls module(*args, **kwargs) with the tensors of parameter_and_buffer_dicts (a dict, or a sequence of
    dicts with distinct keys, of dotted names) in place of its parameters and buffers, restoring them after.
    With tie_weights=True a value given for one of several tied names is used for all of them; with
    strict=True the names must be exactly the module's parameters and buffers."""
    if isinstance(parameter_and_buffer_dicts, dict):
        values = parameter_and_buffer_dicts
    elif isinstance(parameter_and_buffer_dicts, Sequence):
        if not all(isinstance(d, dict) for d in parameter_and_buffer_dicts):
            raise ValueError("Expected all elements of parameter_and_buffer_dicts to be dictionaries")
        counts = {}
        for d in parameter_and_buffer_dicts:
            for k in d:
                counts[k] = counts.get(k, 0) + 1
        repeated = [k for k, n in counts.items() if n > 1]
        if repeated:
            raise ValueError(f"{repeated} appeared in multiple dictionaries; behavior of functional call is ambiguous")
        values = {k: v for d in parameter_and_buffer_dicts for k, v in d.items()}
    else:
        raise ValueError("Expected parameter_and_buffer_dicts to be a dict, or a list/tuple of dicts, but got "
                         f"{type(parameter_and_buffer_dicts)}")
    values = dict(values)
    if tie_weights:
        for names in _tied_groups(module).values():
            if len(names) < 2:
                continue
            given = [n for n in names if n in values]
            if not given:
                continue
            firsts = {id(values[n]) for n in given}
            if len(firsts) > 1:
                raise ValueError(f"functional_call got multiple values for keys {sorted(given)}, which are tied. "
                                 "Consider using tie_weights=False")
            for n in names:
                values.setdefault(n, values[given[0]])
    if strict:
        known = [n for n, _ in module.named_parameters(remove_duplicate=False)] + [
            n for n, _ in module.named_buffers(remove_duplicate=False)]
        missing = [n for n in known if n not in values]
        unexpected = [n for n in values if n not in set(known)]
        msgs = []
        if unexpected:
            msgs.append(f"Unexpected key(s): {', '.join(map(repr, unexpected))}.")
        if missing:
            msgs.append(f"Missing key(s): {', '.join(map(repr, missing))}.")
        if msgs:
            raise RuntimeError("Error(s) in reparametrizing for {}:\n\t{}".format(module._get_name(),
                                                                                 "\n\t".join(msgs)))
    if args is None:
        args = ()
    elif not isinstance(args, tuple):
        args = (args,)
    kwargs = {} if kwargs is None else kwargs
    saved = []
    try:
        for name, value in values.items():
            saved.append((name, _swap(module, name, value)))
        return module(*args, **kwargs)
    finally:
        for name, old in reversed(saved):
            _restore(module, name, old)


def _stacked_leaf(tensors, name):
    all_rg = all(t.requires_grad for t in tensors)
    none_rg = all(not t.requires_grad for t in tensors)
    if not all_rg and not none_rg:
        raise RuntimeError(f"Expected {name} from each model to have the same .requires_grad")
    out = _C.stack(list(tensors))
    if all_rg:
        out = out.detach().requires_grad_()
    return out


def stack_module_state(models):
    """(params, buffers): each model's parameters and buffers stacked along a new leading dim, keyed by name,
    for vmap over functional_call (an ensemble run as one batched model). Stacked parameters are fresh leaves."""
    models = list(models)
    if len(models) == 0:
        raise RuntimeError("stack_module_state: Expected at least one model, got 0.")
    if not (all(m.training for m in models) or all(not m.training for m in models)):
        raise RuntimeError("stack_module_state: Expected all models to have the same training/eval mode.")
    typ = type(models[0])
    if not all(type(m) is typ for m in models):
        raise RuntimeError("stack_module_state: Expected all models to be of the same class.")
    all_params = [dict(m.named_parameters()) for m in models]
    params = {k: _stacked_leaf(tuple(p[k] for p in all_params), k) for k in all_params[0]}
    all_buffers = [dict(m.named_buffers()) for m in models]
    buffers = {k: _stacked_leaf(tuple(b[k] for b in all_buffers), k) for k in all_buffers[0]}
    return params, buffers
