"""An end-to-end program in PyTorch's idiom run on both libraries: a Dataset of variable-length sequences,
random_split with a seeded Generator, a DataLoader with two persistent workers, a custom collate_fn with
pad_sequence, an LSTM on pack_padded_sequence(enforce_sorted=False), torch.compile, Adam, finfo, save/load of
the model and optimizer state_dicts and testing.assert_close. The per-epoch losses follow PyTorch's."""

import io

import numpy as np
import pytest

import fastgrad

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.filterwarnings("ignore:This DataLoader will create:UserWarning")


def _program(lib):
    nn = lib.nn
    data = lib.utils.data
    rnn_utils = lib.nn.utils.rnn

    class Seqs(data.Dataset):
        def __init__(self, n):
            rng = np.random.default_rng(0)
            self.items = [
                (rng.normal(size=(int(rng.integers(2, 7)), 3)).astype(np.float32), int(rng.integers(0, 2)))
                for _ in range(n)
            ]

        def __len__(self):
            return len(self.items)

        def __getitem__(self, i):
            x, y = self.items[i]
            return lib.from_numpy(x), y

    def collate(batch):
        xs, ys = zip(*batch)
        lengths = lib.tensor([len(x) for x in xs])
        return rnn_utils.pad_sequence(xs, batch_first=True), lengths, lib.tensor(ys)

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(3, 8, batch_first=True)
            self.head = nn.Linear(8, 2)

        def forward(self, x, lengths):
            packed = rnn_utils.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
            _, (h, _) = self.lstm(packed)
            return self.head(h[-1])

    lib.manual_seed(0)
    train, _ = data.random_split(Seqs(40), [0.75, 0.25], generator=lib.Generator().manual_seed(42))
    loader = data.DataLoader(train, batch_size=8, shuffle=True, num_workers=2, collate_fn=collate,
                             persistent_workers=True, generator=lib.Generator().manual_seed(1))
    model = Model()
    compiled = lib.compile(model)
    opt = lib.optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for _ in range(3):
        for x, lengths, y in loader:
            opt.zero_grad()
            loss = nn.functional.cross_entropy(compiled(x, lengths), y) + 0 * lib.finfo(lib.float32).eps
            loss.backward()
            opt.step()
        losses.append(loss.item())
    buf = io.BytesIO()
    lib.save({"model": model.state_dict(), "opt": opt.state_dict()}, buf)
    buf.seek(0)
    ckpt = lib.load(buf)
    lib.testing.assert_close(model.head.weight, ckpt["model"]["head.weight"])
    return losses


def test_program_runs_like_torch():
    ours, theirs = _program(fastgrad), _program(torch)
    np.testing.assert_allclose(ours, theirs, rtol=1e-4)
