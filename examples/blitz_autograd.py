"""The 60-minute blitz's "Autograd: Automatic Differentiation", on fastgrad.

Seed 003: x = ones(2, 2) with requires_grad, y = x + 2, z = y * y * 3, out = z.mean(), out.backward() gives
x.grad = 4.5 everywhere; requires_grad_(); a vector-Jacobian product through a data-dependent loop; no_grad().

    python examples/blitz_autograd.py                                   # on fastgrad
    FASTGRAD_EXAMPLES_BACKEND=torch python examples/blitz_autograd.py   # the same code on PyTorch
"""
import os
from typing import TYPE_CHECKING

if os.environ.get("FASTGRAD_EXAMPLES_BACKEND", "fastgrad") == "torch" and not TYPE_CHECKING:  # mypy: fastgrad
    import torch
else:
    import fastgrad as torch

# The tutorial draws random numbers without a seed; seeding makes the run repeatable (and the same on both
# backends, since fastgrad reproduces PyTorch's CPU random stream).
torch.manual_seed(0)

# Create a tensor and set requires_grad=True to track computation with it
x = torch.ones(2, 2, requires_grad=True)
print(x)

# Do an operation of tensor:
y = x + 2
print(y)

# y was created as a result of an operation, so it has a grad_fn.
print(y.grad_fn)

# Do more operations on y
z = y * y * 3
out = z.mean()

print(z, out)

# .requires_grad_( ... ) changes an existing Tensor's requires_grad flag in-place.
a = torch.randn(2, 2)
a = ((a * 3) / (a - 1))
print(a.requires_grad)
a.requires_grad_(True)
print(a.requires_grad)
b = (a * a).sum()
print(b.grad_fn)

# Let's backprop now. Because out contains a single scalar, out.backward() is equivalent to
# out.backward(torch.tensor(1.)).
out.backward()

# print gradients d(out)/dx
print(x.grad)

# You can do many crazy things with autograd!
x = torch.randn(3, requires_grad=True)

y = x * 2
while y.data.norm() < 1000:
    y = y * 2

print(y)

gradients = torch.tensor([0.1, 1.0, 0.0001], dtype=torch.float)
y.backward(gradients)

print(x.grad)

# You can also stop autograd from tracking history on Tensors with .requires_grad=True by wrapping the code
# block in with torch.no_grad():
print(x.requires_grad)
print((x ** 2).requires_grad)

with torch.no_grad():
    print((x ** 2).requires_grad)
