"""The storage contract: the single source of truth for studies and trials.

Every method that changes state commits before it returns, so a crash right
after a call never loses what the call reported as done. Reads are
incremental: each change bumps a per-study sequence number, and
:meth:`Storage.read_trials` returns only what changed after a given number.

Reading a large study without loading it: :meth:`Storage.read_briefs` (number,
state, values and times of every trial, no parameters or attributes),
:meth:`Storage.count_trials`, :meth:`Storage.read_page`, :meth:`Storage.read_numbers`,
and on top of them :meth:`Storage.best_trials` and :meth:`Storage.summarize`. Their
defaults read every trial, so any storage has them; SQL overrides the first four
so that showing 50 rows of a 20,000-trial study decodes 50 trials, not 20,000.
"""

from __future__ import annotations

import abc
import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol, TypeVar

from ..trial import Direction, FrozenTrial, TrialState

SCHEMA_VERSION = 3  # 3: hs_schema_log records upgrades (storage/sql/upgrade.py)


@dataclass(frozen=True)
class StudyRecord:
    """A study as stored: its name, directions, the space it was created with, attributes."""

    study_id: int
    name: str
    directions: tuple[Direction, ...]
    space: Any = None
    user_attrs: dict[str, Any] = field(default_factory=dict)
    system_attrs: dict[str, Any] = field(default_factory=dict)
    created: float = 0.0


class Changes(NamedTuple):
    """What :meth:`Storage.read_trials` found since the caller's cursor (read on every ask)."""

    trials: list[FrozenTrial]
    deleted: list[int]
    cursor: int


class TrialBrief(NamedTuple):
    """A trial without parameters or attributes: what counts, bests and samples need."""

    number: int
    state: TrialState
    values: tuple[float, ...] | None
    started: float | None
    finished: float | None
    flat: dict[str, Any] | None = None  # the flat parameter values, when asked for

    @property
    def value(self) -> float | None:
        return None if self.values is None else self.values[0]


class Briefs(NamedTuple):
    """Every live trial of a study as a :class:`TrialBrief`, in number order, and the
    study's sequence number read before them (it grows with every later change)."""

    trials: list[TrialBrief]
    cursor: int


@dataclass(frozen=True)
class TrialSummary:
    """Counts per state, the best trial's number and value, and the study's time span."""

    n_trials: int
    counts: dict[TrialState, int]  # every state, 0 when none
    best_number: int | None
    best_value: float | None
    started: float | None  # the first start
    finished: float | None  # the last finish
    cursor: int  # changes whenever a trial appears, changes or goes


def brief(trial: FrozenTrial, flat: bool = False) -> TrialBrief:
    return TrialBrief(trial.number, trial.state, trial.values, trial.started, trial.finished,
                      trial.flat if flat else None)  # fmt: skip


class Valued(Protocol):
    """What ranking reads of a trial: a FrozenTrial or a TrialBrief."""

    @property
    def number(self) -> int: ...
    @property
    def state(self) -> TrialState: ...
    @property
    def value(self) -> float | None: ...


V = TypeVar("V", bound=Valued)


def ranked(trials: Sequence[V], direction: Direction) -> list[V]:
    """COMPLETE trials with a number for a value (NaN has no rank), best first; on a tie
    the lower number first, as ``Study.best_trial`` picks."""
    sign = direction.sign()
    done = [t for t in trials if t.state is TrialState.COMPLETE and t.value is not None
            and not math.isnan(t.value)]  # fmt: skip
    return sorted(done, key=lambda t: (sign * t.value, t.number))  # type: ignore[operator]


def summary_of(briefs: Briefs, direction: Direction) -> TrialSummary:
    """The :class:`TrialSummary` of a study's briefs."""
    counts = dict.fromkeys(TrialState, 0)
    sign = direction.sign()
    best: TrialBrief | None = None
    first = last = None
    for t in briefs.trials:
        counts[t.state] += 1
        v = t.value
        if (
            t.state is TrialState.COMPLETE
            and v is not None
            and not math.isnan(v)
            and (best is None or sign * v < sign * best.value)  # type: ignore[operator]
        ):
            best = t
        if t.started is not None and (first is None or t.started < first):
            first = t.started
        if t.finished is not None and (last is None or t.finished > last):
            last = t.finished
    return TrialSummary(
        n_trials=len(briefs.trials),
        counts=counts,
        best_number=None if best is None else best.number,
        best_value=None if best is None else best.value,
        started=first,
        finished=last,
        cursor=briefs.cursor,
    )


class Storage(abc.ABC):
    """Implementations: :class:`MemoryStorage`, :class:`SQLStorage` (SQLite and PostgreSQL).

    Called by :class:`hypersweep.Study` only; samplers and pruners never see it.
    Attribute dicts passed to the update methods are merged into the stored ones.
    """

    # --- studies -----------------------------------------------------------------
    @abc.abstractmethod
    def create_study(
        self,
        name: str,
        directions: Sequence[Direction],
        *,
        space: Any = None,
        system_attrs: dict[str, Any] | None = None,
    ) -> StudyRecord:
        """Create a study; raise :class:`DuplicateStudy` if the name is taken, and
        ``ValueError`` if it breaks the rule of :func:`check_study_name`."""

    @abc.abstractmethod
    def get_study(self, name: str) -> StudyRecord:
        """Return the study; raise :class:`StudyNotFound` if there is none of that name."""

    @abc.abstractmethod
    def list_studies(self) -> list[StudyRecord]:
        """All studies, oldest first."""

    @abc.abstractmethod
    def delete_study(self, name: str) -> None:
        """Delete a study with all its trials; raise :class:`StudyNotFound` if absent."""

    @abc.abstractmethod
    def update_study(
        self,
        study_id: int,
        *,
        space: Any = None,
        user_attrs: dict[str, Any] | None = None,
        system_attrs: dict[str, Any] | None = None,
    ) -> StudyRecord:
        """Replace the stored space (when given) and merge attributes."""

    # --- trials ------------------------------------------------------------------
    @abc.abstractmethod
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
        """Add a trial (RUNNING, or WAITING when enqueued) with the next free number.

        With ``max_trials``, raise :class:`BudgetReached` instead if the study
        already holds that many trials counting toward its budget (all but the
        interrupted ones); checked in the same transaction, so concurrent workers
        never overshoot. ``expires`` is when the trial counts as abandoned unless
        its worker calls :meth:`touch` (heartbeats). With ``unique_key`` (a text the
        caller derives from the configuration), raise :class:`ConfigTaken` if a
        trial counting toward the budget holds the same key: two workers can then
        never run one grid cell or discrete point twice.
        """

    @abc.abstractmethod
    def claim_waiting(
        self,
        study_id: int,
        *,
        started: float,
        system_attrs: dict[str, Any] | None = None,
        expires: float | None = None,
    ) -> FrozenTrial | None:
        """Atomically turn the oldest WAITING trial into RUNNING and return it, or None.

        Two workers calling this at once never get the same trial.
        """

    @abc.abstractmethod
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
        """Change a RUNNING trial; finishing it (COMPLETE, PRUNED, FAIL) is final.

        ``unique_key`` claims a configuration as in :meth:`create_trial`
        (:class:`ConfigTaken` if another counted trial holds it).

        Raise ``ValueError`` if the trial is already finished or does not exist,
        so two workers can never both finish one trial.
        """

    @abc.abstractmethod
    def read_trials(self, study_id: int, since: int = 0) -> Changes:
        """Trials created or changed after sequence number ``since``, and numbers deleted."""

    @abc.abstractmethod
    def delete_trial(self, study_id: int, number: int) -> None:
        """Remove one trial; raise ``ValueError`` if there is no such trial."""

    @abc.abstractmethod
    def touch(self, study_id: int, numbers: Sequence[int], expires: float) -> None:
        """Heartbeat: the RUNNING trials ``numbers`` are alive until ``expires`` (epoch s).

        Not a change readers need to see, so it bumps no sequence number.
        """

    @abc.abstractmethod
    def expired(self, study_id: int, now: float) -> list[int]:
        """Numbers of RUNNING trials whose heartbeat ran out before ``now``."""

    def close(self) -> None:
        """Release connections; the default has nothing to release."""

    # --- reading a large study -----------------------------------------------------
    # The defaults read every trial (right for any storage); SQL overrides them.
    def _all(self, study_id: int) -> list[FrozenTrial]:
        return sorted(self.read_trials(study_id).trials, key=lambda t: t.number)

    def read_briefs(self, study_id: int, *, flat: bool = False) -> Briefs:
        """Every trial's number, state, values and times, in number order (no JSON of
        parameters or attributes to decode: cheap at any size); with ``flat``, its flat
        parameter values too (what grouping repeated configurations needs)."""
        changes = self.read_trials(study_id)
        trials = sorted(changes.trials, key=lambda t: t.number)
        return Briefs([brief(t, flat) for t in trials], changes.cursor)

    def count_trials(self, study_id: int, states: Sequence[TrialState] | None = None) -> int:
        """How many trials the study holds (in ``states``, when given)."""
        wanted = None if states is None else set(states)
        return sum(wanted is None or t.state in wanted for t in self.read_briefs(study_id).trials)

    def read_page(
        self,
        study_id: int,
        offset: int = 0,
        limit: int | None = None,
        *,
        newest_first: bool = False,
    ) -> list[FrozenTrial]:
        """``limit`` trials (None: all) after skipping ``offset``, in number order, or in
        reverse number order with ``newest_first``."""
        check_window(offset, limit)
        trials = self._all(study_id)
        if newest_first:
            trials.reverse()
        return trials[offset : None if limit is None else offset + limit]

    def read_numbers(self, study_id: int, numbers: Sequence[int]) -> list[FrozenTrial]:
        """The trials of these numbers that exist, in number order."""
        wanted = set(numbers)
        return [t for t in self._all(study_id) if t.number in wanted]

    # --- built on the four above: no storage needs to override these ------------------
    def read_last_trials(self, study_id: int, n: int) -> list[FrozenTrial]:
        """The ``n`` trials with the highest numbers, in number order."""
        return self.read_page(study_id, 0, n, newest_first=True)[::-1]

    def best_trials(self, study_id: int, direction: Direction, n: int = 1) -> list[FrozenTrial]:
        """The ``n`` best COMPLETE trials, best first (ties: lower number first)."""
        check_window(0, n)
        top = [t.number for t in ranked(self.read_briefs(study_id).trials, direction)[:n]]
        found = {t.number: t for t in self.read_numbers(study_id, top)}
        return [found[k] for k in top if k in found]

    def best_trial(self, study_id: int, direction: Direction) -> FrozenTrial | None:
        """The best COMPLETE trial, or None while there is none."""
        found = self.best_trials(study_id, direction, 1)
        return found[0] if found else None

    def summarize(self, study_id: int, direction: Direction) -> TrialSummary:
        """Counts per state, best value and time span, from one read of the briefs."""
        return summary_of(self.read_briefs(study_id), direction)


def check_window(offset: int, limit: int | None) -> None:
    """Refuse a negative offset or limit (a slice would read them as "from the end")."""
    for name, value in (("offset", offset), ("limit", limit)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                  or value < 0):  # fmt: skip
            raise ValueError(f"{name} must be a whole number >= 0, but got {value!r}")


def check_finishable(trial: FrozenTrial | None, study_id: int, number: int) -> FrozenTrial:
    """Shared guard for update_trial: the trial exists and is still open."""
    if trial is None:
        raise ValueError(f"study {study_id} has no trial number {number}")
    if trial.state.is_finished:
        raise ValueError(
            f"trial {number} is already {trial.state.value}; a finished trial cannot change"
        )
    return trial


# control characters, line and paragraph separators, and the bidirectional controls
# (which reorder how the text around them shows)
_INVISIBLE = {"Cc", "Zl", "Zp"}
_BIDI = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F)}
NAME_RULE = (
    "a study name must be a non-empty string without control characters (such as a "
    "newline, a tab or NUL) and not only spaces"
)


def check_study_name(name: object) -> str:
    """Refuse a name that is no string, empty or blank, or holds control characters
    (it would break the lines of listings and logs, or could not be stored)."""
    if not isinstance(name, str):
        raise ValueError(f"{NAME_RULE}, but got {type(name).__name__} {name!r}")
    if not name.strip():
        raise ValueError(f"{NAME_RULE}, but got {name!r}")
    bad = next((c for c in name if c in _BIDI or unicodedata.category(c) in _INVISIBLE), None)
    if bad is not None:
        raise ValueError(f"{NAME_RULE}, but {name!r} holds {bad!r} (U+{ord(bad):04X})")
    return name
