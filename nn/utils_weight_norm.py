"""``nn.utils.weight_norm`` / ``spectral_norm`` and their ``remove_*``: PyTorch's older,
hook-based reparametrizations. The original parameter is replaced by new parameters
(``weight_g`` and ``weight_v``, or ``weight_orig`` with the ``weight_u`` / ``weight_v``
buffers of the power iteration), and a forward pre-hook recomputes ``module.weight`` from them
before every forward.

>>> lin = nn.utils.weight_norm(nn.Linear(20, 40))        # lin.weight_g: (40, 1)
>>> conv = nn.utils.spectral_norm(nn.Conv2d(3, 8, 3))     # sigma from one power step per call
"""
from __future__ import annotations

from typing import Any

from ..autograd.grad_mode import no_grad
from ..autograd.tensor import Tensor
from .parameter import Parameter


def norm_except_dim(v: Tensor, pow: float = 2, dim: int = 0) -> Tensor:
    """The ``pow``-norm over every dimension but ``dim`` (kept as size 1), or of the whole
    tensor for ``dim == -1``, as ``torch.norm_except_dim``."""
    if dim == -1:
        return (v.abs() ** pow).sum() ** (1.0 / pow)
    dim = dim % v.ndim
    axes = tuple(i for i in range(v.ndim) if i != dim)
    if not axes:
        return v.abs()
    return (v.abs() ** pow).sum(axis=axes, keepdims=True) ** (1.0 / pow)


def _weight_norm(v: Tensor, g: Tensor, dim: int) -> Tensor:
    return v * (g / norm_except_dim(v, 2, dim))


class WeightNorm:
    """The forward pre-hook of ``weight_norm``: ``weight = g * v / ||v||``."""

    def __init__(self, name: str, dim: int | None) -> None:
        self.name, self.dim = name, -1 if dim is None else dim

    def compute_weight(self, module: Any) -> Tensor:
        return _weight_norm(getattr(module, self.name + "_v"), getattr(module, self.name + "_g"),
                            self.dim)

    def remove(self, module: Any) -> None:
        with no_grad():
            weight = self.compute_weight(module)
        delattr(module, self.name)
        module._parameters.pop(self.name + "_g")
        module._parameters.pop(self.name + "_v")
        delattr(module, self.name + "_g")
        delattr(module, self.name + "_v")
        setattr(module, self.name, Parameter(weight.detach()))

    def __call__(self, module: Any, inputs: Any) -> None:
        setattr(module, self.name, self.compute_weight(module))


def weight_norm(module: Any, name: str = "weight", dim: int | None = 0) -> Any:
    """Reparametrize ``module.<name>`` as ``<name>_g * <name>_v / ||<name>_v||`` (the norm
    over every dimension but ``dim``; of the whole tensor for ``dim=None``); returns module.

    >>> lin = nn.utils.weight_norm(nn.Linear(20, 40), name="weight")
    """
    for hook in module._forward_pre_hooks.values():
        if isinstance(hook, WeightNorm) and hook.name == name:
            raise RuntimeError(f"Cannot register two weight_norm hooks on the same parameter "
                               f"{name}")
    weight = module._parameters.get(name)
    if weight is None:
        raise AttributeError(f"weight_norm: {type(module).__name__} has no parameter {name!r}")
    fn = WeightNorm(name, dim)
    del module._parameters[name]
    delattr(module, name)
    with no_grad():
        module.register_parameter(name + "_g", Parameter(norm_except_dim(weight, 2, fn.dim)))
    module.register_parameter(name + "_v", Parameter(weight.detach()))
    setattr(module, name, fn.compute_weight(module))
    module.register_forward_pre_hook(fn)
    return module


def remove_weight_norm(module: Any, name: str = "weight") -> Any:
    """Undo ``weight_norm``: ``module.<name>`` becomes a Parameter again; returns module."""
    return _remove(module, name, WeightNorm, "weight_norm")


def _remove(module: Any, name: str, kind: type, what: str) -> Any:
    for key, hook in list(module._forward_pre_hooks.items()):
        if isinstance(hook, kind) and hook.name == name:
            hook.remove(module)
            del module._forward_pre_hooks[key]
            return module
    raise ValueError(f"{what} of '{name}' not found in {module}")


def _normalize(x: Tensor, eps: float) -> Tensor:
    return x / (x * x).sum().sqrt().clamp(min=eps)


class SpectralNorm:
    """The forward pre-hook of ``spectral_norm``: ``weight = weight_orig / sigma``, sigma from
    power iteration on ``weight_u`` / ``weight_v`` (updated in place in training mode)."""

    def __init__(self, name: str, n_power_iterations: int, dim: int, eps: float) -> None:
        if n_power_iterations < 0:
            raise ValueError("Expected n_power_iterations to be non-negative, but got "
                             f"n_power_iterations={n_power_iterations}")
        self.name, self.n_power_iterations, self.dim, self.eps = (
            name, n_power_iterations, dim, eps)

    def reshape_weight_to_matrix(self, weight: Tensor) -> Tensor:
        if self.dim != 0:
            order = [self.dim] + [d for d in range(weight.ndim) if d != self.dim]
            weight = weight.permute(*order)
        return weight.reshape(weight.shape[0], -1)

    def compute_weight(self, module: Any, do_power_iteration: bool) -> Tensor:
        weight = getattr(module, self.name + "_orig")
        u = getattr(module, self.name + "_u")
        v = getattr(module, self.name + "_v")
        weight_mat = self.reshape_weight_to_matrix(weight)
        if do_power_iteration:
            with no_grad():
                w = weight_mat.detach()
                for _ in range(self.n_power_iterations):
                    # in place, as torch's out=: the buffers carry the iteration across calls
                    v.copy_(_normalize(w.t().mv(u), self.eps))
                    u.copy_(_normalize(w.mv(v), self.eps))
            if self.n_power_iterations > 0:
                u, v = u.clone(), v.clone()     # later in-place updates must not reach sigma
        sigma = u.dot(weight_mat.mv(v))
        return weight / sigma

    def remove(self, module: Any) -> None:
        with no_grad():
            weight = self.compute_weight(module, do_power_iteration=False)
        for suffix in ("", "_u", "_v", "_orig"):
            delattr(module, self.name + suffix)
        module.register_parameter(self.name, Parameter(weight.detach()))

    def __call__(self, module: Any, inputs: Any) -> None:
        setattr(module, self.name, self.compute_weight(module, module.training))


def spectral_norm(module: Any, name: str = "weight", n_power_iterations: int = 1,
                  eps: float = 1e-12, dim: int | None = None) -> Any:
    """Divide ``module.<name>`` by its largest singular value, estimated by power iteration
    (one step per training-mode forward); returns module. ``dim`` defaults to 1 for
    ConvTranspose layers and 0 otherwise.

    >>> d = nn.utils.spectral_norm(nn.Linear(20, 40))   # d.weight_orig, d.weight_u, d.weight_v
    """
    for hook in module._forward_pre_hooks.values():
        if isinstance(hook, SpectralNorm) and hook.name == name:
            raise RuntimeError(f"Cannot register two spectral_norm hooks on the same parameter "
                               f"{name}")
    weight = module._parameters.get(name)
    if weight is None:
        raise AttributeError(f"spectral_norm: {type(module).__name__} has no parameter "
                             f"{name!r}")
    if dim is None:
        dim = 1 if type(module).__name__.startswith("ConvTranspose") else 0
    fn = SpectralNorm(name, n_power_iterations, dim, eps)
    with no_grad():
        weight_mat = fn.reshape_weight_to_matrix(weight.detach())
        h, w = weight_mat.shape
        u = _normalize(weight.new_empty(h).normal_(0, 1), eps)
        v = _normalize(weight.new_empty(w).normal_(0, 1), eps)
    delattr(module, name)
    module.register_parameter(name + "_orig", weight)
    # a plain attribute (not a Parameter), as torch: code that reads module.weight keeps working
    object.__setattr__(module, name, weight.detach())
    module.register_buffer(name + "_u", u)
    module.register_buffer(name + "_v", v)
    module.register_forward_pre_hook(fn)
    return module


def remove_spectral_norm(module: Any, name: str = "weight") -> Any:
    """Undo ``spectral_norm``: ``module.<name>`` becomes a Parameter again; returns module."""
    return _remove(module, name, SpectralNorm, "spectral_norm")
