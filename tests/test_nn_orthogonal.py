"""nn.utils.parametrizations.orthogonal, as torch's: the three maps, the dynamic
trivialization (``base``), right_inverse (assignment), Linear, batches of matrices and
parametrize.cached(). Expected values were computed with torch 2.13 (float64) and are
hard-coded, so the tests run without torch."""
import numpy as np
import pytest

import xpgrad as xg
from xpgrad import nn

P = nn.utils.parametrizations
parametrize = nn.utils.parametrize

W0 = [[2.0, -1.0, 0.5], [1.0, 3.0, -2.0], [0.0, 1.0, 1.5]]
X = [[0.1, -0.2, 0.3], [0.4, 0.5, -0.6], [-0.7, 0.8, 0.9]]
G = [[1.0, 2.0, -1.0], [0.5, -0.5, 1.5], [2.0, 0.0, -1.0]]
QR_W0 = [[0.894427190999916, -0.426006433615129, 0.136082763487954],
         [0.447213595499958, 0.852012867230258, -0.272165526975909],
         [0.0, 0.304290309725092, 0.95257934441568]]

# (map, use_trivialization): (initial weight, weight at the set original, d sum(W*G)/d original)
TORCH = {
    ("matrix_exp", True): (QR_W0, [
        [0.334090925185794, -0.230151716934088, 0.914009540924378],
        [0.916003671384523, 0.307770645368576, -0.257321790487095],
        [-0.222082254398173, 0.923204970221511, 0.313643197343293]], [
        [0.0, 0.0, 0.0], [0.646345532369249, 0.0, 0.0],
        [0.039296431273504, 2.547462210695028, 0.0]]),
    ("matrix_exp", False): ([
        [0.577971847382687, -0.698455998636608, 0.422028152617313],
        [0.698455998636608, 0.155943694765374, -0.698455998636608],
        [0.422028152617313, 0.698455998636608, 0.577971847382687]], [
        [0.708469303123528, -0.068214736776541, 0.702437183111893],
        [0.570544552932925, 0.641192988459725, -0.513176835670371],
        [-0.415391573879673, 0.764341743748562, 0.493185096199362]], [
        [0.0, 0.0, 0.0], [-0.183701072135258, 0.0, 0.0],
        [0.592863495511431, 1.570310985236551, 0.0]]),
    ("cayley", True): (QR_W0, [
        [0.400016677414467, -0.281591228923455, 0.872177182448422],
        [0.886528314400585, 0.360287820947118, -0.290276133781669],
        [-0.23249560330541, 0.889325061982712, 0.393759734575665]], [
        [0.0, 0.0, 0.0], [0.374019392287983, 0.0, 0.0],
        [0.369831171029565, 1.882346868529367, 0.0]]),
    ("cayley", False): ([
        [2 / 3, -2 / 3, 1 / 3], [2 / 3, 1 / 3, -2 / 3], [1 / 3, 2 / 3, 2 / 3]], [
        [0.754253308128544, -0.090737240075614, 0.650283553875236],
        [0.514177693761815, 0.697542533081286, -0.499054820415879],
        [-0.408317580340265, 0.710775047258979, 0.572778827977316]], [
        [0.0, 0.0, 0.0], [-0.31271329076154, 0.0, 0.0],
        [0.807172644465965, 1.132607444941949, 0.0]]),
    ("householder", True): (QR_W0, [
        [-0.132285756924405, 0.492817161668889, 0.860018443801967],
        [0.738888963621493, 0.627375540697546, -0.245851643014272],
        [-0.660714445092048, 0.602935465948953, -0.447130010117445]], [
        [0.0, 0.0, 0.0], [1.44345766192567, 0.0, 0.0],
        [1.613234937274553, 2.436161006929992, 0.0]]),
    ("householder", False): (QR_W0, [
        [0.212121212121212, 0.721359940872136, 0.659275683665928],
        [0.484848484848485, 0.508056171470806, -0.71189948263119],
        [-0.848484848484848, 0.470657797487066, -0.241980783444198]], [
        [0.0, 0.0, 0.0], [0.50221953459204, 0.0, 0.0],
        [0.620376716163857, 2.566383646098103, 0.0]]),
}


def _np(t):
    return np.asarray(t.detach().tolist(), dtype=np.float64)


def _holder(value, device="cpu"):
    m = nn.Module()
    m.weight = nn.Parameter(xg.tensor(value, dtype=xg.float64, device=device))
    return m


def _orth_error(Q):
    Q = _np(Q)
    n, k = Q.shape[-2:]
    M = np.swapaxes(Q, -1, -2) @ Q if n >= k else Q @ np.swapaxes(Q, -1, -2)
    return np.abs(M - np.eye(min(n, k))).max()


@pytest.mark.parametrize("key", sorted(TORCH))
def test_values_and_gradients_match_torch(key):
    orthogonal_map, triv = key
    init, weight, grad = TORCH[key]
    m = P.orthogonal(_holder(W0), orthogonal_map=orthogonal_map, use_trivialization=triv)
    np.testing.assert_allclose(_np(m.weight), init, atol=1e-12)
    original = m.parametrizations.weight.original
    x = np.array(X)
    if orthogonal_map == "householder":        # keep the +-1 diagonal householder reads
        d = np.diag(_np(original))
        np.testing.assert_array_equal(d, [-1.0, -1.0, -1.0])
        x = x - np.diag(np.diag(x)) + np.diag(d)
    original.data = xg.tensor(x.tolist(), dtype=xg.float64).data
    (m.weight * xg.tensor(G, dtype=xg.float64)).sum().backward()
    np.testing.assert_allclose(_np(m.weight), weight, atol=1e-12)
    np.testing.assert_allclose(_np(original.grad), grad, atol=1e-12)


def test_default_map_and_state_dict():
    sq = P.orthogonal(nn.Linear(4, 4))
    tall = P.orthogonal(nn.Linear(3, 6))
    assert sq.parametrizations.weight[0].orthogonal_map == "matrix_exp"
    assert tall.parametrizations.weight[0].orthogonal_map == "householder"
    assert list(sq.state_dict()) == ["bias", "parametrizations.weight.original",
                                     "parametrizations.weight.0.base"]
    assert tuple(tall.parametrizations.weight[0].base.shape) == (6, 6)
    flat = P.orthogonal(nn.Linear(3, 6), use_trivialization=False)
    assert list(flat.state_dict()) == ["bias", "parametrizations.weight.original"]
    assert not hasattr(flat.parametrizations.weight[0], "base")
    assert type(sq).__name__ == "ParametrizedLinear"
    assert repr(sq) == ("ParametrizedLinear(\n  in_features=4, out_features=4, bias=True\n"
                        "  (parametrizations): ModuleDict(\n    (weight): ParametrizationList(\n"
                        "      (0): _Orthogonal()\n    )\n  )\n)")


def test_invalid_inputs_raise_as_torch():
    m = nn.Module()
    m.weight = nn.Parameter(xg.randn(3))
    with pytest.raises(ValueError, match="Expected a matrix or batch of matrices. Got a tensor "
                                         "of 1 dimensions."):
        P.orthogonal(m)
    with pytest.raises(ValueError, match=r'orthogonal_map has to be one of "matrix_exp", '
                                         r'"cayley", "householder". Got: qr'):
        P.orthogonal(nn.Linear(3, 3), orthogonal_map="qr")
    with pytest.raises(ValueError, match="has no parameter or buffer with name 'kernel'"):
        P.orthogonal(nn.Linear(3, 3), name="kernel")
    lin = P.orthogonal(nn.Linear(3, 3))
    with pytest.raises(ValueError, match=r"Expected a matrix or batch of matrices of shape "
                                         r"\(3, 3\). Got a tensor of shape \(2, 3\)."):
        lin.weight = xg.randn(2, 3)
    for orthogonal_map in ("matrix_exp", "cayley"):
        lin = P.orthogonal(nn.Linear(3, 3), orthogonal_map=orthogonal_map,
                           use_trivialization=False)
        with pytest.raises(NotImplementedError, match="use_trivialization=False"):
            lin.weight = xg.eye(3)


@pytest.mark.parametrize("orthogonal_map", ["matrix_exp", "cayley", "householder"])
@pytest.mark.parametrize("triv", [True, False])
@pytest.mark.parametrize("features", [(5, 5), (3, 7), (7, 3)])
def test_linear_stays_orthogonal_under_optimizers(orthogonal_map, triv, features):
    xg.manual_seed(0)
    lin = nn.Linear(*features, dtype=xg.float64)
    P.orthogonal(lin, orthogonal_map=orthogonal_map, use_trivialization=triv)
    assert _orth_error(lin.weight) < 1e-12
    before = _np(lin.weight)
    for opt in (xg.optim.SGD(lin.parameters(), lr=0.2, momentum=0.9),
                xg.optim.Adam(lin.parameters(), lr=0.05)):
        for _ in range(4):
            x = xg.randn(8, features[0], dtype=xg.float64)
            loss = ((lin(x) - 1.0) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
    assert _orth_error(lin.weight) < 1e-10
    assert np.abs(_np(lin.weight) - before).max() > 1e-3          # it did train


@pytest.mark.parametrize("shape", [(2, 4, 3), (3, 2, 5), (2, 2, 3, 3)])
@pytest.mark.parametrize("orthogonal_map", [None, "cayley", "householder"])
def test_batches_of_matrices(shape, orthogonal_map):
    xg.manual_seed(1)
    m = _holder(xg.randn(*shape, dtype=xg.float64).tolist())
    P.orthogonal(m, orthogonal_map=orthogonal_map)
    assert tuple(m.weight.shape) == shape and _orth_error(m.weight) < 1e-12
    opt = xg.optim.SGD(m.parameters(), lr=0.5)
    for _ in range(3):
        opt.zero_grad()
        (m.weight * xg.randn(*shape, dtype=xg.float64)).sum().backward()
        opt.step()
    assert _orth_error(m.weight) < 1e-12


def test_initial_value_is_the_orthogonal_tensor_or_its_qr():
    xg.manual_seed(2)
    Q = xg.linalg.qr(xg.randn(5, 5, dtype=xg.float64)).Q
    m = P.orthogonal(_holder(Q.tolist()))
    np.testing.assert_allclose(_np(m.weight), _np(Q), atol=1e-13)
    np.testing.assert_allclose(_np(m.parametrizations.weight[0].base), _np(Q), atol=1e-13)
    np.testing.assert_array_equal(_np(m.parametrizations.weight.original), -np.eye(5))
    tall = xg.randn(6, 3, dtype=xg.float64)
    m = P.orthogonal(_holder(tall.tolist()), orthogonal_map="cayley")
    q, r = np.linalg.qr(_np(tall))
    q = q * np.sign(np.diag(r))
    np.testing.assert_allclose(_np(m.weight), q, atol=1e-12)     # Q of the QR, diag(R) > 0
    wide = P.orthogonal(_holder(tall.mT.tolist()), orthogonal_map="matrix_exp")
    np.testing.assert_allclose(_np(wide.weight), q.T, atol=1e-12)


@pytest.mark.parametrize("orthogonal_map", ["matrix_exp", "cayley", "householder"])
@pytest.mark.parametrize("shape", [(4, 4), (6, 3), (3, 6), (2, 5, 2)])
def test_assigning_an_orthogonal_matrix(orthogonal_map, shape):
    xg.manual_seed(3)
    m = P.orthogonal(_holder(xg.randn(*shape, dtype=xg.float64).tolist()),
                     orthogonal_map=orthogonal_map)
    tall = shape[-2] >= shape[-1]
    A = xg.randn(*shape, dtype=xg.float64)
    Q = xg.linalg.qr(A if tall else A.mT).Q
    Q = Q if tall else Q.mT
    m.weight = Q
    np.testing.assert_allclose(_np(m.weight), _np(Q), atol=1e-12)
    np.testing.assert_array_equal(_np(m.parametrizations.weight.original),
                                  -np.broadcast_to(np.eye(*shape[-2:]), shape))


def test_householder_without_trivialization_assignment():
    m = P.orthogonal(_holder(W0), orthogonal_map="householder", use_trivialization=False)
    m.weight = xg.tensor(np.eye(3)[[2, 0, 1]].tolist(), dtype=xg.float64)   # a permutation
    np.testing.assert_allclose(_np(m.weight), np.eye(3)[[2, 0, 1]], atol=1e-12)
    wide = P.orthogonal(_holder([[1.0, 2.0, 3.0], [0.0, 1.0, -1.0]]), use_trivialization=False)
    assert _orth_error(wide.weight) < 1e-12
    q = np.linalg.qr(np.array([[1.0, 0.0], [2.0, 1.0], [3.0, -1.0]]))[0]
    np.testing.assert_allclose(np.abs(_np(wide.weight)), np.abs(q.T), atol=1e-12)


def test_cached_computes_once_and_backpropagates():
    xg.manual_seed(4)
    lin = P.orthogonal(nn.Linear(4, 4, dtype=xg.float64))
    x = xg.randn(3, 4, dtype=xg.float64)
    expected = _np(lin(x) + lin(x))
    with parametrize.cached():
        w1, w2 = lin.weight, lin.weight
        assert w1 is w2
        out = lin(x) + lin(x)
    assert lin.weight is not lin.weight
    np.testing.assert_allclose(_np(out), expected, atol=1e-13)
    out.sum().backward()
    g_cached = _np(lin.parametrizations.weight.original.grad)
    lin.zero_grad()
    (lin(x) + lin(x)).sum().backward()
    np.testing.assert_allclose(g_cached, _np(lin.parametrizations.weight.original.grad),
                               atol=1e-13)


def test_remove_and_float32(device):
    lin = P.orthogonal(nn.Linear(5, 3).to(device))
    assert lin.weight.dtype == xg.float32 and _orth_error(lin.weight) < 1e-5
    w = _np(lin.weight)
    parametrize.remove_parametrizations(lin, "weight")
    assert type(lin) is nn.Linear and list(lin.state_dict()) == ["bias", "weight"]  # as torch
    np.testing.assert_allclose(_np(lin.weight), w, atol=1e-6)


def test_chained_after_another_parametrization():
    class Scale(nn.Module):
        def forward(self, X):
            return 2.0 * X

        def right_inverse(self, X):
            return X / 2.0

    m = _holder(W0)
    parametrize.register_parametrization(m, "weight", Scale())
    P.orthogonal(m)
    assert len(m.parametrizations.weight) == 2
    # as torch: appended to a list, right_inverse is not run, so base stays None until the
    # first assignment
    with pytest.raises(TypeError):
        m.weight
    m.weight = xg.eye(3, dtype=xg.float64)
    np.testing.assert_allclose(_np(m.weight), np.eye(3), atol=1e-13)
    np.testing.assert_allclose(_np(m.parametrizations.weight.original), -np.eye(3) / 2)
