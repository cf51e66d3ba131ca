"""Known differences the fuzzer tolerates, each with its reason (also listed in docs/differences.md, section
"Differential fuzzer: allow-list"). An entry matches a result when every given field matches:
  outcome: the outcomes it covers; op: regex on the op label (e.g. "T.add", "Tensor.add_", "F.pad");
  detail: regex searched in the outcome detail (exception messages, mismatch text); code: regex searched in the
  reproducer. `owner` names who fixes it; entries owned by someone else are removed when their fix lands.
Keep this list short: a new entry needs a reason and a line in docs/differences.md.
"""

ALLOW = [
    # ---- deliberate or scheduled elsewhere
    dict(id="open-out-kwarg", owner="issue 14", outcome=("fastgrad_raises",),
         detail=r"unexpected keyword argument 'out'",
         reason="out= is taken by the functions of OUT_OPS (python/fastgrad/_out.py); the other functions that take "
                "it in torch refuse it"),
    dict(id="torch-internal-assert", owner="torch", outcome=("torch_raises",), detail=r"INTERNAL ASSERT FAILED",
         reason="torch fails an internal assert (a torch bug: bool ** tensor backward); fastgrad answers"),
    dict(id="torch-addmv-empty", owner="torch", outcome=("meta",), op=r"^T\.addmv$",
         reason="addmv of a 0-d input with an empty matrix: torch returns a 0-d tensor, fastgrad the broadcast "
                "shape [n] the documentation gives"),
    dict(id="torch-var-empty-dims-grad", owner="torch", outcome=("grad",), op=r"\.(var|std|var_mean|std_mean)$",
         code=r"\.(var|std|var_mean|std_mean)\([^)]*(\[\]|\(\))",
         reason="var/std over an explicit empty dim list reduce every dim in both; torch's backward then divides "
                "by zero degrees of freedom (inf gradients), fastgrad's uses the reduced count"),
    dict(id="tie-order", owner="fastgrad", outcome=("value", "grad"), op=r"[.:](sort|argsort|topk|kthvalue)$",
         detail=r"^(out\[1\]|out:|grad)",
         reason="the positions of equal elements: fastgrad's sort, topk and kthvalue are stable (Note [Sort order]); "
                "torch's default sort of lines longer than 16, its topk and its kthvalue may pick other positions "
                "among equal elements (so the indices, and where the gradient of the values goes); the values agree"),
    dict(id="torch-unique-consecutive-positional", owner="torch", outcome=("meta", "value"),
         op=r"^T\.unique_consecutive$", code=r"unique_consecutive\(x\d+, (True|False)[,)]",
         reason="torch.unique_consecutive(x, return_inverse, return_counts) with the flags given by position returns "
                "(output, an empty tensor) (its Python dispatch reads the flags at the wrong positions); fastgrad "
                "returns what the flags ask for, as the keyword form does in both"),
    dict(id="unordered-results", owner="fastgrad", outcome=("value",), op=r"[.:](topk|unique)$",
         code=r"sorted=False|topk\([^)]*, (True|False), False\)|np\.array\(\[[^\]]*\bnan\b[\s\S]*unique\([^)]*dim=",
         reason="topk(sorted=False) and unique(sorted=False) return their elements in order where torch's order is "
                "unspecified; unique(dim=) of slices holding NaN, which torch's slice sort cannot order"),
    dict(id="svd-gauge", owner="fastgrad", outcome=("value", "grad"), op=r"[.:]svd$",
         reason="singular vectors are unique only up to sign (PyTorch documents this): fastgrad's LAPACK call and "
                "PyTorch's may pick opposite signs, which flips the vectors and the gradients that depend on them"),
    dict(id="det-singular-grad", owner="issue 17", outcome=("grad",), op=r"[.:]det$",
         reason="det's gradient at a singular (or nearly singular) matrix: fastgrad's formula divides by the matrix "
                "(inf/NaN); PyTorch switches to an SVD formula there (docs/differences.md)"),
    dict(id="special-grad-edges", owner="issue 17", outcome=("grad",), op=r"[.:]digamma_?$",
         reason="digamma's gradient is trigamma: at its poles (0, -1, -2, ..., e.g. -1e30) fastgrad's is inf where "
                "PyTorch's trigamma returns a finite number (docs/differences.md, Special functions); in float32 "
                "near the poles the two differ in the 6th digit (to check with the float64 referee)"),
    dict(id="degenerate-normalisation", owner="torch", outcome=("grad",),
         op=r"[.:](group_norm|layer_norm|instance_norm|batch_norm)$", code=r"\.expand\(",
         reason="the float32 gradient of a constant normalisation group (an expanded input): its exact value is 0 "
                "(or a sum of terms of size rstd * |dy| = 316 * |dy| that cancel), and both libraries give rounding "
                "noise of a few ulps of those terms, which the float64 referee decides in most cases; where it "
                "does not, torch's own value changes by as much between its CPU capability levels "
                "(layer_norm: 0 with AVX2, 6.1e-5 with ATEN_CPU_CAPABILITY=default)"),
    dict(id="matmul-dtypes", owner="open", outcome=("fastgrad_raises",), op=r"(bmm|baddbmm|matmul|@|mm|addmm)$",
         detail=r"expected scalar type",
         reason="matrix products of mixed dtypes that torch answers (empty operands, where its kernel never reads "
                "them); fastgrad checks the dtypes first"),
    # ---- numbers at the edges of their types
    dict(id="extreme-values", owner="open", outcome=("value", "grad"),
         op=r"[.:](mm|bmm|mv|dot|vdot|inner|outer|ger|addr|matmul|@|addmm|addmv|addbmm|baddbmm|einsum|linear|bilinear|"
            r"tensordot|conv\w*|sum|nansum|mean|nanmean|cumsum|var|std|var_mean|std_mean|prod|cumprod|trace|norm|dist|"
            r"logsumexp|logcumsumexp|\w*softmax|softmin|cosine_similarity|pairwise_distance|\w*pool\w*|\w*loss\w*|"
            r"cross_entropy|nll_loss|\w*_norm|normalize)_?=?$",
         code=r"3e\+38|1e\+30|1e-40|5e-320|1e\+300|\binf\b|\bnan\b|2\*\*6[23]|2\*\*31",
         reason="inputs at float32's limits (3e38, 1e30, denormals, 1e300 in float64) or non-finite where the float64 "
                "referee cannot decide (float64 results, or both libraries off the float64 result): sums of products "
                "and reductions in another order (cancellation of +-1e30 terms, inf - inf), and normalisation with "
                "non-finite parameters in float64 (torch's batch_norm computes x * alpha + beta or "
                "(x - mean) * invstd * w + b depending on the parameters' layout: inf - inf or inf)"),
    dict(id="torch-vector-path", owner="torch", outcome=("value", "grad"),
         op=r"[.:]r?(remainder|fmod|%|hardtanh|relu6|elu|selu|celu|logit|softshrink|hardshrink|hardswish|gelu)_?=?$",
         code=r"3e\+38|1e\+30|1e-40|5e-320|1e\+300|\binf\b|\bnan\b",
         reason="torch's CPU kernels answer differently in their vectorised loop (blocks of 16 float32 or 8 float64 "
                "elements of a contiguous run) and their scalar loop (the rest): remainder/fmod whose quotient a / b "
                "overflows (a denormal or tiny divisor) give NaN in vector blocks, the exact fmod elsewhere; the "
                "gradients of hardtanh/relu6, elu/selu/celu, logit(eps), soft/hardshrink and hardswish at NaN inputs are 0 or NaN "
                "in vector blocks and follow the formula elsewhere; float32 gelu(+inf) is NaN in vector blocks, inf "
                "elsewhere. fastgrad follows the scalar loop (the formula) "
                "for every element"),
    dict(id="torch-var-mean-welford", owner="torch", outcome=("value",), op=r"\.(var_mean|std_mean)$",
         detail=r"^out\[1\]",
         reason="var_mean/std_mean's mean where an infinite element meets torch's Welford update: torch's mean is NaN "
                "or +-inf depending on where the inf stands ([inf, -4] gives NaN, [-4, inf] inf) and differs from "
                "torch.mean's; fastgrad's is torch.mean's"),
    dict(id="torch-fma", owner="torch", outcome=("value", "grad"), op=r"[.:](add|sub|subtract|rsub|index_add)_?$",
         code=r"alpha=", detail=r"nan|inf",
         reason="x + alpha * y where alpha * y overflows and x is infinite: torch's AVX2/AVX-512 kernels compute it "
                "as one fused multiply-add (x), its DEFAULT level (ATEN_CPU_CAPABILITY=default) and fastgrad round "
                "alpha * y first (inf - inf = NaN); torch's answer depends on the machine"),
    dict(id="torch-std-equal-values", owner="torch", outcome=("grad",), op=r"\.(std|std_mean)$",
         code=r"\.expand\(",
         reason="std of equal values: torch's is exactly 0 or about 1e-16 depending on its kernel path (layout and "
                "size: six copies of -1.35 give 2.4e-16, ten give 0), and its gradient (masked to 0 where std is 0) "
                "then 0 or a finite number of order 1; fastgrad's std of equal values is exactly 0 (a corrected "
                "mean) and its gradient 0"),
    dict(id="int-overflow-scalars", owner="open", outcome=("fastgrad_raises",),
         detail=r"int too big to convert|without overflow|Overflow when unpacking long long",
         reason="Python ints in [2**63, 2**64): torch reads them as uint64 (computing with them, or raising "
                "RuntimeError for integer dtypes); fastgrad's Scalar has no uint64 kind and raises OverflowError "
                "(number parameters fastgrad computes with as a double take them); addmm's beta/alpha and "
                "scatter's value are checked against the dtype where torch converts them unchecked"),
    # ---- argument forms
    dict(id="open-arg-types", owner="open", outcome=("fastgrad_raises",),
         op=r"\.(add|sub|subtract)_?$", detail=r"takes \d+ positional arguments? but \d+ were given",
         reason="argument forms torch's parser takes and fastgrad's bindings do not: PyTorch's deprecated "
                "(Scalar alpha, Tensor other) forms of add/sub (sub(x, 2, 1), add_(-3.28, 1))"),
    dict(id="inplace-expanded", owner="open", outcome=("fastgrad_raises", "diff_exc"),
         detail=r"more than one element of the written-to tensor", code=r"requires_grad=True|F\.batch_norm",
         reason="writes into an expanded tensor that autograd records (fill_/zero_, masked_fill_, triu_/tril_, "
                "index_put_ and t[index] = v): torch writes them and raises the "
                "overlap error in backward, fastgrad raises it at the write; batch_norm's running statistics "
                "(normalisation: being rewritten) when they are expanded tensors"),
    dict(id="torch-bugs", owner="torch", outcome=("torch_raises", "grad", "meta", "fastgrad_raises"),
         op=r"^(Tensor\.clamp|T\.clamp|F\.pad|setitem)$",
         detail=r"backward: torch RuntimeError: output with shape|upstream=\[\]$|requires_grad fastgrad False vs "
                r"torch True|leaves \d+ elements to wrap around",
         reason="torch faults fastgrad does not copy: clamp's backward with a tensor bound broadcasting a 0-d input "
                "raises a shape error; reflect/replicate pad's gradient of an empty output returns uninitialised "
                "memory; index_put_ of a float value requiring grad into a bool tensor makes the bool tensor "
                "require grad; a circular pad whose wrap needs more than the elements negative padding leaves reads torch's "
                "partly written output (garbage for bool, an overlap error for other dtypes), fastgrad refuses it"),
    dict(id="torch-batch-norm-eval-expanded", owner="torch", outcome=("grad",), op=r"^F\.batch_norm$",
         detail=r"^grads", code=r"(\.expand\(|\[::\d|\.transpose\()[\s\S]*training=False",
         reason="batch_norm in evaluation mode with a non-contiguous (expanded or strided) running_mean or "
                "running_var: torch's backward reads the statistics wrongly (the weight's gradient of x = -0.84, "
                "running_mean 0.04 expanded comes out as if running_mean were 0); fastgrad's is the formula's"),
    dict(id="result-layout", owner="open", outcome=("value",), op=r"^Tensor\.stride$",
         reason="results are laid out row-major (contiguous): torch's clone/*_like/to and elementwise results follow "
                "their input's layout (a transposed input gives a transposed result; an empty tensor with zero "
                "strides keeps them), so stride() and is_contiguous() of such results differ"),
]


def _match(entry, rec):
    import re

    if rec["outcome"] not in entry["outcome"]:
        return False
    for key in ("op", "detail", "code"):
        pat = entry.get(key)
        if pat is not None and not re.search(pat, rec.get(key, "") or ""):
            return False
    return True


def allowed(rec):
    """The id of the first allow-list entry covering `rec`, or None."""
    for e in ALLOW:
        if _match(e, rec):
            return e["id"]
    return None
