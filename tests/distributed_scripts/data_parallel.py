"""Launched on 2 ranks: DataParallel (+ SyncBatchNorm) on batch B/2 per rank must give the
parameters of one process on batch B after several SGD (and Adam) steps, on cpu and strict,
in float64 (1e-10) and float32 (1e-5); both ranks must hold identical parameters; an unused
parameter must not hang the ranks."""
import numpy as np

import xpgrad as xg
from xpgrad import distributed as dist
from xpgrad import nn
from xpgrad.nn.parallel import DataParallel, SyncBatchNorm

try:                                            # optim is written in parallel with this
    from xpgrad import optim
    HAVE_OPTIM = hasattr(optim, "SGD")
except ImportError:
    HAVE_OPTIM = False

world = dist.init()
r, W = dist.rank(), dist.world_size()
B, STEPS, LR = 16, 5, 0.1


def make(bn, dtype, device):
    xg.manual_seed(1234 + r)            # different on each rank: broadcast must fix it
    return nn.Sequential(nn.Linear(6, 16, dtype=dtype, device=device), nn.Tanh(),
                         nn.Linear(16, 8, bias=False, dtype=dtype, device=device),  # BN follows
                         bn(8, dtype=dtype, device=device), nn.ReLU(),
                         nn.Linear(8, 1, dtype=dtype, device=device))


class HandSGD:
    def __init__(self, params, lr):
        self.params, self.lr = list(params), lr

    def zero_grad(self):
        for p in self.params:
            p.grad = None

    def step(self):
        with xg.no_grad():
            for p in self.params:
                p -= self.lr * p.grad


def optimizer(kind, params):
    if not HAVE_OPTIM:
        return HandSGD(params, LR)
    return optim.SGD(params, lr=LR, momentum=0.9) if kind == "sgd" else optim.Adam(params, lr=1e-2)


def same_on_all_ranks(model, tol):
    for name, p in model.named_parameters():
        host = p.numpy()
        every = world.comm.allgather(host)
        assert np.abs(every[0] - every[1]).max() <= tol, f"{name} differs between ranks"


def check(device, dtype, kind, tol):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((STEPS, B, 6))
    Y = rng.standard_normal((STEPS, B, 1))
    ddp = DataParallel(make(SyncBatchNorm, dtype, device), bucket_bytes=200)  # several buckets
    assert len(ddp._averager.buckets) > 2
    ref = make(nn.BatchNorm1d, dtype, device)
    ref.load_state_dict(ddp.module.state_dict())
    opt, ref_opt = optimizer(kind, ddp.parameters()), optimizer(kind, ref.parameters())
    mse = nn.MSELoss()
    half = slice(r * B // W, (r + 1) * B // W)
    for step in range(STEPS):
        x = xg.tensor(X[step], dtype=dtype, device=device)
        y = xg.tensor(Y[step], dtype=dtype, device=device)
        opt.zero_grad()
        mse(ddp(x[half]), y[half]).backward()        # averaged inside backward
        opt.step()
        ref_opt.zero_grad()
        mse(ref(x), y).backward()
        ref_opt.step()
    for (name, p), (_, q) in zip(ddp.module.named_parameters(), ref.named_parameters()):
        err = np.abs(p.numpy() - q.numpy()).max()
        assert err <= tol, f"{device} {dtype} {kind}: {name} differs from one process by {err}"
    for (name, b), (_, c) in zip(ddp.module.named_buffers(), ref.named_buffers()):
        err = np.abs(b.numpy() - c.numpy()).max()
        assert err <= tol, f"{device} {dtype}: buffer {name} differs by {err}"
    same_on_all_ranks(ddp.module, 0.0)


for device in ("cpu", "strict:device1"):
    for dtype, tol in (("float64", 1e-10), ("float32", 1e-5)):
        for kind in (("sgd", "adam") if HAVE_OPTIM else ("sgd",)):
            check(device, dtype, kind, tol)


def check_sync_batchnorm_3d(device):
    """(N, C, L) input split over ranks: output, input grad and weight grad as one process."""
    rng = np.random.default_rng(1)
    X, G = rng.standard_normal((8, 3, 5)) * 3 + 1, rng.standard_normal((8, 3, 5))
    half = slice(r * 8 // W, (r + 1) * 8 // W)
    sync = SyncBatchNorm(3, dtype="float64", device=device)
    ref = nn.BatchNorm1d(3, dtype="float64", device=device)
    x = xg.tensor(X[half], device=device, requires_grad=True)
    xr = xg.tensor(X, device=device, requires_grad=True)
    y, yr = sync(x), ref(xr)
    (y * xg.tensor(G[half], device=device)).sum().backward()
    (yr * xg.tensor(G, device=device)).sum().backward()
    assert np.allclose(y.numpy(), yr.numpy()[half], atol=1e-12)
    assert np.allclose(x.grad.numpy(), xr.grad.numpy()[half], atol=1e-12)
    wsum = xg.tensor(sync.weight.grad.numpy(), device=device)
    dist.all_reduce(wsum)                       # each rank holds its part of d/dweight
    assert np.allclose(wsum.numpy(), ref.weight.grad.numpy(), atol=1e-12)
    for a, b in ((sync.running_mean, ref.running_mean), (sync.running_var, ref.running_var)):
        assert np.allclose(a.numpy(), b.numpy(), atol=1e-12)


for device in ("cpu", "strict:device1"):
    check_sync_batchnorm_3d(device)


class Branchy(nn.Module):
    def __init__(self):
        super().__init__()
        self.a, self.b = nn.Linear(3, 2), nn.Linear(3, 2)

    def forward(self, x, use_b):
        return self.a(x) + self.b(x) if use_b else self.a(x)


model = DataParallel(Branchy())
x = xg.ones(4, 3)
for step in range(2):
    model.zero_grad()
    model(x, use_b=(r == 0)).sum().backward()        # rank 1 never touches b
    model.finish_gradient_sync()                     # must not hang; b gets rank 0's / 2
    assert model.module.b.weight.grad is not None
    grads = world.comm.allgather(model.module.b.weight.grad.numpy())
    assert np.array_equal(grads[0], grads[1]) and np.allclose(grads[0], 2.0), grads
    HandSGD(model.parameters(), 0.1).step()
same_on_all_ranks(model.module, 0.0)
print(f"rank {r}: data parallel OK (optim: {HAVE_OPTIM})", flush=True)
