"""nn: Module behaviour, containers (ModuleList/ModuleDict, ParameterList/ParameterDict), the core layers and
losses against PyTorch (values and gradients), init, repr."""

import math
import re
import warnings
from collections import OrderedDict

import fastgrad
import fastgrad.nn as nn
import fastgrad.nn.functional as F
import numpy as np
import pytest

torch = pytest.importorskip("torch")


# ---- helpers ----


def fg_tensor(t, requires_grad=None):
    out = fastgrad.from_numpy(t.detach().numpy().copy())
    if requires_grad if requires_grad is not None else t.requires_grad:
        out.requires_grad_(True)
    return out


def assert_close(fg_t, torch_t, rtol=1e-5, atol=1e-6):
    a = fg_t.detach().numpy() if isinstance(fg_t, fastgrad.Tensor) else np.asarray(fg_t)
    b = torch_t.detach().numpy() if isinstance(torch_t, torch.Tensor) else np.asarray(torch_t)
    assert a.shape == b.shape, (a.shape, b.shape)
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


def copy_state(fg_module, torch_module):
    """Copies the torch module's parameters and buffers into the fastgrad module (through NumPy)."""
    state = OrderedDict((k, fg_tensor(v, requires_grad=False)) for k, v in torch_module.state_dict().items())
    fg_module.load_state_dict(state)


def torch_name(text):
    return text.replace("fastgrad.", "torch.")


def run_both(fg_module, torch_module, *torch_inputs, grad_inputs=True, seed=0):
    """Forward both modules on the same inputs, backward the same random cotangent, compare everything."""
    copy_state(fg_module, torch_module)
    fg_inputs = [fg_tensor(t) for t in torch_inputs]
    out_t = torch_module(*torch_inputs)
    out_f = fg_module(*fg_inputs)
    assert_close(out_f, out_t)
    gen = np.random.default_rng(seed)
    cot = gen.standard_normal(tuple(out_t.shape)).astype(
        np.float32 if out_t.dtype == torch.float32 else np.float64
    )
    out_t.backward(torch.from_numpy(cot))
    out_f.backward(fastgrad.from_numpy(cot.copy()))
    if grad_inputs:
        for a, b in zip(fg_inputs, torch_inputs):
            if b.requires_grad:
                assert_close(a.grad, b.grad)
    fg_params = dict(fg_module.named_parameters())
    for name, p in torch_module.named_parameters():
        if p.grad is None:
            assert fg_params[name].grad is None
        else:
            assert_close(fg_params[name].grad, p.grad)
    fg_buffers = dict(fg_module.named_buffers())
    for name, b in torch_module.named_buffers():
        assert_close(fg_buffers[name], b)
    return out_f, out_t


def randn(*shape, requires_grad=True, dtype=torch.float32, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=g, dtype=dtype).requires_grad_(requires_grad)


# ---- Parameter ----


def test_parameter_is_a_tensor_that_requires_grad_and_prints_like_torch():
    p = nn.Parameter(fastgrad.tensor([1.0, 2.0]))
    assert isinstance(p, fastgrad.Tensor) and isinstance(p, nn.Parameter)
    assert p.requires_grad and p.is_leaf
    tp = torch.nn.Parameter(torch.tensor([1.0, 2.0]))
    assert repr(p) == repr(tp) and str(p) == str(tp)
    q = nn.Parameter(fastgrad.zeros(2), requires_grad=False)
    assert not q.requires_grad


def test_parameter_aliases_its_data():
    d = fastgrad.zeros(3)
    p = nn.Parameter(d)
    with fastgrad.no_grad():
        p.add_(1.0)
    assert d.tolist() == [1.0, 1.0, 1.0]
    assert not d.requires_grad


# ---- Module registration and traversal ----


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 8)
        self.act = nn.ReLU()
        self.fc2 = nn.Linear(8, 3)
        self.register_buffer("steps", fastgrad.zeros(1))
        self.scale = nn.Parameter(fastgrad.ones(1))

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x))) * self.scale


class TorchNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = torch.nn.Linear(4, 8)
        self.act = torch.nn.ReLU()
        self.fc2 = torch.nn.Linear(8, 3)
        self.register_buffer("steps", torch.zeros(1))
        self.scale = torch.nn.Parameter(torch.ones(1))

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x))) * self.scale


def test_module_registration_matches_torch():
    net, tnet = Net(), TorchNet()
    assert [n for n, _ in net.named_parameters()] == [n for n, _ in tnet.named_parameters()]
    assert [n for n, _ in net.named_buffers()] == [n for n, _ in tnet.named_buffers()]
    assert [n for n, _ in net.named_modules()] == [n for n, _ in tnet.named_modules()]
    assert [n for n, _ in net.named_children()] == [n for n, _ in tnet.named_children()]
    assert list(net.state_dict()) == list(tnet.state_dict())
    assert len(list(net.parameters())) == 5
    assert len(list(net.parameters(recurse=False))) == 1
    assert all(not t.requires_grad for t in net.state_dict().values())
    assert net.state_dict(keep_vars=True)["fc1.weight"] is net.fc1.weight
    run_both(net, tnet, randn(5, 4))


def test_shared_parameters_and_modules_are_listed_once():
    lin = nn.Linear(2, 2)
    seq = nn.Sequential(lin, nn.ReLU(), lin)
    assert len(list(seq.parameters())) == 2
    assert [n for n, _ in seq.named_modules()] == ["", "0", "1"]
    assert len(list(seq.named_parameters(remove_duplicate=False))) == 4
    tseq = torch.nn.Sequential(*(torch.nn.Linear(2, 2),) * 1)
    del tseq


def _same_message(ours, theirs):
    assert torch_name(str(ours.value)) == str(theirs.value).replace("TorchNet", "Net")


def test_attribute_errors_match_torch():
    net, tnet = Net(), TorchNet()
    with pytest.raises(AttributeError) as e1:
        net.nope
    with pytest.raises(AttributeError) as e2:
        tnet.nope
    _same_message(e1, e2)
    with pytest.raises(TypeError) as e1:
        net.fc1 = 3
    with pytest.raises(TypeError) as e2:
        tnet.fc1 = 3
    _same_message(e1, e2)
    with pytest.raises(TypeError) as e1:
        net.scale = fastgrad.ones(1)
    with pytest.raises(TypeError) as e2:
        tnet.scale = torch.ones(1)
    _same_message(e1, e2)
    with pytest.raises(TypeError) as e1:
        net.register_buffer("b2", 3)
    with pytest.raises(TypeError) as e2:
        tnet.register_buffer("b2", 3)
    _same_message(e1, e2)
    with pytest.raises(KeyError, match="attribute 'fc1' already exists"):
        net.register_buffer("fc1", fastgrad.zeros(1))
    with pytest.raises(KeyError):
        net.register_parameter("a.b", None)

    class Early(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(fastgrad.zeros(1))

    with pytest.raises(AttributeError, match=r"cannot assign parameters before Module.__init__\(\) call"):
        Early()


def test_forward_is_required():
    with pytest.raises(
        NotImplementedError, match=r'Module \[Module\] is missing the required "forward" function'
    ):
        nn.Module()(1)


def test_setattr_moves_between_stores_and_delattr():
    m = nn.Module()
    m.x = nn.Parameter(fastgrad.zeros(1))
    assert "x" in m._parameters
    m.x = None
    assert m._parameters["x"] is None and list(m.parameters()) == []
    m.register_buffer("b", fastgrad.ones(2))
    m.b = fastgrad.zeros(2)
    assert m._buffers["b"].tolist() == [0.0, 0.0]
    m.register_buffer("tmp", fastgrad.ones(1), persistent=False)
    assert list(m.state_dict()) == ["b"]
    del m.b
    assert "b" not in m._buffers
    m.sub = nn.Linear(1, 1)
    m.sub = None
    assert list(m.children()) == []
    m.buf = nn.Buffer(fastgrad.ones(1))
    assert "buf" in m._buffers


def test_train_eval_requires_grad_zero_grad_apply():
    net = Net()
    assert net.training and net.fc1.training
    net.eval()
    assert not net.training and not net.fc1.training
    net.train()
    assert net.fc2.training
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        net.train(1)
    out = net(fastgrad.randn(2, 4)).sum()
    out.backward()
    assert net.fc1.weight.grad is not None
    net.zero_grad(set_to_none=False)
    assert net.fc1.weight.grad.abs().sum().item() == 0.0 if hasattr(fastgrad.Tensor, "abs") else True
    net.zero_grad()
    assert net.fc1.weight.grad is None
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())
    seen = []
    net.apply(lambda m: seen.append(type(m).__name__))
    assert seen == ["Linear", "ReLU", "Linear", "Net"]


def test_to_double_and_float_convert_parameters_and_buffers():
    net = Net()
    before = net.fc1.weight.detach().numpy().copy()
    net.double()
    assert net.fc1.weight.dtype == fastgrad.float64 and net.steps.dtype == fastgrad.float64
    assert isinstance(net.fc1.weight, nn.Parameter) and net.fc1.weight.requires_grad
    np.testing.assert_array_equal(net.fc1.weight.detach().numpy(), before.astype(np.float64))
    out = net(fastgrad.randn(2, 4, dtype=fastgrad.float64))
    assert out.dtype == fastgrad.float64
    net.to(fastgrad.float32)
    assert net.fc2.bias.dtype == fastgrad.float32
    net.to("cpu")
    with pytest.raises(TypeError, match="floating point"):
        net.to(fastgrad.int64)
    bn = nn.BatchNorm1d(3).double()
    assert bn.num_batches_tracked.dtype == fastgrad.int64


def test_forward_hooks():
    lin = nn.Linear(2, 2)
    calls = []
    h1 = lin.register_forward_pre_hook(lambda m, args: calls.append("pre") or (args[0] * 2,))
    h2 = lin.register_forward_hook(lambda m, args, out: calls.append("post") or out * 0)
    x = fastgrad.ones(1, 2)
    assert lin(x).tolist() == [[0.0, 0.0]]
    assert calls == ["pre", "post"]
    h1.remove()
    h2.remove()
    assert lin(x).tolist() != [[0.0, 0.0]]


# ---- state_dict ----


def test_load_state_dict_round_trip_and_errors_match_torch():
    net, tnet = Net(), TorchNet()
    copy_state(net, tnet)
    for k, v in net.state_dict().items():
        assert_close(v, tnet.state_dict()[k])
    result = net.load_state_dict(net.state_dict())
    assert repr(result) == "<All keys matched successfully>"

    sd = OrderedDict((k, fg_tensor(v)) for k, v in tnet.state_dict().items())
    tsd = tnet.state_dict()
    del sd["fc1.bias"], tsd["fc1.bias"]
    sd["extra.weight"] = fastgrad.zeros(1)
    tsd["extra.weight"] = torch.zeros(1)
    with pytest.raises(RuntimeError) as e1:
        net.load_state_dict(sd)
    with pytest.raises(RuntimeError) as e2:
        tnet.load_state_dict(tsd)
    assert str(e1.value).replace("Net", "X") == str(e2.value).replace("TorchNet", "X")
    res = net.load_state_dict(sd, strict=False)
    tres = tnet.load_state_dict(tsd, strict=False)
    assert res.missing_keys == tres.missing_keys and res.unexpected_keys == tres.unexpected_keys

    sd = OrderedDict((k, fg_tensor(v)) for k, v in tnet.state_dict().items())
    tsd = tnet.state_dict()
    sd["fc2.weight"] = fastgrad.zeros(2, 2)
    tsd["fc2.weight"] = torch.zeros(2, 2)
    with pytest.raises(RuntimeError) as e1:
        net.load_state_dict(sd)
    with pytest.raises(RuntimeError) as e2:
        tnet.load_state_dict(tsd)
    assert str(e1.value).replace("Net", "X").replace("fastgrad.", "torch.") == str(e2.value).replace(
        "TorchNet", "X"
    )


def test_load_state_dict_copies_in_place():
    net = Net()
    w = net.fc1.weight
    sd = {k: v.clone() * 0 for k, v in net.state_dict().items()}
    net.load_state_dict(sd)
    assert net.fc1.weight is w and w.detach().numpy().sum() == 0
    net.load_state_dict({k: v + 1 for k, v in sd.items()}, assign=True)
    assert net.fc1.weight is not w and isinstance(net.fc1.weight, nn.Parameter)


# ---- repr ----


def _both_reprs(build):
    return repr(build(nn)), torch_name(repr(build(torch.nn)))


REPR_CASES = {
    "sequential": lambda m: m.Sequential(m.Linear(2, 3), m.ReLU(), m.Linear(3, 1, bias=False)),
    "nested": lambda m: m.Sequential(
        OrderedDict(
            enc=m.Sequential(m.Linear(4, 4), m.GELU(), m.Dropout(0.1)),
            norm=m.LayerNorm(4),
            out=m.Linear(4, 2),
        )
    ),
    "modulelist_runs": lambda m: m.ModuleList(
        [m.Linear(2, 2), m.Linear(2, 2), m.Linear(2, 2), m.ReLU(), m.Linear(2, 2)]
    ),
    "modulelist_empty": lambda m: m.ModuleList(),
    "moduledict": lambda m: m.ModuleDict({"a": m.Tanh(), "b": m.Sigmoid()}),
    "activations": lambda m: m.Sequential(
        m.LeakyReLU(),
        m.LeakyReLU(0.2, inplace=True),
        m.GELU(approximate="tanh"),
        m.SiLU(),
        m.Softmax(dim=1),
        m.LogSoftmax(dim=-1),
        m.ReLU(inplace=True),
        m.Softmax(),
    ),
    "layers": lambda m: m.Sequential(
        m.Embedding(10, 3),
        m.Embedding(10, 3, padding_idx=0),
        m.Flatten(),
        m.Flatten(0, 2),
        m.Identity(),
        m.Bilinear(2, 3, 4),
        m.BatchNorm1d(5),
        m.BatchNorm1d(5, momentum=None, affine=False),
        m.LayerNorm((2, 3)),
        m.LayerNorm(3, elementwise_affine=False),
        m.Unflatten(1, (2, 2)),
    ),
    "losses": lambda m: m.ModuleList(
        [
            m.MSELoss(),
            m.L1Loss(),
            m.SmoothL1Loss(),
            m.HuberLoss(),
            m.BCELoss(),
            m.BCEWithLogitsLoss(),
            m.NLLLoss(),
            m.CrossEntropyLoss(),
        ]
    ),
}


@pytest.mark.parametrize("case", sorted(REPR_CASES))
def test_repr_matches_torch(case):
    ours, theirs = _both_reprs(REPR_CASES[case])
    assert ours == theirs


def test_user_module_repr_with_extra_repr():
    class Scale(nn.Module):
        def __init__(self):
            super().__init__()
            self.inner = nn.Linear(1, 1)

        def extra_repr(self):
            return "factor=2\nmode=fast"

    assert repr(Scale()) == (
        "Scale(\n  factor=2\n  mode=fast\n  (inner): Linear(in_features=1, out_features=1, bias=True)\n)"
    )


# ---- containers ----


def test_sequential_indexing_and_editing():
    seq = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Tanh())
    assert isinstance(seq[0], nn.Linear) and isinstance(seq[-1], nn.Tanh)
    assert isinstance(seq[1:], nn.Sequential) and len(seq[1:]) == 2
    with pytest.raises(IndexError, match="index 3 is out of range"):
        seq[3]
    del seq[1]
    assert list(seq._modules) == ["0", "1"] and isinstance(seq[1], nn.Tanh)
    seq.append(nn.Sigmoid())
    seq.insert(0, nn.Identity())
    assert [type(m).__name__ for m in seq] == ["Identity", "Linear", "Tanh", "Sigmoid"]
    seq[0] = nn.ReLU()
    assert isinstance(seq[0], nn.ReLU)
    assert len(seq + nn.Sequential(nn.ReLU())) == 5


def test_modulelist_and_moduledict():
    ml = nn.ModuleList([nn.Linear(1, 1)])
    ml.append(nn.Linear(1, 1))
    ml.extend([nn.ReLU()])
    ml.insert(0, nn.Tanh())
    assert [type(m).__name__ for m in ml] == ["Tanh", "Linear", "Linear", "ReLU"]
    assert len(list(ml.parameters())) == 4
    assert isinstance(ml[1:3], nn.ModuleList) and len(ml[1:3]) == 2
    md = nn.ModuleDict({"a": nn.Linear(1, 1)})
    md["b"] = nn.ReLU()
    md.update([("c", nn.Tanh())])
    assert list(md.keys()) == ["a", "b", "c"] and "b" in md
    assert isinstance(md.pop("b"), nn.ReLU) and len(md) == 2
    with pytest.raises(TypeError):
        ml.extend(3)


def _fg_and_torch_params(shapes):
    arrays = [np.random.default_rng(i).standard_normal(s) for i, s in enumerate(shapes)]
    return [fastgrad.from_numpy(a.astype(np.float32)) for a in arrays], [
        torch.from_numpy(a.astype(np.float32)) for a in arrays
    ]


def test_parameter_list_registers_wraps_and_prints_like_torch():
    fs, ts = _fg_and_torch_params([(3, 4), (5,), (2, 1, 2)])
    fl = nn.ParameterList([nn.Parameter(fs[0]), fs[1]])
    tl = torch.nn.ParameterList([torch.nn.Parameter(ts[0]), ts[1]])
    fl.append(fs[2])
    tl.append(ts[2])
    assert len(fl) == len(tl) == 3
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in fl)
    assert [n for n, _ in fl.named_parameters()] == [n for n, _ in tl.named_parameters()] == ["0", "1", "2"]
    assert list(fl.state_dict()) == list(tl.state_dict())
    assert repr(fl).replace("fastgrad.", "torch.") == repr(tl)
    assert fl[-1] is fl[2] and fl[1].shape == (5,)
    assert [tuple(p.shape) for p in fl[1:]] == [(5,), (2, 1, 2)]
    fl[0] = fs[1]
    tl[0] = ts[1]
    assert isinstance(fl[0], nn.Parameter) and fl[0].shape == (5,)
    with pytest.raises(IndexError):
        fl[3]
    fl += [fs[0]]
    tl += [ts[0]]
    assert len(fl) == 4
    with pytest.raises(TypeError, match="should be called with an iterable"):
        fl.extend(3)
    # inside a module, the parameters are found and trained
    outer_f, outer_t = nn.Module(), torch.nn.Module()
    outer_f.params, outer_t.params = fl, tl
    assert [n for n, _ in outer_f.named_parameters()][:3] == ["params.0", "params.1", "params.2"]
    assert repr(outer_f).replace("fastgrad.", "torch.").split("\n")[:3] == repr(outer_t).split("\n")[:3]


def test_parameter_dict_behaves_and_prints_like_torch():
    fs, ts = _fg_and_torch_params([(3, 4), (5,), (2,)])
    fd = nn.ParameterDict({"b": fs[0], "a": nn.Parameter(fs[1])})
    td = torch.nn.ParameterDict({"b": ts[0], "a": torch.nn.Parameter(ts[1])})
    fd["c"] = fs[2]
    td["c"] = ts[2]
    assert list(fd.keys()) == list(td.keys())
    assert [n for n, _ in fd.named_parameters()] == [n for n, _ in td.named_parameters()]
    assert repr(fd).replace("fastgrad.", "torch.") == repr(td)
    assert "a" in fd and "z" not in fd and len(fd) == 3
    assert isinstance(fd["c"], nn.Parameter)
    assert fd.get("z") is None
    popped = fd.pop("b")
    td.pop("b")
    assert popped.shape == (3, 4) and list(fd) == list(td) == ["a", "c"]
    fd.update([("d", fs[0])])
    td.update([("d", ts[0])])
    assert list(fd) == list(td)
    assert list(fd.copy()) == list(td.copy())
    assert fd.setdefault("e", None) is None and list(fd) == ["a", "c", "d", "e"]
    td.setdefault("e", None)
    assert repr(fd).replace("fastgrad.", "torch.") == repr(td)
    with pytest.raises(TypeError, match="cannot be used as a key as it is not a string"):
        fd[1]
    fd.clear()
    assert len(fd) == 0 and list(fd.parameters()) == []


# ---- layers vs torch ----


def test_linear():
    for kwargs, shape in [({}, (5, 4)), ({"bias": False}, (5, 4)), ({}, (2, 5, 4)), ({}, (4,))]:
        run_both(nn.Linear(4, 3, **kwargs), torch.nn.Linear(4, 3, **kwargs), randn(*shape))


def test_linear_float64():
    run_both(
        nn.Linear(4, 3, dtype=fastgrad.float64),
        torch.nn.Linear(4, 3, dtype=torch.float64),
        randn(5, 4, dtype=torch.float64),
    )


def test_bilinear():
    run_both(nn.Bilinear(3, 4, 2), torch.nn.Bilinear(3, 4, 2), randn(5, 3, seed=1), randn(5, 4, seed=2))
    run_both(
        nn.Bilinear(3, 4, 2, bias=False),
        torch.nn.Bilinear(3, 4, 2, bias=False),
        randn(2, 5, 3, seed=1),
        randn(2, 5, 4, seed=2),
    )


def test_embedding():
    idx = torch.tensor([[1, 2, 4, 5], [4, 3, 2, 9]])
    run_both(nn.Embedding(10, 3), torch.nn.Embedding(10, 3), idx, grad_inputs=False)
    run_both(
        nn.Embedding(10, 3, padding_idx=2), torch.nn.Embedding(10, 3, padding_idx=2), idx, grad_inputs=False
    )
    emb = nn.Embedding(10, 3, padding_idx=-1)
    assert emb.padding_idx == 9 and emb.weight[9].tolist() == [0.0, 0.0, 0.0]
    pre = nn.Embedding.from_pretrained(fastgrad.ones(4, 2))
    assert not pre.weight.requires_grad and pre(fastgrad.tensor([3])).tolist() == [[1.0, 1.0]]


def test_identity_and_flatten():
    run_both(nn.Identity(54, unused="x"), torch.nn.Identity(54, unused="x"), randn(2, 3))
    run_both(nn.Flatten(), torch.nn.Flatten(), randn(2, 3, 4))
    run_both(nn.Flatten(0, 1), torch.nn.Flatten(0, 1), randn(2, 3, 4))
    run_both(nn.Unflatten(1, (2, 2)), torch.nn.Unflatten(1, (2, 2)), randn(3, 4))


def test_dropout():
    x = fastgrad.ones(200, 50)
    d = nn.Dropout(0.3)
    y = d(x).numpy()
    kept = y != 0
    np.testing.assert_allclose(y[kept], 1 / 0.7, rtol=1e-6)
    assert 0.6 < kept.mean() < 0.8
    d.eval()
    assert d(x) is x or np.array_equal(d(x).numpy(), x.numpy())
    assert np.array_equal(nn.Dropout(0.0)(x).numpy(), x.numpy())
    assert nn.Dropout(1.0)(x).numpy().sum() == 0
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got 1.5"):
        nn.Dropout(1.5)
    xg = fastgrad.ones(10, 10, requires_grad=True)
    out = nn.Dropout(0.5)(xg)
    out.sum().backward()
    np.testing.assert_array_equal(xg.grad.numpy(), out.detach().numpy())


def test_layer_norm():
    run_both(nn.LayerNorm(4), torch.nn.LayerNorm(4), randn(3, 4))
    run_both(nn.LayerNorm((3, 4)), torch.nn.LayerNorm((3, 4)), randn(2, 3, 4))
    run_both(
        nn.LayerNorm(4, elementwise_affine=False),
        torch.nn.LayerNorm(4, elementwise_affine=False),
        randn(3, 4),
    )
    run_both(nn.LayerNorm(4, bias=False), torch.nn.LayerNorm(4, bias=False), randn(3, 4))
    # non-trivial affine parameters
    t = torch.nn.LayerNorm(4)
    with torch.no_grad():
        t.weight.uniform_(0.5, 1.5)
        t.bias.uniform_(-1, 1)
    run_both(nn.LayerNorm(4), t, randn(3, 4))


@pytest.mark.parametrize("shape", [(8, 4), (6, 4, 5)])
def test_batch_norm_train_then_eval(shape):
    ours, theirs = nn.BatchNorm1d(4), torch.nn.BatchNorm1d(4)
    with torch.no_grad():
        theirs.weight.uniform_(0.5, 1.5)
        theirs.bias.uniform_(-1, 1)
    for step in range(3):
        x = randn(*shape, seed=step)
        copy_state(ours, theirs)
        run_both(ours, theirs, x)
    assert ours.num_batches_tracked.item() == theirs.num_batches_tracked.item()
    ours.eval()
    theirs.eval()
    run_both(ours, theirs, randn(*shape, seed=10))


def test_batch_norm_cumulative_momentum_and_errors():
    ours, theirs = nn.BatchNorm1d(3, momentum=None), torch.nn.BatchNorm1d(3, momentum=None)
    for step in range(3):
        x = randn(5, 3, seed=step)
        ours(fg_tensor(x))
        theirs(x)
    assert_close(ours.running_mean, theirs.running_mean)
    assert_close(ours.running_var, theirs.running_var)
    with pytest.raises(ValueError, match=re.escape("expected 2D or 3D input (got 4D input)")):
        ours(fastgrad.zeros(2, 3, 4, 5))
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        ours(fastgrad.zeros(1, 3))
    no_stats = nn.BatchNorm1d(3, track_running_stats=False)
    assert no_stats.running_mean is None and list(no_stats.state_dict()) == ["weight", "bias"]
    run_both(no_stats, torch.nn.BatchNorm1d(3, track_running_stats=False), randn(4, 3))


ACTIVATIONS = [
    ("ReLU", (), {}),
    ("LeakyReLU", (), {}),
    ("LeakyReLU", (0.2,), {}),
    ("GELU", (), {}),
    ("GELU", (), {"approximate": "tanh"}),
    ("SiLU", (), {}),
    ("Sigmoid", (), {}),
    ("Tanh", (), {}),
    ("Softmax", (), {"dim": 1}),
    ("Softmax", (), {"dim": 0}),
    ("LogSoftmax", (), {"dim": 1}),
    ("LogSoftmax", (), {"dim": -1}),
]


@pytest.mark.parametrize("name,args,kwargs", ACTIVATIONS, ids=[f"{a[0]}{a[1]}{a[2]}" for a in ACTIVATIONS])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_activation(name, args, kwargs, dtype):
    x = randn(4, 5, dtype=dtype) * 3
    x = x.detach().requires_grad_(True)
    run_both(getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs), x)


def test_softmax_implicit_dim_warns_like_torch():
    x = randn(3, 4)
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax has been deprecated"):
        out = nn.Softmax()(fg_tensor(x))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_close(out, torch.nn.Softmax()(x))


def test_softmax_is_stable_for_large_inputs():
    x = torch.tensor([[1000.0, 0.0, -1000.0]], requires_grad=True)
    run_both(nn.Softmax(dim=1), torch.nn.Softmax(dim=1), x)
    run_both(nn.LogSoftmax(dim=1), torch.nn.LogSoftmax(dim=1), x.detach().requires_grad_(True))


# ---- losses vs torch ----

REGRESSION_LOSSES = [
    ("MSELoss", {}),
    ("MSELoss", {"reduction": "sum"}),
    ("MSELoss", {"reduction": "none"}),
    ("L1Loss", {}),
    ("L1Loss", {"reduction": "sum"}),
    ("L1Loss", {"reduction": "none"}),
    ("SmoothL1Loss", {}),
    ("SmoothL1Loss", {"beta": 0.5}),
    ("SmoothL1Loss", {"beta": 0.0, "reduction": "sum"}),
    ("HuberLoss", {}),
    ("HuberLoss", {"delta": 0.7, "reduction": "none"}),
]


@pytest.mark.parametrize("name,kwargs", REGRESSION_LOSSES, ids=[f"{n}{k}" for n, k in REGRESSION_LOSSES])
def test_regression_loss(name, kwargs):
    x = randn(6, 3, seed=1) * 2
    y = randn(6, 3, requires_grad=False, seed=2)
    run_both(
        getattr(nn, name)(**kwargs), getattr(torch.nn, name)(**kwargs), x.detach().requires_grad_(True), y
    )


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_bce_losses(reduction):
    p = torch.sigmoid(randn(5, 3, seed=3)).detach().requires_grad_(True)
    t = torch.rand(5, 3, generator=torch.Generator().manual_seed(4))
    w = torch.rand(3, generator=torch.Generator().manual_seed(5))
    run_both(nn.BCELoss(reduction=reduction), torch.nn.BCELoss(reduction=reduction), p, t)
    run_both(
        nn.BCELoss(weight=fg_tensor(w), reduction=reduction),
        torch.nn.BCELoss(weight=w, reduction=reduction),
        p.detach().requires_grad_(True),
        t,
    )
    logits = randn(5, 3, seed=6)
    run_both(
        nn.BCEWithLogitsLoss(reduction=reduction), torch.nn.BCEWithLogitsLoss(reduction=reduction), logits, t
    )
    run_both(
        nn.BCEWithLogitsLoss(pos_weight=fg_tensor(w), reduction=reduction),
        torch.nn.BCEWithLogitsLoss(pos_weight=w, reduction=reduction),
        logits.detach().requires_grad_(True),
        t,
    )


def test_bce_rejects_bad_inputs():
    with pytest.raises(ValueError, match="Using a target size"):
        nn.BCELoss()(fastgrad.full((2, 3), 0.5), fastgrad.zeros(3, 2))


CLASSIFICATION_CASES = [
    ({}, (6, 5)),
    ({"reduction": "sum"}, (6, 5)),
    ({"reduction": "none"}, (6, 5)),
    ({"weight": True}, (6, 5)),
    ({"weight": True, "reduction": "none"}, (6, 5)),
    ({"ignore_index": 1}, (6, 5)),
    ({"ignore_index": 1, "weight": True}, (6, 5)),
    ({}, (5,)),
    ({}, (4, 5, 3)),
    ({"weight": True, "reduction": "sum"}, (4, 5, 3)),
]


@pytest.mark.parametrize(
    "kwargs,shape", CLASSIFICATION_CASES, ids=[f"{k}{s}" for k, s in CLASSIFICATION_CASES]
)
def test_nll_and_cross_entropy(kwargs, shape):
    c = shape[1] if len(shape) > 1 else shape[0]
    target_shape = (shape[0],) + shape[2:] if len(shape) > 1 else ()
    target = torch.randint(0, c, target_shape, generator=torch.Generator().manual_seed(7))
    if target.dim() >= 1:
        target.view(-1)[0] = 1  # make sure ignore_index=1 has something to ignore
    kw_t, kw_f = dict(kwargs), dict(kwargs)
    if kwargs.get("weight"):
        w = torch.rand(c, generator=torch.Generator().manual_seed(8)) + 0.5
        kw_t["weight"], kw_f["weight"] = w, fg_tensor(w)
    logits = randn(*shape, seed=9)
    run_both(nn.CrossEntropyLoss(**kw_f), torch.nn.CrossEntropyLoss(**kw_t), logits, target)
    logp = (
        torch.log_softmax(randn(*shape, seed=10), dim=0 if len(shape) == 1 else 1)
        .detach()
        .requires_grad_(True)
    )
    run_both(nn.NLLLoss(**kw_f), torch.nn.NLLLoss(**kw_t), logp, target)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_label_smoothing_and_probabilities(reduction):
    logits = randn(6, 4, seed=11)
    target = torch.tensor([0, 1, 2, 3, 1, 0])
    w = torch.tensor([0.5, 1.0, 2.0, 1.5])
    for kw in [{}, {"ignore_index": 2}, {"weight": w}]:
        kw_f = {k: (fg_tensor(v) if isinstance(v, torch.Tensor) else v) for k, v in kw.items()}
        run_both(
            nn.CrossEntropyLoss(label_smoothing=0.2, reduction=reduction, **kw_f),
            torch.nn.CrossEntropyLoss(label_smoothing=0.2, reduction=reduction, **kw),
            logits.detach().requires_grad_(True),
            target,
        )
    probs = torch.softmax(randn(6, 4, seed=12, requires_grad=False), dim=1)
    run_both(
        nn.CrossEntropyLoss(reduction=reduction),
        torch.nn.CrossEntropyLoss(reduction=reduction),
        logits.detach().requires_grad_(True),
        probs,
    )
    run_both(
        nn.CrossEntropyLoss(reduction=reduction, label_smoothing=0.1),
        torch.nn.CrossEntropyLoss(reduction=reduction, label_smoothing=0.1),
        logits.detach().requires_grad_(True),
        probs,
    )


def test_loss_float64():
    x = randn(6, 4, dtype=torch.float64, seed=13)
    t = torch.tensor([0, 1, 2, 3, 1, 0])
    run_both(nn.CrossEntropyLoss(), torch.nn.CrossEntropyLoss(), x, t)
    run_both(
        nn.L1Loss(),
        torch.nn.L1Loss(),
        x.detach().requires_grad_(True),
        randn(6, 4, dtype=torch.float64, requires_grad=False),
    )


def test_loss_module_weight_is_a_buffer():
    loss = nn.CrossEntropyLoss(weight=fastgrad.ones(3))
    assert list(loss.state_dict()) == ["weight"]
    assert list(nn.BCEWithLogitsLoss(pos_weight=fastgrad.ones(2)).state_dict()) == ["pos_weight"]


# ---- initialisation ----


@pytest.mark.parametrize("seed", [0, 1, 42])
def test_default_linear_init_equals_torch(seed):
    fastgrad.manual_seed(seed)
    torch.manual_seed(seed)
    ours = nn.Sequential(nn.Linear(7, 5), nn.Linear(5, 3), nn.Linear(3, 1, bias=False), nn.Linear(64, 32))
    theirs = torch.nn.Sequential(
        torch.nn.Linear(7, 5),
        torch.nn.Linear(5, 3),
        torch.nn.Linear(3, 1, bias=False),
        torch.nn.Linear(64, 32),
    )
    for (n1, a), (n2, b) in zip(ours.state_dict().items(), theirs.state_dict().items()):
        assert n1 == n2
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    # the stream stays in step afterwards
    np.testing.assert_array_equal(fastgrad.rand(3).numpy(), torch.rand(3).numpy())


def test_default_init_of_other_layers_equals_torch():
    fastgrad.manual_seed(3)
    torch.manual_seed(3)
    ours = [nn.Bilinear(3, 4, 2), nn.LayerNorm(3), nn.BatchNorm1d(2), nn.Embedding(6, 4)]
    theirs = [
        torch.nn.Bilinear(3, 4, 2),
        torch.nn.LayerNorm(3),
        torch.nn.BatchNorm1d(2),
        torch.nn.Embedding(6, 4),
    ]
    for a, b in zip(ours, theirs):
        for (n1, x), (n2, y) in zip(a.state_dict().items(), b.state_dict().items()):
            assert n1 == n2
            # normal draws may differ from PyTorch's in the last bit if the core lacks Tensor.normal_
            np.testing.assert_allclose(x.numpy(), y.numpy(), rtol=1e-6, atol=1e-7)


INITS = [
    ("uniform_", {"a": -0.3, "b": 0.7}),
    ("normal_", {"mean": 0.5, "std": 2.0}),
    ("zeros_", {}),
    ("ones_", {}),
    ("constant_", {"val": 0.25}),
    ("xavier_uniform_", {}),
    ("xavier_uniform_", {"gain": 2.0}),
    ("xavier_normal_", {}),
    ("kaiming_uniform_", {}),
    ("kaiming_uniform_", {"a": 0.1, "mode": "fan_out"}),
    ("kaiming_uniform_", {"nonlinearity": "relu"}),
    ("kaiming_normal_", {}),
    ("kaiming_normal_", {"mode": "fan_out", "nonlinearity": "relu"}),
    ("eye_", {}),
]


@pytest.mark.parametrize("name,kwargs", INITS, ids=[f"{n}{k}" for n, k in INITS])
@pytest.mark.parametrize("shape", [(5, 7), (20, 30)])
def test_init_functions_match_torch(name, kwargs, shape):
    fastgrad.manual_seed(11)
    torch.manual_seed(11)
    a = getattr(nn.init, name)(fastgrad.empty(shape), **kwargs)
    b = getattr(torch.nn.init, name)(torch.empty(shape), **kwargs)
    if "normal" in name:
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6, atol=1e-7)
    else:
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_trunc_normal_matches_torch_closely():
    fastgrad.manual_seed(5)
    torch.manual_seed(5)
    a = nn.init.trunc_normal_(fastgrad.empty(50, 40), mean=0.1, std=0.5, a=-0.5, b=0.8)
    b = torch.nn.init.trunc_normal_(torch.empty(50, 40), mean=0.1, std=0.5, a=-0.5, b=0.8)
    np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)
    assert a.numpy().min() >= -0.5 and a.numpy().max() <= 0.8


def test_init_helpers_and_errors_match_torch():
    for nl, param in [
        ("linear", None),
        ("sigmoid", None),
        ("tanh", None),
        ("relu", None),
        ("leaky_relu", None),
        ("leaky_relu", 0.2),
        ("selu", None),
        ("conv2d", None),
    ]:
        assert nn.init.calculate_gain(nl, param) == torch.nn.init.calculate_gain(nl, param)
    for bad in [("foo", None), ("leaky_relu", "x")]:
        with pytest.raises(ValueError) as e1:
            nn.init.calculate_gain(*bad)
        with pytest.raises(ValueError) as e2:
            torch.nn.init.calculate_gain(*bad)
        assert str(e1.value) == str(e2.value)
    t = fastgrad.empty(4, 3, 2, 2)
    assert nn.init._calculate_fan_in_and_fan_out(t) == torch.nn.init._calculate_fan_in_and_fan_out(
        torch.empty(4, 3, 2, 2)
    )
    with pytest.raises(
        ValueError, match="Fan in and fan out can not be computed for tensor with fewer than 2"
    ):
        nn.init.xavier_uniform_(fastgrad.empty(3))
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        nn.init.kaiming_uniform_(fastgrad.empty(3, 3), mode="fan_avg")


def test_init_with_generator_matches_torch():
    g1 = fastgrad.Generator()
    g1.manual_seed(9)
    g2 = torch.Generator().manual_seed(9)
    a = nn.init.uniform_(fastgrad.empty(4, 4), -1, 1, generator=g1)
    b = torch.nn.init.uniform_(torch.empty(4, 4), -1, 1, generator=g2)
    np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_init_runs_without_recording_history():
    p = nn.Parameter(fastgrad.empty(3, 3))
    nn.init.kaiming_normal_(p)
    assert p.grad_fn is None and p.is_leaf and p.requires_grad


def test_orthogonal_init_is_orthogonal():
    w = nn.init.orthogonal_(fastgrad.empty(4, 6))
    np.testing.assert_allclose(w.numpy() @ w.numpy().T, np.eye(4), atol=1e-5)


# ---- a small end-to-end training loop, both libraries in lockstep ----


def test_mlp_training_matches_torch_step_by_step():
    fastgrad.manual_seed(0)
    torch.manual_seed(0)
    ours = nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 3))
    theirs = torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.Tanh(), torch.nn.Linear(16, 3))
    x = randn(32, 4, requires_grad=False)
    y = torch.randint(0, 3, (32,), generator=torch.Generator().manual_seed(1))
    opt_f = fastgrad.optim.SGD(ours.parameters(), lr=0.1, momentum=0.9)
    opt_t = torch.optim.SGD(theirs.parameters(), lr=0.1, momentum=0.9)
    xf, yf = fg_tensor(x), fg_tensor(y)
    for _ in range(10):
        opt_f.zero_grad()
        opt_t.zero_grad()
        lf = (
            F.cross_entropy(ours(xf), yf)
            if hasattr(F, "cross_entropy")
            else nn.CrossEntropyLoss()(ours(xf), yf)
        )
        lt = torch.nn.functional.cross_entropy(theirs(x), y)
        lf.backward()
        lt.backward()
        opt_f.step()
        opt_t.step()
        assert math.isclose(lf.item(), lt.item(), rel_tol=1e-5)
    for a, b in zip(ours.parameters(), theirs.parameters()):
        assert_close(a, b, rtol=1e-4, atol=1e-5)


# ---- copy.deepcopy and nn.utils ----


def test_deepcopy_clones_parameters_and_buffers():
    import copy

    net = Net()
    net.shared = net.fc1  # a module reachable twice stays one module in the copy
    clone = copy.deepcopy(net)
    assert clone.fc1 is clone.shared and clone.fc1 is not net.fc1
    assert isinstance(clone.fc1.weight, nn.Parameter) and clone.fc1.weight.requires_grad
    assert clone.fc1.weight is not net.fc1.weight
    np.testing.assert_array_equal(clone.fc1.weight.detach().numpy(), net.fc1.weight.detach().numpy())
    with fastgrad.no_grad():
        clone.fc1.weight.add_(1.0)
        clone.steps.add_(1.0)
    assert not np.array_equal(clone.fc1.weight.detach().numpy(), net.fc1.weight.detach().numpy())
    assert net.steps.tolist() == [0.0]
    x = fastgrad.randn(2, 4)
    assert clone(x).shape == net(x).shape


def test_clip_grad_norm_and_value_match_torch():
    ours, theirs = [], []
    for i, shape in enumerate([(3, 4), (5,)]):
        g = np.random.default_rng(i).standard_normal(shape).astype(np.float32) * 3
        p = nn.Parameter(fastgrad.zeros(*shape))
        p.grad = fastgrad.from_numpy(g.copy())
        q = torch.nn.Parameter(torch.zeros(*shape))
        q.grad = torch.from_numpy(g.copy())
        ours.append(p)
        theirs.append(q)
    for norm_type in [2.0, 1.0, float("inf")]:
        total_f = nn.utils.clip_grad_norm_(ours, max_norm=1.0, norm_type=norm_type)
        total_t = torch.nn.utils.clip_grad_norm_(theirs, max_norm=1.0, norm_type=norm_type)
        np.testing.assert_allclose(total_f.item(), total_t.item(), rtol=1e-5)
        for p, q in zip(ours, theirs):
            assert_close(p.grad, q.grad)
    nn.utils.clip_grad_value_(ours, 0.1)
    torch.nn.utils.clip_grad_value_(theirs, 0.1)
    for p, q in zip(ours, theirs):
        assert_close(p.grad, q.grad)


def test_parameters_to_vector_and_back():
    lin = nn.Linear(3, 2)
    vec = nn.utils.parameters_to_vector(lin.parameters())
    assert vec.shape == (8,)
    nn.utils.vector_to_parameters(vec * 0 + 1, lin.parameters())
    assert lin.weight.detach().numpy().sum() == 6 and lin.bias.detach().numpy().sum() == 2


# ---- nn.functional, the ops the layers call, against torch.nn.functional ----

F = fastgrad.nn.functional

FUNCTIONAL_CASES = [
    ("linear", lambda t: [randn(5, 4), randn(3, 4, seed=1), randn(3, seed=2)], {}),
    ("bilinear", lambda t: [randn(5, 3), randn(5, 4, seed=1), randn(2, 3, 4, seed=2), randn(2, seed=3)], {}),
    ("layer_norm", lambda t: [randn(3, 4), (4,), randn(4, seed=1), randn(4, seed=2)], {}),
    ("leaky_relu", lambda t: [randn(4, 5)], {"negative_slope": 0.2}),
    ("gelu", lambda t: [randn(4, 5)], {}),
    ("gelu", lambda t: [randn(4, 5)], {"approximate": "tanh"}),
    ("silu", lambda t: [randn(4, 5)], {}),
    ("softmax", lambda t: [randn(4, 5)], {"dim": 1}),
    ("log_softmax", lambda t: [randn(4, 5)], {"dim": 0}),
    ("l1_loss", lambda t: [randn(4, 5), randn(4, 5, seed=1, requires_grad=False)], {}),
    ("smooth_l1_loss", lambda t: [randn(4, 5), randn(4, 5, seed=1, requires_grad=False)], {"beta": 0.5}),
    ("huber_loss", lambda t: [randn(4, 5), randn(4, 5, seed=1, requires_grad=False)], {"delta": 0.5}),
    (
        "binary_cross_entropy",
        lambda t: [
            t.sigmoid(randn(4, 5)).detach().requires_grad_(True),
            t.rand(4, 5, generator=t.Generator().manual_seed(0)),
        ],
        {},
    ),
    (
        "nll_loss",
        lambda t: [
            t.log_softmax(randn(6, 4), 1).detach().requires_grad_(True),
            t.tensor([0, 1, 2, 3, 1, -100]),
        ],
        {},
    ),
    ("cross_entropy", lambda t: [randn(6, 4), t.tensor([0, 1, 2, 3, 1, 2])], {"label_smoothing": 0.1}),
    (
        "cross_entropy",
        lambda t: [randn(2, 4, 3), t.tensor([[0, 1, 2], [3, 1, 2]])],
        {"weight": torch.ones(4) * 2},
    ),
]


@pytest.mark.parametrize("name,make,kwargs", FUNCTIONAL_CASES, ids=[f"{c[0]}{c[2]}" for c in FUNCTIONAL_CASES])
def test_functional_matches_torch_functional(name, make, kwargs):
    theirs = make(torch)
    ours = [fg_tensor(a) if isinstance(a, torch.Tensor) else a for a in theirs]
    kw_f = {k: fg_tensor(v) if isinstance(v, torch.Tensor) else v for k, v in kwargs.items()}
    out_t = getattr(torch.nn.functional, name)(*theirs, **kwargs)
    out_f = getattr(F, name)(*ours, **kw_f)
    assert_close(out_f, out_t)
    out_t.sum().backward()
    out_f.sum().backward()
    for a, b in zip(ours, theirs):
        if isinstance(b, torch.Tensor) and b.requires_grad:
            assert_close(a.grad, b.grad)


def test_functional_embedding_and_batch_norm_match_torch():
    w = randn(10, 3)
    idx = torch.tensor([[1, 2, 0], [4, 0, 9]])
    wf = fg_tensor(w)
    out_f = F.embedding(fg_tensor(idx), wf, padding_idx=0)
    out_t = torch.nn.functional.embedding(idx, w, padding_idx=0)
    assert_close(out_f, out_t)
    out_f.sum().backward()
    out_t.sum().backward()
    assert_close(wf.grad, w.grad)
    x = randn(6, 3, 4)
    rm_t, rv_t = torch.zeros(3), torch.ones(3)
    rm_f, rv_f = fastgrad.zeros(3), fastgrad.ones(3)
    out_t = torch.nn.functional.batch_norm(x, rm_t, rv_t, training=True, momentum=0.2)
    out_f = F.batch_norm(fg_tensor(x), rm_f, rv_f, training=True, momentum=0.2)
    assert_close(out_f, out_t)
    assert_close(rm_f, rm_t)
    assert_close(rv_f, rv_t)
