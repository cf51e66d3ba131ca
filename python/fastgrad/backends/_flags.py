"""Module-level flags that check their type when set, as PyTorch's backend modules do."""
import types


class FlagModule(types.ModuleType):
    """A module whose attributes named in ``_FLAGS`` only accept values of the flag's type.

    ``_FLAGS`` maps a name to (type, the name torch's error uses); setting a wrong type raises RuntimeError
    "<name> expects a bool, but got str" as PyTorch does. Other attributes behave as usual.
    """

    _FLAGS: dict = {}

    def __setattr__(self, name, value):
        spec = type(self)._FLAGS.get(name)
        if spec is not None:
            kind, setter = spec
            if not isinstance(value, kind):
                raise RuntimeError(f"{setter} expects a {kind.__name__}, but got {type(value).__name__}")
        super().__setattr__(name, value)
