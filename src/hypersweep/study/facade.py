"""The public :class:`Study`: the core plus the optimize loop, liveness, stability and export."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from ..samplers.grid import Grid
from ..trial import FrozenTrial
from . import past, progress
from .core import StudyCore
from .export import choose, front, to_dataframe, to_records
from .liveness import reap_dead_workers
from .loop import WorkerLoop, check_objective
from .options import DEFAULT_N_TRIALS, FAIL_FAST, Callback, RunOptions
from .processes import Executor, WorkerSpec, run_processes
from .stability import stability

logger = logging.getLogger("hypersweep")


class Study(StudyCore):
    """A named, persistent optimisation: its trials live in storage.

    Make one with :func:`hypersweep.create_study` or :func:`hypersweep.load_study`.

    >>> import hypersweep as hs
    >>> study = hs.create_study(space={"x": hs.Float(-1, 1)}, sampler=hs.samplers.TPE(seed=0))
    >>> _ = study.optimize(lambda p: p["x"] ** 2, n_trials=5)
    >>> _ = study.optimize(lambda p: p["x"] ** 2, n_more=3)
    >>> len(study.trials)
    8
    """

    @property
    def objective_names(self) -> tuple[str, ...]:
        """The objectives' names (``create_study(objective_names=)``; else values_0, ...)."""
        names = self.record.system_attrs.get("objective_names")
        return tuple(names) if names else tuple(f"values_{i}" for i in range(len(self.directions)))

    def __repr__(self) -> str:
        if len(self.directions) > 1:
            return f"Study(name={self.name!r}, directions={[d.value for d in self.directions]})"
        return f"Study(name={self.name!r}, direction={self.direction.value!r})"

    @property
    def best_trial(self) -> FrozenTrial:
        """The best feasible COMPLETE trial (one objective; several: see ``best_trials``)."""
        if len(self.directions) > 1:
            raise RuntimeError(
                f"study {self.name!r} has {len(self.directions)} objectives, so it has no "
                "single best trial: read study.best_trials (the Pareto front) or choose one "
                "with study.select_trial(...)"
            )
        self.refresh()
        best = self.best_so_far()
        if best is None:
            raise ValueError(progress.why_no_best(self.name, self.trials))
        return best

    @property
    def best_params(self) -> Any:
        return self.best_trial.params

    @property
    def best_value(self) -> float:
        value = self.best_trial.value
        assert value is not None  # COMPLETE trials always carry a value
        return value

    @property
    def best_trials(self) -> list[FrozenTrial]:
        """The feasible non-dominated COMPLETE trials (the Pareto front), by number; with
        one objective, every feasible trial tied for the best value."""
        return front(self.trials, self.directions)

    def select_trial(
        self,
        how: str = "knee",
        *,
        weights: Mapping[str, float] | None = None,
        best: str | None = None,
        where: Mapping[str, tuple[str, float]] | None = None,
    ) -> FrozenTrial:
        """One trial from the feasible trade-off, by objective names.

        ``select_trial()`` or ``select_trial("knee")``: the knee of the front, the point
        giving up least of each objective. ``select_trial(weights={"accuracy": 1,
        "latency_ms": 0.2})``: the front point nearest the ideal in those relative
        importances (Chebyshev, so concave fronts are reachable too).
        ``select_trial(best="accuracy", where={"latency_ms": ("<=", 10)})``: the best
        trial in ``best`` (in its own direction) among those meeting every bound (ops
        <=, <, >=, >). Infeasible trials are never chosen. (Not ``select``: that names
        the statistic of repeats, ``create_study(select=)``.)
        """
        return choose(self.trials, self.directions, self.objective_names, how,
                      weights=weights, best=best, where=where)  # fmt: skip

    def optimize(
        self,
        objective: Callable[..., Any],
        n_trials: int | None = None,
        *,
        n_more: int | None = None,
        timeout: float | None = None,
        callbacks: Sequence[Callback] | None = None,
        catch: tuple[type[BaseException], ...] = (Exception,),
        n_jobs: int = 1,
        show_progress: bool | None = None,
        heartbeat_interval: float | None = None,
        retries: int = 0,
        executor: Executor | None = None,
        deterministic: bool = False,
        fail_fast: int = FAIL_FAST,
    ) -> Study:
        """Run trials until the study holds ``n_trials``, ``timeout`` passes, or a grid ends.

        Without ``n_trials``, ``n_more`` or ``timeout``, a grid sampler runs its whole
        grid and any other sampler runs until the study holds ``DEFAULT_N_TRIALS``
        (100) trials, or fewer when a finite space runs out first; a log line says
        which budget was chosen and why. With only ``timeout``, the clock alone ends
        the run (``timeout=math.inf``: until Ctrl-C, SIGTERM or a callback raises).

        ``n_trials`` is the study's total budget, not a per-call count: a resumed
        study runs only what is missing, and concurrent workers never overshoot it
        (storage checks it as it creates each trial). ``n_more=k`` asks for k trials
        beyond those the study holds now instead. Failed trials count toward the
        budget; trials cut short by Ctrl-C or a dead worker do not, and with
        ``retries`` they are queued again with the same parameters. The objective
        takes ``params`` (static space), ``(params, trial)``, or ``trial``
        (define-by-run). Exceptions listed in ``catch`` fail the trial and the study
        goes on, unless the first ``fail_fast`` trials of this call all fail with the
        same error: then it stops and raises (``fail_fast=0``: never).

        ``n_jobs`` runs that many worker processes (-1: one per CPU) on a shared SQL
        storage; ``executor`` runs the workers elsewhere instead
        (``hs.executors.Dask(client)``, ``hs.executors.Ray()``).
        ``heartbeat_interval`` (seconds; default 10 on SQL storages, off in memory)
        lets other workers notice when this one dies.

        ``deterministic=True`` makes parallel workers propose the same values for each
        trial number whatever their timing: trial n is chosen from the trials numbered
        up to n - (number of workers) only, after waiting for them to finish (a seeded
        sampler is needed). It costs some waiting and some information; see
        docs/design.md for the measured price.
        """
        n_jobs = _check_jobs(n_jobs)
        n_trials = self._budget(n_trials, n_more)
        chosen = n_trials is None and timeout is None  # nothing given: the default budget
        if chosen:
            n_trials = None if isinstance(self.sampler, Grid) else DEFAULT_N_TRIALS
        lag = (max(int(executor.size()), 1) if executor else n_jobs) if deterministic else None
        options = RunOptions(n_trials=n_trials, timeout=timeout, callbacks=tuple(callbacks or ()),
                             catch=catch, heartbeat_interval=heartbeat_interval, retries=retries,
                             lag=lag, fail_fast=fail_fast)  # fmt: skip
        check_objective(objective, self)
        if self._nothing_to_do(n_trials, n_more, chosen):
            return self
        if chosen:
            self._say_default_budget()
        if executor is not None or n_jobs > 1:
            spec = WorkerSpec.of(self, options)
            if executor is not None:
                executor.run(spec, objective)
            else:
                run_processes(self, objective, spec, n_jobs, show_progress)
            self.refresh()
            return self
        WorkerLoop(self, objective, options).run(show_progress)
        return self

    def _budget(self, n_trials: int | None, n_more: int | None) -> int | None:
        if n_more is None:
            return n_trials
        if n_trials is not None:
            raise ValueError(
                "give n_trials (the study's total) or n_more (trials beyond those it holds), "
                f"not both (got n_trials={n_trials!r}, n_more={n_more!r})"
            )
        if isinstance(n_more, bool) or not isinstance(n_more, int) or n_more < 0:
            raise ValueError(f"n_more must be an integer >= 0, but got {n_more!r}")
        self.refresh()
        return self.budget_used() + n_more

    def _say_default_budget(self) -> None:
        """One line saying which budget optimize chose when it was given none, and why."""
        progress.ensure_handler()
        if isinstance(self.sampler, Grid):
            try:
                cells = f"{len(self.sampler.cells(self.space))} cells"
                if self.sampler.rounds > 1:
                    cells += f" in the first of its {self.sampler.rounds} rounds"
            except ValueError:
                cells = "its cells"  # (the first ask says what is wrong with the grid)
            logger.info(
                "Study %r: no n_trials or timeout given, so the grid runs to its end (%s); "
                "pass n_trials=... to stop earlier.", self.name, cells,
            )  # fmt: skip
            return
        finite = self.space is not None and self.sampler.unique_configs(self.history)
        size = self.sampler.space_size(self.space) if finite and self.space else None
        small = (f" (its space holds only {size} configurations, so it ends when all are "
                 "tried)" if size is not None and size <= DEFAULT_N_TRIALS else "")  # fmt: skip
        logger.info(
            "Study %r: no n_trials or timeout given, so this run stops when the study holds "
            "%d trials%s, hypersweep's default budget for a sampler that does not enumerate "
            "its space; pass n_trials=... (the study's total), n_more=... or timeout=... to "
            "choose.", self.name, DEFAULT_N_TRIALS, small,
        )  # fmt: skip

    def _nothing_to_do(self, n_trials: int | None, n_more: int | None, chosen: bool) -> bool:
        """Say so, in one line, when the study already holds its budget (a rerun that
        resumes a finished study, or an n_trials meant per call)."""
        if n_trials is None or n_more is not None:
            return False
        self.refresh()
        held = self.budget_used()
        if held < n_trials or self.queued() or self.running_elsewhere():
            return False  # (trials others run may die and give their slots back)
        progress.ensure_handler()
        given = "the default when none is given" if chosen else "the study's total"
        logger.info(
            "Study %r already holds %d trials counting toward n_trials=%d (%s, not a "
            "per-call count), so there is nothing to run; for %d more, pass n_trials=%d or "
            "n_more=%d.", self.name, held, n_trials, given, n_trials, held + n_trials, n_trials,
        )  # fmt: skip
        return True

    def add_trial(self, params: Any, value: float | None = None, **options: Any) -> FrozenTrial:
        """Record an evaluation made elsewhere (an earlier tool, a paper) as a finished trial
        that samplers learn from and the budget counts; options: ``state``,
        ``intermediate``, ``user_attrs``, ``space``, ``started``, ``finished`` (see
        :func:`hypersweep.study.past.add_trial`)."""
        return past.add_trial(self, params, value, **options)

    def add_trials(self, trials: Iterable[Mapping[str, Any]]) -> list[FrozenTrial]:
        """Record several; each item holds :meth:`add_trial`'s arguments by name."""
        return past.add_trials(self, trials)

    def reap_dead_workers(self, *, retries: int = 0) -> list[int]:
        """Mark FAIL the RUNNING trials whose worker is gone; return their numbers
        (see :func:`hypersweep.study.liveness.reap_dead_workers`)."""
        return reap_dead_workers(self, retries)

    stability = stability  # hypersweep.study.stability.stability, as a method

    def to_records(self) -> list[dict[str, Any]]:
        """One flat dict per trial: number, state, value (several objectives:
        ``values_<name>`` each), params_<path>, user_attrs_<key>, ..."""
        return to_records(self.trials, self.objective_names)

    def to_dataframe(self) -> Any:
        """The trials as a pandas DataFrame (needs ``pip install pandas``)."""
        return to_dataframe(self.trials, self.objective_names)


def _check_jobs(n_jobs: int) -> int:
    if n_jobs == -1:
        return os.cpu_count() or 1
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs < 1:
        raise ValueError(f"n_jobs must be an integer >= 1 or -1, but got {n_jobs!r}")
    return n_jobs
