"""Shared pieces of the xg.compile tests: small models with their batches, state snapshots,
exact comparisons, and ``paired`` (the same step run eagerly and compiled)."""
from __future__ import annotations

import numpy as np

import xpgrad as xg
from xpgrad import nn, optim


def heart(device: str = "cpu", seed: int = 0, opt_cls=optim.SGD, **opt_kw):
    """The lectures' heart MLP (29-16-1, BCEWithLogitsLoss, SGD) and its training step."""
    xg.manual_seed(seed)
    model = nn.Sequential(nn.Linear(29, 16), nn.ReLU(), nn.Linear(16, 1)).to(device)
    opt = opt_cls(model.parameters(), **({"lr": 0.1} | opt_kw))
    criterion = nn.BCEWithLogitsLoss()

    def train_step(x, y):
        opt.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        opt.step()
        return loss
    return model, opt, train_step


def heart_batches(device: str, n: int, batch: int = 16, seed: int = 0) -> list:
    rs = np.random.RandomState(seed)
    return [(xg.tensor(rs.randn(batch, 29).astype("float32"), device=device),
             xg.tensor((rs.rand(batch, 1) > 0.5).astype("float32"), device=device))
            for _ in range(n)]


def small(device: str = "cpu", seed: int = 0, dropout: float = 0.0, bn: bool = False,
          opt_cls=optim.SGD, **opt_kw):
    """A small regression MLP (8-6-1) with optional BatchNorm and Dropout."""
    xg.manual_seed(seed)
    layers = [nn.Linear(8, 6)]
    if bn:
        layers.append(nn.BatchNorm1d(6))
    layers.append(nn.Tanh())
    if dropout:
        layers.append(nn.Dropout(dropout))
    layers.append(nn.Linear(6, 1))
    model = nn.Sequential(*layers).to(device)
    opt = opt_cls(model.parameters(), **({"lr": 0.05} | opt_kw))
    return model, opt


def small_batches(device: str, n: int, batch: int = 12, seed: int = 1, dtype="float32") -> list:
    rs = np.random.RandomState(seed)
    return [(xg.tensor(rs.randn(batch, 8).astype(dtype), device=device),
             xg.tensor(rs.randn(batch, 1).astype(dtype), device=device)) for _ in range(n)]


def state(model: nn.Module) -> dict:
    """Parameters, buffers and gradients as host arrays."""
    out = {k: v.numpy() for k, v in model.state_dict().items()}
    for k, p in model.named_parameters():
        out["grad." + k] = None if p.grad is None else p.grad.numpy()
    return out


def assert_same(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for k in a:
        if a[k] is None or b[k] is None:
            assert a[k] is None and b[k] is None, f"{k}: {a[k]} vs {b[k]}"
        else:
            assert a[k].dtype == b[k].dtype, k
            assert np.array_equal(a[k], b[k]), f"{k} differs:\n{a[k]}\nvs\n{b[k]}"


def assert_arrays_equal(a: list, b: list) -> None:
    assert len(a) == len(b)
    for i, (x, y) in enumerate(zip(a, b)):
        assert np.array_equal(x, y), f"item {i}: {x} vs {y}"


def mse_step(model: nn.Module, opt: optim.Optimizer):
    """The plain training step: zero_grad, forward, MSE loss, backward, optimizer step."""
    def train_step(x, y):
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        opt.step()
        return loss
    return train_step


def paired(device, mutate, n=8, model_kw=None, step_body=None, opt_cls=optim.SGD, **opt_kw):
    """Run the same step eagerly and compiled, calling mutate(i, model, opt) before call i in
    both; returns (eager losses, compiled losses, eager state, compiled state, compiled)."""
    model_kw = model_kw or {}
    results = []
    for compiled in (False, True):
        model, opt = small(device, opt_cls=opt_cls, **model_kw, **opt_kw)

        if step_body is None:
            train_step = mse_step(model, opt)
        else:
            def train_step(x, y, model=model, opt=opt):
                return step_body(model, opt, x, y)
        fn = xg.compile(train_step) if compiled else train_step
        xg.manual_seed(11)
        losses = []
        for i, (x, y) in enumerate(small_batches(device, n)):
            mutate(i, model, opt)
            losses.append(fn(x, y).numpy())
        results.append((losses, state(model), fn))
    (l1, st1, _), (l2, st2, fn) = results
    assert_arrays_equal(l1, l2)
    assert_same(st1, st2)
    return fn
