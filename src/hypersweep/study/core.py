"""The study core: identity, the trial cache, and ask / tell / enqueue.

Storage is the truth: every state change is written before it is reported,
and the study only keeps an incremental cache of what storage says. That is
what lets a study be killed at any moment and resumed with nothing lost. The
optimize loop, liveness and export sit above this module (``loop``,
``liveness``, ``export``) and reach it through the public methods below.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import socket
import time
from collections.abc import Callable, Iterable
from typing import Any

from .._json import jsonable
from ..exceptions import ConfigTaken, SpaceExhausted, TrialAlreadyFinished
from ..history import History, config_key
from ..pruners.base import Pruner
from ..samplers.base import Sampler
from ..space import Space
from ..storage import Storage, StudyRecord
from ..training.seeding import derive_seed
from ..trial import Direction, FrozenTrial, Reported, TrialState, constraint_attrs, evolve, outcome
from . import progress
from .cache import TrialCache
from .handle import Trial, VectorCache, flatten_for_enqueue

logger = logging.getLogger("hypersweep")
_CLAIM_ATTEMPTS = 20  # re-choices when other workers hold the configuration


class Lost(Exception):
    """Our new trial was closed by another worker before its values were stored."""


class StudyCore:
    """A named, persistent optimisation: its trials live in storage.

    The public :class:`~hypersweep.Study` adds the optimize loop, liveness and
    export; workers run loops on this core alone.
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
        self._directions = tuple(record.directions)  # a study's directions never change
        self._direction = self._directions[0]
        self._storage = storage
        self.sampler = sampler
        self.pruner = pruner
        self.space = space
        self._id = record.study_id
        cache = VectorCache if len(self._directions) > 1 else TrialCache
        self._cache = cache(self.direction, self._resolve)
        self._running: dict[int, Trial] = {}
        self._lag: int | None = None  # deterministic mode: how far behind the history lags
        self._on_wait: Callable[[], object] | None = None  # while deterministic mode waits
        self._claiming: set[int] = set()  # trials with a number but no values yet
        self.worker = {"host": socket.gethostname(), "pid": os.getpid()}  # who runs trials here
        self._worker_attrs = {"worker": self.worker}
        self.history = History(
            self.direction,
            space,
            lambda: self._cache.trials,
            get=self._cache.get,
            changes=self._cache.changed,
            pruner=self.pruner,
            directions=self._directions,
        )
        self._sampled = self.history  # what samplers read: no vector curves (VectorCache)
        if isinstance(self._cache, VectorCache):
            vc = self._cache
            self._sampled = History(self.direction, space, vc.plain_trials, get=vc.plain,
                                    changes=vc.changed, pruner=self.pruner,
                                    directions=self._directions)  # fmt: skip

    # --- identity ----------------------------------------------------------------
    @property
    def name(self) -> str:
        return self._record.name

    @property
    def direction(self) -> Direction:
        return self._direction

    @property
    def directions(self) -> tuple[Direction, ...]:
        """One direction per objective (a single-objective study: one)."""
        return self._directions

    @property
    def storage(self) -> Storage:
        return self._storage

    @property
    def record(self) -> StudyRecord:
        """The study's stored identity (id, name, directions, attributes), as last read."""
        return self._record

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

    def set_system_attr(self, key: str, value: Any) -> None:
        """Store JSON-able settings of tools (e.g. how the CLI ran the study), not results."""
        self._record = self._storage.update_study(self._id, system_attrs={key: jsonable(value)})

    def set_user_attr(self, key: str, value: Any) -> None:
        self._record = self._storage.update_study(self._id, user_attrs={key: jsonable(value)})

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

    def refresh(self) -> None:
        """Read what changed in storage since the last read (only that: reads stay cheap)."""
        changed = self._storage.read_trials(self._id, since=self._cache.cursor)
        self._cache.absorb(changed.trials, changed.deleted)
        self._cache.cursor = changed.cursor

    @property
    def trials(self) -> list[FrozenTrial]:
        """All trials in number order (a fresh list; the records themselves are frozen)."""
        self.refresh()
        return list(self._cache.trials)

    def get_trials(self, states: Iterable[TrialState] | None = None) -> list[FrozenTrial]:
        wanted = set(states) if states is not None else None
        return [t for t in self.trials if wanted is None or t.state in wanted]

    # --- the state of the budget, read from the cache (call refresh() first) ----------
    def budget_used(self) -> int:
        """Trials that count toward ``n_trials``: all but the interrupted ones."""
        return self._cache.budget_used

    def queued(self) -> int:
        """How many enqueued (WAITING) trials wait for a worker."""
        return self._cache.count(TrialState.WAITING)

    def best_so_far(self) -> FrozenTrial | None:
        """The best COMPLETE trial as last read, without a storage read (for progress)."""
        return self._cache.best

    def running_here(self) -> list[int]:
        """Numbers of the trials this process holds: running, or choosing their values."""
        return [*self._running, *self._claiming]

    def running_elsewhere(self) -> list[FrozenTrial]:
        """RUNNING trials held by other workers (or other Study objects)."""
        return [t for t in self._cache.running() if t.number not in self._running]

    def cached(self, number: int) -> FrozenTrial | None:
        """Trial ``number`` as last read (None if unknown)."""
        return self._cache.get(number)

    def deterministic(self, lag: int | None, on_wait: Callable[[], object] | None = None) -> None:
        """Choose trial n from the trials numbered up to n - ``lag`` only, once they are all
        finished (None: from everything known). ``on_wait`` runs while it waits (reaping)."""
        self._lag, self._on_wait = lag, on_wait

    # --- ask and tell ------------------------------------------------------------
    def ask(
        self,
        *,
        max_trials: int | None = None,
        expires: float | None = None,
        refresh: bool = True,
    ) -> Trial:
        """Start a trial: enqueued values first, then the sampler's choice.

        ``max_trials``: storage refuses the trial (:class:`BudgetReached`) if the study
        already holds that many; ``expires``: when the trial counts as abandoned unless a
        heartbeat pushes it on; ``refresh=False`` skips the read the caller just made.
        Raises :class:`SpaceExhausted` when a grid or a finite space has nothing new left.
        """
        if refresh:
            self.refresh()
        now = time.time()
        frozen = None
        if self._cache.count(TrialState.WAITING):  # a write: only when something is queued
            frozen = self._storage.claim_waiting(
                self._id, started=now, system_attrs=self._worker_attrs, expires=expires
            )
        unique = self.sampler.unique_configs(self._sampled)
        if frozen is None and not unique and self._lag is None:
            # Sample for the number this trial will most likely get, so that trial and
            # parameters reach storage in one write; redo it if another worker got there first.
            guess = self._cache.next_number()
            trial = self._prepare(guess, {}, {})
            frozen = self._storage.create_trial(
                self._id, state=TrialState.RUNNING, started=now, system_attrs=self._worker_attrs,
                params=jsonable(trial.params), flat=trial.flat, max_trials=max_trials,
                expires=expires,
            )  # fmt: skip
            trial.stored_leaves = len(trial.flat)
            if frozen.number == guess:
                self._cache.absorb([frozen], resolved={guess: trial.params})
                self._running[guess] = trial
                return trial
            # Another worker took the guessed number, and whoever holds it now draws the very
            # values we drew for it: choose again for the number we got (one more write).
            frozen = evolve(frozen, flat={})
        elif frozen is None:  # unique or deterministic: take a number, then choose its values
            frozen = self._storage.create_trial(
                self._id, state=TrialState.RUNNING, started=now, system_attrs=self._worker_attrs,
                max_trials=max_trials, expires=expires,
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
                    self._id, trial.number, params=jsonable(trial.params) if trial.flat else None,
                    flat=trial.flat or None, unique_key=key,
                )  # fmt: skip
            except ConfigTaken:
                self.refresh()
                continue
            except ValueError:  # closed meanwhile by a worker that took us for dead
                self._lost(trial.number)
                raise Lost from None
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
        self.refresh()
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
        history = self._sampled if self._lag is None else self._settled_history(number)
        proposal = self.sampler.propose(history, number)
        trial = Trial(
            self, number, sampler=self.sampler, history=history, fixed=fixed, proposal=proposal,
            user_attrs=user_attrs, report=self._store_report, judge=self._judge,
            n_objectives=len(self._directions),
        )  # fmt: skip
        if self.space is not None:
            trial.params = self.space.resolve(trial.choose)[0]
        return trial

    def _settled_history(self, number: int) -> History:
        """Deterministic mode: trial ``number`` sees exactly the trials numbered up to
        ``number - lag``, once all of them have finished, whatever the workers' timing."""
        cutoff = number - (self._lag or 1)
        last_reap = time.monotonic()
        while True:
            early = [t for t in self._sampled.trials if t.number <= cutoff]
            if all(t.state.is_finished for t in early):
                break
            time.sleep(0.02)
            if time.monotonic() - last_reap > 1.0 and self._on_wait is not None:
                self._on_wait()  # a dead worker must not block us forever
                last_reap = time.monotonic()
            self.refresh()
        settled = [t for t in early if not (t.state is TrialState.FAIL and t.interrupted)]
        return History(self.direction, self.space, lambda: settled, pruner=self.pruner,
                       directions=self._directions)  # fmt: skip

    def tell(
        self,
        trial: Trial | int,
        result: Any = None,
        *,
        state: TrialState | str | None = None,
        error: str | None = None,
        system_attrs: dict[str, Any] | None = None,
    ) -> FrozenTrial:
        """Finish a trial with the objective's result (a number or a dict with "loss").

        ``state`` may be given as PRUNED (the last reported value is kept) or FAIL.
        ``system_attrs`` are stored with the trial (the loop records repeats there), and
        the trial's derived seed (repeat 0's) in ``system_attrs["seed"]``. Telling a trial
        that is already finished raises :class:`TrialAlreadyFinished` and changes nothing.
        """
        number = trial if isinstance(trial, int) else trial.number
        handle = self._running.pop(number, None)
        in_flight = handle is not None  # asked here and not told yet
        if handle is None and isinstance(trial, Trial):
            handle = trial
        steps: dict[int, Reported] = {}
        if state is not None:  # a pruned trial keeps its last report (read only when needed)
            stored = self._cache.get(number)
            steps = handle.intermediate if handle else {}
            steps = steps or (stored.intermediate if stored else {})
        state, values, extra, error = outcome(result, state, error, steps, len(self._directions))
        bound, problem = constraint_attrs(extra, handle.constraints if handle else {})
        if problem is not None and state is TrialState.COMPLETE:
            state, values, error = TrialState.FAIL, None, problem
        update: dict[str, Any] = {}
        if handle is not None:
            if self.space is None:
                update["flat"] = handle.flat
                update["params"] = jsonable(dict(handle.flat))
                update["system_attrs"] = {"space": handle.defined_space()}
            elif len(handle.flat) != handle.stored_leaves:  # suggest_* added leaves since ask
                update["flat"] = handle.flat
                update["params"] = jsonable(handle.params)
        seed = derive_seed(self.sampler.entropy, number)
        update["system_attrs"] = {**update.get("system_attrs", {}), **(system_attrs or {}),
                                  **bound, "seed": seed}  # fmt: skip
        user_attrs = handle.user_attrs if handle else {}
        if extra:
            user_attrs = {**user_attrs, **jsonable(extra)}
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
        except ValueError as exc:
            if not in_flight:  # the caller's own mistake: a finished or unknown trial
                raise TrialAlreadyFinished(f"cannot tell trial {number}: {exc}") from None
            return self._lost(number)
        was_best = self._cache.best
        known = {number: handle.params} if handle is not None and self.space is not None else None
        self._cache.absorb([frozen], resolved=known)
        frozen = self._cache.get(number) or frozen
        progress.announce(self._direction, frozen, was_best)
        return frozen

    def enqueue(self, params: Any, *, user_attrs: dict[str, Any] | None = None) -> int:
        """Queue known parameters to be tried first; return the trial number.

        With a static space, ``params`` is nested like the space (or flat by leaf
        path, possibly partial: missing leaves are sampled). Define-by-run: a dict
        of name -> value.
        """
        flat = flatten_for_enqueue(self.space, params)
        frozen = self._storage.create_trial(
            self._id,
            state=TrialState.WAITING,
            flat=flat,
            params=jsonable(params),
            user_attrs=jsonable(user_attrs or {}),
            system_attrs={"enqueued": True},
        )
        self._cache.absorb([frozen])
        return frozen.number

    def delete_trial(self, number: int) -> None:
        """Remove one trial for good (for example a run spoiled by a bug)."""
        self._storage.delete_trial(self._id, number)
        self.refresh()

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
                        system_attrs={
                            "interrupted": True,
                            "seed": derive_seed(self.sampler.entropy, number),
                        },
                        **extra,
                    )
                ]
            )

    def interrupt_running(self, reason: str) -> None:
        """End every trial this object still holds as interrupted (a loop that stops)."""
        for number in list(self._running):
            self._interrupt(number, reason)

    def retry(self, dead: FrozenTrial, retries: int) -> None:
        """Queue a trial cut short again with the same values, up to ``retries`` times."""
        done = int(dead.system_attrs.get("retry", 0))
        if done >= retries or not dead.flat:
            return
        origin = dead.system_attrs.get("retry_of", dead.number)
        frozen = self._storage.create_trial(
            self._id, state=TrialState.WAITING, flat=dict(dead.flat),
            params=jsonable(dead.params), user_attrs=dict(dead.user_attrs),
            system_attrs={"enqueued": True, "retry_of": origin, "retry": done + 1},
        )  # fmt: skip
        self._cache.absorb([frozen])
        logger.warning("Trial %d queued again as trial %d (retry %d).", dead.number,
                       frozen.number, done + 1)  # fmt: skip

    # --- pruning hooks used by Trial ---------------------------------------------
    def _store_report(self, trial: Trial, step: int, value: Reported) -> None:
        point: dict[int, Any] = {step: value}  # a vector report is stored as a JSON list
        self._cache.absorb([self._storage.update_trial(self._id, trial.number, intermediate=point)])

    def _judge(self, trial: Trial) -> bool:
        self.refresh()
        frozen = self._cache.get(trial.number)
        if frozen is None:
            return False
        frozen = dataclasses.replace(frozen, intermediate=dict(trial.intermediate))
        return bool(self.pruner.prune(self.history, frozen))
