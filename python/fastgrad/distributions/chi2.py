"""The Chi2 distribution."""
from .gamma import Gamma

__all__ = ["Chi2"]


def _fg():
    import fastgrad
    return fastgrad


class Chi2(Gamma):
    """The chi-squared distribution with ``df`` degrees of freedom: Gamma(df / 2, 1 / 2)."""

    arg_constraints = {"df": Gamma.arg_constraints["concentration"]}

    def __init__(self, df, validate_args=None):
        fg = _fg()
        if not isinstance(df, fg.Tensor):
            df = fg.tensor(df, dtype=fg.get_default_dtype())
        super().__init__(0.5 * df, 0.5, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Chi2, _instance)
        return super().expand(batch_shape, new)

    @property
    def df(self):
        """The degrees of freedom, 2 * concentration."""
        return self.concentration * 2
