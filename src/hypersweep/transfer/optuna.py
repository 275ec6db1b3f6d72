"""An Optuna study becomes a hypersweep study: read through Optuna's own API.

Each Optuna trial keeps its number, state, parameters (with the distribution
each was drawn from, stored as the trial's define-by-run space, so every
sampler can learn from it), values, intermediate values, user attributes
and times; Optuna's system attributes go to ``system_attrs["optuna"]``. The
Optuna database is opened without creating or upgrading tables, so importing
never writes to it.
"""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any

from .._json import jsonable
from ..exceptions import HypersweepError
from ..space import Categorical, Float, Int, Param
from ..storage import Storage, StudyRecord, get_storage
from ..trial import Direction, FrozenTrial, TrialState
from .copy import write_study

_STATES = {
    "COMPLETE": TrialState.COMPLETE,
    "PRUNED": TrialState.PRUNED,
    "FAIL": TrialState.FAIL,
    "RUNNING": TrialState.RUNNING,
    "WAITING": TrialState.WAITING,
}


def import_optuna(
    from_storage: Any, study_name: str, to_storage: str | Storage, new_name: str | None = None
) -> StudyRecord:
    """Import Optuna study ``study_name`` from ``from_storage`` (an Optuna storage URL
    such as ``"sqlite:///optuna.db"``, or an Optuna storage object) into ``to_storage``.

    Needs optuna installed (``pip install optuna``). Multi-objective studies keep
    their directions and every trial's values; Optuna's objective names (study
    attribute ``metric_names``, when set) are not carried over.
    """
    try:
        import optuna
    except ModuleNotFoundError:
        raise HypersweepError(
            "importing an Optuna study reads it through optuna's API: pip install optuna"
        ) from None
    storage = _open(optuna, from_storage)
    try:
        study = optuna.load_study(study_name=study_name, storage=storage)
    except KeyError:
        names = [s.study_name for s in optuna.get_all_study_summaries(storage)]
        raise HypersweepError(
            f"no Optuna study named {study_name!r} in that storage; it holds {names}"
        ) from None
    directions = tuple(Direction(d.name.lower()) for d in study.directions)
    record = StudyRecord(
        study_id=-1,
        name=study_name,
        directions=directions,
        space=None,
        user_attrs=jsonable(study.user_attrs),
        system_attrs={"imported_from": "optuna"},
    )
    trials = [_trial(t) for t in study.get_trials(deepcopy=False)]
    return write_study(get_storage(to_storage), record, trials, new_name or study_name)


def _open(optuna: Any, url: Any) -> Any:
    if not isinstance(url, str):
        return url
    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///") :]
        if path != ":memory:" and not os.path.exists(path):
            raise HypersweepError(f"there is no Optuna database at {path!r}")
    try:
        return optuna.storages.RDBStorage(url, skip_table_creation=True)
    except Exception as exc:  # optuna raises several kinds for a foreign or old file
        raise HypersweepError(f"cannot open {url!r} as an Optuna storage: {exc}") from None


def _trial(t: Any) -> FrozenTrial:
    space = {name: _param(dist).to_json() for name, dist in t.distributions.items()}
    attrs: dict[str, Any] = {"space": space}
    if t.system_attrs:
        attrs["optuna"] = jsonable(t.system_attrs)
    params = dict(t.params)
    if t.state.name == "WAITING" and not params:  # enqueued: Optuna keeps them aside
        params = dict(t.system_attrs.get("fixed_params", {}))
        attrs["enqueued"] = True
    state = _STATES[t.state.name]
    values = None if t.values is None else tuple(float(v) for v in t.values)
    error = "failed in Optuna" if state is TrialState.FAIL else None
    return FrozenTrial(
        number=t.number,
        state=state,
        params=jsonable(params),
        flat=jsonable(params),
        values=values,
        user_attrs=jsonable(t.user_attrs),
        system_attrs=attrs,
        intermediate={int(k): float(v) for k, v in t.intermediate_values.items()},
        started=_epoch(t.datetime_start),
        finished=_epoch(t.datetime_complete),
        error=error,
    )


def _param(dist: Any) -> Param:
    kind = type(dist).__name__
    if kind == "FloatDistribution":
        return Float(dist.low, dist.high, log=dist.log, step=dist.step)
    if kind == "IntDistribution":
        return Int(dist.low, dist.high, log=dist.log, step=dist.step)
    if kind == "CategoricalDistribution":
        return Categorical(list(dist.choices))
    raise HypersweepError(f"cannot import Optuna distribution {dist!r}")


def _epoch(when: datetime | None) -> float | None:
    return None if when is None else when.timestamp()
