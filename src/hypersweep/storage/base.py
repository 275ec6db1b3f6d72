"""The storage contract: the single source of truth for studies and trials.

Every method that changes state commits before it returns, so a crash right
after a call never loses what the call reported as done. Reads are
incremental: each change bumps a per-study sequence number, and
:meth:`Storage.read_trials` returns only what changed after a given number.
"""

from __future__ import annotations

import abc
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

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
