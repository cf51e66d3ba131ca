"""nn.utils.rnn (pad_sequence, pack_padded_sequence, pad_packed_sequence, pack_sequence, unpad_sequence,
unpack_sequence, PackedSequence) and nn.RNN/LSTM/GRU on packed input, against torch: values, lengths,
batch_sizes and permutations, gradients, errors."""

import numpy as np
import pytest

import fastgrad

torch = pytest.importorskip("torch")

LENGTHS = [3, 5, 1, 4]


def _seqs(lib, lengths=LENGTHS, feat=(2,), requires_grad=False):
    rng = np.random.default_rng(7)
    out = [lib.tensor(rng.normal(size=(n, *feat)), dtype=lib.float64, requires_grad=requires_grad) for n in lengths]
    return out


def _np(t):
    return t.detach().numpy()


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("padding_side", ["right", "left"])
@pytest.mark.parametrize("feat", [(), (2,), (2, 3)])
def test_pad_sequence(batch_first, padding_side, feat):
    ours = fastgrad.nn.utils.rnn.pad_sequence(_seqs(fastgrad, feat=feat), batch_first, -1.5, padding_side)
    theirs = torch.nn.utils.rnn.pad_sequence(_seqs(torch, feat=feat), batch_first, -1.5, padding_side)
    np.testing.assert_array_equal(_np(ours), _np(theirs))


def test_pad_sequence_gradient_and_errors():
    fs, ts = _seqs(fastgrad, requires_grad=True), _seqs(torch, requires_grad=True)
    w = np.arange(5 * 4 * 2, dtype=np.float64).reshape(5, 4, 2)
    (fastgrad.nn.utils.rnn.pad_sequence(fs) * fastgrad.from_numpy(w)).sum().backward()
    (torch.nn.utils.rnn.pad_sequence(ts) * torch.from_numpy(w)).sum().backward()
    for a, b in zip(fs, ts):
        np.testing.assert_array_equal(_np(a.grad), _np(b.grad))
    for lib in (fastgrad, torch):
        with pytest.raises(RuntimeError, match="received an empty list of sequences"):
            lib.nn.utils.rnn.pad_sequence([])
        with pytest.raises(RuntimeError, match="Expected padding_side to be one of left or right, but got middle."):
            lib.nn.utils.rnn.pad_sequence(_seqs(lib), padding_side="middle")
        with pytest.raises(RuntimeError):
            lib.nn.utils.rnn.pad_sequence([lib.ones(3), lib.ones(2, 2)])


def _same_packed(ours, theirs):
    np.testing.assert_allclose(_np(ours.data), _np(theirs.data), rtol=1e-12, atol=1e-12)
    assert ours.batch_sizes.tolist() == theirs.batch_sizes.tolist()
    for a, b in ((ours.sorted_indices, theirs.sorted_indices), (ours.unsorted_indices, theirs.unsorted_indices)):
        assert (a is None) == (b is None) and (a is None or a.tolist() == b.tolist())


@pytest.mark.parametrize("batch_first", [False, True])
def test_pack_and_pad_round_trip(batch_first):
    def run(lib):
        rnn = lib.nn.utils.rnn
        padded = rnn.pad_sequence(_seqs(lib), batch_first=batch_first)
        packed = rnn.pack_padded_sequence(padded, lib.tensor(LENGTHS), batch_first, enforce_sorted=False)
        unpacked, lengths = rnn.pad_packed_sequence(packed, batch_first, padding_value=9.0, total_length=7)
        return packed, unpacked, lengths

    (fp, fu, fl), (tp, tu, tl) = run(fastgrad), run(torch)
    _same_packed(fp, tp)
    assert isinstance(fp, fastgrad.nn.utils.rnn.PackedSequence) and isinstance(fp, tuple)
    np.testing.assert_array_equal(_np(fu), _np(tu))
    assert fl.tolist() == tl.tolist() == LENGTHS and fl.dtype == fastgrad.int64


def test_pack_sequence_sorted_and_unpack():
    srt = sorted(LENGTHS, reverse=True)
    fp = fastgrad.nn.utils.rnn.pack_sequence(_seqs(fastgrad, srt))
    tp = torch.nn.utils.rnn.pack_sequence(_seqs(torch, srt))
    _same_packed(fp, tp)
    assert fp.sorted_indices is None
    for a, b in zip(fastgrad.nn.utils.rnn.unpack_sequence(fp), torch.nn.utils.rnn.unpack_sequence(tp)):
        np.testing.assert_array_equal(_np(a), _np(b))
    fp = fastgrad.nn.utils.rnn.pack_sequence(_seqs(fastgrad), enforce_sorted=False)
    tp = torch.nn.utils.rnn.pack_sequence(_seqs(torch), enforce_sorted=False)
    _same_packed(fp, tp)
    for a, b in zip(fastgrad.nn.utils.rnn.unpack_sequence(fp), _seqs(fastgrad)):
        assert a.tolist() == b.tolist()
    padded = fastgrad.nn.utils.rnn.pad_sequence(_seqs(fastgrad))
    for a, b in zip(fastgrad.nn.utils.rnn.unpad_sequence(padded, fastgrad.tensor(LENGTHS)), _seqs(fastgrad)):
        assert a.tolist() == b.tolist()
    assert fp.double().data.dtype == fastgrad.float64 and fp.float().data.dtype == fastgrad.float32
    assert fp.is_cuda is False and fp.to(fastgrad.float64) is fp


def test_pack_errors_match_torch():
    for lib in (fastgrad, torch):
        rnn = lib.nn.utils.rnn
        padded = rnn.pad_sequence(_seqs(lib))
        with pytest.raises(RuntimeError, match="must be sorted in decreasing order when `enforce_sorted` is True"):
            rnn.pack_padded_sequence(padded, LENGTHS)
        with pytest.raises(RuntimeError, match="Length of all samples has to be greater than 0"):
            rnn.pack_padded_sequence(padded, [3, 0, 1, 4], enforce_sorted=False)
        packed = rnn.pack_padded_sequence(padded, LENGTHS, enforce_sorted=False)
        with pytest.raises(ValueError, match="Expected total_length to be at least the length of the longest"):
            rnn.pad_packed_sequence(packed, total_length=2)


def test_pack_gradient_matches_torch():
    def run(lib):
        seqs = _seqs(lib, requires_grad=True)
        packed = lib.nn.utils.rnn.pack_sequence(seqs, enforce_sorted=False)
        weights = lib.arange(packed.data.numel(), dtype=lib.float64).reshape(packed.data.shape)
        (packed.data * weights).sum().backward()
        return [_np(s.grad) for s in seqs]

    for a, b in zip(run(fastgrad), run(torch)):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("mode", ["LSTM", "GRU", "RNN"])
@pytest.mark.parametrize("bidirectional,num_layers", [(False, 1), (True, 2)])
@pytest.mark.parametrize("enforce_sorted,batch_first,with_hx", [(False, False, False), (False, True, True),
                                                                 (True, False, True)])
def test_rnn_on_packed_input_matches_torch(mode, bidirectional, num_layers, enforce_sorted, batch_first, with_hx):
    lengths = sorted(LENGTHS, reverse=True) if enforce_sorted else LENGTHS
    torch.manual_seed(0)
    t_rnn = getattr(torch.nn, mode)(2, 3, num_layers=num_layers, bidirectional=bidirectional,
                                    batch_first=batch_first).double()
    f_rnn = getattr(fastgrad.nn, mode)(2, 3, num_layers=num_layers, bidirectional=bidirectional,
                                       batch_first=batch_first).double()
    f_rnn.load_state_dict({k: fastgrad.from_numpy(v.detach().numpy().copy()) for k, v in t_rnn.state_dict().items()})
    directions = 2 if bidirectional else 1
    rng = np.random.default_rng(3)
    h0 = rng.normal(size=(num_layers * directions, len(lengths), 3))
    c0 = rng.normal(size=h0.shape)

    def run(lib, rnn):
        seqs = _seqs(lib, lengths)
        padded = lib.nn.utils.rnn.pad_sequence(seqs, batch_first=batch_first)
        packed = lib.nn.utils.rnn.pack_padded_sequence(padded, lengths, batch_first, enforce_sorted)
        hx = None
        if with_hx:
            h = lib.tensor(h0, dtype=lib.float64)
            hx = (h, lib.tensor(c0, dtype=lib.float64)) if mode == "LSTM" else h
        out, state = rnn(packed, hx)
        assert isinstance(out, lib.nn.utils.rnn.PackedSequence)
        padded_out, out_lengths = lib.nn.utils.rnn.pad_packed_sequence(out, batch_first)
        states = list(state) if mode == "LSTM" else [state]
        loss = (padded_out ** 2).sum() + sum((s * s).sum() for s in states)
        loss.backward()
        grads = {name: _np(p.grad) for name, p in rnn.named_parameters()}
        return _np(padded_out), [_np(s) for s in states], out_lengths.tolist(), grads

    ours, theirs = run(fastgrad, f_rnn), run(torch, t_rnn)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-10, atol=1e-12)
    for a, b in zip(ours[1], theirs[1]):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    assert ours[2] == theirs[2]
    for name in theirs[3]:
        np.testing.assert_allclose(ours[3][name], theirs[3][name], rtol=1e-9, atol=1e-12, err_msg=name)


def test_names_where_torch_has_them():
    for name in ("PackedSequence", "pad_sequence", "pack_padded_sequence", "pad_packed_sequence", "pack_sequence",
                 "unpad_sequence", "unpack_sequence", "invert_permutation"):
        assert hasattr(torch.nn.utils.rnn, name) and hasattr(fastgrad.nn.utils.rnn, name), name
    from fastgrad.nn.utils.rnn import pad_sequence  # noqa: F401
