"""The pytrees fastgrad.func walks: tuples, lists and dicts of leaves (anything else is a leaf)."""


class TreeSpec:
    """The structure of a pytree: a node kind ('tuple', 'list', 'dict' or 'leaf'), its keys and children."""

    __slots__ = ("kind", "keys", "children")

    def __init__(self, kind, keys=None, children=()):
        self.kind = kind
        self.keys = keys
        self.children = tuple(children)

    def __eq__(self, other):
        return (isinstance(other, TreeSpec) and self.kind == other.kind and self.keys == other.keys
                and self.children == other.children)

    def __hash__(self):
        return hash((self.kind, self.keys, self.children))

    @property
    def num_leaves(self):
        if self.kind == "leaf":
            return 1
        return sum(c.num_leaves for c in self.children)

    def __repr__(self):
        return self._repr(0)

    def _repr(self, indent):
        # PyTorch's TreeSpec printing: "TreeSpec(tuple, None, [*,\n  *])"
        if self.kind == "leaf":
            return "*"
        keys = None if self.keys is None else list(self.keys)
        inner = (",\n" + " " * (indent + 2)).join(c._repr(indent + 2) for c in self.children)
        return f"TreeSpec({self.kind}, {keys}, [{inner}])"


_LEAF = TreeSpec("leaf")


def tree_flatten(tree):
    """(leaves, spec) of a nested structure of tuples, lists and dicts (dict keys in insertion order)."""
    leaves = []

    def walk(t):
        if isinstance(t, tuple) and not hasattr(t, "_fields"):
            return TreeSpec("tuple", None, [walk(x) for x in t])
        if isinstance(t, list):
            return TreeSpec("list", None, [walk(x) for x in t])
        if isinstance(t, dict):
            keys = tuple(t.keys())
            return TreeSpec("dict", keys, [walk(t[k]) for k in keys])
        leaves.append(t)
        return _LEAF

    spec = walk(tree)
    return leaves, spec


def tree_unflatten(leaves, spec):
    """The structure spec rebuilt with the given leaves, in flattening order."""
    it = iter(leaves)

    def build(s):
        if s.kind == "leaf":
            return next(it)
        items = [build(c) for c in s.children]
        if s.kind == "tuple":
            return tuple(items)
        if s.kind == "list":
            return items
        return dict(zip(s.keys, items))

    return build(spec)


def tree_map(fn, tree):
    leaves, spec = tree_flatten(tree)
    return tree_unflatten([fn(x) for x in leaves], spec)


def broadcast_prefix(prefix, spec):
    """Flattened values of `prefix` (a tree whose leaves apply to whole subtrees of spec), or None when the
    structures do not match (PyTorch's _broadcast_to_and_flatten)."""
    out = []

    def walk(p, s):
        if not isinstance(p, (tuple, list, dict)) or (isinstance(p, tuple) and hasattr(p, "_fields")):
            out.extend([p] * s.num_leaves)
            return True
        kind = "tuple" if isinstance(p, tuple) else "list" if isinstance(p, list) else "dict"
        if kind != s.kind or len(p) != len(s.children):
            return False
        if kind == "dict":
            if set(p.keys()) != set(s.keys):
                return False
            return all(walk(p[k], c) for k, c in zip(s.keys, s.children))
        return all(walk(pi, c) for pi, c in zip(p, s.children))

    return out if walk(prefix, spec) else None
