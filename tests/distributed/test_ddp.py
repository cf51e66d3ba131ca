"""DistributedDataParallel: W processes on 1/W of the batch each end with the weights of one process on the
whole batch (computed in each process, without communication, as the reference)."""

import copy

import numpy as np
import pytest

import fastgrad as torch
import fastgrad.distributed as dist
from fastgrad import nn
from fastgrad.nn.parallel import DistributedDataParallel as DDP

pytestmark = pytest.mark.skipif(not dist.is_available(), reason="needs mpi4py")

R = dist.get_rank() if dist.is_initialized() else 0
W = dist.get_world_size() if dist.is_initialized() else 1


def mlp(dtype, seed):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(5, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 3)).to(
        dtype
    )


def batch(step, n, dtype):
    g = torch.Generator().manual_seed(100 + step)
    return torch.randn(n, 5, generator=g, dtype=dtype), torch.randint(0, 3, (n,), generator=g)


def gathered(t):
    out = [torch.zeros_like(t) for _ in range(W)]
    dist.all_gather(out, t.detach().contiguous())
    return out


@pytest.mark.parametrize("dtype,tol", [(torch.float64, 1e-12), (torch.float32, 2e-5)])
@pytest.mark.parametrize("bucket_cap_mb", [None, 0.0005])
@pytest.mark.parametrize("opt", ["sgd", "adam"])
def test_ddp_matches_one_process_on_the_whole_batch(dtype, tol, bucket_cap_mb, opt):
    ref = mlp(dtype, 0)
    model = DDP(
        mlp(dtype, 0 if R == 0 else 1 + R), bucket_cap_mb=bucket_cap_mb
    )  # rank 0 broadcasts its weights
    for p, q in zip(ref.parameters(), model.module.parameters()):
        assert torch.equal(p, q)
    make = (
        (lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9))
        if opt == "sgd"
        else (lambda ps: torch.optim.Adam(ps, lr=0.01))
    )
    o_ref, o_ddp = make(ref.parameters()), make(model.parameters())
    n = 8 * W
    for step in range(5):
        x, y = batch(step, n, dtype)
        o_ref.zero_grad()
        nn.functional.cross_entropy(ref(x), y).backward()
        o_ref.step()
        o_ddp.zero_grad()
        share = slice(R * 8, R * 8 + 8)
        nn.functional.cross_entropy(model(x[share]), y[share]).backward()
        o_ddp.step()
    for p, q in zip(ref.parameters(), model.module.parameters()):
        torch.testing.assert_close(q, p, rtol=tol, atol=tol)
        for other in gathered(q):
            assert torch.equal(other, q)  # every rank holds the same weights


def test_no_sync_accumulates_then_averages():
    ref = mlp(torch.float64, 0)
    model = DDP(mlp(torch.float64, 0))
    x, y = batch(0, 8 * W * 2, torch.float64)
    loss = nn.functional.cross_entropy
    for half in range(2):  # the reference: both micro-batches, whole batch, summed losses
        loss(ref(x[half * 8 * W : (half + 1) * 8 * W]), y[half * 8 * W : (half + 1) * 8 * W]).backward()
    mine = [slice(half * 8 * W + R * 8, half * 8 * W + R * 8 + 8) for half in range(2)]
    with model.no_sync():
        loss(model(x[mine[0]]), y[mine[0]]).backward()
    local = [p.grad.clone() for p in model.parameters()]
    loss(model(x[mine[1]]), y[mine[1]]).backward()
    for p, q in zip(ref.parameters(), model.module.parameters()):
        torch.testing.assert_close(q.grad, p.grad, rtol=1e-12, atol=1e-12)
    assert all(lg.shape == p.shape for lg, p in zip(local, model.parameters()))


class TwoHeads(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Linear(4, 4)
        self.head_a = nn.Linear(4, 1)
        self.head_b = nn.Linear(4, 1)  # used by rank 0 only
        self.never = nn.Linear(4, 1)  # used by nobody

    def forward(self, x, use_b):
        h = self.body(x)
        return self.head_b(h) if use_b else self.head_a(h)


def test_find_unused_parameters():
    torch.manual_seed(0)
    model = DDP(TwoHeads(), find_unused_parameters=True)
    x = torch.ones(2, 4) * (R + 1)
    out = model(x, use_b=(R == 0))
    out.sum().backward()
    m = model.module
    assert m.never.weight.grad is None and m.never.bias.grad is None
    # head_b: rank 0's gradient, averaged with zeros from the others
    h0 = m.body(torch.ones(2, 4)).detach()
    torch.testing.assert_close(m.head_b.weight.grad, h0.sum(0, keepdim=True) / W)
    if W > 1:
        for g in gathered(m.head_a.weight.grad):
            assert torch.equal(g, m.head_a.weight.grad)
    # a second iteration works (the reduction finished)
    model(x, use_b=False).sum().backward()


def test_unused_parameter_without_detection_is_an_error_next_iteration():
    torch.manual_seed(0)
    model = DDP(TwoHeads())
    model(torch.ones(2, 4), use_b=False).sum().backward()
    with pytest.raises(RuntimeError, match="Expected to have finished reduction in the prior iteration"):
        model(torch.ones(2, 4), use_b=False)


def test_buffers_broadcast_and_state_dict():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 3), nn.BatchNorm1d(3))
    model = DDP(net)
    net[1].running_mean.fill_(float(R))  # ranks diverge...
    model.eval()
    model(torch.ones(2, 3))  # ...and forward broadcasts rank 0's buffers
    assert net[1].running_mean.tolist() == [0.0, 0.0, 0.0]
    assert list(model.state_dict()) == ["module." + k for k in net.state_dict()]
    assert model.module is net
    copy.deepcopy(net)  # the wrapped module stays an ordinary module


def test_constructor_errors():
    with pytest.raises(RuntimeError, match="doesn't have any parameter"):
        DDP(nn.ReLU())
    with pytest.raises(ValueError, match="device_ids"):
        DDP(nn.Linear(2, 2), device_ids=[0])


def test_sampler_shares_are_disjoint_and_cover():
    ds = list(range(23))
    s = torch.utils.data.DistributedSampler(ds, shuffle=True, seed=5)
    s.set_epoch(3)
    mine = list(s)
    everyone = [None] * W
    dist.all_gather_object(everyone, mine)
    flat = [i for share in everyone for i in share]
    assert len(flat) == s.total_size and set(flat) == set(ds)
    assert np.all(np.array([len(e) for e in everyone]) == len(s))
