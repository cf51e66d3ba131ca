"""Gaussian-process regression, fitted by maximising the marginal likelihood through linalg.cholesky.

A GP with a squared-exponential kernel k(x, x') = s^2 exp(-(x - x')^2 / (2 l^2)) plus observation noise n^2 is
fitted to 40 noisy samples of sin(3x). The hyperparameters (log l, log s, log n) are found by gradient descent
(Adam) on the negative log marginal likelihood

    -log p(y) = 1/2 y^T K^-1 y + 1/2 log det K + N/2 log(2 pi),   K = k(X, X) + n^2 I,

computed from the Cholesky factor L of K: K^-1 y with cholesky_solve, log det K = 2 sum(log diag L) (checked
against logdet). The gradients flow back through the Cholesky factorisation. Then the posterior mean and
standard deviation at a few test points, with solve_triangular.

    python examples/gp_regression.py                                   # on fastgrad
    FASTGRAD_EXAMPLES_BACKEND=torch python examples/gp_regression.py   # the same code on PyTorch
"""
import math
import os
from typing import TYPE_CHECKING

import numpy as np

if os.environ.get("FASTGRAD_EXAMPLES_BACKEND", "fastgrad") == "torch" and not TYPE_CHECKING:  # mypy: fastgrad
    import torch
else:
    import fastgrad as torch

rng = np.random.default_rng(0)
x_np = np.sort(rng.uniform(-2.0, 2.0, 40))
y_np = np.sin(3.0 * x_np) + 0.1 * rng.standard_normal(40)
X = torch.from_numpy(x_np)
y = torch.from_numpy(y_np).unsqueeze(1)
N = X.shape[0]


def kernel(a, b, log_l, log_s):
    d2 = (a.unsqueeze(1) - b.unsqueeze(0)) ** 2
    return torch.exp(2 * log_s) * torch.exp(-0.5 * d2 / torch.exp(2 * log_l))


def neg_log_marginal_likelihood(log_l, log_s, log_n):
    K = kernel(X, X, log_l, log_s) + torch.exp(2 * log_n) * torch.eye(N, dtype=torch.float64)
    L = torch.linalg.cholesky(K)
    alpha = torch.cholesky_solve(y, L)
    data_fit = 0.5 * (y * alpha).sum()
    complexity = torch.log(torch.diagonal(L)).sum()
    return data_fit + complexity + 0.5 * N * math.log(2 * math.pi), K


log_l = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
log_s = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
log_n = torch.tensor(-1.0, dtype=torch.float64, requires_grad=True)
optimizer = torch.optim.Adam([log_l, log_s, log_n], lr=0.05)

for step in range(301):
    optimizer.zero_grad()
    loss, K = neg_log_marginal_likelihood(log_l, log_s, log_n)
    loss.backward()
    if step % 50 == 0:
        print(f"step {step:3d}: -log p(y) = {loss.item():.6f}  "
              f"grad = ({log_l.grad.item():+.6f}, {log_s.grad.item():+.6f}, {log_n.grad.item():+.6f})")
    optimizer.step()

print(f"lengthscale = {log_l.exp().item():.6f}, signal std = {log_s.exp().item():.6f}, "
      f"noise std = {log_n.exp().item():.6f}")

with torch.no_grad():
    loss, K = neg_log_marginal_likelihood(log_l, log_s, log_n)
    L = torch.linalg.cholesky(K)
    print(f"log det K: {torch.logdet(K).item():.6f} (logdet), {2 * torch.log(torch.diagonal(L)).sum().item():.6f} "
          "(from the Cholesky factor)")
    x_test = torch.linspace(-2.0, 2.0, 5, dtype=torch.float64)
    K_star = kernel(X, x_test, log_l, log_s)
    mean = (K_star * torch.cholesky_solve(y, L)).sum(0)
    V = torch.linalg.solve_triangular(L, K_star, upper=False)
    var = torch.exp(2 * log_s) - (V * V).sum(0)
    for xt, m, v in zip(x_test.tolist(), mean.tolist(), var.tolist()):
        print(f"x = {xt:+.2f}: mean {m:+.6f} (sin(3x) = {math.sin(3 * xt):+.6f}), std {math.sqrt(v):.6f}")
