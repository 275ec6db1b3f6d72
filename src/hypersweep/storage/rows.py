"""Stored rows -> records: what both SQL drivers decode the same way.

The SQL storage (SQLAlchemy) and the command line's read-only ``sqlite3`` reader
(:mod:`.sql.readonly`) read the same columns; decoding them here, once, keeps their
answers equal (a test compares the command line's output through both). This module
sits outside :mod:`.sql` because importing that package imports SQLAlchemy, which the
reader exists to avoid.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from ..trial import Direction, FrozenTrial, TrialState
from .base import StudyRecord, TrialBrief

STATES = {s.value: s for s in TrialState}  # stored text -> state
# the columns trial_of and study_of decode, in the order of their arguments
TRIAL_COLUMNS = ("trial_id", "number", "state", "params", "flat", "objective_values",
                 "user_attrs", "system_attrs", "intermediate", "started", "finished",
                 "error")  # fmt: skip
STUDY_COLUMNS = ("study_id", "name", "directions", "space", "user_attrs", "system_attrs",
                 "created")  # fmt: skip
loads = json.loads


def trial_of(*columns: Any) -> FrozenTrial:
    """A trial from the values of its ``TRIAL_COLUMNS``, in that order."""
    tid, number, state, params, flat, values, user, system, steps, started, finished, err = columns
    return FrozenTrial(
        number=number,
        state=TrialState(state),
        params=loads(params),
        flat=loads(flat),
        values=None if values is None else tuple(loads(values)),
        user_attrs=loads(user),
        system_attrs=loads(system),
        intermediate={int(k): v for k, v in loads(steps).items()},
        started=started,
        finished=finished,
        error=err,
        trial_id=tid,
    )


def study_of(*columns: Any) -> StudyRecord:
    """A study from the values of its ``STUDY_COLUMNS``, in that order."""
    sid, name, directions, space, user, system, created = columns
    return StudyRecord(
        study_id=sid,
        name=name,
        directions=tuple(Direction(d) for d in loads(directions)),
        space=None if space is None else loads(space),
        user_attrs=loads(user),
        system_attrs=loads(system),
        created=created,
    )


def values_of(text: str | None) -> tuple[float, ...] | None:
    """A stored values list; one value (the common case) without the JSON decoder: the
    text is "[v]", and float() reads JSON's numbers, Infinity and NaN alike."""
    if text is None:
        return None
    if "," not in text:
        inner = text[1:-1]
        return (float(inner),) if inner else ()
    return tuple(loads(text))


def briefs_of(rows: Sequence[Sequence[Any]], *, flat: bool = False) -> list[TrialBrief]:
    """Rows of (number, state, objective_values, started, finished[, flat]) as briefs."""
    # one JSON array for all the flat dicts: one decoder call instead of one per trial
    flats = loads("[" + ",".join([row[5] for row in rows]) + "]") if flat else None
    return [
        TrialBrief(row[0], STATES[row[1]], values_of(row[2]), row[3], row[4],
                   flats[i] if flats is not None else None)
        for i, row in enumerate(rows)
    ]  # fmt: skip


def state_texts(states: Sequence[TrialState] | None) -> list[str] | None:
    """The stored texts of ``states`` (which may be given as texts); None for every state."""
    return None if states is None else [TrialState(s).value for s in states]


def per_state(rows: Iterable[tuple[str, int]]) -> dict[TrialState, int]:
    """Rows of (state, count) as a count for every state, 0 where no row names it."""
    counts = dict.fromkeys(TrialState, 0)
    for state, n in rows:
        counts[STATES[state]] = n
    return counts
