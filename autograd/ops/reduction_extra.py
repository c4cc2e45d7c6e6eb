"""Reductions, scans and sorting beyond the core, with PyTorch's names and semantics. The ops
live in reduce_scan (prod, cumsum, cumprod, logcumsumexp, cummax, cummin), reduce_stats
(amax, amin, aminmax, nansum, nanmean, count_nonzero, median, nanmedian, mode, diff,
trapezoid, cumulative_trapezoid, var_mean, std_mean) and sort_ops (sort, argsort, msort,
topk, kthvalue, searchsorted, bucketize); this module lists them and their Tensor methods."""
from __future__ import annotations

import functools
from typing import Any

from .reduce_scan import cummax, cummin, cumprod, cumsum, logcumsumexp, prod
from .reduce_stats import (amax, amin, aminmax, count_nonzero, cumulative_trapezoid,
                           diff, median, mode, nanmean, nanmedian, nansum, std_mean, trapezoid,
                           var_mean)
from .sort_ops import argsort, bucketize, kthvalue, msort, searchsorted, sort, topk

trapz = trapezoid     # torch.trapz, the older name

__all__: list[str] = [
    "prod", "cumsum", "cumprod", "logcumsumexp", "cummax", "cummin",
    "amax", "amin", "aminmax", "nansum", "nanmean", "count_nonzero", "median", "nanmedian",
    "mode", "diff", "trapezoid", "trapz", "cumulative_trapezoid", "var_mean", "std_mean",
    "sort", "argsort", "msort", "topk", "kthvalue", "searchsorted", "bucketize",
]


def _method(fn: Any) -> Any:
    @functools.wraps(fn)
    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        return fn(self, *args, **kwargs)
    return method


TENSOR_METHODS: dict = {      # name -> function(self, ...): installed on Tensor by ops/__init__
    fn.__name__: _method(fn) for fn in (
        prod, cumsum, cumprod, logcumsumexp, cummax, cummin, amax, amin, aminmax, nansum,
        nanmean, count_nonzero, median, nanmedian, mode, diff, sort, argsort, msort, topk,
        kthvalue)}
