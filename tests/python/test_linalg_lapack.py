"""fastgrad.linalg on LAPACK against PyTorch: what the op table (tests/python/op_table/linalg.py) cannot express.

LinAlgError (class and messages, batched), the *_ex forms' info, every output's grad_fn of the multi-output
ops, slogdet's sign, result types, strides, the low-precision and integer refusals, and eigh's gauge-invariant
results and gradients.
"""
import numpy as np
import pytest

import fastgrad

torch = pytest.importorskip("torch")

SINGULAR = np.array([[1.0, 2.0], [2.0, 4.0]])
NOT_PD = np.array([[1.0, 2.0], [2.0, 1.0]])
EYE2 = np.eye(2)


def both(value):
    return fastgrad.from_numpy(np.array(value)), torch.from_numpy(np.array(value))


def node(t):
    return None if t.grad_fn is None else type(t.grad_fn).__name__


def raised(fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except Exception as e:  # noqa: BLE001  (the exception is what is compared)
        return e
    raise AssertionError("no exception")


# ---- LinAlgError ----


def test_linalg_error_is_a_runtime_error():
    assert issubclass(fastgrad.linalg.LinAlgError, RuntimeError)
    assert fastgrad.linalg.LinAlgError.__name__ == torch.linalg.LinAlgError.__name__ == "_LinAlgError"
    assert fastgrad.linalg.LinAlgError.__doc__


ERROR_CASES = [
    ("inv", lambda m, a: m.linalg.inv(a), SINGULAR),
    ("inv_batched", lambda m, a: m.linalg.inv(a), np.stack([EYE2, SINGULAR])),
    ("inverse", lambda m, a: m.inverse(a), SINGULAR),
    ("inv_ex_check", lambda m, a: m.linalg.inv_ex(a, check_errors=True), SINGULAR),
    ("solve", lambda m, a: m.linalg.solve(a, a[..., :1]), SINGULAR),
    ("cholesky", lambda m, a: m.linalg.cholesky(a), NOT_PD),
    ("cholesky_batched", lambda m, a: m.linalg.cholesky(a), np.stack([EYE2, NOT_PD, EYE2])),
    ("cholesky_upper", lambda m, a: m.linalg.cholesky(a, upper=True), NOT_PD),
    ("cholesky_ex_check", lambda m, a: m.linalg.cholesky_ex(a, check_errors=True), NOT_PD),
    ("cholesky_nan", lambda m, a: m.linalg.cholesky(a), np.full((2, 2), np.nan)),
]


@pytest.mark.parametrize("fn,value", [pytest.param(f, v, id=i) for i, f, v in ERROR_CASES])
def test_singular_and_not_positive_definite_raise_torchs_error(fn, value):
    f, t = both(value)
    te, fe = raised(fn, torch, t), raised(fn, fastgrad, f)
    assert isinstance(te, torch.linalg.LinAlgError)
    assert isinstance(fe, fastgrad.linalg.LinAlgError)
    assert str(fe) == str(te)


MISUSE = [
    ("inv_not_square", lambda m: m.linalg.inv(m.zeros(2, 3, dtype=m.float64))),
    ("inv_1d", lambda m: m.linalg.inv(m.zeros(3, dtype=m.float64))),
    ("inv_int", lambda m: m.linalg.inv(m.eye(2, dtype=m.int64))),
    ("inv_half", lambda m: m.linalg.inv(m.eye(2, dtype=m.float16))),
    ("det_int", lambda m: m.linalg.det(m.eye(2, dtype=m.int64))),
    ("slogdet_not_square", lambda m: m.linalg.slogdet(m.zeros(2, 3))),
    ("cholesky_int", lambda m: m.linalg.cholesky(m.eye(2, dtype=m.int64))),
    ("solve_shape", lambda m: m.linalg.solve(m.eye(2), m.ones(3, 1))),
    ("solve_dtype", lambda m: m.linalg.solve(m.eye(2, dtype=m.float64), m.ones(2, 1))),
    ("solve_triangular_B_1d", lambda m: m.linalg.solve_triangular(m.eye(2), m.ones(2), upper=True)),
    ("solve_triangular_shape", lambda m: m.linalg.solve_triangular(m.eye(2), m.ones(3, 1), upper=True)),
    ("cholesky_solve_shape", lambda m: m.cholesky_solve(m.ones(3, 1), m.eye(2))),
    ("eigh_uplo", lambda m: m.linalg.eigh(m.eye(2), UPLO="X")),
    ("eigh_not_square", lambda m: m.linalg.eigh(m.zeros(2, 3))),
]


@pytest.mark.parametrize("fn", [pytest.param(f, id=i) for i, f in MISUSE])
def test_misuse_raises_torchs_error(fn):
    te, fe = raised(fn, torch), raised(fn, fastgrad)
    assert isinstance(fe, RuntimeError) and isinstance(te, RuntimeError)
    assert not isinstance(te, torch.linalg.LinAlgError) and not isinstance(fe, fastgrad.linalg.LinAlgError)
    assert str(fe) == str(te)


# ---- *_ex: info instead of errors ----


@pytest.mark.parametrize("name,value", [
    ("inv_ex", np.stack([EYE2, SINGULAR])),
    ("cholesky_ex", np.stack([NOT_PD, EYE2])),
    ("solve_ex", np.stack([SINGULAR, EYE2])),
])
def test_ex_forms_return_info(name, value):
    f, t = both(value)
    args_f = (f,) if name != "solve_ex" else (f, f[..., :1])
    args_t = (t,) if name != "solve_ex" else (t, t[..., :1])
    fr, tr = getattr(fastgrad.linalg, name)(*args_f), getattr(torch.linalg, name)(*args_t)
    assert type(fr).__name__ == type(tr).__name__
    assert fr._fields == tuple(k for k in ("inverse", "result", "L", "info") if hasattr(tr, k))
    assert str(fr.info.dtype) == "fastgrad.int32"
    np.testing.assert_array_equal(fr.info.numpy(), tr.info.numpy())
    ok = tr.info.numpy() == 0  # where LAPACK succeeded the results agree
    np.testing.assert_allclose(fr[0].numpy()[ok], tr[0].numpy()[ok], rtol=1e-12, atol=1e-12)


# ---- graphs: every output's Node ----

SPD = np.array([[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]])

GRAPHS = [
    ("inv_ex", lambda m, a: m.linalg.inv_ex(a)),
    ("slogdet", lambda m, a: m.linalg.slogdet(a)),
    ("torch.slogdet", lambda m, a: m.slogdet(a)),
    ("eigh", lambda m, a: m.linalg.eigh(a)),
    ("eigvalsh", lambda m, a: m.linalg.eigvalsh(a)),
    ("cholesky_ex", lambda m, a: m.linalg.cholesky_ex(a)),
    ("solve_ex", lambda m, a: m.linalg.solve_ex(a, a[:, :1])),
    ("triangular_solve", lambda m, a: m.triangular_solve(a[:, :2], a)),
    ("cholesky", lambda m, a: m.cholesky(a)),
    ("logdet", lambda m, a: m.logdet(a)),
    ("det", lambda m, a: m.det(a)),
]


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("fn", [pytest.param(f, id=i) for i, f in GRAPHS])
def test_every_output_has_torchs_grad_fn(fn):
    f, t = both(SPD)
    fo, to = fn(fastgrad, f.requires_grad_()), fn(torch, t.requires_grad_())
    fo, to = (fo, to) if isinstance(to, tuple) else ((fo,), (to,))
    assert [node(x) for x in fo] == [node(x) for x in to]
    assert [x.requires_grad for x in fo] == [x.requires_grad for x in to]


def test_slogdet_sign_and_logdet_nan():
    for value in (SPD, SPD[[1, 0, 2]], SINGULAR, np.zeros((2, 0, 0))):
        f, t = both(value)
        fs, ts = fastgrad.linalg.slogdet(f), torch.linalg.slogdet(t)
        np.testing.assert_array_equal(fs.sign.numpy(), ts.sign.numpy())
        np.testing.assert_allclose(fs.logabsdet.numpy(), ts.logabsdet.numpy(), rtol=1e-12)
        np.testing.assert_allclose(fastgrad.logdet(f).numpy(), torch.logdet(t).numpy(), rtol=1e-12)
        np.testing.assert_allclose(fastgrad.det(f).numpy(), torch.det(t).numpy(), rtol=1e-12, atol=1e-12)


def test_results_are_column_major_as_torchs():
    f, t = both(np.stack([SPD, SPD * 2]))
    for name, args in (("inv", ()), ("cholesky", ()), ("solve", "B")):
        fa = (f, f[..., :2]) if args else (f,)
        ta = (t, t[..., :2]) if args else (t,)
        assert getattr(fastgrad.linalg, name)(*fa).stride() == getattr(torch.linalg, name)(*ta).stride()


def test_return_types_print_like_torchs():
    f, _ = both(SPD)
    text = repr(fastgrad.linalg.slogdet(f))
    assert text.startswith("fastgrad.return_types.linalg_slogdet(\nsign=tensor(")
    assert fastgrad.linalg.eigh(f)._fields == ("eigenvalues", "eigenvectors")


# ---- eigh: gauge-invariant results and gradients ----


def test_eigh_reconstructs_and_matches_torch_up_to_sign():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 5, 5))
    a = x + np.swapaxes(x, -1, -2)
    f, t = both(a)
    fw, fq = fastgrad.linalg.eigh(f)
    tw, tq = torch.linalg.eigh(t)
    np.testing.assert_allclose(fw.numpy(), tw.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(np.abs(fq.numpy()), np.abs(tq.numpy()), rtol=1e-8, atol=1e-10)
    recon = fq.numpy() @ (fw.numpy()[..., :, None] * np.swapaxes(fq.numpy(), -1, -2))
    np.testing.assert_allclose(recon, a, atol=1e-10)


def test_eigh_gauge_invariant_gradient_matches_torch():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((4, 4))
    g = rng.standard_normal((4, 4))

    def loss(m, a):
        w, q = m.linalg.eigh(a + a.mT)
        p = q * q  # each column's sign cancels
        return (p * m.from_numpy(g)).sum() + (w ** 2).sum()

    f, t = both(x)
    f.requires_grad_()
    t.requires_grad_()
    loss(fastgrad, f).backward()
    loss(torch, t).backward()
    np.testing.assert_allclose(f.grad.numpy(), t.grad.numpy(), rtol=1e-8, atol=1e-10)


def test_det_gradient_matches_torch_and_gradcheck():
    f, t = both(SPD[[1, 0, 2]])
    f.requires_grad_()
    t.requires_grad_()
    fastgrad.linalg.det(f).backward()
    torch.linalg.det(t).backward()
    np.testing.assert_allclose(f.grad.numpy(), t.grad.numpy(), rtol=1e-12)
    assert fastgrad.autograd.gradcheck(lambda a: fastgrad.linalg.slogdet(a).logabsdet, (f.detach().requires_grad_(),))


@pytest.mark.parametrize("shape", [(0, 3), (3, 0), (2, 0, 3), (0, 2, 3), (2, 3, 0), (0, 0), (2, 0, 0)])
def test_legacy_cholesky_returns_empty_input_shape_as_torch(shape):
    # torch.cholesky (not linalg.cholesky) returns an empty input's shape unchanged, square or not.
    import warnings

    outs = []
    for lib in (fastgrad, torch):
        x = lib.zeros(shape, dtype=lib.float64, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = lib.cholesky(x)
        if shape[-1] == shape[-2]:
            r.sum().backward()
        else:  # both refuse to differentiate a non-square one
            with pytest.raises(RuntimeError, match="solve_triangular: A must be batches of square matrices"):
                r.sum().backward()
        outs.append((tuple(r.shape), type(r.grad_fn).__name__))
        if shape[-1] != shape[-2]:
            with pytest.raises(RuntimeError, match="square matrices"):
                lib.linalg.cholesky(x)
    assert outs[0] == outs[1]
    for lib in (fastgrad, torch):  # before any check: a 1-d or integer empty input too
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert lib.cholesky(lib.zeros(0)).shape == (0,)
            assert lib.cholesky(lib.zeros((0, 3), dtype=lib.bool)).dtype == lib.bool


@pytest.mark.parametrize("dim,keepdim", [(None, False), ((0, 1), True), ((1, 0), False)])
def test_norm_nuc_matches_torch_and_gradchecks(dim, keepdim):
    rng = np.random.default_rng(5)
    a = rng.standard_normal((3, 4))
    kw = {} if dim is None else {"dim": dim}
    f = fastgrad.tensor(a, requires_grad=True)
    t = torch.tensor(a, requires_grad=True)
    rf, rt = fastgrad.norm(f, "nuc", keepdim=keepdim, **kw), torch.norm(t, "nuc", keepdim=keepdim, **kw)
    np.testing.assert_allclose(rf.detach().numpy(), rt.detach().numpy(), rtol=1e-12)
    rf.sum().backward()
    rt.sum().backward()
    np.testing.assert_allclose(f.grad.numpy(), t.grad.numpy(), rtol=1e-10, atol=1e-12)
    assert fastgrad.autograd.gradcheck(lambda x: fastgrad.norm(x, "nuc", keepdim=keepdim, **kw),
                                       (fastgrad.tensor(a, requires_grad=True),))


def test_half_precision_norm_and_multinomial_as_torch():
    # float16 norms accumulate in float32 (a float16 square of 300 overflows); multinomial of half probabilities
    # samples from the float32 cumulative distribution, on torch's stream.
    vals = [300.0, 300.0, 1000.0]
    for ord in (2, 3, 0.5):
        got = fastgrad.linalg.vector_norm(fastgrad.tensor(vals, dtype=fastgrad.float16), ord)
        want = torch.linalg.vector_norm(torch.tensor(vals, dtype=torch.float16), ord)
        assert got.dtype == fastgrad.float16 and float(got) == float(want)
    for dt in ("float16", "bfloat16"):
        p = [[0.1, 0.2, 0.3, 0.4], [0.5, 0.0, 0.25, 0.25]]
        fastgrad.manual_seed(3)
        torch.manual_seed(3)
        got = fastgrad.multinomial(fastgrad.tensor(p, dtype=getattr(fastgrad, dt)), 50, replacement=True)
        want = torch.multinomial(torch.tensor(p, dtype=getattr(torch, dt)), 50, replacement=True)
        np.testing.assert_array_equal(got.numpy(), want.numpy())
        fastgrad.manual_seed(4)
        torch.manual_seed(4)
        got = fastgrad.multinomial(fastgrad.tensor(p, dtype=getattr(fastgrad, dt)), 3)
        want = torch.multinomial(torch.tensor(p, dtype=getattr(torch, dt)), 3)
        np.testing.assert_array_equal(got.numpy(), want.numpy())
