"""Numeric leaves <-> the unit cube CMA-ES searches.

Each leaf is one coordinate in [0, 1] over its internal range: log scale for log
ranges, half a step of padding at both ends for integers (so every integer owns
an interval of equal width), mu +- 4 sigma for normals. Integers and stepped
floats with at most ``_MAX_GRID`` values keep their sorted unit positions, the
grid the margin protects.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...space.kinds import Float, Int, Param
from ..base import all_values

_MAX_GRID = 4096


class Encoding:
    def __init__(self, leaves: dict[str, Param]) -> None:
        self.paths = list(leaves)
        self.params = [leaves[p] for p in self.paths]
        self.lo = np.array([p.bounds()[0] for p in self.params], dtype=float)
        width = np.array([p.bounds()[1] - p.bounds()[0] for p in self.params], dtype=float)
        self.width = np.where(width > 0, width, 1.0)
        self.grids = [self._grid(p, d) for d, p in enumerate(self.params)]
        self.is_discrete = np.array([g is not None for g in self.grids], dtype=bool)

    @property
    def n_dims(self) -> int:
        return len(self.paths)

    def _grid(self, param: Param, d: int) -> np.ndarray | None:
        if not isinstance(param, (Int, Float)) or (isinstance(param, Float) and not param.step):
            return None
        count = int(round((param.high - param.low) / (param.step or 1))) + 1
        if count > _MAX_GRID:
            return None
        xs = [(param.to_internal(v) - self.lo[d]) / self.width[d] for v in all_values(param)]
        return np.array(sorted(xs))

    def encode(self, flat: dict[str, Any]) -> np.ndarray:
        values = [p.to_internal(flat[path]) for path, p in zip(self.paths, self.params)]
        return (np.array(values, dtype=float) - self.lo) / self.width

    def decode(self, x: np.ndarray) -> dict[str, Any]:
        u = np.clip(x, 0.0, 1.0)
        return {
            path: p.from_internal(float(self.lo[d] + u[d] * self.width[d]))
            for d, (path, p) in enumerate(zip(self.paths, self.params))
        }

    def snap(self, x: np.ndarray) -> np.ndarray:
        """The unit position of the value a point decodes to, coordinate by coordinate."""
        return self.encode(self.decode(x))
