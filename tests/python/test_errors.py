"""Misuse -> the exception PyTorch raises for it (docs/design.md, section 7: errors).

Each case states the exception type and the key phrase of PyTorch 2.13's message. `expect_error` checks fastgrad
against them (so these tests run without torch) and, when torch is installed, checks that torch really raises that
type with that phrase for the same code, so the expectations cannot drift from the oracle. fastgrad may add
context (the op, shapes, dtypes) around PyTorch's wording.

The last section runs the nastiest cases in a subprocess: whatever happens, the interpreter must survive and
report a Python exception.
"""
import re
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import fastgrad

try:
    import torch as _torch
except ImportError:  # the oracle is optional: fastgrad is still checked against the stated expectations
    _torch = None


def _raised(fn, module):
    try:
        fn(module)
    except BaseException as e:  # noqa: BLE001  (the type is the subject of the test)
        return e
    return None


def expect_error(fn, exc_type, *phrases, oracle=True):
    """fn(fastgrad) raises exc_type with each phrase in its message (case-insensitive); so does fn(torch)."""
    if oracle and _torch is not None:
        ref = _raised(fn, _torch)
        assert ref is not None, "oracle check: torch raised nothing"
        assert isinstance(ref, exc_type), f"oracle check: torch raised {type(ref).__name__}: {ref}"
        for p in phrases:
            assert p.lower() in str(ref).lower(), f"oracle check: {p!r} not in torch's message {str(ref)!r}"
    got = _raised(fn, fastgrad)
    assert got is not None, "fastgrad raised nothing"
    assert isinstance(got, exc_type), f"fastgrad raised {type(got).__name__}: {got}"
    if _torch is not None and oracle:
        assert isinstance(got, type(ref)), f"torch raised {type(ref).__name__}, fastgrad {type(got).__name__}"
    for p in phrases:
        assert p.lower() in str(got).lower(), f"{p!r} not in fastgrad's message {str(got)!r}"
    return got


def xfail(reason):
    return pytest.mark.xfail(strict=True, reason=reason)


def _leaf(m):
    return m.ones(3, requires_grad=True)


# ---------------------------------------------------------------------------------------------------------------
# shapes

BROADCAST = "The size of tensor a (2) must match the size of tensor b (4) at non-singleton dimension 0"
BINARY = {
    "add": lambda m: m.ones(2, 3) + m.ones(4, 3),
    "sub": lambda m: m.ones(2, 3) - m.ones(4, 3),
    "mul": lambda m: m.ones(2, 3) * m.ones(4, 3),
    "div": lambda m: m.ones(2, 3) / m.ones(4, 3),
    "fn_add": lambda m: m.add(m.ones(2, 3), m.ones(4, 3)),
    "fn_sub": lambda m: m.sub(m.ones(2, 3), m.ones(4, 3)),
    "fn_mul": lambda m: m.mul(m.ones(2, 3), m.ones(4, 3)),
    "add_": lambda m: m.ones(2, 3).add_(m.ones(4, 3)),
    "requires_grad": lambda m: m.ones(2, 3, requires_grad=True) * m.ones(4, 3, requires_grad=True),
}


@pytest.mark.parametrize("op", list(BINARY), ids=list(BINARY))
def test_non_broadcastable_shapes_raise_runtime_error(op):
    expect_error(BINARY[op], RuntimeError, BROADCAST)


def test_broadcast_error_names_the_last_mismatching_dim_as_torch_does():
    # torch compares shapes from the trailing dim: (2, 3) + (3, 2) fails at dim 1 first
    expect_error(lambda m: m.ones(2, 3) + m.ones(3, 2), RuntimeError,
                 "The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 1")
    expect_error(lambda m: m.ones(5, 2, 3) * m.ones(4, 1, 3), RuntimeError,
                 "The size of tensor a (5) must match the size of tensor b (4) at non-singleton dimension 0")


@pytest.mark.parametrize(
    "data,exc,phrase",
    [
        ([[1, 2], [3]], ValueError, "expected sequence of length 2 at dim 1 (got 1)"),
        ([[[1], [2]], [[1], [2, 3]]], ValueError, "expected sequence of length 1 at dim 2 (got 2)"),
        ([[1.0, 2.0], 3.0], TypeError, "not a sequence"),
        ([1, [2]], TypeError, "object cannot be interpreted as"),
    ],
    ids=["short_row", "deep", "scalar_for_row", "row_for_scalar"],
)
def test_ragged_nested_lists_raise_torchs_error(data, exc, phrase):
    expect_error(lambda m: m.tensor(data), exc, phrase)


def test_inplace_result_that_would_need_broadcasting_the_output_is_refused():
    expect_error(lambda m: m.ones(3).add_(m.ones(2, 3)), RuntimeError,
                 "output with shape [3] doesn't match the broadcast shape [2, 3]")


MATMUL = {
    "mm": lambda m: m.mm(m.ones(2, 3), m.ones(4, 5)),
    "matmul": lambda m: m.matmul(m.ones(2, 3), m.ones(4, 5)),
    "at_operator": lambda m: m.ones(2, 3) @ m.ones(4, 5),
    "method": lambda m: m.ones(2, 3).mm(m.ones(4, 5)),
    "requires_grad": lambda m: m.ones(2, 3, requires_grad=True) @ m.ones(4, 5, requires_grad=True),
}


@pytest.mark.parametrize("op", list(MATMUL), ids=list(MATMUL))
def test_matmul_size_mismatch_names_both_shapes(op):
    expect_error(MATMUL[op], RuntimeError, "mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)")


def test_batched_matmul_size_mismatch_uses_pytorchs_message():
    expect_error(lambda m: m.matmul(m.ones(2, 2, 3), m.ones(4, 5)), RuntimeError,
                 "mat1 and mat2 shapes cannot be multiplied (4x3 and 4x5)")


def test_mm_of_a_vector_is_refused():
    expect_error(lambda m: m.mm(m.ones(3), m.ones(3, 2)), RuntimeError, "self must be a matrix")
    expect_error(lambda m: m.mm(m.ones(2, 3), m.ones(3, 4, 5)), RuntimeError, "mat2 must be a matrix")


def test_mv_and_dot_size_mismatch():
    expect_error(lambda m: m.mv(m.ones(2, 3), m.ones(4)), RuntimeError,
                 "size mismatch, got input (2), mat (2x3), vec (4)")
    expect_error(lambda m: m.dot(m.ones(3), m.ones(4)), RuntimeError, "inconsistent tensor size")
    expect_error(lambda m: m.matmul(m.tensor(1.0), m.ones(3)), RuntimeError,
                 "both arguments to matmul need to be at least 1D")


# ---------------------------------------------------------------------------------------------------------------
# backward misuse


def test_backward_on_a_non_scalar_without_gradient():
    expect_error(lambda m: (_leaf(m) * 2).backward(), RuntimeError,
                 "grad can be implicitly created only for scalar outputs")
    expect_error(lambda m: m.autograd.grad(_leaf(m) * 2, _leaf(m)), RuntimeError,
                 "grad can be implicitly created only for scalar outputs")


@pytest.mark.parametrize("shapes", [((3,), (4,)), ((), (1,)), ((2, 3), (3, 2))], ids=["3_vs_4", "0d_vs_1", "2x3_vs_3x2"])
def test_gradient_of_the_wrong_shape(shapes):
    out_shape, grad_shape = shapes

    def f(m):
        y = m.ones(out_shape, requires_grad=True) * 2
        y.backward(m.ones(grad_shape))

    e = expect_error(f, RuntimeError, "Mismatch in shape: grad_output[0] has a shape of")
    assert f"Size({list(grad_shape)})" in str(e) and f"Size({list(out_shape)})" in str(e)


def test_backward_twice():
    def f(m):
        x = _leaf(m)
        y = (x * x).sum()
        y.backward()
        y.backward()

    expect_error(f, RuntimeError, "Trying to backward through the graph a second time",
                 "Specify retain_graph=True")


def test_backward_twice_without_saved_tensors_is_refused_too():
    # PyTorch silently double-counts here, so there is no oracle: fastgrad refuses with PyTorch's message.
    def f(m):
        x = _leaf(m)
        y = (x + 1).sum()
        y.backward()
        y.backward()

    expect_error(f, RuntimeError, "Trying to backward through the graph a second time", oracle=False)


@pytest.mark.parametrize("how", ["method", "autograd_backward", "with_gradient"])
def test_backward_on_a_tensor_that_does_not_require_grad(how):
    def f(m):
        t = m.ones(3)
        if how == "method":
            t.sum().backward()
        elif how == "autograd_backward":
            m.autograd.backward(t.sum())
        else:
            t.backward(m.ones(3))

    expect_error(f, RuntimeError, "element 0 of tensors does not require grad and does not have a grad_fn")


def test_autograd_grad_misuse():
    expect_error(lambda m: m.autograd.grad((m.ones(2, requires_grad=True) * 2).sum(), m.ones(2)), RuntimeError,
                 "One of the differentiated Tensors does not require grad")

    def unused(m):
        x, z = m.ones(2, requires_grad=True), m.ones(2, requires_grad=True)
        m.autograd.grad((x * 2).sum(), [x, z])

    expect_error(unused, RuntimeError, "appears to not have been used in the graph",
                 "Set allow_unused=True if this is the desired behavior.")


def test_backward_with_empty_inputs():
    expect_error(lambda m: (_leaf(m) * 2).sum().backward(inputs=[]), RuntimeError,
                 "`inputs` argument to `backward()` cannot be empty.")


def test_backward_with_a_non_tensor_gradient_raises_type_error():
    expect_error(lambda m: (_leaf(m) * 2).backward([1.0, 1.0, 1.0]), TypeError,
                 "gradients can be either Tensors or None")


# ---------------------------------------------------------------------------------------------------------------
# requires_grad misuse

INT_REQUIRES_GRAD = {
    "factory_int64": lambda m: m.ones(3, dtype=m.int64, requires_grad=True),
    "factory_bool": lambda m: m.ones(3, dtype=m.bool, requires_grad=True),
    "tensor_from_ints": lambda m: m.tensor([1, 2], requires_grad=True),
    "arange_int": lambda m: m.arange(3, requires_grad=True),
    "requires_grad_": lambda m: m.ones(3, dtype=m.int64).requires_grad_(),
    "requires_grad_int32": lambda m: m.ones(3, dtype=m.int32).requires_grad_(),
    "property": lambda m: setattr(m.ones(3, dtype=m.int64), "requires_grad", True),
}


@pytest.mark.parametrize("how", list(INT_REQUIRES_GRAD), ids=list(INT_REQUIRES_GRAD))
def test_requires_grad_on_a_non_floating_tensor(how):
    # PyTorch says "Only Tensors of floating point and complex dtype ..." or "only Tensors of floating point
    # dtype ...", depending on the entry point; fastgrad has no complex dtypes.
    expect_error(INT_REQUIRES_GRAD[how], RuntimeError, "Tensors of floating point", "can require gradients")


def test_switching_off_requires_grad_is_fine_on_an_integer_tensor():
    t = fastgrad.ones(3, dtype=fastgrad.int64)
    t.requires_grad = False
    assert not t.requires_grad_(False).requires_grad


def test_requires_grad_argument_of_the_wrong_type_raises_type_error():
    expect_error(lambda m: m.ones(3, requires_grad="yes"), TypeError, "requires_grad", "must be bool")


def test_requires_grad_cannot_be_switched_off_on_a_non_leaf():
    expect_error(lambda m: setattr(_leaf(m) * 2, "requires_grad", False), RuntimeError,
                 "you can only change requires_grad flags of leaf variables")


def test_retain_grad_on_a_tensor_without_grad():
    expect_error(lambda m: m.ones(3).retain_grad(), RuntimeError,
                 "can't retain_grad on Tensor that has requires_grad=False")


# ---------------------------------------------------------------------------------------------------------------
# .grad assignment


def test_assigning_a_non_tensor_grad():
    expect_error(lambda m: setattr(_leaf(m), "grad", [1.0, 2.0, 3.0]), TypeError,
                 "assigned grad expected to be a Tensor or None but got grad of type list")


def test_assigning_a_tensor_as_its_own_grad():
    def f(m):
        x = _leaf(m)
        x.grad = x

    expect_error(f, RuntimeError, "can't assign Variable as its own grad")


def test_assigning_a_grad_of_the_wrong_shape_or_dtype_raises_runtime_error():
    expect_error(lambda m: setattr(_leaf(m), "grad", m.ones(4)), RuntimeError)
    expect_error(lambda m: setattr(_leaf(m), "grad", m.ones(3, dtype=m.float64)), RuntimeError)
    expect_error(lambda m: setattr(_leaf(m), "grad", m.ones(3, dtype=m.int64)), RuntimeError)


def test_assigning_a_grad_of_the_wrong_shape_uses_pytorchs_message():
    expect_error(lambda m: setattr(_leaf(m), "grad", m.ones(4)), RuntimeError,
                 "attempting to assign a gradient of size '[4]' to a tensor of size '[3]'")


def test_assigning_a_grad_of_the_wrong_dtype_uses_pytorchs_message():
    expect_error(lambda m: setattr(_leaf(m), "grad", m.ones(3, dtype=m.float64)), RuntimeError,
                 "attempting to assign a gradient with dtype")


# ---------------------------------------------------------------------------------------------------------------
# in-place misuse

LEAF_INPLACE = {
    "add_": lambda t: t.add_(1),
    "sub_": lambda t: t.sub_(1),
    "mul_": lambda t: t.mul_(2),
    "div_": lambda t: t.div_(2),
    "zero_": lambda t: t.zero_(),
    "fill_": lambda t: t.fill_(1.0),
    "copy_": lambda t: t.copy_(t.detach() * 0),
    "iadd": lambda t: t.__iadd__(1),
    "isub": lambda t: t.__isub__(1),
    "imul": lambda t: t.__imul__(2),
    "itruediv": lambda t: t.__itruediv__(2),
}


@pytest.mark.parametrize("op", list(LEAF_INPLACE), ids=list(LEAF_INPLACE))
def test_inplace_on_a_leaf_that_requires_grad(op):
    expect_error(lambda m: LEAF_INPLACE[op](_leaf(m)), RuntimeError,
                 "a leaf Variable that requires grad is being used in an in-place operation.")


@pytest.mark.parametrize("how", ["setitem", "slice_add_", "view_mul_"])
def test_inplace_on_a_view_of_a_leaf_that_requires_grad(how):
    def f(m):
        x = _leaf(m)
        if how == "setitem":
            x[0] = 2.0
        elif how == "slice_add_":
            x[0:2].add_(1)
        else:
            x.view(3).mul_(2)

    expect_error(f, RuntimeError, "a view of a leaf Variable that requires grad is being used in an in-place operation.")


def test_inplace_write_into_overlapping_memory_is_refused():
    expect_error(lambda m: m.ones(3).expand(2, 3).add_(1), RuntimeError,
                 "more than one element of the written-to tensor refers to a single memory location")


SAVED_MODIFIED = {
    "saved_input": lambda m, x: (lambda y: (y * y, y))(x * 2),
    "saved_output_exp": lambda m, x: (lambda y: (y, y))(x.exp()),
    "saved_output_sigmoid": lambda m, x: (lambda y: (y, y))(x.sigmoid()),
    "saved_other_operand": lambda m, x: (lambda y: (x * y, y))(x + 1),
    "saved_matmul_operand": lambda m, x: (lambda y: (y.view(1, 3) @ m.ones(3, 2, requires_grad=True), y))(x * 3),
}


@pytest.mark.parametrize("where", list(SAVED_MODIFIED), ids=list(SAVED_MODIFIED))
@pytest.mark.parametrize("via", ["tensor", "detach", "view"])
def test_modified_saved_tensor(where, via):
    def f(m):
        x = _leaf(m)
        out, saved = SAVED_MODIFIED[where](m, x)
        target = {"tensor": saved, "detach": saved.detach(), "view": saved.view(3)}[via]
        with m.no_grad() if via == "view" else _nullcontext():
            target.add_(1)
        out.sum().backward()

    expect_error(f, RuntimeError, "one of the variables needed for gradient computation has been modified by an "
                 "inplace operation", "is at version 1; expected version 0 instead")


class _nullcontext:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


# ---------------------------------------------------------------------------------------------------------------
# conversions


def test_item_on_many_elements():
    expect_error(lambda m: m.ones(3).item(), RuntimeError, "a Tensor with 3 elements cannot be converted to Scalar")
    expect_error(lambda m: m.ones(0).item(), RuntimeError, "a Tensor with 0 elements cannot be converted to Scalar")


def test_item_on_one_element_works():
    assert fastgrad.tensor([[2.5]]).item() == 2.5
    assert fastgrad.ones(1, requires_grad=True).item() == 1.0


def test_numpy_on_a_tensor_that_requires_grad():
    expect_error(lambda m: _leaf(m).numpy(), RuntimeError,
                 "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
    expect_error(lambda m: (_leaf(m) * 2).numpy(), RuntimeError, "Can't call numpy() on Tensor that requires grad")


def test_bool_of_a_multi_element_tensor():
    expect_error(lambda m: bool(m.ones(3)), RuntimeError,
                 "Boolean value of Tensor with more than one value is ambiguous")
    expect_error(lambda m: m.ones(2) if m.ones(2) > 0 else None, RuntimeError,
                 "Boolean value of Tensor with more than one value is ambiguous")


def test_bool_of_a_one_element_tensor_is_its_value():
    assert bool(fastgrad.tensor([1.0])) is True
    assert bool(fastgrad.tensor(0.0)) is False
    assert bool(fastgrad.tensor([[3]]) > 2) is True


def test_bool_of_an_empty_tensor():
    expect_error(lambda m: bool(m.ones(0)), RuntimeError, "Boolean value of Tensor with no values is ambiguous")


@pytest.mark.parametrize("conv", ["float", "int"])
def test_float_or_int_of_a_multi_element_tensor_raises_value_error(conv):
    fn = {"float": float, "int": int}[conv]
    expect_error(lambda m: fn(m.ones(3)), ValueError, "only one element tensors can be converted to Python scalars")


# ---------------------------------------------------------------------------------------------------------------
# devices

DEVICE_TAKERS = {
    "tensor": lambda m, d: m.tensor([1.0], device=d),
    "as_tensor": lambda m, d: m.as_tensor([1.0], device=d),
    "ones": lambda m, d: m.ones(2, device=d),
    "zeros": lambda m, d: m.zeros(2, device=d),
    "full": lambda m, d: m.full((2,), 1.0, device=d),
    "empty": lambda m, d: m.empty(2, device=d),
    "eye": lambda m, d: m.eye(2, device=d),
    "arange": lambda m, d: m.arange(3, device=d),
    "linspace": lambda m, d: m.linspace(0, 1, 3, device=d),
    "rand": lambda m, d: m.rand(2, device=d),
    "randn": lambda m, d: m.randn(2, device=d),
    "randint": lambda m, d: m.randint(0, 3, (2,), device=d),
    "ones_like": lambda m, d: m.ones_like(m.ones(2), device=d),
    "zeros_like": lambda m, d: m.zeros_like(m.ones(2), device=d),
    "rand_like": lambda m, d: m.rand_like(m.ones(2), device=d),
    "new_ones": lambda m, d: m.ones(2).new_ones(2, device=d),
    "new_zeros": lambda m, d: m.ones(2).new_zeros(2, device=d),
    "new_tensor": lambda m, d: m.ones(2).new_tensor([1.0], device=d),
    "to_positional": lambda m, d: m.ones(2).to(d),
    "to_keyword": lambda m, d: m.ones(2).to(device=d),
    "device": lambda m, d: m.device(d),
}


@pytest.mark.parametrize("where", list(DEVICE_TAKERS), ids=list(DEVICE_TAKERS))
@pytest.mark.parametrize("dev", ["cpu", "cpu:0", "device_object"])
def test_cpu_device_is_accepted_everywhere(where, dev):
    d = fastgrad.device("cpu") if dev == "device_object" else dev
    result = DEVICE_TAKERS[where](fastgrad, d)
    device = result if where == "device" else result.device
    assert device.type == "cpu"


def test_cpu_device_objects_behave_like_torchs():
    d = fastgrad.device("cpu")
    assert d.type == "cpu" and d.index is None and str(d) == "cpu" and repr(d) == "device(type='cpu')"
    assert fastgrad.ones(1).device == d and fastgrad.ones(1).device.type == "cpu"
    assert fastgrad.device("cpu", 0).index == 0
    assert fastgrad.ones(2).cpu().device.type == "cpu"
    assert fastgrad.ones(2).is_cuda is False
    fastgrad.set_default_device("cpu")
    assert fastgrad.get_default_device().type == "cpu"
    assert fastgrad.ones(1).device.type == "cpu"


def test_cuda_is_not_available():
    assert fastgrad.cuda.is_available() is False
    assert fastgrad.cuda.device_count() == 0


@pytest.mark.parametrize("where", list(DEVICE_TAKERS), ids=list(DEVICE_TAKERS))
def test_unknown_device_string_is_refused(where):
    expect_error(lambda m: DEVICE_TAKERS[where](m, "foo"), RuntimeError, "Expected one of cpu, cuda",
                 "device type at start of device string: foo")


@pytest.mark.parametrize("where", [k for k in DEVICE_TAKERS if k != "device"])
@pytest.mark.parametrize("dev", ["cuda", "cuda:0"])
def test_cuda_device_raises_an_assertion_error(where, dev):
    expect_error(lambda m: DEVICE_TAKERS[where](m, dev), AssertionError, "not compiled with CUDA enabled")


def test_tensor_cuda_method_raises_an_assertion_error():
    expect_error(lambda m: m.ones(2).cuda(), AssertionError, "not compiled with CUDA enabled")


def test_cuda_device_object_can_be_constructed_like_torch():
    d = fastgrad.device("cuda")
    assert d.type == "cuda"


@pytest.mark.parametrize("dev,phrase", [
    ("", "Device string must not be empty"),
    ("cpu:x", "Invalid device string: 'cpu:x'"),
    ("CPU", "Expected one of cpu, cuda"),
])
def test_malformed_device_strings(dev, phrase):
    expect_error(lambda m: m.device(dev), RuntimeError, phrase)
    expect_error(lambda m: m.ones(2, device=dev), RuntimeError, phrase)


# ---------------------------------------------------------------------------------------------------------------
# nn.functional arguments


@pytest.mark.parametrize("loss", ["mse_loss", "binary_cross_entropy_with_logits"])
def test_invalid_reduction_string(loss):
    expect_error(lambda m: getattr(m.nn.functional, loss)(m.ones(3), m.ones(3), reduction="foo"), ValueError,
                 "foo is not a valid value for reduction")


def test_bce_with_logits_target_size_mismatch():
    expect_error(lambda m: m.nn.functional.binary_cross_entropy_with_logits(m.ones(3), m.ones(4)), ValueError,
                 "must be the same as input size")


# ---------------------------------------------------------------------------------------------------------------
# nothing crashes the interpreter


def run_isolated(body, timeout=120):
    """Run body in a fresh interpreter; it must exit normally and print what it caught."""
    code = "import sys, fastgrad\n" + textwrap.dedent(body)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, (f"interpreter died (exit code {proc.returncode})\nstdout:\n{proc.stdout}\n"
                                  f"stderr:\n{proc.stderr[-3000:]}")
    for marker in ("terminate called", "Fatal Python error", "Segmentation fault", "Aborted"):
        assert marker not in proc.stderr, proc.stderr[-3000:]
    return proc.stdout


def caught(expr, *types):
    """Source that evaluates expr and prints 'caught <Type>' for an expected exception type."""
    names = ", ".join(t.__name__ for t in types)
    return textwrap.dedent(f"""
        try:
            {expr}
        except ({names},) as e:
            print("caught", type(e).__name__)
        else:
            print("no exception")
    """)


NASTY = {
    # backward releases the GIL: errors must come back through it as Python exceptions
    "modified_saved_tensor_in_backward": (
        "x = fastgrad.ones(1000, requires_grad=True); y = x.exp(); y.add_(1)\n" + caught("y.sum().backward()",
                                                                                       RuntimeError)),
    "second_backward_from_a_thread": ("""
        import threading
        x = fastgrad.ones(3, requires_grad=True); y = (x * x).sum(); y.backward()
        def work():
            try:
                y.backward()
            except RuntimeError:
                print("caught RuntimeError")
        t = threading.Thread(target=work); t.start(); t.join()
    """),
    "uninitialised_tensor_object": (
        "t = fastgrad.Tensor.__new__(fastgrad.Tensor)\n"
        + caught("t.sum()", RuntimeError, TypeError) + caught("repr(t)", RuntimeError, TypeError)
        + caught("fastgrad.ones(3) + t", RuntimeError, TypeError) + caught("t.backward()", RuntimeError, TypeError)),
    "subclass_without_init": (
        "class T(fastgrad.Tensor):\n    def __init__(self):\n        pass\n"
        + caught("T().sum()", RuntimeError, TypeError)),
    "node_constructors": (
        "y = fastgrad.ones(1, requires_grad=True) * 2\n"
        + caught("type(y.grad_fn)()", TypeError) + caught("type(y.grad_fn).__mro__[1]()", TypeError)),
    "huge_allocation": caught("fastgrad.empty(2**40)", RuntimeError),
    "data_replaced_with_another_shape_then_backward": (
        "x = fastgrad.ones(3, requires_grad=True); (x * 2).sum().backward()\n"
        "x.grad.data = fastgrad.ones(5)\n" + caught("(x * 2).sum().backward()", RuntimeError)),
    "bad_numpy_arrays": (
        "import numpy as np\n"
        + caught("fastgrad.from_numpy(np.arange(4.0)[::-1])", ValueError)
        + caught("fastgrad.from_numpy(np.array(['a']))", TypeError)),
}
EXPECTED_CATCHES = {
    "modified_saved_tensor_in_backward": 1, "second_backward_from_a_thread": 1, "uninitialised_tensor_object": 4,
    "subclass_without_init": 1, "node_constructors": 2, "huge_allocation": 1,
    "data_replaced_with_another_shape_then_backward": 1, "bad_numpy_arrays": 2,
}


@pytest.mark.parametrize("case", list(NASTY), ids=list(NASTY))
def test_nasty_misuse_raises_a_python_exception_and_the_interpreter_survives(case):
    out = run_isolated(NASTY[case])
    assert out.count("caught ") == EXPECTED_CATCHES[case], out
    assert "no exception" not in out, out


@pytest.mark.parametrize("sizes", ["2**62", "2**40, 2**40", "2**31, 2**31"])
def test_size_overflow_is_refused_instead_of_crashing(sizes):
    out = run_isolated(caught(f"t = fastgrad.ones({sizes}); t.sum().item()", RuntimeError, MemoryError))
    assert out.strip() == "caught RuntimeError" or out.strip() == "caught MemoryError", out
