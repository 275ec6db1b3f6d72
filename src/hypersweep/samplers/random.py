"""Random search: each leaf drawn from its prior, independently."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .base import History, Sampler

if TYPE_CHECKING:
    from ..params import Param


class Random(Sampler):
    """Draw every parameter from its prior; seeded and reproducible.

    >>> import hypersweep as hs
    >>> r = hs.minimize(lambda p: (p["x"] - 1) ** 2, {"x": hs.Float(-5, 5)},
    ...                 sampler=hs.samplers.Random(seed=0), n_trials=20, verbosity=0)
    >>> abs(r.best_params["x"] - 1) < 1
    True
    """

    def sample(self, history: History, number: int, path: str, param: Param) -> Any:
        return param.from_unit(self.uniform(number, path))
