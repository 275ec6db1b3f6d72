"""Between parameter values and the model's unit cube.

Each modelled leaf is one dimension x in [0, 1] over its internal range (log
scale for log parameters, half-step padding for integers, mu +- 4 sigma for
normals), encoded as CMA-ES encodes it (:mod:`hypersweep.samplers.unit_cube`).
Integers and stepped floats stay numeric (neighbouring values are similar) and are
snapped to their grid; categoricals are choice indices, seen by the kernel as one-hot
columns (Hamming distance with their own lengthscale).
"""

from __future__ import annotations

import math

import numpy as np

from ...space.kinds import Int, Param
from ..unit_cube import UnitCube


class Encoding(UnitCube):
    """The unit cube's encoding plus what the model needs: snapping to values the
    leaves can take, and kernel features."""

    def __init__(self, leaves: dict[str, Param]) -> None:
        super().__init__(leaves)
        cols: list[int] = []
        for d, n in enumerate(self.n_choices):
            cols += [d] * (int(n) if n > 0 else 1)
        self.cols = np.array(cols, dtype=int)

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
                x[:, d] = [self.unit(d, self.value(d, v)) for v in x[:, d]]
            else:
                x[:, d] = np.clip(x[:, d], 0.0, 1.0)
        return x

    def _needs_roundtrip(self, d: int) -> bool:
        return getattr(self.params[d], "step", None) is not None or isinstance(self.params[d], Int)

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
