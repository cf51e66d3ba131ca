"""fastgrad.multiprocessing (torch.multiprocessing): the standard module's names, PyTorch's sharing-strategy
switches, and spawn(): results of every process, the child's exception re-raised in the parent with its
traceback, a non-zero exit reported as ProcessExitedException."""
import subprocess
import sys
import textwrap

import pytest

import fastgrad as fg

SCRIPT = textwrap.dedent("""
    import sys
    import fastgrad
    import fastgrad.multiprocessing as mp

    def work(i, q, fail):
        if fail and i == 1:
            raise ValueError("boom in worker")
        q.put((i, float(fastgrad.tensor([1.0, 2.0]).sum()) * (i + 1)))

    if __name__ == "__main__":
        ctx = mp.get_context("spawn")
        q = ctx.Queue()
        if sys.argv[1] == "ok":
            mp.spawn(work, args=(q, False), nprocs=2)
            print(sorted(q.get() for _ in range(2)))
        else:
            try:
                mp.spawn(work, args=(q, True), nprocs=2)
            except mp.ProcessRaisedException as e:
                print("raised", e.error_index, "ValueError: boom in worker" in str(e))
""")


@pytest.mark.parametrize("mode", ["ok", "fail"])
def test_spawn_runs_and_reports(tmp_path, mode):
    script = tmp_path / "spawn_script.py"
    script.write_text(SCRIPT)
    out = subprocess.run([sys.executable, str(script), mode], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    if mode == "ok":
        assert out.stdout.strip() == "[(0, 3.0), (1, 6.0)]"
    else:
        assert out.stdout.strip() == "raised 1 True"


def test_module_names_and_sharing_strategy():
    mp = fg.multiprocessing
    import multiprocessing

    for name in ("Process", "Queue", "Pool", "get_context", "set_start_method", "cpu_count"):
        assert getattr(mp, name) is getattr(multiprocessing, name)
    assert mp.get_all_sharing_strategies() == {"file_descriptor", "file_system"}
    assert mp.get_sharing_strategy() == "file_descriptor"
    mp.set_sharing_strategy("file_system")
    try:
        assert mp.get_sharing_strategy() == "file_system"
    finally:
        mp.set_sharing_strategy("file_descriptor")
    with pytest.raises(AssertionError):
        mp.set_sharing_strategy("shared_memory")


def test_matches_torch_names():
    torch = pytest.importorskip("torch")
    import torch.multiprocessing as tmp

    assert fg.multiprocessing.get_all_sharing_strategies() == tmp.get_all_sharing_strategies()
    assert fg.multiprocessing.get_sharing_strategy() == tmp.get_sharing_strategy()
    for name in ("spawn", "start_processes", "ProcessContext", "ProcessRaisedException", "ProcessExitedException"):
        assert hasattr(fg.multiprocessing, name) and hasattr(tmp, name)
