"""Results obtained elsewhere, recorded as finished trials of a study.

A study learns from every finished trial in its storage, so evaluations made
before the study existed (a colleague's runs, a spreadsheet, a paper's table)
become evidence for every sampler once added. They are checked against the
space like enqueued values, and count toward ``n_trials`` like any trial of
the study: ``optimize(n_more=k)`` then runs k new ones.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from .._json import jsonable
from ..exceptions import ConfigTaken
from ..history import config_key
from ..space import Param
from ..trial import FrozenTrial, TrialState, as_values
from .handle import flatten_for_enqueue, leaf_key

if TYPE_CHECKING:
    from .core import StudyCore

_KEYS = {"params", "value", "state", "intermediate", "user_attrs", "space", "started", "finished"}


def add_trial(
    study: StudyCore,
    params: Any,
    value: float | None = None,
    *,
    state: TrialState | str = TrialState.COMPLETE,
    intermediate: Mapping[int, float] | None = None,
    user_attrs: dict[str, Any] | None = None,
    space: Mapping[str, Param] | None = None,
    started: float | None = None,
    finished: float | None = None,
) -> FrozenTrial:
    """Record one finished evaluation; see :meth:`hypersweep.Study.add_trial`."""
    final = _state(state)
    values = _values(final, value, intermediate, len(study.directions))
    flat, nested, attrs = _configuration(study, params, space)
    attrs["added"] = True
    now = time.time()
    storage, sid = study.storage, study.record.study_id
    fields: dict[str, Any] = {
        "state": TrialState.RUNNING, "params": jsonable(nested), "flat": flat,
        "user_attrs": jsonable(user_attrs or {}), "system_attrs": attrs,
        "started": now if started is None else float(started),
    }  # fmt: skip
    try:
        key = config_key(flat) if study.space is not None and final.is_finished else None
        frozen = storage.create_trial(sid, unique_key=key, **fields)
    except ConfigTaken:  # the same configuration measured again is evidence too
        frozen = storage.create_trial(sid, **fields)
    frozen = storage.update_trial(
        sid, frozen.number, state=final, values=values,
        intermediate={int(k): float(v) for k, v in (intermediate or {}).items()} or None,
        finished=now if finished is None else float(finished),
        error="added as failed" if final is TrialState.FAIL else None,
    )  # fmt: skip
    study.refresh()
    return frozen


def add_trials(study: StudyCore, trials: Iterable[Mapping[str, Any]]) -> list[FrozenTrial]:
    """Record several; each item holds ``add_trial``'s arguments by name. All are
    checked before the first is stored, so a bad item stores nothing."""
    items = [dict(t) for t in trials]
    for i, item in enumerate(items):
        unknown = set(item) - _KEYS
        if unknown or "params" not in item:
            raise ValueError(
                f"add_trials: item {i} needs 'params' and may hold {sorted(_KEYS)}, "
                f"but has {sorted(item)}"
            )
        final = _state(item.get("state", TrialState.COMPLETE))
        _values(final, item.get("value"), item.get("intermediate"), len(study.directions))
        _configuration(study, item["params"], item.get("space"))
    return [add_trial(study, **item) for item in items]


def _state(state: TrialState | str) -> TrialState:
    final = state if isinstance(state, TrialState) else TrialState.__members__.get(
        str(state).upper()
    )  # fmt: skip
    if final is None or not final.is_finished:
        raise ValueError(f"add_trial: state must be COMPLETE, PRUNED or FAIL, not {state!r}")
    return final


def _values(
    state: TrialState, value: Any, intermediate: Mapping[int, float] | None, n: int = 1
) -> tuple[float, ...] | None:
    """The values to store; ``n`` objectives: a COMPLETE trial's value is a sequence of n."""
    if state is TrialState.FAIL:
        return None
    if n > 1 and state is TrialState.COMPLETE:
        values, _, problem = as_values(value, n)
        if problem is not None or values is None or isinstance(value, dict):
            raise ValueError(f"add_trial: {problem or 'give the values as a sequence'}")
        return values
    if value is None and state is TrialState.PRUNED and intermediate:
        value = intermediate[max(intermediate)]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        raise ValueError(
            f"add_trial: a {state.value} trial needs a number as value, but got {value!r:.60}"
        )
    for step, v in (intermediate or {}).items():
        if isinstance(step, bool) or not isinstance(step, int) or step < 0:
            raise ValueError(f"add_trial: intermediate steps are integers >= 0, not {step!r}")
        if not isinstance(v, (int, float)) or math.isnan(v):
            raise ValueError(f"add_trial: intermediate value at step {step} is {v!r}")
    return (float(value),)


def _configuration(
    study: StudyCore, params: Any, space: Mapping[str, Param] | None
) -> tuple[dict[str, Any], Any, dict[str, Any]]:
    """(flat keys, nested values, system attributes), checked against the space."""
    if study.space is not None:
        if space is not None:
            raise ValueError("add_trial: the study has a space; space= is for define-by-run")
        flat = flatten_for_enqueue(study.space, params).copy()
        try:
            nested = study.space.build(flat)
        except KeyError as exc:
            raise ValueError(f"add_trial: a finished trial needs every value: {exc}") from None
        return study.space.flatten(nested), nested, {}
    if not isinstance(params, Mapping) or not params:
        raise ValueError(f"add_trial: expected a dict of name -> value, got {params!r:.100}")
    if space is None:
        raise ValueError(
            "add_trial: this study is define-by-run, so give space= with what each value "
            "was drawn from, e.g. space={'lr': hs.Float(1e-4, 1e-1, log=True)}; samplers "
            "need the ranges to learn from it"
        )
    missing = sorted(set(params) - set(space))
    if missing:
        raise ValueError(f"add_trial: space= has no entry for {missing}")
    flat = {str(k): leaf_key(space[k], v) for k, v in params.items()}
    bad = [k for k, key in flat.items() if not space[k].contains(key)]
    if bad:
        raise ValueError(
            "add_trial: values outside their space: "
            + ", ".join(f"{k}={params[k]!r} vs {space[k]!r}" for k in bad)
        )
    attrs = {"space": {k: space[k].to_json() for k in params}}
    return flat, dict(params), attrs
