"""A study's trials as flat records or a pandas DataFrame, for people and other tools;
the Pareto front of a multi-objective study and the ways to choose one trial from it."""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Mapping, Sequence
from typing import Any

from ..trial import Direction, FrozenTrial, TrialState


def value_columns(t: FrozenTrial, names: Sequence[str] | None) -> dict[str, Any]:
    """The "value" for one objective; ``values_<name>`` per objective for several (None when
    the trial has no values), and ``constraints_<name>`` when it has constraints."""
    if names is None or len(names) <= 1:
        row: dict[str, Any] = {"value": t.values[0] if t.values else None}
    else:
        got = t.values if t.values is not None and len(t.values) == len(names) else None
        row = {f"values_{n}": (got[i] if got else None) for i, n in enumerate(names)}
    found = t.system_attrs.get("constraints")
    if found:
        labels = t.system_attrs.get("constraint_names") or [f"c{i}" for i in range(len(found))]
        row.update({f"constraints_{k}": v for k, v in zip(labels, found, strict=False)})
    return row


def to_records(
    trials: Sequence[FrozenTrial], names: Sequence[str] | None = None
) -> list[dict[str, Any]]:
    """One flat dict per trial: number, state, value (``values_<name>`` per objective of a
    multi-objective study), params_<path>, user_attrs_<key>, ..."""
    rows = []
    for t in trials:
        row: dict[str, Any] = {
            "number": t.number,
            "state": t.state.value,
            **value_columns(t, names),
            "started": _iso(t.started),
            "finished": _iso(t.finished),
            "duration": t.duration,
        }
        row.update({f"params_{k}": v for k, v in t.flat.items()})
        row.update({f"user_attrs_{k}": v for k, v in t.user_attrs.items()})
        row["error"] = t.error
        rows.append(row)
    return rows


def to_dataframe(trials: Sequence[FrozenTrial], names: Sequence[str] | None = None) -> Any:
    """The trials as a pandas DataFrame (needs ``pip install pandas``)."""
    try:
        import pandas as pd
    except ImportError:
        raise ImportError(
            "to_dataframe() needs pandas: pip install pandas (or use study.to_records())"
        ) from None
    import numpy as np

    def stamps(values: list[float | None]) -> Any:  # via a float array: 5x faster
        seconds = np.array([np.nan if v is None else v for v in values], dtype=float)
        return pd.to_datetime(seconds, unit="s", utc=True)

    started = stamps([t.started for t in trials])
    finished = stamps([t.finished for t in trials])
    # column by column and from_records: a per-trial Python dict costs 10x more at 100k
    parts = [
        pd.DataFrame(
            {
                "number": [t.number for t in trials],
                "state": [t.state.value for t in trials],
                "started": started,
                "finished": finished,
                "duration": (finished - started).total_seconds(),
            }
        ),
        pd.DataFrame.from_records([value_columns(t, names) for t in trials]),
        pd.DataFrame.from_records([t.flat for t in trials]).add_prefix("params_"),
        pd.DataFrame.from_records([t.user_attrs for t in trials]).add_prefix("user_attrs_"),
        pd.DataFrame({"error": [t.error for t in trials]}),
    ]
    return pd.concat([p for p in parts if len(p.columns)], axis=1)


def _iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    return _dt.datetime.fromtimestamp(ts, tz=_dt.timezone.utc).isoformat(timespec="seconds")


def candidates(trials: Sequence[FrozenTrial], m: int) -> list[FrozenTrial]:
    """COMPLETE feasible trials holding ``m`` finite-or-infinite values (no NaN)."""
    return [t for t in trials if t.state is TrialState.COMPLETE and t.values is not None
            and len(t.values) == m and t.feasible
            and not any(math.isnan(v) for v in t.values)]  # fmt: skip


def front(trials: Sequence[FrozenTrial], directions: Sequence[Direction]) -> list[FrozenTrial]:
    """The feasible non-dominated COMPLETE trials, in number order (one objective: every
    trial tied for the best value)."""
    from ..multiobjective import losses, pareto_mask  # numpy: only when asked

    done = candidates(trials, len(directions))
    if not done:
        return []
    mask = pareto_mask(losses(done, directions))
    return [t for t, keep in zip(done, mask.tolist(), strict=True) if keep]


_OPS = {"<=": float.__le__, "<": float.__lt__, ">=": float.__ge__, ">": float.__gt__}


def choose(
    trials: Sequence[FrozenTrial],
    directions: Sequence[Direction],
    names: Sequence[str],
    how: str = "knee",
    *,
    weights: Mapping[str, float] | None = None,
    best: str | None = None,
    where: Mapping[str, tuple[str, float]] | None = None,
) -> FrozenTrial:
    """One trial from the feasible trade-off: the knee, the weighted choice (``weights``:
    name -> importance), or the best in objective ``best`` among trials ``where`` each
    named objective satisfies (op, bound), op one of <=, <, >=, >."""
    from ..multiobjective import by_bounds, by_weights, knee  # numpy: only when asked

    done = candidates(trials, len(directions))
    if not done:
        raise ValueError("there are no feasible COMPLETE trials to choose from yet")
    index = {n: i for i, n in enumerate(names)}

    def position(name: str, what: str) -> int:
        if name not in index:
            raise ValueError(f"{what}: unknown objective {name!r}; the objectives are "
                             f"{', '.join(names)}")  # fmt: skip
        return index[name]

    values = [t.values for t in done]
    if weights is not None:
        if best is not None or where is not None:
            raise ValueError("select: give weights=, or best=/where=, not both")
        w = [0.0] * len(names)
        for name, weight in weights.items():
            w[position(name, "weights")] = float(weight)
        return done[by_weights(values, w, directions)]
    if best is not None or where is not None:
        target = position(best, "best") if best is not None else 0
        keep = list(range(len(done)))
        for name, rule in (where or {}).items():
            j = position(name, "where")
            if not (isinstance(rule, (tuple, list)) and len(rule) == 2 and rule[0] in _OPS):
                ops = ", ".join(_OPS)
                raise ValueError(f"where: {name!r} needs (op, bound) with op one of {ops}, "
                                 f"e.g. ('<=', 10), but got {rule!r}")  # fmt: skip
            op, bound = _OPS[rule[0]], float(rule[1])
            keep = [i for i in keep if op(float(values[i][j]), bound)]  # type: ignore[index]
        if not keep:
            raise ValueError(f"no feasible COMPLETE trial satisfies where={dict(where or {})}")
        row = by_bounds([values[i] for i in keep], target, {}, directions)
        assert row is not None  # no bounds: every row qualifies
        return done[keep[row]]
    if how != "knee":
        raise ValueError(f"select: how must be 'knee' (or give weights= or best=/where=), "
                         f"but got {how!r}")  # fmt: skip
    return done[knee(values, directions)]
