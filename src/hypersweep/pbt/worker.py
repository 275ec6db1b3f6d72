"""A worker of a population: the study's own loop (heartbeats, reaping, Ctrl-C, fail_fast)
with an ``ask`` that hands out members' turns instead of sampled configurations.

Claims go through storage with a unique key per (member, turn, attempt), so two
workers, on this machine or on a Dask or Ray cluster, never train one turn twice;
a turn whose worker died is reaped (FAIL, interrupted), which frees its key, and
whoever asks next trains it again from the same checkpoint.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._json import jsonable
from ..exceptions import ConfigTaken, SpaceExhausted
from ..study.core import StudyCore
from ..study.handle import Trial
from ..study.liveness import reap_dead_workers
from ..training.seeding import derive_seed
from ..trial import TrialState
from .population import Plan, Population, Settings

WAIT = 0.05  # seconds between looks while no member is ready
REAP_EVERY = 1.0


@dataclass(frozen=True)
class Interval:
    """What ``train(config, interval)`` is asked to do: load ``restore`` (None: start from
    scratch), train ``steps`` steps (the lineage has trained ``start_step`` so far), save into
    ``save`` (a directory), and return the score."""

    member: int
    turn: int
    index: int
    start_step: int
    steps: int
    restore: Path | None
    save: Path
    seed: int


class PopulationCore(StudyCore):
    """A study core whose ``ask`` plans members' turns (see :mod:`hypersweep.pbt.population`)."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.plans: dict[int, Plan] = {}  # trial number -> the turn it trains

    @property
    def settings(self) -> Settings:
        return Settings.from_json(self.record.system_attrs["pbt"])

    def ask(self, *, max_trials: int | None = None, expires: float | None = None,
            refresh: bool = True) -> Trial:  # fmt: skip
        assert self.space is not None
        settings, last_reap = self.settings, time.monotonic()
        while True:
            self.refresh()
            population = Population(self.trials, settings)
            if population.all_finished:
                raise SpaceExhausted("every member of the population has trained total_steps")
            ready = population.ready()
            if not ready:
                if time.monotonic() - last_reap > REAP_EVERY:
                    reap_dead_workers(self)
                    last_reap = time.monotonic()
                time.sleep(WAIT)
                continue
            plan = population.plan(ready[0], self.space)
            try:
                frozen = self.storage.create_trial(
                    self.record.study_id, state=TrialState.RUNNING, started=time.time(),
                    params=jsonable(self.space.build(plan.flat)), flat=plan.flat,
                    system_attrs={"worker": self.worker, "pbt": plan.attrs()},
                    expires=expires, unique_key=plan.key,
                )  # fmt: skip
            except ConfigTaken:
                continue  # another worker took this turn first: look again
            handle = Trial(self, frozen.number, sampler=self.sampler, history=self.history,
                           fixed=dict(plan.flat), proposal={}, report=self._store_report,
                           judge=self._judge)  # fmt: skip
            handle.params = self.space.resolve(handle.choose)[0]
            handle.stored_leaves = len(handle.flat)
            self._running[frozen.number] = handle
            self.plans[frozen.number] = plan
            return handle


class Runner:
    """The objective the loop calls: run ``train`` for the turn the worker's ask planned."""

    def __init__(self, train: Callable[[Any, Interval], Any]) -> None:
        self.train = train

    def __call__(self, params: Any, trial: Trial) -> float:
        core = trial.study
        plan: Plan = core.plans.pop(trial.number)
        s: Settings = core.settings
        save = Path(plan.save)
        if save.exists():  # a partial save of a worker that died in this turn
            shutil.rmtree(save)
        save.mkdir(parents=True)
        start = plan.interval * s.interval
        interval = Interval(plan.member, plan.turn, plan.interval, start,
                            min(s.interval, s.total_steps - start),
                            None if plan.restore is None else Path(plan.restore), save,
                            derive_seed(s.seed, plan.member, plan.turn))  # fmt: skip
        score = self.train(params, interval)
        if not any(save.iterdir()):
            raise RuntimeError(
                "train(config, interval) saved nothing into the directory interval.save; save "
                "the model's state there (hs.integrations.pbt does), or members cannot be copied"
            )
        if s.keep_checkpoints is not None:  # what a copy or a resume needs is never older
            for old in range(plan.turn - s.keep_checkpoints + 1):
                shutil.rmtree(s.checkpoint(plan.member, old), ignore_errors=True)
        return float(score)
