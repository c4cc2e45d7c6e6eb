"""``nn.utils.parametrizations``, as torch.nn.utils.parametrizations: ``weight_norm``,
``spectral_norm`` and ``orthogonal`` (parametrizations_orthogonal.py) written with
``nn.utils.parametrize`` (state_dict keys ``parametrizations.weight.original0`` /
``original1`` for weight norm's g and v, ``parametrizations.weight.original`` with
``parametrizations.weight.0._u`` / ``_v`` for spectral norm and
``parametrizations.weight.0.base`` for orthogonal).

>>> lin = nn.utils.parametrizations.weight_norm(nn.Linear(20, 40))
>>> lin = nn.utils.parametrizations.spectral_norm(nn.Linear(20, 40))
>>> lin = nn.utils.parametrizations.orthogonal(nn.Linear(20, 40))
"""
from __future__ import annotations


from ..autograd.grad_mode import no_grad
from ..autograd.tensor import Tensor
from .module import Module
from .parametrize import register_parametrization
from .parametrizations_orthogonal import orthogonal
from .utils_weight_norm import _weight_norm, norm_except_dim

__all__ = ["weight_norm", "spectral_norm", "orthogonal"]


class _WeightNorm(Module):
    def __init__(self, dim: int | None = 0) -> None:
        super().__init__()
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g: Tensor, weight_v: Tensor) -> Tensor:
        return _weight_norm(weight_v, weight_g, self.dim)

    def right_inverse(self, weight: Tensor) -> tuple:
        return norm_except_dim(weight, 2, self.dim), weight


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Module:
    """Reparametrize ``module.<name>`` as ``g * v / ||v||`` (norm over every dimension but
    ``dim``, of the whole tensor for ``dim=None``); g is ``original0``, v ``original1``.

    >>> lin = nn.utils.parametrizations.weight_norm(nn.Linear(20, 40))
    """
    register_parametrization(module, name, _WeightNorm(dim), unsafe=True)
    return module


def _normalize(x: Tensor, eps: float) -> Tensor:
    return x / (x * x).sum().sqrt().clamp(min=eps)


class _SpectralNorm(Module):
    def __init__(self, weight: Tensor, n_power_iterations: int = 1, dim: int = 0,
                 eps: float = 1e-12) -> None:
        super().__init__()
        ndim = weight.ndim
        if dim >= ndim or dim < -ndim:
            raise IndexError("Dimension out of range (expected to be in range of "
                             f"[-{ndim}, {ndim - 1}] but got {dim})")
        if n_power_iterations <= 0:
            raise ValueError("Expected n_power_iterations to be positive, but got "
                             f"n_power_iterations={n_power_iterations}")
        self.dim = dim if dim >= 0 else dim + ndim
        self.eps = eps
        if ndim > 1:
            self.n_power_iterations = n_power_iterations
            with no_grad():
                weight_mat = self._reshape_weight_to_matrix(weight.detach())
                h, w = weight_mat.shape
                self.register_buffer("_u", _normalize(weight.new_empty(h).normal_(0, 1), eps))
                self.register_buffer("_v", _normalize(weight.new_empty(w).normal_(0, 1), eps))
            # start from reasonable vectors, as torch
            self._power_method(weight_mat, 15)

    def _reshape_weight_to_matrix(self, weight: Tensor) -> Tensor:
        if self.dim != 0:
            weight = weight.permute(self.dim, *(d for d in range(weight.ndim) if d != self.dim))
        return weight.reshape(weight.shape[0], -1)

    def _power_method(self, weight_mat: Tensor, n_power_iterations: int) -> None:
        with no_grad():
            w = weight_mat.detach()
            for _ in range(n_power_iterations):
                # in place, as torch's out=: the buffers carry the iteration across calls
                self._u.copy_(_normalize(w.mv(self._v), self.eps))
                self._v.copy_(_normalize(w.t().mv(self._u), self.eps))

    def forward(self, weight: Tensor) -> Tensor:
        if weight.ndim == 1:
            return _normalize(weight, self.eps)
        weight_mat = self._reshape_weight_to_matrix(weight)
        if self.training:
            self._power_method(weight_mat, self.n_power_iterations)
        u, v = self._u.clone(), self._v.clone()
        sigma = u.dot(weight_mat.mv(v))
        return weight / sigma

    def right_inverse(self, value: Tensor) -> Tensor:
        return value


def spectral_norm(module: Module, name: str = "weight", n_power_iterations: int = 1,
                  eps: float = 1e-12, dim: int | None = None) -> Module:
    """Divide ``module.<name>`` by its largest singular value, estimated by power iteration
    (``n_power_iterations`` steps per training-mode read); ``dim`` defaults to 1 for
    ConvTranspose layers and 0 otherwise.

    >>> lin = nn.utils.parametrizations.spectral_norm(nn.Linear(20, 40))
    """
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if dim is None:
        dim = 1 if type(module).__name__.startswith("ConvTranspose") else 0
    register_parametrization(module, name, _SpectralNorm(weight, n_power_iterations, dim, eps))
    return module
