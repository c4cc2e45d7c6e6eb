import xpgrad as xg


def test_square_sum_backward(device):
    x = xg.tensor([1.0, 2.0], device=device, requires_grad=True)
    (x * x).sum().backward()
    assert x.grad.tolist() == [2.0, 4.0]
    assert x.grad.device == x.device
