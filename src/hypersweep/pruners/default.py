"""The pruner a study gets when it names none.

One function, so the choice lives in one place and the pruning benchmark
(``benchmarks/pruning.py --replay``) is what changes it. A pruner only acts when the
objective reports intermediate values and asks ``trial.should_prune()``, so
objectives that never report are unaffected by it.
"""

from __future__ import annotations

from .base import Pruner
from .median import Median


def default_pruner() -> Pruner:
    """A fresh instance of the default pruner: Median stopping after 5 finished trials.

    Why Median: on the five replayed tasks of ``benchmarks/pruning.py --replay`` (30
    trials x 20 epochs, TPE and random search, 6 seeds while choosing) it lost the
    least accuracy for its epochs: -0.15 to -0.52 points at 31-49% of the epochs on
    the digits, slow-starter and noisy tasks, -1.5 to -2.1 R² points on the regression
    task, where the best learning rate climbs last. ASHA (min_resource=1,
    reduction_factor=4) used fewer epochs (18-48%) but lost up to 1.8 points on the
    slow starter and 11-13 R² points on the regression; rungs from the budget
    (``ASHA(min_resource="auto", reduction_factor=3)``), best-so-far or log-linear
    projected rung values, Median warm-up steps and Hyperband were each worse on one
    of the two figures somewhere. No rule met 0.5 points at 40% of the epochs on
    every task; the figures are in ``benchmarks/results/pruning.txt``.
    """
    return Median(n_startup_trials=5)
