"""inspect.signature works for fastgrad's public functions and Tensor methods (those bound in C++ too, Note
[Docstrings of bound functions]), and the argument names it shows are PyTorch's.

PyTorch's own functions bound in C++ have no inspect.signature; their argument parser is the reference: a call
with an unknown keyword raises a TypeError listing every accepted form, "* (Tensor input, Tensor other, *,
Number alpha = 1, Tensor out = None)". Each name fastgrad's signature shows must be a name PyTorch accepts for
the same function (fastgrad may accept fewer, e.g. no out=). PyTorch's Python functions are compared through
their inspect.signature.
"""
import inspect

import pytest

import fastgrad
import fastgrad.nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

# No text signature: a Python signature cannot describe these calls.
NO_SIGNATURE = {
    "fastgrad.randint": "randint(low=0, high, size): an optional argument before required ones",
    "fastgrad.randint_like": "randint_like(input, low=0, high): an optional argument before a required one",
    "fastgrad.where": "where(condition) and where(condition, input, other) are two overloads",
    "Tensor.count_nonzero": "count_nonzero(dim) takes an int or a tuple: two pybind11 overloads",
    "Tensor.random_": "random_(), random_(to), random_(from, to): overloads by position",
    "Tensor.uniform_": "uniform_(from=0, to=1): `from` is a Python keyword, not a parameter name",
}
# Names that differ from what PyTorch's parser accepts, with the reason they stay.
NAME_EXCEPTIONS = {
    "fastgrad.einsum": "PyTorch's einsum is a Python function einsum(*args); fastgrad shows its documented form "
                       "einsum(equation, *operands)",
    "fastgrad.tensor_split": "the documented name indices_or_sections (PyTorch's parser splits it into "
                             "sections / indices / tensor_indices_or_sections overloads)",
    "Tensor.tensor_split": "as fastgrad.tensor_split",
}


def _parser_names(fn):
    """The argument names PyTorch's parser accepts for fn, from its error message (None without one)."""
    try:
        fn(__not_an_argument__=1)
    except TypeError as e:
        msg = str(e)
    except Exception:  # noqa: BLE001  (another error: no parser message to read)
        return None
    else:
        return None
    forms = [line.strip()[3:-1] for line in msg.split("\n") if line.strip().startswith("* (")]
    if not forms:
        return None
    names = set()
    for form in forms:
        for p in form.split(","):
            p = p.split("=")[0].strip()
            if p and p != "*":
                names.add(p.split()[-1].lstrip("*"))
    return names


def _torch_names(obj, name, method):
    if method:
        return _parser_names(getattr(torch.ones(1), name))
    try:
        names = [p.name for p in inspect.signature(obj).parameters.values()]
    except (ValueError, TypeError):
        return _parser_names(obj)
    return None if names == ["args", "kwargs"] else set(names)


def _pairs():
    out = []
    for n in dir(fastgrad):
        fo, to = getattr(fastgrad, n), getattr(torch, n, None)
        if not n.startswith("_") and to is not None and callable(fo) and not isinstance(fo, type):
            out.append((f"fastgrad.{n}", fo, to, n, False))
    for n in dir(fastgrad.Tensor):
        if n.startswith("_") or not hasattr(torch.Tensor, n):
            continue
        if isinstance(inspect.getattr_static(fastgrad.Tensor, n), property) or not callable(getattr(fastgrad.Tensor, n)):
            continue
        out.append((f"Tensor.{n}", getattr(fastgrad.Tensor, n), getattr(torch.Tensor, n), n, True))
    for n in dir(F):
        fo, to = getattr(F, n), getattr(TF, n, None)
        if not n.startswith("_") and to is not None and inspect.isfunction(fo):
            out.append((f"F.{n}", fo, to, n, False))
    return out


def test_every_public_function_and_method_has_a_signature():
    missing = []
    for label, fo, _, _, _ in _pairs():
        try:
            inspect.signature(fo)
        except (ValueError, TypeError):
            missing.append(label)
    assert sorted(set(missing) - set(NO_SIGNATURE)) == []
    assert sorted(set(NO_SIGNATURE) - set(missing)) == [], "now has a signature: drop it from NO_SIGNATURE"
    assert len(_pairs()) > 700


def test_argument_names_are_torchs():
    wrong, compared = [], 0
    for label, fo, to, name, method in _pairs():
        if label in NO_SIGNATURE:
            continue
        ours = [p.name for p in inspect.signature(fo).parameters.values() if p.name != "self"]
        theirs = _torch_names(to, name, method)
        if theirs is None:
            continue
        compared += 1
        extra = [n for n in ours if n not in theirs and n not in ("args", "kwargs")]
        if extra and label not in NAME_EXCEPTIONS:
            wrong.append((label, extra, sorted(theirs)))
        if not extra:
            assert label not in NAME_EXCEPTIONS, f"{label} now matches: drop it from NAME_EXCEPTIONS"
    assert wrong == []
    assert compared > 200


def test_bound_signatures_in_detail():
    # spot checks: names, defaults and kinds, for functions and methods bound in C++
    sig = inspect.signature(fastgrad.add)
    assert str(sig) == "(input, other, *, alpha=1, out=None)"  # out=: Note [Out arguments]
    assert str(inspect.signature(fastgrad.ones(1).add)) == "(other, *, alpha=1)"
    assert str(inspect.signature(fastgrad.Tensor.add)) == "(self, other, *, alpha=1)"
    assert list(inspect.signature(fastgrad.zeros).parameters)[:1] == ["size"]
    assert inspect.signature(fastgrad.zeros).parameters["size"].kind is inspect.Parameter.VAR_POSITIONAL
    assert inspect.signature(fastgrad.Tensor.backward).parameters["create_graph"].default is False
    assert inspect.signature(fastgrad.promote_types).parameters.keys() == {"type1", "type2"}
    assert fastgrad.true_divide(input=fastgrad.ones(2), other=2).tolist() == [0.5, 0.5]


def test_help_shows_signature_and_doc(capsys):
    help(fastgrad.Tensor.add)
    out = capsys.readouterr().out
    assert "add(self, other, *, alpha=1)" in out and "alpha * other" in out
