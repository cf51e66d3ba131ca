"""`python -m fastgrad`: a short tour (trains the tutorials' linear regression and prints gradients).

`python -m fastgrad --cmake-dir` prints the folder to pass as -Dfastgrad_DIR to a native CMake app;
`--include-dir` and `--lib-dir` print the header and library folders.
`python -m fastgrad run script.py [args...]` runs an unmodified PyTorch script on fastgrad: every
`import torch` in it imports fastgrad.
"""
import argparse
import os
import sys


def _package_dir():
    # The folder of the compiled parts (_C, lib/, include/): next to __init__.py in a regular install, but in
    # site-packages while the Python files come from the source tree in an editable one.
    import importlib.util

    spec = importlib.util.find_spec("fastgrad._C")
    return os.path.dirname(os.path.abspath(spec.origin if spec and spec.origin else __file__))


def tour():
    import numpy as np

    import fastgrad as torch

    print(f"fastgrad {torch.__version__} (BLAS: {torch._C._blas_name()})\n")

    # The data of the linear-regression tutorial: y = 1 + 2x + noise, 80 training points.
    np.random.seed(42)
    x = np.random.rand(100, 1)
    y = 1 + 2 * x + 0.1 * np.random.randn(100, 1)
    idx = np.arange(100)
    np.random.shuffle(idx)
    train_idx = idx[:80]
    x_train_tensor = torch.from_numpy(x[train_idx]).float()
    y_train_tensor = torch.from_numpy(y[train_idx]).float()

    torch.manual_seed(42)
    b = torch.randn(1, requires_grad=True, dtype=torch.float)
    w = torch.randn(1, requires_grad=True, dtype=torch.float)
    print(f"initial parameters: b = {b}, w = {w}")

    yhat = b + w * x_train_tensor
    loss = ((y_train_tensor - yhat) ** 2).mean()
    print("\nThe graph of the loss, from the output back to the leaves:")
    _print_graph(loss.grad_fn)

    lr = 0.1
    for epoch in range(1000):
        yhat = b + w * x_train_tensor
        error = y_train_tensor - yhat
        loss = (error ** 2).mean()
        loss.backward()
        if epoch == 0:
            print(f"\nfirst gradients: b.grad = {b.grad}, w.grad = {w.grad}")
        with torch.no_grad():
            b -= lr * b.grad
            w -= lr * w.grad
        b.grad.zero_()
        w.grad.zero_()
    print(f"\nafter 1000 epochs: loss = {loss.item():.6f}")
    print(f"fitted parameters: b = {b}, w = {w}   (the data came from b = 1, w = 2)")


def _print_graph(node, indent=0):
    # An explicit stack rather than recursion (graphs can be deep).
    stack = [(node, indent)]
    while stack:
        n, depth = stack.pop()
        print("  " * depth + "- " + (n.name() if n is not None else "None"))
        if n is not None:
            for child, _ in reversed(n.next_functions):
                if child is not None:
                    stack.append((child, depth + 1))


_RUN_USAGE = """usage: python -m fastgrad run script.py [args...]

Run an unmodified PyTorch script on fastgrad: `import torch`, `import torch.x.y` and `from torch.x import y`
in it (and in what it imports) give fastgrad's modules. sys.argv is [script.py, args...] and __name__ is
"__main__", as with `python script.py args...`. If the script reaches a torch API fastgrad lacks, the
command names it and exits with status 1."""


def run_command(argv):
    """`python -m fastgrad run script.py [args...]`: run a PyTorch script with torch resolved to fastgrad."""
    if not argv or argv[0] in ("-h", "--help"):
        print(_RUN_USAGE, file=sys.stdout if argv else sys.stderr)
        return 0 if argv else 2
    from ._as_torch import run_script

    return run_script(argv[0], argv[1:])


def main(argv=None):
    if argv is None:
        argv = sys.argv[1:]
    if argv and argv[0] == "run":
        return run_command(argv[1:])
    parser = argparse.ArgumentParser(
        prog="python -m fastgrad",
        description=__doc__.splitlines()[0],
        epilog="python -m fastgrad run script.py [args...] runs a PyTorch script on fastgrad.",
    )
    parser.add_argument("--cmake-dir", action="store_true", help="print the CMake package folder (fastgrad_DIR)")
    parser.add_argument("--include-dir", action="store_true", help="print the C++ header folder")
    parser.add_argument("--lib-dir", action="store_true", help="print the folder of libfastgrad")
    args = parser.parse_args(argv)
    base = _package_dir()
    if args.cmake_dir:
        print(os.path.join(base, "lib", "cmake", "fastgrad"))
    elif args.include_dir:
        print(os.path.join(base, "include"))
    elif args.lib_dir:
        print(os.path.join(base, "lib"))
    else:
        tour()
    return 0


if __name__ == "__main__":
    sys.exit(main())
