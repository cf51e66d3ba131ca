"""Handwritten digits, trained data-parallel: fastgrad.distributed over MPI and DistributedDataParallel.

Every process holds the model and trains on its share of each batch (a DistributedSampler splits the data);
DistributedDataParallel averages the gradients across processes during backward, so all replicas take the
same optimizer steps as one process on the whole batch would.

    mpirun -n 2 python examples/ddp_digits.py [--epochs N]     # 2 processes on this machine
    mpirun -n 8 --hostfile hosts python examples/ddp_digits.py # processes on the machines listed in `hosts`
    srun -n 8 python examples/ddp_digits.py                    # under Slurm (Open MPI / MPICH built with PMI)
    python examples/ddp_digits.py                              # one process, no launcher

Needs MPI and scikit-learn: pip install "fastgrad[distributed,examples]".
"""

import argparse

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import fastgrad as torch
import fastgrad.distributed as dist
import fastgrad.nn as nn
from fastgrad.nn.parallel import DistributedDataParallel
from fastgrad.utils.data import DataLoader, DistributedSampler, TensorDataset

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--epochs", type=int, default=20)
parser.add_argument("--batch-size", type=int, default=64, help="the global batch, shared by the processes")
parser.add_argument("--lr", type=float, default=3e-3)
parser.add_argument("--seed", type=int, default=0)
args = parser.parse_args()

dist.init_process_group("mpi")
rank, world = dist.get_rank(), dist.get_world_size()
if args.batch_size % world:
    raise SystemExit(f"--batch-size {args.batch_size} must be a multiple of the {world} processes")

digits = load_digits()
x = (digits.data / 16.0).astype(np.float32)
y = digits.target.astype(np.int64)
x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.2, random_state=args.seed, stratify=y)
train = TensorDataset(torch.from_numpy(x_train), torch.from_numpy(y_train))
sampler = DistributedSampler(
    train, shuffle=True, seed=args.seed
)  # this process's share, reshuffled per epoch
loader = DataLoader(train, batch_size=args.batch_size // world, sampler=sampler)

torch.manual_seed(args.seed + rank)  # replicas start different: DDP broadcasts rank 0's weights
model = DistributedDataParallel(nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10)))
optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
loss_fn = nn.CrossEntropyLoss()
if rank == 0:
    print(f"{world} process(es), {len(sampler)} training images each, global batch {args.batch_size}")

for epoch in range(args.epochs):
    sampler.set_epoch(epoch)
    total = torch.zeros(2, dtype=torch.float64)  # summed loss, batches: averaged over processes below
    for xb, yb in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()  # gradients are averaged across processes here
        optimizer.step()
        total += torch.tensor([loss.item(), 1.0], dtype=torch.float64)
    dist.all_reduce(total)
    if rank == 0 and (epoch % 5 == 4 or epoch == args.epochs - 1):
        print(f"epoch {epoch + 1:3d}  mean loss {(total[0] / total[1]).item():.4f}")

with torch.no_grad():
    accuracy = (model(torch.from_numpy(x_test)).argmax(1) == torch.from_numpy(y_test)).float().mean().item()
if rank == 0:
    print(f"test accuracy {accuracy:.3f}")
dist.destroy_process_group()
