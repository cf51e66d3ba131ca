"""The recurrent layers and cells (cpp/src/ops/rnn.cpp): torch.lstm / gru / rnn_tanh / rnn_relu, padded and
packed, and the four cells, against a NumPy float64 recurrence. Each entry joins every output (output, h_n,
c_n) into one flat tensor, so that values, gradients and second derivatives of all of them are checked."""

from __future__ import annotations

import numpy as np

from .common import ErrorSample, Gen, Sample, TIn, adder

OPS: list = []
_add = adder(OPS)

T_ = "fastgrad."

# No 0-d tensors exist in a recurrence.
NO_KIND = {(name, "0d") for name in ("lstm", "gru", "rnn_tanh", "rnn_relu", "lstm_cell", "gru_cell",
                                      "rnn_tanh_cell", "rnn_relu_cell")}

# A GRU cell is one fused Node named as PyTorch's fused GRU cell (ThnnFusedGruCellBackward0), where PyTorch's CPU
# graph ends in an add (docs/differences.md); test_rnn.py checks the name.
GRAD_FN_DIFFERS = {"gru_cell"}

_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _np_layer(mode, x, h, c, w_ih, w_hh, b_ih, b_hh, w_hr, reverse, sizes):
    """One layer in one direction over packed rows x (step t: sizes[t] rows). Returns output, h_n, c_n."""
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(int)
    h = h.copy()
    c = None if c is None else c.copy()
    out = np.zeros((x.shape[0], h.shape[1]))
    for t in (range(len(sizes) - 1, -1, -1) if reverse else range(len(sizes))):
        bs, off = int(sizes[t]), int(offsets[t])
        gx = x[off:off + bs] @ w_ih.T + (0 if b_ih is None else b_ih)
        gh = h[:bs] @ w_hh.T + (0 if b_hh is None else b_hh)
        if mode == "LSTM":
            i, f, g, o = np.split(gx + gh, 4, axis=1)
            c[:bs] = _sigmoid(f) * c[:bs] + _sigmoid(i) * np.tanh(g)
            new = _sigmoid(o) * np.tanh(c[:bs])
            if w_hr is not None:
                new = new @ w_hr.T
        elif mode == "GRU":
            xr, xz, xn = np.split(gx, 3, axis=1)
            hr, hz, hn = np.split(gh, 3, axis=1)
            r, z = _sigmoid(xr + hr), _sigmoid(xz + hz)
            n = np.tanh(xn + r * hn)
            new = (1 - z) * n + z * h[:bs]
        else:
            pre = gx + gh
            new = np.tanh(pre) if mode == "RNN_TANH" else np.maximum(pre, 0)
        out[off:off + bs] = new
        h[:bs] = new
    return out, h, c


def _np_network(mode, x, hx, cx, params, has_biases, num_layers, bidirectional, batch_first, batch_sizes):
    directions = 2 if bidirectional else 1
    per = len(params) // (num_layers * directions)
    packed = batch_sizes is not None
    if not packed:
        if batch_first:
            x = np.swapaxes(x, 0, 1)
        T, B = x.shape[:2]
        sizes = [B] * T
        x = x.reshape(T * B, x.shape[2])
    else:
        sizes = list(batch_sizes)
    hs, cs = [], []
    for layer in range(num_layers):
        outs = []
        for d in range(directions):
            k = layer * directions + d
            p = params[k * per:(k + 1) * per]
            b_ih, b_hh = (p[2], p[3]) if has_biases else (None, None)
            w_hr = p[-1] if per in (3, 5) else None
            out, h, c = _np_layer(mode, x, hx[k], None if cx is None else cx[k], p[0], p[1], b_ih, b_hh, w_hr,
                                  d == 1, sizes)
            outs.append(out)
            hs.append(h)
            cs.append(c)
        x = np.concatenate(outs, axis=1)
    out = x
    if not packed:
        out = out.reshape(len(sizes), sizes[0], out.shape[1])
        if batch_first:
            out = np.swapaxes(out, 0, 1)
    result = [out, np.stack(hs)]
    if mode == "LSTM":
        result.append(np.stack(cs))
    return result


def _joined(m, outs):
    return m.cat([o.reshape(-1) for o in outs])


def _layer_op(mode):
    fn = {"LSTM": "lstm", "GRU": "gru", "RNN_TANH": "rnn_tanh", "RNN_RELU": "rnn_relu"}[mode]
    states = 2 if mode == "LSTM" else 1

    def op(m, x, *rest, has_biases=True, num_layers=1, bidirectional=False, batch_first=False, batch_sizes=None):
        hx = tuple(rest[:states]) if states == 2 else rest[0]
        params = list(rest[states:])
        f = getattr(m, fn)
        if batch_sizes is not None:
            outs = f(x, batch_sizes, hx, params, has_biases, num_layers, 0.0, True, bidirectional)
        else:
            outs = f(x, hx, params, has_biases, num_layers, 0.0, True, bidirectional, batch_first)
        return _joined(m, outs)

    def ref(x, *rest, has_biases=True, num_layers=1, bidirectional=False, batch_first=False, batch_sizes=None):
        hx = rest[0]
        cx = rest[1] if states == 2 else None
        outs = _np_network(mode, x, hx, cx, list(rest[states:]), has_biases, num_layers, bidirectional,
                           batch_first, batch_sizes)
        return np.concatenate([o.reshape(-1) for o in outs])

    return op, ref


def _layer_samples(mode):
    gates = _GATES[mode]
    lstm = mode == "LSTM"

    def samples(g: Gen):
        def args(T, B, I, H, layers=1, bidirectional=False, bias=True, proj=0, batch_first=False, packed_rows=None,
                 transposed_weight=False):
            directions = 2 if bidirectional else 1
            out = proj or H
            x = g.t((packed_rows, I)) if packed_rows is not None else g.t((B, T, I) if batch_first else (T, B, I))
            a = [x, g.t((layers * directions, B, out))]
            if lstm:
                a.append(g.t((layers * directions, B, H)))
            for layer in range(layers):
                for _ in range(directions):
                    n_in = I if layer == 0 else out * directions
                    a.append(g.T((gates * H, n_in)) if transposed_weight and layer == 0 else g.t((gates * H, n_in)))
                    a.append(g.t((gates * H, out)))
                    if bias:
                        a += [g.t((gates * H,)), g.t((gates * H,))]
                    if proj:
                        a.append(g.t((proj, H)))
            return tuple(a)

        out = [
            Sample(args(3, 2, 3, 2), id="one_layer"),
            Sample(args(3, 2, 2, 2, layers=2, bidirectional=True), {"num_layers": 2, "bidirectional": True},
                   id="two_layers_bidirectional"),
            Sample(args(2, 3, 2, 2, bias=False, batch_first=True), {"has_biases": False, "batch_first": True},
                   id="no_bias_batch_first"),
            Sample(args(3, 2, 3, 2, transposed_weight=True), id="transposed_weight"),
            Sample(args(3, 0, 2, 2), id="empty_batch"),
            # packed: lengths 3, 2, 1 (batch_sizes 3, 2, 1)
            Sample(args(3, 3, 2, 2, packed_rows=6, bidirectional=True), {
                "bidirectional": True, "batch_sizes": TIn(np.array([3, 2, 1], dtype=np.int64), None, False)},
                id="packed_bidirectional"),
        ]
        if lstm:
            out.append(Sample(args(3, 2, 2, 3, proj=2, layers=2), {"num_layers": 2}, id="proj_two_layers"))
            out.append(Sample(args(3, 3, 2, 3, proj=2, packed_rows=5, bidirectional=True), {
                "bidirectional": True, "batch_sizes": TIn(np.array([3, 1, 1], dtype=np.int64), None, False)},
                id="proj_packed"))
        return out

    return samples


def _layer_errors(mode):
    lstm = mode == "LSTM"
    gates = _GATES[mode]

    def errors(g: Gen):
        def args(I_x, B_h, dtype_h=None):
            h = g.t((1, B_h, 2))
            if dtype_h is not None:
                h = TIn(h.base.astype(np.float32), None, False)
            a = [g.t((3, 2, I_x)), h]
            if lstm:
                a.append(g.t((1, B_h, 2)))
            return tuple(a + [g.t((gates * 2, 3)), g.t((gates * 2, 2)), g.t((gates * 2,)), g.t((gates * 2,))])

        return [
            ErrorSample(args(4, 2), exc=RuntimeError, id="input_size"),
            ErrorSample((g.t((0, 2, 3)),) + args(3, 2)[1:], exc=RuntimeError,
                        match="Expected sequence length to be larger than 0 in RNN", id="empty_sequence"),
        ]

    return errors


for _mode, _name in (("LSTM", "lstm"), ("GRU", "gru"), ("RNN_TANH", "rnn_tanh"), ("RNN_RELU", "rnn_relu")):
    _op, _ref = _layer_op(_mode)
    _add(_name, op=_op, ref=_ref, differentiable=True, sample_fn=_layer_samples(_mode), api=(T_ + _name,),
         error_fn=_layer_errors(_mode))


# ---- cells ----


def _np_cell(mode, x, h, c, w_ih, w_hh, b_ih, b_hh):
    out, h_n, c_n = _np_layer(mode, x, h, c, w_ih, w_hh, b_ih, b_hh, None, False, [x.shape[0]])
    return [out] if c_n is None else [out, c_n]


def _cell_op(mode, name):
    lstm = mode == "LSTM"

    def op(m, x, h, *rest):
        f = getattr(m, name)
        if lstm:
            c, *w = rest
            return _joined(m, f(x, (h, c), *w))
        return f(x, h, *rest)

    def ref(x, h, *rest):
        c = rest[0] if lstm else None
        w = list(rest[1:] if lstm else rest) + [None] * 2
        outs = _np_cell(mode, x, h, c, *w[:4])
        return np.concatenate([o.reshape(-1) for o in outs]) if lstm else outs[0]

    return op, ref


def _cell_samples(mode):
    gates = _GATES[mode]
    lstm = mode == "LSTM"

    def samples(g: Gen):
        def args(B, I, H, bias=True, transposed=False):
            a = [g.t((B, I)), g.t((B, H))]
            if lstm:
                a.append(g.t((B, H)))
            a.append(g.T((gates * H, I)) if transposed else g.t((gates * H, I)))
            a.append(g.t((gates * H, H)))
            if bias:
                a += [g.t((gates * H,)), g.t((gates * H,))]
            return tuple(a)

        return [
            Sample(args(3, 2, 3), id="batch"),
            Sample(args(2, 3, 2, bias=False), id="no_bias"),
            Sample(args(2, 3, 2, transposed=True), id="transposed_weight"),
            Sample(args(0, 3, 2), id="empty_batch"),
        ]

    return samples


def _cell_errors(mode):
    gates = _GATES[mode]
    lstm = mode == "LSTM"

    def errors(g: Gen):
        def args(x_shape, h_shape):
            a = [g.t(x_shape), g.t(h_shape)]
            if lstm:
                a.append(g.t(h_shape))
            return tuple(a + [g.t((gates * 2, 3)), g.t((gates * 2, 2))])

        return [
            ErrorSample(args((2, 4), (2, 2)), match="input has inconsistent input_size: got 4 expected 3",
                        id="input_size"),
            ErrorSample(args((2, 3), (3, 2)), match="Input batch size 2 doesn't match hidden0 batch size 3",
                        id="batch"),
            ErrorSample(args((2, 3), (2, 5)), match="hidden0 has inconsistent hidden_size: got 5, expected 2",
                        id="hidden_size"),
        ]

    return errors


for _mode, _name in (("LSTM", "lstm_cell"), ("GRU", "gru_cell"), ("RNN_TANH", "rnn_tanh_cell"),
                     ("RNN_RELU", "rnn_relu_cell")):
    _op, _ref = _cell_op(_mode, _name)
    _add(_name, op=_op, ref=_ref, differentiable=True, sample_fn=_cell_samples(_mode), api=(T_ + _name,),
         error_fn=_cell_errors(_mode))
