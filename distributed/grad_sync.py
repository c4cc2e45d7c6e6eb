"""Data-parallel gradient averaging, overlapped with the backward pass (as PyTorch DDP).

``GradientAverager`` puts the parameters into flat buckets of about ``bucket_bytes`` each,
in reverse registration order (the order in which backward usually produces their
gradients). A post-accumulate-grad hook on every parameter copies its finished gradient
into its bucket; a full bucket starts a non-blocking all-reduce at once, while backward
goes on with the earlier layers. Buckets start strictly in bucket order, so every rank
issues the same collectives in the same order whatever order its gradients arrive in.

When the last bucket has started, the averager finishes by itself: it waits for the
reductions, divides by the world size and writes the averages back into each ``p.grad``
in place. ``finish()`` does the same by hand and must be called once after backward when
some parameters may get no gradient on some rank (an unused branch): their buckets start
there, with zeros for the missing gradients, consistently on every rank, so no rank waits
forever. A parameter that got no gradient gets the average of the others' (zeros when no
rank used it), never None, so every rank takes the same optimizer step. ``fit`` calls
``finish()`` after every backward.

>>> avg = xg.distributed.GradientAverager(model.named_parameters())
>>> loss.backward(); avg.finish(); opt.step()
"""
from __future__ import annotations

import contextlib
from typing import Any, Iterable, Iterator

from ..autograd.tensor import Tensor, make_tensor
from .comm import Handle, broadcast, iall_reduce_array
from .world import World, get_world


def named_tensors(obj: Any, buffers: bool = False) -> list[tuple[str, Tensor]]:
    """(name, tensor) pairs from a Module (anything with named_parameters), a dict, or an
    iterable of tensors or of (name, tensor) pairs."""
    if hasattr(obj, "named_parameters"):
        items = list(obj.named_parameters())
        if buffers and hasattr(obj, "named_buffers"):
            items += [(n, b) for n, b in obj.named_buffers() if b is not None]
        return items
    if isinstance(obj, Tensor):
        return [("tensor[0]", obj)]
    if isinstance(obj, dict):
        return [(str(k), v) for k, v in obj.items()]
    out: list[tuple[str, Tensor]] = []
    for i, item in enumerate(obj):
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], Tensor):
            out.append((str(item[0]), item[1]))
        elif isinstance(item, Tensor):
            out.append((f"parameter[{i}]", item))
        else:
            raise TypeError(f"expected Tensors or (name, Tensor) pairs, got "
                            f"{type(item).__name__} at position {i}")
    return out


def check_parameter_shapes(named: Iterable[tuple[str, Tensor]], world: World | None = None,
                           what: str = "parameter") -> None:
    """Raise on every rank if any rank's tensors differ from rank 0's in name, shape or
    dtype (the error names the tensor and both shapes). Gathers only the metadata.

    >>> xg.distributed.check_parameter_shapes(model.named_parameters())
    """
    world = world or get_world()
    if world.size == 1:
        return
    mine = [(name, tuple(t.shape), str(t.dtype)) for name, t in named]
    every = world.comm.allgather(mine)
    ref = every[0]
    for r, theirs in enumerate(every[1:], start=1):
        for i in range(max(len(ref), len(theirs))):
            a = ref[i] if i < len(ref) else None
            b = theirs[i] if i < len(theirs) else None
            if a == b:
                continue
            if a is None or b is None:
                raise ValueError(f"rank 0 has {len(ref)} {what}s but rank {r} has "
                                 f"{len(theirs)}; the first unmatched one is "
                                 f"{(a or b)[0]!r}: every rank must build the same model")
            if a[0] == b[0]:
                raise ValueError(f"{what} {a[0]!r} has shape {a[1]} ({a[2]}) on rank 0 but "
                                 f"shape {b[1]} ({b[2]}) on rank {r}: every rank must build "
                                 "the same model")
            raise ValueError(f"{what} {i} is {a[0]!r} with shape {a[1]} ({a[2]}) on rank 0 "
                             f"but {b[0]!r} with shape {b[1]} ({b[2]}) on rank {r}: every "
                             "rank must build the same model")


def broadcast_parameters(module_or_tensors: Any, root: int = 0) -> None:
    """Copy rank ``root``'s parameters (and a Module's buffers) to every rank, in place,
    after checking that all ranks hold the same names and shapes. Call it before training.

    >>> xg.distributed.broadcast_parameters(model)
    """
    world = get_world()
    if world.size == 1:
        return
    named = named_tensors(module_or_tensors, buffers=True)
    n_params = len(named_tensors(module_or_tensors)) if hasattr(
        module_or_tensors, "named_parameters") else len(named)
    check_parameter_shapes(named[:n_params], world, "parameter")
    check_parameter_shapes(named[n_params:], world, "buffer")   # on every rank, even if none
    for _, t in named:
        broadcast(t, root)


class _Bucket:
    __slots__ = ("params", "offsets", "numel", "dtype", "flat", "backend", "ready", "pending",
                 "handle")

    def __init__(self, dtype: Any) -> None:
        self.params: list[tuple[str, Tensor]] = []
        self.offsets: list[int] = []
        self.numel, self.dtype = 0, dtype
        self.flat: Any = None
        self.backend: Any = None
        self.ready: list[bool] = []
        self.pending = 0
        self.handle: Handle | None = None

    def add(self, name: str, p: Tensor) -> int:
        self.params.append((name, p))
        self.offsets.append(self.numel)
        self.ready.append(False)
        self.numel += p.size
        return len(self.params) - 1

    def reset(self) -> None:
        self.ready = [False] * len(self.params)
        self.pending = len(self.params)
        self.handle = None


class GradientAverager:
    """Average the gradients of ``parameters`` over all ranks after each backward.

    ``parameters``: ``model.named_parameters()`` (names appear in errors), parameters, or a
    Module. With one process it registers nothing and ``finish()`` returns at once.

    >>> avg = GradientAverager(model.named_parameters()); loss.backward(); avg.finish()
    """

    def __init__(self, parameters: Any, bucket_bytes: int = 25 * 2 ** 20) -> None:
        self.world = get_world()
        named, seen = [], set()
        for name, p in named_tensors(parameters):
            if p.requires_grad and id(p) not in seen:
                seen.add(id(p))
                named.append((name, p))
        self.buckets: list[_Bucket] = []
        self._handles: list[Any] = []
        self._next = 0              # the next bucket to start (buckets start in order)
        self._open = False          # a round has begun (some gradient arrived)
        self._auto_done = False     # the last round finished inside backward
        self._paused = False
        if self.world.size == 1:
            return
        check_parameter_shapes(named, self.world)
        open_buckets: dict[Any, _Bucket] = {}
        for name, p in reversed(named):
            key = p.dtype
            bucket = open_buckets.get(key)
            nbytes = p.size * p.dtype.itemsize
            if bucket is None or (bucket.numel * bucket.dtype.itemsize + nbytes > bucket_bytes
                                  and bucket.numel > 0):
                bucket = open_buckets[key] = _Bucket(key)
                self.buckets.append(bucket)
            slot = bucket.add(name, p)
            self._handles.append(p.register_post_accumulate_grad_hook(
                lambda t, b=bucket, s=slot: self._on_ready(b, s, t)))
        for bucket in self.buckets:
            bucket.reset()

    # ---- during backward ---------------------------------------------------------------
    def _on_ready(self, bucket: _Bucket, slot: int, p: Tensor) -> None:
        if self._paused:
            return
        if bucket.ready[slot]:
            raise RuntimeError(f"the gradient of {bucket.params[slot][0]!r} was produced twice "
                               "before the gradients were averaged: call finish() after each "
                               "backward (or accumulate inside `with no_sync():`)")
        if not self._open:
            self._open, self._auto_done = True, False
        self._pack(bucket, slot, p.grad)
        for earlier in self.buckets[:self._next]:
            earlier.handle.test()       # MPI progresses a non-blocking reduction only in calls
        bucket.ready[slot] = True
        bucket.pending -= 1
        if bucket.pending == 0 and self.buckets[self._next] is bucket:
            self._start_ready()
            if self._next == len(self.buckets):
                self._complete()
                self._auto_done = True

    def _pack(self, bucket: _Bucket, slot: int, grad: Tensor | None) -> None:
        name, p = bucket.params[slot]
        backend = p._backend
        if bucket.flat is None or bucket.backend is not backend:
            bucket.flat = backend.zeros((bucket.numel,), bucket.dtype)
            bucket.backend = backend
        start = bucket.offsets[slot]
        span = slice(start, start + p.size)
        if grad is None:
            backend.setitem(bucket.flat, span, 0)
            return
        if grad._backend is not backend or grad.dtype is not bucket.dtype:
            raise RuntimeError(f"the gradient of {name!r} is {grad.dtype} on {grad.device} but "
                               f"the averager was built for {bucket.dtype} on {p.device}; "
                               "build it (wrap the model) after moving the model")
        backend.setitem(bucket.flat, span, backend.xp.reshape(_memory_order(grad.data, backend),
                                                              (p.size,)))

    def _start_ready(self) -> None:
        while self._next < len(self.buckets) and self.buckets[self._next].pending == 0:
            bucket = self.buckets[self._next]
            bucket.handle = iall_reduce_array(bucket.flat, bucket.backend)
            self._next += 1

    # ---- after backward ----------------------------------------------------------------
    def finish(self) -> None:
        """Wait for the reductions and write the averaged gradients into each ``p.grad``.

        A no-op when the round already finished inside backward; otherwise it starts the
        buckets still waiting (zeros for gradients that never came). Every rank must call
        it the same number of times.

        >>> loss.backward(); averager.finish(); optimizer.step()
        """
        if self.world.size == 1:
            return
        if not self._open and self._auto_done:
            self._auto_done = False
            return
        for bucket in self.buckets[self._next:]:
            for slot, ready in enumerate(bucket.ready):
                if not ready:
                    self._pack(bucket, slot, None)
            bucket.pending = 0
        self._start_ready()
        self._complete()
        self._auto_done = False

    def _complete(self) -> None:
        scale = 1.0 / self.world.size
        for bucket in self.buckets:
            bucket.handle.wait()
            flat, backend = bucket.flat, bucket.backend
            flat *= scale
            xp = backend.xp
            for slot, (name, p) in enumerate(bucket.params):
                start = bucket.offsets[slot]
                piece = flat[start:start + p.size]
                if p.grad is not None and _is_transposed(p.grad.data):
                    avg = xp.matrix_transpose(xp.reshape(piece, tuple(p.shape)[::-1]))
                else:
                    avg = xp.reshape(piece, p.shape)
                if p.grad is None or tuple(p.grad.shape) != tuple(p.shape):
                    p.grad = make_tensor(backend.copy(avg), backend, False, None)
                else:
                    backend.setitem(p.grad.data, Ellipsis, avg)
            bucket.reset()
        self._next = 0
        self._open = False

    @contextlib.contextmanager
    def no_sync(self) -> Iterator[None]:
        """Accumulate gradients locally (no communication) inside the block; the next
        backward outside it averages the accumulated sum.

        >>> with avg.no_sync(): loss1.backward()
        >>> loss2.backward(); avg.finish()
        """
        saved, self._paused = self._paused, True
        try:
            yield
        finally:
            self._paused = saved

    def remove(self) -> None:
        """Unregister the hooks (the parameters go back to plain local gradients)."""
        for handle in self._handles:
            handle.remove()
        self._handles = []

    @property
    def pending(self) -> bool:
        """True while gradients of a backward wait to be averaged (call ``finish()``)."""
        return self._open


def _is_transposed(array: Any) -> bool:
    """A 2-D array stored column-major (nn.Linear's weights and their gradients are)."""
    flags = getattr(array, "flags", None)      # NumPy/CuPy arrays; the strict backend has none
    return (flags is not None and array.ndim == 2 and flags.f_contiguous
            and not flags.c_contiguous)


def _memory_order(array: Any, backend: Any) -> Any:
    """The array as a view whose C order is its memory order, so flattening it is one
    sequential copy instead of a transposing one (both ranks pack the same way)."""
    return backend.xp.matrix_transpose(array) if _is_transposed(array) else array
