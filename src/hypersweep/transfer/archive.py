"""A study as one portable JSON file, and back.

The archive holds what a copy keeps (:func:`hypersweep.copy_study`): the study's
directions, space and attributes, and every field of every trial. Non-finite
numbers (an infinite value or report) are written as the strings "inf",
"-inf", so the file is strict JSON that any tool reads.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

from .._json import jsonable
from ..exceptions import HypersweepError
from ..storage import Storage, StudyRecord, get_storage
from ..trial import Direction, FrozenTrial, TrialState
from .copy import write_study

FORMAT = "hypersweep-study-archive"
VERSION = 1


def export_archive(storage: str | Storage, name: str, path: str | os.PathLike[str]) -> Path:
    """Write study ``name`` to ``path`` as a JSON archive (atomically: a crash
    leaves either the old file or the whole new one)."""
    src = get_storage(storage)
    record = src.get_study(name)
    trials = sorted(src.read_trials(record.study_id).trials, key=lambda t: t.number)
    doc = {
        "format": FORMAT,
        "version": VERSION,
        "study": {
            "name": record.name,
            "directions": [d.value for d in record.directions],
            "space": jsonable(record.space),
            "user_attrs": jsonable(record.user_attrs),
            "system_attrs": jsonable(record.system_attrs),
            "created": record.created,
        },
        "trials": [_trial_json(t) for t in trials],
    }
    target = Path(path)
    fd, tmp = tempfile.mkstemp(dir=target.parent or Path("."), prefix=target.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(doc, out, allow_nan=False, separators=(",", ":"))
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def import_archive(
    path: str | os.PathLike[str], storage: str | Storage, new_name: str | None = None
) -> StudyRecord:
    """Create the archived study in ``storage`` (as ``new_name``, if given)."""
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise HypersweepError(f"cannot read the study archive {str(path)!r}: {exc}") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise HypersweepError(
            f"{str(path)!r} is not a hypersweep study archive (write one with "
            "'hypersweep export STUDY --format archive -o FILE')"
        )
    if doc.get("version") != VERSION:
        raise HypersweepError(
            f"{str(path)!r} is an archive of version {doc.get('version')!r}; this hypersweep "
            f"reads version {VERSION}: upgrade hypersweep to read it"
        )
    study = doc["study"]
    record = StudyRecord(
        study_id=-1,
        name=study["name"],
        directions=tuple(Direction(d) for d in study["directions"]),
        space=study["space"],
        user_attrs=study["user_attrs"],
        system_attrs=study["system_attrs"],
        created=study["created"],
    )
    trials = [_trial_from_json(t) for t in doc["trials"]]
    return write_study(get_storage(storage), record, trials, new_name or record.name)


def _number(x: float) -> float | str:
    return x if math.isfinite(x) else repr(x)


def _trial_json(t: FrozenTrial) -> dict[str, Any]:
    return {
        "number": t.number,
        "state": t.state.value,
        "params": jsonable(t.params),
        "flat": jsonable(t.flat),
        "values": None if t.values is None else [_number(v) for v in t.values],
        "user_attrs": jsonable(t.user_attrs),
        "system_attrs": jsonable(t.system_attrs),
        "intermediate": [[step, _number(v)] for step, v in sorted(t.intermediate.items())],
        "started": t.started,
        "finished": t.finished,
        "error": t.error,
    }


def _trial_from_json(d: dict[str, Any]) -> FrozenTrial:
    values = d["values"]
    return FrozenTrial(
        number=d["number"],
        state=TrialState(d["state"]),
        params=d["params"],
        flat=d["flat"],
        values=None if values is None else tuple(float(v) for v in values),
        user_attrs=d["user_attrs"],
        system_attrs=d["system_attrs"],
        intermediate={int(step): float(v) for step, v in d["intermediate"]},
        started=d["started"],
        finished=d["finished"],
        error=d["error"],
    )
