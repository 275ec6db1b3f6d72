"""What a run config may hold: its keys, the validated result, and its error type."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...exceptions import HypersweepError
from ..defaults import DEFAULT_STORAGE

KEYS = {
    "objective": "the function to tune, as module:function (e.g. train:objective)",
    "space": "the search space, parameters written with !float, !int, !choice, ...",
    "direction": "minimize (the default) or maximize",
    "directions": "several objectives: a list such as [maximize, minimize], one per value "
    "the objective returns (instead of direction)",
    "objective_names": "with directions: a name per objective, e.g. [accuracy, latency_ms]",
    "sampler": "tpe (the default), random, grid, gp, qmc, evolution, cmaes or auto",
    "seed": "an integer, to make the search reproducible",
    "grid_points": "grid only: points per numeric parameter (default 5)",
    "grid_rounds": "grid only: refine around the best cell this many times (default 1)",
    "pruner": "none (the default), median, asha, hyperband, patience or threshold; or a "
    "mapping such as {asha: {min_resource: 1, reduction_factor: 3}}",
    "repeats": "evaluate each configuration over this many seeds (default 1)",
    "select": "with repeats: mean (the default), mean_minus_std or lcb",
    "n_trials": "the study's total number of trials",
    "timeout": "seconds after which no new trial starts",
    "study": "the study's name (default: the config file's name)",
    "storage": f"a storage URL (default {DEFAULT_STORAGE})",
}


class ConfigError(HypersweepError, ValueError):
    """A run config is wrong; the message names the file, the key and the fix."""


def fail(path: Path, key: str, problem: str) -> ConfigError:
    """The error for one key of one config file: ``FILE: KEY: PROBLEM``."""
    return ConfigError(f"{path}: {key}: {problem}")


@dataclass(frozen=True)
class RunConfig:
    """A validated run config; ``space`` holds hypersweep parameter objects."""

    path: Path
    objective: Callable[..., Any]
    objective_ref: str
    space: Any
    direction: str = "minimize"
    directions: tuple[str, ...] | None = None
    objective_names: tuple[str, ...] | None = None
    sampler: str = "tpe"
    seed: int | None = None
    grid_points: int | None = None
    grid_rounds: int = 1
    pruner: dict[str, Any] | None = None
    repeats: int | None = None
    select: str | None = None
    n_trials: int | None = None
    timeout: float | None = None
    study: str = ""
    storage: str | None = None

    def replace(self, **changes: Any) -> RunConfig:
        """A copy with some fields changed (command-line overrides)."""
        return dataclasses.replace(self, **changes)
