"""What the report and the dashboard show, as plain JSON-able data.

Both pages draw the same things from the same numbers; computing them here,
from the public Study and FrozenTrial only, keeps the two from drifting apart.
Values stay raw (numbers, strings); escaping happens where HTML is written, and
everything sent to a page goes through :func:`hypersweep._json.jsonable`, the one
JSON-safe conversion (user attributes may hold anything, JSON has no inf or NaN).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from .._json import jsonable
from .._stats import mean_std
from ..study.repeats import repeat_values
from ..trial import FrozenTrial, TrialState

if TYPE_CHECKING:
    from ..study import Study

FIXED_COLUMNS = ("#", "state", "value", "duration", "steps")
REPEAT_COLUMNS = ("repeats", "repeat std")  # shown when the study evaluates each config k times


def cell_text(value: Any) -> str:
    """How a value reads in a table cell: short floats, JSON for nested values."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(jsonable(value))
    return str(value)


def sort_key(value: Any) -> float | str | None:
    """What a column sorts by: numbers as numbers, the rest as text, blanks last (None)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)):
        return value if math.isfinite(value) else (math.inf if value > 0 else -math.inf)
    return cell_text(value)


def best_trial(study: Study, trials: Sequence[Any]) -> FrozenTrial | None:
    """The best COMPLETE trial, or None while there is none."""
    if not any(t.state is TrialState.COMPLETE for t in trials):
        return None
    try:
        if len(study.directions) > 1:  # several objectives: the knee of the front stands in
            return study.select_trial()
        return study.best_trial
    except (ValueError, RuntimeError):
        return None


def summary(study: Study, trials: Sequence[Any]) -> dict[str, Any]:
    """Name, direction, trials by state, best value and wall-clock span of a study.

    ``trials`` may be FrozenTrials or the storage's briefs (number, state, value,
    times): the best is ranked from them, so no trial has to be read whole.
    """
    from ..storage.base import ranked

    counts = {state.value: 0 for state in TrialState}
    for t in trials:
        counts[t.state.value] += 1
    starts = [t.started for t in trials if t.started is not None]
    ends = [t.finished for t in trials if t.finished is not None]
    if len(study.directions) > 1:  # no single best: name the objectives, point to the knee
        names = study.objective_names
        direction = ", ".join(f"{n}: {d.value}" for n, d in zip(names, study.directions))
        knee = best_trial(study, trials)
        best_value, best_number = None, None if knee is None else knee.number
    else:
        top = ranked(trials, study.direction)[:1]
        best = top[0] if top else None
        direction = study.direction.value
        best_value = None if best is None else best.value
        best_number = None if best is None else best.number
    return {
        "name": study.name,
        "direction": direction,
        "n_trials": len(trials),
        "counts": counts,
        "best_value": best_value,
        "best_number": best_number,
        "started": min(starts) if starts else None,
        "finished": max(ends) if ends else None,
        "duration": (max(ends) - min(starts)) if starts and ends else None,
    }


def population(study: Study) -> str | None:
    """One sentence on a population-based training run (None: the study is not one)."""
    from ..pbt import result_of
    from ..pbt.lineage import settings_of
    from ..visualization import is_population

    if not is_population(study):
        return None
    try:
        s = settings_of(study)
    except (TypeError, ValueError, KeyError) as exc:
        return f"The population's settings cannot be read: {exc}"
    about = (f"A population of {s.population} members trained for {s.total_steps:,} steps, "
             f"exploiting and exploring every {s.interval:,} steps.")  # fmt: skip
    try:
        result = result_of(study)
    except ValueError as exc:  # still running, or every member failed
        return f"{about} No member has finished yet ({exc})."
    copies = sum(step.parent is not None for step in result.lineage)
    return (f"{about} Best: member {result.best.member} with score {cell_text(result.best_score)}"
            f"; {copies} exploit{'s' if copies != 1 else ''} (a member copied a better one's "
            f"weights) in {len(result.lineage)} turns.")  # fmt: skip


def best_record(study: Study, trials: Sequence[Any]) -> dict[str, Any] | None:
    """The best trial's number, value, nested params and user attributes."""
    return record_of(best_trial(study, trials))


def record_of(best: FrozenTrial | None) -> dict[str, Any] | None:
    """A best trial as the pages show it (None: no COMPLETE trial yet)."""
    if best is None:
        return None
    return jsonable(
        {
            "number": best.number,
            "value": best.values[0] if best.values and len(best.values) == 1 else best.values,
            "params": best.params if best.params is not None else best.flat,
            "user_attrs": best.user_attrs,
            "duration": best.duration,
        }
    )


def columns(study: Study, trials: Sequence[FrozenTrial], *, every_leaf: bool = False) -> list[str]:
    """Table headers: the fixed ones, parameter paths in the space's order, attrs, error.
    ``every_leaf``: all of the space's parameters, used by these trials or not (a page
    of a large study: its columns do not depend on the page)."""
    used: dict[str, None] = dict.fromkeys(study.space.leaves) if every_leaf and study.space \
        is not None else {}  # fmt: skip
    attrs: dict[str, None] = {}
    for t in trials:
        used.update(dict.fromkeys(t.flat))
        attrs.update(dict.fromkeys(t.user_attrs))
    order = list(study.space.leaves) if study.space is not None else []
    params = [p for p in order if p in used] + [p for p in used if p not in order]
    repeated = any(repeat_values(t) for t in trials)
    return [
        *FIXED_COLUMNS,
        *(REPEAT_COLUMNS if repeated else ()),
        *params,
        *(f"attrs.{k}" for k in attrs),
        "error",
    ]


def _spread(values: list[float]) -> float | None:
    """Sample standard deviation, as the repeats record states it (None below 2 values)."""
    return mean_std(values, ddof=1)[1] if len(values) >= 2 else None


def _value(trial: FrozenTrial) -> Any:
    values = trial.values  # several objectives: the vector, in the study's order
    return values[0] if values and len(values) == 1 else (list(values) if values else None)


def _error(trial: FrozenTrial) -> Any:
    lines = (trial.error or "").strip().splitlines()
    return lines[-1][:200] if lines else None  # a traceback's last line says what failed


_FIXED: dict[str, Callable[[FrozenTrial], Any]] = {
    "#": lambda t: t.number,
    "state": lambda t: t.state.value,
    "value": _value,
    "duration": lambda t: None if t.duration is None else round(t.duration, 3),
    "steps": lambda t: len(t.intermediate) or None,
    "repeats": lambda t: len(repeat_values(t)) or None,
    "repeat std": lambda t: _spread(repeat_values(t)),
    "error": _error,
}


def _getter(column: str) -> Callable[[FrozenTrial], Any]:
    """How a column reads its cell from a trial, chosen once per column, not per cell."""
    if column in _FIXED:
        return _FIXED[column]
    if column.startswith("attrs."):
        key = column[len("attrs.") :]
        return lambda t: t.user_attrs.get(key)
    return lambda t: t.flat.get(column)


def table(
    study: Study, trials: Sequence[FrozenTrial], *, heads: list[str] | None = None
) -> dict[str, Any]:
    """Headers and one row per trial; each cell is [text shown, value sorted by]."""
    heads = columns(study, trials) if heads is None else heads
    getters = [_getter(c) for c in heads]
    rows = []
    for t in trials:
        rows.append([_cell(get(t)) for get in getters])
    return {"columns": heads, "rows": rows}


def _cell(value: Any) -> list[Any]:
    """``[cell_text(value), jsonable(sort_key(value))]``, the common kinds without the
    general path (a large report has 42,000 cells)."""
    kind = type(value)
    if value is None:
        return ["", None]
    if kind is int:
        return [str(value), value]
    if kind is float and math.isfinite(value):
        return [f"{value:.6g}", value]
    if kind is str and value:
        return [value, value]
    return [cell_text(value), jsonable(sort_key(value))]


REPORT_ROWS = 2000  # trial rows a report lists at most
PAGE_SIZE = 500  # trial rows per dashboard page
MAX_PAGE_SIZE = 5000


def report_rows(study: Study, trials: Sequence[Any], limit: int = REPORT_ROWS
                ) -> tuple[list[Any], str | None]:  # fmt: skip
    """The trials a report lists, and a sentence when that is not all of them: the best
    half of ``limit`` COMPLETE trials, then an even spread of the rest, in number order.
    ``trials`` may be the storage's briefs: the caller then reads the chosen ones whole."""
    if len(trials) <= limit:
        return list(trials), None
    if len(study.directions) > 1:  # no single ranking: an even spread in number order
        step = len(trials) / limit
        chosen = [trials[int(i * step)] for i in range(limit)]
        return chosen, f"Listing {limit:,} of {len(trials):,} trials, evenly spread."
    minimize = study.direction.value == "minimize"
    done = [t for t in trials if t.state is TrialState.COMPLETE and t.value is not None
            and math.isfinite(t.value)]  # fmt: skip
    done.sort(key=lambda t: float(t.value), reverse=not minimize)
    keep = {t.number for t in done[: limit // 2]}
    rest = [t for t in trials if t.number not in keep]
    step = len(rest) / (limit - len(keep))
    keep |= {rest[int(i * step)].number for i in range(limit - len(keep))}
    shown = [t for t in trials if t.number in keep]
    return shown, (
        f"Listing {len(shown):,} of the {len(trials):,} trials: the best {limit // 2:,} and an "
        f"even spread of the rest (the dashboard, hypersweep serve, pages through all of them)."
    )


def page(
    study: Study, trials: Sequence[FrozenTrial], number: int | None, size: int = PAGE_SIZE
) -> dict[str, Any]:
    """One page of the trial table (``number`` from 0; None or past the end: the last page),
    with ``page``, ``pages`` and ``total``; columns come from every trial."""
    size = max(1, min(int(size), MAX_PAGE_SIZE))
    pages = max(1, -(-len(trials) // size))
    at = pages - 1 if number is None or not 0 <= number < pages else number
    rows = table(study, trials[at * size : (at + 1) * size], heads=columns(study, trials))
    return {**rows, "page": at, "pages": pages, "page_size": size, "total": len(trials)}


def best_read(study: Study, briefs: Sequence[Any]) -> FrozenTrial | None:
    """The best of a study's briefs, read whole from its storage (None: none COMPLETE)."""
    from ..storage.base import ranked
    from ..visualization._sample import resolved

    top = ranked(briefs, study.direction)[:1]
    if not top:
        return None
    found = study.storage.read_numbers(study.record.study_id, [top[0].number])
    return resolved(study, found)[0] if found else None


def light_page(study: Study, total: int, number: int | None, size: int = PAGE_SIZE
               ) -> dict[str, Any]:  # fmt: skip
    """:func:`page` for a study of ``total`` trials, reading only the page's trials from
    its storage; its columns are the space's parameters and the page's own."""
    from ..visualization._sample import resolved

    size = max(1, min(int(size), MAX_PAGE_SIZE))
    pages = max(1, -(-total // size))
    at = pages - 1 if number is None or not 0 <= number < pages else number
    stored = study.storage.read_page(study.record.study_id, at * size, size)
    trials = resolved(study, stored)
    rows = table(study, trials, heads=columns(study, trials, every_leaf=True))
    return {**rows, "page": at, "pages": pages, "page_size": size, "total": total}


def fingerprint(trials: Sequence[FrozenTrial]) -> str:
    """Changes whenever a trial appears, changes state, reports or finishes."""
    import hashlib

    digest = hashlib.blake2b(digest_size=8)
    for t in trials:
        digest.update(
            f"{t.number}:{t.state.value}:{t.finished}:{len(t.intermediate)}:{t.values};".encode()
        )
    return digest.hexdigest()
