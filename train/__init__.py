"""Training: fit / evaluate / predict (Keras semantics), metrics, callbacks, History and
checkpoints that never run code when loaded (``save`` / ``load``, exported as xg.save /
xg.load; ``save_checkpoint`` / ``load_checkpoint`` for the whole training state).

>>> hist = xg.train.fit(model, nn.BCELoss(), opt, (X, y), epochs=50, validation_data=(Xv, yv))
"""
from .fit import fit, evaluate, predict
from .history import History
from .metrics import (Metric, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy,
                      MeanAbsoluteError, MeanSquaredError, AUC, Precision, Recall, roc_auc,
                      get_metric)
from .callbacks import (Callback, EarlyStopping, ModelCheckpoint, LearningRateScheduler,
                        CSVLogger)
from .callbacks_extra import ReduceLROnPlateau, TerminateOnNaN, LambdaCallback
from .checkpoint import save, load, CheckpointError
from .resume import save_checkpoint, load_checkpoint

__all__ = ["fit", "evaluate", "predict", "History", "Metric", "BinaryAccuracy",
           "CategoricalAccuracy", "SparseCategoricalAccuracy", "MeanAbsoluteError",
           "MeanSquaredError", "AUC", "Precision", "Recall", "roc_auc", "get_metric",
           "Callback", "EarlyStopping", "ModelCheckpoint", "LearningRateScheduler", "CSVLogger",
           "ReduceLROnPlateau", "TerminateOnNaN", "LambdaCallback", "save", "load",
           "CheckpointError", "save_checkpoint", "load_checkpoint"]
