"""Evolutionary search: a genetic algorithm for mixed, conditional spaces.

The operators are pure functions in ``_operators`` (tested alone), and so is
survival with several objectives (NSGA-II / NSGA-III) in ``_multi``; the
sampler only reads its population from the trials, so it keeps no state.
"""

from __future__ import annotations

from ._ga import Evolution
from ._multi import reference_directions, survivors
from ._operators import Breeder, breed, crossover, mutate, mutate_value, select_parents, tournament

__all__ = [
    "Breeder",
    "Evolution",
    "breed",
    "crossover",
    "mutate",
    "mutate_value",
    "reference_directions",
    "select_parents",
    "survivors",
    "tournament",
]
