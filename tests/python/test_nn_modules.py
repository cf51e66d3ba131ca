"""nn: Module behaviour against PyTorch: Parameter, registration and traversal of parameters, buffers and
submodules, attribute errors, train/eval, dtype conversion, forward hooks, state_dict round trips and errors,
repr (of the layers and of user modules), containers (Sequential, ModuleList/ModuleDict,
ParameterList/ParameterDict)."""

from collections import OrderedDict

import fastgrad
import fastgrad.nn as nn
import numpy as np
import pytest
from nn_module_helpers import Net, TorchNet, assert_close, copy_state, fg_tensor, randn, run_both, torch_name

torch = pytest.importorskip("torch")


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
