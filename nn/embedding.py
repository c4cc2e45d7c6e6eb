"""Embedding: a lookup table of ``num_embeddings`` vectors, indexed by integer tensors, with
PyTorch's arguments, init (N(0, 1), the padding row zero), state_dict key and repr.

The gradient scatters into the table (repeated indices accumulate); the ``padding_idx`` row
gets none. Indices outside [0, num_embeddings) raise IndexError on the CPU (where reading
them costs nothing) and give NaN rows on other devices (checking there would sync).

>>> emb = nn.Embedding(1000, 64, padding_idx=0); vectors = emb(tokens)   # (N, L) -> (N, L, 64)
>>> F.embedding(tokens, table)
"""
from __future__ import annotations

import functools
from typing import Any

from ..autograd.factories import zeros
from ..autograd.function import Function, apply1, host_check, run_kernel
from ..autograd.grad_mode import no_grad
from ..autograd.ops import where
from ..autograd.ops._util import require_tensor
from ..autograd.tensor import Tensor
from ..autograd.ops.torch_errors import TorchTypeError
from . import init
from .module import Module
from .parameter import Parameter
from ._errors import TorchAssertionError

__all__ = ["Embedding", "embedding"]


class EmbeddingGather(Function):
    """Rows ``flat`` of a (num, dim) table, reshaped to ``shape``; rows where ``zero_rows``
    is true are 0 and rows where ``nan_rows`` is true NaN (either mask may be None).

    args: (flat, shape, zero_rows, nan_rows, drop, backend, gscale); ``drop`` marks the
    rows whose gradient the backward drops (padding and out-of-range indices); ``gscale``
    (or None) scales each row's gradient before it is scattered (1 / frequency under
    ``scale_grad_by_freq``)."""
    __slots__ = ()

    @staticmethod
    def forward(xp, w, flat, shape, zero_rows, nan_rows, drop, backend, gscale):
        out = xp.take(w, flat, axis=0)
        if zero_rows is not None:
            out = xp.where(xp.expand_dims(zero_rows, axis=1), 0.0, out)
        if nan_rows is not None:
            out = xp.where(xp.expand_dims(nan_rows, axis=1), xp.nan, out)
        return xp.reshape(out, shape)

    def backward(self, gy):
        w, = self.inputs
        flat, _, _, _, drop, backend, gscale = self.args
        return apply1(EmbeddingScatter, gy, tuple(w.shape), flat, drop, backend, gscale)


class EmbeddingScatter(Function):
    """zeros(table_shape) with the rows of ``gy`` (all but its last axis flattened, each
    times ``scale`` where given) added at ``flat``, dropping the rows marked in ``drop``;
    linear, so its backward is a gather, unscaled as PyTorch's double backward (its
    embedding_dense_double_backward ignores scale_grad_by_freq).

    args: (table_shape, flat, drop, backend, scale)."""
    __slots__ = ()

    @staticmethod
    def forward(xp, gy, table_shape, flat, drop, backend, scale):
        g = xp.reshape(gy, (flat.shape[0], table_shape[1]))
        if scale is not None:
            g = g * xp.expand_dims(scale, axis=1)
        if drop is not None:
            g = xp.where(xp.expand_dims(drop, axis=1), 0.0, g)
        return backend.scatter_add(table_shape, flat, g)

    def backward(self, ggw):
        gy, = self.inputs
        _, flat, drop, backend, _ = self.args
        return apply1(EmbeddingGather, ggw, flat, tuple(gy.shape), drop, None, drop, backend,
                      None)


def _index_masks(backend: Any, idx: Any, num: int, padding_idx: int | None,
                 mark_bad: bool, counted: Any, dtype: Any) -> tuple:
    """(flat indices, NaN mask or None, drop mask or None, gradient scale or None) from the
    index array; the scale (``counted`` not None: scale_grad_by_freq) is 1 / how often each
    entry's index occurs in ``counted``."""
    xp = backend.xp
    flat = xp.reshape(idx, (-1,))
    nan_rows = drop = freq = None
    if mark_bad:
        nan_rows = xp.logical_or(flat < 0, flat >= num)
        flat = xp.where(nan_rows, xp.zeros_like(flat), flat)
        drop = nan_rows
    if padding_idx is not None:
        pad = flat == padding_idx
        drop = pad if drop is None else xp.logical_or(drop, pad)
    if counted is not None:
        seen = xp.reshape(counted, (-1,))
        seen = xp.where(xp.logical_or(seen < 0, seen >= num), num, seen)   # bad: a spare slot
        counts = backend.scatter_add((num + 1,), seen, xp.ones_like(seen, dtype=dtype))
        counts = xp.take(counts, flat, axis=0)
        freq = 1.0 / xp.maximum(counts, xp.ones_like(counts))
    return flat, nan_rows, drop, freq


def _refuse_out_of_range(idx: Any, num: int, shape: tuple) -> None:
    if idx.size and (int(idx.min()) < 0 or int(idx.max()) >= num):
        bad = idx[(idx < 0) | (idx >= num)]
        raise IndexError(f"embedding: index {int(bad.flat[0])} is out of range for a table "
                         f"of {num} embeddings (weight shape {shape}; indices must be in "
                         f"[0, {num}))")


def _check_padding_idx(padding_idx: Any, num: int, op: str) -> int | None:
    if padding_idx is None:
        return None
    if not isinstance(padding_idx, int) or isinstance(padding_idx, bool):
        raise TypeError(f"{op}: padding_idx must be an int or None, got {padding_idx!r}")
    if not -num <= padding_idx < num:
        raise TorchAssertionError(f"{op}: padding_idx must be within num_embeddings ({num}), "
                                  f"got {padding_idx}")
    return padding_idx % num


def _refuse_sparse(op: str, sparse: bool) -> None:
    if sparse:
        raise NotImplementedError(f"{op}: sparse gradients are not supported (sparse=True)")


def renorm_rows(weight: Tensor, input: Tensor, max_norm: float, norm_type: float) -> None:
    """PyTorch's embedding_renorm_: each row looked up whose ``norm_type``-norm exceeds
    ``max_norm`` is scaled by max_norm / (norm + 1e-7), in place and outside the graph."""
    with no_grad():
        flat = input.reshape(-1).astype("int64")
        if flat.shape[0] == 0:
            return
        rows = weight[flat]
        if norm_type == float("inf"):
            norms = rows.abs().amax(1, keepdims=True)
        else:
            norms = rows.abs().pow(norm_type).sum(1, keepdims=True).pow(1.0 / norm_type)
        scale = where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
        weight[flat] = rows * scale


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None,
              max_norm: float | None = None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False, *,
              _counted: Tensor | None = None) -> Tensor:
    """Rows of ``weight`` (num_embeddings, embedding_dim) at integer ``input`` indices (any
    shape): the result has shape ``input.shape + (embedding_dim,)``. The ``padding_idx``
    row receives no gradient. ``max_norm`` first renormalises the looked-up rows of
    ``weight`` in place (as PyTorch); ``scale_grad_by_freq`` divides each row's gradient by
    how often its index occurs in ``input`` (or in ``_counted``, EmbeddingBag's indices).
    ``sparse`` is refused (NotImplementedError).

    >>> F.embedding(xg.tensor([[0, 2], [1, 1]]), table)    # (2, 2) -> (2, 2, dim)
    """
    op = "embedding"
    require_tensor(weight, op)
    _refuse_sparse(op, sparse)
    if weight.ndim != 2:
        raise ValueError(f"{op}: weight must be 2-D (num_embeddings, embedding_dim), got shape "
                         f"{tuple(weight.shape)}")
    if not isinstance(input, Tensor):
        from ..autograd.factories import tensor
        input = tensor(input, device=weight._backend)
    if not input.dtype.is_integer:
        raise TorchTypeError(f"{op}: indices must be an integer tensor, got {input.dtype} of "
                             f"shape {tuple(input.shape)}")
    if input._backend is not weight._backend:
        raise RuntimeError(f"{op}: indices are on {input.device} but the weight is on "
                           f"{weight.device}; move one with .to(device)")
    num = weight.shape[0]
    padding_idx = _check_padding_idx(padding_idx, num, op)
    backend = weight._backend
    on_host = backend.kind == "numpy"         # host memory: the range check costs no sync
    if on_host:
        host_check(backend, functools.partial(_refuse_out_of_range, num=num,
                                              shape=tuple(weight.shape)), input.data)
    if max_norm is not None:
        renorm_rows(weight, input, float(max_norm), float(norm_type))
    counted = None
    if scale_grad_by_freq:
        counted = (input if _counted is None else _counted).data
    flat, nan_rows, drop, freq = run_kernel(backend, _index_masks, input.data, num,
                                            padding_idx, not on_host, counted,
                                            backend.native_dtype(weight.dtype))
    shape = tuple(input.shape) + (weight.shape[1],)
    return apply1(EmbeddingGather, weight, flat, shape, None, nan_rows, drop, backend, freq)


class Embedding(Module):
    """A table of ``num_embeddings`` vectors of size ``embedding_dim``, looked up by integer
    indices: (*) -> (*, embedding_dim). The weight is drawn from N(0, 1) (PyTorch's init)
    and its ``padding_idx`` row is zero and gets no gradient.

    >>> nn.Embedding(10, 3, padding_idx=0)(xg.tensor([[1, 2, 0]]))      # (1, 3, 3)
    """

    def __init__(self, num_embeddings: int, embedding_dim: int,
                 padding_idx: int | None = None, max_norm: float | None = None,
                 norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                 sparse: bool = False, _weight: Tensor | None = None, _freeze: bool = False,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        _refuse_sparse("Embedding", sparse)
        if int(num_embeddings) < 0 or int(embedding_dim) < 0:
            raise ValueError(f"Embedding: num_embeddings and embedding_dim must be >= 0, got "
                             f"{num_embeddings} and {embedding_dim}")
        self.num_embeddings, self.embedding_dim = int(num_embeddings), int(embedding_dim)
        self.padding_idx = _check_padding_idx(padding_idx, self.num_embeddings, "Embedding")
        self.max_norm, self.norm_type = max_norm, norm_type
        self.scale_grad_by_freq, self.sparse = scale_grad_by_freq, sparse
        if _weight is None:
            self.weight = Parameter(zeros(self.num_embeddings, self.embedding_dim, dtype=dtype,
                                          device=device), requires_grad=not _freeze)
            self.reset_parameters()
        else:
            if tuple(_weight.shape) != (self.num_embeddings, self.embedding_dim):
                raise ValueError(f"Embedding: shape of _weight {tuple(_weight.shape)} does not "
                                 f"match ({self.num_embeddings}, {self.embedding_dim})")
            self.weight = Parameter(_weight, requires_grad=not _freeze)

    def reset_parameters(self) -> None:
        """N(0, 1), then the padding row zeroed (PyTorch's init)."""
        init.normal_(self.weight)
        self._fill_padding_idx_with_zero()

    def _fill_padding_idx_with_zero(self) -> None:
        if self.padding_idx is not None:
            with no_grad():
                run_kernel(self.weight._backend, _zero_row, self.weight.data, self.padding_idx)

    def forward(self, input: Tensor) -> Tensor:
        return embedding(input, self.weight, self.padding_idx, self.max_norm, self.norm_type,
                         self.scale_grad_by_freq, self.sparse)

    @classmethod
    def from_pretrained(cls, embeddings: Tensor, freeze: bool = True,
                        padding_idx: int | None = None, max_norm: float | None = None,
                        norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                        sparse: bool = False) -> "Embedding":
        """An Embedding whose weight is ``embeddings`` (2-D; memory shared, as PyTorch),
        frozen (no gradient) unless ``freeze=False``; the padding row is kept as given.

        >>> nn.Embedding.from_pretrained(xg.tensor([[1.0, 2.3], [4.0, 5.1]]))
        """
        require_tensor(embeddings, "Embedding.from_pretrained")
        if embeddings.ndim != 2:
            raise ValueError(f"Embedding.from_pretrained: embeddings must be 2-dimensional, "
                             f"got shape {tuple(embeddings.shape)}")
        rows, cols = embeddings.shape
        return cls(rows, cols, padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse,
                   _weight=embeddings, _freeze=freeze)

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2.0:
            s += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq:
            s += ", scale_grad_by_freq=True"
        return s


def _zero_row(backend: Any, w: Any, row: int) -> None:
    backend.setitem(w, row, 0.0)
