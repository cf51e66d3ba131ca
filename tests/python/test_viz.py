"""viz: make_dot draws the nodes and edges torchviz would draw for the same computation in PyTorch
(expected graphs are computed here from torch's grad_fn graph), and print_graph prints it as text."""

import re
import shutil
import sys
from collections import Counter

import fastgrad
import pytest
from fastgrad import viz

try:
    import graphviz
except ImportError:  # make_dot needs it; print_graph and the ImportError message do not
    graphviz = None

needs_graphviz = pytest.mark.skipif(graphviz is None, reason="the graphviz Python package is not installed")


# ---- reading a DOT text back into nodes and edges ----

_NODE = re.compile(r'^\t(\d+) \[label=(".*?"|[^ \]]+)(?: fillcolor=(\S+?))?\]$', re.S | re.M)
_EDGE = re.compile(r"^\t(\d+) -> (\d+)(?: \[(.*?)\])?$", re.M)


def parse_dot(source):
    nodes = {}
    for ident, label, color in _NODE.findall(source):
        label = label[1:-1] if label.startswith('"') else label
        nodes[ident] = (label.replace("\\n", "\n"), color or None)  # a later statement overrides, as in DOT
    edges = [(a, b, attrs) for a, b, attrs in _EDGE.findall(source)]
    return nodes, edges


# ---- the graph torchviz draws, computed from torch's own grad_fn graph ----


def torch_graph(var, params=None):
    """Nodes {id: (label, color)} and edges [(src, dst, attrs)] following torchviz's conventions."""
    param_map = {id(v): k for k, v in (params or {}).items()}
    nodes, edges, keep, seen = {}, [], [], set()

    def tensor_label(t):
        return f"{param_map.get(id(t), '')}\n ({', '.join(str(s) for s in t.shape)})"

    outputs = var if isinstance(var, tuple) else (var,)
    stack = [("tensor", t, "darkolivegreen1") for t in outputs]
    while stack:
        kind, obj, color = stack.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        keep.append(obj)
        if kind == "tensor":
            nodes[str(id(obj))] = (tensor_label(obj), color)
            if obj.grad_fn is not None:
                fn = obj.grad_fn
                keep.append(fn)
                edges.append((str(id(fn)), str(id(obj)), ""))
                stack.append(("fn", fn, None))
            if obj._is_view():
                keep.append(obj._base)
                edges.append((str(id(obj._base)), str(id(obj)), "style=dotted"))
                stack.append(("tensor", obj._base, "darkolivegreen3"))
            continue
        if hasattr(obj, "variable"):
            leaf = obj.variable
            keep.append(leaf)
            nodes[str(id(leaf))] = (tensor_label(leaf), "lightblue")
            edges.append((str(id(leaf)), str(id(obj)), ""))
        nodes[str(id(obj))] = (type(obj).__name__, None)
        for u, _ in obj.next_functions:
            if u is not None:
                keep.append(u)
                edges.append((str(id(u)), str(id(obj)), ""))
                stack.append(("fn", u, None))
    return nodes, edges


def signature(nodes, edges, root):
    """A canonical description of everything that flows into root: equal signatures mean the two drawings
    have the same shape, labels and colours (not just the same counts)."""
    preds = {}
    for a, b, attrs in edges:
        preds.setdefault(b, []).append((a, attrs))
    memo = {}
    order = [root]
    stack = [root]
    while stack:  # collect, then compute bottom-up without recursion
        n = stack.pop()
        for p, _ in preds.get(n, []):
            if p not in memo and p not in order:
                order.append(p)
                stack.append(p)
    for n in reversed(order):
        memo[n] = (nodes[n], tuple(sorted((memo.get(p, ("cycle",)), attrs) for p, attrs in preds.get(n, []))))
    return memo[root]


def assert_same_drawing(ours_dot, theirs, our_root, their_root):
    nodes, edges = parse_dot(ours_dot.source)
    t_nodes, t_edges = theirs
    assert Counter(nodes.values()) == Counter(t_nodes.values())
    label = lambda ns, e: (ns[e[0]], ns[e[1]], e[2])  # noqa: E731
    assert Counter(label(nodes, e) for e in edges) == Counter(label(t_nodes, e) for e in t_edges)
    assert signature(nodes, edges, our_root) == signature(t_nodes, t_edges, their_root)


# ---- the seed blog's graphs, in both libraries ----


def blog_data(lib):
    lib.manual_seed(42)
    x = lib.rand(100, 1)
    y = 1 + 2 * x + 0.1 * lib.randn(100, 1)
    return x, y


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def build_yhat(lib, b_requires_grad=True):
    x, _ = blog_data(lib)
    b = lib.randn(1, requires_grad=b_requires_grad, dtype=lib.float)
    w = lib.randn(1, requires_grad=True, dtype=lib.float)
    return b + w * x, b, w


def build_control_flow(lib):
    x, y = blog_data(lib)
    b = lib.randn(1, requires_grad=True, dtype=lib.float)
    w = lib.randn(1, requires_grad=True, dtype=lib.float)
    yhat = b + w * x
    error = y - yhat
    loss = (error**2).mean()
    if loss > 0:
        yhat2 = w * x
        error2 = y - yhat2
    loss += error2.mean()
    return loss, b, w


@needs_graphviz
@pytest.mark.parametrize("with_params", [False, True])
def test_yhat_graph_matches_torchviz(torch, with_params):
    yhat, b, w = build_yhat(fastgrad)
    t_yhat, tb, tw = build_yhat(torch)
    dot = viz.make_dot(yhat, params={"b": b, "w": w} if with_params else None)
    assert isinstance(dot, graphviz.Digraph)
    assert_same_drawing(
        dot, torch_graph(t_yhat, {"b": tb, "w": tw} if with_params else None), str(id(yhat)), str(id(t_yhat))
    )
    nodes, _ = parse_dot(dot.source)
    labels = sorted(label for label, _ in nodes.values())
    assert labels.count("AccumulateGrad") == 2 and "MulBackward0" in labels and "AddBackward0" in labels
    if with_params:
        assert ("b\n (1)", "lightblue") in nodes.values() and ("w\n (1)", "lightblue") in nodes.values()
    assert ("\n (100, 1)", "darkolivegreen1") in nodes.values()


@needs_graphviz
def test_yhat_graph_without_b_gradient_matches_torchviz(torch):
    yhat, b, w = build_yhat(fastgrad, b_requires_grad=False)
    t_yhat, tb, tw = build_yhat(torch, b_requires_grad=False)
    dot = viz.make_dot(yhat, params={"w": w})
    assert_same_drawing(dot, torch_graph(t_yhat, {"w": tw}), str(id(yhat)), str(id(t_yhat)))
    nodes, _ = parse_dot(dot.source)
    assert sum(color == "lightblue" for _, color in nodes.values()) == 1  # "the blue box for b is no more"


@needs_graphviz
def test_control_flow_graph_matches_torchviz(torch):
    loss, b, w = build_control_flow(fastgrad)
    t_loss, tb, tw = build_control_flow(torch)
    for params, t_params in [(None, None), ({"b": b, "w": w}, {"b": tb, "w": tw})]:
        dot = viz.make_dot(loss, params=params)
        assert_same_drawing(dot, torch_graph(t_loss, t_params), str(id(loss)), str(id(t_loss)))
    nodes, edges = parse_dot(viz.make_dot(loss).source)
    # w feeds both branches through one AccumulateGrad: two edges leave it
    acc_w = [
        n
        for n, (label, _) in nodes.items()
        if label == "AccumulateGrad" and sum(1 for a, _, _ in edges if a == n) == 2
    ]
    assert len(acc_w) == 1


@needs_graphviz
def test_views_and_tuple_outputs_match_torchviz(torch):
    def build(lib):
        w = lib.ones(3, 2, requires_grad=True)
        a = w * 2
        v = a[0]
        return v, (v.sum(), (a * a).sum()), w

    v, pair, w = build(fastgrad)
    tv, tpair, tw = build(torch)
    assert_same_drawing(viz.make_dot(v, params={"w": w}), torch_graph(tv, {"w": tw}), str(id(v)), str(id(tv)))
    nodes, edges = parse_dot(viz.make_dot(v).source)
    assert ("\n (3, 2)", "darkolivegreen3") in nodes.values()
    assert any(attrs == "style=dotted" for _, _, attrs in edges)
    ours, theirs = parse_dot(viz.make_dot(pair).source), torch_graph(tpair)
    assert Counter(ours[0].values()) == Counter(theirs[0].values())
    assert len(ours[1]) == len(theirs[1])


@needs_graphviz
def test_leaf_output_is_a_single_node():
    w = fastgrad.ones(2, requires_grad=True)
    nodes, edges = parse_dot(viz.make_dot(w).source)
    assert list(nodes.values()) == [("\n (2)", "darkolivegreen1")] and edges == []


@needs_graphviz
def test_show_saved_and_show_attrs():
    x = fastgrad.randn(4, requires_grad=True)
    y = (x.exp() * x).sum()
    plain = parse_dot(viz.make_dot(y).source)
    saved = parse_dot(viz.make_dot(y, show_saved=True).source)
    orange = [n for n, (_, color) in saved[0].items() if color == "orange"]
    assert orange, "ExpBackward0 and MulBackward0 save tensors"
    assert all(attrs == "dir=none" for a, b, attrs in saved[1] if b in orange)
    assert Counter(v for v in saved[0].values() if v[1] != "orange") == Counter(plain[0].values())
    exp_node = y.grad_fn.next_functions[0][0].next_functions[0][0]
    assert len(exp_node._saved_tensors()) >= 1
    labelled = viz.make_dot(y, show_attrs=True, max_attr_chars=10).source
    assert "saved_tensors: [saved ..." in labelled and "------" in labelled


@needs_graphviz
def test_deep_graph_is_drawn_without_recursion():
    x = fastgrad.ones(1, requires_grad=True)
    y = x
    for _ in range(3 * sys.getrecursionlimit()):
        y = y * 1.0
    nodes, edges = parse_dot(viz.make_dot(y).source)
    assert len(nodes) == 3 * sys.getrecursionlimit() + 3
    assert viz.format_graph(y).count("MulBackward0") == 3 * sys.getrecursionlimit()


@needs_graphviz
def test_size_grows_with_the_graph_like_torchviz():
    x = fastgrad.ones(1, requires_grad=True)
    assert 'size="12,12"' in viz.make_dot(x * 2).source
    y = x
    for _ in range(100):
        y = y * 2
    assert re.search(r'size="(\d+\.\d+),\1"', viz.make_dot(y).source)


@needs_graphviz
def test_render_png_when_dot_is_installed(tmp_path):
    if shutil.which("dot") is None:
        pytest.skip("Graphviz's dot program is not installed")
    yhat, b, w = build_yhat(fastgrad)
    out = viz.make_dot(yhat, params={"b": b, "w": w}).render(str(tmp_path / "graph"), format="png")
    with open(out, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"


def test_make_dot_without_graphviz_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "graphviz", None)
    with pytest.raises(ImportError, match="pip install graphviz"):
        viz.make_dot(fastgrad.ones(1, requires_grad=True) * 2)


def test_print_graph_text(capsys):
    yhat, b, w = build_yhat(fastgrad)
    viz.print_graph(yhat, params={"b": b, "w": w})
    assert capsys.readouterr().out.splitlines() == [
        "output (100, 1)",
        "└── AddBackward0  #1",
        "    ├── AccumulateGrad  b (1)  #2",
        "    └── MulBackward0  #3",
        "        └── AccumulateGrad  w (1)  #4",
    ]
    loss, b, w = build_control_flow(fastgrad)
    text = viz.format_graph(loss, params={"b": b, "w": w})
    assert text.count("AccumulateGrad  w (1)") == 2 and "shown above" in text
    assert viz.format_graph(fastgrad.ones(2)) == "output (2) (no graph)"
