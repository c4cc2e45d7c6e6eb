"""Connectionist temporal classification loss (Graves et al. 2006), as torch's F.ctc_loss.

The forward (alpha) recursion runs in log space over the extended label sequence
(blank, l1, blank, l2, ..., blank), one step per time frame, vectorised over the batch and
the label positions with differentiable Tensor ops, so autograd gives the gradient (and
higher orders). Unreachable states hold a large negative finite number instead of -inf:
logaddexp of -inf with -inf has a NaN gradient, which would poison every frame.

>>> F.ctc_loss(log_probs, targets, input_lengths, target_lengths)   # log_probs: (T, N, C)
"""
from __future__ import annotations

from typing import Any, Sequence

from ..autograd.factories import full, tensor
from ..autograd.ops import where
from ..autograd.ops._util import require_tensor
from ..autograd.tensor import Tensor
from ..autograd.ops.torch_errors import TorchValueError
from ._losses import check_reduction

__all__ = ["ctc_loss"]

_NEG = -1e30            # log(0) stand-in: finite in float32, and exp(_NEG - x) is exactly 0
_IMPOSSIBLE = 1e29      # a loss above this is an alignment that cannot exist: +inf


def ctc_loss(log_probs: Tensor, targets: Tensor, input_lengths: Any, target_lengths: Any,
             blank: int = 0, reduction: str = "mean", zero_infinity: bool = False) -> Tensor:
    """The negative log-likelihood of ``targets`` under every alignment of ``log_probs``.

    ``log_probs`` (T, N, C) (or (T, C) unbatched) are log-softmax outputs; ``targets`` are
    padded (N, S) or the N target sequences concatenated (1-D, of sum(target_lengths));
    ``input_lengths`` and ``target_lengths`` are N lengths (tuples or tensors: they are read
    on the host, which syncs a device, as PyTorch's CUDA kernel does). 'mean' divides each
    loss by its target length (at least 1) and averages over the batch; an impossible
    alignment (too few frames) gives +inf, or 0 when ``zero_infinity``; its gradient is
    zero either way (PyTorch's is NaN without zero_infinity). The gradient of log_probs is
    PyTorch's: that of the logits under a log_softmax (see ``_logit_shift``).

    >>> F.ctc_loss(logits.log_softmax(2), xg.tensor([[1, 2, 2]]), [10], [3])
    """
    name = "ctc_loss"
    check_reduction(reduction, name)
    require_tensor(log_probs, name)
    if not log_probs.dtype.is_floating:
        raise TypeError(f"{name}: log_probs must be floating point, got {log_probs.dtype}")
    if log_probs.ndim not in (2, 3):
        raise ValueError(f"{name}: log_probs must be (T, N, C) or unbatched (T, C), got shape "
                         f"{tuple(log_probs.shape)}")
    unbatched = log_probs.ndim == 2
    if not isinstance(targets, Tensor):
        targets = tensor(targets, dtype="int64", device=log_probs._backend)
    if unbatched:
        log_probs = log_probs.unsqueeze(1)
        if targets.ndim == 1:                  # the one sequence, (S,) -> (1, S)
            targets = targets.unsqueeze(0)
    t_max, n, c = log_probs.shape
    in_len = _lengths(input_lengths, name, "input_lengths")
    tg_len = _lengths(target_lengths, name, "target_lengths")
    _check_lengths(in_len, tg_len, n, t_max, name)
    if not 0 <= blank < c:
        raise ValueError(f"{name}: blank must be in [0, {c}) for {c} classes, got {blank}")
    labels = _padded_targets(targets, tg_len, n, name, log_probs)
    losses = _forward(log_probs, labels, in_len, tg_len, blank) + _logit_shift(log_probs, in_len)
    inf = losses.detach() > _IMPOSSIBLE
    losses = where(inf, 0.0 if zero_infinity else float("inf"), losses)
    if unbatched:
        losses = losses.squeeze(0)
    if reduction == "none":
        return losses
    if reduction == "sum":
        return losses.sum()
    divisor = tensor([max(v, 1) for v in tg_len], dtype=log_probs.dtype,
                     device=log_probs._backend)
    return (losses / (divisor.squeeze(0) if unbatched else divisor)).mean()


def _logit_shift(log_probs: Tensor, in_len: list[int]) -> Tensor:
    """(N,) zeros whose gradient is exp(log_probs) on every frame t < input_length.

    PyTorch's ctc_loss backward returns exp(log_probs) - exp(log_alpha + log_beta + nll -
    log_probs): the gradient of the *logits* under a log_softmax, not that of log_probs
    themselves. Adding this zero-valued term makes ours the same gradient; composed with a
    log_softmax the extra exp(log_probs) cancels (softmax rows sum to 1), so the gradient of
    the logits stays exact either way."""
    t_max, n, _ = log_probs.shape
    p = log_probs.exp()
    frames = tensor([[t < length for length in in_len] for t in range(t_max)],
                    dtype=log_probs.dtype, device=log_probs._backend).unsqueeze(2)
    return ((p - p.detach()) * frames).sum((0, 2))


def _lengths(value: Any, name: str, what: str) -> list[int]:
    if isinstance(value, Tensor):
        if not value.dtype.is_integer:
            raise TypeError(f"{name}: {what} must be integers, got {value.dtype}")
        value = value.tolist()                 # host values: the loop is sized by them
    if isinstance(value, int):
        value = [value]
    return [int(v) for v in value]


def _check_lengths(in_len: Sequence[int], tg_len: Sequence[int], n: int, t_max: int,
                   name: str) -> None:
    if len(in_len) != n or len(tg_len) != n:
        raise ValueError(f"{name}: expected {n} input_lengths and target_lengths (the batch "
                         f"size), got {len(in_len)} and {len(tg_len)}")
    for i, length in enumerate(in_len):
        if not 0 <= length <= t_max:
            raise TorchValueError(f"{name}: expected input_lengths to have value at most {t_max} "
                                  f"(and >= 0), but got value {length} (while checking arguments "
                                  f"for ctc_loss, sample {i})")
    for i, length in enumerate(tg_len):
        if length < 0:
            raise ValueError(f"{name}: target_lengths must be >= 0, got {length} (sample {i})")


def _padded_targets(targets: Tensor, tg_len: list[int], n: int, name: str,
                    log_probs: Tensor) -> Tensor:
    """(N, S_max) int64 labels, S_max = max(target_lengths); past each length any value."""
    if not targets.dtype.is_integer:
        raise TypeError(f"{name}: targets must be integer class indices, got {targets.dtype}")
    if targets._backend is not log_probs._backend:
        raise RuntimeError(f"{name}: log_probs are on {log_probs.device} but targets on "
                           f"{targets.device}")
    s_max = max(tg_len, default=0)
    targets = targets.astype("int64")
    if targets.ndim == 2:
        if targets.shape[0] != n or targets.shape[1] < s_max:
            raise ValueError(f"{name}: padded targets must be (N, S) = ({n}, >= {s_max}) for "
                             f"target_lengths {tg_len}, got shape {tuple(targets.shape)}")
        return targets[:, :s_max]
    if targets.ndim != 1:
        raise ValueError(f"{name}: targets must be (N, S) padded or 1-D concatenated, got "
                         f"shape {tuple(targets.shape)}")
    if targets.shape[0] != sum(tg_len):
        raise ValueError(f"{name}: concatenated targets have {targets.shape[0]} labels but "
                         f"target_lengths sum to {sum(tg_len)}")
    if s_max == 0:
        return full((n, 0), 0, dtype="int64", device=targets._backend)
    index, start = [], 0                       # row i: targets[start : start + len_i], padded
    for length in tg_len:
        index.append([start + min(j, length - 1) if length else 0 for j in range(s_max)])
        start += length
    return targets[tensor(index, dtype="int64", device=targets._backend)]


def _forward(log_probs: Tensor, labels: Tensor, in_len: list[int], tg_len: list[int],
             blank: int) -> Tensor:
    """(N,) losses: -log sum over alignments, by the alpha recursion."""
    t_max, n, c = log_probs.shape
    backend, dtype = log_probs._backend, log_probs.dtype
    s_max = labels.shape[1]
    width = 2 * s_max + 1
    labels = labels.clip(0, c - 1)            # padding past a length: any valid class
    blanks = full((n, s_max), blank, dtype="int64", device=backend)
    ext = _cat([labels.unsqueeze(2), blanks.unsqueeze(2)], 2).reshape(n, 2 * s_max) \
        if s_max else full((n, 0), blank, dtype="int64", device=backend)
    ext = _cat([full((n, 1), blank, dtype="int64", device=backend), ext], 1)
    # ext = blank, l1, blank, l2, ..., blank: (l1, blank) pairs after a leading blank
    if t_max == 0:
        return full((n,), -_NEG, dtype=dtype, device=backend)
    emit = log_probs.gather(2, ext.unsqueeze(0).broadcast_to((t_max, n, width)))   # (T, N, W)
    # s -> s + 2 skips a blank only between two different labels
    skip = [False, False] + [s % 2 == 1 for s in range(2, width)]
    skip_t = tensor([skip], device=backend)
    if width > 2:
        differs = _cat([full((n, 2), False, dtype="bool", device=backend),
                        ext[:, 2:] != ext[:, :-2]], 1)
        skip_t = skip_t & differs
    neg = full((n, width), _NEG, dtype=dtype, device=backend)
    start = tensor([[True, True] + [False] * (width - 2)], device=backend)[:, :width]
    alpha = where(start, emit[0], neg)
    frames = tensor([[t < length for length in in_len] for t in range(t_max)],
                    device=backend).unsqueeze(2)                     # (T, N, 1)
    pad1 = full((n, 1), _NEG, dtype=dtype, device=backend)
    pad2 = full((n, 2), _NEG, dtype=dtype, device=backend)
    for t in range(1, max(in_len, default=0)):
        one = _cat([pad1, alpha[:, :-1]], 1)
        two = where(skip_t, _cat([pad2, alpha[:, :-2]], 1), neg) if width > 2 else neg
        step = alpha.logaddexp(one).logaddexp(two) + emit[t]
        alpha = where(frames[t], step, alpha)
    ends = tensor([[2 * length, max(2 * length - 1, 0)] for length in tg_len],
                  dtype="int64", device=backend)
    last = alpha.gather(1, ends)                                       # (N, 2)
    single = tensor([[False, length == 0] for length in tg_len], device=backend)
    last = where(single, neg[:, :2], last)
    total = last[:, 0].logaddexp(last[:, 1])
    # no frame at all: the empty target has probability 1, any other none
    empty = tensor([length == 0 for length in in_len], device=backend)
    nothing = tensor([0.0 if length == 0 else -_NEG for length in tg_len], dtype=dtype,
                     device=backend)
    return where(empty, nothing, -total)


def _cat(parts: list, dim: int) -> Tensor:
    from ..autograd.ops import cat
    return cat(parts, dim)
