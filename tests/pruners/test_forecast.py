"""Forecast, the default pruner: slow starters survive, hopeless curves stop."""

from __future__ import annotations

import math

import pytest

import hypersweep as hs
from hypersweep.history import History
from hypersweep.trial import Direction, FrozenTrial, TrialState

STEPS = 20


def fast(i: int) -> list[float]:
    """Learns at once, then overfits: ends near 0.62."""
    return [min(0.72, 0.4 + 0.15 * t) - 0.005 * max(0, t - 4) + 0.002 * i
            for t in range(1, STEPS + 1)]  # fmt: skip


def climb(top: float, rate: float) -> list[float]:
    """Starts low and climbs to ``top``: a slow learning rate."""
    return [0.05 + (top - 0.05) * (1 - math.exp(-t / rate)) for t in range(1, STEPS + 1)]


CURVES = {
    **{f"fast{i}": fast(i) for i in range(3)},
    "climber": climb(0.74, 6.0),  # a slow peer seen early: slow starters can climb
    **{f"fast{i}": fast(i) for i in range(3, 8)},
    "flat": [0.1] * STEPS,  # hopeless
    "slow": climb(0.9, 7.0),  # the best, behind every fast one for several steps
    "flat2": [0.08 + 0.001 * t for t in range(1, STEPS + 1)],
}


def run(pruner: hs.pruners.Pruner) -> hs.Study:
    def objective(params: dict[str, str], trial: hs.Trial) -> float:
        curve = CURVES[params["name"]]
        for step, value in enumerate(curve, 1):
            trial.report(value, step)
            if step < STEPS and trial.should_prune():
                raise hs.TrialPruned()
        return curve[-1]

    study = hs.create_study(space={"name": hs.Categorical(list(CURVES))}, direction="maximize",
                            sampler="grid", pruner=pruner, seed=0)  # fmt: skip
    study.optimize(objective, n_trials=None)
    return study


def test_slow_starter_survives_and_hopeless_curves_stop() -> None:
    study = run(hs.pruners.default_pruner())
    by_name = {t.params["name"]: t for t in study.trials}
    assert [t.params["name"] for t in study.trials] == list(CURVES)  # the grid's order
    assert study.best_params["name"] == "slow"
    assert by_name["slow"].state is TrialState.COMPLETE
    for name in ("flat", "flat2"):
        assert by_name[name].state is TrialState.PRUNED
        assert by_name[name].last_step == 2  # at the grace step, not later


def test_the_old_default_drops_the_slow_starter() -> None:
    """Median (the default before Forecast) stops the slow starter while it is behind."""
    study = run(hs.pruners.Median(n_startup_trials=5))
    slow = next(t for t in study.trials if t.params["name"] == "slow")
    assert slow.state is TrialState.PRUNED
    assert study.best_params["name"] != "slow"


def test_default_is_forecast_and_a_study_gets_it() -> None:
    assert isinstance(hs.pruners.default_pruner(), hs.pruners.Forecast)
    assert isinstance(hs.create_study(space={"x": hs.Float(0, 1)}).pruner, hs.pruners.Forecast)


def _history(curves: list[list[float]], running: list[float]) -> tuple[History, FrozenTrial]:
    done = [FrozenTrial(i, TrialState.COMPLETE, values=(c[-1],), intermediate=dict(enumerate(c, 1)))
            for i, c in enumerate(curves)]  # fmt: skip
    t = FrozenTrial(len(curves), TrialState.RUNNING, intermediate=dict(enumerate(running, 1)))
    return History(Direction.MINIMIZE, None, lambda: [*done, t]), t


def test_minimising_waits_for_neighbors_grace_and_the_budget() -> None:
    losses = [[1.0, 0.8 - 0.01 * i, 0.7 - 0.01 * i, 0.6 - 0.01 * i] for i in range(3)]
    rule = hs.pruners.Forecast(n_neighbors=3, grace=2)
    history, t = _history(losses, [1.0, 0.95])  # moves of 0.2: 0.75 > 0.58
    assert rule.prune(history, t)
    history, t = _history(losses, [1.0, 0.7])  # 0.7 - 0.2 = 0.5 < 0.58: it may win
    assert not rule.prune(history, t)
    history, t = _history(losses, [5.0])  # before the grace step
    assert not rule.prune(history, t)
    history, t = _history(losses[:2], [1.0, 0.95])  # fewer complete trials than neighbours
    assert not rule.prune(history, t)
    history, t = _history(losses, [1.0, 0.9, 0.9, 0.9])  # at the full budget
    assert not rule.prune(history, t)
    history, t = _history(losses, [1.0, float("nan")])
    assert not rule.prune(history, t)


@pytest.mark.parametrize("bad", [{"n_neighbors": 0}, {"window": 0}, {"grace": -1}])
def test_bad_arguments_name_the_rule(bad: dict[str, int]) -> None:
    with pytest.raises(ValueError, match="Forecast"):
        hs.pruners.Forecast(**bad)
