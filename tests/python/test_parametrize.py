"""nn.utils.parametrize, nn.utils.parametrizations.weight_norm and the legacy nn.utils.weight_norm against
PyTorch: parameter names, state_dict keys, values and gradients, right_inverse, removal, caching, errors."""
import warnings

import numpy as np
import pytest

import fastgrad

torch = pytest.importorskip("torch")


def _linear(lib, seed=0):
    rng = np.random.default_rng(seed)
    m = lib.nn.Linear(4, 3)
    with lib.no_grad():
        m.weight.copy_(lib.tensor(rng.standard_normal((3, 4)).astype(np.float32)))
        m.bias.copy_(lib.tensor(rng.standard_normal(3).astype(np.float32)))
    return m


def _close(a, b, **kw):
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-5, atol=1e-6, **kw)


def _make_symmetric(lib):
    class Symmetric(lib.nn.Module):
        def forward(self, x):
            return x.triu() + x.triu(1).transpose(0, 1)

        def right_inverse(self, a):
            return a.triu()

    return Symmetric


def _run(lib, m, x):
    out = m(lib.tensor(x))
    out.pow(2).sum().backward()
    return out


@pytest.mark.parametrize("dim", [0, 1, None])
def test_weight_norm_parametrization_matches_torch(dim):
    x = np.random.default_rng(1).standard_normal((5, 4)).astype(np.float32)
    res = {}
    for lib in (fastgrad, torch):
        m = lib.nn.utils.parametrizations.weight_norm(_linear(lib), dim=dim)
        out = _run(lib, m, x)
        res[lib.__name__] = (m, out)
    (fm, fo), (tm, to) = res["fastgrad"], res["torch"]
    assert type(fm).__name__ == type(tm).__name__ == "ParametrizedLinear"
    assert [n for n, _ in fm.named_parameters()] == [n for n, _ in tm.named_parameters()]
    assert list(fm.state_dict()) == list(tm.state_dict())
    _close(fo, to)
    _close(fm.weight, tm.weight)
    for (n, fp), (_, tp) in zip(fm.named_parameters(), tm.named_parameters()):
        _close(fp, tp, err_msg=n)
        _close(fp.grad, tp.grad, err_msg=n)
    # state dicts cross between the libraries, and the legacy keys load into the parametrization
    fm2 = fastgrad.nn.utils.parametrizations.weight_norm(fastgrad.nn.Linear(4, 3), dim=dim)
    fm2.load_state_dict({k: v.detach().numpy() for k, v in tm.state_dict().items()})
    _close(fm2.weight, tm.weight)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        legacy = torch.nn.utils.weight_norm(_linear(torch), dim=dim)
    fm3 = fastgrad.nn.utils.parametrizations.weight_norm(fastgrad.nn.Linear(4, 3), dim=dim)
    fm3.load_state_dict({k: v.detach().numpy() for k, v in legacy.state_dict().items()})
    _close(fm3.weight, legacy.weight)


@pytest.mark.parametrize("dim", [0, 1, None])
def test_legacy_weight_norm_matches_torch(dim):
    x = np.random.default_rng(2).standard_normal((5, 4)).astype(np.float32)
    res = {}
    for lib in (fastgrad, torch):
        with pytest.warns(FutureWarning, match="parametrizations.weight_norm"):
            m = lib.nn.utils.weight_norm(_linear(lib), dim=dim)
        out = _run(lib, m, x)
        res[lib.__name__] = (m, out)
    (fm, fo), (tm, to) = res["fastgrad"], res["torch"]
    assert [n for n, _ in fm.named_parameters()] == [n for n, _ in tm.named_parameters()]
    assert list(fm.state_dict()) == list(tm.state_dict())
    _close(fo, to)
    for (n, fp), (_, tp) in zip(fm.named_parameters(), tm.named_parameters()):
        _close(fp.grad, tp.grad, err_msg=n)
    for lib, m in ((fastgrad, fm), (torch, tm)):
        lib.nn.utils.remove_weight_norm(m)
    assert [n for n, _ in fm.named_parameters()] == [n for n, _ in tm.named_parameters()] == ["bias", "weight"]
    _close(fm.weight, tm.weight)
    with pytest.raises(ValueError, match="weight_norm of 'weight' not found"):
        fastgrad.nn.utils.remove_weight_norm(fm)


def test_weight_norm_on_conv_dims():
    w = np.random.default_rng(3).standard_normal((6, 3, 2, 2))
    for dim in (0, 1, 2, 3, None):
        outs = []
        for lib in (fastgrad, torch):
            m = lib.nn.Conv2d(3, 6, 2)
            with lib.no_grad():
                m.weight.copy_(lib.tensor(w, dtype=lib.float32))
            m = lib.nn.utils.parametrizations.weight_norm(m, dim=dim)
            outs.append((m.parametrizations.weight.original0, m.weight))
        _close(outs[0][0], outs[1][0])
        _close(outs[0][1], outs[1][1])


def test_register_parametrization_symmetric_matches_torch():
    a = np.random.default_rng(4).standard_normal((3, 3)).astype(np.float32)
    res = {}
    for lib in (fastgrad, torch):
        m = lib.nn.Linear(3, 3)
        with lib.no_grad():
            m.weight.copy_(lib.tensor(a))
        P = lib.nn.utils.parametrize
        P.register_parametrization(m, "weight", _make_symmetric(lib)())
        assert P.is_parametrized(m) and P.is_parametrized(m, "weight") and not P.is_parametrized(m, "bias")
        assert P.type_before_parametrizations(m) is lib.nn.Linear
        w = m.weight
        np.testing.assert_allclose(w.detach().numpy(), w.detach().numpy().T)
        m.weight = lib.tensor(a + a.T)  # assignment goes through right_inverse
        res[lib.__name__] = (m, m.weight.detach().numpy().copy(), m.parametrizations.weight.original.detach().numpy())
        with P.cached():
            assert m.weight is m.weight
        assert m.weight is not m.weight
        P.remove_parametrizations(m, "weight")
        assert type(m) is lib.nn.Linear and not P.is_parametrized(m)
        assert [n for n, _ in m.named_parameters()] == ["bias", "weight"]
    np.testing.assert_allclose(res["fastgrad"][1], res["torch"][1], rtol=1e-6)
    np.testing.assert_allclose(res["fastgrad"][2], res["torch"][2], rtol=1e-6)


def test_chained_parametrizations_and_keys():
    for lib in (fastgrad, torch):
        m = lib.nn.Linear(3, 3)
        P = lib.nn.utils.parametrize
        P.register_parametrization(m, "weight", _make_symmetric(lib)())

        class Double(lib.nn.Module):
            def forward(self, x):
                return 2 * x

        P.register_parametrization(m, "weight", Double())
        assert len(m.parametrizations.weight) == 2
        assert list(m.state_dict()) == ["bias", "parametrizations.weight.original"]
        P.remove_parametrizations(m, "weight", leave_parametrized=False)
        assert [n for n, _ in m.named_parameters()] == ["bias", "weight"]


def test_errors_match_torch():
    for lib in (fastgrad, torch):
        P = lib.nn.utils.parametrize
        m = lib.nn.Linear(3, 3)
        with pytest.raises(ValueError, match="does not have a parameter, a buffer, or a parametrized element"):
            P.register_parametrization(m, "nothing", _make_symmetric(lib)())

        class Shrink(lib.nn.Module):
            def forward(self, x):
                return x[:2]

        with pytest.raises(ValueError, match="may not change the shape"):
            P.register_parametrization(m, "weight", Shrink())
        with pytest.raises(ValueError, match="does not have a parametrization on weight"):
            P.remove_parametrizations(m, "weight")
        wn = lib.nn.utils.parametrizations.weight_norm(lib.nn.Linear(3, 3))
        with pytest.raises(ValueError, match="Cannot leave unparametrized"):
            P.remove_parametrizations(wn, "weight", leave_parametrized=False)
