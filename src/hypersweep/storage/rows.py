"""Light trial rows -> records: what both SQL drivers decode the same way.

The SQL storage (SQLAlchemy) and the command line's read-only ``sqlite3`` reader
(:mod:`.sql.readonly`) select the same columns; decoding them here, once, keeps their
answers equal (a test compares the command line's output through both). This module
sits outside :mod:`.sql` because importing that package imports SQLAlchemy, which the
reader exists to avoid.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from ..trial import TrialState
from .base import TrialBrief

STATES = {s.value: s for s in TrialState}  # stored text -> state
loads = json.loads


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
