"""Samplers decide which parameters to try next.

``hs.samplers.Random``, ``Grid``, ``TPE``, ``GP``, ``QMC``, ``Evolution``, ``CMAES``,
``Auto``; or by name: ``sampler="random" | "grid" | "tpe" | "gp" | "qmc" |
"evolution" | "cmaes" | "auto"``. The model-based ones are imported on first use, so
they cost nothing until then.
"""

from __future__ import annotations

import importlib
from typing import Any

from ..history import History
from .base import Sampler
from .grid import Grid
from .random import Random

__all__ = [
    "CMAES",
    "GP",
    "QMC",
    "TPE",
    "Auto",
    "Evolution",
    "Grid",
    "History",
    "Random",
    "Sampler",
    "from_name",
]

# public class name -> module that defines it (imported lazily)
_LAZY = {
    "TPE": ".tpe",
    "GP": ".gp",
    "QMC": ".qmc",
    "Evolution": ".evolution",
    "CMAES": ".cmaes",
    "Auto": ".auto",
}
_BY_NAME = {
    "random": "Random",
    "grid": "Grid",
    "tpe": "TPE",
    "gp": "GP",
    "qmc": "QMC",
    "evolution": "Evolution",
    "cmaes": "CMAES",
    "auto": "Auto",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        try:
            module = importlib.import_module(_LAZY[name], __name__)
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.startswith(__name__):
                raise AttributeError(f"the {name} sampler is not in this version") from None
            raise
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def from_name(name: str | Sampler | None, *, seed: int | None = None) -> Sampler:
    """A sampler from its name, or the object itself; None means Random."""
    if name is None:
        return Random(seed=seed)
    if isinstance(name, Sampler):
        return name
    key = str(name).lower()
    if key not in _BY_NAME:
        raise ValueError(f"unknown sampler {name!r}: choose one of {sorted(_BY_NAME)}")
    try:
        cls = globals().get(_BY_NAME[key]) or __getattr__(_BY_NAME[key])
    except AttributeError as exc:
        raise ValueError(f"the {key!r} sampler is not available: {exc}") from None
    sampler: Sampler = cls(seed=seed)
    return sampler
