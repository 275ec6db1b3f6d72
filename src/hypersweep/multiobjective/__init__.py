"""Multi-objective math: Pareto dominance, hypervolume and choosing one trial.

Pure functions on numpy arrays of losses (every column minimised; ``to_loss`` turns
values and directions into losses), shared by the samplers, the study and the plots.
It imports only the trial records, so every layer above may use it.
"""

from __future__ import annotations

from .hypervolume import contributions, hypervolume, reference_point
from .pareto import (
    constrained_ranks,
    crowding_distance,
    dominates,
    fronts,
    nondominated_ranks,
    pareto_mask,
    to_loss,
    violation,
)
from .select import by_bounds, by_weights, knee, normalise
from .trials import directions_of, losses, violations

__all__ = [
    "by_bounds",
    "by_weights",
    "constrained_ranks",
    "contributions",
    "crowding_distance",
    "directions_of",
    "dominates",
    "fronts",
    "hypervolume",
    "knee",
    "losses",
    "nondominated_ranks",
    "normalise",
    "pareto_mask",
    "reference_point",
    "to_loss",
    "violation",
    "violations",
]
