"""Making, loading and listing studies, with Optuna's signatures and defaults
(TPE sampler, median pruner, "minimize")."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import hypersweep as hs

from .pruners import MedianPruner
from .study import Study, StudyDirection
from .trial import FrozenTrial


def _one(direction: Any) -> str:
    if isinstance(direction, StudyDirection):
        if direction is StudyDirection.NOT_SET:
            raise ValueError("create_study: direction must be MINIMIZE or MAXIMIZE")
        return direction.name.lower()
    return str(getattr(direction, "name", direction)).lower()


def _directions(direction: Any, directions: Sequence[Any] | None) -> list[str]:
    """Every objective's direction, as hypersweep spells them."""
    if directions is not None:
        if direction is not None:
            raise ValueError("create_study: give direction or directions, not both")
        if isinstance(directions, str) or not directions:
            raise ValueError(f"create_study: directions must be a non-empty list of "
                             f"directions, but got {directions!r}")  # fmt: skip
        return [_one(d) for d in directions]
    return ["minimize" if direction is None else _one(direction)]


def _sampler(sampler: Any) -> Any:
    return sampler if sampler is not None else hs.samplers.TPE()  # Optuna's default


def _pruner(pruner: Any) -> Any:
    return pruner if pruner is not None else MedianPruner()  # Optuna's default


def create_study(
    *,
    storage: str | Any | None = None,
    sampler: Any = None,
    pruner: Any = None,
    study_name: str | None = None,
    direction: Any = None,
    load_if_exists: bool = False,
    directions: Sequence[Any] | None = None,
) -> Study:
    """A new study (or, with ``load_if_exists``, the existing one of that name) in
    hypersweep storage: None (memory), ``"sqlite:///file.db"`` or a PostgreSQL URL."""
    found = _directions(direction, directions)
    chosen: dict[str, Any] = {"direction": found[0]} if len(found) == 1 else {"directions": found}
    smp, prn = _sampler(sampler), _pruner(pruner)
    study = hs.create_study(name=study_name, storage=storage, sampler=smp, pruner=prn,
                            load_if_exists=load_if_exists, **chosen)  # fmt: skip
    return Study(study, smp, prn)


def load_study(
    *,
    study_name: str | None,
    storage: str | Any,
    sampler: Any = None,
    pruner: Any = None,
) -> Study:
    """The stored study ``study_name`` (None: the storage's only study), to inspect or resume."""
    if study_name is None:
        names = hs.list_studies(storage)
        if len(names) != 1:
            raise ValueError(
                f"load_study: study_name=None needs a storage with exactly one study, but it "
                f"holds {len(names)}: give the name"
            )
        study_name = names[0]
    smp, prn = _sampler(sampler), _pruner(pruner)
    return Study(hs.load_study(study_name, storage=storage, sampler=smp, pruner=prn), smp, prn)


def delete_study(*, study_name: str, storage: str | Any) -> None:
    hs.delete_study(study_name, storage=storage)


def get_all_study_names(storage: str | Any) -> list[str]:
    return hs.list_studies(storage)


@dataclass
class StudySummary:
    """What ``get_all_study_summaries`` lists per study."""

    study_name: str
    direction: StudyDirection
    best_trial: FrozenTrial | None
    user_attrs: dict[str, Any]
    n_trials: int
    datetime_start: _dt.datetime | None
    directions: list[StudyDirection] = field(default_factory=list)


def get_all_study_summaries(
    storage: str | Any, include_best_trial: bool = True
) -> list[StudySummary]:
    """One summary per study (each study is opened and read: fine for tens of studies)."""
    summaries = []
    for name in hs.list_studies(storage):
        study = Study(hs.load_study(name, storage=storage, sampler="random"))
        trials = study.trials
        best = None
        single = len(study.directions) == 1
        if include_best_trial and single and any(t.state.name == "COMPLETE" for t in trials):
            best = study.best_trial
        starts = [t.datetime_start for t in trials if t.datetime_start is not None]
        summaries.append(StudySummary(
            study_name=name, best_trial=best,
            direction=study.directions[0] if single else StudyDirection.NOT_SET,
            user_attrs=study.user_attrs, n_trials=len(trials),
            datetime_start=min(starts) if starts else None, directions=study.directions,
        ))  # fmt: skip
    return summaries


__all__ = [
    "StudySummary",
    "create_study",
    "delete_study",
    "get_all_study_names",
    "get_all_study_summaries",
    "load_study",
]
