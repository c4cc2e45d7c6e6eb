import pytest
import xpgrad as xg


def test_square_sum_backward(device):
    x = xg.tensor([1.0, 2.0], device=device, requires_grad=True)
    (x * x).sum().backward()
    assert x.grad.tolist() == [2.0, 4.0]
    assert x.grad.device == x.device


def test_pytorch_spellings_beside_numpy_ones(device):
    x = xg.ones(2, 3, device=device)
    assert x.size == 6 and x.size() == (2, 3) and x.size(1) == 3      # NumPy and PyTorch
    assert x.numel() == 6 and x.dim() == 2 and x.t().shape == (3, 2)
    assert x.sum(dim=1, keepdim=True).shape == (2, 1) == x.sum(axis=1, keepdims=True).shape
    assert xg.mm(x, x.t()).tolist() == [[3.0, 3.0], [3.0, 3.0]]
    assert x.softmax(dim=0).shape == x.log_softmax(axis=0).shape == (2, 3)


def test_max_min_with_dim_give_pytorchs_values_and_indices(device):
    x = xg.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]], device=device, requires_grad=True)
    values, indices = x.max(dim=1)
    assert values.tolist() == [5.0, 7.0] and indices.tolist() == [1, 0]
    assert x.min(dim=0, keepdim=True).indices.tolist() == [[0, 1, 0]]
    assert x.max(axis=1).tolist() == [5.0, 7.0]                 # NumPy's spelling: values
    assert x.max(1)[1].tolist() == [1, 0]                        # PyTorch's idiom: indices
    assert x.max(1, True).values.shape == (2, 1) and xg.max(x, 0).indices.tolist() == [1, 0, 1]
    assert x.max(x * 0 + 4).tolist() == [[4.0, 5.0, 4.0], [7.0, 4.0, 4.0]]
    assert x.min(axis=(0, 1)).item() == 0.0
    values.sum().backward()
    assert x.grad.tolist() == [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]


def test_conversion_methods(device):
    x = xg.tensor([0.0, 1.5, -2.0], device=device)
    assert x.int().dtype == xg.int32 and x.int().tolist() == [0, 1, -2]
    assert x.bool().tolist() == [False, True, True] and x.long().dtype == xg.int64
    assert x.double().dtype == xg.float64 and x.double().float().dtype == xg.float32


def test_var_and_std_are_unbiased_by_default_as_pytorchs(device):
    x = xg.tensor([1.0, 2.0, 4.0], device=device, dtype="float64")
    assert abs(x.var().item() - 7 / 3) < 1e-12 and abs(xg.std(x).item() - (7 / 3) ** 0.5) < 1e-12
    population = 14 / 9
    for value in (x.var(ddof=0), x.var(unbiased=False), x.var(correction=0),
                  xg.var(x, dim=0, unbiased=False), x.std(ddof=0) ** 2):
        assert abs(value.item() - population) < 1e-12
    with pytest.raises(TypeError, match="var: pass only one of ddof=, correction= and unbiased="):
        x.var(ddof=1, unbiased=True)
