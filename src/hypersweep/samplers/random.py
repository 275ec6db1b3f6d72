"""Random search: each leaf drawn from its prior, independently."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..exceptions import SpaceExhausted
from ..history import History
from .base import Sampler, all_values

if TYPE_CHECKING:
    from ..space.kinds import Param
    from ..space.tree import Space

_ATTEMPTS = 64


class Random(Sampler):
    """Draw every parameter from its prior; seeded and reproducible.

    On a space with only discrete parameters (choices, integers, stepped
    floats) it never repeats a configuration unless ``allow_repeats=True``,
    and it stops the study once every configuration has been tried.

    >>> import hypersweep as hs
    >>> r = hs.minimize(lambda p: (p["x"] - 1) ** 2, {"x": hs.Float(-5, 5)},
    ...                 sampler=hs.samplers.Random(seed=0), n_trials=20, verbosity=0)
    >>> abs(r.best_params["x"] - 1) < 1
    True
    """

    def __init__(self, *, seed: int | None = None, allow_repeats: bool = False) -> None:
        super().__init__(seed=seed)
        self.allow_repeats = allow_repeats

    def sample(self, history: History, number: int, path: str, param: Param) -> Any:
        return param.from_unit(self.uniform(number, path))

    def propose(self, history: History, number: int) -> dict[str, Any]:
        space = history.space
        if space is None or self.allow_repeats:
            return {}
        size = self.space_size(space)
        if size is None:
            return {}  # a continuous leaf: repeats have probability zero
        for attempt in range(_ATTEMPTS):
            flat = self._draw(space, number + (attempt << 40))
            if not history.seen(flat):
                return flat
        for cell in space.grid(lambda _path, p: all_values(p)):  # few new points left: scan
            if not history.seen(cell):
                return cell
        raise SpaceExhausted(f"all {size} configurations of the space have been tried")

    def _draw(self, space: Space, draw: int) -> dict[str, Any]:
        return space.resolve(lambda path, p: p.from_unit(self.uniform(draw, path)))[1]
