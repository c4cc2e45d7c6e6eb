"""``nn.utils.parametrizations.orthogonal``, as torch's: a matrix (or a batch of matrices)
``(..., m, n)`` kept orthogonal (``Q^H Q = I_n`` when m >= n, ``Q Q^H = I_m`` when m < n)
through the matrix exponential or the Cayley map of a skew-symmetric matrix, or a product
of Householder reflectors. With ``use_trivialization=True`` (the default) a buffer
``base`` (``module.parametrizations.weight[0].base``) holds an orthogonal ``n x n`` matrix
and the map's result is multiplied onto it (the dynamic trivialization framework).

>>> lin = nn.utils.parametrizations.orthogonal(nn.Linear(20, 40))
>>> Q = lin.weight                                   # Q.T @ Q == I_20
"""
from __future__ import annotations

from ..autograd.factories import eye, randn, zeros
from ..autograd.grad_mode import no_grad
from ..autograd.ops import concat, geqrf, where
from ..autograd.ops.linalg_namespace import linalg
from ..autograd.tensor import Tensor
from .module import Module
from .parametrize import register_parametrization

__all__ = ["orthogonal"]

_MAPS = ("matrix_exp", "cayley", "householder")
_EPS = {"float16": 2.0 ** -10, "bfloat16": 2.0 ** -7, "float32": 2.0 ** -23}


def _eps(dtype: object) -> float:
    return _EPS.get(str(dtype), 2.0 ** -52)


def _is_orthogonal(Q: Tensor) -> bool:
    n, k = Q.shape[-2], Q.shape[-1]
    Id = eye(k, dtype=Q.dtype, device=Q._backend)
    return bool((Q.mH @ Q).allclose(Id, atol=10.0 * n * _eps(Q.dtype)))


def _set_diagonal(A: Tensor, diagonal: Tensor) -> Tensor:
    Id = eye(A.shape[-2], A.shape[-1], dtype=A.dtype, device=A._backend)
    return A * (1.0 - Id) + Id * diagonal.unsqueeze(-2)


def _make_orthogonal(A: Tensor) -> Tensor:
    """The Q of the QR factorisation of the tall A whose R has a real, non-negative
    diagonal."""
    X, tau = geqrf(A)
    Q = linalg.householder_product(X, tau)
    return Q * X.diagonal(dim1=-2, dim2=-1).sgn().unsqueeze(-2)


class _Orthogonal(Module):
    def __init__(self, weight: Tensor, orthogonal_map: str, *,
                 use_trivialization: bool = True) -> None:
        super().__init__()
        if weight.is_complex() and orthogonal_map == "householder":
            raise ValueError("The householder parametrization does not support complex "
                             "tensors.")
        self.shape = weight.shape
        self.orthogonal_map = orthogonal_map
        if use_trivialization:
            self.register_buffer("base", None)

    def forward(self, X: Tensor) -> Tensor:
        n, k = X.shape[-2], X.shape[-1]
        transposed = n < k
        if transposed:
            X = X.mT
            n, k = k, n
        batch = tuple(X.shape[:-2])
        if self.orthogonal_map in ("matrix_exp", "cayley"):
            X = X.tril()
            if n != k:                                  # embed into a square matrix
                X = concat([X, zeros(*batch, n, n - k, dtype=X.dtype,
                                     device=X._backend)], -1)
            A = X - X.mH                                # skew-symmetric (skew-hermitian)
            if self.orthogonal_map == "matrix_exp":
                Q = linalg.matrix_exp(A)
            else:                                       # Cayley: (I + A/2)(I - A/2)^-1
                Id = eye(n, dtype=A.dtype, device=A._backend)
                Q = linalg.solve(Id - 0.5 * A, Id + 0.5 * A)
            if n != k:
                Q = Q[..., :k]
        else:
            A = X.tril(diagonal=-1)
            tau = 2.0 / (1.0 + (A * A).sum(dim=-2))
            Q = linalg.householder_product(A, tau)
            # the diagonal of X holds +-1 and is not differentiated (torch's ``.int()``)
            Q = Q * X.diagonal(dim1=-2, dim2=-1).detach().trunc().unsqueeze(-2)
        if hasattr(self, "base"):
            Q = self.base @ Q
        if transposed:
            Q = Q.mT
        return Q

    def right_inverse(self, Q: Tensor) -> Tensor:
        with no_grad():
            return self._right_inverse(Q.detach())

    def _right_inverse(self, Q: Tensor) -> Tensor:
        if Q.shape != self.shape:
            raise ValueError(f"Expected a matrix or batch of matrices of shape {self.shape}. "
                             f"Got a tensor of shape {Q.shape}.")
        Q_init = Q
        n, k = Q.shape[-2], Q.shape[-1]
        transpose = n < k
        if transpose:
            Q = Q.mT
            n, k = k, n
        if not hasattr(self, "base"):
            if self.orthogonal_map in ("matrix_exp", "cayley"):
                raise NotImplementedError("It is not possible to assign to the matrix "
                                          "exponential or the Cayley parametrizations when "
                                          "use_trivialization=False.")
            A, tau = geqrf(Q)
            # diag(R) > 0 (else Q = (-Q)(-I) would be another QR), and a reflection LAPACK
            # skipped (tau == 0) gets the opposite sign
            d = A.diagonal(dim1=-2, dim2=-1).sign()
            A = _set_diagonal(A, where(tau == 0.0, -d, d))
            return A.mT if transpose else A
        if n == k:
            Q = Q.clone() if _is_orthogonal(Q) else _make_orthogonal(Q)
        else:                                           # complete Q to an n x n orthogonal
            N = randn(*Q.shape[:-2], n, n - k, dtype=Q.dtype, device=Q._backend)
            Q = _make_orthogonal(concat([Q, N], -1))
        self.base = Q
        # -I, so that householder(zeros(m, n)) == eye(m, n)
        neg_id = -eye(Q_init.shape[-2], Q_init.shape[-1], dtype=Q_init.dtype,
                      device=Q_init._backend)
        return neg_id.expand(*Q_init.shape).clone()


def orthogonal(module: Module, name: str = "weight", orthogonal_map: str | None = None, *,
               use_trivialization: bool = True) -> Module:
    """Make ``module.<name>`` (a matrix or a batch of matrices) orthogonal, or unitary when
    complex. ``orthogonal_map``: ``"matrix_exp"``, ``"cayley"`` or ``"householder"``
    (default: ``"matrix_exp"`` when the matrix is square or complex, ``"householder"``
    otherwise). The initial value is the tensor itself when it is orthogonal, its QR's Q
    otherwise. Returns module.

    >>> lin = nn.utils.parametrizations.orthogonal(nn.Linear(20, 40))
    """
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if weight.ndim < 2:
        raise ValueError("Expected a matrix or batch of matrices. "
                         f"Got a tensor of {weight.ndim} dimensions.")
    if orthogonal_map is None:
        orthogonal_map = ("matrix_exp" if weight.shape[-2] == weight.shape[-1]
                          or weight.is_complex() else "householder")
    if orthogonal_map not in _MAPS:
        raise ValueError('orthogonal_map has to be one of "matrix_exp", "cayley", '
                         f'"householder". Got: {orthogonal_map}')
    orth = _Orthogonal(weight, orthogonal_map, use_trivialization=use_trivialization)
    register_parametrization(module, name, orth, unsafe=True)
    return module
