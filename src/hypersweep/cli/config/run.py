"""Running a validated config: create or resume its study, store the run settings
(so ``hypersweep worker`` can join later) and optimize to the budget."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..defaults import DEFAULT_STORAGE
from . import fields
from .makers import pruner_for, sampler_for
from .schema import RunConfig, fail

if TYPE_CHECKING:
    from ...study import Study


def import_objective(ref: str, folder: str | os.PathLike[str]) -> Callable[..., Any]:
    """Import an objective named ``module:function``, looking in ``folder`` and the cwd first."""
    return fields.objective(Path(folder) / "(stored run settings)", ref)


def run_settings(cfg: RunConfig) -> dict[str, Any]:
    """What a worker needs to join the study later, stored with it."""
    return {
        "objective": cfg.objective_ref,
        "folder": str(cfg.path.resolve().parent),
        "sampler": cfg.sampler,
        "seed": cfg.seed,
        "grid_points": cfg.grid_points,
        "grid_rounds": cfg.grid_rounds,
        "pruner": cfg.pruner,
        "n_trials": cfg.n_trials,
        "timeout": cfg.timeout,
    }


def run_config(cfg: RunConfig, storage_override: str | None = None, *, n_jobs: int = 1) -> Study:
    """Create or resume the config's study and run it to its budget; return the study.

    Storage: ``storage_override``, else the config's ``storage``, else
    ``sqlite:///hypersweep.db`` in the working directory.
    """
    from ...study.factory import create_study

    if cfg.sampler != "grid" and cfg.n_trials is None and cfg.timeout is None:
        raise fail(
            cfg.path,
            "n_trials",
            f"{cfg.sampler} search needs a budget: set 'n_trials: 50' (or 'timeout: 600') in "
            "the config, or pass --n-trials",
        )
    settings = run_settings(cfg)
    study = create_study(
        cfg.study,
        storage=storage_override or cfg.storage or DEFAULT_STORAGE,
        direction=None if cfg.directions else cfg.direction,
        directions=cfg.directions,
        objective_names=cfg.objective_names,
        sampler=sampler_for(settings),
        pruner=pruner_for(cfg.pruner),
        space=cfg.space,
        load_if_exists=True,
        seed=cfg.seed,
        repeats=cfg.repeats,
        select=cfg.select,
    )
    study.set_system_attr("run", settings)  # so `hypersweep worker STUDY` can join later
    study.optimize(cfg.objective, cfg.n_trials, timeout=cfg.timeout, n_jobs=n_jobs)
    return study
