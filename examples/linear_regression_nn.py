"""The seed blog's linear regression, one step further: nn.Linear, optim.SGD and nn.MSELoss do the work.

Daniel Godoy's "Automatic Differentiation in PyTorch" (seed 002) fits y = 1 + 2x + noise by hand: parameters
b and w, backward(), an update under no_grad(), zero_(). Its sequel replaces each piece with PyTorch's
building blocks: the model is nn.Linear(1, 1) (w and b become its weight and bias), the loss is
nn.MSELoss, and optim.SGD updates the parameters and zeroes their gradients. Then the graph of one
prediction is drawn with make_dot: to a PNG when Graphviz's `dot` program is installed, else as DOT text.

    python examples/linear_regression_nn.py [--out-dir DIR]                  # on fastgrad
    FASTGRAD_EXAMPLES_BACKEND=torch python examples/linear_regression_nn.py  # the same code on PyTorch
                                                                             # (make_dot from torchviz)

The script prints what PyTorch prints for the same code (tests/python/test_examples.py compares them);
where the picture went is reported on stderr. Pictures go to DIR, by default a folder in the temp dir.
"""

import argparse
import os
from typing import TYPE_CHECKING
import shutil
import sys
import tempfile

import numpy as np

if os.environ.get("FASTGRAD_EXAMPLES_BACKEND", "fastgrad") == "torch" and not TYPE_CHECKING:  # mypy: fastgrad
    import torch
    import torch.nn as nn
    import torch.optim as optim

    def make_dot(*args, **kwargs):
        from torchviz import make_dot as torchviz_make_dot  # pip install torchviz

        return torchviz_make_dot(*args, **kwargs)
else:
    import fastgrad as torch
    import fastgrad.nn as nn
    import fastgrad.optim as optim
    from fastgrad.viz import make_dot

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument(
    "--out-dir",
    default=os.path.join(tempfile.gettempdir(), "fastgrad-examples"),
    help="where the graph picture (or DOT text) is written",
)
parser.add_argument("--epochs", type=int, default=1000)
args = parser.parse_args()

# Data generation, as in the post: 100 points, shuffled, the first 80 for training.
np.random.seed(42)
x = np.random.rand(100, 1)
y = 1 + 2 * x + 0.1 * np.random.randn(100, 1)
idx = np.arange(100)
np.random.shuffle(idx)
train_idx, val_idx = idx[:80], idx[80:]
x_train, y_train = x[train_idx], y[train_idx]
x_val, y_val = x[val_idx], y[val_idx]

device = "cuda" if torch.cuda.is_available() else "cpu"
x_train_tensor = torch.from_numpy(x_train).float().to(device)
y_train_tensor = torch.from_numpy(y_train).float().to(device)
x_val_tensor = torch.from_numpy(x_val).float().to(device)
y_val_tensor = torch.from_numpy(y_val).float().to(device)

# The model: one Linear layer holds b (bias) and w (weight), initialised as PyTorch initialises them.
torch.manual_seed(42)
model = nn.Sequential(nn.Linear(1, 1)).to(device)
print(model)
print(f"initial state: {model.state_dict()}")

lr = 1e-1
loss_fn = nn.MSELoss(reduction="mean")
optimizer = optim.SGD(model.parameters(), lr=lr)

for epoch in range(args.epochs):
    model.train()
    yhat = model(x_train_tensor)  # Step 1: forward pass
    loss = loss_fn(yhat, y_train_tensor)  # Step 2: the loss
    loss.backward()  # Step 3: gradients of b and w
    optimizer.step()  # Step 4: b -= lr * b.grad, w -= lr * w.grad
    optimizer.zero_grad()  # ... and b.grad, w.grad reset
    if epoch in (0, 1, args.epochs - 1):
        print(f"epoch {epoch}: loss = {loss.item():.6f}")

model.eval()
with torch.no_grad():
    val_loss = loss_fn(model(x_val_tensor), y_val_tensor)
print(f"validation loss: {val_loss.item():.6f}")
print(f"fitted state: {model.state_dict()}")

# The closed-form least-squares fit of the same data, for comparison.
X = np.hstack([np.ones_like(x_train), x_train])
b_ls, w_ls = np.linalg.lstsq(X, y_train, rcond=None)[0].ravel()
print(f"least squares: b = {b_ls:.4f}, w = {w_ls:.4f}")

# The dynamic computation graph of one prediction, with the parameters labelled by name.
yhat = model(x_train_tensor)
try:
    dot = make_dot(yhat, params=dict(model.named_parameters()))
except ImportError as exc:
    print(f"no graph picture: {exc}", file=sys.stderr)
else:
    os.makedirs(args.out_dir, exist_ok=True)
    base = os.path.join(args.out_dir, "linear_regression_nn_graph")
    if shutil.which("dot"):
        path = dot.render(base, format="png", cleanup=True)
        print(f"graph drawn to {path}", file=sys.stderr)
    else:
        with open(base + ".dot", "w") as f:
            f.write(dot.source)
        print(
            f"Graphviz's dot program is not installed: graph written as DOT text to {base}.dot",
            file=sys.stderr,
        )
