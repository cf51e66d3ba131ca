"""utils.data: datasets, DataLoader batching/shuffling/collation and random_split, against PyTorch."""

import fastgrad
import numpy as np
import pytest
from fastgrad.utils.data import (
    BatchSampler,
    ConcatDataset,
    DataLoader,
    Dataset,
    RandomSampler,
    SequentialSampler,
    Subset,
    TensorDataset,
    default_collate,
    random_split,
)

# PyTorch's shuffling order is reproduced when the core has randperm and Tensor.random_ (the DataLoader
# draws its worker base seed with random_ before shuffling); otherwise only the permutation is checked.
SAME_STREAM = hasattr(fastgrad, "randperm") and hasattr(fastgrad.Tensor, "random_")


def make_dataset(n=10):
    x = fastgrad.arange(n * 2, dtype=fastgrad.float32).reshape(n, 2)
    y = fastgrad.arange(n)
    return TensorDataset(x, y)


def test_tensor_dataset():
    ds = make_dataset()
    assert len(ds) == 10
    x, y = ds[3]
    assert x.tolist() == [6.0, 7.0] and y.item() == 3
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):
        TensorDataset(fastgrad.zeros(3), fastgrad.zeros(4))


def test_sequential_batches_and_drop_last():
    ds = make_dataset()
    batches = list(DataLoader(ds, batch_size=4))
    assert len(batches) == 3 == len(DataLoader(ds, batch_size=4))
    assert isinstance(batches[0], list) and len(batches[0]) == 2
    assert batches[0][0].shape == (4, 2) and batches[-1][0].shape == (2, 2)
    assert batches[1][1].tolist() == [4, 5, 6, 7]
    assert batches[0][1].dtype == fastgrad.int64
    dropped = list(DataLoader(ds, batch_size=4, drop_last=True))
    assert len(dropped) == 2 == len(DataLoader(ds, batch_size=4, drop_last=True))
    unbatched = list(DataLoader(ds, batch_size=None))
    assert len(unbatched) == 10 and unbatched[2][1].item() == 2


def test_shuffle_covers_everything_and_changes_between_epochs():
    ds = make_dataset(50)
    g = fastgrad.Generator()
    g.manual_seed(0)
    loader = DataLoader(ds, batch_size=8, shuffle=True, generator=g)
    epoch1 = [i for _, y in loader for i in y.tolist()]
    epoch2 = [i for _, y in loader for i in y.tolist()]
    assert sorted(epoch1) == list(range(50)) == sorted(epoch2)
    assert epoch1 != epoch2 and epoch1 != list(range(50))
    g.manual_seed(0)
    assert [i for _, y in loader for i in y.tolist()] == epoch1


@pytest.mark.skipif(not SAME_STREAM, reason="the core has no randperm/random_ yet")
def test_shuffle_order_matches_torch():
    torch = pytest.importorskip("torch")
    ours = DataLoader(make_dataset(37), batch_size=5, shuffle=True, generator=_gen(fastgrad, 3))
    theirs = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.arange(37)), batch_size=5, shuffle=True, generator=_gen(torch, 3)
    )
    for _ in range(2):
        assert [y.tolist() for _, y in ours] == [y.tolist() for (y,) in theirs]
    fastgrad.manual_seed(11)
    torch.manual_seed(11)
    ours = DataLoader(make_dataset(37), batch_size=5, shuffle=True)
    theirs = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.arange(37)), batch_size=5, shuffle=True
    )
    assert [y.tolist() for _, y in ours] == [y.tolist() for (y,) in theirs]


def _gen(lib, seed):
    g = lib.Generator()
    g.manual_seed(seed)
    return g


def test_default_collate():
    out = default_collate([(1, 2.5, "a", {"k": np.ones(2)}), (3, 4.5, "b", {"k": np.zeros(2)})])
    ints, floats, strs, dicts = out
    assert ints.dtype == fastgrad.int64 and ints.tolist() == [1, 3]
    assert floats.dtype == fastgrad.float64 and floats.tolist() == [2.5, 4.5]
    assert strs == ("a", "b")  # as PyTorch: the transposed tuple itself
    assert dicts["k"].shape == (2, 2) and dicts["k"].dtype == fastgrad.float64
    stacked = default_collate([fastgrad.ones(3), fastgrad.zeros(3)])
    assert stacked.shape == (2, 3)
    nested = default_collate([[fastgrad.ones(1), [1, 2]], [fastgrad.zeros(1), [3, 4]]])
    assert isinstance(nested, list) and nested[1][0].tolist() == [1, 3]
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal size"):
        default_collate([[1, 2], [1]])
    with pytest.raises(TypeError, match="default_collate: batch must contain tensors"):
        default_collate([object(), object()])


def test_default_collate_matches_torch_structure():
    torch = pytest.importorskip("torch")
    samples = [(1, 2.0, True), (3, 4.0, False)]
    ours = default_collate(samples)
    theirs = torch.utils.data.default_collate(samples)
    assert type(ours) is type(theirs)
    for a, b in zip(ours, theirs):
        assert a.tolist() == b.tolist() and str(a.dtype).split(".")[-1] == str(b.dtype).split(".")[-1]


def test_custom_dataset_and_collate_fn():
    class Squares(Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return {"x": fastgrad.tensor([float(i)]), "y": i * i}

    batches = list(DataLoader(Squares(), batch_size=2, collate_fn=lambda b: [s["y"] for s in b]))
    assert batches == [[0, 1], [4, 9], [16]]
    batch = next(iter(DataLoader(Squares(), batch_size=3)))
    assert batch["x"].shape == (3, 1) and batch["y"].tolist() == [0, 1, 4]


def test_random_split():
    ds = make_dataset(10)
    a, b = random_split(ds, [7, 3], generator=_gen(fastgrad, 0))
    assert isinstance(a, Subset) and len(a) == 7 and len(b) == 3
    assert sorted(a.indices + b.indices) == list(range(10))
    parts = random_split(ds, [0.5, 0.3, 0.2], generator=_gen(fastgrad, 0))
    assert [len(p) for p in parts] == [5, 3, 2]
    parts = random_split(range(11), [0.5, 0.5])
    assert [len(p) for p in parts] == [6, 5]
    with pytest.raises(
        ValueError, match="Sum of input lengths does not equal the length of the input dataset!"
    ):
        random_split(ds, [3, 3])
    with pytest.raises(ValueError, match="Fraction at index 0 is not between 0 and 1"):
        random_split(ds, [-0.5, 1.5])


@pytest.mark.skipif(not SAME_STREAM, reason="the core has no randperm yet")
def test_random_split_matches_torch():
    torch = pytest.importorskip("torch")
    ours = random_split(range(20), [0.6, 0.4], generator=_gen(fastgrad, 5))
    theirs = torch.utils.data.random_split(range(20), [0.6, 0.4], generator=_gen(torch, 5))
    assert [s.indices for s in ours] == [s.indices for s in theirs]


def test_subset_concat_and_samplers():
    ds = make_dataset(6)
    sub = Subset(ds, [5, 0, 2])
    assert [sub[i][1].item() for i in range(3)] == [5, 0, 2]
    cat = ds + make_dataset(4)
    assert (
        isinstance(cat, ConcatDataset) and len(cat) == 10 and cat[7][1].item() == 1 and cat[-1][1].item() == 3
    )
    assert list(SequentialSampler(ds)) == list(range(6))
    assert sorted(RandomSampler(ds)) == list(range(6))
    assert len(list(RandomSampler(ds, replacement=True, num_samples=40))) == 40
    assert list(BatchSampler(range(5), 2, False)) == [[0, 1], [2, 3], [4]]
    assert list(BatchSampler(range(5), 2, True)) == [[0, 1], [2, 3]]
    loader = DataLoader(ds, batch_sampler=BatchSampler(SequentialSampler(ds), 4, False))
    assert [y.tolist() for _, y in loader] == [[0, 1, 2, 3], [4, 5]]


def test_argument_errors_match_torch():
    ds = make_dataset()
    with pytest.raises(ValueError, match="sampler option is mutually exclusive with shuffle"):
        DataLoader(ds, sampler=SequentialSampler(ds), shuffle=True)
    with pytest.raises(ValueError, match="batch_sampler option is mutually exclusive with batch_size"):
        DataLoader(ds, batch_size=2, batch_sampler=BatchSampler(SequentialSampler(ds), 2, False))
    with pytest.raises(
        ValueError, match="batch_size should be a positive integer value, but got batch_size=0"
    ):
        DataLoader(ds, batch_size=0)


def test_training_loop_with_dataloader():
    fastgrad.manual_seed(0)
    x = fastgrad.randn(128, 2)
    y = x.matmul(fastgrad.tensor([[2.0], [-1.0]])) + 0.5
    loader = DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True)
    model = fastgrad.nn.Linear(2, 1)
    opt = fastgrad.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(20):
        for xb, yb in loader:
            opt.zero_grad()
            loss = fastgrad.nn.functional.mse_loss(model(xb), yb)
            loss.backward()
            opt.step()
    assert loss.item() < 1e-3
