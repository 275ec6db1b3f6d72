"""Mean and sample standard deviation: one definition for repeats, stability and plots."""

from __future__ import annotations

import math
from collections.abc import Sequence


def mean_std(values: Sequence[float], *, ddof: int = 1) -> tuple[float, float]:
    """Mean and standard deviation; the sample one (``ddof=1``) unless told otherwise
    (``ddof=0`` matches scikit-learn's ``std_test_score`` over CV splits). The spread
    of fewer than ``ddof + 1`` values is 0.

    >>> mean_std([1.0, 2.0, 3.0])
    (2.0, 1.0)
    """
    if not values:
        raise ValueError("mean_std needs at least one value")
    n = len(values)
    mean = math.fsum(values) / n  # fsum, not statistics: that module costs import time
    if n - ddof < 1:
        return mean, 0.0
    return mean, math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (n - ddof))
