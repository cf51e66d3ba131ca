"""`python -m fastgrad run script.py [args...]` and `fastgrad.install_as_torch()`: unmodified PyTorch scripts run
on fastgrad, and an API fastgrad lacks is named in a clear message with a non-zero exit status.

Each script runs in its own process (the torch alias changes the process's imports); when PyTorch is installed
the training script also runs under the real torch, and both must print the same."""

import importlib.util
import os
import subprocess
import sys
import textwrap

import pytest

HAVE_TORCH = importlib.util.find_spec("torch") is not None
TIMEOUT = 300


def _write(tmp_path, name, source):
    path = tmp_path / name
    path.write_text(textwrap.dedent(source))
    return path


def _run(args, cwd):
    env = dict(os.environ)
    env.setdefault("OMP_NUM_THREADS", "1")
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        timeout=TIMEOUT,
    )


def _fastgrad_run(script, *script_args, cwd):
    return _run(["-m", "fastgrad", "run", str(script), *script_args], cwd)


TRAINING_SCRIPT = """
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    import torch.utils.data.dataloader
    from torch.utils.data import TensorDataset
    from torch.optim import SGD


    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(4, 8)
            self.fc2 = nn.Linear(8, 1)

        def forward(self, x):
            return self.fc2(F.relu(self.fc1(x)))


    def main():
        # The set-up lines real programs start with (a CPU-only build's answers).
        device = "cuda" if torch.cuda.is_available() else "mps" if torch.backends.mps.is_available() else "cpu"
        torch.backends.cudnn.benchmark = True
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.set_float32_matmul_precision("high")
        print(device, torch.backends.cudnn.is_available(), torch.get_float32_matmul_precision())
        torch.manual_seed(0)
        x = torch.randn(64, 4)
        y = (x.sum(dim=1, keepdim=True) > 0).float()
        loader = torch.utils.data.dataloader.DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True)
        model = Net().to(device)
        opt = SGD(model.parameters(), lr=0.5, momentum=0.9)
        use_amp = device == "cuda"  # the usual mixed-precision template, off on the CPU
        scaler = torch.amp.GradScaler(device, enabled=use_amp)
        for epoch in range(3):
            total = 0.0
            for xb, yb in loader:
                xb, yb = xb.to(device), yb.to(device)
                opt.zero_grad()
                with torch.autocast(device_type=device, enabled=use_amp):
                    loss = F.binary_cross_entropy_with_logits(model(xb), yb)
                scaler.scale(loss).backward()
                scaler.step(opt)
                scaler.update()
                total += loss.item()
            print(f"epoch {epoch} loss {total / len(loader):.5f}")


    if __name__ == "__main__":
        main()
"""


def test_training_script_runs_and_prints_what_torch_prints(tmp_path):
    script = _write(tmp_path, "train.py", TRAINING_SCRIPT)
    got = _fastgrad_run(script, cwd=tmp_path)
    assert got.returncode == 0, got.stderr
    lines = got.stdout.splitlines()
    assert lines[0] == "cpu False high"
    assert [line.split(" loss ")[0] for line in lines[1:]] == ["epoch 0", "epoch 1", "epoch 2"]
    if not HAVE_TORCH:
        pytest.skip("torch is not installed: the losses are not compared")
    expected = _run([str(script)], tmp_path)
    assert expected.returncode == 0, expected.stderr
    assert got.stdout == expected.stdout



# PyTorch's MNIST example, shrunk to random 16x16 images (no torchvision): argparse, conv, dropout, max-pool,
# log_softmax + nll_loss, Adadelta, StepLR, evaluation under no_grad, save/load of the state_dict.
MNIST_SCRIPT = r"""import argparse
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.optim.lr_scheduler import StepLR
from torch.utils.data import TensorDataset, DataLoader


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, 1)
        self.conv2 = nn.Conv2d(8, 16, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(16 * 6 * 6, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = self.conv2(x)
        x = F.relu(x)
        x = F.max_pool2d(x, 2)
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = self.dropout2(x)
        return F.log_softmax(self.fc2(x), dim=1)


def train(args, model, device, loader, optimizer, epoch):
    model.train()
    for batch_idx, (data, target) in enumerate(loader):
        data, target = data.to(device), target.to(device)
        optimizer.zero_grad()
        loss = F.nll_loss(model(data), target)
        loss.backward()
        optimizer.step()
        if batch_idx % args.log_interval == 0:
            print('Train Epoch: {} [{}/{} ({:.0f}%)]\tLoss: {:.6f}'.format(
                epoch, batch_idx * len(data), len(loader.dataset), 100. * batch_idx / len(loader), loss.item()))


def test(model, device, loader):
    model.eval()
    test_loss = 0
    correct = 0
    with torch.no_grad():
        for data, target in loader:
            data, target = data.to(device), target.to(device)
            output = model(data)
            test_loss += F.nll_loss(output, target, reduction='sum').item()
            pred = output.argmax(dim=1, keepdim=True)
            correct += pred.eq(target.view_as(pred)).sum().item()
    test_loss /= len(loader.dataset)
    print('Test set: Average loss: {:.4f}, Accuracy: {}/{} ({:.0f}%)'.format(
        test_loss, correct, len(loader.dataset), 100. * correct / len(loader.dataset)))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--batch-size', type=int, default=16)
    parser.add_argument('--epochs', type=int, default=2)
    parser.add_argument('--lr', type=float, default=1.0)
    parser.add_argument('--gamma', type=float, default=0.7)
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--log-interval', type=int, default=4)
    parser.add_argument('--save-model', action='store_true')
    args = parser.parse_args()
    use_cuda = torch.cuda.is_available()
    use_mps = torch.backends.mps.is_available()
    torch.manual_seed(args.seed)
    device = torch.device("cuda" if use_cuda else "mps" if use_mps else "cpu")
    x = torch.randn(128, 1, 16, 16)
    y = torch.randint(0, 10, (128,))
    train_loader = DataLoader(TensorDataset(x[:96], y[:96]), batch_size=args.batch_size, shuffle=True)
    test_loader = DataLoader(TensorDataset(x[96:], y[96:]), batch_size=64)
    model = Net().to(device)
    optimizer = optim.Adadelta(model.parameters(), lr=args.lr)
    scheduler = StepLR(optimizer, step_size=1, gamma=args.gamma)
    for epoch in range(1, args.epochs + 1):
        train(args, model, device, train_loader, optimizer, epoch)
        test(model, device, test_loader)
        scheduler.step()
    if args.save_model:
        torch.save(model.state_dict(), "mnist_cnn.pt")
        model.load_state_dict(torch.load("mnist_cnn.pt"))
        print("saved")


if __name__ == '__main__':
    main()
"""


def _numbers_and_text(output):
    import re

    number = re.compile(r"-?\d+\.\d+|-?\d+")
    return [float(x) for x in number.findall(output)], number.sub("#", output)


def test_mnist_example_runs_and_follows_torch(tmp_path):
    script = tmp_path / "mnist.py"
    script.write_text(MNIST_SCRIPT)
    got = _fastgrad_run(script, "--epochs", "2", "--save-model", cwd=tmp_path)
    assert got.returncode == 0, got.stderr
    assert got.stdout.count("Train Epoch") == 4 and got.stdout.strip().endswith("saved")
    if not HAVE_TORCH:
        pytest.skip("torch is not installed: the losses are not compared")
    expected = _run([str(script), "--epochs", "2", "--save-model"], tmp_path)
    assert expected.returncode == 0, expected.stderr
    got_numbers, got_text = _numbers_and_text(got.stdout)
    expected_numbers, expected_text = _numbers_and_text(expected.stdout)
    assert got_text == expected_text
    # float32 convolutions sum in another order than torch's oneDNN: the printed losses agree to ~1e-6.
    assert got_numbers == pytest.approx(expected_numbers, rel=1e-4, abs=1e-5)

def test_script_sees_argv_main_and_its_folder(tmp_path):
    script = _write(
        tmp_path,
        "args.py",
        """
        import os, sys
        import torch
        import torch.nn.functional as F
        import torch.utils.data.dataloader as dl
        from torch.nn import functional
        import fastgrad
        print(repr(sys.argv))
        print(__name__)
        print(sys.path[0] == os.path.dirname(os.path.abspath(__file__)))
        print(torch is fastgrad, F is fastgrad.nn.functional, functional is F)
        print(dl is fastgrad.utils.data.dataloader, sys.modules["torch.nn"] is fastgrad.nn)
        import helper_module
        print(helper_module.VALUE)
        """,
    )
    _write(tmp_path, "helper_module.py", "import torch\nVALUE = torch.tensor([1, 2]).sum().item()\n")
    other = tmp_path / "elsewhere"
    other.mkdir()
    got = _fastgrad_run(script, "a", "--lr", "0.1", cwd=other)
    assert got.returncode == 0, got.stderr
    assert got.stdout.splitlines() == [
        repr([str(script), "a", "--lr", "0.1"]),
        "__main__",
        "True",
        "True True True",
        "True True",
        "3",
    ]


@pytest.mark.parametrize(
    "source,api",
    [
        ("import torch\nx = torch.ones(2)\ny = torch.no_such_api_xyz(x)\n", "torch.no_such_api_xyz"),
        ("import torch\ntorch.nn.functional.no_such_fn_xyz(torch.ones(2))\n", "torch.nn.functional.no_such_fn_xyz"),
        ("import torch.no_such_module_xyz.sub\n", "torch.no_such_module_xyz"),
        ("from torch.nn import NoSuchLayerXyz\n", "torch.nn.NoSuchLayerXyz"),
        ("from torch.no_such_module_xyz import thing\n", "torch.no_such_module_xyz"),
        ("import torch\ntorch.ones(3).no_such_method_xyz(2)\n", "torch.Tensor.no_such_method_xyz"),
        ("import torch\ntorch.nn.Linear(2, 2).no_such_method_xyz()\n", "torch.nn.Linear.no_such_method_xyz"),
    ],
    ids=["function", "functional", "submodule", "from-import", "from-missing-module", "tensor-method",
         "module-method"],
)
def test_missing_api_is_named(tmp_path, source, api):
    script = _write(tmp_path, "uses_missing.py", source)
    got = _fastgrad_run(script, cwd=tmp_path)
    assert got.returncode == 1
    last = got.stderr.strip().splitlines()[-1]
    assert last.startswith(f"fastgrad run: the script uses {api} (uses_missing.py, line "), got.stderr
    assert last.endswith("which fastgrad does not provide (yet).")
    # The traceback is shown too, starting in the script (not in the runner).
    assert "Traceback (most recent call last):" in got.stderr
    assert "runpy" not in got.stderr and "_as_torch.py\", line" not in got.stderr.split("\n")[1]


def test_import_fallback_in_the_script_still_works(tmp_path):
    script = _write(
        tmp_path,
        "fallback.py",
        """
        try:
            import torch.no_such_module_xyz
        except ImportError as exc:
            print(type(exc).__name__, exc.name)
        try:
            from torch.nn import NoSuchLayerXyz
        except ImportError:
            print("fell back")
        """,
    )
    got = _fastgrad_run(script, cwd=tmp_path)
    assert got.returncode == 0, got.stderr
    assert got.stdout.splitlines() == ["ModuleNotFoundError torch.no_such_module_xyz", "fell back"]


@pytest.mark.parametrize(
    "source,exception",
    [
        ("import torch\nraise ValueError('boom')\n", "ValueError: boom"),
        ("import torch\nimport no_such_toplevel_module_xyz\n", "ModuleNotFoundError: No module named"),
        (
            "import torch.nn as nn\nclass Net(nn.Module):\n    pass\nNet().missing_attribute_of_user_class\n",
            "AttributeError: 'Net' object has no attribute 'missing_attribute_of_user_class'",
        ),
        ("import torch\nclass A:\n    pass\nA().nothing\n", "AttributeError"),
    ],
    ids=["value-error", "other-module", "user-subclass", "user-class"],
)
def test_other_errors_propagate_with_their_traceback(tmp_path, source, exception):
    script = _write(tmp_path, "fails.py", source)
    got = _fastgrad_run(script, cwd=tmp_path)
    assert got.returncode == 1
    assert "Traceback (most recent call last):" in got.stderr
    assert exception in got.stderr
    assert "fastgrad run:" not in got.stderr


def test_exit_status_of_the_script_is_kept(tmp_path):
    script = _write(tmp_path, "exits.py", "import sys\nimport torch\nprint('bye')\nsys.exit(3)\n")
    got = _fastgrad_run(script, cwd=tmp_path)
    assert (got.returncode, got.stdout) == (3, "bye\n")


def test_usage_errors(tmp_path):
    got = _run(["-m", "fastgrad", "run"], tmp_path)
    assert got.returncode == 2 and "usage: python -m fastgrad run script.py" in got.stderr
    got = _run(["-m", "fastgrad", "run", str(tmp_path / "absent.py")], tmp_path)
    assert got.returncode == 2 and "No such file" in got.stderr
    got = _run(["-m", "fastgrad", "run", "--help"], tmp_path)
    assert got.returncode == 0 and "usage: python -m fastgrad run" in got.stdout


def test_no_arguments_still_runs_the_tour(tmp_path):
    got = _run(["-m", "fastgrad"], tmp_path)
    assert got.returncode == 0, got.stderr
    assert "after 1000 epochs" in got.stdout and "fitted parameters" in got.stdout


def test_install_as_torch_in_process(tmp_path):
    script = _write(
        tmp_path,
        "inproc.py",
        """
        import sys
        import fastgrad
        assert fastgrad.install_as_torch() is fastgrad
        fastgrad.install_as_torch()  # a second call does nothing
        import torch
        import torch.utils.data.dataloader as dl
        from torch.optim.lr_scheduler import StepLR
        print(torch is fastgrad, dl is fastgrad.utils.data.dataloader, StepLR is fastgrad.optim.lr_scheduler.StepLR)
        print(sys.meta_path.count(sys.meta_path[0]))
        """,
    )
    got = _run([str(script)], tmp_path)
    assert got.returncode == 0, got.stderr
    assert got.stdout.splitlines() == ["True True True", "1"]


@pytest.mark.skipif(not HAVE_TORCH, reason="needs the real torch to be importable")
def test_install_as_torch_after_real_torch_raises(tmp_path):
    script = _write(
        tmp_path,
        "late.py",
        """
        import torch
        import fastgrad
        try:
            fastgrad.install_as_torch()
        except RuntimeError as exc:
            print("RuntimeError", "already imported" in str(exc))
        """,
    )
    got = _run([str(script)], tmp_path)
    assert got.returncode == 0, got.stderr
    assert got.stdout.splitlines() == ["RuntimeError True"]


def test_missing_api_reads_module_messages_without_the_owner():
    # An AttributeError raised by hand (no .obj attached) about a fastgrad module is still recognised.
    from fastgrad._as_torch import missing_api

    assert missing_api(AttributeError("module 'fastgrad.nn' has no attribute 'foo'")) == "torch.nn.foo"
    assert missing_api(AttributeError("module 'numpy' has no attribute 'foo'")) is None
    assert missing_api(ModuleNotFoundError("No module named 'torchvision'", name="torchvision")) is None
    assert missing_api(ValueError("module 'fastgrad' has no attribute 'x'")) is None


@pytest.mark.parametrize("context", ["fork", "spawn"])
def test_dataloader_workers_see_fastgrad_as_torch(tmp_path, context):
    # spawn workers import the script again in a fresh interpreter: the alias must be installed there too.
    script = _write(
        tmp_path,
        "workers.py",
        f"""
        import torch
        from torch.utils.data import DataLoader, Dataset


        class Numbers(Dataset):
            def __len__(self):
                return 8

            def __getitem__(self, i):
                import fastgrad
                assert torch is fastgrad
                return torch.tensor([float(i)])


        if __name__ == "__main__":
            torch.manual_seed(0)
            loader = DataLoader(Numbers(), batch_size=4, num_workers=2, shuffle=True,
                                multiprocessing_context="{context}")
            print([batch.sum().item() for batch in loader])
        """,
    )
    got = _fastgrad_run(script, cwd=tmp_path)
    assert got.returncode == 0, got.stderr
    batches = eval(got.stdout)  # noqa: S307  (a list of floats printed by the script)
    assert sorted(batches) != [6.0, 22.0] and sum(batches) == 28.0  # shuffled, all eight items
