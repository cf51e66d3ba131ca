"""`Gen`, the builder of one case's snippet (used by `gen.make_case`): random primitives, tensors written out
as literal NumPy data (maybe requiring grad, maybe viewed non-contiguously), scalars, dims and shapes, index
tensors, and the expression text of each argument-template token (`Gen.token`, `Gen.special`)."""

from __future__ import annotations

import math

import numpy as np

from .catalog import DTYPE_P, DTYPES, FLOATS


def _lit(v) -> str:
    """A Python literal for one scalar (float32 values are exact as float64 literals)."""
    if isinstance(v, (bool, np.bool_)):
        return "True" if v else "False"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    v = float(v)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return repr(v)


class Gen:
    """Builds one case: `tensor()` etc. add definition lines and return the variable's name."""

    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self.lines: list = []
        self.n = 0
        self.meta: dict = {}  # name -> (shape, dtype)
        self.leaves: list = []
        self.grad_ok = True  # leaves may require grad (False for in-place forms on leaves)
        self.inplace = False

    # ----- random primitives
    def p(self, prob) -> bool:
        return bool(self.rng.random() < prob)

    def choice(self, seq, p=None):
        return seq[int(self.rng.choice(len(seq), p=p))]

    def size1(self) -> int:
        return self.choice([0, 1, 2, 3, 4, 5], p=[0.05, 0.25, 0.3, 0.25, 0.1, 0.05])

    def shape(self, ndim=None):
        if ndim is None:
            ndim = self.choice([0, 1, 2, 3, 4], p=[0.12, 0.3, 0.33, 0.17, 0.08])
        return tuple(self.size1() for _ in range(ndim))

    def dtype(self) -> str:
        return self.choice(DTYPES, p=DTYPE_P)

    def values(self, n, dtype):
        r = self.rng
        if dtype == "bool":
            return list(r.random(n) < 0.5)
        if dtype in ("int32", "int64"):
            v = [int(x) for x in r.integers(-5, 6, n)]
            info = np.iinfo(dtype)
            for i in range(n):
                if r.random() < 0.04:
                    v[i] = int(self.choice([info.max, info.min, 2**20, -(2**20), 0]))
            return v
        v = [round(float(x), 2) for x in r.normal(0, 2, n)]
        special = [nan, inf, -inf, 0.0, -0.0, 1e30, -1e30, 1e-40 if dtype == "float32" else 5e-320, 1.0, 0.5,
                   3e38 if dtype == "float32" else 1e300]
        sp = 0.15 if self.p(0.4) else 0.0
        for i in range(n):
            if r.random() < sp:
                v[i] = self.choice(special)
        return v

    # ----- tensors
    def np_expr(self, shape, dtype, values=None) -> str:
        n = int(np.prod(shape)) if shape else 1
        if n == 0:
            return f"np.zeros({tuple(shape)!r}, dtype='{dtype}')"
        vals = values if values is not None else self.values(n, dtype)
        body = "[" + ", ".join(_lit(x) for x in vals) + "]"
        return f"np.array({body}, dtype='{dtype}').reshape({tuple(shape)!r})"

    def tensor(self, shape=None, dtype=None, values=None, view=True, grad=None) -> str:
        """A tensor argument: literal NumPy data, maybe requires grad, maybe viewed non-contiguously."""
        shape = self.shape() if shape is None else tuple(shape)
        dtype = dtype or self.dtype()
        name = f"x{self.n}"
        self.n += 1
        base_shape, suffix = list(shape), ""
        nd = len(shape)
        kind = self.choice(["none", "t", "step", "expand"], p=[0.55, 0.17, 0.14, 0.14]) if view and values is None \
            else "none"
        if kind == "t" and nd >= 2:
            a, b = sorted(int(x) for x in self.rng.choice(nd, 2, replace=False))
            base_shape[a], base_shape[b] = base_shape[b], base_shape[a]
            suffix = f".transpose({a}, {b})"
        elif kind == "step" and nd >= 1:
            d = int(self.rng.integers(nd))
            base_shape[d] = max(0, 2 * shape[d] - int(self.rng.integers(2))) if shape[d] else 0
            suffix = "[" + ":, " * d + "::2]"
        elif kind == "expand" and nd >= 1 and any(s != 1 for s in shape):
            ds = [d for d in range(nd) if self.p(0.6)] or [int(self.rng.integers(nd))]
            for d in ds:
                base_shape[d] = 1
            suffix = f".expand({tuple(shape)!r})"
        base = self.np_expr(base_shape, dtype, values)
        rg = dtype in FLOATS and self.grad_ok and (self.p(0.5) if grad is None else grad)
        if rg:
            leaf = f"a{len(self.leaves)}"
            self.leaves.append(leaf)
            self.lines.append(f"{leaf} = T.tensor({base}, requires_grad=True)")
            src = leaf + (".clone()" if (self.inplace and self.p(0.9)) or (suffix and self.p(0.3)) else "")
        else:
            src = f"T.tensor({base})"
        self.lines.append(f"{name} = {src}{suffix}")
        self.meta[name] = (tuple(shape), dtype)
        return name

    def like(self, x, bshape=True, dtype=None) -> str:
        """A tensor broadcastable with `x` (usually), any dtype."""
        shape = list(self.meta[x][0])
        if bshape:
            if shape and self.p(0.3):
                shape = shape[int(self.rng.integers(len(shape) + 1)):]
            shape = [1 if (s and self.p(0.2)) else s for s in shape]
        dt = dtype or (self.meta[x][1] if self.p(0.5) else self.dtype())
        return self.tensor(shape, dt)

    # ----- scalars and small things
    def scalar(self) -> str:
        k = self.choice(["int", "float", "bool", "special", "big", "numpy"], p=[0.33, 0.33, 0.08, 0.15, 0.06, 0.05])
        if k == "numpy":
            return self.choice(["np.float64(1.5)", "np.float32(-2.5)", "np.int64(3)", "np.int32(-2)",
                                "np.bool_(True)", "np.float64(nan)"])
        if k == "int":
            return str(int(self.rng.integers(-3, 5)))
        if k == "float":
            return repr(round(float(self.rng.normal(0, 2)), 2))
        if k == "bool":
            return self.choice(["True", "False"])
        if k == "special":
            return self.choice(["nan", "inf", "-inf", "-0.0", "0.0", "1e-40", "0.5", "1e300"])
        return self.choice(["2**31", "2**63", "-2**63 - 1", "3e38", "1e40", "-2**31 - 1", "2**62"])

    def dim(self, x) -> int:
        nd = len(self.meta[x][0]) if x else 2
        lo, hi = -max(nd, 1), max(nd, 1) - 1
        if self.p(0.06):
            return int(self.choice([hi + 1, lo - 1, 64]))
        return int(self.rng.integers(lo, hi + 1))

    def dims(self, x) -> str:
        nd = len(self.meta[x][0])
        k = int(self.rng.integers(0, max(nd, 1) + 1))
        ds = [int(d) for d in self.rng.choice(max(nd, 1), k, replace=False)]
        ds = [d - nd if (nd and self.p(0.3)) else d for d in ds]
        if self.p(0.05) and ds:
            ds.append(ds[0])  # repeated dim
        return repr(tuple(ds)) if self.p(0.5) else repr(list(ds))

    def sizes(self) -> list:
        return [self.size1() if not self.p(0.03) else -1 for _ in range(int(self.rng.integers(0, 4)))]

    def compat_shape(self, x) -> list:
        """A shape with the same numel as x (sometimes with -1, sometimes wrong)."""
        shape = list(self.meta[x][0])
        n = int(np.prod(shape)) if shape else 1
        if self.p(0.1):
            return [n + 1]
        out = []
        rest = n
        for f in (2, 3, 5):
            while rest and rest % f == 0 and self.p(0.5):
                out.append(f)
                rest //= f
        out.append(rest)
        self.rng.shuffle(out)
        if self.p(0.15):
            out.insert(int(self.rng.integers(len(out) + 1)), 1)
        if self.p(0.25) and n:
            out[int(self.rng.integers(len(out)))] = -1
        return [int(v) for v in out]

    def index_tensor(self, shape, hi, dtype="int64") -> str:
        lo = -hi if self.p(0.2) else 0
        n = int(np.prod(shape)) if shape else 1
        vals = [int(v) for v in self.rng.integers(lo, max(hi, 1), n)] if hi > 0 else [0] * n
        if n and self.p(0.06):
            vals[int(self.rng.integers(n))] = hi + int(self.rng.integers(0, 3))
        if dtype != "int64" and self.p(0.8):
            dtype = "int64"
        return self.tensor(shape, dtype, values=vals if n else None, view=False, grad=False)

    # ----- tokens
    def token(self, tok: str, ctx: dict):
        """Expression text for one template token; ctx["X"] is the main tensor's name."""
        x = ctx.get("X")
        if tok == "X":
            ctx["X"] = self.like(x) if x else self.tensor()
            return ctx["X"]
        if tok == "X2":
            ctx["X"] = self.tensor(self.shape(2) if self.p(0.85) else None)
            return ctx["X"]
        if tok == "XN3":
            ctx["X"] = self.tensor(self.shape(3), self.choice(list(FLOATS)) if self.p(0.85) else None)
            return ctx["X"]
        if tok in ("Y", "Z"):
            return self.like(x) if x else self.tensor()
        if tok == "Yany":
            return self.tensor()
        if tok == "M":
            if x is None:  # where(cond, x, y): the condition comes first and sets the shape
                ctx["X"] = self.tensor(dtype="bool" if self.p(0.93) else None)
                return ctx["X"]
            return self.like(x, dtype="bool" if self.p(0.93) else None)
        if tok == "S":
            return self.scalar()
        if tok == "S0":
            return self.tensor((), self.dtype(), view=False, grad=False)
        if tok == "I":
            return str(int(self.rng.integers(-2, 5)))
        if tok == "IL":
            return repr([int(v) for v in self.rng.integers(0, 4, int(self.rng.integers(1, 4)))])
        if tok == "B":
            return self.choice(["True", "False"])
        if tok == "D":
            return str(self.dim(x))
        if tok == "DL":
            return self.dims(x)
        if tok == "*DL":
            return self.dims(x)[1:-1].rstrip(",") or "()"
        if tok == "DT":
            return "T." + self.dtype()
        if tok == "SZ":
            s = self.sizes()
            return repr(tuple(s)) if self.p(0.6) else repr(list(s))
        if tok == "*SZ":
            return ", ".join(str(v) for v in self.sizes()) or "()"
        if tok == "SHP":
            return repr(tuple(self.compat_shape(x)))
        if tok == "*SHP":
            return ", ".join(str(v) for v in self.compat_shape(x))
        if tok in ("PERM", "*PERM"):
            nd = len(self.meta[x][0])
            perm = [int(v) for v in self.rng.permutation(nd)]
            if self.p(0.1):
                perm = perm[:-1] if perm else [0]
            perm = [p - nd if self.p(0.2) else p for p in perm]
            return repr(tuple(perm)) if tok == "PERM" else (", ".join(map(str, perm)) or "()")
        if tok == "EXP":
            shape = list(self.meta[x][0])
            new = [(self.size1() if s == 1 and self.p(0.5) else (-1 if self.p(0.2) else s)) for s in shape]
            if self.p(0.3):
                new = [self.size1()] + new
            return repr(tuple(new))
        if tok == "RM":
            return self.choice(["'trunc'", "'floor'", "None", "'round'"])
        if tok == "RED":
            return self.choice(["'mean'", "'sum'", "'none'", "'max'"], p=[0.3, 0.3, 0.3, 0.1])
        if tok == "APPROX":
            return self.choice(["'none'", "'tanh'", "'x'"], p=[0.45, 0.45, 0.1])
        if tok == "NORMSTR":
            return self.choice(["'fro'", "'nuc'", "inf", "-inf", "0", "1", "2", "3.5"])
        if tok == "XS":
            n = int(self.rng.integers(1, 4))
            ctx["X"] = first = self.tensor()
            shape = list(self.meta[first][0])
            others = []
            for _ in range(n - 1):
                s = list(shape)
                if s and self.p(0.5):
                    d = int(self.rng.integers(len(s)))
                    s[d] = self.size1()
                if self.p(0.1):
                    s = list(self.shape())
                others.append(self.tensor(s, self.meta[first][1] if self.p(0.6) else self.dtype()))
            items = [first] + others
            return ("(" + ", ".join(items) + ",)") if self.p(0.3) else "[" + ", ".join(items) + "]"
        if tok == "LIT":
            return self.literal()
        if tok == "NP":
            return self.np_expr(self.shape(), self.dtype())
        if tok == "V":
            return self.scalar() if self.p(0.5) else self.tensor(self.shape(self.choice([0, 1])))
        return self.special(tok, ctx)

    def literal(self) -> str:
        shape = self.shape(self.choice([0, 1, 2], p=[0.2, 0.5, 0.3]))
        n = int(np.prod(shape)) if shape else 1
        kinds = [self.choice(["int", "float", "bool", "special"], p=[0.35, 0.4, 0.15, 0.1])
                 for _ in range(n)] if self.p(0.4) else [self.choice(["int", "float", "bool"])] * n
        vals = []
        for k in kinds:
            if k == "int":
                vals.append(str(int(self.rng.integers(-4, 5))) if not self.p(0.05) else "2**63")
            elif k == "float":
                vals.append(repr(round(float(self.rng.normal()), 2)))
            elif k == "bool":
                vals.append(self.choice(["True", "False"]))
            else:
                vals.append(self.choice(["nan", "inf", "-0.0", "1e40"]))
        if not shape:
            return vals[0]
        arr = np.array(vals, dtype=object).reshape(shape)

        def fmt(a):
            if a.ndim == 1:
                return "[" + ", ".join(a) + "]"
            return "[" + ", ".join(fmt(b) for b in a) + "]"

        if arr.size == 0:
            return "[]" if len(shape) == 1 else "[" + ", ".join("[]" for _ in range(shape[0])) + "]"
        return fmt(arr)

    def special(self, tok, ctx):
        """Templates whose arguments depend on each other (shapes that must agree, indices in range)."""
        fl = lambda: self.choice(list(FLOATS)) if self.p(0.85) else self.dtype()  # noqa: E731
        sz = self.size1
        if tok in ("MM", "MATMUL", "BMM", "MV", "DOT", "OUTER", "ADDMM", "ADDMV", "BADDBMM"):
            dt = fl()
            dt2 = dt if self.p(0.85) else self.dtype()
            n, k, m, b = sz(), sz(), sz(), sz()
            k2 = k if self.p(0.9) else k + 1
            if tok == "MM":
                return [self.tensor((n, k), dt), self.tensor((k2, m), dt2)]
            if tok == "MATMUL":
                nd1, nd2 = self.choice([1, 2, 3, 4]), self.choice([1, 2, 3, 4])
                s1 = (self.shape(max(nd1 - 2, 0)) + (n, k))[-nd1:] if nd1 > 1 else (k,)
                s2 = ((k2, m) if nd2 > 1 else (k2,))
                s2 = (self.shape(max(nd2 - 2, 0)) + s2) if nd2 > 2 else s2
                return [self.tensor(s1, dt), self.tensor(s2, dt2)]
            if tok == "BMM":
                return [self.tensor((b, n, k), dt), self.tensor((b if self.p(0.9) else b + 1, k2, m), dt2)]
            if tok == "MV":
                return [self.tensor((n, k), dt), self.tensor((k2,), dt2)]
            if tok == "DOT":
                return [self.tensor((k,), dt), self.tensor((k2,), dt2)]
            if tok == "OUTER":
                return [self.tensor((n,), dt), self.tensor((m,), dt2)]
            kw = []
            if self.p(0.5):
                kw = [f"beta={self.scalar()}", f"alpha={self.scalar()}"][: self.choice([1, 2])]
            if tok == "ADDMM":
                c = self.tensor(self.choice([(n, m), (m,), (1, m), ()]), dt)
                return [c, self.tensor((n, k), dt), self.tensor((k2, m), dt2)] + kw
            if tok == "ADDMV":
                return [self.tensor(self.choice([(n,), ()]), dt), self.tensor((n, k), dt),
                        self.tensor((k2,), dt2)] + kw
            return [self.tensor((b, n, m), dt), self.tensor((b, n, k), dt), self.tensor((b, k2, m), dt2)] + kw
        if tok == "EINSUM":
            eq, shapes = self.choice([("ij,jk->ik", [(2, 3), (3, 4)]), ("i,i->", [(3,), (3,)]),
                                      ("ij->ji", [(2, 3)]), ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]),
                                      ("ii->i", [(3, 3)]), ("ij,j", [(2, 3), (3,)]), ("i,j->ij", [(2,), (3,)]),
                                      ("ij->", [(0, 3)]), ("ij,jk->ik", [(2, 3), (4, 4)])])
            dt = fl()
            ts = [self.tensor(s, dt) for s in shapes]
            return [repr(eq)] + (ts if self.p(0.7) else ["[" + ", ".join(ts) + "]"])
        if tok in ("IDXF", "IDXA", "IDXG", "IDXD", "SRC", "SRCD", "IDXT"):
            x = ctx["X"]
            shape = self.meta[x][0]
            n = int(np.prod(shape)) if shape else 1
            if tok == "IDXF":
                return self.index_tensor(self.shape(self.choice([0, 1, 2])), n)
            if tok == "IDXA":
                s = [s if self.p(0.8) else self.size1() for s in shape]
                dims = ctx.get("_dim")
                return self.index_tensor(s, max(shape) if shape else 1)
            if tok == "IDXG":
                d = ctx.get("_D", 0)
                nd = len(shape)
                dd = d % nd if nd and -nd <= d < nd else 0
                s = [min(v, self.size1()) if self.p(0.5) else v for v in shape] or []
                hi = shape[dd] if nd else 1
                ctx["_IDX_SHAPE"] = s
                return self.index_tensor(s, hi)
            if tok == "SRC":
                s = ctx.get("_IDX_SHAPE", shape)
                return self.tensor([v + (1 if self.p(0.3) else 0) for v in s], self.meta[x][1] if self.p(0.8)
                                   else self.dtype())
            if tok == "IDXD":
                d = ctx.get("_D", 0)
                nd = len(shape)
                dd = d % nd if nd and -nd <= d < nd else 0
                hi = shape[dd] if nd else 1
                k = self.size1()
                ctx["_IDX_LEN"] = k
                return self.index_tensor((k,) if self.p(0.9) else (), hi, self.choice(["int64", "int32"]))
            if tok == "SRCD":
                d = ctx.get("_D", 0)
                nd = len(shape)
                s = list(shape)
                if nd and -nd <= d < nd:
                    s[d % nd] = ctx.get("_IDX_LEN", 1)
                return self.tensor(s, self.meta[x][1] if self.p(0.8) else self.dtype())
            if tok == "IDXT":
                nd = len(shape)
                k = int(self.rng.integers(1, max(nd, 1) + 1))
                m = self.size1()
                idx = [self.index_tensor((m,), shape[i] if i < nd else 1) for i in range(k)]
                if self.p(0.15):
                    return "[" + ", ".join(idx) + "]"
                return "(" + ", ".join(idx) + ",)"
        nF = lambda: self.choice(list(FLOATS))  # noqa: E731
        if tok == "LINEAR":
            dt = fl()
            n, i, o = sz(), sz(), sz()
            xs = (self.shape(self.choice([0, 1, 2])) + (i,))
            args = [self.tensor(xs, dt), self.tensor((o, i if self.p(0.9) else i + 1), dt)]
            if self.p(0.6):
                args.append(self.tensor((o,), dt))
            return args
        if tok == "BILINEAR":
            dt = nF()
            n, i1, i2, o = sz(), sz(), sz(), sz()
            return [self.tensor((n, i1), dt), self.tensor((n, i2), dt), self.tensor((o, i1, i2), dt),
                    self.tensor((o,), dt)][: self.choice([3, 4])]
        if tok in ("CONV1", "CONV2", "CONV3"):
            sd = {"CONV1": 1, "CONV2": 2, "CONV3": 3}[tok]
            dt = fl()
            n, ci, co = self.choice([1, 2]), self.choice([1, 2, 3]), self.choice([1, 2])
            g = self.choice([1, 1, 1, ci]) if ci else 1
            sp = tuple(self.choice([1, 2, 3, 4, 5]) for _ in range(sd))
            ks = tuple(self.choice([1, 2, 3]) for _ in range(sd))
            xs = (n, ci) + sp if self.p(0.85) else (ci,) + sp
            args = [self.tensor(xs, dt), self.tensor((co * g, ci // g if g else ci) + ks, dt)]
            args.append(self.tensor((co * g,), dt) if self.p(0.5) else "None")
            kw = []
            if self.p(0.5):
                kw.append(f"stride={self.choice([1, 2, (1,) * sd, 0])!r}")
            if self.p(0.5):
                kw.append(f"padding={self.choice([0, 1, 'same', 'valid', (1,) * sd, -1])!r}")
            if self.p(0.3):
                kw.append(f"dilation={self.choice([1, 2])}")
            if g != 1:
                kw.append(f"groups={g}")
            return args + kw
        if tok in ("POOL1", "POOL2", "APOOL1", "APOOL2"):
            sd = 1 if tok.endswith("1") else 2
            dt = fl() if self.p(0.8) else self.dtype()
            nb = self.choice([0, 1])
            xs = self.shape(sd + 1 + nb)
            x = self.tensor(xs, dt)
            if tok.startswith("A"):
                return [x, repr(self.choice([1, 2, 3, (2,) * sd, 0]))]
            args = [x, repr(self.choice([1, 2, 3, (2,) * sd]))]
            if self.p(0.5):
                args.append(f"stride={self.choice([1, 2, None])!r}")
            if self.p(0.4):
                args.append(f"padding={self.choice([0, 1, 2])}")
            if self.p(0.3):
                args.append(f"ceil_mode={self.choice([True, False])}")
            return args
        if tok == "BN":
            dt = fl()
            n, c = sz(), sz()
            xs = (n, c) + self.shape(self.choice([0, 1, 2]))
            x = self.tensor(xs, dt)
            rm = self.tensor((c,), dt, grad=False) if self.p(0.7) else "None"
            rv = self.tensor((c,), dt, values=[abs(v) for v in self.values(c, dt)], view=False, grad=False) \
                if self.p(0.7) else "None"
            args = [x, rm, rv]
            if self.p(0.5):
                args += [self.tensor((c,), dt), self.tensor((c,), dt)]
            args.append(f"training={self.choice([True, False])}")
            return args
        if tok == "LN":
            dt = fl()
            xs = self.shape(self.choice([1, 2, 3]))
            k = int(self.rng.integers(1, len(xs) + 1))
            ns = xs[-k:]
            args = [self.tensor(xs, dt), repr(tuple(ns) if self.p(0.9) else (sz(),))]
            if self.p(0.5):
                args.append(self.tensor(ns, dt))
            return args
        if tok == "GN":
            dt = fl()
            n, c = sz(), self.choice([2, 4, 3])
            g = self.choice([1, 2, 3])
            args = [self.tensor((n, c) + self.shape(self.choice([0, 1, 2])), dt), str(g)]
            if self.p(0.5):
                args += [self.tensor((c,), dt), self.tensor((c,), dt)]
            return args
        if tok == "EMB":
            v, d = self.choice([1, 3, 5]), sz()
            w = self.tensor((v, d), fl(), view=self.p(0.5))
            idx = self.index_tensor(self.shape(self.choice([0, 1, 2])), v, self.choice(["int64", "int32"]))
            kw = []
            if self.p(0.3):
                kw.append(f"padding_idx={self.choice([0, -1, v])}")
            return [idx, w] + kw
        if tok == "ONEHOT":
            c = self.choice([1, 3, 5])
            return [self.index_tensor(self.shape(self.choice([0, 1, 2])), c), str(self.choice([-1, c, c + 1, 1]))]
        if tok == "PAD":
            x = self.tensor(self.shape(self.choice([1, 2, 3, 4])))
            nd = len(self.meta[x][0])
            k = self.choice([1, 2, 2, 3]) if nd >= 2 else 1
            pad = tuple(int(v) for v in self.rng.integers(-1, 3, 2 * k))
            args = [x, repr(pad)]
            mode = self.choice(["constant", "reflect", "replicate", "circular"])
            if mode != "constant" or self.p(0.5):
                args.append(f"mode={mode!r}")
            if mode == "constant" and self.p(0.5):
                args.append(f"value={self.scalar()}")
            return args
        if tok == "PRELU":
            x = self.tensor(self.shape(self.choice([1, 2, 3])), fl())
            xs = self.meta[x][0]
            c = xs[1] if len(xs) >= 2 else 1
            return [x, self.tensor((self.choice([1, c]),), self.meta[x][1])]
        if tok in ("CE", "NLL"):
            dt = fl()
            n, c = sz(), self.choice([1, 2, 3, 4])
            extra = self.shape(self.choice([0, 0, 1]))
            x = self.tensor((n, c) + extra if self.p(0.9) else (c,), dt)
            xs = self.meta[x][0]
            tshape = (xs[0],) + xs[2:] if len(xs) >= 2 else ()
            probs = tok == "CE" and self.p(0.2)
            if probs:
                t = self.tensor(xs, dt)
            else:
                t = self.index_tensor(tshape, c)
            args = [x, t]
            if self.p(0.35):
                args.append("weight=" + self.tensor((c,), dt, values=[abs(v) for v in self.values(c, dt)],
                                                    grad=False))
            if self.p(0.4):
                args.append(f"reduction={self.token('RED', ctx)}")
            if self.p(0.3):
                args.append(f"ignore_index={self.choice([0, 1, -100])}")
            if tok == "CE" and self.p(0.3):
                args.append(f"label_smoothing={self.choice([0.0, 0.1, 0.5])}")
            return args
        raise KeyError(tok)


nan, inf = float("nan"), float("inf")
