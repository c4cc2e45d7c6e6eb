"""L-BFGS, as PyTorch's ``torch.optim.LBFGS`` computes it (heavily inspired by minFunc):
the two-loop recursion over the last ``history_size`` curvature pairs, with a fixed step
or the strong-Wolfe line search of ``line_search.py``.

All parameters are seen as one flat vector on their (single) device. Unlike the other
optimizers, a step reads scalars on the host every iteration: whether the curvature pair
is usable (y.s > 1e-10), the stopping tests on the gradient, the loss and the step, and
every decision of the line search. The two-loop recursion itself stays on the device.
"""
from __future__ import annotations

from typing import Any, Callable, Iterable

from ..autograd.grad_mode import enable_grad
from ..autograd.tensor import Tensor, make_tensor
from .line_search import strong_wolfe
from .optimizer import Optimizer
from .state_arrays import restore_array

_VECTOR_LISTS = ("old_dirs", "old_stps")     # state entries that are lists of arrays
_SCRATCH = "al"                              # torch's per-history coefficients (saved only)
_VECTORS = ("d", "prev_flat_grad")           # state entries that are flat arrays


def _host(backend: Any, value: Any) -> float:
    """A 0-d device result as a Python float (a host sync)."""
    return float(backend.to_host(value))


class LBFGS(Optimizer):
    """L-BFGS over all parameters as one vector. ``step(closure)`` runs up to ``max_iter``
    iterations (``max_eval`` closure calls) and returns the closure's first loss; state
    carries over to the next ``step``. One parameter group only, as in PyTorch. Each
    iteration reads a few scalars on the host (the algorithm branches on them: curvature
    test, stopping tests, line search), so a step synchronises the device several times.

    >>> opt = optim.LBFGS(model.parameters(), line_search_fn="strong_wolfe")
    >>> def closure(): opt.zero_grad(); loss = loss_fn(model(x), y); loss.backward(); return loss
    >>> opt.step(closure)
    """

    def __init__(self, params: Iterable[Any], lr: float = 1, max_iter: int = 20,
                 max_eval: int | None = None, tolerance_grad: float = 1e-7,
                 tolerance_change: float = 1e-9, history_size: int = 100,
                 line_search_fn: str | None = None) -> None:
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        super().__init__(params, dict(lr=lr, max_iter=max_iter, max_eval=max_eval,
                                      tolerance_grad=tolerance_grad,
                                      tolerance_change=tolerance_change,
                                      history_size=history_size,
                                      line_search_fn=line_search_fn))

    def add_param_group(self, param_group: dict) -> None:
        if self.param_groups:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        super().add_param_group(param_group)
        devices = {p.device for p in self.param_groups[0]["params"]}
        if len(devices) > 1:
            del self.param_groups[0]
            raise ValueError(f"LBFGS: all parameters must be on one device, got "
                             f"{sorted(devices)}")

    def _check_group(self, group: dict) -> None:
        super()._check_group(group)
        for key in ("max_iter", "max_eval", "history_size"):
            value = group[key]
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"LBFGS: invalid {key}={value!r} (an int >= 1)")
        for key in ("tolerance_grad", "tolerance_change"):
            if not group[key] >= 0.0:
                raise ValueError(f"LBFGS: invalid {key}={group[key]!r} (must be >= 0)")
        if group["line_search_fn"] not in (None, "strong_wolfe"):
            raise ValueError(f"LBFGS: invalid line_search_fn={group['line_search_fn']!r} "
                             "(None or 'strong_wolfe')")

    # ---- the parameters as one flat vector ---------------------------------------------
    def _flat_grad(self) -> Any:
        xp = self._backend().xp
        parts = []
        for p in self.param_groups[0]["params"]:
            g = p.data if p.grad is None else p.grad.data
            part = xp.reshape(g, (-1,))
            parts.append(xp.zeros_like(part) if p.grad is None else part)
        return xp.concat(parts)       # a copy: the closure may clear the grads in place

    def _add_to_params(self, t: float, d: Any) -> None:
        """x <- x + t d."""
        xp = self._backend().xp
        start = 0
        for p in self.param_groups[0]["params"]:
            stop = start + p.size
            p.data += t * xp.reshape(d[start:stop], p.shape)
            start = stop

    def _backend(self) -> Any:
        return self.param_groups[0]["params"][0]._backend

    def _evaluate(self, closure: Callable[[], Any]) -> tuple[Any, float, Any]:
        with enable_grad():
            loss = closure()
        return loss, float(loss), self._flat_grad()

    # ---- the step -------------------------------------------------------------------------
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Run up to ``max_iter`` iterations; ``closure`` (required) clears the gradients,
        computes the loss, calls ``backward`` and returns the loss.

        >>> loss = opt.step(closure)
        """
        if closure is None:
            raise TypeError("LBFGS.step needs a closure that re-evaluates the model and "
                            "returns the loss (it calls it several times per step)")
        return super().step(closure)

    def _step(self, closure: Callable[[], Any] | None) -> Any:
        if closure is None:           # a compiled step re-entering without one
            raise TypeError("LBFGS.step needs a closure")
        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        history_size = group["history_size"]
        backend = self._backend()
        xp = backend.xp

        def dot(a: Any, b: Any) -> Any:
            return xp.matmul(a, b)

        def abs_max(v: Any) -> float:
            return _host(backend, xp.max(xp.abs(v)))

        # all of LBFGS's state is global; it is kept as the first parameter's, as PyTorch
        state = self.state.setdefault(0, {})
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        orig_loss, loss, flat_grad = self._evaluate(closure)
        current_evals = 1
        state["func_evals"] += 1
        if abs_max(flat_grad) <= tolerance_grad:
            return orig_loss

        d, t = state.get("d"), state.get("t")
        old_dirs, old_stps, ro = state.get("old_dirs"), state.get("old_stps"), state.get("ro")
        h_diag = state.get("H_diag")
        prev_flat_grad, prev_loss = state.get("prev_flat_grad"), state.get("prev_loss")

        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1

            # the direction: steepest descent first, then the two-loop recursion
            if state["n_iter"] == 1:
                d = -flat_grad
                old_dirs, old_stps, ro = [], [], []
                h_diag = 1.0
            else:
                y = flat_grad - prev_flat_grad
                s = d * t
                ys = _host(backend, dot(y, s))
                if ys > 1e-10:            # keep only pairs with positive curvature
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    h_diag = ys / _host(backend, dot(y, y))
                al = state.setdefault("al", [None] * history_size)   # torch's scratch list
                d = self._two_loop(flat_grad, old_dirs, old_stps, ro, h_diag, dot, al)

            if prev_flat_grad is None:
                prev_flat_grad = backend.copy(flat_grad)
            else:
                backend.setitem(prev_flat_grad, Ellipsis, flat_grad)
            prev_loss = loss

            # the step length: at most 1 / |g|_1 on the very first iteration
            if state["n_iter"] == 1:
                t = min(1.0, 1.0 / _host(backend, xp.sum(xp.abs(flat_grad)))) * lr
            else:
                t = lr
            gtd = _host(backend, dot(flat_grad, d))
            if gtd > -tolerance_change:   # not a descent direction (any more)
                break

            evals = 0
            if group["line_search_fn"] is not None:
                x_start = [backend.copy(p.data) for p in group["params"]]

                def evaluate(step: float) -> tuple[float, Any]:
                    self._add_to_params(step, d)
                    _, value, grad = self._evaluate(closure)
                    for p, x in zip(group["params"], x_start):
                        backend.setitem(p.data, Ellipsis, x)
                    return value, grad

                loss, flat_grad, t, evals = strong_wolfe(
                    evaluate, lambda v: _host(backend, dot(v, d)), abs_max(d), t, loss,
                    flat_grad, gtd, max_ls=max_eval - current_evals)
                self._add_to_params(t, d)
                optimal = abs_max(flat_grad) <= tolerance_grad
            else:
                self._add_to_params(t, d)
                optimal = False
                if n_iter != max_iter:
                    # re-evaluated only when another iteration follows (a stochastic
                    # closure gains nothing from a last evaluation)
                    _, loss, flat_grad = self._evaluate(closure)
                    optimal = abs_max(flat_grad) <= tolerance_grad
                    evals = 1
            current_evals += evals
            state["func_evals"] += evals

            if n_iter == max_iter or current_evals >= max_eval or optimal:
                break
            if abs_max(d * t) <= tolerance_change or abs(loss - prev_loss) < tolerance_change:
                break             # no progress in the parameters or in the loss

        state.update({"d": d, "t": t, "old_dirs": old_dirs, "old_stps": old_stps, "ro": ro,
                      "H_diag": h_diag, "prev_flat_grad": prev_flat_grad,
                      "prev_loss": prev_loss})
        return orig_loss

    @staticmethod
    def _two_loop(flat_grad: Any, old_dirs: list, old_stps: list, ro: list, h_diag: float,
                  dot: Callable[[Any, Any], Any], al: list) -> Any:
        """-H g for the L-BFGS inverse-Hessian approximation H (N&W Alg. 7.4); the
        coefficients (written into ``al``) stay 0-d device arrays, so this loop never syncs."""
        q = -flat_grad
        for i in range(len(old_dirs) - 1, -1, -1):
            al[i] = dot(old_stps[i], q) * ro[i]
            q -= al[i] * old_dirs[i]
        r = q * h_diag
        for i in range(len(old_dirs)):
            be_i = dot(old_dirs[i], r) * ro[i]
            r += (al[i] - be_i) * old_stps[i]
        return r

    # ---- state: flat vectors and lists of them ---------------------------------------------
    def state_dict(self) -> dict:
        """As ``Optimizer.state_dict``, with the flat vectors and the history lists
        (``d``, ``prev_flat_grad``, ``old_dirs``, ``old_stps``) as Tensors.

        >>> saved = opt.state_dict(); opt2.load_state_dict(saved)
        """
        entries = self.state.get(0)
        if entries is None:
            return super().state_dict()
        backend = self._backend()

        def as_tensor(array: Any) -> Tensor:
            return make_tensor(backend.copy(array), backend, False, None)

        saved = dict(entries)
        self.state[0] = {k: v for k, v in entries.items()
                         if k not in _VECTORS + _VECTOR_LISTS + (_SCRATCH,)}
        try:
            out = super().state_dict()
        finally:
            self.state[0] = entries
        out["state"][0].update(
            {k: as_tensor(saved[k]) for k in _VECTORS if saved.get(k) is not None})
        out["state"][0].update(
            {k: [as_tensor(a) for a in saved[k]] for k in _VECTOR_LISTS
             if saved.get(k) is not None})
        if saved.get(_SCRATCH) is not None:
            out["state"][0][_SCRATCH] = [None if a is None else as_tensor(a)
                                         for a in saved[_SCRATCH]]
        return out

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore what ``state_dict`` saved; vectors go onto the parameters' device in
        their dtype."""
        saved = dict(state_dict["state"].get(0, state_dict["state"].get("0", {})))
        vectors = {k: saved.pop(k) for k in _VECTORS + _VECTOR_LISTS if k in saved}
        saved.pop(_SCRATCH, None)           # recomputed before it is read
        super().load_state_dict({"state": {0: saved} if saved else {},
                                 "param_groups": state_dict["param_groups"]})
        if not vectors:
            return
        first = self.param_groups[0]["params"][0]
        shape = (sum(p.size for p in self.param_groups[0]["params"]),)
        state = self.state.setdefault(0, {})
        for k, value in vectors.items():
            what = f"LBFGS: saved state {k!r} (for {shape[0]} parameter elements)"
            if value is None:
                state[k] = None
            elif k in _VECTORS:
                state[k] = restore_array(value, first, shape, what)
            else:
                state[k] = [restore_array(v, first, shape, what) for v in value]
