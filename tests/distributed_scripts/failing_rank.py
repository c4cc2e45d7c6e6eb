"""Launched on 2 ranks: rank 1 raises while rank 0 waits in an all-reduce. Every rank must
end non-zero (python -m mpi4py aborts the world), with rank 1's error in the output."""
import xpgrad as xg
from xpgrad import distributed as dist

dist.init()
if dist.rank() == 1:
    raise ValueError("rank 1 failed on purpose")
dist.all_reduce(xg.ones(3))                       # blocks: rank 1 never gets here
print("rank 0 finished (it should have been aborted)", flush=True)
