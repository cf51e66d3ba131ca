"""nn.RNN / LSTM / GRU and the cells on the native recurrent op (cpp/src/ops/rnn.cpp), against PyTorch from the
same state_dict: outputs, final states and every gradient in float64 (tight) and float32 (~1e-5), for every
layout (multi-layer, bidirectional, batch_first, unbatched, proj_size, packed sequences sorted or not), the
dropout stream between layers, second derivatives, grad_fn names, saved-tensor checks and PyTorch's errors.
(The functions torch.lstm / gru / ... and the cells are also op-table entries: op_table/nn_rnn.py.)"""

import warnings

import fastgrad
import numpy as np
import pytest

torch = pytest.importorskip("torch")

MODES = ["RNN_TANH", "RNN_RELU", "LSTM", "GRU"]
TOL = {"float64": dict(rtol=1e-10, atol=1e-12), "float32": dict(rtol=1e-5, atol=1e-6)}


def _module(lib, mode, *args, **kwargs):
    if mode.startswith("RNN"):
        kwargs["nonlinearity"] = "tanh" if mode == "RNN_TANH" else "relu"
        return lib.nn.RNN(*args, **kwargs)
    return getattr(lib.nn, mode)(*args, **kwargs)


def _pair(mode, input_size, hidden, dtype="float64", seed=0, **kwargs):
    """A torch module and a fastgrad one with the same state_dict (weights scaled up so that the gates are not
    all near their linear range)."""
    torch.manual_seed(seed)
    tm = _module(torch, mode, input_size, hidden, **kwargs).to(getattr(torch, dtype))
    with torch.no_grad():
        for p in tm.parameters():
            p.mul_(2.0)
    fm = _module(fastgrad, mode, input_size, hidden, **kwargs).to(getattr(fastgrad, dtype))
    fm.load_state_dict({k: fastgrad.from_numpy(v.detach().numpy().copy()) for k, v in tm.state_dict().items()})
    return fm, tm


def _np(t):
    return t.detach().numpy()


def _close(a, b, dtype, what=""):
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape, (what, a.shape, b.shape)
    tol = TOL[dtype]
    scale = max(1.0, float(np.abs(b).max())) if b.size else 1.0
    np.testing.assert_allclose(a, b, rtol=tol["rtol"], atol=tol["atol"] * scale, err_msg=what)


def _run(lib, module, x, states, lstm):
    """Forward, a loss using every output, backward; returns outputs, states and the input/state gradients."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if states is None:
            out, state = module(x)
        else:
            out, state = module(x, tuple(states) if lstm else states[0])
    finals = list(state) if lstm else [state]
    data = out.data if isinstance(out, lib.nn.utils.rnn.PackedSequence) else out
    w = lib.from_numpy(np.linspace(-1, 1, data.numel()).reshape(tuple(data.shape)).astype(_np(data).dtype))
    loss = (data * w).sum() + sum((s * s).sum() for s in finals)
    loss.backward()
    return data, finals


def _compare(mode, dtype, shape_kwargs, x_shape, with_states, unbatched=False, seed=0):
    lstm = mode == "LSTM"
    fm, tm = _pair(mode, x_shape[-1], 5, dtype, seed=seed, **shape_kwargs)
    layers = shape_kwargs.get("num_layers", 1) * (2 if shape_kwargs.get("bidirectional") else 1)
    batch = None if unbatched else (x_shape[0] if shape_kwargs.get("batch_first") else x_shape[1])
    out_size = shape_kwargs.get("proj_size", 0) or 5
    r = np.random.default_rng(seed + 1)
    arrays = [r.standard_normal(x_shape)]
    if with_states:
        lead = (layers,) if unbatched else (layers, batch)
        arrays.append(r.standard_normal(lead + (out_size,)) * 0.5)
        if lstm:
            arrays.append(r.standard_normal(lead + (5,)) * 0.5)
    np_dtype = np.float64 if dtype == "float64" else np.float32
    fs = [fastgrad.from_numpy(a.astype(np_dtype)).requires_grad_() for a in arrays]
    ts = [torch.from_numpy(a.astype(np_dtype)).requires_grad_() for a in arrays]
    f_out, f_states = _run(fastgrad, fm, fs[0], fs[1:] or None, lstm)
    t_out, t_states = _run(torch, tm, ts[0], ts[1:] or None, lstm)
    _close(_np(f_out), _np(t_out), dtype, "output")
    for i, (a, b) in enumerate(zip(f_states, t_states)):
        _close(_np(a), _np(b), dtype, f"state {i}")
    for i, (a, b) in enumerate(zip(fs, ts)):
        _close(_np(a.grad), _np(b.grad), dtype, f"grad of input {i}")
    for (name, fp), (_, tp) in zip(fm.named_parameters(), tm.named_parameters()):
        _close(_np(fp.grad), _np(tp.grad), dtype, f"grad of {name}")


LAYOUTS = [
    ({}, (6, 3, 4)),
    ({"num_layers": 2}, (6, 3, 4)),
    ({"bidirectional": True}, (6, 3, 4)),
    ({"num_layers": 3, "bidirectional": True, "batch_first": True}, (3, 6, 4)),
    ({"bias": False, "batch_first": True}, (2, 5, 4)),
]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("with_states", [False, True])
@pytest.mark.parametrize("kwargs,x_shape", LAYOUTS, ids=[str(k) for k, _ in LAYOUTS])
@pytest.mark.parametrize("mode", MODES)
def test_layers_match_torch(mode, kwargs, x_shape, with_states, dtype):
    _compare(mode, dtype, kwargs, x_shape, with_states)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("mode", MODES)
def test_unbatched_input_matches_torch(mode, dtype):
    _compare(mode, dtype, {"num_layers": 2, "bidirectional": True}, (6, 4), True, unbatched=True)
    _compare(mode, dtype, {"batch_first": True}, (6, 4), False, unbatched=True)


PROJ = [
    ({"proj_size": 3}, (6, 3, 4)),
    ({"proj_size": 2, "num_layers": 2, "bidirectional": True}, (5, 2, 4)),
    ({"proj_size": 3, "batch_first": True, "bias": False}, (2, 5, 4)),
]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("with_states", [False, True])
@pytest.mark.parametrize("kwargs,x_shape", PROJ, ids=[str(k) for k, _ in PROJ])
def test_lstm_projection_matches_torch(kwargs, x_shape, with_states, dtype):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch: "LSTM with projections is not supported with oneDNN"
        _compare("LSTM", dtype, kwargs, x_shape, with_states)


def test_lstm_projection_parameters_and_unbatched():
    fm, tm = _pair("LSTM", 4, 5, proj_size=2, num_layers=2, bidirectional=True)
    assert [(n, tuple(p.shape)) for n, p in fm.named_parameters()] == [
        (n, tuple(p.shape)) for n, p in tm.named_parameters()
    ]
    assert repr(fm) == repr(tm)
    assert [[tuple(w.shape) for w in ws] for ws in fm.all_weights] == [
        [tuple(w.shape) for w in ws] for ws in tm.all_weights
    ]
    _compare("LSTM", "float64", {"proj_size": 2}, (6, 4), True, unbatched=True)


LENGTHS = [5, 2, 4, 1, 3]


PACKED = [(mode, kw) for mode in MODES for kw in ({}, {"num_layers": 2, "bidirectional": True})] + [
    ("LSTM", {"proj_size": 2, "bidirectional": True})
]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("enforce_sorted", [True, False])
@pytest.mark.parametrize("mode,kwargs", PACKED, ids=[f"{m}-{k}" for m, k in PACKED])
def test_packed_sequences_match_torch(mode, kwargs, enforce_sorted, dtype):
    lstm = mode == "LSTM"
    lengths = sorted(LENGTHS, reverse=True) if enforce_sorted else LENGTHS
    fm, tm = _pair(mode, 3, 4, dtype, **kwargs)
    layers = kwargs.get("num_layers", 1) * (2 if kwargs.get("bidirectional") else 1)
    out_size = kwargs.get("proj_size", 0) or 4
    r = np.random.default_rng(7)
    np_dtype = np.float64 if dtype == "float64" else np.float32
    seqs = [r.standard_normal((n, 3)).astype(np_dtype) for n in lengths]
    h0 = (r.standard_normal((layers, len(lengths), out_size)) * 0.5).astype(np_dtype)
    c0 = (r.standard_normal((layers, len(lengths), 4)) * 0.5).astype(np_dtype)

    def run(lib, module):
        xs = [lib.from_numpy(s.copy()).requires_grad_() for s in seqs]
        h = lib.from_numpy(h0.copy()).requires_grad_()
        c = lib.from_numpy(c0.copy()).requires_grad_()
        packed = lib.nn.utils.rnn.pack_sequence(xs, enforce_sorted=enforce_sorted)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out, state = module(packed, (h, c) if lstm else h)
        padded, out_lengths = lib.nn.utils.rnn.pad_packed_sequence(out, batch_first=True)
        finals = list(state) if lstm else [state]
        w = lib.from_numpy(np.linspace(-1, 1, padded.numel()).reshape(tuple(padded.shape)).astype(np_dtype))
        ((padded * w).sum() + sum((s * s).sum() for s in finals)).backward()
        grads = [x.grad for x in xs] + [h.grad] + ([c.grad] if lstm else [])
        return padded, out_lengths.tolist(), finals, grads

    fp, fl, fs, fg = run(fastgrad, fm)
    tp, tl, ts, tg = run(torch, tm)
    assert fl == tl
    _close(_np(fp), _np(tp), dtype, "padded output")
    for a, b in zip(fs, ts):
        _close(_np(a), _np(b), dtype, "final state")
    for i, (a, b) in enumerate(zip(fg, tg)):
        _close(_np(a), _np(b), dtype, f"grad {i}")
    for (name, p), (_, q) in zip(fm.named_parameters(), tm.named_parameters()):
        _close(_np(p.grad), _np(q.grad), dtype, name)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("mode", MODES)
def test_dropout_between_layers_follows_torchs_stream(mode, dtype):
    fm, tm = _pair(mode, 4, 5, dtype, num_layers=3, dropout=0.4, bidirectional=True)
    np_dtype = np.float64 if dtype == "float64" else np.float32
    x = np.random.default_rng(3).standard_normal((6, 3, 4)).astype(np_dtype)
    results = []
    for lib, m in ((fastgrad, fm), (torch, tm)):
        lib.manual_seed(11)
        xt = lib.from_numpy(x.copy()).requires_grad_()
        out, _ = m(xt)
        out2, _ = m(xt)  # a second draw from the same stream
        (out.sum() + (out2 * out2).sum()).backward()
        results.append((out, out2, xt.grad, [p.grad for p in m.parameters()]))
    (fo, fo2, fxg, fpg), (to, to2, txg, tpg) = results
    _close(_np(fo), _np(to), dtype, "first output")
    _close(_np(fo2), _np(to2), dtype, "second output")
    assert not np.allclose(_np(fo), _np(fo2))  # dropout did draw
    _close(_np(fxg), _np(txg), dtype, "input grad")
    for a, b in zip(fpg, tpg):
        _close(_np(a), _np(b), dtype, "parameter grad")
    # eval mode: no dropout, the same output twice
    fm.eval()
    x_f = fastgrad.from_numpy(x.copy())
    np.testing.assert_array_equal(_np(fm(x_f)[0]), _np(fm(x_f)[0]))


@pytest.mark.parametrize("mode", MODES)
def test_second_derivatives_match_torch(mode):
    """create_graph through the layer (Note [Recurrent double backward]): the gradient of a function of the
    first gradients, against torch's."""
    kwargs = {"num_layers": 2, "bidirectional": True}
    if mode == "LSTM":
        kwargs["proj_size"] = 2
    fm, tm = _pair(mode, 3, 4, **kwargs)
    x = np.random.default_rng(5).standard_normal((4, 2, 3))
    results = []
    for lib, m in ((fastgrad, fm), (torch, tm)):
        xt = lib.from_numpy(x.copy()).requires_grad_()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out, _ = m(xt)
        params = list(m.parameters())
        grads = lib.autograd.grad((out * out).sum(), [xt] + params, create_graph=True)
        penalty = sum((g * g).sum() for g in grads)
        penalty.backward()
        results.append([xt.grad] + [p.grad for p in params])
    for i, (a, b) in enumerate(zip(*results)):
        _close(_np(a), _np(b), "float64", f"second-order grad {i}")


@pytest.mark.parametrize("mode", MODES)
def test_gradcheck_and_gradgradcheck(mode):
    """Finite differences in float64, first and second order, through a bidirectional layer with the module's
    parameters (an LSTM with a projection)."""
    kwargs = {"bidirectional": True}
    if mode == "LSTM":
        kwargs["proj_size"] = 2
    fm, _ = _pair(mode, 2, 3, **kwargs)
    lstm = mode == "LSTM"
    r = np.random.default_rng(2)
    x = fastgrad.from_numpy(r.standard_normal((3, 2, 2))).requires_grad_()
    h = fastgrad.from_numpy(r.standard_normal((2, 2, kwargs.get("proj_size", 3)))).requires_grad_()
    c = fastgrad.from_numpy(r.standard_normal((2, 2, 3))).requires_grad_()
    params = [p.detach().clone().requires_grad_() for p in fm._flat_weights]
    fn = getattr(fastgrad, {"LSTM": "lstm", "GRU": "gru", "RNN_TANH": "rnn_tanh", "RNN_RELU": "rnn_relu"}[mode])

    def f(x, h, c, *ps):
        hx = (h, c) if lstm else h
        return tuple(fn(x, hx, list(ps), True, 1, 0.0, True, True, False))

    inputs = (x, h, c, *params) if lstm else (x, h, *params)
    if not lstm:
        f_lstm = f

        def f(x, h, *ps):  # noqa: F811
            return f_lstm(x, h, None, *ps)

    assert fastgrad.autograd.gradcheck(f, inputs)
    assert fastgrad.autograd.gradgradcheck(f, inputs)


def test_grad_fn_names_follow_torch():
    x = torch.randn(5, 2, 3)
    fx = fastgrad.from_numpy(x.numpy().copy())
    # LSTM float32: PyTorch's oneDNN layer Node, h_n / c_n stacked; the Node's edges are PyTorch's seven
    fm, tm = _pair("LSTM", 3, 4, "float32")
    (fo, (fh, fc)), (to, (th, tc)) = fm(fx), tm(x)
    for a, b in ((fo, to), (fh, th), (fc, tc)):
        assert type(a.grad_fn).__name__ == type(b.grad_fn).__name__
    assert [None if f is None else type(f).__name__ for f, _ in fo.grad_fn.next_functions] == [
        None if f is None else type(f).__name__ for f, _ in to.grad_fn.next_functions
    ]
    assert [n for _, n in fh.grad_fn.next_functions] == [n for _, n in th.grad_fn.next_functions] == [1]
    assert fo.grad_fn.next_functions[0][0] is None  # the input does not require grad; weight_ih does
    assert type(fo.grad_fn.next_functions[1][0]).__name__ == "AccumulateGrad"
    # bidirectional: the directions' outputs are concatenated; batch_first transposes; unbatched squeezes
    fm, tm = _pair("LSTM", 3, 4, "float32", bidirectional=True)
    assert type(fm(fx)[0].grad_fn).__name__ == type(tm(x)[0].grad_fn).__name__ == "CatBackward0"
    fm, tm = _pair("LSTM", 3, 4, "float32", batch_first=True)
    assert type(fm(fx)[0].grad_fn).__name__ == type(tm(x)[0].grad_fn).__name__ == "TransposeBackward0"
    assert type(fm(fx[0])[0].grad_fn).__name__ == type(tm(x[0])[0].grad_fn).__name__ == "SqueezeBackward1"
    # RNN and GRU: PyTorch composes them on the CPU (StackBackward0); here they are the same native layer
    for mode in ("GRU", "RNN_TANH"):
        fm, _ = _pair(mode, 3, 4, "float32")
        out, h = fm(fx)
        assert type(out.grad_fn).__name__ == "MkldnnRnnLayerBackward0"
        assert type(h.grad_fn).__name__ == "StackBackward0"
    # no grad: no Node
    with fastgrad.no_grad():
        assert fastgrad.nn.LSTM(3, 4)(fx)[0].grad_fn is None


def test_cell_grad_fn_names():
    x, h = fastgrad.randn(2, 3), fastgrad.randn(2, 4)
    hc = fastgrad.nn.LSTMCell(3, 4)(x, (h, h))
    assert [type(t.grad_fn).__name__ for t in hc] == ["ThnnFusedLstmCellBackward0"] * 2
    assert hc[0].grad_fn is hc[1].grad_fn
    assert type(fastgrad.nn.GRUCell(3, 4)(x, h).grad_fn).__name__ == "ThnnFusedGruCellBackward0"
    # the Elman cells end in their nonlinearity, as PyTorch's
    for nonlinearity, name in (("tanh", "TanhBackward0"), ("relu", "ReluBackward0")):
        tcell = torch.nn.RNNCell(3, 4, nonlinearity=nonlinearity)
        assert type(tcell(torch.randn(2, 3)).grad_fn).__name__ == name
        assert type(fastgrad.nn.RNNCell(3, 4, nonlinearity=nonlinearity)(x, h).grad_fn).__name__ == name


@pytest.mark.parametrize("cls", ["RNNCell", "LSTMCell", "GRUCell"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_cells_match_torch(cls, dtype):
    torch.manual_seed(1)
    tm = getattr(torch.nn, cls)(3, 4).to(getattr(torch, dtype))
    fm = getattr(fastgrad.nn, cls)(3, 4).to(getattr(fastgrad, dtype))
    fm.load_state_dict({k: fastgrad.from_numpy(v.detach().numpy().copy()) for k, v in tm.state_dict().items()})
    np_dtype = np.float64 if dtype == "float64" else np.float32
    r = np.random.default_rng(4)
    steps = [r.standard_normal((2, 3)).astype(np_dtype) for _ in range(4)]
    results = []
    for lib, m in ((fastgrad, fm), (torch, tm)):
        xs = [lib.from_numpy(s.copy()).requires_grad_() for s in steps]
        state = None
        outs = []
        for x in xs:  # a loop of cells, as a user writes one
            state = m(x, state)
            outs.append(state[0] if cls == "LSTMCell" else state)
        loss = sum((o * o).sum() for o in outs)
        loss.backward()
        results.append((outs, [x.grad for x in xs], [p.grad for p in m.parameters()]))
    for group in range(3):
        for a, b in zip(results[0][group], results[1][group]):
            _close(_np(a), _np(b), dtype)


def test_saved_tensors_are_checked_and_released():
    for lib in (fastgrad, torch):
        m = lib.nn.LSTM(3, 4)
        out, _ = m(lib.randn(5, 2, 3))
        with lib.no_grad():
            m.weight_hh_l0.mul_(2)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            out.sum().backward()
        out, _ = lib.nn.GRU(3, 4)(lib.randn(5, 2, 3))
        out.sum().backward()
        with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
            out.sum().backward()


def _raises_like_torch(fn, exc, match):
    for lib in (fastgrad, torch):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(exc, match=match):
                fn(lib)


def test_errors_match_torch():
    _raises_like_torch(lambda T: T.nn.LSTM(3, 4)(T.ones(5, 2, 3, dtype=T.float64)), ValueError,
                       r"RNN input dtype \(torch.float64\) does not match weight dtype \(torch.float32\)"
                       .replace("torch", "(torch|fastgrad)"))
    _raises_like_torch(lambda T: T.nn.GRU(3, 4)(T.ones(5, 2, 3), T.zeros(2, 4)), RuntimeError,
                       "For batched 3-D input, hx should also be 3-D but got 2-D tensor")
    _raises_like_torch(lambda T: T.nn.LSTM(3, 4)(T.ones(5, 2, 3), (T.zeros(2, 4), T.zeros(2, 4))), RuntimeError,
                       r"For batched 3-D input, hx and cx should also be 3-D but got \(2-D, 2-D\) tensors")
    _raises_like_torch(lambda T: T.nn.LSTM(3, 4)(T.ones(5, 3), (T.zeros(1, 2, 4), T.zeros(1, 2, 4))),
                       RuntimeError, r"For unbatched 2-D input, hx and cx should also be 2-D but got \(3-D, 3-D\)")
    _raises_like_torch(lambda T: T.nn.RNN(3, 4)(T.ones(5, 2, 3), T.zeros(1, 3, 4)), RuntimeError,
                       r"Expected hidden size \(1, 2, 4\), got \[1, 3, 4\]")
    _raises_like_torch(lambda T: T.nn.LSTM(3, 4, proj_size=2)(T.ones(5, 2, 3), (T.zeros(1, 2, 4), T.zeros(1, 2, 4))),
                       RuntimeError, r"Expected hidden\[0\] size \(1, 2, 2\), got \[1, 2, 4\]")
    _raises_like_torch(lambda T: T.nn.LSTM(3, 4, proj_size=2)(T.ones(5, 2, 3), (T.zeros(1, 2, 2), T.zeros(1, 2, 2))),
                       RuntimeError, r"Expected hidden\[1\] size \(1, 2, 4\), got \[1, 2, 2\]")
    _raises_like_torch(lambda T: T.nn.LSTM(3, 4)(T.ones(0, 2, 3)), RuntimeError,
                       "Expected sequence length to be larger than 0 in RNN")
    _raises_like_torch(lambda T: T.nn.GRU(3, 4)(T.ones(5, 2, 3), T.zeros(1, 2, 4, dtype=T.float64)), RuntimeError,
                       "mat1 and mat2 must have the same dtype, but got Double and Float")
    _raises_like_torch(lambda T: T.nn.LSTM(3, 4, proj_size=4), ValueError, "proj_size has to be smaller than hidden_size")
    _raises_like_torch(lambda T: T.nn.GRU(3, 0), ValueError, "hidden_size must be greater than zero")
    _raises_like_torch(lambda T: T.nn.GRU(0, 3), ValueError, "input_size must be greater than zero")
    _raises_like_torch(lambda T: T.nn.GRU(3, 3, num_layers=0), ValueError, "num_layers must be greater than zero")
    _raises_like_torch(lambda T: T.nn.GRU(3, 3, bias=1), TypeError, "bias should be of type bool, got: int")
    _raises_like_torch(lambda T: T.nn.LSTMCell(3, 4)(T.ones(2, 3), (T.ones(2, 4, 1), T.ones(2, 4))), ValueError,
                       r"LSTMCell: Expected hx\[0\] to be 1D or 2D, got 3D instead")
    _raises_like_torch(lambda T: T.nn.GRUCell(3, 4)(T.ones(2, 3), T.zeros(3, 4)), RuntimeError,
                       "Input batch size 2 doesn't match hidden0 batch size 3")
    _raises_like_torch(lambda T: T.nn.LSTMCell(3, 4)(T.ones(2, 3), (T.zeros(2, 4), T.zeros(2, 5))), RuntimeError,
                       "hidden1 has inconsistent hidden_size: got 5, expected 4")
    _raises_like_torch(lambda T: T.nn.RNNCell(3, 4)(T.ones(2, 3, dtype=T.float64)), RuntimeError,
                       "mat1 and mat2 must have the same dtype, but got Double and Float")
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        fastgrad.nn.LSTM(3, 4, dropout=0.5)


def test_native_op_refuses_bad_arguments_without_crashing():
    w = fastgrad.nn.LSTM(2, 3)._flat_weights
    data, h = fastgrad.randn(6, 2), fastgrad.zeros(1, 3, 3)
    bad_sizes = [fastgrad.tensor([3, 2, 2]), fastgrad.tensor([2, 3, 1]), fastgrad.tensor([3, 0, 3]),
                 fastgrad.tensor([3, 2])]
    for sizes in bad_sizes:
        with pytest.raises(RuntimeError, match="batch_sizes|hx of shape"):
            fastgrad.lstm(data, sizes, (h, h), w, True, 1, 0.0, True, False)
    with pytest.raises(RuntimeError, match="parameters per layer"):
        fastgrad.lstm(fastgrad.randn(4, 3, 2), (h, h), w[:3], True, 1, 0.0, True, False, False)
    with pytest.raises(RuntimeError, match="expected weight_hh of shape"):
        fastgrad.gru(fastgrad.randn(4, 3, 2), h, w, True, 1, 0.0, True, False, False)
    with pytest.raises(RuntimeError, match="floating-point"):
        fastgrad.rnn_tanh(fastgrad.ones(4, 3, 2, dtype=fastgrad.int64), h, w[:1] + w[1:2], False, 1, 0.0, True,
                          False, False)
    with pytest.raises(RuntimeError, match="dimensions"):
        fastgrad.rnn_tanh(fastgrad.ones(4, 2), h, w[:2], False, 1, 0.0, True, False, False)


def test_empty_batch_and_no_grad():
    for lib in (fastgrad, torch):
        out, (h, c) = lib.nn.LSTM(3, 4, num_layers=2)(lib.ones(5, 0, 3))
        assert tuple(out.shape) == (5, 0, 4) and tuple(h.shape) == (2, 0, 4) and tuple(c.shape) == (2, 0, 4)
    with fastgrad.no_grad():
        out, h = fastgrad.nn.GRU(3, 4)(fastgrad.ones(5, 2, 3))
    assert out.grad_fn is None and not out.requires_grad
