"""Parameter values <-> the unit cube, for CMA-ES and the GP sampler alike.

Each leaf is one coordinate in [0, 1] over its internal range: log scale for log
ranges, half a step of padding at both ends for integers (so every integer owns an
interval of equal width), mu +- 4 sigma for normals. A categorical leaf is its choice
index instead (CMA-ES leaves categoricals to TPE; the GP's kernel sees them one-hot).
Integers and stepped floats with at most ``MAX_GRID`` values keep the sorted unit
positions of their values: the grid CMA-ES's integer margin protects and the GP snaps
to.

It sits beside both samplers, not inside ``samplers.gp``, because importing that
package imports scipy's optimisers, which CMA-ES does without.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..space.kinds import Categorical, Float, Int, Param
from .base import all_values

MAX_GRID = 4096  # discrete leaves with more values get no grid


class UnitCube:
    """Encode and decode the flat values of a fixed list of leaves.

    >>> import hypersweep as hs
    >>> cube = UnitCube({"lr": hs.Float(1e-4, 1e-2, log=True), "n": hs.Int(1, 4)})
    >>> cube.encode({"lr": 1e-3, "n": 2}).round(3).tolist()
    [0.5, 0.375]
    >>> cube.decode([0.5, 0.3])["n"]
    2
    >>> cube.roundtrip([0.25, 0.3]).round(3).tolist()  # to where n = 2 lies
    [0.25, 0.375]
    """

    def __init__(self, leaves: dict[str, Param]) -> None:
        self.paths = list(leaves)
        self.params = [leaves[p] for p in self.paths]
        self.lo = np.array([p.bounds()[0] for p in self.params], dtype=float)
        width = np.array([p.bounds()[1] - p.bounds()[0] for p in self.params], dtype=float)
        self.width = np.where(width > 0, width, 1.0)
        self.n_choices = np.array([p.n_choices for p in self.params], dtype=int)
        self.is_cat = self.n_choices > 0
        self.grids = [self._grid(d) for d in range(self.n_dims)]
        self.is_discrete = np.array([g is not None for g in self.grids], dtype=bool)

    @property
    def n_dims(self) -> int:
        return len(self.paths)

    def _grid(self, d: int) -> np.ndarray | None:
        """Sorted unit positions of every value of an integer or stepped float leaf."""
        param = self.params[d]
        if isinstance(param, Categorical) or not isinstance(param, (Int, Float)):
            return None
        if param.step is None and isinstance(param, Float):
            return None
        count = int(round((param.high - param.low) / (param.step or 1))) + 1
        if count > MAX_GRID:
            return None
        return np.array(sorted(self.unit(d, v) for v in all_values(param)))

    def unit(self, d: int, value: Any) -> float:
        """Leaf ``d``'s value as its coordinate (a categorical's: the choice's index)."""
        v = self.params[d].to_internal(value)
        return float(v if self.is_cat[d] else (v - self.lo[d]) / self.width[d])

    def value(self, d: int, u: float) -> Any:
        """Leaf ``d``'s value at coordinate ``u``, clipped to [0, 1] (a categorical's:
        the choice at the rounded index)."""
        param = self.params[d]
        if self.is_cat[d]:
            return param.from_internal(float(int(round(u))))
        u = min(max(float(u), 0.0), 1.0)
        return param.from_internal(float(self.lo[d] + u * self.width[d]))

    def encode(self, flat: dict[str, Any]) -> np.ndarray:
        return np.array([self.unit(d, flat[p]) for d, p in enumerate(self.paths)], dtype=float)

    def decode(self, x: Any) -> dict[str, Any]:
        return {p: self.value(d, x[d]) for d, p in enumerate(self.paths)}

    def roundtrip(self, x: Any) -> np.ndarray:
        """The point of the values ``x`` decodes to: each coordinate moved to where the
        value its leaf takes there lies (an integer's, a stepped float's)."""
        return self.encode(self.decode(x))
