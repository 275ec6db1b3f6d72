"""Between parameter values and the model's unit cube.

Each modelled leaf is one dimension x in [0, 1] over its internal range (log
scale for log parameters, half-step padding for integers, mu +- 4 sigma for
normals). Integers and stepped floats stay numeric (neighbouring values are
similar) and are snapped to their grid; categoricals are choice indices, seen
by the kernel as one-hot columns (Hamming distance with their own lengthscale).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ...space.kinds import Categorical, Float, Int, Param
from ..base import all_values

_MAX_GRID = 4096  # discrete dims with more values are snapped one by one


class Encoding:
    """Encode/decode flat values of a fixed list of leaves; build kernel features."""

    def __init__(self, leaves: dict[str, Param]) -> None:
        self.paths = list(leaves)
        self.params = [leaves[p] for p in self.paths]
        self.lo = np.array([p.bounds()[0] for p in self.params], dtype=float)
        width = np.array([p.bounds()[1] - p.bounds()[0] for p in self.params], dtype=float)
        self.width = np.where(width > 0, width, 1.0)
        self.n_choices = np.array([p.n_choices for p in self.params], dtype=int)
        self.is_cat = self.n_choices > 0
        self.grids = [self._grid(p) for p in self.params]
        self.is_discrete = np.array([g is not None for g in self.grids]) & ~self.is_cat
        cols: list[int] = []
        for d, n in enumerate(self.n_choices):
            cols += [d] * (int(n) if n > 0 else 1)
        self.cols = np.array(cols, dtype=int)

    @property
    def n_dims(self) -> int:
        return len(self.paths)

    def _grid(self, param: Param) -> np.ndarray | None:
        """Sorted unit positions of every value of an integer or stepped float."""
        if isinstance(param, Categorical) or not isinstance(param, (Int, Float)):
            return None
        if param.step is None and isinstance(param, Float):
            return None
        count = int(round((param.high - param.low) / (param.step or 1))) + 1
        if count > _MAX_GRID:
            return None
        lo, hi = param.bounds()
        xs = [(param.to_internal(v) - lo) / ((hi - lo) or 1.0) for v in all_values(param)]
        return np.array(sorted(xs))

    def encode(self, flat: dict[str, Any]) -> np.ndarray:
        x = np.empty(self.n_dims)
        for d, (path, param) in enumerate(zip(self.paths, self.params)):
            v = param.to_internal(flat[path])
            x[d] = v if self.is_cat[d] else (v - self.lo[d]) / self.width[d]
        return x

    def decode(self, x: np.ndarray) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for d, (path, param) in enumerate(zip(self.paths, self.params)):
            if self.is_cat[d]:
                out[path] = param.from_internal(float(int(round(x[d]))))
            else:
                u = min(max(float(x[d]), 0.0), 1.0)
                out[path] = param.from_internal(self.lo[d] + u * self.width[d])
        return out

    def snap(self, x: np.ndarray) -> np.ndarray:
        """Move rows (m, d) onto values the parameters can take (grids, choice indices)."""
        x = np.clip(x, 0.0, 1.0) if not self.is_cat.any() else x.copy()
        for d in range(self.n_dims):
            grid = self.grids[d]
            if self.is_cat[d]:
                x[:, d] = np.clip(np.round(x[:, d]), 0, self.n_choices[d] - 1)
            elif grid is not None:
                i = np.clip(np.searchsorted(grid, x[:, d]), 1, len(grid) - 1)
                left_closer = (x[:, d] - grid[i - 1]) < (grid[i] - x[:, d])
                x[:, d] = np.where(left_closer, grid[i - 1], grid[i]) if len(grid) > 1 else grid[0]
            elif self._needs_roundtrip(d):
                x[:, d] = [self._roundtrip(d, v) for v in x[:, d]]
            else:
                x[:, d] = np.clip(x[:, d], 0.0, 1.0)
        return x

    def _needs_roundtrip(self, d: int) -> bool:
        return getattr(self.params[d], "step", None) is not None or isinstance(self.params[d], Int)

    def _roundtrip(self, d: int, u: float) -> float:
        param = self.params[d]
        v = param.to_internal(
            param.from_internal(self.lo[d] + min(max(u, 0.0), 1.0) * self.width[d])
        )
        return (v - self.lo[d]) / self.width[d]

    def features(self, x: np.ndarray) -> np.ndarray:
        """Kernel features (m, D): numeric dims as they are, choices one-hot / sqrt2."""
        if not self.is_cat.any():
            return x
        parts = []
        for d in range(self.n_dims):
            if self.is_cat[d]:
                idx = np.clip(np.round(x[:, d]).astype(int), 0, self.n_choices[d] - 1)
                parts.append(np.eye(self.n_choices[d])[idx] / math.sqrt(2.0))
            else:
                parts.append(x[:, d : d + 1])
        return np.hstack(parts)

    def unit_to_x(self, u: np.ndarray) -> np.ndarray:
        """Map uniform draws (m, d) to model coordinates (choice indices for categoricals)."""
        x = u.copy()
        cat = self.is_cat
        x[:, cat] = np.minimum(np.floor(u[:, cat] * self.n_choices[cat]), self.n_choices[cat] - 1)
        return self.snap(x)
