"""Samplers decide which parameters to try next: ``hs.samplers.Random``, ``Grid``.

They can also be named: ``sampler="random" | "grid"``.
"""

from __future__ import annotations

from .base import History, Sampler
from .grid import Grid
from .random import Random

__all__ = ["Grid", "History", "Random", "Sampler", "from_name"]

_BY_NAME: dict[str, type[Sampler]] = {"random": Random, "grid": Grid}
_PLANNED = ("tpe", "gp", "evolution", "qmc")


def from_name(name: str | Sampler | None, *, seed: int | None = None) -> Sampler:
    """A sampler from its name, or the object itself; None means Random."""
    if name is None:
        return Random(seed=seed)
    if isinstance(name, Sampler):
        return name
    key = str(name).lower()
    if key in _BY_NAME:
        return _BY_NAME[key](seed=seed)
    if key in _PLANNED:
        raise ValueError(
            f"the {key!r} sampler is not part of this version yet; use one of {sorted(_BY_NAME)}"
        )
    raise ValueError(f"unknown sampler {name!r}: choose one of {sorted(_BY_NAME)}")
