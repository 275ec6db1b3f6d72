"""The pruner a study gets when it names none.

One function, so the choice lives in one place and the pruning benchmark
(``benchmarks/pruning.py``) is what changes it. A pruner only acts when the
objective reports intermediate values and asks ``trial.should_prune()``, so
objectives that never report are unaffected by it.
"""

from __future__ import annotations

from .base import Pruner
from .median import Median


def default_pruner() -> Pruner:
    """A fresh instance of the default pruner (Median stopping after 5 finished trials)."""
    return Median(n_startup_trials=5)
