"""A study's objectives as the plots read them: directions, names, feasibility, and one
objective picked out of several so that single-objective plots draw it.

Read through ``getattr`` so plots work on a study, a :class:`Snapshot` or any object with
``trials`` and ``direction`` (``directions`` and ``objective_names`` when there are several).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..multiobjective import losses
from ..trial import Direction, FrozenTrial, TrialState, evolve
from ._plotly import shown


def directions(study: Any) -> tuple[Direction, ...]:
    """One direction per objective (a single-objective study: one)."""
    found = getattr(study, "directions", None)
    return tuple(found) if found else (study.direction,)


def names(study: Any) -> tuple[str, ...]:
    """The objectives' names (``objective_names``; else ``values_0``, ... as the study says)."""
    m = len(directions(study))
    found = getattr(study, "objective_names", None)
    if found and len(found) == m:
        return tuple(str(n) for n in found)
    return ("objective",) if m == 1 else tuple(f"values_{i}" for i in range(m))


def is_multi(study: Any) -> bool:
    return len(directions(study)) > 1


def scored(study: Any, trials: Sequence[FrozenTrial] | None = None) -> list[FrozenTrial]:
    """COMPLETE trials holding a finite value for every objective, by number."""
    m = len(directions(study))
    pool = study.trials if trials is None else trials
    return [
        t for t in pool
        if t.state is TrialState.COMPLETE and t.values is not None and len(t.values) == m
        and all(np.isfinite(v) for v in t.values)
    ]  # fmt: skip


def loss_matrix(study: Any, trials: Sequence[FrozenTrial]) -> np.ndarray:
    """``(n, m)`` losses (maximised objectives negated) of scored trials."""
    return losses(trials, directions(study)).reshape(len(trials), len(directions(study)))


def index_of(study: Any, objective: int | str) -> int:
    """An objective's index from its index or name; ValueError listing the names."""
    labels = names(study)
    if isinstance(objective, str) and objective in labels:
        return labels.index(objective)
    if (isinstance(objective, int) and not isinstance(objective, bool)
            and -len(labels) <= objective < len(labels)):  # fmt: skip
        return objective % len(labels)
    raise ValueError(
        f"objective={objective!r} is not one of study {study.name!r}'s objectives: give a "
        f"name ({', '.join(map(repr, labels))}) or an index 0..{len(labels) - 1}"
    )


class Projected:
    """A multi-objective study seen through one objective: every trial's ``values`` is
    that objective's value alone, so the single-objective plots draw it unchanged."""

    def __init__(self, study: Any, k: int) -> None:
        self.study = study
        self.k = k
        self.direction = directions(study)[k]
        self.directions = (self.direction,)
        self.objective_names = (names(study)[k],)
        m = len(directions(study))
        self.trials = [
            evolve(t, values=(t.values[k],) if t.values is not None and len(t.values) == m
                   else None)
            for t in study.trials
        ]  # fmt: skip

    def __getattr__(self, name: str) -> Any:  # name, space, sampler, user_attrs, storage...
        if name in ("record", "storage"):  # the storage's own reads would see every objective
            raise AttributeError(name)
        return getattr(self.study, name)

    @property
    def best_trial(self) -> FrozenTrial:
        """The feasible trial best in this objective (lower number on a tie)."""
        sign = self.direction.sign()
        done = [t for t in scored(self) if t.feasible]
        if not done:
            raise ValueError(f"study {self.study.name!r} has no feasible COMPLETE trial yet")
        return min(done, key=lambda t: (sign * t.values[0], t.number))  # type: ignore[index]


def axis_label(study: Any, minimize: bool) -> str:
    """An objective axis' title: the objective's name when one of several was picked."""
    name = shown(study.objective_names[0]) if isinstance(study, Projected) else "objective"
    return f"{name} ({'lower' if minimize else 'higher'} is better)"


def single(study: Any, objective: int | str | None, plot: str) -> Any:
    """The study as a single-objective plot reads it: itself when it has one objective,
    else seen through ``objective``; without one, ValueError saying what to pass."""
    if not is_multi(study):
        if objective is not None:
            index_of(study, objective)  # checks it names the only objective
        return study
    if objective is None:
        labels = names(study)
        raise ValueError(
            f"study {study.name!r} has {len(labels)} objectives ({', '.join(labels)}): "
            f"{plot} draws one, so pass objective={labels[0]!r} (a name or an index), or "
            f"draw them together with plot_pareto_front or plot_parallel_coordinates"
        )
    return Projected(study, index_of(study, objective))
