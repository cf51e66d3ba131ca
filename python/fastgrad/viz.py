"""Pictures of the autograd graph: make_dot (torchviz's conventions, as a graphviz.Digraph) and print_graph
(plain text for terminals).

make_dot draws what backward() will traverse: the output tensor (green), one grey box per Node, labelled by
its class name, and the leaves that will receive .grad (light blue, labelled with their name from `params`
and their shape). With show_saved=True the tensors each Node saved for backward appear in orange. Tensors
that do not require grad never appear: no gradient flows to them.

Note [Graph walks without recursion]: both functions walk the graph with an explicit stack, so a graph of a
million Nodes (a long recurrent loop) draws without hitting Python's recursion limit.
"""

import sys

from . import _C

Tensor = _C.Tensor

__all__ = ["make_dot", "print_graph", "format_graph"]

_SAVED_PREFIX = "_saved_"


def _size_to_str(size):
    return "(" + ", ".join(str(int(v)) for v in size) + ")"


def _digraph_class():
    try:
        from graphviz import Digraph
    except ImportError:
        raise ImportError(
            "fastgrad.viz.make_dot needs the 'graphviz' Python package (pip install graphviz; "
            "rendering to PNG/SVG also needs the Graphviz 'dot' program, e.g. apt-get install "
            "graphviz). fastgrad.viz.print_graph works without it."
        ) from None
    return Digraph


def _node_name(fn):
    name = getattr(fn, "name", None)
    return name() if callable(name) else type(fn).__name__


def _saved_items(fn):
    """(name, value) pairs of what fn saved for backward. PyTorch-style `_saved_<name>` attributes when a
    Node has them; otherwise the tensors from fn._saved_tensors(), named saved_tensors[i]."""
    items = []
    for attr in dir(fn):
        if attr.startswith(_SAVED_PREFIX) and attr != "_saved_tensors":
            try:
                items.append((attr[len(_SAVED_PREFIX) :], getattr(fn, attr)))
            except RuntimeError:  # released after backward
                pass
    if items:
        return items
    getter = getattr(fn, "_saved_tensors", None)
    if getter is None:
        return []
    try:
        saved = getter() if callable(getter) else getter
    except RuntimeError:  # the graph was freed by backward()
        return []
    return [("saved_tensors", tuple(saved))] if saved else []


def _fn_label(fn, show_attrs, max_attr_chars):
    name = _node_name(fn)
    if not show_attrs:
        return name
    attrs = {}
    for attr, val in _saved_items(fn):
        if isinstance(val, Tensor):
            attrs[attr] = "[saved tensor]"
        elif isinstance(val, tuple) and any(isinstance(t, Tensor) for t in val):
            attrs[attr] = "[saved tensors]"
        else:
            attrs[attr] = str(val)
    if not attrs:
        return name
    max_attr_chars = max(max_attr_chars, 3)
    key_width = max(len(k) for k in attrs)
    value_width = min(max(len(str(v)) for v in attrs.values()), max_attr_chars)
    rule = "-" * max(key_width + value_width + 2, len(name))

    def clip(s):
        return s[: value_width - 3] + "..." if len(s) > value_width else s

    rows = "\n".join(f"{k:<{key_width}}: {clip(str(v)):>{value_width}}" for k, v in attrs.items())
    return name + "\n" + rule + "\n" + rows


def make_dot(var, params=None, show_attrs=False, show_saved=False, max_attr_chars=50):
    """The autograd graph of var (a tensor or a tuple of tensors) as a graphviz.Digraph.

    params: optional {name: tensor} (e.g. dict(model.named_parameters())) to label the leaves.
    show_attrs / show_saved: list what each Node saved, in its box / as orange tensor nodes.
    The returned object's .source is the DOT text; .render(...) or .pipe(format="png") need `dot`.
    """
    Digraph = _digraph_class()
    if params is not None:
        if not all(isinstance(p, Tensor) for p in params.values()):
            raise TypeError("make_dot: params must map names to tensors")
        param_map = {id(v): k for k, v in params.items()}
    else:
        param_map = {}

    node_attr = dict(
        style="filled",
        shape="box",
        align="left",
        fontsize="10",
        ranksep="0.1",
        height="0.2",
        fontname="monospace",
    )
    dot = Digraph(node_attr=node_attr, graph_attr=dict(size="12,12"))
    seen = set()
    alive = []  # keeps every visited object alive, so that no two of them can share an id()

    def var_label(t, name=None):
        if not name:
            name = param_map.get(id(t), "")
        return f"{name}\n {_size_to_str(t.shape)}"

    def saved_node(fn, tensor, name):
        alive.append(tensor)
        seen.add(id(tensor))
        dot.edge(str(id(fn)), str(id(tensor)), dir="none")
        dot.node(str(id(tensor)), var_label(tensor, name), fillcolor="orange")

    outputs = var if isinstance(var, tuple) else (var,)
    # See Note [Graph walks without recursion]. Items: ("tensor", t, color) or ("fn", node, None).
    stack = [("tensor", t, "darkolivegreen1") for t in reversed(outputs)]
    while stack:
        kind, obj, color = stack.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        alive.append(obj)
        if kind == "tensor":
            dot.node(str(id(obj)), var_label(obj), fillcolor=color)
            pending = []
            if obj.grad_fn is not None:
                fn = obj.grad_fn
                alive.append(fn)
                dot.edge(str(id(fn)), str(id(obj)))
                pending.append(("fn", fn, None))
            if obj._is_view() and obj._base is not None:
                base = obj._base
                alive.append(base)
                dot.edge(str(id(base)), str(id(obj)), style="dotted")
                pending.append(("tensor", base, "darkolivegreen3"))
            stack.extend(reversed(pending))
            continue
        fn = obj
        if show_saved:
            for attr, val in _saved_items(fn):
                if isinstance(val, Tensor):
                    saved_node(fn, val, attr)
                elif isinstance(val, tuple):
                    for i, t in enumerate(val):
                        if isinstance(t, Tensor):
                            saved_node(fn, t, f"{attr}[{i}]")
        leaf = getattr(fn, "variable", None)
        if isinstance(leaf, Tensor):
            alive.append(leaf)
            seen.add(id(leaf))
            dot.node(str(id(leaf)), var_label(leaf), fillcolor="lightblue")
            dot.edge(str(id(leaf)), str(id(fn)))
        dot.node(str(id(fn)), _fn_label(fn, show_attrs, max_attr_chars))
        children = [u for u, _ in fn.next_functions if u is not None]
        for u in children:
            alive.append(u)
            dot.edge(str(id(u)), str(id(fn)))
        stack.extend(("fn", u, None) for u in reversed(children))

    _resize_graph(dot)
    return dot


def _resize_graph(dot, size_per_element=0.15, min_size=12):
    """Grows the drawing with the number of statements, as torchviz does, so big graphs stay legible."""
    size = max(min_size, len(dot.body) * size_per_element)
    dot.graph_attr.update(size=f"{size},{size}")


def format_graph(var, params=None):
    """The autograd graph of var as indented text: one line per Node, leaves with their name and shape.
    A Node reached a second time (shared by two paths) is printed once and then referred to."""
    param_map = {id(v): k for k, v in params.items()} if params else {}
    outputs = var if isinstance(var, tuple) else (var,)
    lines = []
    number = {}  # id(node) -> its number in the listing, for back-references
    alive = []
    for out in outputs:
        head = f"{param_map.get(id(out), 'output')} {_size_to_str(out.shape)}"
        if out.grad_fn is None:
            lines.append(head + (" (leaf, requires_grad)" if out.requires_grad else " (no graph)"))
            continue
        lines.append(head)
        # See Note [Graph walks without recursion]: (node, prefix for its line, prefix for its children).
        stack = [(out.grad_fn, "└── ", "    ")]
        while stack:
            fn, prefix, child_prefix = stack.pop()
            alive.append(fn)
            label = _node_name(fn)
            leaf = getattr(fn, "variable", None)
            if isinstance(leaf, Tensor):
                name = param_map.get(id(leaf), "")
                label += f"  {name + ' ' if name else ''}{_size_to_str(leaf.shape)}"
            if id(fn) in number:
                lines.append(f"{prefix}{label}  (#{number[id(fn)]}, shown above)")
                continue
            number[id(fn)] = len(number) + 1
            lines.append(f"{prefix}{label}  #{number[id(fn)]}")
            children = [u for u, _ in fn.next_functions if u is not None]
            for i in reversed(range(len(children))):
                last = i == len(children) - 1
                stack.append(
                    (
                        children[i],
                        child_prefix + ("└── " if last else "├── "),
                        child_prefix + ("    " if last else "│   "),
                    )
                )
    return "\n".join(lines)


def print_graph(var, params=None, file=None):
    """Prints format_graph(var, params) (to stdout by default)."""
    print(format_graph(var, params), file=file if file is not None else sys.stdout)
