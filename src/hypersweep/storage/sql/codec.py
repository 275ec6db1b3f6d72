"""Values <-> columns: how a study and a trial are written to rows and read back."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import sqlalchemy as sa

from ..._json import jsonable
from ...trial import Direction, FrozenTrial, TrialState
from ..base import StudyRecord

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


def trial_from_row(row: sa.Row[Any]) -> FrozenTrial:
    values = row.objective_values
    return FrozenTrial(
        number=row.number,
        state=TrialState(row.state),
        params=loads(row.params),
        flat=loads(row.flat),
        values=None if values is None else tuple(loads(values)),
        user_attrs=loads(row.user_attrs),
        system_attrs=loads(row.system_attrs),
        intermediate={int(k): v for k, v in loads(row.intermediate).items()},
        started=row.started,
        finished=row.finished,
        error=row.error,
        trial_id=row.trial_id,
    )


def study_from_row(row: sa.Row[Any]) -> StudyRecord:
    return StudyRecord(
        study_id=row.study_id,
        name=row.name,
        directions=tuple(Direction(d) for d in loads(row.directions)),
        space=None if row.space is None else loads(row.space),
        user_attrs=loads(row.user_attrs),
        system_attrs=loads(row.system_attrs),
        created=row.created,
    )


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
