"""torch.autograd.forward_ad: dual tensors against PyTorch's forward AD, and gradcheck(check_forward_ad=True) on
every differentiable op of the op table (float64, the samples test_ops.py's gradcheck uses).

fastgrad's forward AD differentiates each op's VJP with respect to its cotangent (docs/differences.md), so the
op-table check is what shows the JVPs are right op by op."""
import numpy as np
import pytest

import fastgrad
import fastgrad.autograd.forward_ad as fwAD
from test_ops import _gradcheck_params, _gradcheck_setup

torch = pytest.importorskip("torch")
tfwAD = torch.autograd.forward_ad


@pytest.mark.parametrize("op,sample", _gradcheck_params())
def test_forward_ad_gradcheck(op, sample):
    func, leaves = _gradcheck_setup(op, sample)
    if op.name == "setitem":  # x[i] = dual into a tensor without a tangent: docs/differences.md
        try:
            ok = fastgrad.autograd.gradcheck(func, tuple(leaves), check_forward_ad=True, check_backward_ad=False)
        except RuntimeError as e:
            assert "writes a dual tensor into a tensor without a tangent" in str(e)
            return
        assert ok
        return
    assert fastgrad.autograd.gradcheck(func, tuple(leaves), check_forward_ad=True, check_backward_ad=False)


def test_forward_ad_gradcheck_catches_a_wrong_jvp():
    x = fastgrad.from_numpy(np.array([0.5, -1.5, 2.0])).requires_grad_(True)
    assert not fastgrad.autograd.gradcheck(lambda t: t * t.detach(), (x,), check_forward_ad=True,
                                           check_backward_ad=False, raise_exception=False)


def _run(lib, fwd, xa, ta, f):
    with fwd.dual_level():
        d = fwd.make_dual(lib.tensor(xa), lib.tensor(ta))
        out = f(lib, d)
        return [(fwd.unpack_dual(o).primal.detach().numpy(), fwd.unpack_dual(o).tangent.detach().numpy())
                for o in (out if isinstance(out, tuple) else (out,))]


@pytest.mark.parametrize("f", [
    lambda T, d: d.sin() * d.exp() + d ** 2,
    lambda T, d: (d @ d.t(), d.sum(1), d.softmax(-1), d.max(0)[0]),
    lambda T, d: (T.cat([d, d * 2]), T.stack([d, -d]), d[1:, ::2], d.reshape(-1), d.t().contiguous()),
    lambda T, d: T.nn.functional.cross_entropy(d, T.tensor([0, 2])),
    lambda T, d: (T.where(d > 0, d, d * d), d.clamp(-0.5, 0.5), T.nn.functional.gelu(d)),
])
def test_dual_tensors_match_torch(f):
    rng = np.random.default_rng(0)
    xa, ta = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    ours = _run(fastgrad, fwAD, xa, ta, f)
    theirs = _run(torch, tfwAD, xa, ta, f)
    for (p, t), (tp, tt) in zip(ours, theirs):
        np.testing.assert_allclose(p, tp, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(t, tt, rtol=1e-10, atol=1e-12)


def test_dual_level_api_and_errors_match_torch():
    for lib, fwd in ((fastgrad, fwAD), (torch, tfwAD)):
        x = lib.ones(2, dtype=lib.float64)
        with pytest.raises(RuntimeError, match="no level exists"):
            fwd.make_dual(x, x)
        with fwd.dual_level():
            with pytest.raises(RuntimeError, match="different size"):
                fwd.make_dual(x, lib.ones(3, dtype=lib.float64))
            with pytest.raises(ValueError, match="Expected primal to be floating point"):
                fwd.make_dual(lib.ones(2, dtype=lib.int64), x)
            with pytest.raises(RuntimeError, match="Nested forward mode AD is not supported"):
                fwd.dual_level().__enter__()
            d = fwd.make_dual(x, x * 3)
            y = d * 2
            assert isinstance(y, lib.Tensor)
            p, t = fwd.unpack_dual(y)
            np.testing.assert_array_equal(t.numpy(), [6.0, 6.0])
            assert fwd.unpack_dual(x).tangent is None
        assert fwd.unpack_dual(y).tangent is None
        assert type(fwd.unpack_dual(y)).__name__ == "UnpackedDualTensor"


def test_forward_over_reverse_and_reverse_through_duals():
    # a primal that requires grad keeps its graph through dual ops (reverse mode of the primal)
    x = fastgrad.tensor([0.3, -1.2], dtype=fastgrad.float64, requires_grad=True)
    with fwAD.dual_level():
        d = fwAD.make_dual(x, fastgrad.ones(2, dtype=fastgrad.float64))
        y = (d.sin() * d).sum()
        p, t = fwAD.unpack_dual(y)
    (g,) = fastgrad.autograd.grad(p, x)
    np.testing.assert_allclose(g.numpy(), (np.cos([0.3, -1.2]) * [0.3, -1.2] + np.sin([0.3, -1.2])))
    np.testing.assert_allclose(float(t), float(g.sum()))


def test_documented_differences():
    x = fastgrad.tensor([1.0, 2.0], dtype=fastgrad.float64)
    with fwAD.dual_level():
        d = fwAD.make_dual(x, fastgrad.ones(2, dtype=fastgrad.float64))
        assert isinstance(d, fastgrad.Tensor) and type(d) is not fastgrad.Tensor
        with pytest.raises(TypeError):
            float(d.sum())
        assert d.sum().item() == 3.0
        with pytest.raises(RuntimeError, match="in-place"):
            fastgrad.zeros(2, dtype=fastgrad.float64).add_(d)


@pytest.mark.parametrize("name", ["make_dual", "unpack_dual", "enter_dual_level", "exit_dual_level"])
def test_signature_matches_torch(name):
    import inspect
    ours = inspect.signature(getattr(fwAD, name))
    theirs = inspect.signature(getattr(tfwAD, name))
    assert [(p.name, p.kind, p.default) for p in ours.parameters.values()] == [
        (p.name, p.kind, p.default) for p in theirs.parameters.values()]
