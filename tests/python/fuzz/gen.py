"""Case generator: (seed, index) -> a self-contained Python snippet calling one public op.

The snippet uses `T` (the library), `F` (`T.nn.functional`), `np`, `nan` and `inf`. It builds every tensor from
a NumPy array written out literally (so fastgrad and torch start from the same bits), applies the same view
ops (transpose, stepped slice, expand), makes the call and binds the result to `out`. Leaves that require grad
are listed in `leaves`; every tensor argument is listed in `args` (compared after the call, so in-place forms
and `__setitem__` are checked too).

The tables (templates, operators, names never called) and `Case` are in catalog.py, `Gen` (which writes the
snippet's lines) in builder.py; this module picks the op of each case and assembles its call. Nothing here
imports fastgrad or torch at module level: `op_catalog()` introspects both when first asked.
"""

from __future__ import annotations

import numpy as np

from .builder import Gen
# Case and FLOATS: report.py and worker.py take them from here.
from .catalog import FLOATS, OPERATORS, RANDOM, TEMPLATES, Case, op_catalog  # noqa: F401


def _junk(g: Gen) -> str:
    return g.choice(["'a'", "None", "[1, 2]", "1.5", "(2,)", "T.float64", "[[1]]", "object()", "-1", "True",
                     "T.tensor([1, 2])", "T.tensor(1.5)"])


def _args_from_template(g: Gen, name: str, tmpl: str):
    ctx: dict = {}
    pos, kw = [], []
    for tok in tmpl.split():
        key = None
        if "=" in tok:
            key, tok = tok.split("=", 1)
        if tok in ("D",) and "X" in ctx:
            v = g.dim(ctx["X"])
            ctx.setdefault("_D", v)
            text = str(v)
        else:
            text = g.token(tok, ctx)
        items = text if isinstance(text, list) else [text]
        for it in items:
            if key is not None:
                kw.append(f"{key}={it}")
            elif "=" in it and not it.startswith("[") and it.split("=", 1)[0].isidentifier():
                kw.append(it)
            else:
                pos.append(it)
    return pos, kw, ctx


def _mutate(g: Gen, pos, kw):
    """Wrong argument types and counts."""
    r = g.choice(["replace", "drop", "extra", "kw", "none"], p=[0.45, 0.2, 0.15, 0.1, 0.1])
    if r == "replace" and pos:
        pos[int(g.rng.integers(len(pos)))] = _junk(g)
    elif r == "drop" and pos:
        pos.pop()
    elif r == "extra":
        pos.append(_junk(g) if g.p(0.5) else "1")
    elif r == "kw":
        kw.append(g.choice(["foo=1", "dim=0", "out=None", "keepdim=True", "dtype=T.int64"]))
    return pos, kw


def _index_expr(g: Gen, x) -> str:
    shape = g.meta[x][0]
    nd = len(shape)
    parts = []
    k = int(g.rng.integers(0, nd + 2))
    d = 0
    for _ in range(k):
        s = shape[d] if d < nd else 1
        kind = g.choice(["int", "slice", "none", "ell", "bool", "long", "list"],
                        p=[0.3, 0.3, 0.07, 0.06, 0.1, 0.12, 0.05])
        if kind == "int":
            parts.append(str(int(g.rng.integers(-s - (1 if g.p(0.1) else 0), s + (1 if g.p(0.1) else 0)))
                             if s else int(g.rng.integers(-1, 2))))
        elif kind == "slice":
            a = g.choice(["", str(int(g.rng.integers(-4, 5)))])
            b = g.choice(["", str(int(g.rng.integers(-4, 6)))])
            st = g.choice(["", "", "2", "3", "1"] + (["0", "-1"] if g.p(0.05) else []))
            parts.append(f"{a}:{b}" + (f":{st}" if st else ""))
        elif kind == "none":
            parts.append("None")
            continue
        elif kind == "ell":
            parts.append("...")
            continue
        elif kind == "bool":
            parts.append(g.tensor((s,) if g.p(0.9) else (s + 1,), "bool", view=False, grad=False))
        elif kind == "long":
            parts.append(g.index_tensor((g.size1(),), s, g.choice(["int64", "int32"], p=[0.8, 0.2])))
        else:
            parts.append(repr([int(v) for v in g.rng.integers(-s if s else 0, max(s, 1), g.size1())]))
        d += 1
    if not parts:
        return g.choice(["...", "()", "None", ":"])
    if len(parts) == 1 and g.p(0.5):
        return parts[0]
    return ", ".join(parts) + ("," if len(parts) == 1 else "")


_KEYS = None
_M1, _M2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)


def _mix(x):
    """splitmix64's finaliser, element-wise on uint64 (wrapping arithmetic)."""
    x = (x ^ (x >> np.uint64(30))) * _M1
    x = (x ^ (x >> np.uint64(27))) * _M2
    return x ^ (x >> np.uint64(31))


def _pick(seed: int, index: int):
    """The catalogue entry of case (seed, index), by rendezvous hashing: each entry scores
    mix(key(entry) ^ mix(seed, index)) and the highest wins. Adding or removing an op changes only the cases
    that op wins (about 1/len(catalogue) of them), so a new op elsewhere in the library leaves the seeded
    CI sequence, and the allow-list calibrated on it, as it was."""
    global _KEYS
    cat = op_catalog()
    if _KEYS is None or len(_KEYS) != len(cat):
        import hashlib

        _KEYS = np.array([int.from_bytes(hashlib.blake2b(f"{lbl}|{form}|{name}".encode(), digest_size=8).digest(),
                                         "little") for lbl, form, name in cat], dtype=np.uint64)
    with np.errstate(over="ignore"):
        case = _mix(np.uint64((seed * 0x9E3779B97F4A7C15 + index) % (1 << 64)))
        return cat[int(np.argmax(_mix(_KEYS ^ case)))]


def make_case(seed: int, index: int) -> Case:
    rng = np.random.default_rng([seed, index])
    g = Gen(rng)
    label, form, name = _pick(seed, index)
    call = None
    if form == "idx":
        g.inplace = name == "set"
        x = g.tensor()
        idx = _index_expr(g, x)
        if name == "get":
            call = f"out = {x}[{idx}]"
        else:
            v = g.scalar() if g.p(0.5) else g.tensor(g.shape(g.choice([0, 1])), g.meta[x][1] if g.p(0.7)
                                                      else g.dtype())
            call = f"{x}[{idx}] = {v}\nout = {x}"
    elif form in ("op", "rop", "iop"):
        sym, arity = OPERATORS[name]
        if form == "iop":
            g.inplace = True
        x = g.tensor()
        if arity == 1:
            call = f"out = abs({x})" if sym == "abs" else f"out = {sym}{x}"
        else:
            if name == "matmul":
                a, b = g.special(g.choice(["MM", "MATMUL", "MV", "DOT"]), {})
                x, y = a, b
            else:
                y = g.like(x) if g.p(0.6) else g.scalar()
            if form == "op":
                call = f"out = {x} {sym} {y}"
            elif form == "rop":
                call = f"out = {g.scalar()} {sym} {x}"
            else:
                call = f"{x} {sym}= {y}\nout = {x}"
    elif form == "attr":
        x = g.tensor()
        call = f"out = {x}.{name}"
    else:
        key = name + "_" if form == "i" and name + "_" in TEMPLATES else name
        tmpls = TEMPLATES.get(key, ["X"])
        tmpl = tmpls[int(rng.integers(len(tmpls)))]
        if form in ("m", "i") and not tmpl.startswith("X"):
            tmpl = "X"  # a method needs a tensor self; creation names as methods take only self
            if name in ("where",):
                tmpl = "X M Y"
        if form == "i" or (form == "F" and name.endswith("_")):
            g.inplace = True
        pos, kw, ctx = _args_from_template(g, name, tmpl)
        if g.p(0.08):
            pos, kw = _mutate(g, pos, kw)
        fn = {"f": f"T.{name}", "F": f"F.{name}"}.get(form)
        if form in ("m", "i"):
            if not pos:
                pos = [g.tensor()]
            self_, rest = pos[0], pos[1:]
            fn = f"{self_}.{name}" + ("_" if form == "i" else "")
            pos = rest
        call = f"out = {fn}(" + ", ".join(pos + kw) + ")"
    code = "\n".join(g.lines + [call]) + "\n"
    base = label.split(".")[-1]
    return Case(seed, index, label, code, list(g.leaves), list(g.meta), random=base in RANDOM
                or name in RANDOM or (name + "_") in RANDOM and form == "i")
