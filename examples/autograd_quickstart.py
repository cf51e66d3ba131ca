"""The PyTorch autograd quickstart ("Automatic Differentiation with torch.autograd"), on fastgrad.

Seeds 000, 001 and 004 are three copies of this tutorial (two notebooks and the tutorial's source); this
script runs all of their code: a one-layer network with a BCE-with-logits loss, the grad_fn of its outputs,
w.grad and b.grad after backward(), disabling tracking with no_grad() and detach(), and vector-Jacobian
products with gradient accumulation.

    python examples/autograd_quickstart.py                                   # on fastgrad
    FASTGRAD_EXAMPLES_BACKEND=torch python examples/autograd_quickstart.py   # the same code on PyTorch
"""
import os
from typing import TYPE_CHECKING

if os.environ.get("FASTGRAD_EXAMPLES_BACKEND", "fastgrad") == "torch" and not TYPE_CHECKING:  # mypy: fastgrad
    import torch
else:
    import fastgrad as torch

# The tutorial draws w and b without a seed; seeding makes the run repeatable (and the same on both backends,
# since fastgrad reproduces PyTorch's CPU random stream).
torch.manual_seed(0)

x = torch.ones(5)  # input tensor
y = torch.zeros(3)  # expected output
w = torch.randn(5, 3, requires_grad=True)
b = torch.randn(3, requires_grad=True)
z = torch.matmul(x, w) + b
loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y)

# Tensors, Functions and Computational graph
print(f"Gradient function for z = {z.grad_fn}")
print(f"Gradient function for loss = {loss.grad_fn}")

# Computing Gradients
loss.backward()
print(w.grad)
print(b.grad)

# Disabling Gradient Tracking
z = torch.matmul(x, w) + b
print(z.requires_grad)

with torch.no_grad():
    z = torch.matmul(x, w) + b
print(z.requires_grad)

z = torch.matmul(x, w) + b
z_det = z.detach()
print(z_det.requires_grad)

# Optional Reading: Tensor Gradients and Jacobian Products
inp = torch.eye(4, 5, requires_grad=True)
out = (inp + 1).pow(2).t()
out.backward(torch.ones_like(out), retain_graph=True)
print(f"First call\n{inp.grad}")
out.backward(torch.ones_like(out), retain_graph=True)
print(f"\nSecond call\n{inp.grad}")
inp.grad.zero_()
out.backward(torch.ones_like(out), retain_graph=True)
print(f"\nCall after zeroing gradients\n{inp.grad}")

# "Previously we were calling backward() function without parameters. This is essentially equivalent to
# calling backward(torch.tensor(1.0))": check it on the loss above.
w.grad.zero_()
loss = torch.nn.functional.binary_cross_entropy_with_logits(torch.matmul(x, w) + b, y)
loss.backward(torch.tensor(1.0))
print(f"\nw.grad after backward(torch.tensor(1.0))\n{w.grad}")
