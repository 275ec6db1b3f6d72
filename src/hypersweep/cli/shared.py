"""What the study commands share: the storage URL, opening it, loading a study,
reading its stored trials, the best trial and JSON output.

The study machinery is imported inside the functions, so building the parser
(``hypersweep --help``) stays fast.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._json import jsonable
from ..trial import Direction, FrozenTrial, TrialState, evolve
from .defaults import DEFAULT_STORAGE

if TYPE_CHECKING:
    from ..storage import Storage
    from ..study import Study


class CommandError(Exception):
    """A mistake on the command line; reported as one line, exit code 2."""


def storage_url(args: argparse.Namespace) -> str:
    """The ``--storage`` given, else the default one."""
    return str(args.storage or DEFAULT_STORAGE)


def open_storage(url: str) -> Storage:
    """Open an existing storage; a missing SQLite file is an error, not a new empty database."""
    from ..storage import get_storage

    if url.startswith("sqlite"):
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            path = make_url(url).database or ""
        except (ArgumentError, ValueError):
            path = ""  # get_storage explains what is wrong with the URL
        if path and path != ":memory:" and not Path(path).exists():
            raise CommandError(
                f"no SQLite database at {path} ({url}); run 'hypersweep run CONFIG.yaml' "
                f"first, or pass --storage with the URL of your studies"
            )
    return get_storage(url)


def load_named(args: argparse.Namespace, store: Storage, sampler: str | None = None) -> Study:
    """The study the command line names (``STUDY``) from an open storage; ``sampler="random"``
    where the command never asks for a trial (the default, TPE, imports its whole stack)."""
    from ..study.factory import load_study

    return load_study(args.study, storage=store, sampler=sampler)


def dumps(value: Any, indent: int | None = 2) -> str:
    """JSON text; inf and nan become strings, so the output stays valid JSON."""
    return json.dumps(jsonable(value), indent=indent, allow_nan=False)


def stored_trials(study: Study) -> list[FrozenTrial]:
    """Every trial of ``study`` as storage holds it, in number order, in one read.

    Unlike ``study.trials``, no parameter values are rebuilt through the space:
    the summaries (studies, show, best, delete) print flat values and one
    trial's parameters, and rebuilding every trial took longer than reading it.
    """
    trials = study.storage.read_trials(study.record.study_id).trials
    return sorted(trials, key=lambda t: t.number)


def best_of(trials: Sequence[FrozenTrial], direction: Direction) -> FrozenTrial | None:
    """The best feasible COMPLETE trial, the first in number order on a tie: the one
    ``Study.best_trial`` names for the same trials."""
    sign = direction.sign()
    done = (t for t in trials if t.state is TrialState.COMPLETE and t.values is not None
            and len(t.values) == 1 and t.feasible)  # fmt: skip
    return min(done, key=lambda t: sign * (t.value or 0.0), default=None)


def with_real_params(study: Study, trial: FrozenTrial) -> FrozenTrial:
    """A stored trial with its parameter values rebuilt through the study's space, as
    ``study.trials`` gives them; its stored values if the space no longer fits them."""
    if study.space is None or not trial.flat:
        return trial
    try:
        return evolve(trial, params=study.space.build(trial.flat))
    except (KeyError, ValueError):
        return trial


def best_json(study: Study, trials: Sequence[FrozenTrial] | None = None) -> dict[str, Any]:
    """The best trial as ``{"number", "value", "params"}``; an error if none completed.

    With ``trials`` (stored records, see :func:`stored_trials`) the best is found
    among them and only its parameters are rebuilt; without, the study is asked.
    """
    if len(study.directions) > 1:
        return front_json(study, trials)
    best: FrozenTrial | None
    if trials is None:
        done = any(t.state is TrialState.COMPLETE for t in study.trials)
        best = study.best_trial if done else None
    else:
        found = best_of(trials, study.direction)
        best = None if found is None else with_real_params(study, found)
    if best is None:
        raise CommandError(
            f"study {study.name!r} has no COMPLETE trial yet, so there is no best one; "
            f"run it first (hypersweep run CONFIG.yaml)"
        )
    return {"number": best.number, "value": best.value, "params": best.params}


def trial_json(study: Study, trial: FrozenTrial) -> dict[str, Any]:
    """One trial of a multi-objective study: number, values by objective name, params."""
    names = study.objective_names
    out = {"number": trial.number, "values": dict(zip(names, trial.values or (), strict=False)),
           "params": trial.params}  # fmt: skip
    if trial.system_attrs.get("constraints"):
        out["constraints"] = trial.system_attrs["constraints"]
    return out


def front_json(study: Study, trials: Sequence[FrozenTrial] | None = None) -> dict[str, Any]:
    """A multi-objective study's feasible Pareto front: ``{"directions", "best_trials"}``."""
    from ..study.export import front

    found = front(study.trials if trials is None else trials, study.directions)
    if not found:
        raise CommandError(
            f"study {study.name!r} has no feasible COMPLETE trial yet, so it has no Pareto "
            f"front; run it first (hypersweep run CONFIG.yaml)"
        )
    return {
        "directions": dict(zip(study.objective_names, (d.value for d in study.directions),
                               strict=True)),
        "best_trials": [trial_json(study, with_real_params(study, t)) for t in found],
    }  # fmt: skip


def state_counts(trials: Sequence[FrozenTrial]) -> dict[str, int]:
    """Trials per state, every state present (0 when none)."""
    counts = dict.fromkeys((s.value for s in TrialState), 0)
    for t in trials:
        counts[t.state.value] += 1
    return counts


def state_summary(trials: Sequence[FrozenTrial]) -> str:
    """``"12 complete, 1 fail"``: the states that occur, in the order of TrialState."""
    return ", ".join(f"{n} {s.lower()}" for s, n in state_counts(trials).items() if n)
