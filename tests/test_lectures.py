"""The lecture examples users learned from (../shared/seeds/), worked through the engine:
gradient descent on g(w) = (w^4 + w^2 + 10 w) / 50 and on w1^2 + w2^2 + 2 (seed 000), and the
review session's two-layer sigmoid network with hand-written backprop (seed 001)."""
import numpy as np
import pytest

import xpgrad as xg


def g(w):
    return (w ** 4 + w ** 2 + 10 * w) / 50


def dg_by_hand(w):
    return 2 / 25 * w ** 3 + 1 / 25 * w + 1 / 5


@pytest.mark.parametrize("w0", [-3.0, -1.0, 0.0, 0.5, 2.5, 4.0])
def test_derivative_of_g_matches_the_lecture(device, w0):
    w = xg.tensor(w0, dtype=xg.float64, device=device, requires_grad=True)
    g(w).backward()
    assert w.grad.item() == pytest.approx(dg_by_hand(w0), rel=1e-12, abs=1e-12)
    assert xg.grad(g)(xg.tensor(w0, dtype=xg.float64, device=device)).item() == \
        pytest.approx(dg_by_hand(w0), rel=1e-12, abs=1e-12)


def _minimum_of_g():
    """g'(w) = 0  <=>  2 w^3 + w + 5 = 0, which has one real root (g'' > 0: the minimum)."""
    roots = np.roots([2.0, 0.0, 1.0, 5.0])
    real = roots[np.abs(roots.imag) < 1e-12].real
    assert real.size == 1
    return float(real[0])


def test_gradient_descent_on_g_from_2_5_with_alpha_1(device):
    w_star = _minimum_of_g()
    assert dg_by_hand(w_star) == pytest.approx(0.0, abs=1e-12)
    # (The minimum is at w = -1.2347..., where g = -0.16997.)
    assert w_star == pytest.approx(-1.2347727, abs=1e-6)

    w = xg.tensor(2.5, dtype=xg.float64, device=device, requires_grad=True)
    alpha = 1.0
    path = [w.item()]
    for _ in range(60):
        g(w).backward()
        with xg.no_grad():
            w -= alpha * w.grad
        w.grad = None
        path.append(w.item())
    assert path[1] == pytest.approx(2.5 - dg_by_hand(2.5))          # 0.95, the first step
    assert all(b < a for a, b in zip(path, path[1:]))                # it walks downhill
    assert path[-1] == pytest.approx(w_star, abs=1e-8)


def test_gradient_descent_on_g_in_float32(device):
    w = xg.tensor(2.5, device=device, requires_grad=True)            # the float32 default
    for _ in range(60):
        g(w).backward()
        with xg.no_grad():
            w -= w.grad
        w.grad = None
    assert w.dtype == xg.float32
    assert w.item() == pytest.approx(_minimum_of_g(), abs=1e-4)


def test_gradient_descent_on_the_bowl_converges_to_the_origin(device):
    # g(w1, w2) = w1^2 + w2^2 + 2, grad = [2 w1, 2 w2]
    w = xg.tensor([3.0, -2.0], dtype=xg.float64, device=device, requires_grad=True)
    alpha = 0.1
    first = True
    for _ in range(100):
        value = (w ** 2).sum() + 2
        value.backward()
        if first:
            assert w.grad.tolist() == [6.0, -4.0]
            first = False
        with xg.no_grad():
            w -= alpha * w.grad
        w.grad = None
    assert w.tolist() == pytest.approx([0.0, 0.0], abs=1e-8)
    assert ((w ** 2).sum() + 2).item() == pytest.approx(2.0)


# ---- seed 001: the two-layer sigmoid network of the review session -------------------------
def sigmoid_array(z):
    return 1.0 / (1.0 + np.exp(-z))


def hand_backprop(X, Y, W1, b1, W2, b2):
    """The review session's NumPy backprop, CORRECTED. As written in the lecture notes,
    ``d_W1 = d_X.T.dot(d_Z_curr)`` should be ``X.T.dot(d_Z_curr)`` (the gradient of X.dot(W1)
    with respect to W1 multiplies by the input X, not by d_X), and ``d_b1 = d_Y_curr`` /
    ``d_b2 = d_Y_curr`` should sum the upstream gradient over the batch (the biases are
    broadcast to every example): ``d_b1 = d_Z_curr.sum(axis=0, keepdims=True)`` and
    ``d_b2 = d_Y_curr.sum(axis=0, keepdims=True)``."""
    num_examples = X.shape[0]
    Z_curr = X.dot(W1) + b1
    H_curr = sigmoid_array(Z_curr)
    Y_curr = H_curr.dot(W2) + b2
    loss = np.sum(np.square(Y_curr - Y)) / num_examples

    d_Y_curr = 2 * (Y_curr - Y) / num_examples
    d_H_curr = d_Y_curr.dot(W2.T)
    d_W2 = H_curr.T.dot(d_Y_curr)
    d_b2 = d_Y_curr.sum(axis=0, keepdims=True)                      # corrected
    d_Z_curr = d_H_curr * sigmoid_array(Z_curr) * (1 - sigmoid_array(Z_curr))
    d_W1 = X.T.dot(d_Z_curr)                                         # corrected
    d_b1 = d_Z_curr.sum(axis=0, keepdims=True)                      # corrected
    as_written_d_W1 = d_Z_curr.dot(W1.T).T.dot(d_Z_curr)            # the notes' d_X.T.dot(d_Z)
    return loss, {"W1": d_W1, "b1": d_b1, "W2": d_W2, "b2": d_b2}, as_written_d_W1


def engine_forward(X, Y, params):
    Z = X @ params["W1"] + params["b1"]
    H = Z.sigmoid()
    out = H @ params["W2"] + params["b2"]
    return ((out - Y) ** 2).sum() / X.shape[0]


def _problem(rng, num_examples=8, input_dim=4, hid_dim=5, output_dim=2):
    X = rng.standard_normal((num_examples, input_dim))
    Y = rng.standard_normal((num_examples, output_dim))
    params = {"W1": rng.random((input_dim, hid_dim)), "W2": rng.random((hid_dim, output_dim)),
              "b1": rng.random((1, hid_dim)), "b2": rng.random((1, output_dim))}
    return X, Y, params


def test_two_layer_sigmoid_network_matches_hand_backprop(device):
    X, Y, host = _problem(np.random.default_rng(1))
    loss_np, grads_np, as_written = hand_backprop(X, Y, host["W1"], host["b1"], host["W2"],
                                                  host["b2"])
    params = {k: xg.tensor(v, device=device, requires_grad=True) for k, v in host.items()}
    assert all(p.dtype == xg.float64 for p in params.values())
    loss = engine_forward(xg.tensor(X, device=device), xg.tensor(Y, device=device), params)
    loss.backward()
    assert loss.item() == pytest.approx(loss_np, rel=1e-12)
    for name, p in params.items():
        assert p.grad.shape == host[name].shape
        np.testing.assert_allclose(p.grad.numpy(), grads_np[name], rtol=1e-10, atol=1e-12,
                                   err_msg=name)
    # the notes' d_W1 as written really is wrong (not just a different spelling)
    assert not np.allclose(as_written, grads_np["W1"])


def test_two_layer_network_trains_the_same_by_hand_and_by_engine(device):
    X, Y, host = _problem(np.random.default_rng(2))
    step_size = 1e-1
    params = {k: xg.tensor(v, device=device, requires_grad=True) for k, v in host.items()}
    Xt, Yt = xg.tensor(X, device=device), xg.tensor(Y, device=device)
    losses = []
    for _ in range(20):
        loss_np, grads_np, _ = hand_backprop(X, Y, host["W1"], host["b1"], host["W2"],
                                             host["b2"])
        host = {k: host[k] - step_size * grads_np[k] for k in host}
        loss = engine_forward(Xt, Yt, params)
        loss.backward()
        with xg.no_grad():
            for p in params.values():
                p -= step_size * p.grad
                p.grad = None
        assert loss.item() == pytest.approx(loss_np, rel=1e-10)
        losses.append(loss.item())
    assert losses[-1] < losses[0]
    for name, p in params.items():
        np.testing.assert_allclose(p.numpy(), host[name], rtol=1e-9, err_msg=name)
