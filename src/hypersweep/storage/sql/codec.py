"""Values <-> columns: how a study and a trial are written to rows and read back."""

from __future__ import annotations

import dataclasses
import json
import operator
from typing import Any

import sqlalchemy as sa

from ..._json import jsonable
from ...trial import FrozenTrial
from ..base import StudyRecord
from ..rows import STUDY_COLUMNS, TRIAL_COLUMNS, study_of, trial_of

COLUMN = {"values": "objective_values"}  # FrozenTrial field -> column, where they differ
FIELDS = [f.name for f in dataclasses.fields(FrozenTrial) if f.name not in ("number", "trial_id")]
loads = json.loads


def dumps(obj: Any) -> str:
    """Compact JSON; anything JSON cannot hold goes through the shared conversion."""
    return json.dumps(obj, separators=(",", ":"), default=_to_json)


def _to_json(obj: Any) -> Any:
    # numpy scalars and arrays hold plain values (``tolist``); jsonable would keep their repr
    return obj.tolist() if hasattr(obj, "tolist") else jsonable(obj)


def encode(field: str, value: Any) -> Any:
    """A FrozenTrial field's value as stored in its column."""
    if field == "state":
        return value.value
    if field in ("started", "finished", "error"):
        return value
    if field == "values":
        return None if value is None else dumps(list(value))
    return dumps(value)


def trial_columns(changes: dict[str, Any]) -> dict[str, Any]:
    """The columns for changed FrozenTrial fields."""
    return {COLUMN.get(k, k): encode(k, v) for k, v in changes.items()}


_trial_columns = operator.attrgetter(*TRIAL_COLUMNS)
_study_columns = operator.attrgetter(*STUDY_COLUMNS)


def trial_from_row(row: sa.Row[Any]) -> FrozenTrial:
    return trial_of(*_trial_columns(row))


def study_from_row(row: sa.Row[Any]) -> StudyRecord:
    return study_of(*_study_columns(row))


def study_columns(rec: StudyRecord) -> dict[str, Any]:
    """The columns of a new study's row."""
    return {
        "name": rec.name,
        "directions": dumps([d.value for d in rec.directions]),
        "space": None if rec.space is None else dumps(rec.space),
        "user_attrs": dumps(rec.user_attrs),
        "system_attrs": dumps(rec.system_attrs),
        "created": rec.created,
        "seq": 0,
        "next_number": 0,
        "n_counted": 0,
    }
