"""The process-wide random stream, as PyTorch's torch.manual_seed / seed / initial_seed."""
from . import _C


def manual_seed(seed):
    """Seeds the default generator; the same seed gives the same numbers as PyTorch 2.13 on the CPU."""
    return _C.default_generator.manual_seed(int(seed))


def seed():
    return _C.default_generator.seed()


def initial_seed():
    return _C.default_generator.initial_seed()


def get_rng_state():
    return _C.default_generator.get_state()


def set_rng_state(new_state):
    _C.default_generator.set_state(new_state)
