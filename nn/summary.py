"""nn.summary: a Keras-style table of a model's layers, output shapes and parameter counts.

>>> print(nn.summary(model, input_shape=(29,)))
Model: "Sequential"
...
Total params: 497
"""
from __future__ import annotations

from typing import Any

from ..autograd.grad_mode import no_grad
from ..autograd.tensor import Tensor
from .module import Module


class Summary(str):
    """The table (a str, so ``print`` shows it) with the counts as attributes:
    ``total_params``, ``trainable_params``, ``non_trainable_params`` and ``layers``
    (one (name, type, output shape, params) tuple per row)."""

    total_params: int
    trainable_params: int
    non_trainable_params: int
    layers: list

    def __repr__(self) -> str:
        return str(self)


def _is_counted_buffer(module: Module, name: str, buf: Tensor) -> bool:
    return buf.dtype.is_floating and name not in module._non_persistent


def _own_counts(module: Module) -> tuple[int, int]:
    """(trainable, non-trainable) numbers held directly by ``module`` (not its children)."""
    trainable = frozen = 0
    for p in module._parameters.values():
        if p is None:
            continue
        if p.requires_grad:
            trainable += p.size
        else:
            frozen += p.size
    for name, b in module._buffers.items():
        if b is not None and _is_counted_buffer(module, name, b):
            frozen += b.size
    return trainable, frozen


def _shape_text(out: Any) -> str:
    if isinstance(out, Tensor):
        return str((None,) + tuple(out.shape[1:])) if out.ndim else "()"
    if isinstance(out, (tuple, list)):
        return "[" + ", ".join(_shape_text(o) for o in out) + "]"
    return type(out).__name__


def _device_of(model: Module) -> Any:
    for t in model._tensors():
        return t._backend
    return None


def summary(model: Module, input_shape: Any, device: Any = None, dtype: Any = None,
            batch_size: int = 2) -> Summary:
    """Run a dummy batch of shape (batch_size, *input_shape) through ``model`` (in eval mode,
    without recording a graph; training flags are restored) and tabulate every layer that
    holds parameters or has no sublayers: "name (Type)", output shape (None for the batch
    dimension, as Keras), and parameter count, then the totals.

    Trainable params are those with requires_grad; non-trainable are frozen parameters plus
    floating-point buffers (BatchNorm's running mean and variance, as Keras' moving
    statistics; the integer num_batches_tracked counter is not counted).
    Lecture models: 29-16-1 has 497 parameters, 784-64-10 has 50,890, 784-64-64-10 55,050.
    """
    from ..autograd.factories import get_default_dtype, zeros
    if not isinstance(model, Module):
        raise TypeError(f"summary: expected an nn.Module, got {type(model).__name__}")
    shape = (int(input_shape),) if isinstance(input_shape, int) else tuple(input_shape)
    params = list(model.parameters())
    if device is None:
        device = _device_of(model)
    if dtype is None:
        dtype = params[0].dtype if params else get_default_dtype()

    names = {id(m): n for n, m in model.named_modules()}
    rows: dict[int, list] = {}
    order: list[int] = []
    handles = []

    def enter(module: Module, args: tuple) -> None:        # rows in call order
        if id(module) not in rows:
            order.append(id(module))
            rows[id(module)] = [module, None]

    def leave(module: Module, args: tuple, out: Any) -> None:
        if rows[id(module)][1] is None:
            rows[id(module)][1] = _shape_text(out)

    listed = [m for n, m in model.named_modules()
              if not m._modules or any(p is not None for p in m._parameters.values())
              or any(b is not None for b in m._buffers.values())]
    for m in listed:
        handles.append(m.register_forward_pre_hook(enter))
        handles.append(m.register_forward_hook(leave))
    modes = [(m, m.training) for m in model.modules()]
    try:
        model.eval()
        with no_grad():
            model(zeros((batch_size,) + shape, dtype=dtype, device=device))
    finally:
        for h in handles:
            h.remove()
        for m, mode in modes:
            m.__dict__["training"] = mode
    for m in listed:                        # layers the forward never called
        if id(m) not in rows:
            order.append(id(m))
            rows[id(m)] = [m, "(not called)"]

    layers = []
    for key in order:
        module, out_shape = rows[key]
        name = names.get(key, "") or type(module).__name__.lower()
        layers.append((name, type(module).__name__, out_shape, sum(_own_counts(module))))

    trainable = frozen = 0
    for m in model.modules():
        t, f = _own_counts(m)
        trainable, frozen = trainable + t, frozen + f
    text = _table(type(model).__name__, layers, trainable, frozen)
    result = Summary(text)
    result.total_params = trainable + frozen
    result.trainable_params, result.non_trainable_params = trainable, frozen
    result.layers = layers
    return result


def _table(title: str, layers: list, trainable: int, frozen: int) -> str:
    heads = ("Layer (type)", "Output Shape", "Param #")
    cells = [(f"{n} ({t})", s, f"{p:,}") for n, t, s, p in layers]
    w0 = max([25, len(heads[0])] + [len(c[0]) for c in cells]) + 4
    w1 = max([22, len(heads[1])] + [len(c[1]) for c in cells]) + 4
    w2 = max([len(heads[2])] + [len(c[2]) for c in cells])
    width = 1 + w0 + w1 + w2
    lines = [f'Model: "{title}"', "_" * width,
             " " + heads[0].ljust(w0) + heads[1].ljust(w1) + heads[2], "=" * width]
    for i, (a, b, c) in enumerate(cells):
        if i:
            lines.append("")
        lines.append(" " + a.ljust(w0) + b.ljust(w1) + c)
    lines += ["=" * width,
              f"Total params: {trainable + frozen:,}",
              f"Trainable params: {trainable:,}",
              f"Non-trainable params: {frozen:,}",
              "_" * width]
    return "\n".join(lines)
