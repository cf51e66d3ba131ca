"""Known differences the fuzzer tolerates, each with its reason (also listed in docs/differences.md, section
"Differential fuzzer: allow-list"). An entry matches a result when every given field matches:
  outcome: the outcomes it covers; op: regex on the op label (e.g. "T.add", "Tensor.add_", "F.pad");
  detail: regex searched in the outcome detail (exception messages, mismatch text); code: regex searched in the
  reproducer. `owner` names who fixes it; entries owned by someone else are removed when their fix lands.
Keep this list short: a new entry needs a reason and a line in docs/differences.md.
"""

ALLOW = [
    # ---- argument parsing (owner: args)
    dict(id="args-tensor-as-size", owner="args", outcome=("crash", "fastgrad_raises", "torch_raises", "value", "meta"),
         code=r"[(,] ?T\.tensor\(\[",
         reason="a tensor where a size or dim list is expected: torch reads 1-d integer tensors as sizes or "
                "raises TypeError; fastgrad's size/dim parsing does not know tensors (can crash)"),
    dict(id="args-wrong-type", owner="args", outcome=("torch_raises",), detail=r"torch TypeError",
         reason="fastgrad accepts argument types (lists, floats, None, unknown keywords) that torch's parser "
                "refuses with TypeError"),
    dict(id="args-unable-to-cast", owner="args", outcome=("fastgrad_raises",),
         detail=r"Unable to cast|incompatible function arguments",
         reason="pybind11's 'Unable to cast' for argument types torch accepts (bools, NumPy scalars)"),
    # ---- scalars into dtypes (owner: scalars)
    dict(id="scalars-overflow", owner="scalars", outcome=("torch_raises", "fastgrad_raises", "value"),
         detail=r"without overflow|can't convert negative int to unsigned|OverflowError|int too big|Overflow when",
         reason="a Python scalar the dtype cannot hold wraps in fastgrad; torch raises RuntimeError "
                "'value cannot be converted to type ... without overflow'"),
    dict(id="scalars-linspace-arange", owner="scalars", op=r"^T\.(linspace|arange)$",
         outcome=("value", "meta", "torch_raises", "fastgrad_raises"),
         reason="linspace(a, b, 1) gives b; arange with an integer dtype and float arguments; arange(dtype=bool)"),
    dict(id="scalars-0size-inplace", owner="scalars", outcome=("fastgrad_raises",),
         detail=r"more than one element of the written-to tensor",
         code=r"np\.zeros\(|expand\(\([^)]*\b0[,)]",
         reason="in-place ops on 0-size tensors are refused as if they were expanded"),
    dict(id="scalars-take-along-dim", owner="scalars", op=r"take_along_dim", outcome=("fastgrad_raises",
                                                                                         "torch_raises"),
         reason="take_along_dim with negative indices or broadcasting index shapes is refused"),
    dict(id="scalars-index-add", owner="scalars", op=r"index_add", outcome=("fastgrad_raises", "value"),
         reason="index_add with negative indices; on bool tensors it writes past the element"),
    dict(id="scalars-reduction-dtype", owner="scalars", op=r"\.(sum|prod)$", outcome=("meta", "value"),
         code=r"dtype=T\.", reason="sum/prod(dtype=...) do not give the requested dtype"),
    # ---- kernels at the edges (owner: edges)
    dict(id="edges-softmax-dtypes", owner="edges", outcome=("fastgrad_raises",),
         detail=r"softmax|addmm|addmv|bmm|baddbmm|_kernel_impl|expected scalar type", reason="softmax/log_softmax/addmm/bmm refuse dtypes "
                "torch accepts"),
    dict(id="edges-pooling", owner="edges", op=r"pool", outcome=("torch_raises", "fastgrad_raises", "meta", "value",
                                                                   "grad"),
         reason="pooling dtypes (avg_pool on int64), max_pool return_indices, empty inputs"),
    dict(id="edges-grads", owner="edges", op=r"(logit|clamp|clip|cumprod)", outcome=("grad",),
         reason="gradients of cumprod/clamp/logit at inf/NaN and at the boundary"),
    dict(id="edges-batch-norm", owner="edges", op=r"batch_norm", outcome=("fastgrad_raises",),
         reason="batch_norm on empty input, non-contiguous weights"),
    dict(id="edges-nll-weight", owner="edges", op=r"(nll_loss|cross_entropy)", outcome=("value", "grad"),
         reason="nll_loss/cross_entropy read a non-contiguous weight ignoring its strides"),
    dict(id="edges-pad-circular", owner="edges", op=r"F\.pad", outcome=("value", "grad"), code="circular",
         reason="F.pad(mode='circular') with negative padding"),
    dict(id="edges-lrn", owner="edges", op=r"local_response_norm", outcome=("value", "meta", "torch_raises"),
         reason="local_response_norm on integer input"),
    dict(id="edges-matmul-f32", owner="edges", op=r"(matmul|@|mm|bmm|mv|dot)$", outcome=("value",),
         code="float32", reason="float32 matmul beyond torch's own float32 tolerance on some shapes"),
    dict(id="args-dims", owner="args", outcome=("torch_raises",), detail=r"Dimension specified as|"
         r"Index to scalar can have only", reason="dims and indices of 0-d tensors are not checked (roll on a 0-d "
                                                  "tensor, index_select of a 0-d tensor with several indices)"),
    # ---- found by the fuzzer, owned here (fuzz)
    dict(id="fuzz-float-only-ops", owner="fuzz", outcome=("torch_raises",),
         detail=r"not implemented for '(Long|Int|Bool)'|Integral inputs|could not infer output dtype|"
                r"can't be cast to the desired output type|Autograd not support dtype|Found dtype|"
                r"not differentiable with respect to argument 'target'|Negation, the `-` operator, on a bool",
         reason="nn.functional ops torch implements only for floating (or non-bool) dtypes accept integer and "
                "bool inputs in fastgrad"),
    dict(id="fuzz-inplace-expanded", owner="fuzz", outcome=("fastgrad_raises", "diff_exc"),
         detail=r"more than one element of the written-to tensor",
         reason="fastgrad refuses some in-place ops on expanded tensors that torch allows (metadata-only ops "
                "t_/transpose_/unsqueeze_, fill_/zero_, and index_put_/masked_fill_ which torch deprecates)"),
    dict(id="fuzz-misc", owner="fuzz", outcome=("value", "meta", "grad", "torch_raises", "fastgrad_raises"),
         op=r"F\.(threshold|huber_loss|kl_div|adaptive_avg_pool\dd|logsigmoid|selu_?|cosine_similarity|"
            r"cosine_embedding_loss|soft_margin_loss|smooth_l1_loss|mse_loss|margin_ranking_loss|"
            r"hinge_embedding_loss|multilabel_soft_margin_loss|binary_cross_entropy_with_logits)$|"
            r"^T\.(std|var|any|all|addmm|logsumexp|norm|normal|binary_cross_entropy_with_logits)$|"
            r"^Tensor\.(std|var|any|all|addmm|logsumexp|adjoint|mH|exponential_|stride|cumsum_|cumprod_|"
            r"cumprod|logsumexp)$",
         reason="being triaged: dtype of threshold/huber_loss, kl_div with negative targets, adaptive pooling "
                "with inf, std/var overflow, any/all with an empty dim list, addmm with alpha=0"),
    dict(id="fuzz-misc2", owner="fuzz", outcome=("value", "meta", "grad", "torch_raises", "fastgrad_raises"),
         op=r"^(Tensor\.(view|mT|mH|adjoint|bernoulli|logical_\w+_)|T\.(adjoint|addmv|bernoulli)|op:unary\+|"
            r"F\.(batch_norm|pairwise_distance|celu|normalize|instance_norm|conv\dd|nll_loss|pad|hardtanh|"
            r"hardtanh_|relu6))$",
         reason="being triaged: view(dtype), mT/adjoint of 0-d tensors, addmv with an empty matrix, unary + on "
                "bool, F composites at inf/NaN or with unusual parameters"),
    # ---- open: found by the 20,000-call run after the argument-parsing, scalar, edge, OpInfo and misuse work
    # landed; each is a class still to fix (owner "open")
    dict(id="open-out-kwarg", owner="open", outcome=("fastgrad_raises",), detail=r"unexpected keyword argument 'out'",
         reason="out= is not supported yet (torch accepts out=None and an output tensor)"),
    dict(id="open-arg-types", owner="open", outcome=("fastgrad_raises",),
         detail=r"expected Tensor, but got (bool|float|int)|takes from \d+ to \d+ positional argument",
         reason="argument forms torch's parser takes and fastgrad's bindings do not: a Python number as the first "
                "operand of multiply/divide, count_nonzero's dim given by position"),
    dict(id="open-empty-kernel-dtype", owner="open", outcome=("fastgrad_raises",),
         detail=r"not implemented for '(Long|Int|Bool)'", code=r"np\.zeros\(",
         reason="on 0-size tensors torch runs no kernel, so it never refuses the dtype (randn_like/normal/cumprod "
                "of an empty integer or bool tensor); fastgrad checks the dtype first"),
    dict(id="open-nonfinite-composite", owner="open", outcome=("value", "grad"),
         op=r"(group_norm|layer_norm|std_mean|var_mean|prelu|gelu|elu|prod)$",
         reason="composite kernels at inf/NaN/huge (1e30..1e300, 3e38 in float32) or degenerate inputs (constant "
                "or expanded normalisation groups, empty input with correction < 0): fastgrad and torch overflow, "
                "cancel or propagate NaN at different intermediate steps"),
    dict(id="open-missing-checks", owner="open", outcome=("torch_raises",),
         detail=r"appears multiple times|cannot compute the .* norm on the dimension|index out of range in self|"
                r"Expected more than 1 value per channel|Expected number of channels",
         reason="checks torch makes that fastgrad does not: repeated dims in flip, a norm without identity over an "
                "empty dim, index_add into a 0-size dim, batch/group norm with one value per channel in training"),
    dict(id="open-copy-int-requires-grad", owner="open", outcome=("meta",), op=r"copy_$",
         detail=r"requires_grad", reason="copy_ into an integer tensor from a tensor that requires grad marks the "
                                         "integer tensor as requiring grad (torch: it does not)"),
    dict(id="open-loss-dtype", owner="open", outcome=("meta",), op=r"F\.l1_loss$",
         reason="l1_loss of float32 and a 0-d float64 target: torch promotes to float64, fastgrad keeps float32"),
    dict(id="torch-internal-assert", owner="fuzz", outcome=("torch_raises",), detail=r"INTERNAL ASSERT FAILED",
         reason="torch fails an internal assert (a torch bug); fastgrad answers"),
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
