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
