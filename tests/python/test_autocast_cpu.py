"""torch.autocast("cpu") regions cast as PyTorch's do (Note [Autocast] in cpp/include/fastgrad/autocast.h): the ops of
the lower-precision list run in the region's dtype, those of the float32 list in float32, cat / stack promote, and
float64, integer operands and every other op are left alone; nesting, enabled=False, the decorator form,
get_autocast_dtype, custom_fwd / custom_bwd; result dtypes, values, graphs and gradients compared with PyTorch, and
a small model trained under autocast."""
import threading
import warnings

import numpy as np
import pytest

import fastgrad

torch = pytest.importorskip("torch")

HALF = ["bfloat16", "float16"]


def pair(shape, seed, dtype="float32", low=-1.0, high=1.0):
    a = np.random.default_rng(seed).uniform(low, high, shape)
    return torch.tensor(a, dtype=getattr(torch, dtype)), fastgrad.tensor(a, dtype=getattr(fastgrad, dtype))


def spd(n, seed, dtype="float32"):
    a = np.random.default_rng(seed).uniform(-1, 1, (n, n))
    a = a @ a.T + n * np.eye(n)
    return torch.tensor(a, dtype=getattr(torch, dtype)), fastgrad.tensor(a, dtype=getattr(fastgrad, dtype))


def name(dtype):
    return str(dtype).split(".")[-1]


def same(expected, actual, tol):
    if isinstance(expected, (tuple, list)):
        assert len(expected) == len(actual)
        for e, a in zip(expected, actual):
            same(e, a, tol)
        return
    assert name(actual.dtype) == name(expected.dtype)
    e, a = expected.detach().double().numpy(), actual.detach().double().numpy()
    np.testing.assert_allclose(a, e, rtol=tol, atol=tol)


def run(lib, dtype, fn, *args):
    with lib.autocast("cpu", dtype=getattr(lib, dtype)):
        return fn(lib, *args)


F32, HALF_IN = "float32", "half"  # the operands' dtype: float32, or the region's own half dtype

# name -> (operands' dtype, shapes of the operands, the call). Operands are made from the same numbers for both.
LOWER = {
    "matmul": (F32, [(3, 4), (4, 5)], lambda m, a, b: a @ b),
    "matmul_batched": (F32, [(2, 3, 4), (4, 5)], lambda m, a, b: m.matmul(a, b)),
    "mm": (F32, [(3, 4), (4, 5)], lambda m, a, b: m.mm(a, b)),
    "bmm": (F32, [(2, 3, 4), (2, 4, 5)], lambda m, a, b: m.bmm(a, b)),
    "addmm": (F32, [(3, 5), (3, 4), (4, 5)], lambda m, c, a, b: m.addmm(c, a, b, beta=0.5, alpha=2)),
    "baddbmm": (F32, [(2, 3, 5), (2, 3, 4), (2, 4, 5)], lambda m, c, a, b: m.baddbmm(c, a, b)),
    "linear": (F32, [(3, 4), (5, 4), (5,)], lambda m, x, w, b: m.nn.functional.linear(x, w, b)),
    "linear_3d": (F32, [(2, 3, 4), (5, 4), (5,)], lambda m, x, w, b: m.nn.functional.linear(x, w, b)),
    "linear_no_bias": (F32, [(3, 4), (5, 4)], lambda m, x, w: m.nn.functional.linear(x, w)),
    "conv1d": (F32, [(2, 3, 7), (4, 3, 3), (4,)], lambda m, x, w, b: m.nn.functional.conv1d(x, w, b, padding=1)),
    "conv2d": (F32, [(1, 2, 5, 5), (3, 2, 3, 3), (3,)], lambda m, x, w, b: m.nn.functional.conv2d(x, w, b)),
    "conv3d": (F32, [(1, 2, 3, 4, 4), (2, 2, 2, 2, 2)], lambda m, x, w: m.nn.functional.conv3d(x, w)),
    "conv_transpose2d": (F32, [(1, 2, 4, 4), (2, 3, 3, 3)], lambda m, x, w: m.nn.functional.conv_transpose2d(x, w)),
    "einsum": (F32, [(3, 4), (4, 5)], lambda m, a, b: m.einsum("ij,jk->ik", a, b)),
    "vecdot": (F32, [(3, 4), (3, 4)], lambda m, a, b: m.linalg.vecdot(a, b)),
    "prelu": (F32, [(3, 4), (1,)], lambda m, x, w: m.nn.functional.prelu(x, w)),
    "sdpa": (F32, [(1, 2, 3, 4)] * 3, lambda m, q, k, v: m.nn.functional.scaled_dot_product_attention(q, k, v)),
    "sdpa_mask": (F32, [(1, 2, 3, 4)] * 3 + [(3, 3)],
                  lambda m, q, k, v, mask: m.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=mask)),
    "matrix_power": (F32, [(3, 3)], lambda m, a: m.linalg.matrix_power(a, 3)),
    "multi_dot": (F32, [(3, 4), (4, 5), (5, 2)], lambda m, a, b, c: m.linalg.multi_dot([a, b, c])),
    # operands of the other half dtype are cast too
    "mm_other_half": ("other", [(3, 4), (4, 5)], lambda m, a, b: m.mm(a, b)),
    "mm_mixed": ("mixed", [(3, 4), (4, 5)], lambda m, a, b: m.mm(a, b)),
}

FLOAT32 = {
    "mse_loss": [(3, 4), (3, 4)],
    "l1_loss": [(3, 4), (3, 4)],
    "smooth_l1_loss": [(3, 4), (3, 4)],
    "huber_loss": [(3, 4), (3, 4)],
    "soft_margin_loss": [(3, 4), (3, 4)],
    "kl_div": [(3, 4), (3, 4)],
    "poisson_nll_loss": [(3, 4), (3, 4)],
    "margin_ranking_loss": [(5,), (5,), (5,)],
    "hinge_embedding_loss": [(3, 4), (3, 4)],
    "cosine_embedding_loss": [(3, 4), (3, 4), (3,)],
    "triplet_margin_loss": [(3, 4), (3, 4), (3, 4)],
    "binary_cross_entropy": [(3, 4), (3, 4)],
    "binary_cross_entropy_with_logits": [(3, 4), (3, 4)],
}
FLOAT32_CALLS = {
    "cross_entropy": ([(3, 5)], lambda m, x: m.nn.functional.cross_entropy(x, m.tensor([0, 4, 2]))),
    "cross_entropy_probs": ([(3, 5), (3, 5)], lambda m, x, p: m.nn.functional.cross_entropy(x, p.softmax(1))),
    "nll_loss": ([(3, 5)], lambda m, x: m.nn.functional.nll_loss(x, m.tensor([0, 4, 2]))),
    "huber_loss_weight": ([(3, 4), (3, 4), (3, 4)],
                          lambda m, a, b, w: m.nn.functional.huber_loss(a, b, weight=w.abs())),
    "smooth_l1_loss_beta0": ([(3, 4), (3, 4)], lambda m, a, b: m.nn.functional.smooth_l1_loss(a, b, beta=0.0)),
    "prod": ([(3, 4)], lambda m, x: m.prod(x)),
    "prod_dim": ([(3, 4)], lambda m, x: x.prod(1)),
    "trace": ([(3, 4)], lambda m, x: m.trace(x)),
    "avg_pool3d": ([(1, 1, 2, 4, 4)], lambda m, x: m.nn.functional.avg_pool3d(x, 2)),
    "adaptive_avg_pool3d": ([(1, 1, 2, 4, 4)], lambda m, x: m.nn.functional.adaptive_avg_pool3d(x, 1)),
    "max_pool3d": ([(1, 1, 2, 4, 4)], lambda m, x: m.nn.functional.max_pool3d(x, 2)),
    "adaptive_max_pool3d": ([(1, 1, 2, 4, 4)], lambda m, x: m.nn.functional.adaptive_max_pool3d(x, 1)),
    "adaptive_max_pool3d_indices": ([(1, 1, 2, 4, 4)],
                                    lambda m, x: m.nn.functional.adaptive_max_pool3d(x, 1, return_indices=True)[0]),
    "pad_reflect_1d": ([(2, 4)], lambda m, x: m.nn.functional.pad(x, (1, 2), mode="reflect")),
    "pad_reflect_2d": ([(2, 4, 4)], lambda m, x: m.nn.functional.pad(x, (1, 1, 2, 0), mode="reflect")),
    "pad_replicate_1d": ([(2, 4)], lambda m, x: m.nn.functional.pad(x, (1, 2), mode="replicate")),
    "pad_replicate_3d": ([(1, 2, 3, 4, 4)], lambda m, x: m.nn.functional.pad(x, (1, 1, 1, 1, 1, 1), mode="replicate")),
    "max_unpool2d": ([(1, 1, 4, 4)],
                     lambda m, x: m.nn.functional.max_unpool2d(*m.nn.functional.max_pool2d(x, 2, return_indices=True),
                                                               2)),
}
DECOMPOSITIONS = {  # float32 list, on a symmetric positive definite matrix
    "inv": lambda m, a: m.linalg.inv(a),
    "inverse": lambda m, a: m.inverse(a),
    "inv_ex": lambda m, a: m.linalg.inv_ex(a)[0],
    "cholesky": lambda m, a: m.linalg.cholesky(a),
    "cholesky_ex": lambda m, a: m.linalg.cholesky_ex(a)[0],
    "cholesky_solve": lambda m, a: m.cholesky_solve(a[:, :1], m.linalg.cholesky(a.float()).to(a.dtype)),
    "eigvalsh": lambda m, a: m.linalg.eigvalsh(a),
    "svdvals": lambda m, a: m.linalg.svdvals(a),
    "solve": lambda m, a: m.linalg.solve(a, a[:, :1]),
    "qr_r_abs": lambda m, a: m.linalg.qr(a)[1].abs(),
    "matrix_rank": lambda m, a: m.linalg.matrix_rank(a),
}
UNCHANGED = {  # ops of no list keep their operands' dtypes
    "add": lambda m, a, b: a + b,
    "softmax": lambda m, a, b: m.softmax(a, 1),
    "relu": lambda m, a, b: m.relu(a),
    "sum": lambda m, a, b: a.sum(1),
    "layer_norm": lambda m, a, b: m.nn.functional.layer_norm(a, (4,)),
    "exp": lambda m, a, b: m.exp(a),
    "mv": lambda m, a, b: m.mv(a, b[0]),
    "max_pool2d": lambda m, a, b: m.nn.functional.max_pool2d(a[None], 2),
    "max_pool3d_indices": lambda m, a, b: m.nn.functional.max_pool3d(a[None, None, None], (1, 2, 2),
                                                                     return_indices=True)[0],
    "pad_reflect_3d": lambda m, a, b: m.nn.functional.pad(a[None, None, None], (1, 1, 1, 1, 0, 0), mode="reflect"),
    "pad_circular": lambda m, a, b: m.nn.functional.pad(a[None], (1, 1), mode="circular"),
    "pad_constant": lambda m, a, b: m.nn.functional.pad(a, (1, 1)),
    # composed in Python by PyTorch too (not its l1_loss / mse_loss ops)
    "mse_loss_weight": lambda m, a, b: m.nn.functional.mse_loss(a, b, weight=b.abs()),
    "l1_loss_weight": lambda m, a, b: m.nn.functional.l1_loss(a, b, weight=b.abs()),
}


def make_operands(kind, shapes, dtype, seed=0):
    out_t, out_f = [], []
    other = "float16" if dtype == "bfloat16" else "bfloat16"
    for i, shape in enumerate(shapes):
        dt = {F32: "float32", HALF_IN: dtype, "other": other}.get(kind, "float32" if i else other)
        t, f = pair(shape, seed + i, dt)
        out_t.append(t)
        out_f.append(f)
    return out_t, out_f


@pytest.mark.parametrize("dtype", HALF)
@pytest.mark.parametrize("op", sorted(LOWER))
def test_lower_precision_list_runs_in_the_region_dtype(dtype, op):
    kind, shapes, fn = LOWER[op]
    ts, fs = make_operands(kind, shapes, dtype)
    expected, actual = run(torch, dtype, fn, *ts), run(fastgrad, dtype, fn, *fs)
    assert name(expected.dtype) == dtype
    same(expected, actual, 2e-2)


@pytest.mark.parametrize("dtype", HALF)
@pytest.mark.parametrize("op", sorted(FLOAT32) + sorted(FLOAT32_CALLS))
@pytest.mark.parametrize("inputs", ["half", "float32"])
def test_float32_list_runs_in_float32(dtype, op, inputs):
    if op in FLOAT32:
        shapes = FLOAT32[op]
        fn = lambda m, *a: getattr(m.nn.functional, op)(*a)  # noqa: E731
    else:
        shapes, fn = FLOAT32_CALLS[op]
    ts, fs = make_operands(HALF_IN if inputs == "half" else F32, shapes, dtype)
    if op in ("binary_cross_entropy", "poisson_nll_loss", "kl_div"):  # probabilities / rates in (0, 1)
        ts = [t.abs() * 0.9 + 0.05 for t in ts]
        fs = [f.abs() * 0.9 + 0.05 for f in fs]
    if op in ("margin_ranking_loss", "hinge_embedding_loss", "cosine_embedding_loss", "soft_margin_loss"):
        ts[-1], fs[-1] = ts[-1].sign(), fs[-1].sign()  # targets of +-1
    expected, actual = run(torch, dtype, fn, *ts), run(fastgrad, dtype, fn, *fs)
    assert name(expected.dtype) == "float32"
    same(expected, actual, 1e-5 if inputs == "float32" else 1e-3)


@pytest.mark.parametrize("dtype", HALF)
@pytest.mark.parametrize("op", sorted(DECOMPOSITIONS))
def test_decompositions_run_in_float32(dtype, op):
    t, f = spd(4, 0, dtype)
    expected, actual = run(torch, dtype, DECOMPOSITIONS[op], t), run(fastgrad, dtype, DECOMPOSITIONS[op], f)
    assert name(expected.dtype) in ("float32", "int64")
    same(expected, actual, 1e-4)


@pytest.mark.parametrize("dtype", HALF)
@pytest.mark.parametrize("op", sorted(UNCHANGED))
@pytest.mark.parametrize("inputs", ["half", "float32", "float64"])
def test_other_ops_keep_their_dtypes(dtype, op, inputs):
    dt = dtype if inputs == "half" else inputs
    (at, af), (bt, bf) = pair((3, 4), 1, dt), pair((3, 4), 2, dt)
    expected, actual = run(torch, dtype, UNCHANGED[op], at, bt), run(fastgrad, dtype, UNCHANGED[op], af, bf)
    assert name(expected.dtype) == dt
    same(expected, actual, 1e-2 if inputs == "half" else 1e-6)


@pytest.mark.parametrize("dtype", HALF)
def test_float64_and_integer_operands_are_not_cast(dtype):
    (at, af), (bt, bf) = pair((3, 4), 1, "float64"), pair((4, 2), 2, "float64")
    same(run(torch, dtype, lambda m, a, b: a @ b, at, bt), run(fastgrad, dtype, lambda m, a, b: a @ b, af, bf), 1e-12)
    i_t, i_f = torch.arange(12).reshape(3, 4), fastgrad.arange(12).reshape(3, 4)
    same(run(torch, dtype, lambda m, a: a @ a.T, i_t), run(fastgrad, dtype, lambda m, a: a @ a.T, i_f), 0)
    # float32 with float64: the float32 operand is cast, and the product refuses the mix, as PyTorch's does
    for lib, a, b in ((torch, at.float(), bt), (fastgrad, af.float(), bf)):
        with pytest.raises(RuntimeError):
            run(lib, dtype, lambda m, x, y: m.mm(x, y), a, b)


@pytest.mark.parametrize("dtype", HALF)
@pytest.mark.parametrize(
    "dtypes", [("float32", "half"), ("half", "float32"), ("half", "half"), ("float64", "half"), ("int64", "half")]
)
@pytest.mark.parametrize("op", ["cat", "stack"])
def test_cat_and_stack_promote(dtype, dtypes, op):
    ts, fs = [], []
    for i, d in enumerate(dtypes):
        t, f = pair((2, 3), i, dtype if d == "half" else d)
        ts.append(t)
        fs.append(f)
    expected = run(torch, dtype, lambda m, *a: getattr(m, op)(list(a)), *ts)
    actual = run(fastgrad, dtype, lambda m, *a: getattr(m, op)(list(a)), *fs)
    same(expected, actual, 0)


@pytest.mark.parametrize("op", ["cat", "stack"])
def test_promote_of_the_other_half_dtype_raises_like_torch(op):
    other = {"bfloat16": "float16", "float16": "bfloat16"}
    for dtype in HALF:
        for lib in (torch, fastgrad):
            a, b = lib.ones(2, dtype=getattr(lib, other[dtype])), lib.ones(2)
            with pytest.raises(RuntimeError, match="Unexpected floating ScalarType in at::autocast::prioritize"):
                run(lib, dtype, lambda m, x, y: getattr(m, op)([x, y]), a, b)
            # float32 first: the promoted dtype is float32 before the other half dtype is seen
            assert run(lib, dtype, lambda m, x, y: getattr(m, op)([y, x]), a, b).dtype == lib.float32


def test_explicit_dtype_in_place_and_out_calls_are_not_cast():
    for lib in (torch, fastgrad):
        x = lib.ones(3, 3) * 1.001
        with lib.autocast("cpu"):
            assert lib.prod(x.bfloat16(), dtype=lib.bfloat16).dtype == lib.bfloat16
            y = lib.zeros(3, 3)
            y.addmm_(x, x)
            assert y.dtype == lib.float32
            np.testing.assert_allclose(y.numpy(), x.numpy() @ x.numpy(), rtol=1e-6)  # not rounded to bfloat16
            z = lib.empty(3, 3)
            assert lib.mm(x, x, out=z) is z and lib.matmul(x, x, out=z) is z  # calls with out= are not cast
            np.testing.assert_allclose(z.numpy(), x.numpy() @ x.numpy(), rtol=1e-6)
            assert lib.is_autocast_enabled("cpu") and (x @ x).dtype == lib.bfloat16


@pytest.mark.parametrize("dtype", HALF)
def test_backward_runs_in_the_recorded_dtypes(dtype):
    grads = {}
    for lib in (torch, fastgrad):
        (xt, xf), (wt, wf), (bt, bf) = pair((4, 3), 0), pair((5, 3), 1), pair((5,), 2)
        x, w, b = (xt, wt, bt) if lib is torch else (xf, wf, bf)
        w.requires_grad_(True)
        b.requires_grad_(True)
        x.requires_grad_(True)
        with lib.autocast("cpu", dtype=getattr(lib, dtype)):
            h = lib.nn.functional.linear(x, w, b)
            loss = lib.nn.functional.mse_loss(lib.tanh(h), lib.zeros(4, 5))
        assert h.dtype == getattr(lib, dtype) and loss.dtype == lib.float32
        names = []
        node = h.grad_fn
        while node is not None:  # the first path through the graph: AddmmBackward0, ToCopyBackward0, ...
            names.append(type(node).__name__)
            node = next((n for n, _ in node.next_functions if n is not None), None)
        loss.backward()
        grads[lib] = (names, loss, x.grad, w.grad, b.grad)
    assert grads[torch][0] == grads[fastgrad][0]
    for e, a in zip(grads[torch][1:], grads[fastgrad][1:]):
        assert a.dtype == fastgrad.float32
        same(e, a, 2e-2)


def test_region_state_nesting_and_default_dtype():
    for lib in (torch, fastgrad):
        x = lib.ones(2, 2)
        assert lib.get_autocast_dtype("cpu") == lib.bfloat16
        assert lib.get_autocast_dtype("cuda") == lib.float16
        with lib.autocast("cpu"):
            assert lib.is_autocast_enabled("cpu") and not lib.is_autocast_enabled()
            assert (x @ x).dtype == lib.bfloat16
            with lib.autocast("cpu", enabled=False):
                assert not lib.is_autocast_enabled("cpu")
                assert (x @ x).dtype == lib.float32
            with lib.autocast("cpu", dtype=lib.float16):
                assert lib.get_autocast_dtype("cpu") == lib.float16
                assert (x @ x).dtype == lib.float16
                inner = lib.autocast("cpu")  # made here: takes the current dtype
                with lib.autocast("cpu", enabled=False):
                    assert lib.get_autocast_dtype("cpu") == lib.float16  # a disabled region keeps the dtype
            assert (x @ x).dtype == lib.bfloat16
            with inner:
                assert (x @ x).dtype == lib.float16
        assert (x @ x).dtype == lib.float32 and not lib.is_autocast_enabled("cpu")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with lib.autocast("cpu", dtype=lib.float32):  # disabled with a warning, and the dtype is recorded
                assert lib.get_autocast_dtype("cpu") == lib.float32 and (x @ x).dtype == lib.float32
        with lib.autocast("cpu", cache_enabled=False):
            assert (x @ x).dtype == lib.bfloat16

        @lib.autocast("cpu", dtype=lib.float16)
        def f(a):
            return a @ a

        assert f(x).dtype == lib.float16 and (x @ x).dtype == lib.float32
        with pytest.raises(ValueError):
            with lib.autocast("cpu"):
                raise ValueError("boom")
        assert (x @ x).dtype == lib.float32


@pytest.mark.parametrize("make", [lambda m: m.get_autocast_dtype("foo"), lambda m: m.get_autocast_dtype(1),
                                  lambda m: m.autocast("cpu", dtype=object()).__enter__()])
def test_errors_match_torch(make):
    with pytest.raises(Exception) as expected:
        make(torch)
    with pytest.raises(type(expected.value)) as got:
        make(fastgrad)
    assert str(got.value) == str(expected.value).replace("torch.", "fastgrad.")
    assert not fastgrad.is_autocast_enabled("cpu") and (fastgrad.ones(2, 2) @ fastgrad.ones(2, 2)).dtype == fastgrad.float32


def test_regions_are_per_thread():
    seen = []
    x = fastgrad.ones(2, 2)
    with fastgrad.autocast("cpu"):
        thread = threading.Thread(target=lambda: seen.append((x @ x).dtype))
        thread.start()
        thread.join()
        assert (x @ x).dtype == fastgrad.bfloat16
    assert seen == [fastgrad.float32]


def test_custom_fwd_casts_inputs_and_custom_bwd_restores_the_region():
    seen = {}
    for lib in (torch, fastgrad):
        record = seen.setdefault(lib, [])

        class Square(lib.autograd.Function):
            @staticmethod
            @lib.amp.custom_fwd(device_type="cpu", cast_inputs=lib.float32)
            def forward(ctx, a, b):
                ctx.save_for_backward(a, b)
                record.append((name(a.dtype), name(b.dtype), lib.is_autocast_enabled("cpu")))
                return a @ b

            @staticmethod
            @lib.amp.custom_bwd(device_type="cpu")
            def backward(ctx, g):
                a, b = ctx.saved_tensors
                record.append((name(g.dtype), lib.is_autocast_enabled("cpu")))
                return g @ b.T, a.T @ g

        class Plain(lib.autograd.Function):
            @staticmethod
            @lib.amp.custom_fwd(device_type="cpu")
            def forward(ctx, a):
                record.append((name(a.dtype), lib.is_autocast_enabled("cpu")))
                return a @ a

            @staticmethod
            @lib.amp.custom_bwd(device_type="cpu")
            def backward(ctx, g):
                record.append(("bwd", lib.is_autocast_enabled("cpu"), name(lib.get_autocast_dtype("cpu"))))
                return g

        a = lib.ones(2, 2, dtype=lib.bfloat16, requires_grad=True)
        b = lib.ones(2, 2, requires_grad=True)
        with lib.autocast("cpu", dtype=lib.float16):
            out = Square.apply(a, b)
            record.append(name(out.dtype))
            p = Plain.apply(b)
            record.append(name(p.dtype))
        out.sum().backward()
        p.float().sum().backward()
        record.append((name(a.grad.dtype), name(b.grad.dtype)))
    assert seen[fastgrad] == seen[torch]


def test_a_small_model_trains_under_autocast_like_torch():
    rng = np.random.default_rng(0)
    data = rng.standard_normal((64, 1, 8, 8)).astype(np.float32)
    labels = rng.integers(0, 4, 64)

    def build(lib):
        lib.manual_seed(0)
        nn = lib.nn
        return nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(144, 16), nn.PReLU(),
                             nn.Linear(16, 4))

    tm, fm = build(torch), build(fastgrad)
    for pt, pf in zip(tm.parameters(), fm.parameters()):
        with fastgrad.no_grad():
            pf.copy_(fastgrad.tensor(pt.detach().numpy()))
    curves = {}
    for lib, model in ((torch, tm), (fastgrad, fm)):
        opt = lib.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        x, y = lib.tensor(data), lib.tensor(labels)
        losses = []
        for step in range(25):
            batch = slice((step % 4) * 16, (step % 4) * 16 + 16)
            with lib.autocast("cpu", dtype=lib.bfloat16):
                logits = model(x[batch])
                loss = lib.nn.functional.cross_entropy(logits, y[batch])
            assert logits.dtype == lib.bfloat16 and loss.dtype == lib.float32
            opt.zero_grad()
            loss.backward()
            assert all(p.grad.dtype == lib.float32 for p in model.parameters())
            opt.step()
            losses.append(loss.item())
        curves[lib] = losses
    np.testing.assert_allclose(curves[fastgrad], curves[torch], rtol=3e-2, atol=3e-2)
    assert curves[fastgrad][-1] < curves[fastgrad][0]


RECURRENT = {  # PyTorch: nn.LSTM (MkldnnRnnLayer) and the Elman layers / cells (composed of linear) are cast
    "LSTM": lambda nn: nn.LSTM(3, 4, num_layers=2, bidirectional=True),
    "RNN": lambda nn: nn.RNN(3, 4),
    "RNN_relu": lambda nn: nn.RNN(3, 4, nonlinearity="relu", batch_first=True),
    "GRU": lambda nn: nn.GRU(3, 4),
    "RNNCell": lambda nn: nn.RNNCell(3, 4),
    "RNNCell_relu": lambda nn: nn.RNNCell(3, 4, nonlinearity="relu"),
    "LSTMCell": lambda nn: nn.LSTMCell(3, 4),
    "GRUCell": lambda nn: nn.GRUCell(3, 4),
}


@pytest.mark.parametrize("dtype", HALF)
@pytest.mark.parametrize("layer", sorted(RECURRENT))
def test_recurrent_layers_cast_like_torch(dtype, layer):
    if layer == "LSTM" and dtype == "float16":
        pytest.skip("PyTorch's oneDNN LSTM has no float16 primitive on this CPU (fastgrad's runs)")
    torch.manual_seed(0)
    tm, fm = RECURRENT[layer](torch.nn), RECURRENT[layer](fastgrad.nn)
    for pt, pf in zip(tm.parameters(), fm.parameters()):
        with fastgrad.no_grad():
            pf.copy_(fastgrad.tensor(pt.detach().numpy()))
    shape = (2, 3) if "Cell" in layer else (5, 2, 3)
    xt, xf = pair(shape, 0)
    expected, actual = run(torch, dtype, lambda m, x: tm(x), xt), run(fastgrad, dtype, lambda m, x: fm(x), xf)
    flat = lambda r: [r] if not isinstance(r, tuple) else [u for v in r for u in flat(v)]  # noqa: E731
    for e, a in zip(flat(expected), flat(actual)):
        same(e, a, 3e-2)


@pytest.mark.parametrize("layer", ["mha", "mha_batch_first", "encoder", "encoder_norm_first"])
def test_attention_layers_under_autocast_like_torch(layer):
    torch.manual_seed(0)
    make = {
        "mha": lambda nn: nn.MultiheadAttention(4, 2),
        "mha_batch_first": lambda nn: nn.MultiheadAttention(4, 2, batch_first=True),
        "encoder": lambda nn: nn.TransformerEncoderLayer(4, 2, 8, dropout=0.0),
        "encoder_norm_first": lambda nn: nn.TransformerEncoderLayer(4, 2, 8, dropout=0.0, norm_first=True),
    }[layer]
    tm, fm = make(torch.nn), make(fastgrad.nn)
    for pt, pf in zip(tm.parameters(), fm.parameters()):
        with fastgrad.no_grad():
            pf.copy_(fastgrad.tensor(pt.detach().numpy()))
    xt, xf = pair((3, 2, 4), 0)
    call = (lambda m, x: m(x, x, x)) if layer.startswith("mha") else (lambda m, x: m(x))
    expected = run(torch, "bfloat16", lambda lib, x: call(tm, x), xt)
    actual = run(fastgrad, "bfloat16", lambda lib, x: call(fm, x), xf)
    expected, actual = (expected, actual) if layer.startswith("mha") else ((expected,), (actual,))
    for e, a in zip(expected, actual):
        same(e, a, 2e-2)


def test_checkpoint_recomputes_in_the_forward_region():
    results = {}
    for lib in (torch, fastgrad):
        lib.manual_seed(0)
        seen = []

        class Probe(lib.nn.Module):  # records the dtype of each run: the forward, then the recomputation
            def forward(self, h):
                seen.append(str(h.dtype).split(".")[-1])
                return h

        block = lib.nn.Sequential(lib.nn.Linear(4, 8), Probe(), lib.nn.ReLU(), lib.nn.Linear(8, 4))
        if lib is fastgrad:
            for pt, pf in zip(results[torch][2], block.parameters()):
                with fastgrad.no_grad():
                    pf.copy_(fastgrad.tensor(pt.detach().numpy()))
        x = lib.tensor(np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32), requires_grad=True)
        with lib.autocast("cpu"):
            y = lib.utils.checkpoint.checkpoint(block, x, use_reentrant=True)
            loss = lib.nn.functional.mse_loss(y, lib.zeros(3, 4))
        loss.backward()
        assert seen == ["bfloat16", "bfloat16"]
        results[lib] = (y, x.grad, list(block.parameters()))
    assert results[fastgrad][0].dtype == fastgrad.bfloat16
    same(results[torch][0], results[fastgrad][0], 2e-2)
    same(results[torch][1], results[fastgrad][1], 2e-2)
    for pt, pf in zip(results[torch][2], results[fastgrad][2]):
        same(pt.grad, pf.grad, 2e-2)


def test_low_level_switches_like_torch():
    for lib in (torch, fastgrad):
        x = lib.ones(2, 2)
        try:
            lib.set_autocast_enabled("cpu", True)
            assert lib.is_autocast_enabled("cpu") and (x @ x).dtype == lib.bfloat16
            lib.set_autocast_dtype("cpu", lib.float16)
            assert (x @ x).dtype == lib.float16 and lib.get_autocast_dtype("cpu") == lib.float16
            with pytest.warns(DeprecationWarning, match="is_autocast_cpu_enabled"):
                assert lib.is_autocast_cpu_enabled()
            with pytest.warns(DeprecationWarning, match="get_autocast_cpu_dtype"):
                assert lib.get_autocast_cpu_dtype() == lib.float16
            with lib.autocast("cpu", enabled=False):
                assert (x @ x).dtype == lib.float32
            assert (x @ x).dtype == lib.float16
        finally:
            lib.set_autocast_enabled("cpu", False)
            lib.set_autocast_dtype("cpu", lib.bfloat16)
        assert (x @ x).dtype == lib.float32 and not lib.is_autocast_enabled("cpu")
        lib.set_autocast_enabled(True)  # the legacy one-argument form: CUDA's switch
        assert lib.is_autocast_enabled("cuda") and lib.is_autocast_enabled()
        lib.set_autocast_enabled(False)
        assert lib.is_autocast_cache_enabled()
        lib.set_autocast_cache_enabled(False)
        assert not lib.is_autocast_cache_enabled()
        lib.set_autocast_cache_enabled(True)
        lib.clear_autocast_cache()
    for make in (lambda m: m.set_autocast_enabled("foo", True), lambda m: m.set_autocast_dtype("cpu", 3)):
        with pytest.raises(Exception) as expected:
            make(torch)
        with pytest.raises(type(expected.value)) as got:
            make(fastgrad)
        assert str(got.value) == str(expected.value).replace("torch.dtype", "fastgrad.dtype")
