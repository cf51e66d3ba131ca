"""Typed uses of fastgrad's API, checked by mypy (tests/python/test_typing.py, .ci/run's type-check stage).

mypy runs over this file with --strict and --disallow-any-expr: every expression here must have a type that is
not Any, so a Tensor method, operator or function whose stub or annotation returns Any (or is missing) fails the
check. The file also runs as plain Python (the test imports it), so the annotations are true at run time too.
"""
from typing import Iterator, List, Tuple, cast

import fastgrad
import fastgrad.nn as nn
import fastgrad.nn.functional as F
from fastgrad import Tensor
from fastgrad.optim import SGD, Adam, AdamW, Optimizer


def tensor_ops() -> List[Tensor]:
    a: Tensor = fastgrad.randn(3, 4, requires_grad=True)
    b: Tensor = fastgrad.randn(4, 2)
    c: Tensor = a @ b
    d: Tensor = (c + 1) * 2 - c / 3
    e: Tensor = -d ** 2
    f: Tensor = d.relu().sum(dim=0, keepdim=True).mean()
    g: Tensor = a.exp().log1p().tanh().sigmoid().clamp(min=0.0, max=1.0)
    h: Tensor = a.view(4, 3).reshape(2, 6).transpose(0, 1).contiguous().flatten()
    i: Tensor = a[0] + a[:, 1:2].squeeze(1).sum()
    pair: List[Tensor] = [a, a]
    j: Tensor = fastgrad.cat(pair, dim=0).unsqueeze(0).permute(2, 0, 1)
    k: Tensor = a.detach().clone().to(fastgrad.float64).double().float()
    lt: Tensor = a > 0
    eq: Tensor = a == b.sum()
    values, indices = a.max(dim=1)
    top: Tensor = a.topk(2, dim=1).values
    parts: Tuple[Tensor, ...] = a.chunk(2, dim=1)
    n: int = a.dim() + a.numel() + a.size(0) + a.shape[1] + a.ndim
    item: float = float(c.sum().item())
    req: bool = a.requires_grad and a.is_leaf and a.is_floating_point()
    grad = a.grad
    if grad is not None:
        grad.zero_()
    out = [c, d, e, f, g, h, i, j, k, lt, eq, values, indices, top, parts[0]]
    assert n > 0 and item == item and req
    return out


def training_step() -> float:
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
    params: Iterator[nn.Parameter] = model.parameters()
    opt: Optimizer = SGD(params, lr=0.1, momentum=0.9)
    x: Tensor = fastgrad.randn(16, 4)
    y: Tensor = fastgrad.randn(16, 1)
    # Module.__call__ returns Any (as in PyTorch: forward's result type is the subclass's); say what it is
    pred = cast(Tensor, model(x))
    loss: Tensor = F.mse_loss(pred, y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    other: Optimizer = Adam(model.parameters(), lr=1e-3)
    other = AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
    other.zero_grad(set_to_none=True)
    labels: List[int] = [0, 2]
    with fastgrad.no_grad():
        p: Tensor = F.softmax(pred, dim=1) + F.cross_entropy(fastgrad.randn(2, 3), fastgrad.tensor(labels))
    assert p.shape[0] == 16
    return float(loss.item())


if __name__ == "__main__":
    print(len(tensor_ops()), training_step())
