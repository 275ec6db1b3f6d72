"""default_pruner: what a study without a pruner gets (chosen by benchmarks/pruning.py)."""

from __future__ import annotations

from hypersweep.pruners import Forecast, default_pruner

from .helpers import frozen, history, running


def test_default_stops_a_hopeless_curve_but_not_one_that_may_still_win() -> None:
    done = [frozen(n, {s: 0.9 - 0.1 * n / 8 - 0.3 / s for s in range(1, 21)}) for n in range(8)]
    hopeless = running(9, {1: 0.2, 2: 0.2, 3: 0.2})
    good = running(10, {1: 0.7, 2: 0.8, 3: 0.85})
    pruner = default_pruner()
    assert isinstance(pruner, Forecast) and pruner is not default_pruner()  # fresh each time
    assert pruner.prune(history([*done, hopeless], "maximize"), hopeless)
    assert not pruner.prune(history([*done, good], "maximize"), good)
    # judged from 6 finished trials on (8 before issue 16), never before step 2
    assert pruner.prune(history([*done[:6], hopeless], "maximize"), hopeless)
    assert not pruner.prune(history([*done[:5], hopeless], "maximize"), hopeless)
    early = running(11, {1: 0.0})
    assert not pruner.prune(history([*done, early], "maximize"), early)
