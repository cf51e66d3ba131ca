"""torch.amp (autocast, GradScaler), the deprecated torch.cpu.amp / torch.cuda.amp forms, and the set-up switches
real programs touch (torch.backends.cudnn / cuda / mps, float32 matmul precision, deterministic algorithms),
against a CPU build of PyTorch."""

import contextlib
import warnings

import numpy as np
import pytest

import fastgrad

torch = pytest.importorskip("torch")

LIBS = [pytest.param(fastgrad, id="fastgrad"), pytest.param(torch, id="torch")]


@pytest.fixture
def restore_switches():
    """Put both libraries' global switches back after a test that changes them. PyTorch's test utilities
    (torch.testing._internal, which test_opinfo.py imports) freeze its cudnn flags for the whole process; the
    test runs inside PyTorch's own context that allows setting them again, so it sees a CPU build as a user does."""
    allow = getattr(torch.backends, "__allow_nonbracketed_mutation", None)
    with allow() if allow is not None else contextlib.nullcontext():
        yield from _restoring_switches()


def _restoring_switches():
    saved = []
    for lib in (fastgrad, torch):
        saved.append((
            lib, lib.backends.cudnn.benchmark, lib.backends.cudnn.deterministic, lib.backends.cudnn.enabled,
            lib.are_deterministic_algorithms_enabled(), lib.is_deterministic_algorithms_warn_only_enabled(),
        ))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        precision = (torch.get_float32_matmul_precision(), fastgrad.get_float32_matmul_precision())
    yield
    for lib, benchmark, deterministic, enabled, algorithms, warn_only in saved:
        lib.backends.cudnn.benchmark = benchmark
        lib.backends.cudnn.deterministic = deterministic
        lib.backends.cudnn.enabled = enabled
        lib.use_deterministic_algorithms(algorithms, warn_only=warn_only)
    torch.set_float32_matmul_precision(precision[0])
    fastgrad.set_float32_matmul_precision(precision[1])


# ---------------------------------------------------------------------------------------------------------------
# Backends and switches
# ---------------------------------------------------------------------------------------------------------------

_QUERIES = [
    lambda m: m.backends.mps.is_available(),
    lambda m: m.backends.mps.is_built(),
    lambda m: m.backends.cudnn.is_available(),
    lambda m: m.backends.cudnn.version(),
    lambda m: m.backends.cudnn.enabled,
    lambda m: m.backends.cudnn.benchmark,
    lambda m: m.backends.cudnn.deterministic,
    lambda m: m.backends.cudnn.allow_tf32,
    lambda m: m.backends.cudnn.is_acceptable(m.ones(1)),
    lambda m: m.backends.cuda.is_built(),
    lambda m: m.backends.cuda.matmul.allow_tf32,
    lambda m: m.backends.cuda.matmul.allow_fp16_reduced_precision_reduction,
    lambda m: m.backends.cuda.matmul.allow_bf16_reduced_precision_reduction,
    lambda m: m.get_float32_matmul_precision(),
    lambda m: m.are_deterministic_algorithms_enabled(),
    lambda m: m.is_deterministic_algorithms_warn_only_enabled(),
    lambda m: m.cpu.is_available(),
    lambda m: m.cpu.device_count(),
    lambda m: m.cpu.current_device(),
    lambda m: m.cpu.synchronize(),
    lambda m: m.amp.is_autocast_available("cpu"),
    lambda m: m.cuda.is_bf16_supported(),
    lambda m: m.cuda.empty_cache(),
    lambda m: m.cuda.memory_allocated(),
    lambda m: m.cuda.max_memory_allocated(),
    lambda m: m.cuda.memory_reserved(),
    lambda m: m.cuda.max_memory_reserved(),
    lambda m: m.is_autocast_enabled(),
    lambda m: m.is_autocast_enabled("cpu"),
]


@pytest.mark.parametrize("query", [pytest.param(q, id=str(i)) for i, q in enumerate(_QUERIES)])
def test_queries_answer_as_a_cpu_build_of_torch(query):
    assert query(fastgrad) == query(torch)


def test_backend_submodules_import_as_in_torch():
    import fastgrad.backends.cuda
    import fastgrad.backends.cudnn as cudnn
    import fastgrad.backends.mps
    import fastgrad.cpu.amp
    import fastgrad.cuda.amp  # noqa: F401

    assert cudnn is fastgrad.backends.cudnn


@pytest.mark.parametrize("lib", LIBS)
def test_switches_can_be_set_and_read_back(lib, restore_switches):
    lib.backends.cudnn.benchmark = True
    lib.backends.cudnn.deterministic = True
    lib.backends.cudnn.enabled = False
    assert (lib.backends.cudnn.benchmark, lib.backends.cudnn.deterministic, lib.backends.cudnn.enabled) == (
        True, True, False)
    lib.use_deterministic_algorithms(True, warn_only=True)
    assert lib.are_deterministic_algorithms_enabled() and lib.is_deterministic_algorithms_warn_only_enabled()
    lib.use_deterministic_algorithms(False)
    assert not lib.are_deterministic_algorithms_enabled()
    lib.set_float32_matmul_precision("high")
    assert lib.get_float32_matmul_precision() == "high" and lib.backends.cuda.matmul.allow_tf32 is True
    lib.set_float32_matmul_precision("highest")
    assert lib.get_float32_matmul_precision() == "highest" and lib.backends.cuda.matmul.allow_tf32 is False
    lib.backends.cuda.matmul.allow_tf32 = True
    assert lib.backends.cuda.matmul.allow_tf32 is True
    lib.backends.cuda.matmul.allow_tf32 = False
    assert lib.backends.cuda.matmul.allow_tf32 is False


_SWITCH_ERRORS = [
    lambda m: setattr(m.backends.cudnn, "benchmark", "yes"),
    lambda m: setattr(m.backends.cudnn, "deterministic", 1),
    lambda m: setattr(m.backends.cuda.matmul, "allow_tf32", 1),
    lambda m: setattr(m.backends.cuda.matmul, "no_such_flag", True),
    lambda m: m.backends.cuda.matmul.no_such_flag,
    lambda m: m.set_float32_matmul_precision(3),
    lambda m: m.use_deterministic_algorithms(1),
    lambda m: m.use_deterministic_algorithms(True, warn_only=1),
    lambda m: m.cuda.synchronize(),
    lambda m: m.cuda.current_device(),
    lambda m: m.cuda.get_device_name(0),
    lambda m: m.cuda.get_device_capability(),
    lambda m: m.cuda.get_device_properties(0),
]


@pytest.mark.parametrize("call", [pytest.param(c, id=str(i)) for i, c in enumerate(_SWITCH_ERRORS)])
def test_switch_errors_match_torch(call, restore_switches):
    with pytest.raises(Exception) as expected:
        call(torch)
    with pytest.raises(type(expected.value)) as got:
        call(fastgrad)
    assert str(got.value) == str(expected.value)


def test_unknown_precision_warns_and_changes_nothing(restore_switches):
    for lib in (fastgrad, torch):
        lib.set_float32_matmul_precision("medium")
        with pytest.warns(UserWarning, match="fast is not one of 'highest', 'high', or 'medium'"):
            lib.set_float32_matmul_precision("fast")
        assert lib.get_float32_matmul_precision() == "medium"


# ---------------------------------------------------------------------------------------------------------------
# autocast
# ---------------------------------------------------------------------------------------------------------------


def _region_states(lib):
    out = [lib.is_autocast_enabled("cpu")]
    with lib.autocast(device_type="cpu"):
        out.append((lib.is_autocast_enabled("cpu"), lib.is_autocast_enabled()))
        with lib.autocast("cpu", enabled=False):
            out.append(lib.is_autocast_enabled("cpu"))
        out.append(lib.is_autocast_enabled("cpu"))
    out.append(lib.is_autocast_enabled("cpu"))
    with lib.amp.autocast("cpu", enabled=True, cache_enabled=False) as region:
        out.append((lib.is_autocast_enabled("cpu"), isinstance(region, lib.amp.autocast)))

    @lib.autocast("cpu")
    def inside(x):
        return lib.is_autocast_enabled("cpu"), x

    out.append(inside(5))
    out.append(inside.__name__)
    try:
        with lib.autocast("cpu"):
            raise KeyError("k")
    except KeyError:
        out.append(lib.is_autocast_enabled("cpu"))
    return out


def test_autocast_regions_nest_and_restore_like_torch():
    expected = _region_states(torch)
    assert _region_states(fastgrad) == expected
    assert expected[1] == (True, False)  # the oracle checks something: enabled on the CPU, the legacy query is CUDA's


def test_autocast_is_per_thread():
    import threading

    seen = []
    with fastgrad.autocast("cpu"):
        thread = threading.Thread(target=lambda: seen.append(fastgrad.is_autocast_enabled("cpu")))
        thread.start()
        thread.join()
    assert seen == [False]


def test_ops_in_an_autocast_region_cast_like_torch():
    # the op lists themselves: test_autocast_cpu.py
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((3, 4)).astype(np.float32), rng.standard_normal((4, 2)).astype(np.float32)
    results = {}
    for lib in (fastgrad, torch):
        x, w = lib.tensor(a, requires_grad=True), lib.tensor(b)
        with lib.autocast("cpu"):
            y = lib.nn.functional.relu(x @ w)
        y.float().sum().backward()
        assert y.dtype == lib.bfloat16 and x.grad.dtype == lib.float32
        results[lib] = (y.detach().float().numpy(), x.grad.numpy())
    for e, g in zip(results[torch], results[fastgrad]):
        np.testing.assert_allclose(g, e, rtol=1e-2, atol=1e-2)


@pytest.mark.parametrize(
    "make",
    [
        lambda m: m.autocast("cuda"),
        lambda m: m.autocast("cpu", dtype=m.float32),
        lambda m: m.autocast("cpu", dtype=m.float64),
        lambda m: m.cpu.amp.autocast(),
        lambda m: m.cuda.amp.autocast(),
    ],
    ids=["cuda", "cpu-float32", "cpu-float64", "cpu.amp", "cuda.amp"],
)
def test_autocast_warnings_and_disabled_regions_match_torch(make):
    def record(lib):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with make(lib):
                state = (lib.is_autocast_enabled("cpu"), lib.is_autocast_enabled("cuda"))
        return state, [(w.category, str(w.message)) for w in caught]

    assert record(fastgrad) == record(torch)


@pytest.mark.parametrize(
    "make",
    [lambda m: m.autocast(1), lambda m: m.autocast("foo"), lambda m: m.amp.autocast(device_type=None)],
    ids=["int", "unknown", "none"],
)
def test_autocast_argument_errors_match_torch(make):
    with pytest.raises(Exception) as expected:
        make(torch)
    with pytest.raises(type(expected.value)) as got:
        make(fastgrad)
    assert str(got.value) == str(expected.value)


def test_autocast_enabled_must_be_a_bool_on_entry():
    for lib in (fastgrad, torch):
        region = lib.autocast("cpu", enabled=1)  # accepted when made
        with pytest.raises(TypeError) as info:
            region.__enter__()
        assert str(info.value) == "set_autocast_enabled(): argument 'enabled' (position 2) must be bool, not int"
        assert not lib.is_autocast_enabled("cpu")


def test_autocast_half_dtypes_enable_the_region():
    for lib in (fastgrad, torch):
        for dt in (lib.bfloat16, lib.float16):
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                with lib.autocast("cpu", dtype=dt):
                    assert lib.is_autocast_enabled("cpu")


def test_custom_fwd_and_bwd():
    for lib in (fastgrad, torch):
        class Double(lib.autograd.Function):
            @staticmethod
            @lib.amp.custom_fwd(device_type="cpu")
            def forward(ctx, x):
                return x * 2

            @staticmethod
            @lib.amp.custom_bwd(device_type="cpu")
            def backward(ctx, g):
                return g * 2

        x = lib.ones(3, requires_grad=True)
        Double.apply(x).sum().backward()
        assert x.grad.tolist() == [2.0, 2.0, 2.0]


# ---------------------------------------------------------------------------------------------------------------
# GradScaler
# ---------------------------------------------------------------------------------------------------------------


def _train_with_scaler(lib, device, enabled=True, blow_up=(), steps=6, **scaler_kwargs):
    rng = np.random.default_rng(1)
    w0 = rng.standard_normal((3, 4)).astype(np.float32)
    x = lib.tensor(rng.standard_normal((8, 4)).astype(np.float32))
    y = lib.tensor(rng.standard_normal((8, 3)).astype(np.float32))
    w = lib.tensor(w0, requires_grad=True)
    opt = lib.optim.SGD([w], lr=0.1, momentum=0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scaler = lib.amp.GradScaler(device, enabled=enabled, **scaler_kwargs)
    history = []
    for step in range(steps):
        opt.zero_grad()
        loss = ((x @ w.t() - y) ** 2).mean()
        if step in blow_up:
            loss = loss * float("inf")
        scaled = scaler.scale(loss)
        scaled.backward()
        scaler.step(opt)
        scaler.update()
        history.append((scaled.item(), scaler.get_scale()))
    return w.detach().numpy(), history, scaler.state_dict(), scaler.is_enabled()


@pytest.mark.parametrize(
    "case",
    [
        dict(device="cpu"),
        dict(device="cpu", blow_up=(1, 2)),
        dict(device="cpu", growth_interval=2, init_scale=4.0),
        dict(device="cpu", enabled=False),
        dict(device="cuda"),
    ],
    ids=["cpu", "cpu-inf-steps", "cpu-growth", "cpu-disabled", "cuda-disabled"],
)
def test_grad_scaler_training_follows_torch(case):
    w_f, hist_f, state_f, enabled_f = _train_with_scaler(fastgrad, **case)
    w_t, hist_t, state_t, enabled_t = _train_with_scaler(torch, **case)
    np.testing.assert_allclose(w_f, w_t, rtol=1e-6, atol=1e-7)
    assert [h[1] for h in hist_f] == [h[1] for h in hist_t]  # the scale, step by step
    assert [h[0] for h in hist_f] == pytest.approx([h[0] for h in hist_t], rel=1e-5)  # the scaled loss (may be inf)
    assert state_f == state_t
    assert enabled_f == enabled_t


def test_disabled_scaler_passes_through():
    loss = fastgrad.tensor(2.0, requires_grad=True)
    scaler = fastgrad.amp.GradScaler("cpu", enabled=False)
    assert scaler.scale(loss) is loss
    calls = []

    class Opt:
        def step(self, *args, **kwargs):
            calls.append((args, kwargs))
            return "stepped"

    assert scaler.step(Opt(), 1, closure=None) == "stepped" and calls == [((1,), {"closure": None})]
    assert scaler.update() is None and scaler.state_dict() == {} and scaler.get_scale() == 1.0
    scaler.load_state_dict({})


def test_grad_scaler_warnings_match_torch():
    def record(lib, make):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            scaler = make(lib)
        return scaler.is_enabled(), [(w.category, str(w.message)) for w in caught]

    for make in (lambda m: m.amp.GradScaler(), lambda m: m.cuda.amp.GradScaler(), lambda m: m.cpu.amp.GradScaler(),
                 lambda m: m.amp.GradScaler("cuda", enabled=False)):
        assert record(fastgrad, make) == record(torch, make)


def test_grad_scaler_misuse_matches_torch():
    def run(lib, script):
        p = lib.zeros(2, requires_grad=True)
        opt = lib.optim.SGD([p], lr=0.1)
        scaler = lib.amp.GradScaler("cpu")
        try:
            script(lib, p, opt, scaler)
        except Exception as exc:  # noqa: BLE001  (the class and message are compared)
            return type(exc), str(exc)
        return None

    def step_before_scale(lib, p, opt, scaler):
        scaler.step(opt)

    def unscale_twice(lib, p, opt, scaler):
        scaler.scale(p.sum()).backward()
        scaler.unscale_(opt)
        scaler.unscale_(opt)

    def step_twice(lib, p, opt, scaler):
        scaler.scale(p.sum()).backward()
        scaler.step(opt)
        scaler.step(opt)

    def closure(lib, p, opt, scaler):
        scaler.scale(p.sum()).backward()
        scaler.step(opt, closure=lambda: 0)

    def load_empty(lib, p, opt, scaler):
        scaler.load_state_dict({})

    for script in (step_before_scale, unscale_twice, step_twice, closure, load_empty):
        expected = run(torch, script)
        assert expected is not None
        assert run(fastgrad, script) == expected, script.__name__


def test_grad_scaler_state_dict_round_trip():
    scaler = fastgrad.amp.GradScaler("cpu", init_scale=8.0, growth_interval=3)
    scaler.load_state_dict({"scale": 32.0, "growth_factor": 4.0, "backoff_factor": 0.25, "growth_interval": 7,
                            "_growth_tracker": 2})
    assert scaler.get_scale() == 32.0
    assert scaler.state_dict() == {"scale": 32.0, "growth_factor": 4.0, "backoff_factor": 0.25,
                                   "growth_interval": 7, "_growth_tracker": 2}
    assert scaler.scale(fastgrad.tensor(1.5)).item() == 48.0
