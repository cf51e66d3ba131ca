"""The misuse suite's machinery (test_misuse_*.py): each case is one snippet of wrong code, run once with
``T = torch`` and once with ``T = fastgrad``. Both must raise, with the same exception class; fastgrad's message
must not be empty, and the words a case lists (the op, the argument, the key phrase) must appear in fastgrad's
message whenever they appear in torch's. A second table holds snippets where torch only warns: fastgrad must warn
with the same warning category. A third holds near-misuses that torch accepts, which fastgrad must accept too.

Each test file keeps its own tables (lists of pytest.param), fills them with the decorators `registrar` and
`acceptor` make, and runs them with `check_raises`, `check_warns` and `check_accepted`. A case takes `T`, and
`tmp_path` too when it has a second parameter.
"""
import warnings

import pytest

import fastgrad

torch = pytest.importorskip("torch")

# The test files of the suite (module names), for the count of all its misuse cases.
MODULES = ("test_misuse_autograd", "test_misuse_shapes_indexing", "test_misuse_dtypes_devices",
           "test_misuse_optim_save_load_data", "test_misuse_modules")


def registrar(table, prefix):
    """The decorator factory of a (fn, words) table: `@misuse(*words, xfail=None)` registers fn(T) with the id
    fn's name without `prefix`; `words` must appear in fastgrad's message where they appear in torch's."""

    def register(*words, xfail=None):
        def deco(fn):
            marks = [pytest.mark.xfail(strict=False, reason=xfail)] if xfail else []
            table.append(pytest.param(fn, words, id=fn.__name__.removeprefix(prefix), marks=marks))
            return fn

        return deco

    return register


def acceptor(table):
    """The decorator of the near-misuse table: `@accepted` registers fn(T) with the id fn's name without "a_"."""

    def accepted(fn):
        table.append(pytest.param(fn, id=fn.__name__.removeprefix("a_")))
        return fn

    return accepted


def leaf(T, *shape):
    return T.ones(*(shape or (3,)), requires_grad=True)


def _call(fn, T, tmp_path):
    if fn.__code__.co_argcount == 2:
        return fn(T, tmp_path)
    return fn(T)


def _raised(fn, T, tmp_path):
    tmp_path.mkdir(exist_ok=True)
    try:
        _call(fn, T, tmp_path)
    except Exception as e:  # noqa: BLE001  (the class is the subject of the test)
        return e
    return None


def _same_class(got, ref):
    """Equal classes; torch's own exception subclasses count as equal by name and builtin base."""
    if type(got) is type(ref):
        return True
    if type(ref).__module__.startswith("torch"):
        base = next(c for c in type(ref).__mro__ if c.__module__ == "builtins")
        return type(got).__name__ == type(ref).__name__ and isinstance(got, base)
    return False


def check_raises(fn, words, tmp_path):
    ref = _raised(fn, torch, tmp_path / "torch")
    assert ref is not None, "torch raised nothing: not a misuse"
    for w in words:
        assert w.lower() in str(ref).lower(), f"case is stale: {w!r} not in torch's message {str(ref)!r}"
    got = _raised(fn, fastgrad, tmp_path / "fastgrad")
    assert got is not None, f"fastgrad raised nothing; torch raised {type(ref).__name__}: {ref}"
    assert _same_class(got, ref), (
        f"torch raised {type(ref).__name__}: {ref}\nfastgrad raised {type(got).__name__}: {got}"
    )
    assert str(got).strip(), f"fastgrad's {type(got).__name__} has an empty message"
    for w in words:
        assert w.lower() in str(got).lower(), f"{w!r} not in fastgrad's message {str(got)!r}"


def _warned(fn, T, tmp_path):
    tmp_path.mkdir(exist_ok=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _call(fn, T, tmp_path)
    return caught


def check_warns(fn, words, tmp_path):
    ref = [w for w in _warned(fn, torch, tmp_path / "torch") if all(x.lower() in str(w.message).lower() for x in words)]
    assert ref, "torch did not warn: the case is stale"
    got = [w for w in _warned(fn, fastgrad, tmp_path / "fastgrad") if issubclass(w.category, ref[0].category)]
    assert got, f"fastgrad did not warn {ref[0].category.__name__}: {ref[0].message}"
    msgs = " | ".join(str(w.message) for w in got)
    for x in words:
        assert x.lower() in msgs.lower(), f"{x!r} not in fastgrad's warnings {msgs!r}"


def check_accepted(fn, tmp_path):
    _call(fn, torch, tmp_path)
    _call(fn, fastgrad, tmp_path)
