"""Launched on 2 ranks: rank 1 builds a different layer; every rank must raise a ValueError
naming the parameter and both shapes (printed here, checked by the test)."""
from xpgrad import distributed as dist
from xpgrad import nn
from xpgrad.nn.parallel import DataParallel

r = dist.rank()
model = nn.Sequential(nn.Linear(4, 3), nn.Linear(3 if r == 0 else 5, 2))
try:
    DataParallel(model)
except ValueError as exc:
    print(f"rank {r} raised: {exc}", flush=True)
else:
    raise SystemExit(f"rank {r}: mismatched shapes were not detected")
