"""EmbeddingBag: the sum, mean or max of bags of embeddings, as torch.nn.EmbeddingBag and
F.embedding_bag, without building the (bag, length, dim) tensor in the user's code.

Bags are laid out as a padded (B, L_max) block of indices with a mask (entries equal to
``padding_idx`` and the padding past a bag's end are masked out), looked up with
F.embedding and reduced with Tensor ops, so autograd gives the gradient. With 1-D input the
``offsets`` are read on the host (a sync on a device), as the bag sizes shape the block.

>>> bag = nn.EmbeddingBag(10, 3, mode="sum")
>>> bag(xg.tensor([1, 2, 4, 5, 4, 3, 2, 9]), xg.tensor([0, 4]))        # (2, 3)
"""
from __future__ import annotations

from typing import Any

from ..autograd.factories import full, tensor, zeros
from ..autograd.grad_mode import no_grad
from ..autograd.ops import where
from ..autograd.ops._util import require_tensor
from ..autograd.tensor import Tensor
from . import init
from .embedding import _check_padding_idx, embedding, renorm_rows
from .module import Module
from .parameter import Parameter

__all__ = ["EmbeddingBag"]
_MODES = ("sum", "mean", "max")


def embedding_bag(input: Tensor, weight: Tensor, offsets: Tensor | None = None,
                  max_norm: float | None = None, norm_type: float = 2.0,
                  scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False,
                  per_sample_weights: Tensor | None = None, include_last_offset: bool = False,
                  padding_idx: int | None = None) -> Tensor:
    """(B, embedding_dim): per bag, the sum, mean or max of its rows of ``weight``.

    ``input`` is (B, L) (B bags of L indices, ``offsets`` None) or 1-D with ``offsets``
    (B,) giving where each bag starts (B + 1 entries, the last the end, when
    ``include_last_offset``). ``per_sample_weights`` (the input's shape) scale the rows in
    mode 'sum'. Entries equal to ``padding_idx`` are left out of their bag (and of its mean);
    an empty bag gives zeros. ``max_norm`` renormalises the looked-up rows of ``weight`` in
    place first, as PyTorch; ``scale_grad_by_freq`` divides each row's gradient by how often
    its index occurs in ``input``. ``sparse`` is refused.

    >>> F.embedding_bag(xg.tensor([[0, 2], [1, 1]]), table, mode="sum")       # (2, dim)
    """
    name = "embedding_bag"
    require_tensor(weight, name)
    if mode not in _MODES:
        raise ValueError(f"{name}: mode has to be one of sum, mean or max, got {mode!r}")
    if scale_grad_by_freq and mode == "max":
        raise ValueError(f"{name}: max mode does not support scaling the gradient by the "
                         "frequency")
    if sparse:
        raise NotImplementedError(f"{name}: sparse gradients are not supported (sparse=True)")
    if weight.ndim != 2:
        raise ValueError(f"{name}: weight must be 2-D (num_embeddings, embedding_dim), got "
                         f"shape {tuple(weight.shape)}")
    if not isinstance(input, Tensor):
        input = tensor(input, dtype="int64", device=weight._backend)
    if not input.dtype.is_integer:
        raise TypeError(f"{name}: input must be integer indices, got {input.dtype}")
    if per_sample_weights is not None:
        if mode != "sum":
            raise NotImplementedError(
                f"{name}: per_sample_weights was not None. per_sample_weights is only "
                f"supported for mode='sum' (got mode={mode!r})")
        if tuple(per_sample_weights.shape) != tuple(input.shape):
            raise ValueError(f"{name}: per_sample_weights must have the input's shape "
                             f"{tuple(input.shape)}, got {tuple(per_sample_weights.shape)}")
    padding_idx = _check_padding_idx(padding_idx, weight.shape[0], name)
    if input.ndim == 2:
        if offsets is not None:
            raise ValueError(f"{name}: if input is 2D, then offsets has to be None, as input "
                             "is treated is a mini-batch of fixed length sequences. However, "
                             f"found offsets of type {type(offsets).__name__}")
        block, mask, psw = input, None, per_sample_weights
    elif input.ndim == 1:
        if offsets is None:
            raise ValueError(f"{name}: offsets has to be a 1D Tensor but got None")
        block, mask, psw = _bags(input, offsets, include_last_offset, per_sample_weights, name)
    else:
        raise ValueError(f"{name}: input has to be 1D or 2D Tensor, but got Tensor of "
                         f"dimension {input.ndim}")
    if max_norm is not None:
        renorm_rows(weight, input, float(max_norm), float(norm_type))
    if padding_idx is not None:
        keep = block != padding_idx
        mask = keep if mask is None else mask & keep
    rows = embedding(block, weight, padding_idx, scale_grad_by_freq=scale_grad_by_freq,
                     _counted=input)                                      # (B, L, D)
    b, d = block.shape[0], weight.shape[1]
    if block.shape[1] == 0:
        return zeros(b, d, dtype=weight.dtype, device=weight._backend)
    if mode == "max":
        if mask is None:
            return rows.amax(1)
        low = full((1,), float("-inf"), dtype=weight.dtype, device=weight._backend)
        best = where(mask.unsqueeze(2), rows, low).amax(1)
        return where(mask.any(1, keepdims=True), best, 0.0)              # empty bag: zeros
    scale = None if mask is None else mask.astype(weight.dtype)
    if psw is not None:
        psw = psw.astype(weight.dtype)
        scale = psw if scale is None else scale * psw
    total = rows.sum(1) if scale is None else (rows * scale.unsqueeze(2)).sum(1)
    if mode == "sum":
        return total
    if mask is None:
        return total / block.shape[1]
    count = mask.astype(weight.dtype).sum(1, keepdims=True)
    return total / count.clip(1.0, None)


def _bags(input: Tensor, offsets: Any, include_last: bool, psw: Any, name: str) -> tuple:
    """1-D input and offsets -> a padded (B, L_max) index block, its mask, and the
    per-sample weights laid out the same way."""
    if isinstance(offsets, Tensor):
        if not offsets.dtype.is_integer or offsets.ndim != 1:
            raise ValueError(f"{name}: offsets has to be a 1D integer Tensor, got "
                             f"{offsets.dtype} of shape {tuple(offsets.shape)}")
        offsets = offsets.tolist()
    starts = [int(v) for v in offsets]
    total = input.shape[0]
    if include_last:
        if not starts:
            raise ValueError(f"{name}: include_last_offset needs at least one offset")
        ends, starts = starts[1:], starts[:-1]
    else:
        ends = starts[1:] + [total]
    if starts and starts[0] != 0:
        raise ValueError(f"{name}: offsets[0] has to be 0, i.e., the first sequence in the "
                         f"mini-batch has to start from position 0. However, got {starts[0]}")
    for i, (s, e) in enumerate(zip(starts, ends)):
        if not 0 <= s <= e <= total:
            raise ValueError(f"{name}: offsets must be non-decreasing and within the input's "
                             f"length {total}, got bag {i} = [{s}, {e})")
    longest = max((e - s for s, e in zip(starts, ends)), default=0)
    index = [[min(s + j, max(total - 1, 0)) for j in range(longest)] for s in starts]
    inside = [[s + j < e for j in range(longest)] for s, e in zip(starts, ends)]
    backend = input._backend
    if total == 0 or not starts:
        block = full((len(starts), 0), 0, dtype=input.dtype, device=backend)
        return block, None, None
    where_ = tensor(index, dtype="int64", device=backend).reshape(len(starts), longest)
    mask = tensor(inside, dtype="bool", device=backend).reshape(len(starts), longest)
    block = input[where_]
    return block, mask, (None if psw is None else psw[where_])


class EmbeddingBag(Module):
    """Sums, averages or maxes bags of embeddings without building the per-entry tensor:
    forward(input, offsets=None, per_sample_weights=None) -> (B, embedding_dim). The weight
    is drawn from N(0, 1) with the ``padding_idx`` row zeroed (PyTorch's init).

    >>> nn.EmbeddingBag(10, 3, mode="max")(xg.tensor([[1, 2], [4, 4]]))        # (2, 3)
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, max_norm: float | None = None,
                 norm_type: float = 2.0, scale_grad_by_freq: bool = False, mode: str = "mean",
                 sparse: bool = False, _weight: Tensor | None = None,
                 include_last_offset: bool = False, padding_idx: int | None = None,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        if mode not in _MODES:
            raise ValueError(f"EmbeddingBag: mode has to be one of sum, mean or max, got "
                             f"{mode!r}")
        if sparse:
            raise NotImplementedError("EmbeddingBag: sparse gradients are not supported "
                                      "(sparse=True)")
        self.num_embeddings, self.embedding_dim = int(num_embeddings), int(embedding_dim)
        self.max_norm, self.norm_type = max_norm, norm_type
        self.scale_grad_by_freq, self.mode, self.sparse = scale_grad_by_freq, mode, sparse
        self.include_last_offset = bool(include_last_offset)
        self.padding_idx = _check_padding_idx(padding_idx, self.num_embeddings, "EmbeddingBag")
        if _weight is None:
            self.weight = Parameter(zeros(self.num_embeddings, self.embedding_dim, dtype=dtype,
                                          device=device))
            self.reset_parameters()
        else:
            if tuple(_weight.shape) != (self.num_embeddings, self.embedding_dim):
                raise ValueError(f"EmbeddingBag: shape of weight {tuple(_weight.shape)} does "
                                 f"not match num_embeddings and embedding_dim "
                                 f"({self.num_embeddings}, {self.embedding_dim})")
            self.weight = Parameter(_weight)

    def reset_parameters(self) -> None:
        """N(0, 1), then the padding row zeroed (PyTorch's init)."""
        init.normal_(self.weight)
        if self.padding_idx is not None:
            with no_grad():
                self.weight[self.padding_idx] = 0.0

    def forward(self, input: Tensor, offsets: Tensor | None = None,
                per_sample_weights: Tensor | None = None) -> Tensor:
        return embedding_bag(input, self.weight, offsets, self.max_norm, self.norm_type,
                             self.scale_grad_by_freq, self.mode, self.sparse,
                             per_sample_weights, self.include_last_offset, self.padding_idx)

    @classmethod
    def from_pretrained(cls, embeddings: Tensor, freeze: bool = True,
                        max_norm: float | None = None, norm_type: float = 2.0,
                        scale_grad_by_freq: bool = False, mode: str = "mean",
                        sparse: bool = False, include_last_offset: bool = False,
                        padding_idx: int | None = None) -> "EmbeddingBag":
        """An EmbeddingBag whose weight is ``embeddings`` (2-D, memory shared), frozen
        unless ``freeze=False``. >>> nn.EmbeddingBag.from_pretrained(table, mode="sum")"""
        require_tensor(embeddings, "EmbeddingBag.from_pretrained")
        if embeddings.ndim != 2:
            raise ValueError(f"EmbeddingBag.from_pretrained: embeddings parameter is expected "
                             f"to be 2-dimensional, got shape {tuple(embeddings.shape)}")
        rows, cols = embeddings.shape
        bag = cls(rows, cols, max_norm, norm_type, scale_grad_by_freq, mode, sparse,
                  embeddings, include_last_offset, padding_idx)
        bag.weight.requires_grad_(not freeze)
        return bag

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm!r}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type!r}"
        if self.scale_grad_by_freq is not False:
            s += f", scale_grad_by_freq={self.scale_grad_by_freq!r}"
        s += f", mode={self.mode!r}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx!r}"
        return s
