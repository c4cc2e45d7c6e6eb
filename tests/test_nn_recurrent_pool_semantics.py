"""Recurrent and pooling modules on fixed inputs and weights, against values recorded from
PyTorch 2.13 (float64; no torch needed): unbatched stacked bidirectional LSTM with proj_size,
bias-free batch_first GRU with h0, unbatched cells, pooling with ceil_mode / padding /
count_include_pad / divisor_override / dilation, LPPool with ceil_mode, fractional shapes; and
the constructor / input checks PyTorch makes."""
from __future__ import annotations

import numpy as np
import pytest

import xpgrad as xg
from xpgrad import nn

ATOL = 2e-8
X1 = np.sin(np.arange(14) * 0.7).reshape(1, 2, 7)
X2 = np.cos(np.arange(25) * 0.3).reshape(1, 1, 5, 5)
XS = np.cos(np.arange(12) * 0.9).reshape(4, 3)


def _t(a, grad=False):
    return xg.tensor(a, dtype="float64", requires_grad=grad)


def _close(ours, expected):
    np.testing.assert_allclose(ours.numpy(), np.asarray(expected), rtol=0, atol=ATOL)


POOLS = [
    (lambda: nn.AvgPool1d(3, 2, 1, ceil_mode=True, count_include_pad=False), X1,
     [[[0.32210884, 0.83095893, 0.28247143, -0.6111795],
       [-0.80685963, 0.01417795, 0.83325125, 0.58684864]]]),
    # the last window starts in the right padding's shadow: divisor counts only what it covers
    (lambda: nn.AvgPool1d(2, 2, 1, ceil_mode=True), X1,
     [[[0.0, 0.81483371, 0.59909876, -0.6111795],
       [-0.49122631, -0.30722637, 0.82257742, 0.58684864]]]),
    (lambda: nn.AvgPool2d(3, 2, 1, ceil_mode=True, divisor_override=4), X2,
     [[[[0.4497179, 0.23321004, -0.16437453],
        [-0.56430849, -0.7448607, -0.34706333],
        [0.45918303, 0.96649648, 0.72337052]]]]),
    (lambda: nn.MaxPool1d(3, 2, 1, dilation=2, ceil_mode=True), X1,
     [[[0.86320937, 0.86320937, 0.86320937], [0.6569866, 0.85459891, 0.85459891]]]),
    (lambda: nn.LPPool1d(2, 2, 2, ceil_mode=True), X1,
     [[[0.64421769, 1.31005404, 0.4850422, 1.23259428],
       [1.16778025, 0.65720172, 1.30645159, 0.45127323]]]),
]


@pytest.mark.parametrize("make,x,expected", POOLS, ids=[repr(p[0]()) for p in POOLS])
def test_pool_values(make, x, expected):
    _close(make()(_t(x)), expected)


def test_avg_pool_excluding_padding_gradient():
    x = _t(X2, grad=True)
    nn.AvgPool2d(3, 2, 1, ceil_mode=True, count_include_pad=False)(x).sum().backward()
    edge, mid, centre = [0.25, 0.41666667, 0.16666667], [0.41666667, 0.69444444, 0.27777778], \
        [0.16666667, 0.27777778, 0.11111111]
    row = lambda r: r + r[1::-1]  # noqa: E731  (symmetric: a b c b a)
    _close(x.grad, [[[row(edge), row(mid), row(centre), row(mid), row(edge)]]])


@pytest.mark.parametrize("nd", [2, 3])
def test_fractional_max_pool_shapes(nd):
    x = xg.randn(2, 3, *(9,) * nd)
    y, idx = getattr(nn, f"FractionalMaxPool{nd}d")(2, output_ratio=0.5, return_indices=True)(x)
    assert tuple(y.shape) == tuple(idx.shape) == (2, 3) + (4,) * nd and idx.dtype == xg.int64
    y = getattr(nn, f"FractionalMaxPool{nd}d")(3, output_size=4)(x[0])    # unbatched
    assert tuple(y.shape) == (3,) + (4,) * nd


def _set_weights(module):
    """Parameter i (in named_parameters order) = 0.5 sin(0.37 k + i), k its flat index."""
    module.load_state_dict({n: 0.5 * np.sin(np.arange(int(np.prod(p.shape))) * 0.37 + i)
                            .reshape(tuple(p.shape))
                            for i, (n, p) in enumerate(module.named_parameters())})
    return module


def test_unbatched_stacked_bidirectional_projected_lstm():
    lstm = _set_weights(nn.LSTM(3, 4, 2, bidirectional=True, proj_size=2).double())
    y, (h, c) = lstm(_t(XS))
    _close(y, [[-0.06457912, 0.03716524, 0.15670937, 0.22952711],
               [-0.11159468, 0.08907685, 0.15242756, 0.20770343],
               [-0.12969923, 0.0990105, 0.11613524, 0.18782927],
               [-0.14727031, 0.11822755, 0.08619142, 0.12675428]])
    _close(h, [[-0.09233917, 0.05789644], [0.13705484, 0.56334407],
               [-0.14727031, 0.11822755], [0.15670937, 0.22952711]])
    _close(c, [[-0.45218006, 0.06524917, 0.26376072, 0.11569395],
               [-0.59308782, -0.5689489, -0.75582453, -0.64040799],
               [0.09008627, -0.36353578, -0.48742704, -0.60778994],
               [0.47216964, 0.19138151, 0.15794552, 0.63511881]])


def test_unbatched_bias_free_batch_first_gru_with_h0():
    gru = _set_weights(nn.GRU(3, 2, 2, bias=False, batch_first=True, bidirectional=True)
                       .double())
    assert list(gru.state_dict()) == [f"weight_{k}_l{l}{s}" for l in range(2)
                                      for s in ("", "_reverse") for k in ("ih", "hh")]
    y, h = gru(_t(XS), _t(np.linspace(-1, 1, 8).reshape(4, 2)))
    _close(y, [[0.1949532, 0.45494166, 0.19893094, -0.09189546],
               [0.15578461, 0.24497779, 0.02894519, 0.03152895],
               [0.07636768, 0.1898632, 0.18419371, 0.07312052],
               [0.24384315, 0.08913721, 0.34149513, 0.25491984]])
    _close(h, [[0.46117919, -0.12106748], [0.09501676, 0.32526364],
               [0.24384315, 0.08913721], [0.19893094, -0.09189546]])


def test_unbatched_cells():
    _close(_set_weights(nn.GRUCell(3, 2, bias=False).double())(_t(XS[0])),
           [-0.21995845, -0.22669159])
    h, c = _set_weights(nn.LSTMCell(3, 2).double())(_t(XS[0]),
                                                    (_t([0.5, -0.5]), _t([1.0, 0.25])))
    _close(h, [0.03077547, -0.21359429])
    _close(c, [0.09040457, -0.51618022])


def test_flat_weights_follow_the_names():
    lstm = nn.LSTM(3, 4, 2, proj_size=2, bidirectional=True)
    assert len(lstm._flat_weights) == len(lstm._flat_weights_names) == 20
    for name, w in zip(lstm._flat_weights_names, lstm._flat_weights):
        assert w is getattr(lstm, name)


def test_constructor_checks_as_torch():
    with pytest.raises(ValueError, match="input_size must be greater than zero"):
        nn.RNN(0, 4)
    with pytest.raises(TypeError, match="bias should be of type bool, got: int"):
        nn.LSTM(3, 4, bias=1)
    with pytest.raises(TypeError, match="batch_first should be of type bool, got: int"):
        nn.GRU(3, 4, batch_first=1)
    assert repr(nn.RNNCell(0, 4)) == "RNNCell(0, 4)"          # cells, as torch, allow it


@pytest.mark.parametrize("error", [RuntimeError, ValueError])
def test_empty_sequence_is_a_runtime_error_as_torch(error):
    with pytest.raises(error, match="sequence length larger than 0"):
        nn.LSTM(3, 4)(xg.randn(0, 2, 3))
    with pytest.raises(error, match="sequence length larger than 0"):
        nn.GRU(3, 4, batch_first=True)(xg.randn(2, 0, 3))
