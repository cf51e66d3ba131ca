"""Optimizer: the base class that holds parameter groups and per-parameter state."""
from __future__ import annotations
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # names for annotations only (they stay out of the module's namespace)
    from typing import Any, Dict, Optional, Union  # noqa: F401

    from .._C import Tensor

import copy
from collections import defaultdict
from itertools import chain

from .. import _C
from ..autograd.grad_mode import no_grad

Tensor = _C.Tensor


def _scalar_dtype():
    """The dtype of 0-d optimizer state such as `step` (float32 unless the default dtype is float64)."""
    return _C.float64 if _C.get_default_dtype() == _C.float64 else _C.float32


class _RequiredParameter:
    """Marks a hyperparameter that has no default (the lr of SGD)."""

    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()


def _typename(obj):
    if isinstance(obj, Tensor):
        return obj.type()
    cls = type(obj)
    return cls.__qualname__ if cls.__module__ in ("", "builtins") else f"{cls.__module__}.{cls.__qualname__}"


class Optimizer:
    """Base class: params is an iterable of tensors, or of dicts (parameter groups with their own options);
    defaults fills in the options a group leaves out. step() runs under no_grad."""

    def __init__(self, params, defaults) -> None:
        self.defaults = defaults
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or dicts, "
                "but got " + _typename(params)
            )
        self.state = defaultdict(dict)
        self.param_groups = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    def __getstate__(self):
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state):
        self.__dict__.update(state)

    def __repr__(self):
        text = self.__class__.__name__ + " ("
        for i, group in enumerate(self.param_groups):
            text += "\n" + f"Parameter Group {i}\n"
            for key in sorted(group.keys()):
                if key != "params":
                    text += f"    {key}: {group[key]}\n"
        return text + ")"

    def add_param_group(self, param_group) -> None:
        """Adds a group of parameters (with its own options) to optimize, e.g. a layer unfrozen later."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            param_group["params"] = [params]
        elif isinstance(params, set):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but the ordering "
                "of tensors in sets will change between runs. Please use a list instead."
            )
        else:
            param_group["params"] = list(params)
        names = [p[0] for p in param_group["params"] if isinstance(p, tuple)]
        param_group["params"] = [p[1] if isinstance(p, tuple) else p for p in param_group["params"]]
        if names:
            if len(names) != len(param_group["params"]):
                raise ValueError(
                    "all optimizer params should be with/without names. Some param names are missing"
                )
            param_group["param_names"] = names
        for param in param_group["params"]:
            if not isinstance(param, Tensor):
                raise TypeError(
                    "optimizer can only optimize Tensors, but one of the params is " + _typename(param)
                )
            if not self.defaults.get("differentiable", None) and not (param.is_leaf or param.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(
                    f"parameter group didn't specify a value of required optimization parameter {name}"
                )
            param_group.setdefault(name, default)
        ids = [id(p) for p in param_group["params"]]
        if len(ids) != len(set(ids)):
            import warnings

            warnings.warn(
                "optimizer contains a parameter group with duplicate parameters; in future, this will "
                "cause an error; see github.com/pytorch/pytorch/issues/40967 for more information",
                stacklevel=3,
            )
        existing = set()
        for group in self.param_groups:
            existing.update(id(p) for p in group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                which = "with names" if "param_names" in param_group else "without names"
                raise ValueError(
                    "all optimizer param groups should be with/without names. "
                    f"cannot add param group {which} to the optimizer"
                )
        if not existing.isdisjoint(ids):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    def zero_grad(self, set_to_none=True) -> None:
        """Resets the gradients of all optimized tensors (to None by default, or to zeros)."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    if p.grad.grad_fn is not None:
                        p.grad.detach_()
                    else:
                        p.grad.requires_grad_(False)
                    p.grad.zero_()

    def step(self, closure=None) -> Optional[Union[Tensor, float]]:
        """Performs one update of every parameter that has a .grad, by the rule in the class's docstring.
        closure, when given, re-evaluates the model and returns the loss (it runs with gradients enabled);
        step returns that loss, or None."""
        raise NotImplementedError

    def _run_step(self, closure, update):
        """Evaluates the closure (with grad enabled) and runs update(group) for each group under no_grad."""
        loss = None
        if closure is not None:
            from ..autograd.grad_mode import enable_grad

            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                update(group)
        return loss

    def _each_param(self, group, init):
        """(p, grad, state) for each parameter of `group` that has a gradient, `grad` negated under
        `maximize`. A parameter's state is made on its first step: a 0-d `step` in the scalar dtype, then
        the entries init(p) returns, in PyTorch's order."""
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self.state[p]
            if len(state) == 0:
                state["step"] = _C.zeros((), dtype=_scalar_dtype())
                state.update(init(p))
            yield p, (-p.grad if group.get("maximize") else p.grad), state

    # ---- state_dict ----

    def state_dict(self) -> Dict[str, Any]:
        """{'state': {index: {...}}, 'param_groups': [{..., 'params': [indices]}]}, parameters replaced by
        their position across all groups, as PyTorch saves them."""
        index_of = {}
        start = 0

        def pack_group(group):
            nonlocal start
            packed = {k: v for k, v in group.items() if k != "params"}
            for i, p in enumerate(group["params"], start):
                index_of.setdefault(id(p), i)
            packed["params"] = [index_of[id(p)] for p in group["params"]]
            start += len(packed["params"])
            return packed

        param_groups = [pack_group(g) for g in self.param_groups]
        packed_state = {
            (index_of[id(k)] if isinstance(k, Tensor) and id(k) in index_of else k): v
            for k, v in self.state.items()
        }
        return {"state": packed_state, "param_groups": param_groups}

    @staticmethod
    def _process_value_according_to_param_policy(param, value, key):
        # The step counter keeps its own dtype; everything else follows the parameter's floating dtype.
        if key == "step":
            return value
        if param.is_floating_point() and value.is_floating_point():
            return value.to(param.dtype)
        return value

    def load_state_dict(self, state_dict) -> None:
        """Loads state saved by state_dict(); groups must match in count and size."""
        state_dict = state_dict.copy()
        groups = self.param_groups
        saved_groups = [_copy_value(g) for g in state_dict["param_groups"]]
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError(
                "loaded state dict contains a parameter group that doesn't match the size of "
                "optimizer's group"
            )
        id_map = dict(
            zip(
                chain.from_iterable(g["params"] for g in saved_groups),
                chain.from_iterable(g["params"] for g in groups),
            )
        )

        def cast(param, value, key=None):
            if isinstance(value, Tensor):
                return self._process_value_according_to_param_policy(param, value.clone(), key)
            if isinstance(value, dict):
                return {k: cast(param, v, k) for k, v in value.items()}
            if isinstance(value, (list, tuple)):
                return type(value)(cast(param, v, key) for v in value)
            return value

        state = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                param = id_map[k]
                state[param] = cast(param, v)
            else:
                state[k] = v

        def update_group(group, new_group):
            new_group["params"] = group["params"]
            if "param_names" in group and "param_names" not in new_group:
                new_group["param_names"] = group["param_names"]
            return new_group

        self.__setstate__(
            {"state": state, "param_groups": [update_group(g, ng) for g, ng in zip(groups, saved_groups)]}
        )


def _copy_value(value):
    """A deep copy of nested dicts/lists/tuples that clones tensors (which copy.deepcopy cannot copy)."""
    if isinstance(value, Tensor):
        return value.clone()
    if isinstance(value, dict):
        return {k: _copy_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_copy_value(v) for v in value)
    return copy.deepcopy(value)
