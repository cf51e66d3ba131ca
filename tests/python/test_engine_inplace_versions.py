"""In-place ops and autograd (docs/design.md, sections 2 and 4), with PyTorch 2.13 as the oracle: detach() and .data,
the version counter, in-place ops on leaves and non-leaves, and the detection of modified saved tensors.

Each test names the promise it checks. Tests that compare with PyTorch run the same code with `torch` and
with `fastgrad` (`run_both` in engine_helpers.py) and skip cleanly when torch is not installed; the others check
analytic results (derivatives worked out by hand, never values computed by fastgrad itself) and run without
torch.
"""

import math
import re

import fastgrad
import numpy as np
import pytest
from engine_helpers import INPLACE_MODIFIED, LEAF_INPLACE, compare_with_torch, to_numpy

# ---------------------------------------------------------------------------------------------------------------
# detach() and .data


def test_detach_shares_memory_and_has_no_history():
    x = fastgrad.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    d = y.detach()
    assert not d.requires_grad and d.grad_fn is None and d.is_leaf
    assert d.data_ptr() == y.data_ptr()
    d[0] = 5.0
    np.testing.assert_array_equal(to_numpy(y), [5.0, 4.0, 6.0])
    assert y.requires_grad and y.grad_fn is not None  # the original keeps its history


def test_detach_shares_the_version_counter():
    x = fastgrad.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    d = y.detach()
    before = y._version
    d.add_(1)
    assert y._version == before + 1 == d._version


def test_inplace_on_a_detached_tensor_invalidates_the_saved_original():
    x = fastgrad.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x.exp()  # ExpBackward0 saves its output
    y.detach().add_(1)
    with pytest.raises(RuntimeError, match=INPLACE_MODIFIED):
        y.sum().backward()


def test_data_shares_memory_but_not_the_version_counter():
    x = fastgrad.tensor([0.0, 1.0], requires_grad=True)
    y = x.exp()
    d = y.data
    assert not d.requires_grad and d.is_leaf and d.grad_fn is None
    assert d.data_ptr() == y.data_ptr()
    d.add_(1)
    assert y._version == 0 and d._version == 1
    y.sum().backward()  # no version error: .data is the documented escape hatch
    # ExpBackward0 uses its saved output, which now holds e^x + 1
    np.testing.assert_allclose(to_numpy(x.grad), [math.exp(0.0) + 1, math.exp(1.0) + 1], rtol=1e-6)


def test_data_and_detach_match_torch():
    def f(m):
        x = m.tensor([0.0, 1.0], requires_grad=True)
        y = x.exp()
        y.data.mul_(2)
        y.sum().backward()
        return x.grad, y, y._version, y.detach()._version

    compare_with_torch(f)


# ---------------------------------------------------------------------------------------------------------------
# version counter

INPLACE_UPDATES = {
    "add_": lambda t: t.add_(1),
    "sub_": lambda t: t.sub_(1),
    "mul_": lambda t: t.mul_(2),
    "div_": lambda t: t.div_(2),
    "zero_": lambda t: t.zero_(),
    "fill_": lambda t: t.fill_(3.0),
    "copy_": lambda t: t.copy_(fastgrad.ones(3)),
    "iadd": lambda t: t.__iadd__(1),
    "isub": lambda t: t.__isub__(1),
    "imul": lambda t: t.__imul__(2),
    "itruediv": lambda t: t.__itruediv__(2),
    "setitem": lambda t: t.__setitem__(0, 7.0),
    "setitem_slice": lambda t: t.__setitem__(slice(0, 2), 7.0),
}


@pytest.mark.parametrize("op", list(INPLACE_UPDATES), ids=list(INPLACE_UPDATES))
def test_every_inplace_op_bumps_the_version_by_one(op):
    t = fastgrad.ones(3)
    assert t._version == 0
    INPLACE_UPDATES[op](t)
    assert t._version == 1
    INPLACE_UPDATES[op](t)
    assert t._version == 2


def test_out_of_place_ops_do_not_bump_the_version_and_start_at_zero():
    t = fastgrad.ones(3)
    u = t + 1
    t.exp()
    t.sum()
    assert t._version == 0 and u._version == 0


VIEWS = {
    "slice": lambda t: t[1:],
    "select": lambda t: t[1],
    "view": lambda t: t.view(3, 1),
    "unsqueeze": lambda t: t.unsqueeze(0),
    "transpose": lambda t: t.view(1, 3).transpose(0, 1),
    "t": lambda t: t.view(1, 3).t(),
    "detach": lambda t: t.detach(),
}


@pytest.mark.parametrize("view", list(VIEWS), ids=list(VIEWS))
def test_views_share_the_version_counter_both_ways(view):
    t = fastgrad.ones(3)
    v = VIEWS[view](t)
    v.mul_(2)
    assert t._version == 1 and v._version == 1
    t.add_(1)
    assert t._version == 2 and v._version == 2


def test_version_sequence_matches_torch():
    def f(m):
        x = m.ones(3)
        seen = [x._version]
        x.add_(1)
        x += 1
        x[0] = 2
        seen.append(x._version)
        w = x[1:]
        w.mul_(2)
        seen.append((x._version, w._version))
        x.view(3).sub_(1)
        x.unsqueeze(0).div_(2)
        seen.append((x._version, w._version))
        x.data.add_(1)
        seen.append(x._version)
        seen.append((x + 1)._version)
        return seen

    compare_with_torch(f)


# ---------------------------------------------------------------------------------------------------------------
# in-place ops and autograd

LEAF_INPLACE_UPDATES = {k: v for k, v in INPLACE_UPDATES.items() if not k.startswith("setitem")}


@pytest.mark.parametrize("op", list(LEAF_INPLACE_UPDATES), ids=list(LEAF_INPLACE_UPDATES))
def test_inplace_on_a_leaf_that_requires_grad_is_refused(op):
    x = fastgrad.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=re.escape(LEAF_INPLACE)):
        LEAF_INPLACE_UPDATES[op](x)
    np.testing.assert_array_equal(to_numpy(x), [1.0, 1.0, 1.0])


@pytest.mark.parametrize("op", list(INPLACE_UPDATES), ids=list(INPLACE_UPDATES))
def test_inplace_on_a_leaf_is_allowed_under_no_grad(op):
    x = fastgrad.ones(3, requires_grad=True)
    with fastgrad.no_grad():
        INPLACE_UPDATES[op](x)
    assert x.is_leaf and x.requires_grad and x.grad_fn is None and x._version == 1
    (x * 2).sum().backward()
    np.testing.assert_array_equal(to_numpy(x.grad), [2.0, 2.0, 2.0])


def test_inplace_under_no_grad_changes_the_leafs_values_like_torch():
    def f(m):
        x = m.ones(3, requires_grad=True)
        with m.no_grad():
            x.add_(1)
            x.mul_(m.tensor([1.0, 2.0, 3.0]))
            x[0] = -1.0
        return x

    compare_with_torch(f)


def test_inplace_on_a_non_leaf_gives_the_right_gradient():
    x = fastgrad.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y += 1
    y.mul_(3)
    assert not y.is_leaf and type(y.grad_fn).__name__ == "MulBackward0"
    y.sum().backward()
    np.testing.assert_allclose(to_numpy(x.grad), [6.0, 6.0])  # d/dx 3(2x + 1)
    np.testing.assert_allclose(to_numpy(y.detach()), [9.0, 15.0])


def test_inplace_on_a_non_leaf_matches_torch():
    def f(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        y += 1
        y.mul_(3)
        y.sum().backward()
        g1 = x.grad
        x2 = m.tensor([0.5, 1.5], requires_grad=True)
        z = x2 * 2
        e = z.exp()
        z.mul_(e)
        z.sub_(x2)
        z.div_(x2 + 1)
        (z * z).sum().backward()
        return g1, y, x2.grad, z

    compare_with_torch(f, rtol=1e-5)


def test_inplace_on_a_view_of_a_non_leaf_flows_the_gradient_like_torch():
    def f(m):
        x = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * 2
        y[1:].mul_(x[1:])
        y.sum().backward()
        return x.grad, y

    compare_with_torch(f)


def test_inplace_modification_of_a_saved_input_is_detected():
    x = fastgrad.ones(3, requires_grad=True)
    y = x * 2
    z = y * y  # saves y
    y.add_(1)
    with pytest.raises(RuntimeError, match=INPLACE_MODIFIED):
        z.sum().backward()


def test_inplace_modification_of_a_tensor_nobody_saved_is_fine():
    x = fastgrad.ones(3, requires_grad=True)
    y = x * 2
    z = y + 1  # AddBackward0 saves nothing
    y.mul_(5)
    z.sum().backward()
    np.testing.assert_array_equal(to_numpy(x.grad), [2.0, 2.0, 2.0])
