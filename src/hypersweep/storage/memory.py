"""In-process storage: fast, and gone when the process ends."""

from __future__ import annotations

import bisect
import dataclasses
import threading
import time
from collections.abc import Sequence
from typing import Any

from ..exceptions import BudgetReached, ConfigTaken, DuplicateStudy, StudyNotFound
from ..trial import Direction, FrozenTrial, TrialState, evolve, new_trial
from .base import (
    Briefs,
    Changes,
    Storage,
    StudyRecord,
    brief,
    check_finishable,
    check_study_name,
    check_window,
)


class _StudyData:
    __slots__ = (
        "counted", "expires", "key_of", "keys", "log_number", "log_seq", "n_counted",
        "next_number", "record", "seq", "trials", "waiting",
    )  # fmt: skip

    def __init__(self, record: StudyRecord) -> None:
        self.record = record
        self.trials: dict[int, FrozenTrial] = {}
        self.log_seq: list[int] = []  # append-only change log, sorted by seq
        self.log_number: list[int] = []
        self.seq = 0
        self.next_number = 0
        self.waiting: dict[int, None] = {}  # numbers of WAITING trials, oldest first
        self.counted: set[int] = set()  # trials that use up budget (all but interrupted)
        self.n_counted = 0
        self.expires: dict[int, float] = {}  # heartbeats of RUNNING trials
        self.key_of: dict[int, str] = {}  # unique keys of counted trials
        self.keys: set[str] = set()


class MemoryStorage(Storage):
    """Keeps everything in dictionaries; safe to share between threads."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._studies: dict[str, _StudyData] = {}
        self._by_id: dict[int, _StudyData] = {}
        self._next_trial_id = 0
        self._next_study_id = 1  # ids are never reused, even after a study is deleted

    # --- studies -----------------------------------------------------------------
    def create_study(
        self,
        name: str,
        directions: Sequence[Direction],
        *,
        space: Any = None,
        system_attrs: dict[str, Any] | None = None,
    ) -> StudyRecord:
        check_study_name(name)
        with self._lock:
            if name in self._studies:
                raise DuplicateStudy(f"a study named {name!r} already exists")
            record = StudyRecord(
                study_id=self._next_study_id,
                name=name,
                directions=tuple(directions),
                space=space,
                system_attrs=dict(system_attrs or {}),
                created=time.time(),
            )
            self._next_study_id += 1
            data = _StudyData(record)
            self._studies[name] = data
            self._by_id[record.study_id] = data
            return record

    def get_study(self, name: str) -> StudyRecord:
        with self._lock:
            if name not in self._studies:
                raise StudyNotFound(f"no study named {name!r} in this in-memory storage")
            return self._studies[name].record

    def list_studies(self) -> list[StudyRecord]:
        with self._lock:
            return [d.record for d in self._studies.values()]

    def delete_study(self, name: str) -> None:
        with self._lock:
            data = self._studies.pop(name, None)
            if data is None:
                raise StudyNotFound(f"no study named {name!r} in this in-memory storage")
            del self._by_id[data.record.study_id]

    def update_study(
        self,
        study_id: int,
        *,
        space: Any = None,
        user_attrs: dict[str, Any] | None = None,
        system_attrs: dict[str, Any] | None = None,
    ) -> StudyRecord:
        with self._lock:
            data = self._study(study_id)
            rec = data.record
            data.record = dataclasses.replace(
                rec,
                space=rec.space if space is None else space,
                user_attrs={**rec.user_attrs, **(user_attrs or {})},
                system_attrs={**rec.system_attrs, **(system_attrs or {})},
            )
            return data.record

    # --- trials ------------------------------------------------------------------
    def create_trial(
        self,
        study_id: int,
        *,
        state: TrialState,
        params: Any = None,
        flat: dict[str, Any] | None = None,
        user_attrs: dict[str, Any] | None = None,
        system_attrs: dict[str, Any] | None = None,
        started: float | None = None,
        max_trials: int | None = None,
        expires: float | None = None,
        unique_key: str | None = None,
    ) -> FrozenTrial:
        with self._lock:
            data = self._study(study_id)
            if max_trials is not None and data.n_counted >= max_trials:
                raise BudgetReached(f"the study already holds its {max_trials} trials")
            if unique_key is not None and unique_key in data.keys:
                raise ConfigTaken("another trial holds this configuration")
            self._next_trial_id += 1
            trial = new_trial(
                number=data.next_number,
                state=state,
                params=params,
                flat=dict(flat or {}),
                user_attrs=dict(user_attrs or {}),
                system_attrs=dict(system_attrs or {}),
                started=started,
                trial_id=self._next_trial_id,
            )
            data.next_number += 1
            data.counted.add(trial.number)
            data.n_counted += 1
            if unique_key is not None:
                data.key_of[trial.number] = unique_key
                data.keys.add(unique_key)
            if expires is not None:
                data.expires[trial.number] = expires
            self._put(data, trial)
            return trial

    def claim_waiting(
        self,
        study_id: int,
        *,
        started: float,
        system_attrs: dict[str, Any] | None = None,
        expires: float | None = None,
    ) -> FrozenTrial | None:
        with self._lock:
            data = self._study(study_id)
            if not data.waiting:
                return None
            trial = data.trials[next(iter(data.waiting))]
            claimed = evolve(
                trial,
                state=TrialState.RUNNING,
                started=started,
                system_attrs={**trial.system_attrs, **(system_attrs or {})},
            )
            if expires is not None:
                data.expires[claimed.number] = expires
            self._put(data, claimed)
            return claimed

    def update_trial(
        self,
        study_id: int,
        number: int,
        *,
        state: TrialState | None = None,
        values: Sequence[float] | None = None,
        params: Any = None,
        flat: dict[str, Any] | None = None,
        user_attrs: dict[str, Any] | None = None,
        system_attrs: dict[str, Any] | None = None,
        intermediate: dict[int, float] | None = None,
        finished: float | None = None,
        error: str | None = None,
        unique_key: str | None = None,
    ) -> FrozenTrial:
        with self._lock:
            data = self._study(study_id)
            old = check_finishable(data.trials.get(number), study_id, number)
            if unique_key is not None and data.key_of.get(number) != unique_key:
                if unique_key in data.keys:
                    raise ConfigTaken("another trial holds this configuration")
                if number in data.counted:
                    data.keys.discard(data.key_of.get(number, ""))
                    data.key_of[number] = unique_key
                    data.keys.add(unique_key)
            changes: dict[str, Any] = {}
            if state is not None:
                changes["state"] = state
            if values is not None:
                changes["values"] = tuple(float(v) for v in values)
            if params is not None:
                changes["params"] = params
            if flat is not None:
                changes["flat"] = dict(flat)
            if user_attrs:
                changes["user_attrs"] = {**old.user_attrs, **user_attrs}
            if system_attrs:
                changes["system_attrs"] = {**old.system_attrs, **system_attrs}
            if intermediate:
                changes["intermediate"] = {**old.intermediate, **intermediate}
            if finished is not None:
                changes["finished"] = finished
            if error is not None:
                changes["error"] = error
            new = evolve(old, **changes)
            if new.state is not TrialState.RUNNING:
                data.expires.pop(number, None)
            if new.state is TrialState.FAIL and new.interrupted and number in data.counted:
                self._uncount(data, number)
            self._put(data, new)
            return new

    def read_trials(self, study_id: int, since: int = 0) -> Changes:
        with self._lock:
            data = self._study(study_id)
            start = bisect.bisect_right(data.log_seq, since)
            seen: dict[int, None] = {}
            for number in data.log_number[start:]:
                seen[number] = None
            trials = [data.trials[n] for n in seen if n in data.trials]
            deleted = [n for n in seen if n not in data.trials]
            return Changes(trials=trials, deleted=deleted, cursor=data.seq)

    # --- reading a large study: no copies of what is not asked for ---------------------
    def read_briefs(self, study_id: int, *, flat: bool = False) -> Briefs:
        with self._lock:
            data = self._study(study_id)  # trials are kept in number order (never reused)
            return Briefs([brief(t, flat) for t in data.trials.values()], data.seq)

    def count_trials(self, study_id: int, states: Sequence[TrialState] | None = None) -> int:
        with self._lock:
            trials = self._study(study_id).trials
            if states is None:
                return len(trials)
            wanted = set(states)
            return sum(t.state in wanted for t in trials.values())

    def read_page(
        self,
        study_id: int,
        offset: int = 0,
        limit: int | None = None,
        *,
        newest_first: bool = False,
    ) -> list[FrozenTrial]:
        check_window(offset, limit)
        with self._lock:
            trials = list(self._study(study_id).trials.values())
        if newest_first:
            trials.reverse()
        return trials[offset : None if limit is None else offset + limit]

    def read_numbers(self, study_id: int, numbers: Sequence[int]) -> list[FrozenTrial]:
        with self._lock:
            trials = self._study(study_id).trials
            return [trials[n] for n in sorted(set(numbers)) if n in trials]

    def delete_trial(self, study_id: int, number: int) -> None:
        with self._lock:
            data = self._study(study_id)
            if number not in data.trials:
                raise ValueError(f"study {study_id} has no trial number {number}")
            del data.trials[number]
            data.waiting.pop(number, None)
            data.expires.pop(number, None)
            if number in data.counted:
                self._uncount(data, number)
            self._log(data, number)

    def touch(self, study_id: int, numbers: Sequence[int], expires: float) -> None:
        with self._lock:
            data = self._study(study_id)
            for number in numbers:
                if number in data.expires:
                    data.expires[number] = expires

    def expired(self, study_id: int, now: float) -> list[int]:
        with self._lock:
            data = self._study(study_id)
            return sorted(n for n, t in data.expires.items() if t < now)

    # --- helpers -----------------------------------------------------------------
    @staticmethod
    def _uncount(data: _StudyData, number: int) -> None:
        """The trial gives its budget slot and its unique key back."""
        data.counted.discard(number)
        data.n_counted -= 1
        key = data.key_of.pop(number, None)
        if key is not None:
            data.keys.discard(key)

    def _study(self, study_id: int) -> _StudyData:
        try:
            return self._by_id[study_id]
        except KeyError:
            raise StudyNotFound(f"no study with id {study_id}; was it deleted?") from None

    def _put(self, data: _StudyData, trial: FrozenTrial) -> None:
        data.trials[trial.number] = trial
        if trial.state is TrialState.WAITING:
            data.waiting[trial.number] = None
        else:
            data.waiting.pop(trial.number, None)
        self._log(data, trial.number)

    @staticmethod
    def _log(data: _StudyData, number: int) -> None:
        data.seq += 1
        data.log_seq.append(data.seq)
        data.log_number.append(number)
