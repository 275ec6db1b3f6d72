"""Parameter kinds, the leaves of a search space, and reading them back from JSON.

The kinds live by job in :mod:`.base` (the common interface), :mod:`.numeric`
(ranges and Gaussian priors) and :mod:`.choice` (Categorical, Repeat); this
module gathers their public names (``hypersweep.space.kinds`` and the old
``hypersweep.params`` keep working) and turns a stored definition back into one.
"""

from __future__ import annotations

from typing import Any

from .base import Param
from .choice import Categorical, Repeat, json_key
from .numeric import Float, Int, LogNormal, Normal

__all__ = [
    "Categorical",
    "Float",
    "Int",
    "LogNormal",
    "Normal",
    "Param",
    "Repeat",
    "json_key",
    "param_from_json",
]


def param_from_json(data: dict[str, Any]) -> Param:
    """Inverse of ``Param.to_json`` for leaf kinds (categorical choices as keys)."""
    kind = data.get("kind")
    args = {k: v for k, v in data.items() if k != "kind"}
    if kind == "float":
        return Float(**args)
    if kind == "int":
        return Int(**args)
    if kind == "normal":
        return Normal(**args)
    if kind == "lognormal":
        return LogNormal(**args)
    if kind == "categorical":
        return Categorical(args["choices"])
    raise ValueError(f"unknown parameter kind {kind!r}")
