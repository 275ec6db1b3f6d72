"""Explore: new hyperparameters for a member that just copied a better one.

Values are handled as the study stores them (flat leaf values: numbers, and a
categorical's key), so whatever explore returns is a valid stored configuration:
every number is clipped into its range, snapped to its step, rounded for an
``Int``, and multiplied on the parameter's own scale (a log range stays positive).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..space import Categorical, Float, Int, Space

KINDS = (Float, Int, Categorical)


def check_space(definition: Any) -> Space:
    """The compiled space, refused unless every leaf is a Float, Int or plain Categorical that
    is always present (a member's hyperparameters must mean the same thing after a copy)."""
    space = definition if isinstance(definition, Space) else Space(definition)
    odd = [f"{path} ({type(p).__name__})" for path, p in space.leaves.items()
           if not isinstance(p, KINDS)]  # fmt: skip
    if odd:
        raise ValueError(
            f"population-based training perturbs Float, Int and Categorical parameters, but "
            f"the space holds {', '.join(odd)}; replace them with Float / Int ranges"
        )
    if not space.leaves:
        raise ValueError("population-based training needs a space with at least one parameter")
    present = space.resolve(lambda _path, p: p.from_unit(0.5))[1]
    if set(present) != set(space.leaves):
        raise ValueError(
            "population-based training needs a space without branches or repeats (each member "
            f"must always have every parameter), but {sorted(set(space.leaves) - set(present))} "
            "appear only in some configurations; flatten the space"
        )
    return space


def clip(param: Any, value: float) -> Any:
    """``value`` moved into the parameter's range and onto its step (an int for an ``Int``)."""
    low, high = float(param.low), float(param.high)
    v = min(max(float(value), low), high)
    return param.from_internal(param.to_internal(v))


def sample_flat(space: Space, rng: np.random.Generator) -> dict[str, Any]:
    """A fresh draw from the space's prior, as flat stored values."""
    return dict(space.resolve(lambda _path, p: p.sample(rng))[1])


def perturb(
    flat: dict[str, Any],
    space: Space,
    rng: np.random.Generator,
    *,
    factors: Sequence[float] = (0.8, 1.2),
    resample_probability: float = 0.25,
) -> dict[str, Any]:
    """Jaderberg et al.'s explore: each numeric value is redrawn from the space with
    ``resample_probability``, else multiplied by one of ``factors``; a categorical is redrawn
    with ``resample_probability``, else kept. An ``Int`` that a factor would leave unchanged
    moves one step in that factor's direction, so small integers still explore."""
    out: dict[str, Any] = {}
    for path, param in space.leaves.items():
        value = flat[path]
        if rng.random() < resample_probability:
            out[path] = param.sample(rng)
            continue
        if isinstance(param, Categorical):
            out[path] = value
            continue
        factor = float(factors[int(rng.integers(len(factors)))])
        new = clip(param, float(value) * factor)
        if isinstance(param, Int) and new == value and factor != 1.0:
            new = clip(param, value + (param.step or 1) * (1 if factor > 1 else -1))
        out[path] = new
    return out


def check_factors(factors: Sequence[float]) -> tuple[float, ...]:
    try:
        out = tuple(float(f) for f in factors)
    except (TypeError, ValueError):
        out = ()
    if not out or not all(f > 0 and np.isfinite(f) for f in out):
        raise ValueError(
            f"perturb must be a sequence of positive factors such as (0.8, 1.2), but got "
            f"{factors!r}"
        )
    return out
