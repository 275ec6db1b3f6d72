"""The tuning loop: a Study asks the sampler, runs the objective, tells the storage.

Storage is the truth: every state change is written before it is reported,
and the study only keeps an incremental cache of what storage says. That is
what lets a study be killed at any moment and resumed with nothing lost.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as _dt
import inspect
import logging
import math
import os
import socket
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from .._checks import int_at_least
from ..exceptions import BudgetReached, ConfigTaken, SpaceExhausted, TrialPruned
from ..pruners.base import Pruner
from ..history import History, config_key
from ..samplers.base import Sampler
from ..space.kinds import json_key
from ..space.tree import Space
from ..storage import MemoryStorage, Storage, StudyRecord
from ..training.seeding import derive_seed, seed_everything
from ..trial import Direction, FrozenTrial, TrialState, as_value, evolve
from . import progress, repeats
from .cache import TrialCache
from .handle import Trial
from .liveness import Heartbeat

if TYPE_CHECKING:
    from .stability import StabilityReport

logger = logging.getLogger("hypersweep")
_CLAIM_ATTEMPTS = 20  # re-choices when other workers hold the configuration
DEFAULT_HEARTBEAT = 10.0  # seconds between beats on SQL storages; dead after 3 missed

Callback = Callable[["Study", FrozenTrial], None]


class _Lost(Exception):
    """Our new trial was closed by another worker before its values were stored."""


class _BadRepeat(Exception):
    """One of a trial's repeats returned something that is not a score (NaN, a string...)."""


class Executor(Protocol):
    """Runs a study's worker loops somewhere else (see ``hypersweep.executors``)."""

    def size(self) -> int:
        """How many worker loops it will run (deterministic mode lags by this much)."""
        ...

    def run(
        self,
        study: Study,
        objective: Callable[..., Any],
        n_trials: int | None,
        options: dict[str, Any],
    ) -> None: ...


_PLAIN = (str, int, float, bool, type(None))


def _jsonable(value: Any) -> Any:
    if type(value) in _PLAIN:
        return value
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return json_key(value)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Study:
    """A named, persistent optimisation: its trials live in storage.

    Make one with :func:`create_study` or :func:`load_study` rather than directly.
    """

    def __init__(
        self,
        record: StudyRecord,
        storage: Storage,
        sampler: Sampler,
        pruner: Pruner,
        space: Space | None,
    ) -> None:
        self._record = record
        self._storage = storage
        self.sampler = sampler
        self.pruner = pruner
        self.space = space
        self._id = record.study_id
        self._cache = TrialCache(self.direction, self._resolve)
        self._running: dict[int, Trial] = {}
        self._finished_here: list[int] = []  # trials this object ran to the end
        self._lag: int | None = None  # deterministic mode: how far behind the history lags
        self._claiming: set[int] = set()  # trials with a number but no values yet
        self._retries = 0  # how often optimize() re-queues trials of dead workers
        self._worker = {"worker": {"host": socket.gethostname(), "pid": os.getpid()}}
        self.history = History(
            self.direction,
            space,
            lambda: self._cache.trials,
            get=self._cache.get,
            changes=self._cache.changed,
            pruner=self.pruner,
        )

    # --- identity ----------------------------------------------------------------
    @property
    def name(self) -> str:
        return self._record.name

    @property
    def direction(self) -> Direction:
        return self._record.directions[0]

    @property
    def storage(self) -> Storage:
        return self._storage

    @property
    def user_attrs(self) -> dict[str, Any]:
        self._record = self._storage.get_study(self.name)
        return dict(self._record.user_attrs)

    @property
    def system_attrs(self) -> dict[str, Any]:
        return dict(self._record.system_attrs)

    # --- seeds and repeats (stored with the study, so resumed studies and workers keep them)
    @property
    def repeats(self) -> int:
        """How many seeds each configuration is evaluated over (``create_study(repeats=)``)."""
        return int(self._record.system_attrs.get("repeats", 1))

    @property
    def select(self) -> str:
        """The statistic of the repeats that becomes a trial's value (``hypersweep.repeats``)."""
        return str(self._record.system_attrs.get("select", "mean"))

    @property
    def seed_objective(self) -> bool:
        """Whether ``hs.seed_everything(trial.seed)`` runs before each objective call."""
        return bool(self._record.system_attrs.get("seed_objective", False))

    def stability(
        self,
        objective: Callable[..., Any],
        top: int = 5,
        seeds: int = 10,
        alpha: float = 0.05,
        *,
        test: str = "welch",
        seed_objective: bool | None = None,
    ) -> StabilityReport:
        """Re-run the best ``top`` configurations over ``seeds`` fresh seeds and test
        whether the leader's lead holds: "was the best run just a lucky seed?".

        See :func:`hypersweep.stability.stability`; the runs are recorded in the
        study's ``system_attrs["stability"]``, never as trials.
        """
        from .stability import stability

        return stability(self, objective, top=top, seeds=seeds, alpha=alpha, test=test,
                         seed_objective=seed_objective)  # fmt: skip

    def set_system_attr(self, key: str, value: Any) -> None:
        """Store JSON-able settings of tools (e.g. how the CLI ran the study), not results."""
        self._record = self._storage.update_study(self._id, system_attrs={key: _jsonable(value)})

    def set_user_attr(self, key: str, value: Any) -> None:
        self._record = self._storage.update_study(self._id, user_attrs={key: _jsonable(value)})

    def __repr__(self) -> str:
        return f"Study(name={self.name!r}, direction={self.direction.value!r})"

    # --- reading trials ----------------------------------------------------------
    def _resolve(self, trial: FrozenTrial) -> FrozenTrial:
        """Give stored trials their real values (tuples, classes) back, via the space."""
        if self.space is None or not trial.flat:
            return trial
        known = self._cache.get(trial.number)
        if known is not None and known.flat == trial.flat:
            return evolve(trial, params=known.params)  # same values: no need to rebuild
        try:
            params = self.space.build(trial.flat)
        except (KeyError, ValueError):
            return trial  # the space evolved since: keep the stored JSON values
        return evolve(trial, params=params)

    def _refresh(self) -> None:
        changed = self._storage.read_trials(self._id, since=self._cache.cursor)
        self._cache.absorb(changed.trials, changed.deleted)
        self._cache.cursor = changed.cursor

    @property
    def trials(self) -> list[FrozenTrial]:
        """All trials in number order (a fresh list; the records themselves are frozen)."""
        self._refresh()
        return list(self._cache.trials)

    def get_trials(self, states: Iterable[TrialState] | None = None) -> list[FrozenTrial]:
        wanted = set(states) if states is not None else None
        return [t for t in self.trials if wanted is None or t.state in wanted]

    @property
    def best_trial(self) -> FrozenTrial:
        self._refresh()
        best = self._cache.best
        if best is None:
            raise ValueError(
                f"study {self.name!r} has no COMPLETE trial yet, so there is no best one; "
                f"run study.optimize(...) first"
            )
        return best

    @property
    def best_params(self) -> Any:
        return self.best_trial.params

    @property
    def best_value(self) -> float:
        value = self.best_trial.value
        assert value is not None  # COMPLETE trials always carry a value
        return value

    # --- ask and tell ------------------------------------------------------------
    def ask(
        self, *, _fresh: bool = False, _max_trials: int | None = None, _expires: float | None = None
    ) -> Trial:
        """Start a trial: enqueued values first, then the sampler's choice.

        Raises :class:`SpaceExhausted` when a grid or a finite space has nothing new left.
        """
        if not _fresh:
            self._refresh()
        now = time.time()
        frozen = None
        if self._cache.count(TrialState.WAITING):  # a write: only when something is queued
            frozen = self._storage.claim_waiting(
                self._id, started=now, system_attrs=self._worker, expires=_expires
            )
        unique = self.sampler.unique_configs(self.history)
        if frozen is None and not unique and self._lag is None:
            # Sample for the number this trial will most likely get, so that trial and
            # parameters reach storage in one write; redo it if another worker got there first.
            guess = self._cache.next_number()
            trial = self._prepare(guess, {}, {})
            frozen = self._storage.create_trial(
                self._id, state=TrialState.RUNNING, started=now, system_attrs=self._worker,
                params=_jsonable(trial.params), flat=trial.flat, max_trials=_max_trials,
                expires=_expires,
            )  # fmt: skip
            trial.stored_leaves = len(trial.flat)
            if frozen.number == guess:
                self._cache.absorb([frozen], resolved={guess: trial.params})
                self._running[guess] = trial
                return trial
        elif frozen is None:  # unique or deterministic: take a number, then choose its values
            frozen = self._storage.create_trial(
                self._id, state=TrialState.RUNNING, started=now, system_attrs=self._worker,
                max_trials=_max_trials, expires=_expires,
            )  # fmt: skip
        self._cache.absorb([frozen])
        self._claiming.add(frozen.number)  # beats for it while its values are chosen
        try:
            trial = self._claim_values(frozen, unique)
        finally:
            self._claiming.discard(frozen.number)
        self._running[trial.number] = trial
        return trial

    def _claim_values(self, frozen: FrozenTrial, unique: bool) -> Trial:
        """Choose and store the values of a trial that already has its number.

        With ``unique``, storage refuses a configuration another trial holds, and the
        sampler (which then sees that trial) chooses again.
        """
        for _ in range(_CLAIM_ATTEMPTS):
            try:
                trial = self._prepare(frozen.number, dict(frozen.flat), dict(frozen.user_attrs))
            except SpaceExhausted:
                self._give_up(frozen, "the space had no configuration left for this trial")
                raise
            values = trial.flat or trial.proposal
            key = config_key(values) if unique and values else None
            if self.space is None and key is None:
                return trial  # define-by-run: values are stored when the trial is told
            try:
                stored = self._storage.update_trial(
                    self._id, trial.number, params=_jsonable(trial.params) if trial.flat else None,
                    flat=trial.flat or None, unique_key=key,
                )  # fmt: skip
            except ConfigTaken:
                self._refresh()
                continue
            except ValueError:  # closed meanwhile by a worker that took us for dead
                self._lost(trial.number)
                raise _Lost from None
            self._cache.absorb([stored], resolved={trial.number: trial.params})
            trial.stored_leaves = len(trial.flat)
            return trial
        self._give_up(frozen, "other workers held every configuration it tried")
        raise SpaceExhausted(
            f"no free configuration found in {_CLAIM_ATTEMPTS} attempts; other workers hold "
            "the rest of the space"
        )

    def _lost(self, number: int) -> FrozenTrial:
        """Another worker closed our trial, believing this worker dead (missed heartbeats
        under heavy load, a clock jump): keep what storage says, and carry on."""
        self._refresh()
        logger.warning(
            "Trial %d was closed by another worker that took this one for dead; its result "
            "is not recorded. Raise heartbeat_interval if the machine is very busy.", number
        )  # fmt: skip
        return self._cache.get(number) or FrozenTrial(number, TrialState.FAIL)

    def _give_up(self, frozen: FrozenTrial, reason: str) -> None:
        """A trial that got a number but no configuration: enqueued ones fail, others vanish."""
        if frozen.system_attrs.get("enqueued"):
            self._interrupt(frozen.number, reason)
        else:
            self._storage.delete_trial(self._id, frozen.number)
            self._cache.absorb([], [frozen.number])

    def _prepare(self, number: int, fixed: dict[str, Any], user_attrs: dict[str, Any]) -> Trial:
        """The handle for trial ``number``, with a static space's values already chosen."""
        history = self.history if self._lag is None else self._settled_history(number)
        proposal = self.sampler.propose(history, number)
        trial = Trial(
            self, number, fixed=fixed, proposal=proposal, user_attrs=user_attrs, history=history
        )
        if self.space is not None:
            trial.params = self.space.resolve(trial.choose)[0]
        return trial

    def _settled_history(self, number: int) -> History:
        """Deterministic mode: trial ``number`` sees exactly the trials numbered up to
        ``number - lag``, once all of them have finished, whatever the workers' timing."""
        cutoff = number - (self._lag or 1)
        last_reap = time.monotonic()
        while True:
            early = [t for t in self._cache.trials if t.number <= cutoff]
            if all(t.state.is_finished for t in early):
                break
            time.sleep(0.02)
            if time.monotonic() - last_reap > 1.0:  # a dead worker must not block us forever
                self.reap_dead_workers()
                last_reap = time.monotonic()
            self._refresh()
        settled = [t for t in early if not (t.state is TrialState.FAIL and t.interrupted)]
        return History(self.direction, self.space, lambda: settled, pruner=self.pruner)

    def tell(
        self,
        trial: Trial | int,
        result: Any = None,
        *,
        state: TrialState | str | None = None,
        error: str | None = None,
        _attrs: dict[str, Any] | None = None,
    ) -> FrozenTrial:
        """Finish a trial with the objective's result (a number or a dict with "loss").

        ``state`` may be given as PRUNED (the last reported value is kept) or FAIL.
        The trial's derived seed (repeat 0's) is recorded in ``system_attrs["seed"]``.
        """
        number = trial if isinstance(trial, int) else trial.number
        handle = self._running.pop(number, trial if isinstance(trial, Trial) else None)
        state = TrialState(state) if isinstance(state, str) else state
        values: tuple[float, ...] | None = None
        extra: dict[str, Any] = {}
        if state is TrialState.PRUNED:  # reports are stored as they come: read them back
            steps = (handle.intermediate if handle else {}) or (
                self._cache.get(number) or FrozenTrial(number, state)
            ).intermediate
            if steps:
                values = (steps[max(steps)],)
        elif state is TrialState.FAIL:
            error = error or "marked FAIL by the caller"
        else:
            value, extra, problem = as_value(result)
            if problem is not None:
                state, error = TrialState.FAIL, problem
            else:
                state, values = TrialState.COMPLETE, (float(value),)  # type: ignore[arg-type]
        update: dict[str, Any] = {}
        if handle is not None:
            if self.space is None:
                update["flat"] = handle.flat
                update["params"] = _jsonable(dict(handle.flat))
                update["system_attrs"] = {"space": handle.defined_space()}
            elif len(handle.flat) != handle.stored_leaves:  # suggest_* added leaves since ask
                update["flat"] = handle.flat
                update["params"] = _jsonable(handle.params)
        update["system_attrs"] = {**update.get("system_attrs", {}), **(_attrs or {}),
                                  "seed": derive_seed(self.sampler.entropy, number)}  # fmt: skip
        user_attrs = handle.user_attrs if handle else {}
        if extra:
            user_attrs = {**user_attrs, **_jsonable(extra)}
        try:
            frozen = self._storage.update_trial(
                self._id,
                number,
                state=state,
                values=values,
                user_attrs=user_attrs or None,
                finished=time.time(),
                error=error,
                **update,
            )
        except ValueError:
            if handle is None:
                raise  # the caller's own mistake (a finished or unknown trial number)
            return self._lost(number)
        was_best = self._cache.best
        known = {number: handle.params} if handle is not None and self.space is not None else None
        self._cache.absorb([frozen], resolved=known)
        frozen = self._cache.get(number) or frozen
        progress.announce(self, frozen, was_best)
        return frozen

    def enqueue(self, params: Any, *, user_attrs: dict[str, Any] | None = None) -> int:
        """Queue known parameters to be tried first; return the trial number.

        With a static space, ``params`` is nested like the space (or flat by leaf
        path, possibly partial: missing leaves are sampled). Define-by-run: a dict
        of name -> value.
        """
        flat = self._flatten_for_enqueue(params)
        frozen = self._storage.create_trial(
            self._id,
            state=TrialState.WAITING,
            flat=flat,
            params=_jsonable(params),
            user_attrs=_jsonable(user_attrs or {}),
            system_attrs={"enqueued": True},
        )
        self._cache.absorb([frozen])
        return frozen.number

    def _flatten_for_enqueue(self, params: Any) -> dict[str, Any]:
        if self.space is None:
            if not isinstance(params, dict):
                raise ValueError(f"enqueue: expected a dict of name -> value, got {params!r:.100}")
            return {str(k): json_key(v) for k, v in params.items()}
        try:
            return self.space.flatten(params)
        except ValueError as nested_error:
            leaves = self.space.leaves
            if not (isinstance(params, dict) and params and all(k in leaves for k in params)):
                raise
            # a flat, possibly partial dict of leaf paths: missing leaves get sampled
            bad = [k for k, v in params.items() if not leaves[k].contains(json_key(v))]
            if any(isinstance(params[k], dict) for k in bad):
                raise nested_error
            if bad:
                raise ValueError(
                    f"enqueue: the values for {bad} are not in the space: "
                    + ", ".join(f"{k}={params[k]!r} vs {leaves[k]!r}" for k in bad)
                ) from None
            return {k: json_key(v) for k, v in params.items()}

    def delete_trial(self, number: int) -> None:
        """Remove one trial for good (for example a run spoiled by a bug)."""
        self._storage.delete_trial(self._id, number)
        self._refresh()

    # --- the loop ----------------------------------------------------------------
    def optimize(
        self,
        objective: Callable[..., Any],
        n_trials: int | None = None,
        *,
        timeout: float | None = None,
        callbacks: Sequence[Callback] | None = None,
        catch: tuple[type[BaseException], ...] = (Exception,),
        n_jobs: int = 1,
        show_progress: bool | None = None,
        heartbeat_interval: float | None = None,
        retries: int = 0,
        executor: Executor | None = None,
        deterministic: bool = False,
    ) -> Study:
        """Run trials until the study holds ``n_trials``, ``timeout`` passes, or a grid ends.

        ``n_trials`` is the study's total budget, not a per-call count: a
        resumed study runs only what is missing, and concurrent workers never
        overshoot it (storage checks it as it creates each trial). Trials cut
        short by Ctrl-C or a dead worker do not count; with ``retries`` they are
        queued again with the same parameters. The objective takes ``params``
        (static space), ``(params, trial)``, or ``trial`` (define-by-run).
        Exceptions listed in ``catch`` fail the trial and the study goes on.

        ``n_jobs`` runs that many worker processes (-1: one per CPU) on a shared
        SQL storage; ``executor`` runs the workers elsewhere instead
        (``hs.executors.Dask(client)``, ``hs.executors.Ray()``).
        ``heartbeat_interval`` (seconds; default 10 on SQL storages, off in
        memory) lets other workers notice when this one dies.

        ``deterministic=True`` makes parallel workers propose the same values for
        each trial number whatever their timing: trial n is chosen from the trials
        numbered up to n - (number of workers) only, after waiting for them to
        finish (a seeded sampler is needed). It costs some waiting and some
        information; see docs/design.md for the measured price.
        """
        _check_budget(n_trials, timeout)
        if n_jobs == -1:
            n_jobs = os.cpu_count() or 1
        if isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs < 1:
            raise ValueError(f"n_jobs must be an integer >= 1 or -1, but got {n_jobs!r}")
        int_at_least("", "retries", retries, 0)
        options = {"timeout": timeout, "callbacks": callbacks, "catch": catch,
                   "heartbeat_interval": heartbeat_interval, "retries": retries,
                   "lag": (executor_size(executor) if executor else n_jobs)
                   if deterministic else None}  # fmt: skip
        if executor is not None:
            executor.run(self, objective, n_trials, options)
            self._refresh()
            return self
        if n_jobs > 1:
            from .processes import run_processes

            run_processes(self, objective, n_trials, n_jobs, options, show_progress)
            self._refresh()
            return self
        self._loop(objective, n_trials, options, show_progress)
        return self

    def _loop(
        self,
        objective: Callable[..., Any],
        n_trials: int | None,
        options: dict[str, Any],
        show_progress: bool | None,
    ) -> None:
        """One worker's loop: ask, run, tell, until the budget, the clock or the space ends."""
        call = self._adapt(objective)
        timeout, retries = options["timeout"], options["retries"]
        self._lag = options.get("lag")
        self._retries = retries
        beat = self._heartbeat(options["heartbeat_interval"])
        self.reap_dead_workers(retries=retries)
        start = time.monotonic()
        next_reap = start + (beat.interval if beat else math.inf)
        progress.ensure_handler()
        bar = progress.Bar.start(self, n_trials, timeout, show_progress)
        try:
            while True:
                now = time.monotonic()
                if timeout is not None and now - start >= timeout:
                    break
                if now >= next_reap and beat is not None:
                    self.reap_dead_workers(retries=retries)
                    next_reap = now + beat.interval
                self._refresh()
                if (
                    n_trials is not None
                    and self._cache.budget_used >= n_trials
                    and not self._cache.count(TrialState.WAITING)  # queued ones are in budget
                ):
                    if not self._wait_for_others(beat):
                        break
                    continue
                try:
                    trial = self.ask(
                        _fresh=True,
                        _max_trials=n_trials,
                        _expires=beat.expiry() if beat else None,
                    )
                except (BudgetReached, _Lost):
                    continue  # other workers took the last slots (wait for them above)
                except SpaceExhausted as done:
                    logger.info("Study %r stops: %s", self.name, done)
                    break
                frozen = self._run_one(call, trial, options["catch"])
                self._finished_here.append(frozen.number)
                bar.update(frozen)
                for callback in options["callbacks"] or ():
                    callback(self, frozen)
        finally:
            self._abandon_running()
            if beat is not None:
                beat.stop()
            bar.close()

    def _heartbeat(self, interval: float | None) -> Heartbeat | None:
        if interval is None:
            if isinstance(self._storage, MemoryStorage):
                return None  # one process: nobody else could notice a death
            interval = DEFAULT_HEARTBEAT
        if interval == 0:
            return None
        alive = lambda: [*self._running, *self._claiming]  # noqa: E731
        return Heartbeat(self._storage, self._id, alive, interval).start()

    def _wait_for_others(self, beat: Heartbeat | None) -> bool:
        """The budget is taken, but others' trials still run: if one of them dies its slot
        comes back, so wait (reaping) while any runs. False when there is nothing to wait for."""
        others = [t for t in self._cache.running() if t.number not in self._running]
        if not others or beat is None:
            return False
        time.sleep(min(0.5, beat.interval / 2))
        self.reap_dead_workers()
        return True

    def _adapt(self, objective: Callable[..., Any]) -> Callable[[Trial], Any]:
        if self.space is None:
            return objective
        try:
            n_args = len(
                [
                    p
                    for p in inspect.signature(objective).parameters.values()
                    if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
                ]
            )
        except (TypeError, ValueError):
            n_args = 1
        if n_args >= 2:
            return lambda trial: objective(trial.params, trial)
        return lambda trial: objective(trial.params)

    def _run_one(
        self,
        call: Callable[[Trial], Any],
        trial: Trial,
        catch: tuple[type[BaseException], ...],
    ) -> FrozenTrial:
        done: list[tuple[float, int]] = []  # (score, seed) of each finished repeat
        try:
            result = self._call_repeats(call, trial, done)
        except _BadRepeat as bad:
            return self.tell(trial, state=TrialState.FAIL, error=str(bad),
                             _attrs=self._repeats_attrs(done))  # fmt: skip
        except TrialPruned:
            return self.tell(trial, state=TrialState.PRUNED, _attrs=self._repeats_attrs(done))
        except KeyboardInterrupt:
            self._interrupt(trial, "interrupted by the user (Ctrl-C)")
            logger.warning(
                "Study %r interrupted; trial %d marked FAIL, all finished trials are stored. "
                "Resume with hs.load_study(%r, storage=...).optimize(...).",
                self.name,
                trial.number,
                self.name,
            )
            raise
        except catch as exc:
            error = self._where(trial) + _describe(exc)
            frozen = self.tell(trial, state=TrialState.FAIL, error=error,
                               _attrs=self._repeats_attrs(done))  # fmt: skip
            logger.warning(
                "Trial %d failed: %s",
                trial.number,
                frozen.error.splitlines()[-1] if frozen.error else "",
            )
            return frozen
        except BaseException as exc:
            self.tell(trial, state=TrialState.FAIL, error=self._where(trial) + _describe(exc),
                      _attrs=self._repeats_attrs(done))  # fmt: skip
            raise
        return self.tell(trial, result, _attrs=self._repeats_attrs(done))

    def _call_repeats(
        self, call: Callable[[Trial], Any], trial: Trial, done: list[tuple[float, int]]
    ) -> Any:
        """Call the objective once per repeat, each with its own seed, and return what to tell:
        the objective's own result for one repeat, else the selected statistic (with repeat
        0's extra entries). A repeat that fails, or returns no score, fails the whole trial
        (the scores of the repeats before it are kept); a pruned repeat prunes the trial."""
        k, seed_objective = self.repeats, self.seed_objective
        first_extra: dict[str, Any] = {}
        for repeat in range(k):
            trial.repeat = repeat
            if seed_objective:
                seed_everything(trial.seed)
            result = call(trial)
            if k == 1:
                return result
            value, extra, problem = as_value(result)
            if problem is not None:
                raise _BadRepeat(self._where(trial) + problem)
            assert value is not None  # as_value gives a value whenever there is no problem
            done.append((value, trial.seed))
            first_extra = extra if repeat == 0 else first_extra
        trial.repeat = 0
        score = repeats.selected([v for v, _ in done], self.select, self.direction)
        return {**first_extra, "loss": score}

    def _where(self, trial: Trial) -> str:
        """Which repeat went wrong, for the error message (nothing with a single repeat)."""
        if self.repeats == 1:
            return ""
        return f"repeat {trial.repeat} of {self.repeats} (seed {trial.seed}): "

    def _repeats_attrs(self, done: list[tuple[float, int]]) -> dict[str, Any] | None:
        if self.repeats == 1:
            return None
        scores, seeds = [v for v, _ in done], [s for _, s in done]
        return {"repeats": repeats.record(scores, seeds, self.select, self.direction)}

    def interrupt(self, trial: Trial | int, reason: str) -> None:
        """End a running trial as cut short (FAIL, interrupted): it gives its budget back and
        a grid or a resumed study runs its configuration again. For loops run outside
        ``optimize`` (integrations) that were stopped before they could tell a result."""
        self._interrupt(trial, reason)

    def _interrupt(self, trial: Trial | int, reason: str) -> None:
        number = trial if isinstance(trial, int) else trial.number
        handle = self._running.pop(number, None)
        extra: dict[str, Any] = {}
        if handle is not None and handle.flat:
            extra = {"flat": handle.flat, "intermediate": handle.intermediate or None}
        with contextlib.suppress(ValueError):  # already finished by someone else
            self._cache.absorb(
                [
                    self._storage.update_trial(
                        self._id,
                        number,
                        state=TrialState.FAIL,
                        finished=time.time(),
                        error=reason,
                        system_attrs={"interrupted": True,
                                      "seed": derive_seed(self.sampler.entropy, number)},
                        **extra,
                    )
                ]
            )

    def _abandon_running(self) -> None:
        for number in list(self._running):
            self._interrupt(number, "the loop stopped before this trial finished")

    def reap_dead_workers(self, *, retries: int | None = None) -> list[int]:
        """Mark FAIL the RUNNING trials whose worker is gone; return their numbers.

        Gone means: its process on this host has died, or its heartbeat ran out
        (a worker on another machine). Such trials are flagged interrupted, so
        they use no budget and a grid runs their cell again; with ``retries``
        (default: what the running ``optimize`` was given), each is queued again
        with the same parameters, up to that many times.
        """
        retries = self._retries if retries is None else retries
        self._refresh()
        host, me = self._worker["worker"]["host"], os.getpid()
        reasons: dict[int, str] = {}
        for t in self._cache.running():
            worker = t.system_attrs.get("worker") or {}
            pid = int(worker.get("pid", -1))
            if worker.get("host") == host and pid != me and not _pid_alive(pid):
                reasons[t.number] = f"its worker process {pid} died"
        for number in self._storage.expired(self._id, time.time()):
            if number not in self._running:
                reasons.setdefault(number, "its worker stopped sending heartbeats")
        for number, reason in sorted(reasons.items()):
            self._interrupt(number, reason)
            dead = self._cache.get(number)
            if dead is not None and retries > 0:
                self._retry(dead, retries)
        if reasons:
            logger.warning("Marked trials %s FAIL: their workers were gone.", sorted(reasons))
        return sorted(reasons)

    def _retry(self, dead: FrozenTrial, retries: int) -> None:
        done = int(dead.system_attrs.get("retry", 0))
        if done >= retries or not dead.flat:
            return
        origin = dead.system_attrs.get("retry_of", dead.number)
        frozen = self._storage.create_trial(
            self._id, state=TrialState.WAITING, flat=dict(dead.flat),
            params=_jsonable(dead.params), user_attrs=dict(dead.user_attrs),
            system_attrs={"enqueued": True, "retry_of": origin, "retry": done + 1},
        )  # fmt: skip
        self._cache.absorb([frozen])
        logger.warning("Trial %d queued again as trial %d (retry %d).", dead.number,
                       frozen.number, done + 1)  # fmt: skip

    # --- pruning hooks used by Trial ---------------------------------------------
    def _report(self, trial: Trial, step: int, value: float) -> None:
        self._cache.absorb(
            [self._storage.update_trial(self._id, trial.number, intermediate={step: value})]
        )

    def _should_prune(self, trial: Trial) -> bool:
        self._refresh()
        frozen = self._cache.get(trial.number)
        if frozen is None:
            return False
        frozen = dataclasses.replace(frozen, intermediate=dict(trial.intermediate))
        return bool(self.pruner.prune(self.history, frozen))

    # --- export ------------------------------------------------------------------
    def to_records(self) -> list[dict[str, Any]]:
        """One flat dict per trial: number, state, value, params_<path>, user_attrs_<key>, ..."""
        rows = []
        for t in self.trials:
            row: dict[str, Any] = {
                "number": t.number,
                "state": t.state.value,
                "value": t.value,
                "started": _iso(t.started),
                "finished": _iso(t.finished),
                "duration": t.duration,
            }
            row.update({f"params_{k}": v for k, v in t.flat.items()})
            row.update({f"user_attrs_{k}": v for k, v in t.user_attrs.items()})
            row["error"] = t.error
            rows.append(row)
        return rows

    def to_dataframe(self) -> Any:
        """The trials as a pandas DataFrame (needs ``pip install pandas``)."""
        try:
            import pandas as pd
        except ImportError:
            raise ImportError(
                "to_dataframe() needs pandas: pip install pandas (or use study.to_records())"
            ) from None
        trials = self.trials
        import numpy as np

        def stamps(values: list[float | None]) -> Any:  # via a float array: 5x faster
            seconds = np.array([np.nan if v is None else v for v in values], dtype=float)
            return pd.to_datetime(seconds, unit="s", utc=True)

        started = stamps([t.started for t in trials])
        finished = stamps([t.finished for t in trials])
        # column by column and from_records: a per-trial Python dict costs 10x more at 100k
        parts = [
            pd.DataFrame(
                {
                    "number": [t.number for t in trials],
                    "state": [t.state.value for t in trials],
                    "value": [t.values[0] if t.values else None for t in trials],
                    "started": started,
                    "finished": finished,
                    "duration": (finished - started).total_seconds(),
                }
            ),
            pd.DataFrame.from_records([t.flat for t in trials]).add_prefix("params_"),
            pd.DataFrame.from_records([t.user_attrs for t in trials]).add_prefix("user_attrs_"),
            pd.DataFrame({"error": [t.error for t in trials]}),
        ]
        return pd.concat([p for p in parts if len(p.columns)], axis=1)


def executor_size(executor: Executor) -> int:
    return max(int(executor.size()), 1)


def _iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    return _dt.datetime.fromtimestamp(ts, tz=_dt.timezone.utc).isoformat(timespec="seconds")


def _describe(exc: BaseException) -> str:
    tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__, limit=-3))
    return f"{type(exc).__name__}: {exc}\n{tb}".strip()


def _check_budget(n_trials: int | None, timeout: float | None) -> None:
    if n_trials is not None and (
        isinstance(n_trials, bool) or not isinstance(n_trials, int) or n_trials < 0
    ):
        raise ValueError(f"n_trials must be an integer >= 0 or None, but got {n_trials!r}")
    if timeout is not None and (isinstance(timeout, bool) or not timeout > 0):
        raise ValueError(f"timeout must be a number of seconds > 0 or None, got {timeout!r}")
