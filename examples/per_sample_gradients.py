"""Per-sample gradients with func.vmap(func.grad(...)): differentially private SGD, and a model ensemble.

DP-SGD (Abadi et al. 2016) needs each sample's gradient: it clips every sample's gradient to norm at most C,
sums them, adds Gaussian noise of scale sigma * C and averages. `func.vmap(func.grad(loss), in_dims=(None, 0,
0))(params, x, y)` gives all of a batch's per-sample gradients at once, as batched ops (the same numbers as
calling `func.grad(loss)` on each sample, checked below). A 20-32-3 MLP is trained that way on a synthetic
three-class problem. Then three nn.Linear models are run as one batched model with `func.stack_module_state`
and `func.functional_call` under vmap.

    python examples/per_sample_gradients.py                                   # on fastgrad
    FASTGRAD_EXAMPLES_BACKEND=torch python examples/per_sample_gradients.py   # the same code on PyTorch
"""
import os
from typing import TYPE_CHECKING

import numpy as np

if os.environ.get("FASTGRAD_EXAMPLES_BACKEND", "fastgrad") == "torch" and not TYPE_CHECKING:  # mypy: fastgrad
    import torch
else:
    import fastgrad as torch

func = torch.func
F = torch.nn.functional

rng = np.random.default_rng(0)
centres = rng.standard_normal((3, 20)) * 2.0
labels_np = rng.integers(0, 3, 256)
x_np = centres[labels_np] + rng.standard_normal((256, 20))
X = torch.from_numpy(x_np)
Y = torch.from_numpy(labels_np.astype(np.int64))

params = {
    "w1": torch.from_numpy(rng.standard_normal((32, 20)) * 0.2),
    "b1": torch.zeros(32, dtype=torch.float64),
    "w2": torch.from_numpy(rng.standard_normal((3, 32)) * 0.2),
    "b2": torch.zeros(3, dtype=torch.float64),
}


def loss_of_one(p, x, y):
    """The cross entropy of one sample (x of shape (20,), y a 0-d class index)."""
    h = torch.tanh(F.linear(x, p["w1"], p["b1"]))
    return F.cross_entropy(F.linear(h, p["w2"], p["b2"]).unsqueeze(0), y.unsqueeze(0))


per_sample_grads = func.vmap(func.grad(loss_of_one), in_dims=(None, 0, 0))

# The batched computation gives what the loop over samples gives.
g = per_sample_grads(params, X[:8], Y[:8])
loop = [func.grad(loss_of_one)(params, X[i], Y[i]) for i in range(8)]
diff = max(float((g[k][i] - loop[i][k]).abs().max()) for k in params for i in range(8))
print(f"per-sample gradients of {len(params)} parameters, shapes {[tuple(g[k].shape) for k in params]}")
print(f"vmap against the loop over samples: {'equal' if diff < 1e-12 else 'DIFFERENT'} (max difference < 1e-12)")

clip, sigma, lr, batch = 1.0, 0.5, 0.5, 64
for step in range(12):
    idx = torch.from_numpy(rng.permutation(256)[:batch].astype(np.int64))
    xb, yb = X[idx], Y[idx]
    grads = per_sample_grads(params, xb, yb)
    norms = torch.sqrt(sum((grads[k].reshape(batch, -1) ** 2).sum(1) for k in params))
    scale = torch.clamp(clip / (norms + 1e-12), max=1.0)
    for k in params:
        shape = (batch,) + (1,) * (grads[k].dim() - 1)
        noise = torch.from_numpy(rng.standard_normal(tuple(params[k].shape)) * sigma * clip)
        update = ((grads[k] * scale.reshape(shape)).sum(0) + noise) / batch
        params[k] = params[k] - lr * update
    clipped = int((norms > clip).sum())
    if step % 3 == 2:
        with torch.no_grad():
            full = func.vmap(loss_of_one, in_dims=(None, 0, 0))(params, X, Y).mean()
        print(f"step {step + 1:2d}: loss {full.item():.6f}, clipped {clipped}/{batch} samples")

logits = torch.tanh(X @ params["w1"].t() + params["b1"]) @ params["w2"].t() + params["b2"]
print(f"training accuracy: {(logits.argmax(1) == Y).double().mean().item():.3f}")

# An ensemble of three models run as one batched model.
torch.manual_seed(0)
models = [torch.nn.Linear(20, 3).double() for _ in range(3)]
stacked, buffers = func.stack_module_state(models)
base = models[0]


def run(p, b, x):
    return func.functional_call(base, (p, b), (x,))


out = func.vmap(run, in_dims=(0, 0, None))(stacked, buffers, X[:5])
single = torch.stack([m(X[:5]) for m in models])
print(f"ensemble output {tuple(out.shape)}, equal to the three models one by one: "
      f"{bool((out - single).abs().max().item() < 1e-12)}")
