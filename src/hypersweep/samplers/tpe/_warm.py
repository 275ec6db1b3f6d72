"""TPE's warm start: kernels at earlier studies' trials, added to both densities.

Each prior study is split into good and bad by its own ranking (the same gamma rule as
the new study), so its values never need to share the new task's scale. Its kernels
(bandwidths from its own rows) join l(x) and g(x) with a weight per trial that fades
as the new study gathers its own trials (:func:`..warm.fade`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from ..warm import PriorSet
from . import kernels, parzen

if TYPE_CHECKING:
    from ._observations import Codec

Cfg = tuple[float, float, float, float]


class WarmKernels:
    """Per group of leaves, the prior studies' good and bad kernels (built once)."""

    def __init__(self, priors: Sequence[PriorSet], gamma: float, max_good: int) -> None:
        self.priors = tuple(priors)
        self.gamma, self.max_good = gamma, max_good
        self.paths = {p for prior in self.priors for flat in prior.flats for p in flat}
        self._sides: dict[tuple[object, ...], tuple[kernels.Kernels, kernels.Kernels] | None] = {}

    def __bool__(self) -> bool:
        return any(len(p.flats) for p in self.priors)

    def covers(self, path: str) -> bool:
        return path in self.paths

    def sides(
        self, codecs: dict[str, Codec], cfg: Cfg, sign: float
    ) -> tuple[kernels.Kernels, kernels.Kernels] | None:
        """(good, bad) kernels over the group's leaves, None if no prior trial fits."""
        key = (tuple(codecs), tuple(c.param for c in codecs.values()), cfg, sign)
        if key not in self._sides:
            self._sides[key] = self._build(codecs, cfg, sign)
        return self._sides[key]

    def _build(
        self, codecs: dict[str, Codec], cfg: Cfg, sign: float
    ) -> tuple[kernels.Kernels, kernels.Kernels] | None:
        rows, good = [], []
        for prior in self.priors:
            if not len(prior.flats):
                continue
            x = np.array([[c.encode(f[p]) if p in f else np.nan for p, c in codecs.items()]
                          for f in prior.flats], dtype=float)  # fmt: skip
            rank = np.argsort(np.argsort(prior.losses(sign), kind="stable"), kind="stable")
            is_good = rank < parzen.n_good(len(x), self.gamma, self.max_good)
            fits = ~np.isnan(x).any(axis=1)  # outside the new space, or a leaf it lacks
            rows.append(x[fits])
            good.append(is_good[fits])
        if not rows or not sum(len(r) for r in rows):
            return None
        x, g = np.vstack(rows), np.concatenate(good)
        cl = list(codecs.values())
        return _side(x[g], cl, cfg), _side(x[~g], cl, cfg)


def _side(x: np.ndarray, codecs: list[Codec], cfg: Cfg) -> kernels.Kernels:
    """Kernels at rows ``x`` with weight 1 each (no forgetting: a finished study's
    trials are all equally old), the prior kernel last as usual."""
    side = kernels.direct(x, np.zeros(len(x)), np.ones(len(x)), codecs, cfg)
    side.log_w[:-1] = 0.0
    return side


def merge(own: kernels.Kernels, extra: kernels.Kernels, weight: float) -> kernels.Kernels:
    """``own`` plus ``extra``'s observation kernels (not its prior kernel), each at
    ``weight``; own's prior kernel stays last."""
    k = len(extra.log_w) - 1
    if k <= 0 or weight <= 0:
        return own

    def join(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.concatenate([a[:-1], b[:k], a[-1:]], axis=0)

    log_w = join(own.log_w, extra.log_w + np.log(weight))
    tables = [join(a, b) for a, b in zip(own.tables, extra.tables)]
    return kernels.Kernels(log_w, own.numeric, join(own.mus, extra.mus),
                           join(own.sigmas, extra.sigmas), own.low, own.high,
                           join(own.log_norm, extra.log_norm), own.categorical,
                           tables)  # fmt: skip
