"""The random ops (torch.normal, bernoulli, multinomial, randperm, the in-place fills) against PyTorch 2.13.

Same seed, same calls -> identical values, bit for bit, for float32 and float64. The one allowed difference:
float32 normals drawn in blocks of 16 (contiguous tensors of 16 or more elements), where torch's vectorised
log/sin/cos differ from libm by a few ulp; there each value may differ by 4 ulp of the standard normal.
Every test also checks that the stream stays aligned afterwards (the next rand() agrees exactly).
"""
import warnings

import numpy as np
import pytest

import fastgrad

torch = pytest.importorskip("torch")

SEEDS = [0, 1, 42, 12345]
SHAPES = [(3,), (5, 3), (4, 4), (17,), (3, 7, 5)]  # 3, 15, 16, 17 and 105 elements
DTYPES = ["float32", "float64"]


def seed_both(seed):
    fastgrad.manual_seed(seed)
    torch.manual_seed(seed)


def f(x):
    """torch tensor -> contiguous fastgrad tensor with the same values and dtype."""
    return fastgrad.from_numpy(x.detach().numpy().copy())


_side = torch.Generator().manual_seed(2024)


def side_rand(*shape, dtype=torch.float32):
    """Input values drawn from a private torch generator, so the default streams stay in step."""
    return torch.rand(*shape, dtype=dtype, generator=_side)


def assert_same(ours, theirs, normal_f32_block=False, shift=0.0):
    """Equal bit for bit; for float32 block normals within 4 ulp of z * std, where the result is
    z * std + mean and |mean| <= shift."""
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1], (ours.dtype, theirs.dtype)
    assert tuple(ours.shape) == tuple(theirs.shape)
    a, b = ours.numpy(), theirs.detach().numpy()
    if normal_f32_block and a.dtype == np.float32:
        magnitude = (np.abs(b.astype(np.float64)) + np.abs(shift)).astype(np.float32)
        tol = 4 * np.spacing(magnitude).astype(np.float64) + np.spacing(np.abs(b)).astype(np.float64)
        assert np.all(np.abs(a.astype(np.float64) - b.astype(np.float64)) <= tol)
    else:
        np.testing.assert_array_equal(a, b)
        if a.dtype.kind == "f":  # bit for bit, signed zeros included
            u = np.uint32 if a.dtype == np.float32 else np.uint64
            assert np.array_equal(a.view(u), b.view(u))


def assert_stream_aligned():
    assert_same(fastgrad.rand(5, dtype=fastgrad.float64), torch.rand(5, dtype=torch.float64))


def both_dtypes(name):
    return getattr(fastgrad, name), getattr(torch, name)


# ---------------------------------------------------------------------------------------------------------
# normal


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
def test_normal_tensor_tensor(seed, dtype, shape):
    fd, td = both_dtypes(dtype)
    seed_both(seed)
    mean_t, std_t = torch.rand(shape, dtype=td) * 4 - 2, torch.rand(shape, dtype=td) * 3
    mean, std = fastgrad.rand(shape, dtype=fd) * 4 - 2, fastgrad.rand(shape, dtype=fd) * 3
    block = int(np.prod(shape)) >= 16
    assert_same(fastgrad.normal(mean, std), torch.normal(mean_t, std_t), block, shift=mean_t.numpy())
    assert_same(fastgrad.normal(0.5, std), torch.normal(0.5, std_t), block, shift=0.5)
    assert_same(fastgrad.normal(mean, 2.5), torch.normal(mean_t, 2.5), block, shift=mean_t.numpy())
    assert_same(fastgrad.normal(mean), torch.normal(mean_t), block, shift=mean_t.numpy())
    assert_same(fastgrad.normal(-1.0, 0.5, shape, dtype=fd), torch.normal(-1.0, 0.5, shape, dtype=td), block,
                shift=1.0)
    assert_stream_aligned()


def test_normal_broadcast_mixed_dtypes_and_generator():
    g1, g2 = fastgrad.Generator().manual_seed(7), torch.Generator().manual_seed(7)
    mean = side_rand(3, 1)
    std = side_rand(6, dtype=torch.float64)
    out = fastgrad.normal(f(mean), f(std), generator=g1)
    ref = torch.normal(mean, std, generator=g2)
    assert_same(out, ref, True, shift=mean.numpy())
    assert_same(fastgrad.normal(f(std), f(mean), generator=g1), torch.normal(std, mean, generator=g2))
    assert_same(fastgrad.normal(f(torch.tensor(1.0)), f(torch.tensor(2.0)), generator=g1),
                torch.normal(torch.tensor(1.0), torch.tensor(2.0), generator=g2))
    assert_same(fastgrad.normal(2, 3, size=(2,), generator=g1), torch.normal(2, 3, size=(2,), generator=g2))
    assert_same(fastgrad.normal(f(mean), std=f(std[:1]), generator=g1), torch.normal(mean, std=std[:1], generator=g2))



@pytest.mark.parametrize(
    "make",
    [
        lambda m: ((0.0, m.tensor(2.0), (2,)), {}),
        lambda m: ((m.tensor(1.5, dtype=m.float64), 0.5, (3,)), {}),
        lambda m: ((m.tensor(-1), m.tensor(True), (2, 2)), {}),
        lambda m: ((0.0, m.tensor(2.0)), {"size": (4,), "dtype": m.float64}),
    ],
    ids=["std-0d", "mean-0d-float64", "both-0d-int-bool", "size-keyword-dtype"],
)
def test_normal_size_form_takes_0d_tensors_as_numbers(make):
    # With a size, mean and std are PyTorch's float parameters: a 0-d tensor (any dtype) not requiring grad
    # stands for its number, and the draw is the (float, float, size) form's.
    g1, g2 = fastgrad.Generator().manual_seed(3), torch.Generator().manual_seed(3)
    (args_f, kw_f), (args_t, kw_t) = make(fastgrad), make(torch)
    out, ref = fastgrad.normal(*args_f, generator=g1, **kw_f), torch.normal(*args_t, generator=g2, **kw_t)
    assert tuple(out.shape) == tuple(ref.shape) and not out.requires_grad
    assert_same(out, ref)


@pytest.mark.parametrize(
    "make",
    [
        lambda m: (0.0, m.tensor([2.0, 3.0]), (2,)),  # not 0-d
        lambda m: (0.0, m.tensor(2.0, requires_grad=True), (2,)),  # requires grad
        lambda m: (m.tensor([0.0]), 1.0, (2,)),
    ],
    ids=["1d", "requires-grad", "mean-1d"],
)
def test_normal_size_form_refuses_other_tensors(make):
    for m in (fastgrad, torch):
        with pytest.raises(TypeError, match="normal\\(\\) received an invalid combination of arguments"):
            m.normal(*make(m))

def test_normal_errors():
    for call in (lambda m: m.normal(m.rand(3), m.tensor([-1.0, 1, 1])),
                 lambda m: m.normal(m.rand(3), m.tensor([float("nan"), 1, 1]))):
        with pytest.raises(RuntimeError, match="normal expects all elements of std >= 0.0"):
            call(fastgrad)
        with pytest.raises(RuntimeError, match="normal expects all elements of std >= 0.0"):
            call(torch)
    for m in (fastgrad, torch):
        with pytest.raises(RuntimeError, match=r"normal expects std >= 0.0, but found std -1"):
            m.normal(m.rand(3), -1.0)
        with pytest.raises(RuntimeError, match=r"normal expects std >= 0.0, but found std -1"):
            m.normal(0.0, -1.0, (3,))
        with pytest.raises(NotImplementedError, match="\"normal_kernel_cpu\" not implemented for 'Long'"):
            m.normal(m.arange(3), m.rand(3))
        with pytest.raises(RuntimeError, match="must match the size of tensor b"):
            m.normal(m.zeros(2), m.ones(3))
        with pytest.raises(TypeError):
            m.normal(0, 1)


def test_normal_records_zero_gradients():
    for m in (fastgrad, torch):
        mean = m.rand(2, 1, dtype=m.float64, requires_grad=True)
        std = m.rand(3, requires_grad=True)
        for out, name in ((m.normal(mean, std), "NormalBackward3"), (m.normal(mean, 1.0), "NormalBackward1"),
                          (m.normal(1.0, std), "NormalBackward2")):
            assert type(out.grad_fn).__name__ == name or out.grad_fn.name() == name
            out.sum().backward()
        assert mean.grad.shape == (2, 1) and not mean.grad.numpy().any()
        assert std.grad.shape == (3,) and std.grad.dtype == m.float32 and not std.grad.numpy().any()


# ---------------------------------------------------------------------------------------------------------
# in-place fills


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
def test_inplace_fills(seed, dtype, shape):
    fd, td = both_dtypes(dtype)
    seed_both(seed)
    block = int(np.prod(shape)) >= 16
    assert_same(fastgrad.empty(shape, dtype=fd).uniform_(-2, 3), torch.empty(shape, dtype=td).uniform_(-2, 3))
    assert_same(fastgrad.empty(shape, dtype=fd).uniform_(), torch.empty(shape, dtype=td).uniform_())
    assert_same(fastgrad.empty(shape, dtype=fd).normal_(1.5, 2.0), torch.empty(shape, dtype=td).normal_(1.5, 2.0),
                block, shift=1.5)
    assert_same(fastgrad.empty(shape, dtype=fd).normal_(), torch.empty(shape, dtype=td).normal_(), block)
    assert_same(fastgrad.empty(shape, dtype=fd).exponential_(), torch.empty(shape, dtype=td).exponential_())
    assert_same(fastgrad.empty(shape, dtype=fd).exponential_(2.5), torch.empty(shape, dtype=td).exponential_(2.5))
    assert_same(fastgrad.empty(shape, dtype=fd).bernoulli_(0.3), torch.empty(shape, dtype=td).bernoulli_(0.3))
    assert_same(fastgrad.empty(shape, dtype=fd).bernoulli_(), torch.empty(shape, dtype=td).bernoulli_())
    assert_stream_aligned()


@pytest.mark.parametrize("seed", SEEDS[:2])
@pytest.mark.parametrize("dtype", DTYPES)
def test_inplace_fills_follow_memory_order(seed, dtype):
    # torch fills a strided tensor in the order of its memory layout; for normal_ a non-contiguous tensor
    # takes the per-element path even with 16 or more elements.
    fd, td = both_dtypes(dtype)
    views = [lambda x: x.t(), lambda x: x[:, ::2], lambda x: x.transpose(1, 0)[::2]]
    for view in views:
        for method, args in (("uniform_", (-1, 1)), ("normal_", (0.5, 2)), ("exponential_", ()),
                             ("bernoulli_", (0.4,)), ("random_", ()), ("random_", (3, 90))):
            seed_both(seed)
            a = fastgrad.zeros(6, 8, dtype=fd)
            b = torch.zeros(6, 8, dtype=td)
            getattr(view(a), method)(*args)
            getattr(view(b), method)(*args)
            assert_same(a, b)
            assert_stream_aligned()


@pytest.mark.filterwarnings("ignore:to - 1 is out of bounds")  # both libraries warn for 2^30 in float32
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("dtype", ["float32", "float64", "int32", "int64", "bool"])
def test_random_(seed, dtype):
    fd, td = both_dtypes(dtype)
    seed_both(seed)
    for shape in ((5,), (4, 5)):
        assert_same(fastgrad.empty(shape, dtype=fd).random_(), torch.empty(shape, dtype=td).random_())
        if dtype != "bool":
            assert_same(fastgrad.empty(shape, dtype=fd).random_(10), torch.empty(shape, dtype=td).random_(10))
            assert_same(fastgrad.empty(shape, dtype=fd).random_(-7, 10), torch.empty(shape, dtype=td).random_(-7, 10))
            assert_same(fastgrad.empty(shape, dtype=fd).random_(-7, 2**30),
                        torch.empty(shape, dtype=td).random_(-7, 2**30))
            assert_same(fastgrad.empty(shape, dtype=fd).random_(5, None), torch.empty(shape, dtype=td).random_(5, None))
            assert_same(fastgrad.empty(shape, dtype=fd).random_(-5, None),
                        torch.empty(shape, dtype=td).random_(-5, None))
            assert_same(fastgrad.empty(shape, dtype=fd).random_(to=3), torch.empty(shape, dtype=td).random_(to=3))
        else:
            assert_same(fastgrad.empty(shape, dtype=fd).random_(0, 2), torch.empty(shape, dtype=td).random_(0, 2))
    if dtype in ("int64", "float32", "float64"):
        lo = -(2**63)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # the full int64 range warns in neither library
            assert_same(fastgrad.empty(4, dtype=fd).random_(lo, None), torch.empty(4, dtype=td).random_(lo, None))
    if dtype in ("int64", "float64"):
        assert_same(fastgrad.empty(4, dtype=fd).random_(-(2**40), 2**50),
                    torch.empty(4, dtype=td).random_(-(2**40), 2**50))
    assert_stream_aligned()


def test_random_bounds_and_errors():
    seed_both(3)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        a = fastgrad.empty(3).random_(0, 2**40)
    assert any("to - 1 is out of bounds [-(2^24), 2^24]" in str(x.message) for x in w)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_same(a, torch.empty(3).random_(0, 2**40))
        assert_same(fastgrad.empty(3).random_(2**30 + 1, 2**31 + 1), torch.empty(3).random_(2**30 + 1, 2**31 + 1))
    for m in (fastgrad, torch):
        with pytest.raises(RuntimeError, match=r"random_ expects 'from' to be less than 'to', but got from=5 >= to=3"):
            m.empty(3).random_(5, 3)
        with pytest.raises(RuntimeError, match=r"to - 1 is out of bounds for bool"):
            m.empty(3, dtype=m.bool).random_(0, 3)
        with pytest.raises(RuntimeError, match=r"to - 1 is out of bounds for int"):
            m.empty(3, dtype=m.int32).random_(0, 2**40)
        with pytest.raises(RuntimeError, match=r"uniform_ expects to return a \[from, to\) range, but found from=2 > to=1"):
            m.empty(3).uniform_(2, 1)
        with pytest.raises(NotImplementedError, match="\"check_uniform_bounds\" not implemented for 'Long'"):
            m.empty(3, dtype=m.int64).uniform_()
        with pytest.raises(NotImplementedError, match="\"normal_kernel_cpu\" not implemented for 'Long'"):
            m.empty(3, dtype=m.int64).normal_()
        with pytest.raises(RuntimeError, match=r"normal expects std >= 0.0, but found std -1"):
            m.empty(3).normal_(0, -1)
        with pytest.raises(RuntimeError, match="dtype must be a floating point but you specified Long"):
            m.empty(3, dtype=m.int64).exponential_()
        with pytest.raises(RuntimeError, match=r"exponential_ expects lambda > 0.0, but found lambda=0"):
            m.empty(3).exponential_(0)
        with pytest.raises(RuntimeError, match=r"bernoulli_ expects p to be in \[0, 1\], but got p=1.5"):
            m.empty(3).bernoulli_(1.5)
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place"):
            m.rand(3, requires_grad=True).uniform_()
        with pytest.raises(NotImplementedError, match="\"check_uniform_bounds\" not implemented for 'Long'"):
            m.rand(3, dtype=m.int64)
        with pytest.raises(NotImplementedError, match="\"normal_kernel_cpu\" not implemented for 'Long'"):
            m.randn(3, dtype=m.int64)
        with pytest.raises(RuntimeError, match=r"to - 1 is out of bounds for bool"):
            m.randint(3, (2,), dtype=m.bool)


def test_inplace_fills_record_zero_gradient_nodes():
    for m in (fastgrad, torch):
        x = m.rand(3, requires_grad=True)
        p = m.rand(3, requires_grad=True)
        cases = [(lambda y: y.uniform_(), "UniformBackward0"), (lambda y: y.normal_(), "NormalBackward0"),
                 (lambda y: y.exponential_(), "ExponentialBackward0"), (lambda y: y.random_(1, 3), "RandomBackward0"),
                 (lambda y: y.random_(3), "RandomBackward1"), (lambda y: y.random_(), "RandomBackward2"),
                 (lambda y: y.bernoulli_(0.5), "BernoulliBackward2"), (lambda y: y.bernoulli_(p), "BernoulliBackward1")]
        for fill, name in cases:
            y = x * 1
            v = y._version
            out = fill(y)
            assert out is y and y._version > v
            assert type(y.grad_fn).__name__ == name
            y.sum().backward()
            assert not x.grad.numpy().any()
        assert not p.grad.numpy().any()
        z = m.bernoulli(p)
        assert type(z.grad_fn).__name__ == "BernoulliBackward0"


# ---------------------------------------------------------------------------------------------------------
# bernoulli


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
def test_bernoulli(seed, dtype, shape):
    fd, td = both_dtypes(dtype)
    seed_both(seed)
    p_t = torch.rand(shape, dtype=td)
    p = fastgrad.rand(shape, dtype=fd)
    assert_same(p, p_t)
    assert_same(fastgrad.bernoulli(p), torch.bernoulli(p_t))
    assert_same(p.bernoulli(), p_t.bernoulli())
    assert_same(fastgrad.bernoulli(p, 0.25), torch.bernoulli(p_t, 0.25))
    assert_same(fastgrad.bernoulli(p, p=0.75), torch.bernoulli(p_t, p=0.75))
    assert_same(fastgrad.empty(shape, dtype=fd).bernoulli_(p), torch.empty(shape, dtype=td).bernoulli_(p_t))
    assert_stream_aligned()


def test_bernoulli_mixed_types_broadcast_and_views():
    seed_both(11)
    p64 = side_rand(4, 1, dtype=torch.float64)
    p32 = side_rand(4, 6).t()
    for out_dtype in ("float32", "float64", "int64", "int32", "bool"):
        fd, td = both_dtypes(out_dtype)
        assert_same(fastgrad.empty(4, 5, dtype=fd).bernoulli_(f(p64)), torch.empty(4, 5, dtype=td).bernoulli_(p64))
        assert_same(fastgrad.empty(4, 6, dtype=fd).t().bernoulli_(f(p32.t()).t()),
                    torch.empty(4, 6, dtype=td).t().bernoulli_(p32))
        assert_same(fastgrad.empty(3, dtype=fd).bernoulli_(0.5), torch.empty(3, dtype=td).bernoulli_(0.5))
    assert_same(fastgrad.bernoulli(f(p32.t()).t()), torch.bernoulli(p32))
    g1, g2 = fastgrad.Generator().manual_seed(5), torch.Generator().manual_seed(5)
    assert_same(fastgrad.bernoulli(f(p64), generator=g1), torch.bernoulli(p64, generator=g2))
    assert_same(fastgrad.empty(5).bernoulli_(0.5, generator=g1), torch.empty(5).bernoulli_(0.5, generator=g2))
    assert_stream_aligned()
    for m in (fastgrad, torch):
        with pytest.raises(NotImplementedError, match="\"bernoulli_tensor_cpu_p_\" not implemented for 'Long'"):
            m.bernoulli(m.arange(3))
        with pytest.raises(RuntimeError, match="Expected p_in >= 0 && p_in <= 1 to be true"):
            m.bernoulli(m.tensor([1.5]))
        with pytest.raises(RuntimeError, match="The expanded size of the tensor"):
            m.empty(3).bernoulli_(m.rand(4))


# ---------------------------------------------------------------------------------------------------------
# multinomial


@pytest.mark.parametrize("seed", SEEDS + [7, 99])
@pytest.mark.parametrize("dtype", DTYPES)
def test_multinomial(seed, dtype):
    fd, td = both_dtypes(dtype)
    seed_both(seed)
    for shape in ((7,), (3, 10), (2, 40), (200,)):
        p_t = torch.rand(shape, dtype=td)
        p = fastgrad.rand(shape, dtype=fd)
        n = shape[-1]
        for k in (1, 3, n):
            assert_same(fastgrad.multinomial(p, k), torch.multinomial(p_t, k))
        for k in (1, 2, 6, 2 * n):
            assert_same(fastgrad.multinomial(p, k, True), torch.multinomial(p_t, k, True))
        assert_same(p.multinomial(2, replacement=True), p_t.multinomial(2, replacement=True))
    assert_stream_aligned()


@pytest.mark.parametrize("seed", SEEDS)
def test_multinomial_ties_views_and_generators(seed):
    seed_both(seed)
    # Zero weights tie at the end of a draw without replacement; torch orders them by its selection
    # algorithm, which fastgrad follows.
    w = [0.5, 0, 0, 0.5] + [0] * 29 + [0.1]
    assert_same(fastgrad.multinomial(fastgrad.tensor(w), 34), torch.multinomial(torch.tensor(w), 34))
    big = torch.zeros(300)
    big[::7] = 1
    assert_same(fastgrad.multinomial(f(big), 3), torch.multinomial(big, 3))
    assert_same(fastgrad.multinomial(f(big), 100), torch.multinomial(big, 100))
    p_t = side_rand(6, 4, dtype=torch.float64).t()
    assert_same(fastgrad.multinomial(f(p_t.t()).t(), 3), torch.multinomial(p_t, 3))
    assert_same(fastgrad.multinomial(f(p_t.t()).t(), 5, True), torch.multinomial(p_t, 5, True))
    g1, g2 = fastgrad.Generator().manual_seed(seed), torch.Generator().manual_seed(seed)
    q = side_rand(20)
    assert_same(fastgrad.multinomial(f(q), 4, generator=g1), torch.multinomial(q, 4, generator=g2))
    assert_same(fastgrad.multinomial(f(q), 4, True, generator=g1), torch.multinomial(q, 4, True, generator=g2))
    assert_stream_aligned()


def test_multinomial_errors():
    cases = [
        (lambda m: m.multinomial(m.rand(3), 4), "cannot sample n_sample > prob_dist.size\\(-1\\) samples without"),
        (lambda m: m.multinomial(m.rand(3), 0), "cannot sample n_sample <= 0 samples"),
        (lambda m: m.multinomial(m.rand(2, 3, 4), 1), "prob_dist must be 1 or 2 dim"),
        (lambda m: m.multinomial(m.tensor([1, 2]), 1), "multinomial only supports floating-point dtypes for input, "
                                                        "got: Long"),
        (lambda m: m.multinomial(m.tensor([1.0, -2]), 1), "probability tensor contains either `inf`, `nan` or"),
        (lambda m: m.multinomial(m.tensor([1.0, float("inf")]), 1), "probability tensor contains either"),
        (lambda m: m.multinomial(m.tensor([1.0, float("nan")]), 1), "probability tensor contains either"),
        (lambda m: m.multinomial(m.tensor([[0.0, 0], [1, 1]]), 1), "invalid multinomial distribution \\(sum of "
                                                                    "probabilities <= 0\\)"),
        (lambda m: m.multinomial(m.tensor([0.0, 0]), 2, True), "sum of probabilities <= 0"),
        (lambda m: m.multinomial(m.tensor([1.0, -2]), 2, True), "encountering probability entry < 0"),
        (lambda m: m.multinomial(m.tensor([1.0, float("inf")]), 2, True), "encountering probability entry = inf"),
    ]
    for call, pattern in cases:
        for m in (fastgrad, torch):
            with pytest.raises(RuntimeError, match=pattern):
                call(m)
    assert tuple(fastgrad.multinomial(fastgrad.zeros(0, 3), 2).shape) == (0, 2)
    assert fastgrad.multinomial(fastgrad.ones(3), 5, True).dtype == fastgrad.int64


# ---------------------------------------------------------------------------------------------------------
# randperm and the factories with generators


@pytest.mark.parametrize("seed", SEEDS)
def test_randperm(seed):
    seed_both(seed)
    for n in (0, 1, 2, 5, 16, 17, 100):
        assert_same(fastgrad.randperm(n), torch.randperm(n))
    for name in ("float32", "float64", "int32"):
        fd, td = both_dtypes(name)
        assert_same(fastgrad.randperm(9, dtype=fd), torch.randperm(9, dtype=td))
    g1, g2 = fastgrad.Generator().manual_seed(seed), torch.Generator().manual_seed(seed)
    assert_same(fastgrad.randperm(30, generator=g1), torch.randperm(30, generator=g2))
    assert_stream_aligned()
    for m in (fastgrad, torch):
        with pytest.raises(RuntimeError, match="Trying to create tensor with negative dimension -1"):
            m.randperm(-1)
        with pytest.raises(NotImplementedError, match="\"randperm\" not implemented for 'Bool'"):
            m.randperm(3, dtype=m.bool)


@pytest.mark.parametrize("dtype", DTYPES)
def test_generators_everywhere_and_independent_streams(dtype):
    fd, td = both_dtypes(dtype)
    seed_both(100)
    g1, g2 = fastgrad.Generator().manual_seed(3), torch.Generator().manual_seed(3)
    calls = [
        (lambda m, g, d: m.rand(5, dtype=d, generator=g)),
        (lambda m, g, d: m.randn(20, dtype=d, generator=g)),
        (lambda m, g, d: m.randn(3, dtype=d, generator=g)),
        (lambda m, g, d: m.randint(-3, 9, (6,), generator=g)),
        (lambda m, g, d: m.empty(4, dtype=d).uniform_(1, 2, generator=g)),
        (lambda m, g, d: m.empty(3, dtype=d).normal_(2, 3, generator=g)),
        (lambda m, g, d: m.empty(3, dtype=d).exponential_(generator=g)),
        (lambda m, g, d: m.empty(3, dtype=d).random_(generator=g)),
        (lambda m, g, d: m.empty(3, dtype=d).random_(0, 5, generator=g)),
        (lambda m, g, d: m.normal(1.0, 2.0, (4,), generator=g, dtype=d)),
    ]
    for call in calls:
        out, ref = call(fastgrad, g1, fd), call(torch, g2, td)
        assert_same(out, ref, normal_f32_block=True, shift=2.0)
    # The default stream was not touched by the generator calls.
    assert_stream_aligned()


def test_rng_state_roundtrip():
    fastgrad.manual_seed(5)
    state = fastgrad.get_rng_state()
    a = fastgrad.randn(3)
    b = fastgrad.multinomial(fastgrad.ones(10), 4)
    fastgrad.set_rng_state(state)
    np.testing.assert_array_equal(fastgrad.randn(3).numpy(), a.numpy())
    np.testing.assert_array_equal(fastgrad.multinomial(fastgrad.ones(10), 4).numpy(), b.numpy())
    g = fastgrad.Generator()
    g.set_state(state)
    np.testing.assert_array_equal(fastgrad.randn(3, generator=g).numpy(), a.numpy())
