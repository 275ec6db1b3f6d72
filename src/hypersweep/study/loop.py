"""One worker's loop: ask, run the objective (once per repeat), tell, until the budget,
the clock or the space ends. Processes, Dask and Ray workers all run this loop."""

from __future__ import annotations

import inspect
import logging
import math
import time
import traceback
from collections.abc import Callable
from typing import Any

from ..exceptions import BudgetReached, HypersweepError, SpaceExhausted, TrialPruned
from ..pruners import Pruner
from ..training.seeding import seed_everything
from ..trial import FrozenTrial, Reported, TrialState, as_values
from . import progress, repeats, signals
from .core import Lost, StudyCore
from .handle import ReportHook, Trial, TrialParams
from .liveness import Heartbeat, heartbeat_for, reap_dead_workers
from .options import RunOptions
from .repeats import judges_parts, mean_report

logger = logging.getLogger("hypersweep")


class RepeatedFailure(HypersweepError, RuntimeError):
    """The first trials of a run all failed with the same error: the objective has a bug."""


class _BadRepeat(Exception):
    """One of a trial's repeats returned something that is not a score (NaN, a string...)."""


class RepeatCurves(ReportHook):
    """The report hook of a trial run over ``repeats=k`` seeds: every repeat's reports
    reach the pruner (the plain hook keeps repeat 0's only).

    Learning curves: the value stored and judged at step s is the mean over the
    repeats that reached s so far, so later repeats refine the curve the pruner
    (and the sampler) sees, and a trial can be stopped in any repeat. During
    repeat r the pruner is shown the curve up to the step just reported, as if
    the trial were there. Objectives that report nothing, when the study's pruner
    judges means over parts (``CannotWin``, ``PairedTest``, also inside ``AnyOf`` /
    ``AllOf``): after repeat r the running mean of the r + 1 scores is reported at
    step r + 1 and the pruner is asked before the next repeat starts, so a
    configuration whose first seeds already show it cannot win stops there. Pruners
    of learning curves (ASHA, Median, ...) are not asked about seeds: their steps
    are a resource, and one seed's score would decide. The mean, not ``select``: the
    parts are then comparable between trials, and every ``select`` statistic is at
    most as good as the mean, so a bound on the mean bounds it too.
    """

    def __init__(self, pruner: Pruner | None) -> None:
        self.parts_pruner = pruner  # the study's pruner, for finish()
        self.curves: list[dict[int, Reported]] = []

    def start(self, trial: Trial, repeat: int) -> None:
        """Before repeat ``repeat`` runs (0 first)."""
        trial.repeat = repeat
        if repeat == 0:
            self.curves = []
        self.curves.append({})
        if repeat and self.curves[0]:  # judged on the steps this repeat reached
            trial.intermediate = {}

    def stored(self, trial: Trial, step: int, value: Reported) -> Reported | None:
        self.curves[trial.repeat][step] = value
        return mean_report([c[step] for c in self.curves if step in c])

    def judged(self, trial: Trial) -> bool:
        return True

    def finish(self, trial: Trial, scores: list[float], last: bool) -> None:
        """After a repeat without reports: its running mean at step = repeats done, and,
        unless it was the last, stop here if the pruner says so."""
        if self.curves[0] or not judges_parts(self.parts_pruner):
            return
        trial.report(math.fsum(scores) / len(scores), len(scores))
        self.curves[-1].clear()  # a summary of the repeats, not a curve of this one
        if not last and trial.should_prune():
            raise TrialPruned(f"trial {trial.number} pruned after {len(scores)} repeats")


def adapt_objective(objective: Callable[..., Any], study: StudyCore) -> Callable[[Trial], Any]:
    """Call ``objective`` the way it was written: ``f(trial)`` define-by-run; with a static
    space ``f(params)`` or ``f(params, trial)``, where params also answer ``suggest_*`` and
    ``report`` (so a define-by-run objective runs on a study whose space was stored)."""
    if study.space is None:
        return objective
    try:
        kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        n_args = sum(p.kind in kinds for p in inspect.signature(objective).parameters.values())
    except (TypeError, ValueError):
        n_args = 1
    if n_args >= 2:
        return lambda trial: objective(trial.params, trial)

    def call(trial: Trial) -> Any:
        params = trial.params
        return objective(TrialParams(params, trial) if type(params) is dict else params)

    return call


def check_objective(objective: Callable[..., Any], study: StudyCore) -> None:
    """Refuse, before the first trial, an objective that cannot be called the way this study
    calls it: ``f(params)`` or ``f(params, trial)`` with a static space, ``f(trial)`` without."""
    if not callable(objective):
        raise TypeError(
            f"the objective must be a function (or other callable), but got {objective!r:.80}"
        )
    try:
        signature = inspect.signature(objective)
    except (TypeError, ValueError):
        return  # a builtin or C function: nothing to check
    counts = (1, 2) if study.space is not None else (1,)
    for n in counts:
        try:
            signature.bind(*([None] * n))
            return
        except TypeError:
            continue
    wanted = "f(params) or f(params, trial)" if study.space is not None else "f(trial)"
    raise TypeError(
        f"the objective {getattr(objective, '__name__', objective)!r} has the signature "
        f"{signature}, but this study calls it as {wanted}; give it one positional argument "
        f"(two for params and trial)"
    )


def describe(exc: BaseException) -> str:
    """The error as stored with a FAIL trial: type, message and the last frames."""
    tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__, limit=-3))
    return f"{type(exc).__name__}: {exc}\n{tb}".strip()


class WorkerLoop:
    """The loop of one worker on one study; :meth:`run` returns the trials it finished."""

    def __init__(
        self, study: StudyCore, objective: Callable[..., Any], options: RunOptions
    ) -> None:
        check_objective(objective, study)
        self.study, self.options = study, options
        self.call = adapt_objective(objective, study)
        self.finished: list[int] = []
        self._failures: list[tuple[str, BaseException]] = []  # (error line, exception)
        self._beat: Heartbeat | None = None

    def reap(self) -> list[int]:
        return reap_dead_workers(self.study, self.options.retries)

    def run(self, show_progress: bool | None = False) -> list[int]:
        study, options = self.study, self.options
        study.deterministic(options.lag, self.reap)
        self._beat = beat = heartbeat_for(study, options.heartbeat_interval)
        progress.ensure_handler()
        status = lambda: (study.budget_used(), study.best_so_far())  # noqa: E731
        bar = progress.Bar.start(study.name, status, options.n_trials, options.timeout,
                                 show_progress)  # fmt: skip
        try:
            with signals.sigterm_stops():
                self.reap()
                self._until_done(bar)
        finally:
            study.interrupt_running("the loop stopped before this trial finished")
            if beat is not None:
                beat.stop()
            bar.close()
        return self.finished

    def _until_done(self, bar: progress.Bar) -> None:
        start = time.monotonic()
        beat, timeout = self._beat, self.options.timeout
        next_reap = start + (beat.interval if beat else math.inf)
        while True:
            now = time.monotonic()
            if timeout is not None and now - start >= timeout:
                return
            if now >= next_reap and beat is not None:
                self.reap()
                next_reap = now + beat.interval
            if not self._step(bar):
                return

    def _step(self, bar: progress.Bar) -> bool:
        """Run one trial (or wait for others); False when the loop should end."""
        study, n_trials = self.study, self.options.n_trials
        study.refresh()
        if n_trials is not None and study.budget_used() >= n_trials and not study.queued():
            return self._wait_for_others()  # queued trials are within the budget
        try:
            trial = study.ask(max_trials=n_trials, refresh=False,
                              expires=self._beat.expiry() if self._beat else None)  # fmt: skip
        except (BudgetReached, Lost):
            return True  # other workers took the last slots (wait for them above)
        except SpaceExhausted as done:
            logger.info("Study %r stops: %s", study.name, done)
            return False
        frozen = self._run_one(trial)
        self.finished.append(frozen.number)
        bar.update(frozen)
        for callback in self.options.callbacks:
            callback(study, frozen)
        self._check_failures(frozen)
        return True

    def _wait_for_others(self) -> bool:
        """The budget is taken, but others' trials still run: if one of them dies its slot
        comes back, so wait (reaping) while any runs. False when there is nothing to wait for."""
        if not self.study.running_elsewhere() or self._beat is None:
            return False
        time.sleep(min(0.5, self._beat.interval / 2))
        self.reap()
        return True

    def _run_one(self, trial: Trial) -> FrozenTrial:
        study = self.study
        done: list[tuple[Any, int]] = []  # (score or scores, seed) of each finished repeat
        try:
            result = self._call_repeats(trial, done)
        except _BadRepeat as bad:
            return study.tell(trial, state=TrialState.FAIL, error=str(bad),
                              system_attrs=self._repeats_attrs(done))  # fmt: skip
        except TrialPruned:
            return study.tell(trial, state=TrialState.PRUNED,
                              system_attrs=self._repeats_attrs(done))  # fmt: skip
        except KeyboardInterrupt as stop:
            study.interrupt(trial, signals.reason(stop))
            logger.warning(
                "Study %r interrupted; trial %d marked FAIL, all finished trials are stored. "
                "Resume with hs.load_study(%r, storage=...).optimize(...).",
                study.name, trial.number, study.name,
            )  # fmt: skip
            raise
        except self.options.catch as exc:
            error = self._where(trial) + describe(exc)
            frozen = study.tell(trial, state=TrialState.FAIL, error=error,
                                system_attrs=self._repeats_attrs(done))  # fmt: skip
            self._failures.append((f"{type(exc).__name__}: {exc}", exc))
            logger.warning("Trial %d failed: %s", trial.number,
                           frozen.error.splitlines()[-1] if frozen.error else "")  # fmt: skip
            return frozen
        except BaseException as exc:
            study.tell(trial, state=TrialState.FAIL, error=self._where(trial) + describe(exc),
                       system_attrs=self._repeats_attrs(done))  # fmt: skip
            raise
        return study.tell(trial, result, system_attrs=self._repeats_attrs(done))

    def _check_failures(self, frozen: FrozenTrial) -> None:
        """Stop a run whose first ``fail_fast`` trials all failed with one and the same error:
        a bug in the objective should cost a few trials, not the whole budget."""
        limit = self.options.fail_fast
        if not limit or len(self.finished) != limit or frozen.state is not TrialState.FAIL:
            return
        lines = {line for line, _ in self._failures}
        if len(self._failures) < limit or len(lines) != 1:
            return
        line, exc = self._failures[-1]
        raise RepeatedFailure(
            f"the first {limit} trials of this run of study {self.study.name!r} all failed with "
            f"the same error, so it stops here instead of spending its budget: {line}. Each "
            f"trial's traceback is in study.trials[n].error. Fix the objective and run again "
            f"(these failed trials count toward n_trials), or pass fail_fast=0 to keep going "
            f"whatever fails."
        ) from exc

    def _call_repeats(self, trial: Trial, done: list[tuple[Any, int]]) -> Any:
        """Call the objective once per repeat, each with its own seed, and return what to tell:
        the objective's own result for one repeat, else the selected statistic (with repeat
        0's extra entries). A repeat that fails, or returns no score, fails the whole trial
        (the scores of the repeats before it are kept); a pruned repeat prunes the trial,
        and every repeat's reports reach the pruner (see :class:`RepeatCurves`)."""
        study = self.study
        k, seed_objective = study.repeats, study.seed_objective
        first_extra: dict[str, Any] = {}
        curves = RepeatCurves(study.pruner) if k > 1 else None
        if curves is not None:
            trial.set_report_hook(curves)  # every repeat's reports reach the pruner
        for repeat in range(k):
            if curves is not None:
                curves.start(trial, repeat)
            if seed_objective:
                seed_everything(trial.seed)
            result = self.call(trial)
            if curves is None:
                return result
            values, extra, problem = as_values(result, len(study.directions))
            if problem is not None or values is None:
                raise _BadRepeat(self._where(trial) + str(problem))
            done.append((values[0] if len(values) == 1 else list(values), trial.seed))
            first_extra = extra if repeat == 0 else first_extra
            if len(values) == 1:
                curves.finish(trial, [v for v, _ in done], repeat == k - 1)
        trial.repeat = 0
        score = repeats.selected_each([v for v, _ in done], study.select, study.directions)
        return {**first_extra, "loss": score}

    def _where(self, trial: Trial) -> str:
        """Which repeat went wrong, for the error message (nothing with a single repeat)."""
        if self.study.repeats == 1:
            return ""
        return f"repeat {trial.repeat} of {self.study.repeats} (seed {trial.seed}): "

    def _repeats_attrs(self, done: list[tuple[Any, int]]) -> dict[str, Any] | None:
        if self.study.repeats == 1:
            return None
        scores, seeds = [v for v, _ in done], [s for _, s in done]
        return {"repeats": repeats.record(scores, seeds, self.study.select, self.study.direction)}
