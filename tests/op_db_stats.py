"""Registry entries of cov, corrcoef and cdist (autograd/ops/statistics.py), appended to
tests/op_db.py's OPS. Import this only through op_db (from op_db import OPS)."""
from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

import xpgrad as xg
from op_db import ErrorInput, OpInfo, t
from op_samples import Sample, Samples


def _fixed(*samples: Sample) -> Samples:
    return Samples(st.sampled_from(samples), samples)


def _np_cov(x: Any, correction: int = 1) -> Any:
    return np.asarray(np.cov(x, ddof=correction), dtype=x.dtype)


def _np_corrcoef(x: Any) -> Any:
    return np.clip(np.corrcoef(x), -1.0, 1.0).astype(x.dtype)


def _np_cdist(a: Any, b: Any, p: float) -> Any:
    diff = np.abs(a[..., :, None, :] - b[..., None, :, :])
    if p == 0:
        return (diff != 0).sum(-1).astype(a.dtype)
    if p == np.inf:
        return diff.max(-1)
    return (diff ** p).sum(-1) ** (1.0 / p)


_MATRICES = (Sample(((3, 5),)), Sample(((5,),)), Sample(((1, 4),)), Sample(((2, 3),)))
_PAIRS = tuple(Sample(s, {"p": p}) for s in (((3, 2), (4, 2)), ((2, 3, 2), (2, 2, 2)),
                                              ((1, 3), (2, 3)))
               for p in (1.0, 2.0, 3.0, float("inf")))

OPS: list = [
    OpInfo("cov", lambda x, correction=1: xg.cov(x, correction=correction), _np_cov,
           samples=_fixed(*_MATRICES, Sample(((3, 5),), {"correction": 0}),
                          Sample(((2, 6),), {"correction": 2})),
           errors=(ErrorInput(lambda d: xg.cov(t(d, 2, 2, 2)), ValueError,
                              r"cov: expects a 1-D or 2-D tensor"),)),
    OpInfo("corrcoef", lambda x: x.corrcoef(), _np_corrcoef,
           samples=_fixed(Sample(((3, 5),)), Sample(((2, 4),)))),
    # distances stay away from 0 (random inputs), where |.| and max have kinks
    OpInfo("cdist", lambda a, b, p: xg.cdist(a, b, p=p), _np_cdist, samples=_fixed(*_PAIRS),
           errors=(ErrorInput(lambda d: xg.cdist(t(d, 3, 2), t(d, 3, 4)), ValueError,
                              r"cdist: x1 \(3, 2\) and x2 \(3, 4\)"),)),
    OpInfo("cdist_mm", lambda a, b: xg.cdist(a, b, compute_mode="use_mm_for_euclid_dist"),
           lambda a, b: _np_cdist(a, b, 2.0), samples=_fixed(Sample(((3, 2), (4, 2))),
                                                             Sample(((2, 3, 3), (2, 2, 3))))),
]
