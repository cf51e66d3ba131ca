"""DistributedDataParallel: data-parallel training over fastgrad.distributed (MPI), as PyTorch's DDP.

Note [DDP buckets]: each process holds a replica of the module and trains on its share of the batch. At
construction the parameters and buffers of rank 0 are broadcast to every rank. During backward, gradients
are averaged across ranks by buckets: the parameters, in reverse registration order (roughly the order
backward produces their gradients), are grouped into buckets of ``bucket_cap_mb`` (the first 1 MiB, as
PyTorch's), and when the last gradient of a bucket has been accumulated (a post-accumulate-grad hook) the
bucket's non-blocking all-reduce starts, so communication overlaps the rest of backward. Buckets start in
index order on every rank (MPI requires the same order of collectives everywhere); when the last one has
started, DDP waits for all of them and writes the averages into ``.grad``. Each hook also tests the buckets
in flight, which is what lets MPI progress them while backward goes on (MPI advances non-blocking
collectives inside MPI calls). Which parameters a forward's output reaches (find_unused_parameters) is found
by an iterative walk of the graph.
"""

import contextlib
from typing import Any, Iterator, List, Optional

import numpy as np

import fastgrad as _fg
from fastgrad import distributed as _dist

from ..modules.module import Module

__all__ = ["DistributedDataParallel"]

_UNUSED_MESSAGE = (
    "Expected to have finished reduction in the prior iteration before starting a new one. This error "
    "indicates that your module has parameters that were not used in producing loss. You can enable unused "
    "parameter detection by passing the keyword argument `find_unused_parameters=True` to "
    "`torch.nn.parallel.DistributedDataParallel`, and by making sure all `forward` function outputs "
    "participate in calculating loss.\nParameter indices which did not receive grad for rank {rank}: {idx}"
)


class _Bucket:
    def __init__(self, params: List[Any], indices: List[int]):
        self.params = params
        self.indices = indices  # the parameters' positions in DDP's parameter list
        self.dtype = params[0].dtype
        self.numels = [p.numel() for p in params]
        self.offsets = np.cumsum([0] + self.numels)[:-1].tolist()
        self.flat: Any = None  # a fastgrad tensor holding the bucket's gradients
        self.pending = 0
        self.request: Any = None

    def nbytes(self) -> int:
        return sum(self.numels) * self.params[0].element_size()


def _module_tensors(module: Module) -> Iterator[Any]:
    seen = set()
    for t in list(module.parameters()) + list(module.buffers()):
        if id(t) not in seen:
            seen.add(id(t))
            yield t


def _broadcast_coalesced(tensors: List[Any], group: Any, src: int = 0) -> None:
    """Broadcast ``tensors`` from ``src``: one flat buffer per dtype, one MPI call each."""
    by_dtype: dict = {}
    for t in tensors:
        by_dtype.setdefault(t.dtype, []).append(t)
    with _fg.no_grad():
        for ts in by_dtype.values():
            flat = _fg.cat([t.detach().reshape(-1) for t in ts])
            _dist.broadcast(flat, src, group)
            offset = 0
            for t in ts:
                n = t.numel()
                t.copy_(flat[offset : offset + n].view(t.shape))
                offset += n


class DistributedDataParallel(Module):
    """Data parallelism over processes: wraps ``module``, averages gradients across ranks during backward.

    Arguments as PyTorch's. ``bucket_cap_mb`` (default 25) sizes the gradient buckets;
    ``find_unused_parameters``
    marks parameters that the forward output does not reach as ready (their gradient counts as zero on this
    rank; a parameter unused on every rank keeps ``grad`` None); ``broadcast_buffers`` (default True) copies
    rank 0's buffers to every rank at each forward. ``no_sync()`` accumulates gradients locally until the
    first forward/backward outside it. ``device_ids``/``output_device`` must be None (CPU);
    ``gradient_as_bucket_view``, ``static_graph`` and ``check_reduction`` are accepted and change nothing."""

    def __init__(
        self,
        module: Module,
        device_ids: Any = None,
        output_device: Any = None,
        dim: int = 0,
        broadcast_buffers: Optional[bool] = None,
        init_sync: bool = True,
        process_group: Any = None,
        bucket_cap_mb: Optional[float] = None,
        find_unused_parameters: bool = False,
        check_reduction: bool = False,
        gradient_as_bucket_view: bool = False,
        static_graph: bool = False,
        delay_all_reduce_named_params: Any = None,
        param_to_hook_all_reduce: Any = None,
        mixed_precision: Any = None,
        device_mesh: Any = None,
        skip_all_reduce_unused_params: bool = False,
        bucket_cap_mb_list: Any = None,
        batched_grad_copy: bool = False,
        forward_sync_buffers: Optional[bool] = None,
    ) -> None:
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(
                f"DistributedDataParallel: module must be an nn.Module, but got {type(module).__name__}"
            )
        if device_ids not in (None, []) or output_device is not None:
            raise ValueError(
                "DistributedDataParallel device_ids and output_device arguments only work with "
                "single-device/multiple-device GPU modules or CPU modules, but got "
                f"device_ids {device_ids}, output_device {output_device}: fastgrad runs on the CPU, "
                "leave them None"
            )
        params = []
        seen = set()
        for p in module.parameters():
            if p.requires_grad and id(p) not in seen:
                seen.add(id(p))
                params.append(p)
        if not params:
            raise RuntimeError(
                "DistributedDataParallel is not needed when a module doesn't have any parameter "
                "that requires a gradient."
            )
        self.module = module
        self.process_group = _dist._group(process_group)
        self.dim = dim
        self.broadcast_buffers = True if broadcast_buffers is None else bool(broadcast_buffers)
        self.find_unused_parameters = bool(find_unused_parameters)
        self.gradient_as_bucket_view = bool(gradient_as_bucket_view)
        self.static_graph = bool(static_graph)
        self.require_backward_grad_sync = True
        self.require_forward_param_sync = True
        self.bucket_bytes_cap = int((25 if bucket_cap_mb is None else bucket_cap_mb) * 1024 * 1024)
        self._params = params
        self._world = self.process_group.size()
        if init_sync and self._world > 1:
            _broadcast_coalesced(list(_module_tensors(module)), self.process_group)
        self._buckets = self._make_buckets(bucket_cap_mb is None)
        self._bucket_of = {}
        for b in self._buckets:
            for i in b.indices:
                self._bucket_of[i] = b
        self._hooks = [p.register_post_accumulate_grad_hook(self._hook_for(i)) for i, p in enumerate(params)]
        self._expecting = False  # a synchronised backward has been prepared by forward
        self._ready: List[bool] = []
        self._used: Any = None
        self._next = 0  # the next bucket to start (buckets start in index order)

    # ---- buckets ----
    def _make_buckets(self, default_cap: bool) -> List[_Bucket]:
        buckets: List[_Bucket] = []
        open_: dict = {}  # dtype -> (params, indices, bytes)
        cap = _dist._DEFAULT_FIRST_BUCKET_BYTES if default_cap else self.bucket_bytes_cap
        for i in reversed(range(len(self._params))):
            p = self._params[i]
            ps, ix, nb = open_.get(p.dtype, ([], [], 0))
            ps.append(p)
            ix.append(i)
            nb += p.numel() * p.element_size()
            if nb >= cap:
                buckets.append(_Bucket(ps, ix))
                open_.pop(p.dtype, None)
                cap = self.bucket_bytes_cap
            else:
                open_[p.dtype] = (ps, ix, nb)
        for ps, ix, _ in open_.values():
            buckets.append(_Bucket(ps, ix))
        return buckets

    def _prepare_for_backward(self, output: Any) -> None:
        if self._expecting:
            missing = [i for i, r in enumerate(self._ready) if not r]
            raise RuntimeError(_UNUSED_MESSAGE.format(rank=_dist.get_rank(), idx=missing))
        self._expecting = True
        self._ready = [False] * len(self._params)
        self._next = 0
        for b in self._buckets:
            b.pending = len(b.params)
            b.request = None
        if self.find_unused_parameters:
            reached = _reachable_leaves(output)
            self._used = np.array([id(p) in reached for p in self._params], dtype=np.int32)
            for i, p in enumerate(self._params):
                if not self._used[i]:
                    self._mark_ready(i)

    def _hook_for(self, index: int) -> Any:
        def hook(param: Any) -> None:
            if self._expecting and not self._ready[index]:
                self._mark_ready(index)

        return hook

    def _mark_ready(self, index: int) -> None:
        self._ready[index] = True
        bucket = self._bucket_of[index]
        bucket.pending -= 1
        for b in self._buckets[: self._next]:
            b.request.is_completed()  # testing lets MPI progress the buckets in flight
        while self._next < len(self._buckets) and self._buckets[self._next].pending == 0:
            self._start(self._buckets[self._next])
            self._next += 1
        if self._next == len(self._buckets):
            self._finish()

    def _start(self, b: _Bucket) -> None:
        with _fg.no_grad():
            parts = []
            for p in b.params:
                g = p.grad
                parts.append(_fg.zeros(p.numel(), dtype=b.dtype) if g is None else g.detach().reshape(-1))
            b.flat = _fg.cat(parts)
        b.request = _dist.all_reduce(b.flat, _dist.ReduceOp.SUM, self.process_group, async_op=True)

    def _finish(self) -> None:
        self._expecting = False
        for b in self._buckets:
            b.request.wait()
        globally_used = None
        if self.find_unused_parameters:
            flags = _fg.from_numpy(self._used.copy())
            _dist.all_reduce(flags, _dist.ReduceOp.MAX, self.process_group)
            globally_used = flags.numpy()
        with _fg.no_grad():
            for b in self._buckets:
                b.flat.div_(self._world)
                for p, i, off, n in zip(b.params, b.indices, b.offsets, b.numels):
                    if globally_used is not None and not globally_used[i]:
                        continue
                    avg = b.flat[off : off + n].view(p.shape)
                    if p.grad is None:
                        p.grad = avg.clone()
                    else:
                        p.grad.copy_(avg)
                b.flat = None
                b.request = None

    # ---- Module ----
    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        """Run the wrapped module (after broadcasting rank 0's buffers) and prepare the gradient reduction."""
        if self.broadcast_buffers and self._world > 1:
            buffers = list(self.module.buffers())
            if buffers:
                _broadcast_coalesced(buffers, self.process_group)
        output = self.module(*inputs, **kwargs)
        if _fg.is_grad_enabled() and self.require_backward_grad_sync:
            self._prepare_for_backward(output)
        return output

    @contextlib.contextmanager
    def no_sync(self) -> Iterator[None]:
        """Within this context gradients are accumulated locally, not averaged; the first forward and backward
        after it averages everything accumulated."""
        previous = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = previous


def _reachable_leaves(output: Any) -> set:
    """ids of the leaf tensors whose AccumulateGrad nodes the graph of ``output`` reaches (iteratively)."""
    roots = []
    stack = [output]
    while stack:
        o = stack.pop()
        if isinstance(o, _fg.Tensor):
            if o.grad_fn is not None:
                roots.append(o.grad_fn)
            elif o.requires_grad:
                roots.append(o)
        elif isinstance(o, (list, tuple)):
            stack.extend(o)
        elif isinstance(o, dict):
            stack.extend(o.values())
    found = set()
    seen = set()
    nodes = [r for r in roots if not isinstance(r, _fg.Tensor)]
    found.update(id(r) for r in roots if isinstance(r, _fg.Tensor))
    while nodes:
        n = nodes.pop()
        if n in seen:  # Nodes are hashable: one Python object per Node
            continue
        seen.add(n)
        var = getattr(n, "variable", None)
        if var is not None:
            found.add(id(var))
        for nxt, _ in n.next_functions:
            if nxt is not None:
                nodes.append(nxt)
    return found
