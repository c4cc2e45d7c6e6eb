"""A differential sweep of everyday ops against PyTorch (in the style of tinygrad's
test/test_ops.py), with torch 2.13's values hard-coded so that it runs without torch.

CASES: (name, expression in T (torch / xpgrad) and F (its nn.functional), output shape,
forward value, gradient of sum(out * w) for w = linspace(0.5, 1.5) over the output) on one
fixed float64 input. The targeted tests below pin the fixes this sweep led to: PyTorch's
exception types, 0-d tensors taking dim 0 / -1, logsumexp over an empty dim, var's slope
when the correction exceeds the count, sinc's slope near 0, integer max pooling, det's
slope at singular matrices."""
import math

import numpy as np
import pytest

import xpgrad as xg
import xpgrad.nn.functional as F

X = [[-1.5, -0.3, 0.0, 0.7], [1.2, 2.5, -2.0, 0.4], [0.1, -0.8, 3.0, -1.1]]

CASES = [
    ('sum_dim1', 'x.sum(1)', (3,),
     [-1.1, 2.1, 1.2],
     [[0.5, 0.5, 0.5, 0.5], [1.0, 1.0, 1.0, 1.0], [1.5, 1.5, 1.5, 1.5]]),
    ('sum_0d_dim0', 'x[0, 0].sum(0)', (),
     -1.5,
     [[0.5, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]]),
    ('mean_0d_dimm1', 'x[1, 1].mean(-1)', (),
     2.5,
     [[0.0, 0.0, 0.0, 0.0], [0.0, 0.5, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]]),
    ('prod_dim0', 'x.prod(0)', (4,),
     [-0.18, 0.6, -0.0, -0.308],
     [[0.06, -1.6666667, -7.0, -0.66], [-0.075, 0.2, 0.0, -1.155], [-0.9, -0.625, -0.0, 0.42]]),
    ('amax_ties', 'T.amax(T.round(x), 1)', (3,),
     [1.0, 2.0, 3.0],
     [[0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]]),
    ('max_dim', 'x.max(1)[0]', (3,),
     [0.7, 2.5, 3.0],
     [[0.0, 0.0, 0.0, 0.5], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.5, 0.0]]),
    ('logsumexp_dim1', 'T.logsumexp(x, 1)', (3,),
     [1.380704, 2.8408179, 3.0898102],
     [[0.0280476, 0.0931214, 0.1257007, 0.2531302], [0.1938214, 0.7111884, 0.0079006, 0.0870896], [0.0754455, 0.0306738, 1.371157, 0.0227237]]),
    ('logsumexp_0d', 'T.logsumexp(x[0, 3], 0)', (),
     0.7,
     [[0.0, 0.0, 0.0, 0.5], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]]),
    ('softmax_0d', 'x[0, 3].softmax(0)', (),
     1.0,
     [[0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]]),
    ('log_softmax_0d', 'x[0, 3].log_softmax(-1)', (),
     0.0,
     [[0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]]),
    ('softmax_dim0', 'x.softmax(0)', (3, 4),
     [[0.0480013, 0.055398, 0.0471234, 0.5246267], [0.7142466, 0.9110013, 0.0063775, 0.388653], [0.2377521, 0.0336006, 0.9464991, 0.0867202]],
     [[-0.0207671, -0.0197056, -0.0325473, -0.1072325], [-0.0492832, 0.0072209, -0.0020857, 0.0618886], [0.0700503, 0.0124847, 0.034633, 0.0453438]]),
    ('log_softmax_dim1', 'x.log_softmax(1)', (3, 4),
     [[-2.880704, -1.680704, -1.380704, -0.680704], [-1.6408179, -0.3408179, -4.8408179, -2.4408179], [-2.9898102, -3.8898102, -0.0898102, -4.1898102]],
     [[0.3572121, 0.1168365, 0.0418871, -0.5159357], [0.0883506, -1.8902081, 1.0138522, 0.7880053], [0.9529256, 1.2066406, -3.5769344, 1.4173682]]),
    ('var_dim1', 'x.var(1)', (3,),
     [0.8425, 3.5825, 3.5],
     [[-0.4083333, -0.0083333, 0.0916667, 0.325], [0.45, 1.3166667, -1.6833333, -0.0833333], [-0.2, -1.1, 2.7, -1.4]]),
    ('std_c0', 'x.std(0, correction=0)', (4,),
     [1.1085526, 1.4522014, 2.0548047, 0.7874008],
     [[-0.2154962, -0.1466484, -0.0630861, 0.4445004], [0.1904385, 0.388937, -0.4416028, 0.2540003], [0.0250577, -0.2422886, 0.5046889, -0.6985007]]),
    ('var_keep', 'x.var(1, keepdim=True, correction=2)', (3, 1),
     [[1.26375], [5.37375], [5.25]],
     [[-0.6125, -0.0125, 0.1375, 0.4875], [0.675, 1.975, -2.525, -0.125], [-0.3, -1.65, 4.05, -2.1]]),
    ('cumsum', 'T.cumsum(x, 1)', (3, 4),
     [[-1.5, -1.8, -1.8, -1.1], [1.2, 3.7, 1.7, 2.1], [0.1, -0.7, 2.3, 1.2]],
     [[2.5454545, 2.0454545, 1.4545455, 0.7727273], [4.0, 3.1363636, 2.1818182, 1.1363636], [5.4545455, 4.2272727, 2.9090909, 1.5]]),
    ('cumprod', 'T.cumprod(x, 0)', (3, 4),
     [[-1.5, -0.3, 0.0, 0.7], [-1.8, -0.75, -0.0, 0.28], [-0.18, 0.6, -0.0, -0.308]],
     [[1.6836364, 0.3409091, -9.8636364, 0.5672727], [-1.4795455, 0.03, 0.0, -0.3595455], [-2.2090909, -0.9886364, 0.0, 0.42]]),
    ('logcumsumexp', 'T.logcumsumexp(x, 1)', (3, 4),
     [[-1.5, -0.0367175, 0.6749569, 1.380704], [1.2, 2.7410085, 2.7497004, 2.8408179], [0.1, 0.4411539, 3.0745452, 3.0898102]],
     [[0.7575906, 0.8552309, 0.5414318, 0.3912012], [1.5102803, 2.3727286, 0.0180256, 0.0989654], [2.3118421, 0.440953, 2.6790266, 0.0227237]]),
    ('cummax', 'T.cummax(x, 1).values', (3, 4),
     [[-1.5, -0.3, 0.0, 0.7], [1.2, 2.5, 2.5, 2.5], [0.1, 0.1, 3.0, 3.0]],
     [[0.5, 0.5909091, 0.6818182, 0.7727273], [0.8636364, 3.1363636, 0.0, 0.0], [2.5454545, 0.0, 2.9090909, 0.0]]),
    ('sort_desc', 'T.sort(x, 1, descending=True).values', (3, 4),
     [[0.7, 0.0, -0.3, -1.5], [2.5, 1.2, 0.4, -2.0], [3.0, 0.1, -0.8, -1.1]],
     [[0.7727273, 0.6818182, 0.5909091, 0.5], [0.9545455, 0.8636364, 1.1363636, 1.0454545], [1.3181818, 1.4090909, 1.2272727, 1.5]]),
    ('topk', 'T.topk(x, 2).values', (3, 2),
     [[0.7, 0.0], [2.5, 1.2], [3.0, 0.1]],
     [[0.0, 0.0, 0.7, 0.5], [1.1, 0.9, 0.0, 0.0], [1.5, 0.0, 1.3, 0.0]]),
    ('median_dim', 'T.median(x, 1).values', (3,),
     [-0.3, 0.4, -0.8],
     [[0.0, 0.5, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0], [0.0, 1.5, 0.0, 0.0]]),
    ('quantile', 'T.quantile(x, 0.3, dim=1)', (3,),
     [-0.42, 0.16, -0.83],
     [[0.05, 0.45, 0.0, 0.0], [0.0, 0.0, 0.1, 0.9], [0.0, 1.35, 0.0, 0.15]]),
    ('norm', 'x.norm(dim=0)', (4,),
     [1.9235384, 2.641969, 3.6055513, 1.3638182],
     [[-0.3899064, -0.0946264, 0.0, 0.7698974], [0.3119251, 0.7885533, -0.6471502, 0.4399413], [0.0259938, -0.2523371, 0.9707253, -1.2098387]]),
    ('sinc', 'T.sinc(x * 1e-3)', (3, 4),
     [[0.9999963, 0.9999999, 1.0, 0.9999992], [0.9999976, 0.9999897, 0.9999934, 0.9999997], [1.0, 0.9999989, 0.9999852, 0.999998]],
     [[2.5e-06, 6e-07, 0.0, -1.8e-06], [-3.4e-06, -7.9e-06, 6.9e-06, -1.5e-06], [-4e-07, 3.5e-06, -1.39e-05, 5.4e-06]]),
    ('sinc_plain', 'T.sinc(x)', (3, 4),
     [[-0.2122066, 0.8583937, 1.0, 0.367883], [-0.1559149, 0.127324, -0.0, 0.7568267], [0.9836316, 0.2338723, 0.0, -0.0894211]],
     [[-0.0707355, 0.5330166, 0.0, -1.0549585], [-0.4700356, -0.0486146, -0.5227273, -1.2721867], [-0.3997856, 1.7183972, -0.469697, 1.1749574]]),
    ('gelu_tanh', "F.gelu(x, approximate='tanh')", (3, 4),
     [[-0.1004284, -0.1146291, 0.0, 0.5305701], [1.0617028, 2.4849157, -0.0454023, 0.2621612], [0.0539828, -0.1695683, 2.9963626, -0.149419]],
     [[-0.0638554, 0.1581891, 0.3409091, 0.7544579], [0.9653089, 0.990772, -0.0900129, 0.9121123], [0.7112313, -0.0258149, 1.4254141, -0.1554892]]),
    ('mish', 'F.mish(x)', (3, 4),
     [[-0.2980997, -0.1511332, 0.0, 0.5611484], [1.0779459, 2.4713923, -0.2525015, 0.2890305], [0.0631794, -0.2839633, 2.986535, -0.3076484]],
     [[-0.0320489, 0.2413928, 0.4090909, 0.7486142], [0.9295756, 0.9938055, -0.1132803, 0.9511563], [0.8140952, 0.1821495, 1.4388325, 0.0396824]]),
    ('softplus_beta', 'F.softplus(x, beta=3, threshold=2)', (3, 4),
     [[0.0036826, 0.113718, 0.2310491, 0.7], [1.2, 2.5, 0.0008252, 0.4877608], [0.2847851, 0.0289454, 3.0, 0.0120731]],
     [[0.0054935, 0.1708026, 0.3409091, 0.7727273], [0.8636364, 0.9545455, 0.002585, 0.8733236], [0.7049976, 0.1096367, 1.4090909, 0.0533568]]),
    ('hardswish', 'F.hardswish(x * 2)', (3, 4),
     [[-0.0, -0.24, 0.0, 1.0266667], [2.16, 5.0, -0.0, 0.5066667], [0.1066667, -0.3733333, 6.0, -0.2933333]],
     [[0.0, 0.3545455, 0.6818182, 1.4939394], [2.2454545, 1.9090909, 0.0, 1.7424242], [1.3909091, -0.0878788, 2.8181818, -0.7]]),
    ('celu', 'F.celu(x, 2.0)', (3, 4),
     [[-1.0552669, -0.278584, 0.0, 0.7], [1.2, 2.5, -1.2642411, 0.4], [0.1, -0.6593599, 3.0, -0.8461004]],
     [[0.2361833, 0.5086002, 0.6818182, 0.7727273], [0.8636364, 0.9545455, 0.3846012, 1.1363636], [1.2272727, 0.8836037, 1.4090909, 0.8654247]]),
    ('selu', 'F.selu(x)', (3, 4),
     [[-1.3658144, -0.4556673, 0.0, 0.7354907], [1.2608412, 2.6267525, -1.5201665, 0.4202804], [0.1050701, -0.9681344, 3.152103, -1.1728789]],
     [[0.1961425, 0.7696189, 1.1987041, 0.8119053], [0.9074236, 1.0029419, 0.248748, 1.1939784], [1.2894967, 1.0413174, 1.4805332, 0.8778306]]),
    ('logsigmoid', 'F.logsigmoid(x)', (3, 4),
     [[-1.7014133, -0.8543552, -0.6931472, -0.403186], [-0.2632825, -0.0788897, -2.126928, -0.5130153], [-0.6443967, -1.1711007, -0.0485874, -1.3873353]],
     [[0.4087872, 0.3394433, 0.3409091, 0.2564004], [0.1999104, 0.0724101, 0.9208333, 0.4560367], [0.5829801, 0.9095118, 0.0668274, 1.1253902]]),
    ('glu', 'F.glu(x, 1)', (3, 2),
     [[-0.75, -0.2004563], [0.1430435, 1.4967192], [0.0952574, -0.1997919]],
     [[0.25, 0.4677314, -0.1875, -0.0465597], [0.1072826, 0.6585564, 0.1133931, 0.6607171], [1.2383464, 0.3746098, 0.005873, -0.2248439]]),
    ('normalize', 'F.normalize(x, dim=1)', (3, 4),
     [[-0.8916574, -0.1783315, 0.0, 0.4161068], [0.3485957, 0.7262411, -0.5809929, 0.1161986], [0.0303449, -0.2427589, 0.9103457, -0.3337934]],
     [[0.1754863, 0.3269124, 0.4052988, 0.5161474], [0.1983332, 0.1678127, 0.3912843, 0.3125929], [0.3678164, 0.436782, 0.2896554, 0.5057476]]),
    ('tril', 'x.tril(-1)', (3, 4),
     [[0.0, 0.0, 0.0, 0.0], [1.2, 0.0, 0.0, 0.0], [0.1, -0.8, 0.0, 0.0]],
     [[0.0, 0.0, 0.0, 0.0], [0.8636364, 0.0, 0.0, 0.0], [1.2272727, 1.3181818, 0.0, 0.0]]),
    ('roll', 'T.roll(x, (1, -1), (0, 1))', (3, 4),
     [[-0.8, 3.0, -1.1, 0.1], [-0.3, 0.0, 0.7, -1.5], [2.5, -2.0, 0.4, 1.2]],
     [[1.1363636, 0.8636364, 0.9545455, 1.0454545], [1.5, 1.2272727, 1.3181818, 1.4090909], [0.7727273, 0.5, 0.5909091, 0.6818182]]),
    ('repeat_interleave', 'x.repeat_interleave(2, 0)', (6, 4),
     [[-1.5, -0.3, 0.0, 0.7], [-1.5, -0.3, 0.0, 0.7], [1.2, 2.5, -2.0, 0.4], [1.2, 2.5, -2.0, 0.4], [0.1, -0.8, 3.0, -1.1], [0.1, -0.8, 3.0, -1.1]],
     [[1.173913, 1.2608696, 1.3478261, 1.4347826], [1.8695652, 1.9565217, 2.0434783, 2.1304348], [2.5652174, 2.6521739, 2.7391304, 2.826087]]),
    ('diag_embed', 'T.diag_embed(x[0])', (4, 4),
     [[-1.5, 0.0, 0.0, 0.0], [0.0, -0.3, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.7]],
     [[0.5, 0.8333333, 1.1666667, 1.5], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]]),
    ('einsum', "T.einsum('ij,kj->ik', x, x)", (3, 3),
     [[2.83, -2.27, -0.68], [-2.27, 11.85, -8.32], [-0.68, -8.32, 10.86]],
     [[0.5, 1.85, 3.0, -0.9], [0.4, 2.55, 3.5, -0.9], [0.3, 3.25, 4.0, -0.9]]),
    ('matmul_vec', 'x @ x[0]', (3,),
     [2.83, -2.27, -0.68],
     [[-0.15, 1.0, 2.5, -0.55], [-1.5, -0.3, 0.0, 0.7], [-2.25, -0.45, 0.0, 1.05]]),
    ('det', 'T.linalg.det(x[:, :3])', (),
     -7.71,
     [[2.95, -1.9, -0.605, 0.0], [0.45, -2.25, -0.615, 0.0], [0.3, -1.5, -1.695, 0.0]]),
    ('inv', 'T.linalg.inv(x[:, :3])', (3, 3),
     [[-0.7652399, -0.1167315, -0.077821], [0.4928664, 0.5836576, 0.3891051], [0.156939, 0.1595331, 0.4396887]],
     [[0.2310385, -0.3391527, -0.1701264, 0.0], [0.6468745, -1.0618695, -0.5741829, 0.0], [0.8425121, -1.3753362, -0.7411436, 0.0]]),
    ('avg_pool', 'F.avg_pool1d(x[None], 2, stride=1, padding=1, count_include_pad=False)', (1, 3, 5),
     [[[-1.5, -0.9, -0.15, 0.35, 0.7], [1.2, 1.85, 0.25, -0.8, 0.4], [0.1, -0.35, 1.1, 0.95, -1.1]]],
     [[0.7857143, 0.6071429, 0.6785714, 1.1428571], [1.3214286, 0.9642857, 1.0357143, 1.6785714], [1.8571429, 1.3214286, 1.3928571, 2.2142857]]),
    ('max_pool', 'F.max_pool1d(x[None], 2, stride=1, padding=1)', (1, 3, 5),
     [[[-1.5, -0.3, 0.0, 0.7, 0.7], [1.2, 2.5, 2.5, 0.4, 0.4], [0.1, 0.1, 3.0, 3.0, -1.1]]],
     [[0.5, 0.5714286, 0.6428571, 1.5], [0.8571429, 1.9285714, 0.0, 2.2142857], [2.5, 0.0, 2.7857143, 1.5]]),
    ('interp_linear', "F.interpolate(x[None], size=6, mode='linear')", (1, 3, 6),
     [[[-1.5, -0.9, -0.25, -0.05, 0.35, 0.7], [1.2, 1.85, 1.75, -1.25, -0.8, 0.4], [0.1, -0.35, -0.1666667, 2.3666667, 0.95, -1.1]]],
     [[0.7794118, 0.9068627, 1.0343137, 1.1617647], [1.3088235, 1.4362745, 1.5637255, 1.6911765], [1.8382353, 1.9656863, 2.0931373, 2.2205882]]),
    ('mse', 'F.mse_loss(x, x.flip(0))', (),
     2.5083333,
     [[-0.2666667, 0.0833333, -0.5, 0.3], [0.0, 0.0, 0.0, 0.0], [0.2666667, -0.0833333, 0.5, -0.3]]),
    ('huber', 'F.huber_loss(x, x.flip(1), delta=0.5)', (),
     0.945,
     [[-0.0416667, -0.025, 0.025, 0.0416667], [0.0416667, 0.0416667, -0.0416667, -0.0416667], [0.0416667, -0.0416667, 0.0416667, -0.0416667]]),
    ('ce_smooth', 'F.cross_entropy(x, T.tensor([3, 1, 2], device=x.device), label_smoothing=0.2)', (),
     0.7471107,
     [[0.0010159, 0.0227071, 0.0335669, -0.0572899], [0.0239702, -0.0231353, -0.0070166, 0.0061816], [4.95e-05, -0.0049251, 0.0106841, -0.0058085]]),
    ('bce_logits', 'F.binary_cross_entropy_with_logits(x, (x > 0).float())', (),
     0.3488031,
     [[0.0076011, 0.0177316, 0.0208333, -0.0138255], [-0.0096448, -0.0031608, 0.0049668, -0.0167213], [-0.0197925, 0.0129177, -0.0019761, 0.0104058]]),
]


def _close(got, want, atol=1e-6):
    np.testing.assert_allclose(np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64),
                               rtol=1e-5, atol=atol)


@pytest.mark.parametrize("name,expr,shape,value,grad", CASES, ids=[c[0] for c in CASES])
def test_matches_torch(device, name, expr, shape, value, grad):
    x = xg.tensor(X, dtype=xg.float64, device=device, requires_grad=True)
    y = eval(expr, {"T": xg, "F": F, "x": x})
    assert tuple(y.shape) == shape and y.dtype == xg.float64
    _close(y.detach().numpy(), value)
    w = xg.tensor(np.linspace(0.5, 1.5, max(y.size, 1)).reshape(shape), dtype=xg.float64,
                  device=device)
    (g,) = xg.autograd.grad((y * w).sum(), [x])
    _close(g.numpy(), grad)


# ---- exception types: PyTorch's, and still the ValueError our API promised --------------
def _t(*shape):
    return xg.ones(*shape)


ERRORS = [
    ("sum_dim_out_of_range", lambda: _t(3, 4).sum(5), IndexError),
    ("sum_0d_dim1", lambda: xg.tensor(1.0).sum(1), IndexError),
    ("cumsum_dim", lambda: xg.cumsum(_t(4), dim=1), IndexError),
    ("cummax_dim", lambda: xg.cummax(_t(4), dim=-2), IndexError),
    ("max_empty", lambda: _t(3, 0).max(), RuntimeError),
    ("max_empty_dim", lambda: _t(3, 0).max(1), IndexError),
    ("amax_empty_dim", lambda: xg.amax(_t(3, 0), 1), IndexError),
    ("mean_int", lambda: xg.tensor([1, 2]).mean(), RuntimeError),
    ("var_int", lambda: xg.tensor([1, 2]).var(), RuntimeError),
    ("topk_k", lambda: xg.topk(_t(4, 7), 8), RuntimeError),
    ("kthvalue_k", lambda: xg.kthvalue(_t(4, 7), 8), RuntimeError),
    ("quantile_q", lambda: xg.quantile(_t(9), 1.5), RuntimeError),
    ("gelu_mode", lambda: F.gelu(_t(3), approximate="typo"), RuntimeError),
    ("glu_odd", lambda: F.glu(_t(4, 5)), RuntimeError),
    ("tril_1d", lambda: _t(3).tril(), RuntimeError),
    ("repeat_few", lambda: _t(4, 6, 3).repeat(2, 4), RuntimeError),
    ("meshgrid_indexing", lambda: xg.meshgrid(_t(3), indexing="bad"), RuntimeError),
    ("einsum_arity", lambda: xg.einsum("ij,jk->ij", _t(2, 3), _t(3, 2), _t(2, 2)), RuntimeError),
    ("einsum_sizes", lambda: xg.einsum("ij,jk->ik", _t(2, 3), _t(4, 2)), RuntimeError),
    ("matmul_shapes", lambda: _t(2, 4) @ _t(1, 3), RuntimeError),
    ("matmul_0d", lambda: xg.tensor(1.0) @ xg.tensor(2.0), RuntimeError),
    ("conv_kernel_too_big", lambda: F.conv2d(_t(2, 16, 2, 2), _t(32, 16, 3, 3)), RuntimeError),
    ("conv_padding_len", lambda: F.conv2d(_t(1, 1, 4, 4), _t(1, 1, 2, 2), padding=(1, 1, 1)),
     RuntimeError),
    ("max_pool_pad", lambda: F.max_pool2d(_t(1, 1, 6, 6), 2, padding=2), RuntimeError),
    ("gelu_int", lambda: F.gelu(xg.ones(2, dtype=xg.int64)), RuntimeError),
    ("inv_not_square", lambda: xg.linalg.inv(_t(3, 4)), RuntimeError),
    ("det_int", lambda: xg.linalg.det(xg.ones(2, 2, dtype=xg.int64)), RuntimeError),
    ("bce_range", lambda: F.binary_cross_entropy(xg.tensor([1.5]), xg.tensor([1.0])),
     RuntimeError),
]


@pytest.mark.parametrize("name,fn,exc", ERRORS, ids=[e[0] for e in ERRORS])
def test_error_types(name, fn, exc):
    with pytest.raises(exc) as info:
        fn()
    assert isinstance(info.value, (ValueError, TypeError))     # what our API promised


# ---- 0-d tensors and empty dims --------------------------------------------------------
@pytest.mark.parametrize("op,value,slope", [
    (lambda s: s.sum(0), 2.0, 1.0), (lambda s: s.mean(-1), 2.0, 1.0),
    (lambda s: xg.logsumexp(s, 0), 2.0, 1.0), (lambda s: s.softmax(0), 1.0, 0.0),
    (lambda s: s.log_softmax(-1), 0.0, 0.0), (lambda s: s.prod(0), 2.0, 1.0),
])
def test_scalar_takes_dim_0(device, op, value, slope):
    s = xg.tensor(2.0, device=device, requires_grad=True)
    y = op(s)
    assert y.shape == () and y.item() == value
    (g,) = xg.autograd.grad(y, [s])
    assert g.item() == slope


def test_logsumexp_over_an_empty_dim_is_minus_inf(device):
    x = xg.zeros(3, 0, device=device, requires_grad=True)
    y = xg.logsumexp(x, 1)
    assert y.shape == (3,) and y.tolist() == [-math.inf] * 3
    assert xg.logsumexp(x, 0).shape == (0,)
    assert xg.logsumexp(xg.zeros(0, device=device), 0).item() == -math.inf
    y.sum().backward()
    assert x.grad.shape == (3, 0)


# ---- var/std: the correction larger than the count (torch's slopes) ---------------------
@pytest.mark.filterwarnings("ignore::RuntimeWarning")      # 0 / 0 and x / 0 on purpose
def test_var_slope_when_correction_exceeds_count(device):
    x = xg.arange(30.0, dtype=xg.float64, device=device).reshape(1, 2, 3, 1, 5)
    x.requires_grad_(True)
    y = x.var(dim=(0, 3), correction=5)                  # n = 1: 0 / 0
    assert y.shape == (2, 3, 5) and np.isnan(y.detach().numpy()).all()
    (g,) = xg.autograd.grad(y, [x], grad_outputs=xg.ones_like(y))
    assert (g.numpy() == 0).all() and np.signbit(g.numpy()).all()        # -0, as torch
    x = xg.arange(20.0, dtype=xg.float64, device=device).reshape(10, 2).requires_grad_(True)
    y = x.var(correction=50)                             # no dim: divisor max(n - 50, 0)
    assert y.item() == math.inf
    (g,) = xg.autograd.grad(y, [x])
    assert (g.numpy() == math.inf).all()


def test_sinc_slope_near_zero(device):
    x = xg.tensor([-4.1674526e-04, 1e-3, 0.3, -0.2], dtype=xg.float64, device=device,
                  requires_grad=True)
    (g,) = xg.autograd.grad(xg.sinc(x).sum(), [x])
    _close(g.numpy(), [0.0013710367157221673, -0.0032898648867414845, -0.9020281301388888,
                       0.6323614470684578], atol=1e-12)
    x32 = xg.tensor([-4.1674526e-04, 0.0], device=device, requires_grad=True)
    (g,) = xg.autograd.grad(xg.sinc(x32).sum(), [x32])
    _close(g.numpy(), [0.0013710367, 0.0], atol=2e-6)


def test_max_pool_of_integers(device):
    a = xg.tensor([[[[3, -7, 2], [9, 1, -4], [0, 5, -2]]]], dtype=xg.int32, device=device)
    y, idx = F.max_pool2d(a, 2, stride=1, padding=1, return_indices=True)
    assert y.dtype == xg.int32
    assert y.tolist() == [[[[3, 3, 2, 2], [9, 9, 2, 2], [9, 9, 5, -2], [0, 5, 5, -2]]]]
    assert idx.tolist() == [[[[0, 0, 2, 2], [3, 3, 2, 2], [3, 3, 7, 8], [6, 7, 7, 8]]]]


def test_det_slope_at_a_singular_matrix(device):
    # the cofactor matrix (PyTorch 2.13 returns zeros here, which is not the derivative)
    a = xg.tensor([[1.0, 2.0], [2.0, 4.0]], dtype=xg.float64, device=device, requires_grad=True)
    xg.linalg.det(a).backward()
    _close(a.grad.numpy(), [[4.0, -2.0], [-2.0, 1.0]], atol=1e-9)
    b = xg.tensor([[2.0, 1.0], [1.0, 3.0]], dtype=xg.float64, device=device, requires_grad=True)
    xg.linalg.det(b).backward()
    _close(b.grad.numpy(), [[3.0, -1.0], [-1.0, 2.0]], atol=1e-9)
