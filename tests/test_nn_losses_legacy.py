"""PyTorch's deprecated ``size_average``/``reduce`` loss arguments (torch 2.13 positional order,
its legacy_get_string mapping and UserWarning) and the loss mismatches found comparing every
loss with torch: weighted mse/l1 'mean', kl_div's legacy path. Pinned without torch: the
expected values are hard-coded or written out in NumPy."""
import inspect
import math
import warnings

import numpy as np
import pytest

import xpgrad as xg
from xpgrad import nn
import xpgrad.nn.functional as F
from xpgrad.nn._losses import legacy_reduction

SA_RD = [(s, r) for s in (None, True, False) for r in (None, True, False)]


def expected(size_average, reduce):
    """torch.nn._reduction.legacy_get_string, written out."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    return "none" if not reduce else ("mean" if size_average else "sum")


def x64(*values):
    return xg.tensor(np.asarray(values, dtype=np.float64))


# ---- the mapping, the warning, the override --------------------------------------------------
@pytest.mark.parametrize("size_average,reduce", SA_RD)
def test_mapping_and_warning(size_average, reduce):
    a, b = x64(1.0, 2.0, 3.0), x64(1.0, 0.0, 5.0)           # squared errors 0, 4, 4
    values = {"mean": 8 / 3, "sum": 8.0, "none": [0.0, 4.0, 4.0]}
    if size_average is None and reduce is None:
        with warnings.catch_warnings():
            warnings.simplefilter("error")                 # no warning without them
            out = F.mse_loss(a, b, size_average, reduce, "sum")
        assert out.item() == 8.0
        return
    want = expected(size_average, reduce)
    with pytest.warns(UserWarning, match=f"size_average and reduce args will be deprecated, "
                                         f"please use reduction='{want}' instead") as rec:
        out = F.mse_loss(a, b, size_average, reduce, reduction="sum")    # overridden
    assert len(rec) == 1 and rec[0].filename == __file__      # points at the caller
    np.testing.assert_allclose(out.numpy(), values[want])


def test_helper_directly():
    assert legacy_reduction(None, None, "sum", "x") == "sum"
    assert legacy_reduction(None, None, "bogus", "x") == "bogus"     # validated by the loss
    with pytest.warns(UserWarning):
        assert legacy_reduction(False, None, "bogus", "x") == "sum"  # ignored, as PyTorch
    with pytest.warns(UserWarning):
        assert legacy_reduction(0, 1, "none", "x") == "sum"          # any truthiness
    with pytest.raises(TypeError, match=r"mse_loss: size_average is a deprecated bool, got "
                                        r"'sum'; pass reduction='sum' by keyword"):
        F.mse_loss(x64(1.0), x64(0.0), "sum")           # the old xpgrad positional reduction
    with pytest.raises(TypeError, match="reduce is a deprecated bool"):
        nn.NLLLoss(None, None, -100, "none")


# ---- every functional loss that has them, against its reduction= form ------------------------
def _inputs():
    rng = np.random.default_rng(0)
    f = lambda *s: xg.tensor(rng.standard_normal(s))              # noqa: E731
    p = xg.tensor(rng.uniform(0.1, 0.9, (3, 4)))
    sign = xg.tensor(rng.choice([-1.0, 1.0], (3, 4)))
    cls = xg.tensor([0, 3, 1])
    logp = F.log_softmax(f(3, 4), dim=1).detach()
    return {
        "mse_loss": (f(3, 4), f(3, 4)), "l1_loss": (f(3, 4), f(3, 4)),
        "smooth_l1_loss": (f(3, 4), f(3, 4)), "binary_cross_entropy": (p, p),
        "binary_cross_entropy_with_logits": (f(3, 4), p), "cross_entropy": (f(3, 4), cls),
        "nll_loss": (logp, cls), "kl_div": (logp, p), "soft_margin_loss": (f(3, 4), sign),
        "multilabel_soft_margin_loss": (f(3, 4), (p > 0.5) * 1.0),
        "multi_margin_loss": (f(3, 4), cls),
        "multilabel_margin_loss": (f(3, 4), xg.tensor([[3, 0, -1, 1], [1, -1, 0, 0],
                                                       [0, 1, 2, 3]])),
        "hinge_embedding_loss": (f(3, 4), sign), "poisson_nll_loss": (f(3, 4), p * 3),
        "cosine_embedding_loss": (f(3, 4), f(3, 4), sign[:, 0]),
        "margin_ranking_loss": (f(4), f(4), sign[0]),
        "triplet_margin_loss": (f(3, 4), f(3, 4), f(3, 4)),
    }


LEGACY_FUNCTIONS = sorted(_inputs())


@pytest.mark.parametrize("name", LEGACY_FUNCTIONS)
@pytest.mark.filterwarnings("ignore:size_average and reduce", "ignore:kl_div")
def test_functional_legacy_equals_reduction(name):
    args = _inputs()[name]
    fn = getattr(F, name)
    for size_average, reduce in SA_RD[1:]:
        got = fn(*args, size_average=size_average, reduce=reduce, reduction="bogus")
        want = fn(*args, reduction=expected(size_average, reduce))
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12)


LOSS_MODULES = ["L1Loss", "MSELoss", "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss",
                "NLLLoss", "KLDivLoss", "SmoothL1Loss", "SoftMarginLoss",
                "MultiLabelSoftMarginLoss", "MultiMarginLoss", "MultiLabelMarginLoss",
                "HingeEmbeddingLoss", "CosineEmbeddingLoss", "MarginRankingLoss",
                "TripletMarginLoss", "PoissonNLLLoss", "NLLLoss2d"]


@pytest.mark.parametrize("name", LOSS_MODULES)
@pytest.mark.parametrize("size_average,reduce", SA_RD)
def test_modules_map_legacy(name, size_average, reduce):
    cls = getattr(nn, name)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        loss = cls(size_average=size_average, reduce=reduce, reduction="sum")
    legacy = [w for w in rec if "size_average" in str(w.message)]
    if size_average is None and reduce is None:
        assert loss.reduction == "sum" and not legacy
    else:
        assert loss.reduction == expected(size_average, reduce)
        assert len(legacy) == 1 and legacy[0].category is UserWarning
        assert legacy[0].filename == __file__


def test_module_positional_slots():
    with pytest.warns(UserWarning):
        ce = nn.CrossEntropyLoss(None, False, 2)           # weight, size_average, ignore_index
    assert (ce.reduction, ce.ignore_index) == ("sum", 2)
    with pytest.warns(UserWarning):
        assert nn.NLLLoss(None, None, 1, False).reduction == "none"
    with pytest.warns(UserWarning):
        assert nn.MSELoss(False).reduction == "sum"
    with pytest.warns(UserWarning):
        assert nn.PoissonNLLLoss(True, False, False, 1e-3).reduction == "sum"
    with pytest.warns(UserWarning):
        mm = nn.MultiMarginLoss(2, 0.5, None, None, False)
    assert (mm.p, mm.margin, mm.reduction) == (2, 0.5, "none")
    with pytest.warns(UserWarning):
        kl = nn.KLDivLoss(reduce=True, reduction="batchmean")   # legacy wins: 'mean'
    assert kl.reduction == "mean"
    assert nn.KLDivLoss(reduction="batchmean").reduction == "batchmean"
    with pytest.warns(FutureWarning), pytest.warns(UserWarning):
        assert nn.NLLLoss2d(None, True, -100, False).reduction == "none"


def test_user_subclass_with_torch_style_super():
    from xpgrad.nn.loss import _Loss

    class Mine(_Loss):
        def __init__(self, size_average=None, reduce=None, reduction="mean"):
            super().__init__(size_average, reduce, reduction)

    with pytest.warns(UserWarning, match="reduction='none'"):
        assert Mine(reduce=False).reduction == "none"


def test_losses_without_legacy_args_refuse_them():
    for call in [lambda: F.huber_loss(x64(1.0), x64(0.0), size_average=True),
                 lambda: F.gaussian_nll_loss(x64(1.0), x64(0.0), 1.0, size_average=True),
                 lambda: nn.HuberLoss(reduce=False), lambda: nn.CTCLoss(reduce=False),
                 lambda: nn.GaussianNLLLoss(size_average=True),
                 lambda: nn.TripletMarginWithDistanceLoss(reduce=False)]:
        with pytest.raises(TypeError):
            call()


# ---- torch 2.13's signatures, pinned ---------------------------------------------------------
LEG = ["size_average", "reduce", "reduction"]
SIGNATURES = {
    "mse_loss": ["input", "target", *LEG, "weight"],
    "l1_loss": ["input", "target", *LEG, "weight"],
    "smooth_l1_loss": ["input", "target", *LEG, "beta"],
    "huber_loss": ["input", "target", "reduction", "delta", "weight"],
    "binary_cross_entropy": ["input", "target", "weight", *LEG],
    "binary_cross_entropy_with_logits": ["input", "target", "weight", *LEG, "pos_weight"],
    "cross_entropy": ["input", "target", "weight", "size_average", "ignore_index", "reduce",
                      "reduction", "label_smoothing"],
    "nll_loss": ["input", "target", "weight", "size_average", "ignore_index", "reduce",
                 "reduction"],
    "kl_div": ["input", "target", *LEG, "log_target"],
    "soft_margin_loss": ["input", "target", *LEG],
    "multilabel_soft_margin_loss": ["input", "target", "weight", *LEG],
    "multi_margin_loss": ["input", "target", "p", "margin", "weight", *LEG],
    "multilabel_margin_loss": ["input", "target", *LEG],
    "hinge_embedding_loss": ["input", "target", "margin", *LEG],
    "cosine_embedding_loss": ["input1", "input2", "target", "margin", *LEG],
    "margin_ranking_loss": ["input1", "input2", "target", "margin", *LEG],
    "triplet_margin_loss": ["anchor", "positive", "negative", "margin", "p", "eps", "swap",
                            *LEG],
    "poisson_nll_loss": ["input", "target", "log_input", "full", "size_average", "eps",
                         "reduce", "reduction"],
    "gaussian_nll_loss": ["input", "target", "var", "full", "eps", "reduction"],
    "ctc_loss": ["log_probs", "targets", "input_lengths", "target_lengths", "blank",
                 "reduction", "zero_infinity"],
    "L1Loss": LEG, "MSELoss": LEG, "BCELoss": ["weight", *LEG],
    "BCEWithLogitsLoss": ["weight", *LEG, "pos_weight"],
    "CrossEntropyLoss": ["weight", "size_average", "ignore_index", "reduce", "reduction",
                         "label_smoothing"],
    "NLLLoss": ["weight", "size_average", "ignore_index", "reduce", "reduction"],
    "NLLLoss2d": ["weight", "size_average", "ignore_index", "reduce", "reduction"],
    "KLDivLoss": [*LEG, "log_target"], "SmoothL1Loss": [*LEG, "beta"],
    "HuberLoss": ["reduction", "delta"], "SoftMarginLoss": LEG,
    "MultiLabelSoftMarginLoss": ["weight", *LEG],
    "MultiMarginLoss": ["p", "margin", "weight", *LEG], "MultiLabelMarginLoss": LEG,
    "HingeEmbeddingLoss": ["margin", *LEG], "CosineEmbeddingLoss": ["margin", *LEG],
    "MarginRankingLoss": ["margin", *LEG],
    "TripletMarginLoss": ["margin", "p", "eps", "swap", *LEG],
    "PoissonNLLLoss": ["log_input", "full", "size_average", "eps", "reduce", "reduction"],
    "GaussianNLLLoss": ["full", "eps", "reduction"],
    "CTCLoss": ["blank", "reduction", "zero_infinity"],
}


@pytest.mark.parametrize("name", sorted(SIGNATURES))
def test_signature_order_as_torch_2_13(name):
    fn = getattr(nn, name).__init__ if name[0].isupper() else getattr(F, name)
    params = inspect.signature(fn).parameters
    assert [p for p in params if p != "self"] == SIGNATURES[name]
    for p in ("size_average", "reduce"):
        if p in params:
            assert params[p].default is None


# ---- mismatches found against torch, fixed ---------------------------------------------------
def test_weighted_mse_and_l1_mean_divides_by_summed_weights():
    a, b = xg.tensor([1.0, 2.0, 3.0], dtype=xg.float64, requires_grad=True), x64(0.0, 0.0, 0.0)
    w = xg.tensor([1.0, 0.0, 3.0], dtype=xg.float64, requires_grad=True)
    assert F.mse_loss(a, b, weight=w).item() == pytest.approx(28 / 4)     # not 28 / 3
    assert F.l1_loss(a, b, weight=w).item() == pytest.approx(10 / 4)
    assert F.mse_loss(a, b, weight=w, reduction="sum").item() == pytest.approx(28.0)
    F.mse_loss(a, b, weight=w).backward()
    d2, wn = np.array([1.0, 4.0, 9.0]), np.array([1.0, 0.0, 3.0])
    np.testing.assert_allclose(a.grad.numpy(), 2 * wn * np.array([1.0, 2.0, 3.0]) / 4)
    np.testing.assert_allclose(w.grad.numpy(), (d2 * 4 - 28) / 16)   # d/dw sum(w l) / sum(w)
    assert xg.gradcheck(lambda a, w: F.l1_loss(a, b + 0.5, weight=w), (a, w))
    # huber_loss keeps PyTorch's plain mean of the weighted terms
    h = F.huber_loss(a, b, weight=w, delta=1.0)
    assert h.item() == pytest.approx((0.5 + 0.0 + 3 * 2.5) / 3)


def test_kl_div_legacy_path_as_torch():
    logp = xg.tensor(np.log([[0.25, 0.75], [0.5, 0.5]]))
    q = x64([0.5, 0.5], [0.5, 0.5])
    terms = (0.5 * (np.log(0.5) - np.log([[0.25, 0.75], [0.5, 0.5]])))
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        out = F.kl_div(logp, q, reduce=True)           # 'mean', without the 'mean' warning
    assert [str(w.message)[:11] for w in rec] == ["size_averag"]
    assert out.item() == pytest.approx(terms.mean())
    with pytest.warns(UserWarning):                    # PyTorch: batchmean still divides by N
        out = F.kl_div(logp, q, size_average=False, reduction="batchmean")
    assert out.item() == pytest.approx(terms.sum() / 2)
    with pytest.warns(UserWarning):
        out = F.kl_div(logp, q, reduce=False, reduction="batchmean")
    np.testing.assert_allclose(out.numpy(), terms / 2)


# ---- edge inputs compared with torch: pinned where ours deliberately differs -----------------
def test_bce_target_gradient_at_exact_probabilities_is_the_clamped_one():
    """PyTorch's target gradient at p = 0 or 1 is +-inf (unclamped logs); ours is that of
    the clamped forward: -(max(log p, -100) - max(log(1 - p), -100))."""
    p = x64(0.0, 1.0, 0.5)
    tgt = xg.tensor([0.0, 1.0, 0.3], dtype=xg.float64, requires_grad=True)
    F.binary_cross_entropy(p, tgt, reduction="sum").backward()
    np.testing.assert_allclose(tgt.grad.numpy(), [100.0, -100.0, 0.0], atol=1e-12)


@pytest.mark.filterwarnings("ignore:invalid value encountered")
def test_margin_losses_on_an_empty_batch_give_nan_mean():
    """torch 2.13 returns uninitialised memory here; ours is the mean of nothing."""
    x = xg.zeros(0, 4, dtype=xg.float64)
    assert math.isnan(F.multi_margin_loss(x, xg.zeros(0, dtype=xg.int64)).item())
    assert math.isnan(F.multilabel_margin_loss(x, xg.zeros(0, 4, dtype=xg.int64)).item())
    assert F.multi_margin_loss(x, xg.zeros(0, dtype=xg.int64), reduction="sum").item() == 0.0
