"""From trials to the arrays the math takes: losses and total constraint violations.

The contract with the study: a trial's ``values`` holds one float per objective; its
constraints are ``system_attrs["constraints"]``, a list of floats, feasible when every
entry is <= 0; a trial without constraints is feasible.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..trial import Direction, FrozenTrial
from .pareto import to_loss


def directions_of(history: Any) -> tuple[Direction, ...]:
    """A history's directions: ``history.directions`` once the study has several,
    else its single ``direction``."""
    found = getattr(history, "directions", None)
    return tuple(found) if found else (history.direction,)


def losses(trials: Sequence[FrozenTrial], directions: Sequence[Direction]) -> np.ndarray:
    """``(n, m)`` losses of trials that all hold ``len(directions)`` values."""
    m = len(directions)
    rows = []
    for t in trials:
        if t.values is None or len(t.values) != m:
            got = None if t.values is None else len(t.values)
            raise ValueError(f"trial {t.number} has {got} values for {m} objectives")
        rows.append(t.values)
    return to_loss(np.asarray(rows, dtype=float).reshape(len(rows), m), directions)


def violations(trials: Sequence[FrozenTrial]) -> np.ndarray:
    """Each trial's total violation (sum of positive constraint values); 0 if none."""
    out = np.zeros(len(trials))
    for i, t in enumerate(trials):
        found = t.system_attrs.get("constraints")
        if found:
            arr = np.asarray(found, dtype=float)
            out[i] = float(np.where(np.isnan(arr), 0.0, np.clip(arr, 0.0, None)).sum())
    return out
