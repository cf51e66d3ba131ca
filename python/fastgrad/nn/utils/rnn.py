"""nn.utils.rnn: padding and packing variable-length sequences, as torch.nn.utils.rnn.

A PackedSequence holds the time steps of a batch of sequences one after another (data: all sequences' step 0,
then step 1 of those at least 2 long, ...), sorted by decreasing length; batch_sizes[t] is the number of
sequences still running at step t, sorted_indices the order the batch was sorted into and
unsorted_indices its inverse. nn.RNN, nn.LSTM and nn.GRU accept one as input and return one. Every
function here is differentiable (built from index_select, cat and stack).
"""

from collections import namedtuple

from ... import _C

Tensor = _C.Tensor

__all__ = [
    "PackedSequence",
    "invert_permutation",
    "pack_padded_sequence",
    "pad_packed_sequence",
    "pad_sequence",
    "unpad_sequence",
    "pack_sequence",
    "unpack_sequence",
]

_PackedSequenceBase = namedtuple("PackedSequence_", ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])


def invert_permutation(permutation):
    """The inverse of a permutation given as an int64 tensor (None stays None)."""
    if permutation is None:
        return None
    order = permutation.tolist()
    inverse = [0] * len(order)
    for position, index in enumerate(order):
        inverse[index] = position
    return _int64(inverse)


def _int64(values):
    from ..._creation import tensor

    return tensor(values, dtype=_C.int64)


class PackedSequence(_PackedSequenceBase):
    """A batch of variable-length sequences packed time step by time step (see the module docstring).
    Build one with pack_padded_sequence or pack_sequence rather than by hand."""

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:  # PackedSequence((data, batch_sizes)), as PyTorch also accepts
            data, batch_sizes = data
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def _apply_to_data(self, fn):
        return type(self)(fn(self.data), self.batch_sizes, self.sorted_indices, self.unsorted_indices)

    def to(self, *args, **kwargs):
        """The same packing with data converted by Tensor.to(*args, **kwargs) (self when nothing changes)."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        return type(self)(data, self.batch_sizes, self.sorted_indices, self.unsorted_indices)

    def cpu(self, *args, **kwargs):
        """self: the data already lives on the CPU."""
        return self

    def double(self):
        """The same packing with float64 data."""
        return self.to(dtype=_C.float64)

    def float(self):
        """The same packing with float32 data."""
        return self.to(dtype=_C.float32)

    def long(self):
        """The same packing with int64 data."""
        return self.to(dtype=_C.int64)

    def int(self):
        """The same packing with int32 data."""
        return self.to(dtype=_C.int32)

    @property
    def is_cuda(self):
        """False: fastgrad runs on the CPU."""
        return False

    def is_pinned(self):
        """False: there is no pinned memory."""
        return False


def _lengths_list(lengths):
    if isinstance(lengths, Tensor):
        return [int(v) for v in lengths.tolist()]
    return [int(v) for v in lengths]


def _sorted_order(lengths, enforce_sorted):
    """(lengths in decreasing order, the permutation applied or None)."""
    if enforce_sorted:
        if any(a < b for a, b in zip(lengths, lengths[1:])):
            raise RuntimeError(
                "`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. You can pass "
                "`enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to sidestep this requirement "
                "if you do not need ONNX exportability."
            )
        return lengths, None
    # A stable sort by decreasing length (equal lengths keep their order).
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    return [lengths[i] for i in order], order


def _batch_sizes(sorted_lengths):
    longest = sorted_lengths[0] if sorted_lengths else 0
    return [sum(1 for n in sorted_lengths if n > t) for t in range(longest)]


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Packs a padded batch (T x B x * or, batch_first, B x T x *) of sequences of the given lengths.

    With enforce_sorted=True the lengths must be in decreasing order; otherwise the batch is sorted here
    and the permutation recorded in the result."""
    lengths = _lengths_list(lengths)
    if batch_first:
        input = input.transpose(0, 1)
    if len(lengths) != input.shape[1]:
        raise RuntimeError(
            f"Expected `len(lengths)` to be equal to batch_size, but got {len(lengths)} (batch_size={input.shape[1]})"
        )
    sorted_lengths, order = _sorted_order(lengths, enforce_sorted)
    if sorted_lengths and sorted_lengths[-1] <= 0:
        raise RuntimeError(
            "Length of all samples has to be greater than 0, but found an element in 'lengths' that is <= 0"
        )
    if sorted_lengths and sorted_lengths[0] > input.shape[0]:
        raise RuntimeError(
            f"Expected the longest length to be at most the sequence length {input.shape[0]}, "
            f"got {sorted_lengths[0]}"
        )
    batch = input.shape[1]
    columns = order if order is not None else list(range(batch))
    batch_sizes = _batch_sizes(sorted_lengths)
    # Row (t, b) of the input is row t * batch + b of its flattening.
    rows = [t * batch + columns[j] for t, bs in enumerate(batch_sizes) for j in range(bs)]
    flat = input.reshape(input.shape[0] * batch, *input.shape[2:])
    data = flat.index_select(0, _int64(rows))
    sorted_indices = _int64(order) if order is not None else None
    return PackedSequence(data, _int64(batch_sizes), sorted_indices, None)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """Unpacks a PackedSequence into (padded batch T x B x * or B x T x *, lengths), the batch back in its
    original order."""
    data, batch_sizes = sequence.data, sequence.batch_sizes.tolist()
    longest = len(batch_sizes)
    if total_length is not None:
        if total_length < longest:
            raise ValueError(
                "Expected total_length to be at least the length of the longest sequence in input, but got "
                f"total_length={total_length} and max sequence length being {longest}"
            )
    else:
        total_length = longest
    batch = batch_sizes[0] if batch_sizes else 0
    lengths = [sum(1 for bs in batch_sizes if bs > j) for j in range(batch)]  # in sorted order
    # Row (t, j) of the padded result, j in sorted order: its row in data, or the padding row.
    starts = [0]
    for bs in batch_sizes:
        starts.append(starts[-1] + bs)
    pad_row = data.shape[0]
    unsorted = sequence.unsorted_indices.tolist() if sequence.unsorted_indices is not None else list(range(batch))
    rows = []
    for t in range(total_length):
        for b in range(batch):
            j = unsorted[b]  # original column b sits at sorted position j
            rows.append(starts[t] + j if t < longest and j < batch_sizes[t] else pad_row)
    padding = _C.full((1, *data.shape[1:]), padding_value, dtype=data.dtype)
    padded = _C.cat([data, padding], 0).index_select(0, _int64(rows))
    padded = padded.reshape(total_length, batch, *data.shape[1:])
    if batch_first:
        padded = padded.transpose(0, 1)
    return padded, _int64([lengths[j] for j in unsorted])


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stacks sequences of shapes (L_i x *) into a batch (T x B x * or, batch_first, B x T x *), padding
    each with padding_value after (padding_side="right") or before ("left") its values."""
    if padding_side not in ("left", "right"):
        raise RuntimeError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    if isinstance(sequences, Tensor):
        sequences = list(sequences.unbind(0))
    sequences = list(sequences)
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    trailing = tuple(sequences[0].shape[1:])
    for s in sequences[1:]:
        if tuple(s.shape[1:]) != trailing:
            raise RuntimeError(
                f"The size of the trailing dimensions of every sequence must match: {list(trailing)} != "
                f"{list(s.shape[1:])}"
            )
    longest = max(s.shape[0] for s in sequences)
    dtype = sequences[0].dtype
    for s in sequences:
        dtype = _C.promote_types(dtype, s.dtype)
    columns = []
    for s in sequences:
        s = s.to(dtype)
        missing = longest - s.shape[0]
        if missing:
            padding = _C.full((missing, *trailing), padding_value, dtype=dtype)
            s = _C.cat([s, padding] if padding_side == "right" else [padding, s], 0)
        columns.append(s)
    return _C.stack(columns, 0 if batch_first else 1)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """The list of sequences (L_i x *) a right-padded batch holds (the inverse of pad_sequence)."""
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    return [padded_sequences[i, :n] for i, n in enumerate(_lengths_list(lengths))]


def pack_sequence(sequences, enforce_sorted=True):
    """Packs a list of sequences (L_i x *) directly: pack_padded_sequence(pad_sequence(sequences), ...)."""
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences):
    """The list of sequences a PackedSequence holds, in the original order (the inverse of pack_sequence)."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
