"""The process-wide random stream, as PyTorch's torch.manual_seed / seed / initial_seed."""
from . import _C


def manual_seed(seed):
    """Seeds the default generator; the same seed gives the same numbers as PyTorch 2.13 on the CPU."""
    return _C.default_generator.manual_seed(int(seed))


def seed():
    """Seeds the default random generator with a non-deterministic random number and returns it."""
    return _C.default_generator.seed()


def initial_seed():
    """The seed the default random generator was last seeded with."""
    return _C.default_generator.initial_seed()


def get_rng_state():
    """The state of the default random generator (bytes), for set_rng_state."""
    return _C.default_generator.get_state()


def set_rng_state(new_state):
    """Restores the default random generator's state from what get_rng_state returned."""
    _C.default_generator.set_state(new_state)
