"""Every loss class shared with PyTorch against it, in float64 (skipped without torch): each
with every reduction and its options (weight, ignore_index, label_smoothing, pos_weight,
margin, beta, delta, log_input, full, ...); gradients of the input and, where PyTorch gives
one, of the target. See nn_parity_harness."""
from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from nn_parity_harness import (  # noqa: E402
    Arr, Case, Const, F, Int, LogProb, Mod, Pos, Prob, Sign, check, ids_unique)

REDUCTIONS = ("none", "mean", "sum")


def R(cls, kw=None, inputs=((3, 4), (3, 4)), name="", reductions=REDUCTIONS, **options):
    """One case per reduction."""
    tag = f"{name}-" if name else ""
    return [Case(cls, kw={**(kw or {}), "reduction": r}, inputs=inputs, name=tag + r, **options)
            for r in reductions]


def Edge(value):
    """A fixed input that needs a gradient (probabilities at 0 and 1)."""
    return lambda rng: (np.asarray(value, dtype=np.float64), True)


def SoftTarget(*shape):
    """Class probabilities along dim 1 (rows summing to 1), with a gradient."""
    def make(rng):
        a = np.exp(rng.standard_normal(shape))
        return a / a.sum(axis=1, keepdims=True), True
    return make


# CTC from logits: torch's ctc_loss backward returns the gradient of the logits under a
# log_softmax (exp(log_probs) - ...), not that of log_probs themselves; ours is the true
# one. The two agree once the log_softmax is part of the graph.
LOG_SOFTMAX = lambda xs: [xs[0].log_softmax(-1), *xs[1:]]  # noqa: E731
W5 = Arr([0.5, 1.5, 1.0, 2.0, 0.25])
T5 = Const([1, 0, 4, 1], np.int64)                # class 1 twice: ignore_index=1 drops two
LOGITS = ((4, 5), T5)
CASES = [
    *R("L1Loss"), *R("MSELoss"),
    *R("L1Loss", inputs=(Edge([1.0, 2, 3]), Edge([1.0, 0, 3])), name="equal"),
    *R("SmoothL1Loss", dict(beta=0.5), inputs=(Edge([1.0, 2, 3, 0]), Edge([0.5, 2.5, 3, 0])),
       name="at-beta"),
    *R("HuberLoss", dict(delta=0.5), inputs=(Edge([1.0, 2, 3, 0]), Edge([0.5, 2.5, 3, 0])),
       name="at-delta"),
    *R("HingeEmbeddingLoss", inputs=(Edge([1.0, 0.5, 3, 0]), Const([-1.0, -1, 1, -1])),
       name="at-margin"),
    *R("MarginRankingLoss", dict(margin=0.5), inputs=(Edge([1.0, 0.5, 3, 0]),
                                                      Edge([0.5, 0.5, 3, 0.5]),
                                                      Const([1.0, -1, 1, 1])), name="at-margin"),
    *R("MultiMarginLoss", inputs=(Edge([[1.0, 0.0, 2.0], [0.5, 0.5, -0.5]]),
                                  Const([0, 1], np.int64)), name="at-margin"),
    *R("MultiLabelMarginLoss", inputs=(Edge([[1.0, 0.0, 2.0], [0.5, 0.5, -0.5]]),
                                       Const([[0, -1, 0], [1, -1, 0]], np.int64)),
       name="at-margin"),
    *R("SoftMarginLoss", inputs=(F(3, 4, scale=50.0), Sign(3, 4)), name="large"),
    *R("SmoothL1Loss", dict(beta=0.5)), *R("SmoothL1Loss", dict(beta=0.0), name="beta0"),
    *R("HuberLoss", dict(delta=0.7)),
    *R("BCELoss", inputs=(Prob(3, 4), Prob(3, 4))),
    *R("BCELoss", dict(weight=Arr([1.0, 2.0, 0.5, 3.0])), inputs=(Prob(3, 4), Prob(3, 4)),
       name="weight"),
    *R("BCELoss", inputs=(Edge([[0.0, 1.0, 0.5], [1.0, 0.0, 1e-30]]),
                          Const([[0.0, 0.0, 1.0], [1.0, 1.0, 0.0]])), name="edges",
       rtol=1e-8),         # torch's 1e-12 floor of p (1 - p) is a float32 (9.99999996e-13)
    *R("BCEWithLogitsLoss", inputs=((3, 4), Prob(3, 4))),
    *R("BCEWithLogitsLoss", dict(pos_weight=Arr([2.0])), inputs=(F(3, 4, scale=40.0), Prob(3, 4)),
       name="large-logits"),
    *R("BCEWithLogitsLoss", dict(weight=Arr([[1.0], [2.0], [0.5]]),
                                 pos_weight=Arr([1.0, 3.0, 0.5, 2.0])),
       inputs=(F(3, 4, scale=3.0), Prob(3, 4)), name="weights"),
    *R("CrossEntropyLoss", inputs=LOGITS),
    *R("CrossEntropyLoss", dict(weight=W5, ignore_index=1), inputs=LOGITS, name="weight-ignore"),
    *R("CrossEntropyLoss", dict(label_smoothing=0.2), inputs=LOGITS, name="smoothing"),
    *R("CrossEntropyLoss", dict(weight=W5, ignore_index=1, label_smoothing=0.3), inputs=LOGITS,
       name="all-options"),
    *R("CrossEntropyLoss", dict(weight=W5, label_smoothing=0.1), inputs=((4, 5), SoftTarget(4, 5)),
       name="probabilities"),
    *R("CrossEntropyLoss", dict(weight=W5, ignore_index=0),
       inputs=((2, 5, 3, 2), Int(5, 2, 3, 2)), name="kdim"),
    *R("CrossEntropyLoss", dict(label_smoothing=0.1),
       inputs=((2, 5, 3), SoftTarget(2, 5, 3)), name="kdim-probabilities"),
    *R("CrossEntropyLoss", inputs=((5,), Const(2, np.int64)), name="unbatched"),
    *R("CrossEntropyLoss", dict(ignore_index=1, label_smoothing=0.1),
       inputs=((2, 5), Const([1, 1], np.int64)), name="all-ignored"),
    *R("CrossEntropyLoss", dict(weight=W5), inputs=((4, 5), Const([1, -100, 4, 1], np.int64)),
       name="default-ignore"),
    *R("NLLLoss", inputs=(LogProb(4, 5), T5)),
    *R("NLLLoss", dict(weight=W5, ignore_index=1), inputs=(LogProb(4, 5), T5),
       name="weight-ignore"),
    *R("NLLLoss", dict(weight=W5), inputs=(LogProb(2, 5, 3, dim=1), Int(5, 2, 3)), name="kdim"),
    *R("NLLLoss", dict(weight=W5, ignore_index=2), inputs=(LogProb(2, 5), Const([2, 2], np.int64)),
       name="all-ignored"),
    *R("NLLLoss2d", dict(weight=W5), inputs=(LogProb(2, 5, 3, 2, dim=1), Int(5, 2, 3, 2))),
    *R("KLDivLoss", inputs=(LogProb(3, 4), Prob(3, 4)), reductions=REDUCTIONS + ("batchmean",)),
    *R("KLDivLoss", dict(log_target=True), inputs=(LogProb(3, 4), LogProb(3, 4)),
       reductions=REDUCTIONS + ("batchmean",), name="log_target"),
    *R("KLDivLoss", inputs=(LogProb(2, 3), Const([[0.0, 0.5, 0.5], [1.0, 0.0, 0.0]])),
       name="zero-target"),
    *R("PoissonNLLLoss", inputs=((3, 4), Pos(3, 4, high=4.0))),
    *R("PoissonNLLLoss", dict(full=True), inputs=((3, 4), Pos(3, 4, high=4.0)), name="full"),
    *R("PoissonNLLLoss", dict(log_input=False, eps=1e-3), inputs=(Pos(3, 4), Pos(3, 4, high=4.0)),
       name="rates"),
    *R("PoissonNLLLoss", dict(log_input=False, full=True),
       inputs=(Pos(3, 4), Const([[0.0, 1.0, 2.0, 5.0]] * 3)), name="rates-full"),
    *R("GaussianNLLLoss", inputs=((4, 3), (4, 3), Pos(4, 3))),
    *R("GaussianNLLLoss", dict(full=True, eps=1e-2), inputs=((4, 3), (4, 3), Pos(4, 1, low=0.0)),
       name="full-homoscedastic"),
    *R("GaussianNLLLoss", inputs=((4, 3), (4, 3), Pos(4)), name="var-one-less-dim"),
    *R("GaussianNLLLoss", dict(eps=1e-2), inputs=((4, 3), (4, 3), Pos(4, 3, low=0.0, high=0.03)),
       name="var-clamped"),
    *R("HingeEmbeddingLoss", dict(margin=0.5), inputs=((3, 4), Sign(3, 4))),
    *R("MarginRankingLoss", dict(margin=0.2), inputs=((5,), (5,), Sign(5))),
    *R("CosineEmbeddingLoss", dict(margin=0.3), inputs=((4, 5), (4, 5), Sign(4))),
    *R("CosineEmbeddingLoss", inputs=((5,), (5,), Const(-1.0)), name="unbatched"),
    *R("SoftMarginLoss", inputs=((3, 4), Sign(3, 4))),
    *R("MultiLabelSoftMarginLoss", inputs=((3, 4), Const([[1, 0, 0, 1], [0, 0, 0, 0],
                                                          [1, 1, 1, 0]], np.float64))),
    *R("MultiLabelSoftMarginLoss", dict(weight=Arr([1.0, 2.0, 0.5, 3.0])),
       inputs=((3, 4), Prob(3, 4, grad=False)), name="weight"),
    *R("MultiLabelMarginLoss", inputs=((2, 4), Const([[3, 0, -1, 1], [1, 2, 3, 0]], np.int64))),
    *R("MultiLabelMarginLoss", inputs=((4,), Const([2, -1, 0, 0], np.int64)), name="unbatched"),
    *R("MultiMarginLoss", inputs=((4, 5), T5)),
    *R("MultiMarginLoss", dict(p=2, margin=0.5, weight=W5), inputs=((4, 5), T5), name="p2"),
    *R("MultiMarginLoss", dict(margin=0.7), inputs=((5,), Const(3, np.int64)), name="unbatched"),
    *R("MultiLabelMarginLoss", inputs=((2, 3), Const([[-1, 0, 1], [2, 2, -1]], np.int64)),
       name="empty-and-repeated"),
    *R("TripletMarginLoss", dict(margin=0.5), inputs=((4, 5), (4, 5), (4, 5))),
    *R("TripletMarginLoss", dict(p=1.5, swap=True, eps=1e-3), inputs=((4, 5), (4, 5), (4, 5)),
       name="swap"),
    *R("TripletMarginLoss", inputs=((5,), (5,), (5,)), name="unbatched"),
    *R("TripletMarginWithDistanceLoss", dict(margin=0.5), inputs=((4, 5), (4, 5), (4, 5))),
    *R("TripletMarginWithDistanceLoss",
       dict(distance_function=Mod(lambda n: n.PairwiseDistance(p=1.0)), swap=True),
       inputs=((4, 5), (4, 5), (4, 5)), name="l1-swap"),
    *R("CTCLoss", inputs=((6, 2, 4), Int(4, 2, 3, low=1), Const([6, 5], np.int64),
                          Const([3, 2], np.int64)), pre=LOG_SOFTMAX),
    *R("CTCLoss", dict(blank=3), inputs=((6, 2, 4), Const([0, 0, 1, 2, 2], np.int64),
                                         Const([6, 4], np.int64), Const([3, 2], np.int64)),
       name="concatenated-repeats", pre=LOG_SOFTMAX),
    *R("CTCLoss", inputs=((6, 4), Const([1, 2], np.int64), Const(6, np.int64),
                          Const(2, np.int64)), name="unbatched", pre=LOG_SOFTMAX),
    *R("CTCLoss", inputs=((5, 2, 3), Const([[1, 2], [0, 0]], np.int64), Const([5, 4], np.int64),
                          Const([2, 0], np.int64)), name="empty-target", pre=LOG_SOFTMAX),
    *R("CTCLoss", dict(zero_infinity=True),
       inputs=((6, 2, 4), Const([[1, 1, 2], [1, 2, 3]], np.int64),
               Const([3, 6], np.int64), Const([3, 3], np.int64)), name="zero_infinity",
       pre=LOG_SOFTMAX),
]


pytestmark = pytest.mark.filterwarnings("ignore::UserWarning", "ignore::FutureWarning")


@pytest.mark.parametrize("case", ids_unique(CASES))
def test_loss_matches_torch(case):
    check(torch, case)
