"""Each collective of fastgrad.distributed against NumPy, on data that differs per rank."""

import numpy as np
import pytest

import fastgrad as torch
import fastgrad.distributed as dist

pytestmark = pytest.mark.skipif(not dist.is_available(), reason="needs mpi4py")

R = dist.get_rank() if dist.is_initialized() else 0
W = dist.get_world_size() if dist.is_initialized() else 1


def data(rank, n=6, dtype=np.float64):
    return (np.arange(n) * (rank + 1) + rank - 2).astype(dtype)


def every(n=6, dtype=np.float64):
    return np.stack([data(r, n, dtype) for r in range(W)])


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64, np.int32])
@pytest.mark.parametrize(
    "op,ref",
    [
        (dist.ReduceOp.SUM, np.sum),
        (dist.ReduceOp.PRODUCT, np.prod),
        (dist.ReduceOp.MIN, np.min),
        (dist.ReduceOp.MAX, np.max),
    ],
)
def test_all_reduce(dtype, op, ref):
    t = torch.from_numpy(data(R, dtype=dtype))
    view = t.numpy()  # the tensor's own memory: the result lands there, no copy
    assert dist.all_reduce(t, op=op) is None
    expected = ref(every(dtype=dtype), axis=0)
    np.testing.assert_array_equal(view, expected)
    assert t.dtype == torch.from_numpy(np.zeros(1, dtype)).dtype


def test_all_reduce_avg_and_half_dtypes():
    t = torch.from_numpy(data(R))
    dist.all_reduce(t, op=dist.ReduceOp.AVG)
    np.testing.assert_allclose(t.numpy(), every().mean(0), rtol=1e-15)
    with pytest.raises(ValueError, match="AVG"):
        dist.all_reduce(torch.ones(2, dtype=torch.int64), op=dist.ReduceOp.AVG)
    for dt in (torch.float16, torch.bfloat16):
        h = torch.from_numpy(data(R, dtype=np.float32)).to(dt)
        dist.all_reduce(h)
        expected = sum(torch.from_numpy(data(r, dtype=np.float32)).to(dt).float() for r in range(W)).to(dt)
        assert h.dtype == dt and torch.equal(h, expected)


def test_all_reduce_bool_is_logical():
    t = torch.tensor([R == 0, False, True])
    dist.all_reduce(t)  # sum of bools: or
    assert t.tolist() == [True, False, True]
    t = torch.tensor([R == 0, True])
    dist.all_reduce(t, op=dist.ReduceOp.PRODUCT)  # and
    assert t.tolist() == [W == 1, True]


def test_all_reduce_view_writes_base():
    base = torch.zeros(3, 4, dtype=torch.float64)
    row = base[1]  # a contiguous view: MPI reads and writes the base's memory
    row.copy_(torch.from_numpy(data(R, 4)))
    dist.all_reduce(row)
    np.testing.assert_array_equal(base.numpy()[1], every(4).sum(0))
    np.testing.assert_array_equal(base.numpy()[0], 0)


def test_all_reduce_async_and_errors():
    t = torch.from_numpy(data(R))
    work = dist.all_reduce(t, async_op=True)
    assert isinstance(work, dist.Work)
    assert work.wait() is True and work.is_completed()
    np.testing.assert_array_equal(t.numpy(), every().sum(0))
    with pytest.raises(RuntimeError, match="contiguous"):
        dist.all_reduce(torch.zeros(4, 4).t())
    with pytest.raises(TypeError, match="torch.Tensor"):
        dist.all_reduce(np.zeros(3))
    with pytest.raises(TypeError, match="ReduceOp"):
        dist.all_reduce(torch.zeros(3), op="sum")


def test_all_reduce_requires_grad_leaf():
    w = torch.from_numpy(data(R)).requires_grad_()
    dist.all_reduce(w)
    assert w.requires_grad and w.is_leaf
    np.testing.assert_array_equal(w.detach().numpy(), every().sum(0))


@pytest.mark.parametrize("async_op", [False, True])
def test_broadcast(async_op):
    src = W - 1
    t = torch.from_numpy(data(R))
    work = dist.broadcast(t, src=src, async_op=async_op)
    if async_op:
        work.wait()
    np.testing.assert_array_equal(t.numpy(), data(src))


def test_reduce():
    dst = 1 % W
    t = torch.from_numpy(data(R))
    dist.reduce(t, dst=dst, op=dist.ReduceOp.MAX)
    np.testing.assert_array_equal(t.numpy(), every().max(0) if R == dst else data(R))


def test_all_gather_and_into_tensor():
    mine = torch.from_numpy(data(R).reshape(2, 3))
    out = [torch.zeros(2, 3, dtype=torch.float64) for _ in range(W)]
    dist.all_gather(out, mine)
    for r in range(W):
        np.testing.assert_array_equal(out[r].numpy(), data(r).reshape(2, 3))
    cat = torch.zeros(2 * W, 3, dtype=torch.float64)
    dist.all_gather_into_tensor(cat, mine)
    np.testing.assert_array_equal(cat.numpy(), every().reshape(2 * W, 3))
    stacked = torch.zeros(W, 2, 3, dtype=torch.float64)
    dist.all_gather_into_tensor(stacked, mine, async_op=True).wait()
    np.testing.assert_array_equal(stacked.numpy(), every().reshape(W, 2, 3))
    with pytest.raises(ValueError, match="world_size"):
        dist.all_gather_into_tensor(torch.zeros(1, dtype=torch.float64), mine)
    with pytest.raises(ValueError, match="tensor_list"):
        dist.all_gather([mine] * (W + 1), mine)


def test_reduce_scatter():
    full = torch.from_numpy(data(R, 2 * W))
    out = torch.zeros(2, dtype=torch.float64)
    dist.reduce_scatter_tensor(out, full)
    np.testing.assert_array_equal(out.numpy(), every(2 * W).sum(0)[2 * R : 2 * R + 2])
    parts = [torch.from_numpy(data(R, 3) + 10 * r) for r in range(W)]
    out3 = torch.zeros(3, dtype=torch.float64)
    dist.reduce_scatter(out3, parts, op=dist.ReduceOp.MIN)
    np.testing.assert_array_equal(out3.numpy(), every(3).min(0) + 10 * R)


def test_gather_and_scatter():
    mine = torch.from_numpy(data(R))
    dst = W - 1
    got = [torch.zeros(6, dtype=torch.float64) for _ in range(W)] if R == dst else None
    dist.gather(mine, got, dst=dst)
    if R == dst:
        for r in range(W):
            np.testing.assert_array_equal(got[r].numpy(), data(r))
    parts = [torch.full((4,), float(10 * r), dtype=torch.float64) for r in range(W)] if R == 0 else None
    out = torch.zeros(4, dtype=torch.float64)
    dist.scatter(out, parts, src=0)
    np.testing.assert_array_equal(out.numpy(), np.full(4, 10.0 * R))


def test_send_recv_ring():
    nxt, prv = (R + 1) % W, (R - 1) % W
    if W == 1:
        with pytest.raises(ValueError, match="destination rank"):
            dist.send(torch.zeros(2), dst=0)
        return
    out = torch.from_numpy(data(R))
    got = torch.zeros(6, dtype=torch.float64)
    req = dist.isend(out, dst=nxt)
    sender = dist.recv(got, src=prv)
    req.wait()
    assert sender == prv
    np.testing.assert_array_equal(got.numpy(), data(prv))
    # any source: the sender's rank is returned
    anyg = torch.zeros(6, dtype=torch.float64)
    w = dist.irecv(anyg)
    dist.send(out, dst=nxt)
    w.wait()
    np.testing.assert_array_equal(anyg.numpy(), data(prv))


def test_barrier_and_objects():
    dist.barrier()
    dist.barrier(async_op=True).wait()
    objs = [{"rank": R}, "x"] if R == 0 else [None, None]
    dist.broadcast_object_list(objs, src=0)
    assert objs == [{"rank": 0}, "x"]
    gathered = [None] * W
    dist.all_gather_object(gathered, (R, "r" * R))
    assert gathered == [(r, "r" * r) for r in range(W)]
    out = [None]
    dist.scatter_object_list(out, [f"to{r}" for r in range(W)] if R == 0 else None, src=0)
    assert out == [f"to{R}"]
    got = [None] * W if R == 0 else None
    dist.gather_object(R * 2, got, dst=0)
    if R == 0:
        assert got == [2 * r for r in range(W)]


def test_groups_and_queries():
    assert dist.is_initialized() and dist.get_backend() == "mpi"
    assert (dist.get_rank(), dist.get_world_size()) == (R, W)
    g = dist.new_group([0, W - 1])
    members = sorted({0, W - 1})
    if R in members:
        assert dist.get_world_size(g) == len(members)
        assert dist.get_process_group_ranks(g) == members
        t = torch.tensor([float(R)])
        dist.all_reduce(t, group=g)
        assert t.item() == float(sum(members))
        assert dist.get_global_rank(g, dist.get_rank(g)) == R
    else:
        assert g is dist.GroupMember.NON_GROUP_MEMBER
        assert dist.get_rank(g) == -1
        assert dist.all_reduce(torch.zeros(1), group=g) is None
    with pytest.raises(ValueError, match="twice"):
        dist.init_process_group("mpi")
    with pytest.raises(ValueError, match="not part of"):
        dist.broadcast(torch.zeros(1), src=W)
    dist.barrier()
