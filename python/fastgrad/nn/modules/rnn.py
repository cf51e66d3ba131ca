"""RNN, LSTM and GRU (multi-layer, batch_first, bidirectional) and their single-step cells.

Parameters carry PyTorch's names and shapes (weight_ih_l{k}[_reverse]: (gates * hidden, input), weight_hh_l{k},
bias_ih_l{k}, bias_hh_l{k}; gate order i, f, g, o for LSTM and r, z, n for GRU) and PyTorch's init (every
parameter from U(-1/sqrt(hidden), 1/sqrt(hidden)), in registration order), so weights and state_dicts move
between the two libraries unchanged. The recurrence is a Python loop over time steps of core ops; the input
projections of all time steps are computed up front in one matmul.
"""

import math

from ... import _C
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .linear import _factory
from .module import Module

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _rnn_step(mode, x_proj, h, w_hh, b_hh):
    # one time step of a plain RNN: act(x W_ih^T + b_ih + h W_hh^T + b_hh); x_proj already holds the first part
    pre = x_proj + F.linear(h, w_hh, b_hh)
    return pre.tanh() if mode == "RNN_TANH" else pre.relu()


def _lstm_step(x_proj, h, c, w_hh, b_hh):
    gates = x_proj + F.linear(h, w_hh, b_hh)
    i, f, g, o = gates.chunk(4, -1)
    c = f.sigmoid() * c + i.sigmoid() * g.tanh()
    return o.sigmoid() * c.tanh(), c


def _gru_step(x_proj, h, w_hh, b_hh):
    x_r, x_z, x_n = x_proj.chunk(3, -1)
    h_r, h_z, h_n = F.linear(h, w_hh, b_hh).chunk(3, -1)
    r = (x_r + h_r).sigmoid()
    z = (x_z + h_z).sigmoid()
    n = (x_n + r * h_n).tanh()
    return (1 - z) * n + z * h


class RNNBase(Module):
    def __init__(
        self,
        mode,
        input_size,
        hidden_size,
        num_layers=1,
        bias=True,
        batch_first=False,
        dropout=0.0,
        bidirectional=False,
        proj_size=0,
        device=None,
        dtype=None,
    ):
        super().__init__()
        if not isinstance(dropout, (int, float)) or isinstance(dropout, bool) or not 0 <= dropout <= 1:
            raise ValueError(
                "dropout should be a number in range [0, 1] representing the probability of an "
                "element being zeroed"
            )
        if not isinstance(hidden_size, int):
            raise TypeError(f"hidden_size should be of type int, got: {type(hidden_size).__name__}")
        if hidden_size <= 0:
            raise ValueError("hidden_size must be greater than 0")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than 0")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if proj_size != 0:
            raise NotImplementedError("fastgrad: LSTM(proj_size > 0) is not supported")
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        kw = _factory(device, dtype)
        gate_size = _GATES[mode] * hidden_size
        directions = 2 if bidirectional else 1
        self._flat_weights_names = []
        for layer in range(num_layers):
            for direction in range(directions):
                layer_input = input_size if layer == 0 else hidden_size * directions
                suffix = "_reverse" if direction == 1 else ""
                names = [f"weight_ih_l{layer}{suffix}", f"weight_hh_l{layer}{suffix}"]
                shapes = [(gate_size, layer_input), (gate_size, hidden_size)]
                if bias:
                    names += [f"bias_ih_l{layer}{suffix}", f"bias_hh_l{layer}{suffix}"]
                    shapes += [(gate_size,), (gate_size,)]
                for name, shape in zip(names, shapes):
                    setattr(self, name, Parameter(_C.empty(shape, **kw)))
                self._flat_weights_names.extend(names)
        self.reset_parameters()

    @property
    def _flat_weights(self):
        return [getattr(self, name) for name in self._flat_weights_names]

    @property
    def all_weights(self):
        per = 4 if self.bias else 2
        weights = self._flat_weights
        return [weights[i : i + per] for i in range(0, len(weights), per)]

    def flatten_parameters(self):
        pass  # there is no fused weight buffer to rebuild

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    def _layer_weights(self, layer, direction):
        suffix = "_reverse" if direction == 1 else ""
        w_ih = getattr(self, f"weight_ih_l{layer}{suffix}")
        w_hh = getattr(self, f"weight_hh_l{layer}{suffix}")
        b_ih = getattr(self, f"bias_ih_l{layer}{suffix}") if self.bias else None
        b_hh = getattr(self, f"bias_hh_l{layer}{suffix}") if self.bias else None
        return w_ih, w_hh, b_ih, b_hh

    def _check_input(self, input):
        if input.dim() not in (2, 3):
            raise ValueError(
                f"{type(self).__name__}: Expected input to be 2D or 3D, got {input.dim()}D instead"
            )
        if input.shape[-1] != self.input_size:
            raise RuntimeError(
                f"input.size(-1) must be equal to input_size. Expected {self.input_size}, got "
                f"{input.shape[-1]}"
            )

    def forward(self, input, hx=None):
        from ..utils.rnn import PackedSequence

        if isinstance(input, PackedSequence):
            return self._forward_packed(input, hx)
        self._check_input(input)
        unbatched = input.dim() == 2
        if unbatched:
            input = input.unsqueeze(1)
            if hx is not None:
                hx = tuple(h.unsqueeze(1) for h in hx) if isinstance(hx, tuple) else hx.unsqueeze(1)
        elif self.batch_first:
            input = input.transpose(0, 1)
        seq_len, batch = input.shape[0], input.shape[1]
        directions = 2 if self.bidirectional else 1
        state_shape = (self.num_layers * directions, batch, self.hidden_size)
        is_lstm = self.mode == "LSTM"
        if hx is None:
            h0 = _C.zeros(state_shape, dtype=input.dtype)
            c0 = _C.zeros(state_shape, dtype=input.dtype) if is_lstm else None
        elif is_lstm:
            h0, c0 = hx
            self._check_hidden(h0, state_shape, "Expected hidden[0] size")
            self._check_hidden(c0, state_shape, "Expected hidden[1] size")
        else:
            h0, c0 = hx, None
            self._check_hidden(h0, state_shape, "Expected hidden size")
        layer_input = input
        h_finals, c_finals = [], []
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(directions):
                w_ih, w_hh, b_ih, b_hh = self._layer_weights(layer, direction)
                index = layer * directions + direction
                h = h0[index]
                c = c0[index] if is_lstm else None
                x_proj = F.linear(layer_input, w_ih, b_ih)  # every time step at once
                steps = range(seq_len - 1, -1, -1) if direction == 1 else range(seq_len)
                hs = [None] * seq_len
                for t in steps:
                    if is_lstm:
                        h, c = _lstm_step(x_proj[t], h, c, w_hh, b_hh)
                    elif self.mode == "GRU":
                        h = _gru_step(x_proj[t], h, w_hh, b_hh)
                    else:
                        h = _rnn_step(self.mode, x_proj[t], h, w_hh, b_hh)
                    hs[t] = h
                outputs.append(
                    _C.stack(hs, 0) if seq_len else _C.zeros((0, batch, self.hidden_size), dtype=input.dtype)
                )
                h_finals.append(h)
                if is_lstm:
                    c_finals.append(c)
            layer_input = outputs[0] if directions == 1 else _C.cat(outputs, 2)
            if self.dropout and self.training and layer < self.num_layers - 1:
                layer_input = F.dropout(layer_input, self.dropout, True)
        output = layer_input
        h_n = _C.stack(h_finals, 0)
        c_n = _C.stack(c_finals, 0) if is_lstm else None
        if unbatched:
            output = output.squeeze(1)
            h_n = h_n.squeeze(1)
            c_n = c_n.squeeze(1) if is_lstm else None
        elif self.batch_first:
            output = output.transpose(0, 1)
        return (output, (h_n, c_n)) if is_lstm else (output, h_n)

    def _forward_packed(self, packed, hx):
        """forward() of a PackedSequence: at time step t only the first batch_sizes[t] (sorted) sequences
        advance; each keeps its state from its last step. Returns a PackedSequence of the outputs and
        the final states in the batch's original order."""
        from ..utils.rnn import PackedSequence

        data, batch_sizes = packed.data, packed.batch_sizes.tolist()
        if data.dim() != 2 or data.shape[-1] != self.input_size:
            raise RuntimeError(
                f"input.size(-1) must be equal to input_size. Expected {self.input_size}, got {data.shape[-1]}"
            )
        batch = batch_sizes[0]
        directions = 2 if self.bidirectional else 1
        state_shape = (self.num_layers * directions, batch, self.hidden_size)
        is_lstm = self.mode == "LSTM"
        if hx is None:
            h0 = _C.zeros(state_shape, dtype=data.dtype)
            c0 = _C.zeros(state_shape, dtype=data.dtype) if is_lstm else None
        else:
            h0, c0 = hx if is_lstm else (hx, None)
            self._check_hidden(h0, state_shape, "Expected hidden[0] size" if is_lstm else "Expected hidden size")
            if is_lstm:
                self._check_hidden(c0, state_shape, "Expected hidden[1] size")
            if packed.sorted_indices is not None:  # the states follow the sorted batch
                h0 = h0.index_select(1, packed.sorted_indices)
                c0 = c0.index_select(1, packed.sorted_indices) if is_lstm else None
        starts = [0]
        for bs in batch_sizes:
            starts.append(starts[-1] + bs)
        layer_input = data
        h_finals, c_finals = [], []
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(directions):
                w_ih, w_hh, b_ih, b_hh = self._layer_weights(layer, direction)
                index = layer * directions + direction
                h = h0[index]
                c = c0[index] if is_lstm else None
                x_proj = F.linear(layer_input, w_ih, b_ih)
                steps = range(len(batch_sizes) - 1, -1, -1) if direction == 1 else range(len(batch_sizes))
                hs = [None] * len(batch_sizes)
                for t in steps:
                    bs = batch_sizes[t]
                    x_t = x_proj[starts[t] : starts[t + 1]]
                    if is_lstm:
                        h_new, c_new = _lstm_step(x_t, h[:bs], c[:bs], w_hh, b_hh)
                    elif self.mode == "GRU":
                        h_new, c_new = _gru_step(x_t, h[:bs], w_hh, b_hh), None
                    else:
                        h_new, c_new = _rnn_step(self.mode, x_t, h[:bs], w_hh, b_hh), None
                    hs[t] = h_new
                    # The sequences past bs are finished (forward) or not started yet (reverse).
                    h = _C.cat([h_new, h[bs:]], 0) if bs < batch else h_new
                    if is_lstm:
                        c = _C.cat([c_new, c[bs:]], 0) if bs < batch else c_new
                outputs.append(_C.cat(hs, 0))
                h_finals.append(h)
                if is_lstm:
                    c_finals.append(c)
            layer_input = outputs[0] if directions == 1 else _C.cat(outputs, 1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                layer_input = F.dropout(layer_input, self.dropout, True)
        h_n = _C.stack(h_finals, 0)
        c_n = _C.stack(c_finals, 0) if is_lstm else None
        if packed.unsorted_indices is not None:
            h_n = h_n.index_select(1, packed.unsorted_indices)
            c_n = c_n.index_select(1, packed.unsorted_indices) if is_lstm else None
        output = PackedSequence(layer_input, packed.batch_sizes, packed.sorted_indices, packed.unsorted_indices)
        return (output, (h_n, c_n)) if is_lstm else (output, h_n)

    @staticmethod
    def _check_hidden(hx, expected, message):
        if tuple(hx.shape) != tuple(expected):
            raise RuntimeError(f"{message} {tuple(expected)}, got {list(hx.shape)}")


class RNN(RNNBase):
    """Elman RNN: h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh), act = tanh or relu."""

    def __init__(
        self,
        input_size,
        hidden_size,
        num_layers=1,
        nonlinearity="tanh",
        bias=True,
        batch_first=False,
        dropout=0.0,
        bidirectional=False,
        device=None,
        dtype=None,
    ):
        if nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        super().__init__(
            mode,
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            device=device,
            dtype=dtype,
        )
        self.nonlinearity = nonlinearity  # (not in the repr, as in PyTorch)


class LSTM(RNNBase):
    """Long short-term memory; forward returns (output, (h_n, c_n))."""

    def __init__(
        self,
        input_size,
        hidden_size,
        num_layers=1,
        bias=True,
        batch_first=False,
        dropout=0.0,
        bidirectional=False,
        proj_size=0,
        device=None,
        dtype=None,
    ):
        super().__init__(
            "LSTM",
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            proj_size,
            device,
            dtype,
        )


class GRU(RNNBase):
    """Gated recurrent unit (PyTorch's variant: the reset gate multiplies W_hn h + b_hn)."""

    def __init__(
        self,
        input_size,
        hidden_size,
        num_layers=1,
        bias=True,
        batch_first=False,
        dropout=0.0,
        bidirectional=False,
        device=None,
        dtype=None,
    ):
        super().__init__(
            "GRU",
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            device=device,
            dtype=dtype,
        )


class RNNCellBase(Module):
    def __init__(self, input_size, hidden_size, bias, num_chunks, device=None, dtype=None):
        super().__init__()
        kw = _factory(device, dtype)
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.weight_ih = Parameter(_C.empty((num_chunks * hidden_size, input_size), **kw))
        self.weight_hh = Parameter(_C.empty((num_chunks * hidden_size, hidden_size), **kw))
        if bias:
            self.bias_ih = Parameter(_C.empty(num_chunks * hidden_size, **kw))
            self.bias_hh = Parameter(_C.empty(num_chunks * hidden_size, **kw))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s

    def _batched(self, input, hx, name):
        if input.dim() not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.dim()}D instead")
        if hx is not None and hx.dim() not in (1, 2):
            raise ValueError(f"{name}: Expected hidden to be 1D or 2D, got {hx.dim()}D instead")
        unbatched = input.dim() == 1
        if unbatched:
            input = input.unsqueeze(0)
            hx = hx.unsqueeze(0) if hx is not None else None
        if hx is None:
            hx = _C.zeros((input.shape[0], self.hidden_size), dtype=input.dtype)
        return input, hx, unbatched


class RNNCell(RNNCellBase):
    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise RuntimeError(f"Unknown nonlinearity: {nonlinearity}")
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        input, hx, unbatched = self._batched(input, hx, "RNNCell")
        mode = "RNN_TANH" if self.nonlinearity == "tanh" else "RNN_RELU"
        h = _rnn_step(mode, F.linear(input, self.weight_ih, self.bias_ih), hx, self.weight_hh, self.bias_hh)
        return h.squeeze(0) if unbatched else h


class LSTMCell(RNNCellBase):
    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input, hx=None):
        if input.dim() not in (1, 2):
            raise ValueError(f"LSTMCell: Expected input to be 1D or 2D, got {input.dim()}D instead")
        unbatched = input.dim() == 1
        if unbatched:
            input = input.unsqueeze(0)
        if hx is None:
            zeros = _C.zeros((input.shape[0], self.hidden_size), dtype=input.dtype)
            hx = (zeros, zeros)
        elif unbatched:
            hx = (hx[0].unsqueeze(0), hx[1].unsqueeze(0))
        h, c = _lstm_step(
            F.linear(input, self.weight_ih, self.bias_ih), hx[0], hx[1], self.weight_hh, self.bias_hh
        )
        return (h.squeeze(0), c.squeeze(0)) if unbatched else (h, c)


class GRUCell(RNNCellBase):
    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input, hx=None):
        input, hx, unbatched = self._batched(input, hx, "GRUCell")
        h = _gru_step(F.linear(input, self.weight_ih, self.bias_ih), hx, self.weight_hh, self.bias_hh)
        return h.squeeze(0) if unbatched else h
