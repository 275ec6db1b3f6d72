"""The numbers a forest learns from: one column per parameter, inactive values set apart."""

from __future__ import annotations

import numpy as np

from .table import Column, TrialTable


def encode_column(col: Column) -> np.ndarray:
    """Encoded values (log10 for log scales, the choice index for categories).

    Where a conditional parameter was inactive, a value below its whole range: a
    tree can then split "inactive" off from every active value with one threshold.
    """
    x = col.encoded()
    inactive = np.isnan(x)
    if inactive.any():
        active = x[~inactive]
        lo = float(active.min()) if active.size else 0.0
        span = float(np.ptp(active)) if active.size else 0.0
        x[inactive] = -1.0 if col.categorical else lo - max(span, 1.0)
    return x


def encode(table: TrialTable) -> np.ndarray:
    """Trials x parameters matrix of the table's columns."""
    if not table.columns:
        return np.zeros((len(table.trials), 0))
    return np.column_stack([encode_column(c) for c in table.columns])


def active(table: TrialTable) -> np.ndarray:
    """Trials x parameters: did the trial use the parameter."""
    if not table.columns:
        return np.zeros((len(table.trials), 0), dtype=bool)
    return np.column_stack([np.array(c.active, dtype=bool) for c in table.columns])


def parents(table: TrialTable) -> list[int | None]:
    """For each conditional column, the column whose value switches it on (else None).

    A parent is a choice (a categorical column, or an integer one with repeated
    values such as a list's length ``"layers.len"``) that is active wherever the
    child is and whose every value either always or never comes with the child.
    Among several, the closest: the one active in the fewest trials, then the one
    sharing the longest dotted prefix with the child ("model" for "model.svm.C").
    Found from the trials alone, so define-by-run ``if``s work too.
    """
    used = active(table)
    X = encode(table)
    gates = [j for j, c in enumerate(table.columns) if _can_gate(c, X[used[:, j], j])]
    out: list[int | None] = []
    for j, col in enumerate(table.columns):
        if used[:, j].all():
            out.append(None)
            continue
        found = [g for g in gates if g != j and _switches(X[:, g], used[:, g], used[:, j])]
        found.sort(key=lambda g: (used[:, g].sum(), -_shared(table.names[g], col.name), g))
        out.append(found[0] if found else None)
    return out


def _can_gate(col: Column, x: np.ndarray) -> bool:
    if col.categorical:
        return True
    values = np.unique(x)
    return bool(np.all(values == np.round(values))) and 2 * len(values) <= len(x)


def _switches(x: np.ndarray, gate_used: np.ndarray, child_used: np.ndarray) -> bool:
    """Child used only where the gate is, and, among those trials, by the gate's value."""
    if (child_used & ~gate_used).any():
        return False
    x, child = x[gate_used], child_used[gate_used]
    if child.all() or not child.any():
        return False
    with_child = np.unique(x[child])
    return not np.isin(x[~child], with_child).any()


def _shared(a: str, b: str) -> int:
    """How many leading dotted parts two names share."""
    n = 0
    for p, q in zip(a.split("."), b.split(".")):
        if p != q:
            break
        n += 1
    return n
