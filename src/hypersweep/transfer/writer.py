"""Write finished and open trials into a study of another storage, field by field.

Storage assigns trial numbers, so a trial keeps its number only if the numbers
it is written after are the same. Where they change (gaps left by deleted
trials, or merged studies), the old number goes to ``system_attrs["origin"]`` and
the links between trials (``retry_of``) follow the new numbers.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from ..exceptions import ConfigTaken
from ..history import config_key
from ..storage.base import Storage
from ..trial import FrozenTrial, TrialState

LINKS = ("retry_of",)  # system attributes that hold another trial's number


def write_trials(
    dst: Storage,
    study_id: int,
    trials: Iterable[FrozenTrial],
    *,
    unique: bool,
    origin: dict[str, Any] | None = None,
    numbers: dict[int, int] | None = None,
) -> dict[int, int]:
    """Write ``trials`` (in the given order) and return old number -> new number.

    ``unique`` claims each counted trial's configuration as the study would
    (static spaces), so a grid cell copied over is not run again; a source that
    already held a configuration twice keeps both, the second without the claim.
    ``origin`` (e.g. ``{"study": name}``) is recorded per trial with its old number.
    RUNNING trials arrive with their heartbeat already expired: their worker
    writes to the old storage, so the new one reaps and retries them. Pass the
    same ``numbers`` to calls that write one source's trials in several parts.
    """
    numbers = {} if numbers is None else numbers
    now = time.time()
    for old in trials:
        attrs = _relinked(dict(old.system_attrs), numbers)
        if origin is not None:
            attrs["origin"] = {**origin, "number": old.number}
        new = _create(dst, study_id, old, attrs, unique, now)
        if origin is None and new.number != old.number:
            attrs["origin"] = {"number": old.number}
            if old.state is TrialState.RUNNING:
                dst.update_trial(study_id, new.number, system_attrs=attrs)
        numbers[old.number] = new.number
        if old.state.is_finished:
            dst.update_trial(
                study_id,
                new.number,
                state=old.state,
                values=old.values,
                intermediate=dict(old.intermediate) or None,
                system_attrs=attrs,
                finished=old.finished,
                error=old.error,
            )
        elif old.intermediate and old.state is TrialState.RUNNING:
            dst.update_trial(study_id, new.number, intermediate=dict(old.intermediate))
    return numbers


def _create(
    dst: Storage, study_id: int, old: FrozenTrial, attrs: dict[str, Any], unique: bool, now: float
) -> FrozenTrial:
    waiting = old.state is TrialState.WAITING
    fields: dict[str, Any] = {
        "state": TrialState.WAITING if waiting else TrialState.RUNNING,
        "params": old.params,
        "flat": dict(old.flat) or None,
        "user_attrs": dict(old.user_attrs) or None,
        "system_attrs": attrs,
        "started": old.started,
        "expires": now if old.state is TrialState.RUNNING else None,
    }
    counted = not waiting and not old.interrupted and old.state is not TrialState.RUNNING
    if unique and counted and old.flat:
        try:
            return dst.create_trial(study_id, unique_key=config_key(old.flat), **fields)
        except ConfigTaken:
            pass
    return dst.create_trial(study_id, **fields)


def _relinked(attrs: dict[str, Any], numbers: dict[int, int]) -> dict[str, Any]:
    for link in LINKS:
        target = attrs.get(link)
        if isinstance(target, int) and target in numbers:
            attrs[link] = numbers[target]
    return attrs
