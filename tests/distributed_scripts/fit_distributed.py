"""Launched on 2 ranks: fit(distributed=True) with batch b per rank must match a
one-process fit with batch 2b (float64, 1e-10): weights, history (train and validation
loss and accuracy, reduced over ranks), and EarlyStopping's decision; only rank 0 prints
and writes checkpoints. argv[1]: a directory for the checkpoint."""
import sys
from pathlib import Path

import numpy as np

import xpgrad as xg
from xpgrad import distributed as dist
from xpgrad import nn, optim
from xpgrad.train import EarlyStopping, ModelCheckpoint, fit

world = dist.init()
r = world.rank
rng = np.random.default_rng(0)
X = rng.standard_normal((96, 5))
y = (X[:, :1] + 0.3 * rng.standard_normal((96, 1)) > 0).astype(np.float64)
Xv, yv = X[:37] + 0.1, y[:37]                    # 37: an uneven validation split


def model_and_opt():
    xg.manual_seed(7 + r)                        # differs per rank: fit must broadcast
    model = nn.Sequential(nn.Linear(5, 8, dtype="float64"), nn.Tanh(),
                          nn.Linear(8, 1, dtype="float64"))
    return model, optim.SGD(model.parameters(), lr=0.5, momentum=0.9)


def run(distributed, batch, callbacks):
    model, opt = model_and_opt()
    if not distributed:                          # the reference starts from rank 0's weights
        model.load_state_dict(ref_start)
    hist = fit(model, nn.BCEWithLogitsLoss(), opt, (X, y), epochs=30, batch_size=batch,
               validation_data=(Xv, yv), metrics=["accuracy"], shuffle=False,
               callbacks=callbacks, verbose=1 if distributed else 0, distributed=distributed)
    return model, hist


start, _ = model_and_opt()
dist.broadcast_parameters(start)
ref_start = start.state_dict()
ckpt = ModelCheckpoint(str(Path(sys.argv[1]) / "epoch{epoch}.safetensors"))
stop = EarlyStopping(monitor="val_loss", patience=2, min_delta=1e-3)
model, hist = run(True, 8, [stop, ckpt])
ref, ref_hist = run(False, 16, [EarlyStopping(monitor="val_loss", patience=2, min_delta=1e-3)])

assert hist.epoch == ref_hist.epoch and 2 < len(hist.epoch) < 30, (hist.epoch, ref_hist.epoch)
for key, values in ref_hist.history.items():
    err = np.abs(np.array(hist.history[key]) - np.array(values)).max()
    assert err < 1e-10, f"history {key!r} differs from one process by {err}"
for (name, p), (_, q) in zip(model.named_parameters(), ref.named_parameters()):
    err = np.abs(p.numpy() - q.numpy()).max()
    assert err < 1e-10, f"{name} differs from one process by {err}"
every = world.comm.allgather([p.numpy() for p in model.parameters()])
assert all(np.array_equal(a, b) for a, b in zip(*every)), "ranks hold different weights"
assert (len(ckpt.saved) > 0) == (r == 0), ckpt.saved          # only rank 0 writes
assert all(p._hooks in (None, []) for p in model.parameters())  # fit unregistered its hooks
print(f"rank {r}: fit OK after {len(hist.epoch)} epochs", flush=True)
