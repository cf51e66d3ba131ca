"""Daniel Godoy's "Automatic Differentiation in PyTorch" (linear regression with autograd), on fastgrad.

Seed 002. The data are made exactly as in the post: y = 1 + 2x + noise, 100 points, shuffled, the first 80
for training. Then: requires_grad parameters, backward(), grad, zero_(), the in-place update that fails
outside no_grad(), the training loop (lr 0.1, 1000 epochs), and the dynamic computation graph examples. The
post draws the graphs with make_dot(); here each graph is printed as its chain of grad_fn nodes instead.

    python examples/linear_regression.py                                   # on fastgrad
    FASTGRAD_EXAMPLES_BACKEND=torch python examples/linear_regression.py   # the same code on PyTorch
"""
import os
from typing import TYPE_CHECKING

import numpy as np

if os.environ.get("FASTGRAD_EXAMPLES_BACKEND", "fastgrad") == "torch" and not TYPE_CHECKING:  # mypy: fastgrad
    import torch
else:
    import fastgrad as torch


def print_graph(tensor):
    """Prints the graph behind `tensor` from its grad_fn down to the leaves (what make_dot draws)."""
    stack = [(tensor.grad_fn, 0)]  # an explicit stack: graphs can be deep
    while stack:
        node, depth = stack.pop()
        if node is None:
            continue
        label = type(node).__name__  # node.name() is "torch::autograd::AccumulateGrad" on PyTorch
        if hasattr(node, "variable"):
            label += f" (leaf of shape {tuple(node.variable.shape)})"
        print("    " * depth + label)
        for child, _ in reversed(node.next_functions):
            stack.append((child, depth + 1))


# Data generation, as in the post.
np.random.seed(42)
x = np.random.rand(100, 1)
y = 1 + 2 * x + .1 * np.random.randn(100, 1)

# Shuffles the indices; uses the first 80 random indices for train, the remaining 20 for validation.
idx = np.arange(100)
np.random.shuffle(idx)
train_idx = idx[:80]
val_idx = idx[80:]
x_train, y_train = x[train_idx], y[train_idx]
x_val, y_val = x[val_idx], y[val_idx]

device = 'cuda' if torch.cuda.is_available() else 'cpu'
x_train_tensor = torch.from_numpy(x_train).float().to(device)
y_train_tensor = torch.from_numpy(y_train).float().to(device)

# Step 0 - Initializes parameters "b" and "w" randomly
torch.manual_seed(42)
b = torch.randn(1, requires_grad=True, dtype=torch.float, device=device)
w = torch.randn(1, requires_grad=True, dtype=torch.float, device=device)
print(f"initial: b = {b}, w = {w}")

# Step 1 - Computes our model's predicted output - forward pass
yhat = b + w * x_train_tensor
# Step 2 - Computes the loss (MSE over all the training points: batch gradient descent)
error = (y_train_tensor - yhat)
loss = (error ** 2).mean()
print(f"loss = {loss}")
# Step 3 - Computes gradients for both "b" and "w" parameters
loss.backward()
print(f"b.grad, w.grad = {b.grad}, {w.grad}")
print(f"requires_grad: b {b.requires_grad}, w {w.requires_grad}, yhat {yhat.requires_grad}, "
      f"error {error.requires_grad}, x_train_tensor {x_train_tensor.requires_grad}")

# Gradients accumulate: a second backward (on a new graph) doubles them...
loss = ((y_train_tensor - (b + w * x_train_tensor)) ** 2).mean()
loss.backward()
print(f"accumulated: b.grad, w.grad = {b.grad}, {w.grad}")
# ... so they are zeroed after each update.
b.grad.zero_(), w.grad.zero_()
print(f"zeroed: b.grad, w.grad = {b.grad}, {w.grad}")

# Attempt at Step 4: updating a leaf in place while autograd records fails.
lr = 0.1
try:
    b -= lr * b.grad
    print("in-place update of a leaf outside no_grad: no error")
except RuntimeError as e:
    print(f"RuntimeError: {e}")

# Putting it all together: the training loop.
torch.manual_seed(42)
b = torch.randn(1, requires_grad=True, dtype=torch.float, device=device)
w = torch.randn(1, requires_grad=True, dtype=torch.float, device=device)

lr = 0.1
n_epochs = 1000
for epoch in range(n_epochs):
    # Step 1 - Computes our model's predicted output - forward pass
    yhat = b + w * x_train_tensor
    # Step 2 - Computes the loss
    error = (y_train_tensor - yhat)
    loss = (error ** 2).mean()
    # Step 3 - Computes gradients for both "b" and "w" parameters
    loss.backward()
    if epoch == 0:
        print(f"epoch 0: loss = {loss.item():.6f}, b.grad = {b.grad.item():.6f}, w.grad = {w.grad.item():.6f}")
    # Step 4, for real
    with torch.no_grad():
        b -= lr * b.grad
        w -= lr * w.grad
    b.grad.zero_(), w.grad.zero_()

print(f"after {n_epochs} epochs: loss = {loss.item():.6f}")
print(f"fitted: b = {b}, w = {w}")

# The closed-form least-squares fit of the same data, for comparison.
X = np.hstack([np.ones_like(x_train), x_train])
b_ls, w_ls = np.linalg.lstsq(X, y_train, rcond=None)[0].ravel()
print(f"least squares: b = {b_ls:.4f}, w = {w_ls:.4f}")

# Dynamic Computation Graph: make_dot(yhat)
torch.manual_seed(42)
b = torch.randn(1, requires_grad=True, dtype=torch.float, device=device)
w = torch.randn(1, requires_grad=True, dtype=torch.float, device=device)
yhat = b + w * x_train_tensor
print("\ngraph of yhat:")
print_graph(yhat)

# New Step 0: b does not require grad, so it is not part of the graph.
b_nograd = torch.randn(1, requires_grad=False, dtype=torch.float, device=device)
w = torch.randn(1, requires_grad=True, dtype=torch.float, device=device)
yhat = b_nograd + w * x_train_tensor
print("\ngraph of yhat with b_nograd:")
print_graph(yhat)

# Control flow in the graph (the computation itself is nonsense, as the post says).
b = torch.randn(1, requires_grad=True, dtype=torch.float, device=device)
w = torch.randn(1, requires_grad=True, dtype=torch.float, device=device)

yhat = b + w * x_train_tensor
error = y_train_tensor - yhat
loss = (error ** 2).mean()

# this makes no sense!!
if loss > 0:
    yhat2 = w * x_train_tensor
    error2 = y_train_tensor - yhat2

# neither does this :-)
loss += error2.mean()

print("\ngraph of loss with control flow:")
print_graph(loss)
loss.backward()
print(f"b.grad = {b.grad}, w.grad = {w.grad}")
