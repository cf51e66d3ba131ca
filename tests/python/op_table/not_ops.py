"""Public names of fastgrad that are not ops, so have no entry in the table."""


# Public callables that are not ops (creation, random streams, grad mode, dtype utilities, printing):
# the meta-test requires a table entry for every other public name of fastgrad and fastgrad.nn.functional.


NOT_OPS = frozenset(
    {
        "arange",
        "as_tensor",
        "empty",
        "empty_like",
        "eye",
        "from_dlpack",
        "from_numpy",
        "full",
        "full_like",
        "linspace",
        "ones",
        "ones_like",
        "rand",
        "rand_like",
        "randint",
        "randint_like",
        "randn",
        "randn_like",
        "tensor",
        "zeros",
        "zeros_like",
        # filling in place with a number: compared with torch in test_scalar_conversion.py
        "fill_",
        "zero_",
        "manual_seed",
        "seed",
        "initial_seed",
        "get_rng_state",
        "set_rng_state",
        # random streams: compared with torch's draw by draw in test_ops_nn_random_streams.py
        "bernoulli",
        "multinomial",
        "normal",
        "randperm",
        "Generator",
        "get_default_dtype",
        "set_default_dtype",
        "is_grad_enabled",
        "promote_types",
        "broadcast_shapes",
        "set_printoptions",
        "device",
        "set_default_device",
        "get_default_device",
        "is_tensor",
        "is_floating_point",
        "is_complex",  # dtype queries and the no-op compiler: test_api_additions.py
        "compile",
        # the function transform torch.vmap (= torch.func.vmap): test_func.py runs it over the whole table
        "vmap",
        # standing in for torch (python -m fastgrad run): test_run_command.py
        "install_as_torch",
        # autocast and the set-up switches: test_amp_and_backends.py
        "is_autocast_enabled",
        "get_autocast_dtype",
        "set_autocast_enabled",
        "set_autocast_dtype",
        "is_autocast_cpu_enabled",
        "get_autocast_cpu_dtype",
        "is_autocast_cache_enabled",
        "set_autocast_cache_enabled",
        "clear_autocast_cache",
        "set_float32_matmul_precision",
        "get_float32_matmul_precision",
        "use_deterministic_algorithms",
        "are_deterministic_algorithms_enabled",
        "is_deterministic_algorithms_warn_only_enabled",
        "numel",
        "no_grad",
        "enable_grad",
        "set_grad_enabled",
        "inference_mode",
        "is_inference_mode_enabled",
        "is_anomaly_enabled",
        "set_anomaly_enabled",
        "detect_anomaly",
        "Tensor",
        "Size",
        "dtype",
        "save",  # serialization, not ops
        "load",
        "set_num_threads",  # runtime knobs: test_parallel.py
        "get_num_threads",
        "empty_cache",
        # torch-level forms of Tensor methods (fastgrad.X(t, ...) is t.X(...)): test_opinfo_found.py
        "addmv_",
        "detach",
        "detach_",
        "fill_",
        "index_put_",
        "is_inference",
        "split_with_sizes",
        "zero_",
    }
)
