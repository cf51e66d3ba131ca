"""The C++ side, driven from pytest so that one command runs everything.

- the core and its C++ tests, built with plain CMake (no Python module) and run with ctest;
- tests/consumer (a native app using find_package(fastgrad)) built against a `cmake --install` prefix of that
  build, and against the installed Python package (`python -m fastgrad --cmake-dir`).

The CMake build happens once per session (module-scoped fixture) in a temporary folder. Everything skips
cleanly when cmake or a C++ compiler is missing.
"""
import os
import pathlib
import re
import shutil
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
CONSUMER = ROOT / "tests" / "consumer"

# The consumer computes loss = sum((W @ x) ** 2) with W = [[0, 1, 2], [3, 4, 5]] and x = [1, 2, 3]:
#   W @ x = [8, 26], loss = 64 + 676 = 740,
#   dloss/dW = 2 (W @ x) x^T = [[16, 32, 48], [52, 104, 156]],  dloss/dx = 2 W^T (W @ x) = [156, 224, 292].
EXPECTED = {
    "loss": [740.0],
    "W.grad": [16.0, 32.0, 48.0, 52.0, 104.0, 156.0],
    "x.grad": [156.0, 224.0, 292.0],
}


def _which(name):
    """A tool from PATH, or from the folder of this Python (a venv's bin/, where pip puts cmake and ninja)."""
    return shutil.which(name) or shutil.which(name, path=os.path.dirname(sys.executable))


CMAKE = _which("cmake")
NINJA = _which("ninja")
CTEST = shutil.which("ctest", path=os.path.dirname(CMAKE)) if CMAKE else None


def _have_cxx():
    cxx = os.environ.get("CXX")
    if cxx:
        return shutil.which(cxx.split()[0]) is not None
    return any(shutil.which(c) for c in ("c++", "g++", "clang++"))


pytestmark = [
    pytest.mark.skipif(CMAKE is None or CTEST is None, reason="cmake/ctest not found"),
    pytest.mark.skipif(not _have_cxx(), reason="no C++ compiler found"),
    pytest.mark.skipif(not (ROOT / "CMakeLists.txt").is_file(), reason="not a source checkout"),
]


def _run(cmd, cwd=None, timeout=900):
    """Runs a command; on failure, the assertion message carries its whole output."""
    proc = subprocess.run([str(c) for c in cmd], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, timeout=timeout)
    assert proc.returncode == 0, f"{' '.join(map(str, cmd))} exited {proc.returncode}:\n{proc.stdout}"
    return proc.stdout


def _generator():
    return ["-G", "Ninja", f"-DCMAKE_MAKE_PROGRAM={NINJA}"] if NINJA else []


def _configure_and_build(source, build, *defs):
    _run([CMAKE, "-S", source, "-B", build, *_generator(), "-DCMAKE_BUILD_TYPE=Release", *defs])
    jobs = ["--parallel", str(os.cpu_count() or 2)]
    _run([CMAKE, "--build", build, *jobs])


@pytest.fixture(scope="module")
def core_build(tmp_path_factory):
    """libfastgrad and the C++ tests, built with plain CMake: no Python module, no scikit-build."""
    build = tmp_path_factory.mktemp("core-build")
    # Python only helps CMake find scipy-openblas32 (this interpreter's); the Python module stays off.
    _configure_and_build(ROOT, build, "-DFASTGRAD_BUILD_TESTS=ON", "-DFASTGRAD_BUILD_PYTHON=OFF",
                         f"-DPython_EXECUTABLE={sys.executable}")
    return build


@pytest.fixture(scope="module")
def core_prefix(core_build, tmp_path_factory):
    prefix = tmp_path_factory.mktemp("core-prefix")
    _run([CMAKE, "--install", core_build, "--prefix", prefix])
    return prefix


def _build_and_run_consumer(build, *defs):
    _configure_and_build(CONSUMER, build, *defs)
    exe = build / "app"
    assert exe.is_file(), f"the consumer app was not built in {build}"
    return _run([exe], timeout=120)


def _check_consumer_output(out):
    values = {}
    for line in out.splitlines():
        m = re.match(r"^([\w. ]+): (.*)$", line)
        if m:
            values[m.group(1)] = m.group(2)
    assert values.get("loss grad_fn") == "SumBackward0", out
    for name, expected in EXPECTED.items():
        got = [float(v) for v in values[name].split()]
        assert got == pytest.approx(expected, rel=1e-12), f"{name}: {got} != {expected}\n{out}"


def test_ctest_passes(core_build):
    out = _run([CTEST, "--output-on-failure"], cwd=core_build)
    assert "tests passed" in out, out


def test_consumer_against_cmake_install_prefix(core_prefix, tmp_path):
    assert list(core_prefix.glob("lib*/cmake/fastgrad/fastgradConfig.cmake")), "no CMake package installed"
    out = _build_and_run_consumer(tmp_path / "consumer", f"-DCMAKE_PREFIX_PATH={core_prefix}")
    _check_consumer_output(out)


def test_consumer_against_python_package(tmp_path):
    pytest.importorskip("fastgrad")
    cmake_dir = subprocess.run([sys.executable, "-m", "fastgrad", "--cmake-dir"], stdout=subprocess.PIPE,
                               text=True, check=True, timeout=120).stdout.strip()
    if not os.path.isfile(os.path.join(cmake_dir, "fastgradConfig.cmake")):
        import fastgrad._C

        package_dir = os.path.dirname(os.path.abspath(fastgrad._C.__file__))
        if os.path.isfile(os.path.join(package_dir, "lib", "cmake", "fastgrad", "fastgradConfig.cmake")):
            # An editable install: the Python files stay in the source tree, the compiled parts (the module,
            # the library and its CMake package) go to site-packages, and --cmake-dir looks beside __main__.py.
            pytest.xfail(f"known bug: `python -m fastgrad --cmake-dir` printed {cmake_dir!r} in an editable "
                         f"install; the package is in {package_dir}")
        pytest.fail(f"`python -m fastgrad --cmake-dir` printed {cmake_dir!r}, which holds no fastgradConfig.cmake")
    out = _build_and_run_consumer(tmp_path / "consumer", f"-Dfastgrad_DIR={cmake_dir}")
    _check_consumer_output(out)


# ---- examples/cpp: an MLP trained in C++ must follow the loss curve of the same model trained in Python ----

EXAMPLE = ROOT / "examples" / "cpp"


def _python_package_cmake_dir():
    """The CMake package of the installed fastgrad (the library the Python module itself loads)."""
    fastgrad = pytest.importorskip("fastgrad")
    cmake_dir = subprocess.run([sys.executable, "-m", "fastgrad", "--cmake-dir"], stdout=subprocess.PIPE,
                               text=True, check=True, timeout=120).stdout.strip()
    if os.path.isfile(os.path.join(cmake_dir, "fastgradConfig.cmake")):
        return cmake_dir
    # An editable install (see test_consumer_against_python_package): the package sits beside fastgrad._C.
    package_dir = os.path.dirname(os.path.abspath(fastgrad._C.__file__))
    cmake_dir = os.path.join(package_dir, "lib", "cmake", "fastgrad")
    if not os.path.isfile(os.path.join(cmake_dir, "fastgradConfig.cmake")):
        pytest.skip("no CMake package next to the installed fastgrad")
    return cmake_dir


@pytest.fixture(scope="module")
def example_exe(tmp_path_factory):
    build = tmp_path_factory.mktemp("example-cpp")
    _configure_and_build(EXAMPLE, build, f"-Dfastgrad_DIR={_python_package_cmake_dir()}")
    exe = build / "train_mlp"
    assert exe.is_file(), f"the example was not built in {build}"
    return exe


def _python_losses(method, steps):
    """The example's training loop written with fastgrad's Python API."""
    import fastgrad
    from fastgrad import nn

    fastgrad.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 1))
    x = fastgrad.randn(64, 2)
    y = (x[:, 0].sin() + x[:, 1] * 0.5).unsqueeze(1)
    if method == "sgd":
        opt = fastgrad.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    else:
        opt = fastgrad.optim.Adam(model.parameters(), lr=0.01)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


@pytest.mark.parametrize("method", ["sgd", "adam"])
def test_cpp_example_matches_python_training(example_exe, method):
    steps = 200
    out = _run([example_exe, method, steps], timeout=300)
    cpp = [float(m.group(1)) for m in re.finditer(r"^step \d+ loss (\S+)$", out, re.M)]
    assert len(cpp) == steps, out
    py = _python_losses(method, steps)
    # The same ops in the same order on the same library: equal to float32 rounding (in practice, bit for bit).
    assert cpp == pytest.approx(py, rel=2e-7, abs=0), out
    assert cpp[-1] < 0.1 * cpp[0], f"the loss did not fall: {cpp[0]} -> {cpp[-1]}"
    assert "predictions:\ntensor([[" in out and "grad_fn" not in out, out


def test_cpp_example_initial_loss_matches_pytorch(example_exe):
    """Same seed, same initial weights and data as PyTorch: the first loss agrees with torch's."""
    torch = pytest.importorskip("torch")
    out = _run([example_exe, "sgd", 1], timeout=120)
    cpp = float(re.search(r"^step 0 loss (\S+)$", out, re.M).group(1))
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.Tanh(), torch.nn.Linear(16, 1))
    x = torch.randn(64, 2)
    y = (x[:, 0].sin() + x[:, 1] * 0.5).unsqueeze(1)
    expected = torch.nn.functional.mse_loss(model(x), y).item()
    assert cpp == pytest.approx(expected, rel=1e-5)


def test_readme_cpp_example_builds_and_prints_the_gradient(tmp_path):
    """The README's C++ section: its CMakeLists.txt and main.cpp, built against the installed package."""
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## C++"):]
    cmake = re.search(r"```cmake\n(.*?)```", section, re.S).group(1)
    main = re.search(r"```cpp\n(.*?)```", section, re.S).group(1)
    src = tmp_path / "src"
    src.mkdir()
    (src / "CMakeLists.txt").write_text(cmake)
    (src / "main.cpp").write_text(main)
    _configure_and_build(src, tmp_path / "build", f"-Dfastgrad_DIR={_python_package_cmake_dir()}")
    out = _run([tmp_path / "build" / "app"], timeout=120)
    # d/dx sum(x^3) = 3 x^2 at x = [1, 2, 3], printed as PyTorch prints a float64 tensor
    assert out.strip() == "tensor([ 3., 12., 27.], dtype=fastgrad.float64)", out
