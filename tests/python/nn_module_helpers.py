"""Helpers of the nn tests that compare modules with PyTorch's (test_nn_modules.py, test_nn_layers.py,
test_nn_init_training_utils.py): a torch tensor's values as a fastgrad tensor, a torch module's state copied
into a fastgrad module, forward and backward of both on the same inputs with every output, input gradient,
parameter gradient and buffer compared; a small network in both libraries."""

from collections import OrderedDict

import fastgrad
import fastgrad.nn as nn
import numpy as np
import pytest

torch = pytest.importorskip("torch")


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
