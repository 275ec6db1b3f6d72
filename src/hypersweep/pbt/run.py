"""``hs.pbt.run``: population-based training on a hypersweep study; ``replay`` of a schedule."""

from __future__ import annotations

import math
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._checks import int_at_least
from ..samplers import Random
from ..storage import MemoryStorage
from ..study.facade import Study
from ..study.factory import create_study
from ..study.loop import WorkerLoop
from ..study.options import FAIL_FAST, RunOptions
from ..study.processes import Executor, WorkerSpec, run_processes
from ..trial import TrialState
from .explore import check_factors, check_space
from .lineage import Step, best_step, schedule_of, settings_of, steps_of
from .population import Settings
from .worker import Interval, PopulationCore, Runner

EXPLORES = ("perturb", "model")


@dataclass(frozen=True)
class Result:
    """A population's outcome: ``best`` (the best member's last turn), ``schedule`` (the
    turns that made its weights, oldest first: the hyperparameters to replay) and ``lineage``
    (every member's turns, for plots)."""

    study: Study
    best: Step
    schedule: list[Step] = field(repr=False)
    lineage: list[Step] = field(repr=False)

    @property
    def best_score(self) -> float:
        return self.best.score

    @property
    def best_checkpoint(self) -> Path:
        """The directory the best member saved its final weights into."""
        return Path(settings_of(self.study).checkpoint(self.best.member, self.best.turn))

    @property
    def steps_used(self) -> int:
        """Training steps spent by the whole population (every finished turn)."""
        return sum(x.steps for x in self.lineage)


def result_of(study: Study) -> Result:
    """The :class:`Result` of a population stored in ``study`` (finished, or as far as it got
    for ``lineage``)."""
    steps = steps_of(study)
    try:
        best = best_step(steps, settings_of(study))
    except ValueError as none:
        failed = [t.number for t in study.get_trials([TrialState.FAIL]) if t.error]
        if not failed:
            raise
        raise ValueError(f"{none}; turns {failed[:5]} failed, see study.trials[n].error") from None
    return Result(study, best, schedule_of(steps, best), steps)


def run(
    train: Callable[[Any, Interval], float],
    space: Any,
    *,
    population: int,
    interval: int,
    total_steps: int,
    checkpoint_dir: str | Path,
    storage: Any = None,
    study_name: str | None = None,
    direction: str = "maximize",
    quantile: float = 0.25,
    perturb: Sequence[float] = (0.8, 1.2),
    resample_probability: float = 0.25,
    burn_in: int = 0,
    explore: str = "perturb",
    synchronous: bool = True,
    n_jobs: int = 1,
    executor: Executor | None = None,
    seed: int = 0,
    heartbeat_interval: float | None = None,
    fail_fast: int = FAIL_FAST,
    keep_checkpoints: int | None = None,
) -> Result:
    """Train ``population`` members for ``total_steps`` steps, every ``interval`` steps letting
    the bottom ``quantile`` copy a top member's weights and explore its hyperparameters.

    ``train(config, interval)`` loads ``interval.restore`` (None: a fresh model), trains
    ``interval.steps`` steps with the hyperparameters ``config``, saves into the directory
    ``interval.save`` and returns the score (``direction``: which way is better).
    ``hs.integrations.pbt`` builds it for PyTorch and Keras. Explore is ``"perturb"``
    (multiply by a factor of ``perturb``, or redraw with ``resample_probability``) or
    ``"model"`` (a GP bandit over the population's recent gains, as in PB2). No copy happens
    before ``burn_in`` steps. ``synchronous=True`` waits for a whole generation before
    deciding (reproducible with ``seed``); ``False`` decides as each member finishes.
    ``keep_checkpoints=k`` (at least 2) deletes each member's checkpoints older than its
    newest k (default: keep all; a copy or a resume needs only the newest).

    Every turn is a trial of the study ``study_name`` in ``storage``: run it again to resume
    a killed run, or from a second process (same storage, same arguments) to share the
    population; ``n_jobs`` local workers or an ``executor`` (``hs.executors.Dask``, ``Ray``)
    train members in parallel on a SQL storage.
    """
    settings = _settings(space, population, interval, total_steps, checkpoint_dir, direction,
                         quantile, perturb, resample_probability, burn_in, explore, synchronous,
                         seed, keep_checkpoints)  # fmt: skip
    study = create_study(study_name, storage=storage, direction=direction, space=space,
                         sampler=Random(seed=seed), load_if_exists=True)  # fmt: skip
    stored = study.record.system_attrs.get("pbt")
    if stored is None:
        study.set_system_attr("pbt", settings.to_json())
    elif Settings.from_json(stored) != settings:
        differ = sorted(k for k, v in settings.to_json().items() if stored.get(k) != v)
        raise ValueError(
            f"study {study.name!r} holds a population run with other settings ({differ}); "
            f"resume or join it with the same arguments, or give another study_name"
        )
    parallel = executor is not None or n_jobs > 1
    if parallel and isinstance(study.storage, MemoryStorage):
        raise ValueError(
            "parallel members train in separate processes, which must share a storage: pass "
            "storage='sqlite:///pbt.db' (or a PostgreSQL URL)"
        )
    int_at_least("pbt.run", "n_jobs", n_jobs, 1)
    core = PopulationCore(study.record, study.storage, study.sampler, study.pruner, study.space)
    options = RunOptions(heartbeat_interval=heartbeat_interval, fail_fast=fail_fast)
    runner = Runner(train)
    if parallel:
        spec = WorkerSpec(core.record, core.storage, core.sampler, core.pruner, core.space,
                          options, PopulationCore)  # fmt: skip
        if executor is not None:
            executor.run(spec, runner)
        else:
            run_processes(core, runner, spec, n_jobs, False)
    else:
        WorkerLoop(core, runner, options).run(show_progress=False)
    return result_of(study)


def _settings(space: Any, population: int, interval: int, total_steps: int, checkpoint_dir: Any,
              direction: str, quantile: float, perturb: Sequence[float],
              resample_probability: float, burn_in: int, explore: str, synchronous: bool,
              seed: int, keep: int | None) -> Settings:  # fmt: skip
    check_space(space)
    int_at_least("pbt.run", "population", population, 2)
    int_at_least("pbt.run", "interval", interval, 1)
    int_at_least("pbt.run", "total_steps", total_steps, 1)
    int_at_least("pbt.run", "burn_in", burn_in, 0)
    int_at_least("pbt.run", "seed", seed, 0)
    if not (isinstance(quantile, (int, float)) and 0 < quantile <= 0.5):
        raise ValueError(f"quantile must be in (0, 0.5] (the share copied and copying), "
                         f"but got {quantile!r}")  # fmt: skip
    if not (isinstance(resample_probability, (int, float)) and 0 <= resample_probability <= 1):
        raise ValueError(f"resample_probability must be in [0, 1], got {resample_probability!r}")
    if explore not in EXPLORES:
        raise ValueError(f"explore must be one of {EXPLORES}, but got {explore!r}")
    if direction not in ("maximize", "minimize"):
        raise ValueError(f"direction must be 'maximize' or 'minimize', but got {direction!r}")
    if keep is not None:
        int_at_least("pbt.run", "keep_checkpoints", keep, 2)
    if not isinstance(synchronous, bool):
        raise ValueError(f"synchronous must be True or False, but got {synchronous!r}")
    return Settings(population, interval, total_steps, str(Path(checkpoint_dir).resolve()),
                    float(quantile), check_factors(perturb), float(resample_probability),
                    burn_in, explore, synchronous, seed, direction == "maximize",
                    keep)  # fmt: skip


def replay(
    train: Callable[[Any, Interval], float],
    schedule: Sequence[Step],
    *,
    checkpoint_dir: str | Path | None = None,
    seed: int = 0,
) -> list[float]:
    """Train one model from scratch through ``schedule`` (``result.schedule``): each turn's
    hyperparameters for its steps, continuing from the turn before. Returns each turn's score.
    Without ``checkpoint_dir`` the checkpoints go to a temporary directory that is removed."""
    if not schedule:
        raise ValueError("replay needs a non-empty schedule, such as result.schedule")
    if checkpoint_dir is None:
        with tempfile.TemporaryDirectory(prefix="hypersweep-replay-") as tmp:
            return replay(train, schedule, checkpoint_dir=tmp, seed=seed)
    root, scores, restore = Path(checkpoint_dir), [], None
    for turn, step in enumerate(schedule):
        save = root / f"turn-{turn:04d}"
        save.mkdir(parents=True, exist_ok=True)
        score = train(step.params, Interval(0, turn, step.interval, step.start_step, step.steps,
                                            restore, save, seed + turn))  # fmt: skip
        scores.append(float(score) if score is not None else math.nan)
        restore = save
    return scores
