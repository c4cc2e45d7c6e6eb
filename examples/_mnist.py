"""What the two MNIST examples share: data loading (with a quick subset) and the training run."""
from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import numpy as np

import xpgrad as xg
from xpgrad import nn, optim

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def load(data_dir: Path | None, quick: bool, seed: int) -> tuple:
    """Train (50,000), validation (the last 10,000 training images, as Keras'
    validation_split) and test (10,000) sets, flattened to 784 floats in [0, 1]."""
    if data_dir is None and not os.environ.get("XPGRAD_DATA") and SHARED.is_dir():
        data_dir = SHARED
    x_train, y_train, x_test, y_test = xg.data.load_mnist(data_dir, normalize=True, flatten=True)
    y_train, y_test = y_train.astype(np.int64), y_test.astype(np.int64)
    x_val, y_val = x_train[50000:], y_train[50000:]
    x_train, y_train = x_train[:50000], y_train[:50000]
    if quick:
        rng = np.random.default_rng(seed)
        pick = rng.permutation(50000)[:2000]
        x_train, y_train = x_train[pick], y_train[pick]
        x_val, y_val, x_test, y_test = x_val[:500], y_val[:500], x_test[:1000], y_test[:1000]
    return (x_train, y_train), (x_val, y_val), (x_test, y_test)


def run(model: nn.Module, args: Any, lr: float, name: str) -> dict:
    start = time.perf_counter()
    xg.manual_seed(args.seed)
    (x_train, y_train), val, test = load(args.data, args.quick, args.seed)
    print(f"MNIST: {len(x_train)} training, {len(val[0])} validation, {len(test[0])} test images")
    model = model.to(args.device)
    summary = nn.summary(model, input_shape=(784,), device=args.device)
    print(summary)
    loss_fn = nn.CrossEntropyLoss()          # softmax + categorical cross-entropy, fused
    optimizer = optim.SGD(model.parameters(), lr=lr)
    epochs = 2 if args.quick else args.epochs
    history = xg.train.fit(model, loss_fn, optimizer, (x_train, y_train), epochs=epochs,
                           batch_size=128, validation_data=val, metrics=["accuracy"],
                           device=args.device, verbose=1, seed=args.seed,
                           distributed=args.distributed)
    for epoch, acc in zip(history.epoch, history.history["val_accuracy"]):
        print(f"epoch {epoch + 1:2d}: validation accuracy {acc:.4f}")
    result = xg.train.evaluate(model, loss_fn, test, batch_size=1000, metrics=["accuracy"],
                               device=args.device)
    print(f"test: loss {result['loss']:.4f}  accuracy {result['accuracy']:.4f}")
    args.out.mkdir(parents=True, exist_ok=True)
    try:
        curves = history.plot(args.out / f"{name}_curves.png", title=name)
        print(f"learning curves: {curves}")
    except ImportError as exc:
        curves = None
        print(exc)
    print(f"done in {time.perf_counter() - start:.1f} s")
    return {"test": result, "params": summary.total_params, "history": history.history,
            "plot": curves}
