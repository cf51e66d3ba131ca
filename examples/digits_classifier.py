"""Handwritten digits with an MLP: nn, optim.Adam, a DataLoader and a tqdm progress bar, on real data.

scikit-learn ships the UCI digits set (1,797 8x8 greyscale images, no download). An MLP with one hidden
layer learns it with Adam on shuffled mini-batches from a DataLoader; a progress bar follows the epochs,
the test accuracy is printed at the end, and the loss curve is saved as a PNG when matplotlib is installed.

    python examples/digits_classifier.py [--epochs N] [--out-dir DIR]            # on fastgrad
    FASTGRAD_EXAMPLES_BACKEND=torch python examples/digits_classifier.py         # the same code on PyTorch

Needs scikit-learn (and tqdm, matplotlib if available): pip install "fastgrad[examples]".
"""

import argparse
import os
from typing import TYPE_CHECKING
import tempfile
import time

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

BACKEND = os.environ.get("FASTGRAD_EXAMPLES_BACKEND", "fastgrad")
if BACKEND == "torch" and not TYPE_CHECKING:  # mypy checks the fastgrad branch
    import torch
    import torch.nn as nn
    from torch.utils.data import DataLoader, TensorDataset
else:
    import fastgrad as torch
    import fastgrad.nn as nn
    from fastgrad.utils.data import DataLoader, TensorDataset

try:
    from tqdm import tqdm
except ImportError:  # the progress bar is optional

    def tqdm(iterable, **kwargs):
        return iterable


parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--epochs", type=int, default=30)
parser.add_argument("--batch-size", type=int, default=64)
parser.add_argument("--lr", type=float, default=3e-3)
parser.add_argument("--hidden", type=int, default=128)
parser.add_argument("--seed", type=int, default=0)
parser.add_argument(
    "--out-dir",
    default=os.path.join(tempfile.gettempdir(), "fastgrad-examples"),
    help="where the loss-curve PNG is written (default: a folder in the temp dir)",
)
parser.add_argument("--no-progress", action="store_true", help="no progress bar (for logs)")
args = parser.parse_args()

# ---- data: pixels scaled to [0, 1], a stratified 80/20 split ----
digits = load_digits()
x = (digits.data / 16.0).astype(np.float32)
y = digits.target.astype(np.int64)
x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.2, random_state=args.seed, stratify=y)
x_train, y_train = torch.from_numpy(x_train), torch.from_numpy(y_train)
x_test, y_test = torch.from_numpy(x_test), torch.from_numpy(y_test)

torch.manual_seed(args.seed)
generator = torch.Generator()
generator.manual_seed(args.seed)
loader = DataLoader(
    TensorDataset(x_train, y_train), batch_size=args.batch_size, shuffle=True, generator=generator
)

# ---- model, loss, optimizer ----
model = nn.Sequential(
    nn.Linear(64, args.hidden),
    nn.ReLU(),
    nn.Dropout(0.1),
    nn.Linear(args.hidden, 10),
)
loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
print(model)
print(f"{len(x_train)} training and {len(x_test)} test images, backend: {BACKEND}")

# ---- training ----
start = time.perf_counter()
epoch_losses = []
bar = tqdm(range(args.epochs), desc="epochs", unit="epoch", disable=args.no_progress or None)
for _epoch in bar:
    model.train()
    total, count = 0.0, 0
    for xb, yb in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(yb)
        count += len(yb)
    epoch_losses.append(total / count)
    if hasattr(bar, "set_postfix"):
        bar.set_postfix(loss=f"{epoch_losses[-1]:.4f}")
elapsed = time.perf_counter() - start

# ---- evaluation ----
model.eval()
with torch.no_grad():
    logits = model(x_test)
predicted = logits.detach().numpy().argmax(axis=1)
accuracy = float((predicted == y_test.numpy()).mean())
print(f"final training loss: {epoch_losses[-1]:.4f}")
print(f"test accuracy: {accuracy:.2%} ({int(round(accuracy * len(y_test)))}/{len(y_test)})")
print(f"training time: {elapsed:.2f} s for {args.epochs} epochs ({BACKEND})")

# ---- the loss curve ----
try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    print("matplotlib is not installed: no loss-curve picture")
else:
    os.makedirs(args.out_dir, exist_ok=True)
    path = os.path.join(args.out_dir, f"digits_loss_{BACKEND}.png")
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(range(1, len(epoch_losses) + 1), epoch_losses, marker="o", markersize=3)
    ax.set_xlabel("epoch")
    ax.set_ylabel("training cross-entropy")
    ax.set_yscale("log")
    ax.set_title(f"digits MLP ({BACKEND}): test accuracy {accuracy:.1%}")
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    print(f"loss curve saved to {path}")
