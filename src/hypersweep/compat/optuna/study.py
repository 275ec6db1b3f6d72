"""Optuna's ``Study`` on a hypersweep study, with Optuna's meanings where they differ.

The differences this layer bridges: ``optimize(n_trials=k)`` runs k more trials per
call (hypersweep's ``n_more``), an exception the objective raises propagates unless
it is listed in ``catch`` (and no run stops early because its trials fail alike),
``tell`` takes ``values``, and trials come back as Optuna-style records.
"""

from __future__ import annotations

import gc
import logging
import math
import warnings
from collections.abc import Callable, Container, Iterable, Sequence
from typing import Any

import hypersweep as hs

from .trial import FrozenTrial, OptunaEnum, Trial, TrialState

logger = logging.getLogger("hypersweep")


class StudyDirection(OptunaEnum):
    """Optuna's study directions (same names and numbers)."""

    NOT_SET = 0
    MINIMIZE = 1
    MAXIMIZE = 2


class _Stop(Exception):
    """Raised by the run's last callback to end ``optimize`` (``study.stop()``, n_trials)."""


def _as_catch(
    catch: Iterable[type[BaseException]] | type[BaseException],
) -> tuple[type[BaseException], ...]:
    if isinstance(catch, type):
        return (catch,)
    return tuple(catch)


def _result(values: Any, n: int) -> Any:
    """What hypersweep is told, from what Optuna accepts: one objective, a number or a
    one-item sequence; several, a sequence of one number per objective. A wrong count
    fails the trial, with the reason stored (as in Optuna)."""
    if n == 1 and isinstance(values, (list, tuple)) and len(values) == 1:
        return values[0]
    return tuple(values) if isinstance(values, list) else values


class Study:
    """A study as Optuna shows it; ``hs_study`` is the :class:`hypersweep.Study` underneath
    (its plots, report, dashboard and CLI work on it unchanged)."""

    def __init__(self, hs_study: hs.Study, sampler: Any = None, pruner: Any = None) -> None:
        self.hs_study = hs_study
        self.sampler = sampler if sampler is not None else hs_study.sampler
        self.pruner = pruner if pruner is not None else hs_study.pruner
        self.stop_requested = False

    # --- identity -----------------------------------------------------------------
    @property
    def study_name(self) -> str:
        return self.hs_study.name

    @property
    def direction(self) -> StudyDirection:
        """The one direction (Optuna's RuntimeError in a study of several objectives)."""
        if len(self.hs_study.directions) > 1:
            raise RuntimeError(
                "A single direction cannot be retrieved from a multi-objective study. "
                "Consider using Study.directions to retrieve a list containing all directions."
            )
        return StudyDirection[self.hs_study.direction.name]

    @property
    def directions(self) -> list[StudyDirection]:
        return [StudyDirection[d.name] for d in self.hs_study.directions]

    @property
    def metric_names(self) -> list[str] | None:
        """The objectives' names, as set by ``set_metric_names`` (None until then)."""
        names = self.hs_study.system_attrs.get("objective_names")
        return list(names) if names else None

    def set_metric_names(self, metric_names: list[str]) -> None:
        """Name the objectives (stored: hypersweep's ``objective_names``, read by its
        exports, plots and CLI; ``trials_dataframe`` names columns ``values_<name>``)."""
        if len(metric_names) != len(self.hs_study.directions):
            raise ValueError(
                f"set_metric_names: the study has {len(self.hs_study.directions)} objectives, "
                f"but got {len(metric_names)} names"
            )
        self.hs_study.set_system_attr("objective_names", [str(n) for n in metric_names])

    @property
    def user_attrs(self) -> dict[str, Any]:
        return self.hs_study.user_attrs

    def set_user_attr(self, key: str, value: Any) -> None:
        self.hs_study.set_user_attr(key, value)

    def __repr__(self) -> str:
        if len(self.directions) > 1:
            return f"Study(study_name={self.study_name!r}, directions={self.directions!r})"
        return f"Study(study_name={self.study_name!r}, direction={self.direction!r})"

    # --- trials ----------------------------------------------------------------------
    @property
    def trials(self) -> list[FrozenTrial]:
        return self.get_trials()

    def get_trials(
        self, deepcopy: bool = True, states: Container[TrialState] | None = None
    ) -> list[FrozenTrial]:
        """The trials in number order (records are immutable, so ``deepcopy`` changes nothing)."""
        trials = [FrozenTrial(t) for t in self.hs_study.trials]
        if states is None:
            return trials
        return [t for t in trials if t.state in states]

    @property
    def best_trial(self) -> FrozenTrial:
        return FrozenTrial(self.hs_study.best_trial)

    @property
    def best_params(self) -> dict[str, Any]:
        return self.best_trial.params

    @property
    def best_value(self) -> float:
        return self.hs_study.best_value

    @property
    def best_trials(self) -> list[FrozenTrial]:
        """The Pareto front (several objectives); one objective: the trials tied for best."""
        return [FrozenTrial(t) for t in self.hs_study.best_trials]

    def trials_dataframe(
        self,
        attrs: tuple[str, ...] = (
            "number",
            "value",
            "datetime_start",
            "datetime_complete",
            "duration",
            "params",
            "user_attrs",
            "system_attrs",
            "state",
        ),
        multi_index: bool = False,
    ) -> Any:
        """One row per trial with Optuna's column names (``params_x``, ``user_attrs_x``, ...;
        several objectives: ``values_0``, ``values_1`` or ``values_<metric name>``);
        ``system_attrs`` columns are left out (hypersweep's are its own bookkeeping)."""
        import pandas as pd

        if multi_index:
            raise NotImplementedError("trials_dataframe: multi_index=True is not supported")
        n = len(self.hs_study.directions)
        # as Optuna: "value" means "values" in a study of several objectives, and back
        attrs = tuple(("values" if a == "value" else a) if n > 1 else
                      ("value" if a == "values" else a) for a in attrs)  # fmt: skip
        names = self.metric_names or [str(i) for i in range(n)]
        rows = []
        for t in self.trials:
            row: dict[str, Any] = {}
            for attr in attrs:
                if attr == "values":
                    found = t.values or [None] * n
                    row.update({f"values_{k}": v for k, v in zip(names, found, strict=True)})
                elif attr in ("params", "user_attrs"):
                    row.update({f"{attr}_{k}": v for k, v in getattr(t, attr).items()})
                elif attr == "intermediate_values":
                    row.update({f"intermediate_values_{k}": v
                                for k, v in t.intermediate_values.items()})  # fmt: skip
                elif attr == "state":
                    row["state"] = t.state.name
                elif attr != "system_attrs":
                    row[attr] = getattr(t, attr)
            rows.append(row)
        frame = pd.DataFrame(rows)
        if "duration" in frame:
            frame["duration"] = pd.to_timedelta(frame["duration"])
        for column in ("datetime_start", "datetime_complete"):
            if column in frame:
                frame[column] = pd.to_datetime(frame[column])
        ordered = [c for a in attrs for c in frame.columns if c == a or c.startswith(a + "_")]
        return frame[ordered]

    # --- running ---------------------------------------------------------------------
    def stop(self) -> None:
        """End the running ``optimize`` after the current trial (from a callback or objective)."""
        self.stop_requested = True

    def optimize(
        self,
        func: Callable[[Trial], Any],
        n_trials: int | None = None,
        timeout: float | None = None,
        n_jobs: int = 1,
        catch: Iterable[type[Exception]] | type[Exception] = (),
        callbacks: Iterable[Callable[[Study, FrozenTrial], None]] | None = None,
        gc_after_trial: bool = False,
        show_progress_bar: bool = False,
    ) -> None:
        """Run ``n_trials`` more trials (per call, as Optuna), until ``timeout`` or ``stop()``.

        An exception of a type in ``catch`` fails its trial and the run goes on; any other
        propagates (its trial stored as FAIL). ``n_jobs > 1`` runs worker processes on the
        study's SQL storage (hypersweep's parallelism); on an in-memory study the trials run
        one at a time, with a warning. Callbacks get this study and an Optuna-style record.
        """
        if n_trials is not None and (isinstance(n_trials, bool) or not isinstance(n_trials, int)
                                     or n_trials < 0):  # fmt: skip
            raise ValueError(f"n_trials must be an integer >= 0 or None, but got {n_trials!r}")
        n_jobs = self._jobs(n_jobs)
        waiting = len(self.hs_study.get_trials(states=[hs.TrialState.WAITING]))
        n_more = None if n_trials is None else max(n_trials - waiting, 0)
        hooks = [self._hook(cb) for cb in (callbacks or ())]
        if n_jobs == 1:  # in this process: stop() and the exact per-call count work
            ran = [0]

            def until(_s: Any, _t: hs.FrozenTrial) -> None:
                ran[0] += 1
                if self.stop_requested or (n_trials is not None and ran[0] >= n_trials):
                    raise _Stop

            hooks.append(until)
        if n_trials == 0:
            return

        n_objectives = len(self.hs_study.directions)

        def objective(handle: hs.Trial) -> Any:
            try:
                return _result(func(Trial(handle, self)), n_objectives)
            finally:
                if gc_after_trial:
                    gc.collect()

        if n_more is None and timeout is None:
            timeout = math.inf  # Optuna: no n_trials and no timeout run until stop() or a signal
        self.stop_requested = False
        try:
            self.hs_study.optimize(objective, n_more=n_more, timeout=timeout, callbacks=hooks,
                                   catch=_as_catch(catch), n_jobs=n_jobs,
                                   show_progress=bool(show_progress_bar), fail_fast=0)  # fmt: skip
        except _Stop:
            pass
        finally:
            self.stop_requested = False

    def _hook(
        self, callback: Callable[[Study, FrozenTrial], None]
    ) -> Callable[[Any, hs.FrozenTrial], None]:
        return lambda _study, record: callback(self, FrozenTrial(record))

    def _jobs(self, n_jobs: int) -> int:
        if n_jobs == 1:
            return 1
        if type(self.hs_study.storage).__name__ == "MemoryStorage":
            warnings.warn(
                f"optimize(n_jobs={n_jobs}): hypersweep runs parallel trials in processes "
                "that share a SQL storage; this study is in memory, so its trials run one at "
                "a time (create it with storage='sqlite:///study.db' to run them in parallel)",
                UserWarning, stacklevel=3,
            )  # fmt: skip
            return 1
        return n_jobs

    # --- ask and tell ------------------------------------------------------------------
    def ask(self, fixed_distributions: dict[str, Any] | None = None) -> Trial:
        """Start a trial (enqueued parameters first); ``fixed_distributions`` are suggested
        on it at once, so its ``params`` hold them."""
        trial = Trial(self.hs_study.ask(), self)
        for name, dist in (fixed_distributions or {}).items():
            dist.suggest_on(trial, name)
        return trial

    def tell(
        self,
        trial: Trial | int,
        values: float | Sequence[float] | None = None,
        state: TrialState | None = None,
        skip_if_finished: bool = False,
    ) -> FrozenTrial:
        """Finish a trial: with ``values`` (COMPLETE), or ``state`` PRUNED or FAIL."""
        target = trial.handle if isinstance(trial, Trial) else trial
        hs_state = None if state is None else TrialState.of(state).to_hs()
        if hs_state is hs.TrialState.COMPLETE and values is None:
            raise ValueError("tell: a COMPLETE trial needs its value")
        result = None if values is None else _result(values, len(self.hs_study.directions))
        try:
            frozen = self.hs_study.tell(target, result, state=hs_state)
        except hs.TrialAlreadyFinished:
            if not skip_if_finished:
                raise
            number = target if isinstance(target, int) else target.number
            return next(t for t in self.trials if t.number == number)
        return FrozenTrial(frozen)

    def enqueue_trial(
        self,
        params: dict[str, Any],
        user_attrs: dict[str, Any] | None = None,
        skip_if_exists: bool = False,
    ) -> None:
        """Queue parameters to be tried first; ``skip_if_exists``: not if a trial has them."""
        if skip_if_exists and any(t.params == params for t in self.trials):
            return
        self.hs_study.enqueue(dict(params), user_attrs=user_attrs)

    def add_trial(self, trial: FrozenTrial) -> None:
        """Store a finished trial made with ``optuna.trial.create_trial``.

        It runs as an enqueued trial told at once, so it cannot be added while other
        enqueued trials wait (they would be taken first).
        """
        if not trial.state.is_finished():
            raise ValueError(f"add_trial: only finished trials can be added, not {trial.state!r}")
        if self.hs_study.get_trials(states=[hs.TrialState.WAITING]):
            raise RuntimeError(
                "add_trial: enqueued trials are waiting; run them (or add trials first)"
            )
        number = self.hs_study.enqueue(dict(trial.params), user_attrs=trial.user_attrs or None)
        live = self.ask()
        if live.number != number:  # another worker took ours: close this one unchanged
            self.hs_study.tell(live.handle, state=hs.TrialState.FAIL,
                               error="add_trial: another worker took the added trial")  # fmt: skip
            raise RuntimeError("add_trial: another worker took the trial being added")
        for name, dist in trial.distributions.items():
            dist.suggest_on(live, name)
        for step, value in sorted(trial.intermediate_values.items()):
            live.report(value, step)
        state = trial.state
        values = trial.values if state is TrialState.COMPLETE else None
        self.tell(live, values, state=state)

    def add_trials(self, trials: Iterable[FrozenTrial]) -> None:
        for trial in trials:
            self.add_trial(trial)


class MaxTrialsCallback:
    """Stop ``optimize`` once the study holds ``n_trials`` trials in ``states``
    (None: in any state), counting trials of earlier runs and other workers too."""

    def __init__(
        self, n_trials: int, states: Container[TrialState] | None = (TrialState.COMPLETE,)
    ) -> None:
        self.n_trials = n_trials
        self.states = states

    def __call__(self, study: Study, trial: FrozenTrial) -> None:
        if len(study.get_trials(states=self.states)) >= self.n_trials:
            study.stop()


__all__ = ["MaxTrialsCallback", "Study", "StudyDirection"]
