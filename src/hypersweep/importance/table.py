"""A study's trials as named parameter columns: what importance and the plots read.

Parameters are leaf paths ("model.svm.C"). A conditional parameter is absent
from trials that did not use it; its column holds ``INACTIVE`` there.
Types come from the study's space, or, for define-by-run studies, from the
definitions each trial stored; values without either are typed by looking at them.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

    from ..study import Study
    from ..trial import FrozenTrial


class _Inactive:
    """Marks a parameter a trial did not use (None is a legitimate choice, e.g. max_depth)."""

    def __repr__(self) -> str:
        return "INACTIVE"


INACTIVE: Any = _Inactive()


def label(value: Any) -> str:
    """How a categorical key reads on an axis: strings as they are, the rest as JSON."""
    if isinstance(value, str):
        return value
    if type(value) is int:  # json.dumps writes an int as str does, many times slower
        return str(value)
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return str(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def same_value(a: Any, b: Any) -> bool:
    """Equal and both or neither a bool: the choice True is not the choice 1."""
    return a == b and isinstance(a, bool) == isinstance(b, bool)


@dataclass(frozen=True)
class Column:
    """One parameter across trials: ``values[i]`` belongs to the i-th trial (or is INACTIVE)."""

    name: str
    categorical: bool
    log: bool
    choices: tuple[Any, ...]  # categorical keys in definition order, then any seen only in trials
    values: tuple[Any, ...]

    @property
    def active(self) -> list[bool]:
        return [v is not INACTIVE for v in self.values]

    @property
    def conditional(self) -> bool:
        return not all(self.active)

    def index(self, value: Any) -> int:
        for i, choice in enumerate(self.choices):
            if same_value(choice, value):
                return i
        raise KeyError(value)

    def encode(self, value: Any) -> float:
        """A number for one value: log10 on log scales, the choice index for categories."""
        if value is INACTIVE:
            return math.nan
        if self.categorical:
            return float(self.index(value))
        return math.log10(value) if self.log else float(value)

    def decode(self, x: float) -> Any:
        """The real value of an encoded number (numeric columns only)."""
        return 10.0**x if self.log else x

    def encoded(self) -> np.ndarray:
        import numpy as np

        return np.array([self.encode(v) for v in self.values], dtype=float)

    def distinct(self) -> list[Any]:
        """Active values in first-seen order (categories in definition order)."""
        if self.categorical:
            return [c for c in self.choices if any(same_value(c, v) for v in self.values)]
        seen: list[Any] = []
        for v in sorted(v for v in self.values if v is not INACTIVE):
            if not seen or seen[-1] != v:
                seen.append(v)
        return seen


@dataclass(frozen=True)
class TrialTable:
    """Finished trials with their objective values and one column per parameter."""

    study_name: str
    minimize: bool
    trials: tuple[FrozenTrial, ...]
    columns: tuple[Column, ...]

    @property
    def values(self) -> np.ndarray:
        import numpy as np

        return np.array([t.value for t in self.trials], dtype=float)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise ValueError(
            f"study {self.study_name!r} has no parameter {name!r}; its parameters are {self.names}"
        )

    def select(self, names: Sequence[str] | None) -> list[Column]:
        if names is None:
            return list(self.columns)
        if isinstance(names, str):
            names = [names]
        return [self.column(n) for n in names]


def definitions(study: Study, trials: Iterable[FrozenTrial]) -> dict[str, dict[str, Any]]:
    """JSON definitions of the parameters, in the space's order (define-by-run: first use)."""
    if study.space is not None:
        return {path: p.to_json() for path, p in study.space.leaves.items()}
    found: dict[str, dict[str, Any]] = {}
    for t in trials:
        for name, d in (t.system_attrs.get("space") or {}).items():
            found.setdefault(name, d)
    return found


def _build_column(name: str, definition: dict[str, Any] | None, values: list[Any]) -> Column:
    seen = [v for v in values if v is not INACTIVE]
    kind = (definition or {}).get("kind")
    categorical = kind == "categorical" if kind else not all(_is_number(v) for v in seen)
    if not categorical and not all(_is_number(v) for v in seen):
        categorical = True  # values that are not numbers can only be read as categories
    choices: list[Any] = list((definition or {}).get("choices", [])) if categorical else []
    if categorical:
        for v in seen:
            if not any(same_value(c, v) for c in choices):
                choices.append(v)
    log = not categorical and (bool((definition or {}).get("log")) or kind == "lognormal")
    if log and any(v <= 0 for v in seen):
        log = False
    return Column(name, categorical, log, tuple(choices), tuple(values))


def table_of(
    study: Study,
    trials: Sequence[FrozenTrial],
    *,
    params: Sequence[str] | None = None,
) -> TrialTable:
    """Columns for the given trials (any states); parameters no trial used are left out.

    On a plots' snapshot (which has a ``memo``) the table is built once per set of trials:
    several plots of one page read the same one."""
    memo = getattr(study, "memo", None)
    if not isinstance(memo, dict):
        return _table_of(study, trials, params)
    key = ("table", tuple(id(t) for t in trials), None if params is None else tuple(params))
    if key not in memo:
        memo[key] = _table_of(study, trials, params)
    return memo[key]


def _table_of(study: Study, trials: Sequence[FrozenTrial], params: Sequence[str] | None
              ) -> TrialTable:  # fmt: skip
    from ..trial import Direction

    defs = definitions(study, trials)
    order = list(defs)
    for t in trials:
        order += [name for name in t.flat if name not in defs and name not in order]
    used = [n for n in order if any(n in t.flat for t in trials)]
    if params is not None:
        missing = [p for p in params if p not in used]
        if missing:
            raise ValueError(
                f"study {study.name!r} has no trial with the parameters {missing}; "
                f"its parameters are {used}"
            )
        used = list(params)
    columns = tuple(
        _build_column(n, defs.get(n), [t.flat.get(n, INACTIVE) for t in trials]) for n in used
    )
    return TrialTable(study.name, study.direction is Direction.MINIMIZE, tuple(trials), columns)


def completed(study: Study) -> list[FrozenTrial]:
    """COMPLETE trials with a finite value, in number order; ValueError if there is none."""
    from ..trial import TrialState

    done = [
        t
        for t in study.trials
        if t.state is TrialState.COMPLETE and t.value is not None and math.isfinite(t.value)
    ]
    if not done:
        raise ValueError(
            f"study {study.name!r} has no COMPLETE trial with a value yet; run "
            f"study.optimize(...) first (failed, pruned and running trials have none)"
        )
    return done


def trial_table(study: Study, *, params: Sequence[str] | None = None) -> TrialTable:
    """The COMPLETE trials of a study as columns (ValueError if there are none)."""
    return table_of(study, completed(study), params=params)
