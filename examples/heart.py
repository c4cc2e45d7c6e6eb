"""Lecture 2's heart-disease network on the Cleveland data: 29 inputs -> 16 ReLU -> 1 sigmoid,
binary cross-entropy, Adam, early stopping on the validation loss with the best weights
restored. Reports test accuracy and AUC, saves the weights and the learning curves.

    python examples/heart.py [--device cuda] [--epochs 300] [--seed 0] [--out results]
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import xpgrad as xg
from xpgrad import nn, optim

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _cli import parser
else:
    from ._cli import parser


def build_model() -> nn.Module:
    """The lecture's Keras model: Dense(16, relu) on 29 inputs, Dense(1, sigmoid): 497 weights."""
    return nn.Sequential(nn.Linear(29, 16), nn.ReLU(), nn.Linear(16, 1), nn.Sigmoid())


def main(argv: list[str] | None = None) -> dict:
    args = parser(__doc__.splitlines()[0], epochs=300).parse_args(argv)
    start = time.perf_counter()
    if args.distributed:
        xg.distributed.init()
    log = print if xg.distributed.is_main() else (lambda *a, **k: None)   # rank 0 reports
    xg.manual_seed(args.seed)
    data = xg.data.load_heart(split="train_val_test", seed=args.seed)
    (x_train, y_train), (x_val, y_val), (x_test, y_test) = data.train, data.validation, data.test
    log(f"heart.csv: {len(x_train)} training, {len(x_val)} validation, {len(x_test)} test rows, "
          f"{x_train.shape[1]} inputs")

    model = build_model().to(args.device)
    summary = nn.summary(model, input_shape=(29,), device=args.device)
    log(summary)
    loss_fn = nn.BCELoss()
    optimizer = optim.Adam(model.parameters(), lr=1e-3)
    stopper = xg.train.EarlyStopping(monitor="val_loss", patience=10, restore_best_weights=True)
    epochs = 5 if args.quick else args.epochs
    history = xg.train.fit(model, loss_fn, optimizer, (x_train, y_train), epochs=epochs,
                           batch_size=32, validation_data=(x_val, y_val),
                           metrics=["accuracy"], callbacks=[stopper], device=args.device,
                           verbose=1, seed=args.seed, distributed=args.distributed)
    if stopper.stopped_epoch:
        log(f"early stopping fired after epoch {stopper.stopped_epoch + 1}; restored the "
              f"weights of epoch {stopper.best_epoch + 1} (val_loss {stopper.best:.4f})")
    else:
        log(f"trained all {epochs} epochs; best val_loss {stopper.best:.4f} at epoch "
              f"{stopper.best_epoch + 1} (weights restored)")

    test = xg.train.evaluate(model, loss_fn, (x_test, y_test), metrics=["accuracy", "auc"],
                             device=args.device)
    log(f"test: loss {test['loss']:.4f}  accuracy {test['accuracy']:.4f}  AUC {test['auc']:.4f}")

    if args.distributed and not xg.distributed.is_main():
        return {"test": test, "epochs_run": len(history.epoch)}   # rank 0 writes the files
    args.out.mkdir(parents=True, exist_ok=True)
    weights = xg.save(model.state_dict(), args.out / "heart.safetensors")
    log(f"checkpoint: {weights}")
    try:
        curves = history.plot(args.out / "heart_curves.png", title="heart 29-16-1")
        log(f"learning curves: {curves}")
    except ImportError as exc:
        curves = None
        log(exc)
    log(f"done in {time.perf_counter() - start:.1f} s")
    return {"test": test, "epochs_run": len(history.epoch), "stopped_epoch": stopper.stopped_epoch,
            "params": summary.total_params, "checkpoint": weights, "plot": curves}


if __name__ == "__main__":
    main()
