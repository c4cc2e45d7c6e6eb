"""Launched on 2 ranks by tests/test_distributed_multi.py: collectives on cpu and strict
tensors, the differentiable all-reduce, metrics, sharding, gradient averaging, BLAS threads.
Any failed check raises, and `python -m mpi4py` then ends every rank non-zero."""
import os

import numpy as np

import xpgrad as xg
from xpgrad import distributed as dist

world = dist.init()
r, n = dist.rank(), dist.world_size()
assert n == 2 and world.local_size == 2 and dist.local_rank() == r, world
assert dist.init() is world                                    # safe to call twice
if not any(os.environ.get(v) for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                                       "MKL_NUM_THREADS")):
    assert world.blas_threads == max(1, (os.cpu_count() or 1) // 2), world

for device in ("cpu", "strict:device1"):
    for dtype in ("float64", "float32"):
        t = xg.tensor([[1.0 + r, 2.0], [3.0, 4.0 * r]], dtype=dtype, device=device)
        assert dist.all_reduce(t) is t
        assert np.allclose(t.numpy(), [[3.0, 4.0], [6.0, 4.0]]), (device, t)
        t = xg.tensor([1.0 + r, 10.0], dtype=dtype, device=device)
        dist.all_reduce(t, op="mean")
        assert np.allclose(t.numpy(), [1.5, 10.0]), t
        t = xg.tensor([1.0 + r, -float(r)], dtype=dtype, device=device)
        dist.all_reduce(t, op="max")
        assert np.allclose(t.numpy(), [2.0, 0.0]), t
    ints = xg.tensor([r, 5], dtype="int64", device=device)
    dist.all_reduce(ints)
    assert ints.numpy().tolist() == [1, 10] and ints.dtype == xg.int64
    col = xg.tensor(np.arange(6.0).reshape(2, 3) * (r + 1), device=device).T   # non-contiguous
    dist.all_reduce(col)
    assert np.allclose(col.numpy(), 3 * np.arange(6.0).reshape(2, 3).T), col
    b = xg.full((3,), float(r + 7), device=device)
    dist.broadcast(b, root=1)
    assert np.allclose(b.numpy(), 8.0), b
    # differentiable all-reduce: y = sum over ranks of x; loss_r = sum(y * (r + 1))
    x = xg.tensor([1.0, 2.0 * r], dtype="float64", device=device, requires_grad=True)
    y = dist.functional.all_reduce(x)
    assert np.allclose(y.numpy(), [2.0, 2.0]) and np.allclose(x.numpy(), [1.0, 2.0 * r])
    (y * float(r + 1)).sum().backward()
    assert np.allclose(x.grad.numpy(), [3.0, 3.0]), x.grad          # 1 + 2 on both ranks
    # gradient averaging through host staging on strict, direct MPI on cpu
    w = xg.tensor([[1.0, 2.0], [3.0, 4.0]], device=device, requires_grad=True)
    v = xg.tensor([0.5, -1.0, 2.0], device=device, requires_grad=True)
    avg = dist.GradientAverager([("w", w), ("v", v)], bucket_bytes=8)
    ((w * float(r + 1)).sum() + (v * float(2 * r)).sum()).backward()
    assert not avg.pending                                        # finished inside backward
    assert np.allclose(w.grad.numpy(), 1.5) and np.allclose(v.grad.numpy(), 1.0), w.grad
    avg.finish()                                                  # a no-op now
    assert np.allclose(w.grad.numpy(), 1.5)

m = dist.reduce_metrics({"loss": 1.0 + r, "acc": 0.5}, weight=1 + 2 * r)    # weights 1, 3
assert abs(m["loss"] - 1.75) < 1e-12 and abs(m["acc"] - 0.5) < 1e-12, m

for n_samples, pad in ((10, False), (11, False), (11, True), (1, True)):
    for epoch in range(2):
        mine = dist.shard_indices(n_samples, epoch_seed=100 + epoch, pad=pad)
        every = world.comm.allgather(mine.tolist())
        assert len(every[0]) == len(every[1]), every
        seen = sorted(every[0] + every[1])
        if pad:
            assert set(seen) == set(range(n_samples)) and len(seen) % n == 0, seen
        else:
            assert len(seen) == len(set(seen)) == n_samples - n_samples % n, seen
from xpgrad.data import DataLoader                   # shard=True: no seed, no manual_seed
loader = DataLoader(np.arange(11), batch_size=4, shuffle=True, shard=True)
for epoch in range(2):
    mine = np.concatenate([b.numpy() for b in loader]).tolist()
    every = world.comm.allgather(mine)
    assert len(loader) == 2 and len(every[0]) == len(every[1]) == 5, every
    assert len(set(every[0]) | set(every[1])) == 10, every

dist.barrier()
print(f"rank {r}: collectives OK", flush=True)
