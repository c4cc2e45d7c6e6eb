"""The strong-Wolfe line search that LBFGS uses (Nocedal & Wright, Numerical Optimization,
2nd ed., Algorithms 3.5 and 3.6), with PyTorch's choices of constants, bracketing and
safeguards so that the trial steps, and so the trajectories, are PyTorch's.

Vectors (the direction ``d`` and the gradients) stay backend arrays on the parameters'
device; the step lengths, losses and directional derivatives are Python floats, because
each decision of the search (sufficient decrease, curvature, bracket update) is made on the
host.
"""
from __future__ import annotations

import math
from typing import Any, Callable


def cubic_interpolate(x1: float, f1: float, g1: float, x2: float, f2: float, g2: float,
                      bounds: tuple[float, float] | None = None) -> float:
    """The minimiser of the cubic through (x1, f1) and (x2, f2) with slopes g1 and g2,
    clamped to ``bounds`` (default: the interval between x1 and x2); its midpoint when the
    cubic has no minimum (N&W eq. 3.59).

    >>> cubic_interpolate(0.0, 1.0, -1.0, 1.0, 0.5, 0.5)
    """
    if bounds is not None:
        low, high = bounds
    else:
        low, high = (x1, x2) if x1 <= x2 else (x2, x1)
    d1 = g1 + g2 - 3.0 * (f1 - f2) / (x1 - x2)
    d2_square = d1 * d1 - g1 * g2
    if d2_square >= 0.0:
        d2 = math.sqrt(d2_square)
        if x1 <= x2:
            at = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2.0 * d2))
        else:
            at = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2.0 * d2))
        return min(max(at, low), high)
    return (low + high) / 2.0


def strong_wolfe(evaluate: Callable[[float], tuple[float, Any]], dot: Callable[[Any], float],
                 abs_max_d: float, t: float, f: float, g: Any, gtd: float, c1: float = 1e-4,
                 c2: float = 0.9, tolerance_change: float = 1e-9,
                 max_ls: int = 25) -> tuple[float, Any, float, int]:
    """Search along d from the current point (loss ``f``, flat gradient ``g``, slope ``gtd``
    = g.d < 0) for a step t with f(t) <= f + c1 t gtd and |g(t).d| <= -c2 gtd.

    ``evaluate(t)`` gives the loss (a float) and the flat gradient at x + t d (leaving x in
    place); ``dot(v)`` gives v.d as a float; ``abs_max_d`` is max |d|. Returns the loss,
    gradient and step of the best point found and the number of evaluations.

    >>> f_new, g_new, t, evals = strong_wolfe(evaluate, dot, abs_max_d, 1.0, f, g, gtd)
    """
    f_new, g_new = evaluate(t)
    evals = 1
    gtd_new = dot(g_new)

    # bracketing phase (Alg. 3.5): grow t until an interval holds an acceptable step
    t_prev, f_prev, g_prev, gtd_prev = 0.0, f, g, gtd
    done = False
    ls_iter = 0
    bracket: list[float] = []
    bracket_f: list[float] = []
    bracket_g: list[Any] = []
    bracket_gtd: list[float] = []
    while ls_iter < max_ls:
        if f_new > f + c1 * t * gtd or (ls_iter > 1 and f_new >= f_prev):
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new], [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, bracket_f, bracket_g = [t], [f_new], [g_new]
            done = True
            break
        if gtd_new >= 0.0:
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new], [gtd_prev, gtd_new]
            break
        # extrapolate, at least 1% beyond t and at most 10 t
        t_next = cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new,
                                   bounds=(t + 0.01 * (t - t_prev), t * 10.0))
        t_prev, f_prev, g_prev, gtd_prev = t, f_new, g_new, gtd_new
        t = t_next
        f_new, g_new = evaluate(t)
        evals += 1
        gtd_new = dot(g_new)
        ls_iter += 1
    if ls_iter == max_ls:             # out of evaluations: the best of 0 and the last t
        bracket, bracket_f, bracket_g = [0.0, t], [f, f_new], [g, g_new]

    # zoom phase (Alg. 3.6): shrink the bracket around a point meeting both conditions
    insufficient_progress = False
    low, high = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * abs_max_d < tolerance_change:
            break
        t = cubic_interpolate(bracket[0], bracket_f[0], bracket_gtd[0],
                              bracket[1], bracket_f[1], bracket_gtd[1])
        # a trial too close to an end twice in a row (or outside) moves 10% inside it
        top, bottom = max(bracket), min(bracket)
        margin = 0.1 * (top - bottom)
        if min(top - t, t - bottom) < margin:
            if insufficient_progress or t >= top or t <= bottom:
                t = top - margin if abs(t - top) < abs(t - bottom) else bottom + margin
                insufficient_progress = False
            else:
                insufficient_progress = True
        else:
            insufficient_progress = False

        f_new, g_new = evaluate(t)
        evals += 1
        gtd_new = dot(g_new)
        ls_iter += 1

        if f_new > f + c1 * t * gtd or f_new >= bracket_f[low]:
            # no sufficient decrease, or no better than the low end: t is the new high end
            bracket[high], bracket_f[high] = t, f_new
            bracket_g[high], bracket_gtd[high] = g_new, gtd_new
            low, high = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high] - bracket[low]) >= 0.0:
                # the minimum lies between t and the low end: the old low becomes the high
                bracket[high], bracket_f[high] = bracket[low], bracket_f[low]
                bracket_g[high], bracket_gtd[high] = bracket_g[low], bracket_gtd[low]
            bracket[low], bracket_f[low] = t, f_new
            bracket_g[low], bracket_gtd[low] = g_new, gtd_new

    return bracket_f[low], bracket_g[low], bracket[low], evals
