"""Tests that run in every process of an MPI job: `mpirun -n 2 python -m pytest tests/distributed` (launched
by tests/python/test_distributed.py, which skips without mpi4py/mpirun). Every process runs the same tests in
the same order, so their collectives meet. A process stuck for 120 s (a peer failed before a collective)
dumps its stack and exits, which ends the whole job instead of hanging it."""

import faulthandler

import pytest

import fastgrad.distributed as dist


def pytest_configure(config):
    if not dist.is_available():
        return
    if not dist.is_initialized():
        dist.init_process_group("mpi")


@pytest.fixture(autouse=True)
def _guard():
    faulthandler.dump_traceback_later(120, exit=True)
    yield
    faulthandler.cancel_dump_traceback_later()
