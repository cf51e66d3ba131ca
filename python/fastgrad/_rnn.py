"""torch.lstm / gru / rnn_tanh / rnn_relu and their cells: the functions behind nn.LSTM, nn.GRU, nn.RNN and the
cell modules, with PyTorch's signatures. Each is one call into the core (cpp/src/ops/rnn.cpp).

The layer functions have PyTorch's two overloads: (input, hx, params, has_biases, num_layers, dropout, train,
bidirectional, batch_first) for a padded input, and (data, batch_sizes, hx, params, has_biases, num_layers,
dropout, train, bidirectional) for the contents of a PackedSequence. `params` lists, per layer and direction,
weight_ih, weight_hh[, bias_ih, bias_hh][, weight_hr] (an nn.RNNBase's _flat_weights).
"""

from . import _C

__all__ = ["gru", "gru_cell", "lstm", "lstm_cell", "rnn_relu", "rnn_relu_cell", "rnn_tanh", "rnn_tanh_cell"]


def _layers(mode, input, second, rest):
    # The packed overload has batch_sizes (a tensor) second; padded, an LSTM's second is its (h_0, c_0) pair and
    # the others' third is their params list (packed: their h_0).
    packed = isinstance(second, _C.Tensor) if mode == "LSTM" else isinstance(rest[0], _C.Tensor)
    if packed:  # (data, batch_sizes, hx, params, has_biases, layers, p, train, bidir)
        hx, params, has_biases, num_layers, dropout, train, bidirectional = rest
        batch_sizes, batch_first = [int(b) for b in second.tolist()], False
    else:  # (input, hx, params, has_biases, layers, p, train, bidir, batch_first)
        hx = second
        params, has_biases, num_layers, dropout, train, bidirectional, batch_first = rest
        batch_sizes = None
    if mode == "LSTM":
        h0, c0 = hx
    else:
        h0, c0 = hx, None
    return _C._rnn(input, batch_sizes, h0, c0, list(params), mode, bool(has_biases), int(num_layers),
                   float(dropout), bool(train), bool(bidirectional), bool(batch_first))


def lstm(input, hx, params, *args):
    """-> (output, h_n, c_n); hx is the pair (h_0, c_0)."""
    return _layers("LSTM", input, hx, (params, *args))


def gru(input, hx, params, *args):
    """-> (output, h_n)."""
    return _layers("GRU", input, hx, (params, *args))[:2]


def rnn_tanh(input, hx, params, *args):
    """-> (output, h_n)."""
    return _layers("RNN_TANH", input, hx, (params, *args))[:2]


def rnn_relu(input, hx, params, *args):
    """-> (output, h_n)."""
    return _layers("RNN_RELU", input, hx, (params, *args))[:2]


def lstm_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """-> (h', c'); hx is the pair (h, c)."""
    h, c = hx
    return _C._lstm_cell(input, h, c, w_ih, w_hh, b_ih, b_hh)


def gru_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One GRU step (PyTorch's formula and gate order r, z, n) as one fused op: the next hidden state."""
    return _C._gru_cell(input, hx, w_ih, w_hh, b_ih, b_hh)


def rnn_tanh_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One Elman RNN step with tanh: h' = tanh(input @ w_ih^T + b_ih + hx @ w_hh^T + b_hh)."""
    return _C._rnn_tanh_cell(input, hx, w_ih, w_hh, b_ih, b_hh)


def rnn_relu_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One Elman RNN step with ReLU: h' = relu(input @ w_ih^T + b_ih + hx @ w_hh^T + b_hh)."""
    return _C._rnn_relu_cell(input, hx, w_ih, w_hh, b_ih, b_hh)
