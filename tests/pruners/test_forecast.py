"""Forecast, the default pruner: slow starters survive, hopeless curves stop."""

from __future__ import annotations

import math
import random

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
    rule = hs.pruners.Forecast(n_neighbors=3, min_trials=3, window=1, grace=2, trend=0,
                               rungs=(), twins=False)  # fmt: skip
    history, t = _history(losses, [1.0, 0.95])  # moves of 0.2: 0.75 > 0.58
    assert rule.prune(history, t)
    history, t = _history(losses, [1.0, 0.7])  # 0.7 - 0.2 = 0.5 < 0.58: it may win
    assert not rule.prune(history, t)
    history, t = _history(losses, [5.0])  # before the grace step
    assert not rule.prune(history, t)
    history, t = _history(losses[:2], [1.0, 0.95])  # fewer complete trials than min_trials
    assert not rule.prune(history, t)
    history, t = _history(losses, [1.0, 0.9, 0.9, 0.9])  # at the full budget
    assert not rule.prune(history, t)
    history, t = _history(losses, [1.0, float("nan")])
    assert not rule.prune(history, t)


def _maximising(curves: list[list[float]], running: list[float]) -> tuple[History, FrozenTrial]:
    done = [FrozenTrial(i, TrialState.COMPLETE, values=(c[-1],), intermediate=dict(enumerate(c, 1)))
            for i, c in enumerate(curves)]  # fmt: skip
    t = FrozenTrial(len(curves), TrialState.RUNNING, intermediate=dict(enumerate(running, 1)))
    return History(Direction.MAXIMIZE, None, lambda: [*done, t]), t


def test_a_far_peer_does_not_lend_its_climb_when_few_trials_are_done() -> None:
    """Six finished trials: the trial sits with four that stalled below the best; the one
    that climbed from 0.1 stood far below it and no longer speaks for it (all 8 peers,
    the rule before issue 16, let that climb keep it running)."""
    stalled = [[0.85 + 0.001 * i] * STEPS for i in range(4)]
    best = [min(0.95, 0.8 + 0.02 * s) for s in range(STEPS)]
    climber = [0.1 + 0.8 * s / (STEPS - 1) for s in range(STEPS)]
    history, t = _maximising([*stalled, best, climber], [0.85, 0.85, 0.85])
    assert hs.pruners.Forecast().prune(history, t)
    before = hs.pruners.Forecast(n_neighbors=8, min_trials=6, window=1, trend=0, quantile=1.0,
                                 rungs=(), twins=False)  # fmt: skip
    assert not before.prune(history, t)


def test_a_steady_climber_is_kept_by_its_own_pace() -> None:
    """Its peers by value all stalled at 0.5, but it gained 0.08 at each of its last two
    steps: half that pace for the 16 steps left reaches 1.04 > 0.9, so it runs on; without
    the pace (trend=0) the peers' forecast, 0.5, stops it."""
    stalled = [[min(0.5, 0.1 * s) for s in range(1, STEPS + 1)] for _ in range(5)]
    best = [0.9] * STEPS
    history, t = _maximising([*stalled, best], [0.24, 0.32, 0.4])
    assert not hs.pruners.Forecast(window=1).prune(history, t)
    assert hs.pruners.Forecast(window=1, trend=0).prune(history, t)
    history, t = _maximising([*stalled, best], [0.4, 0.32, 0.4])  # fell, then rose: no pace
    assert hs.pruners.Forecast(window=1).prune(history, t)


def test_the_level_is_the_mean_of_the_last_window_reports() -> None:
    """A trial at 0.6, 0.6, 0.9: one lucky epoch. Over its last three reports it stands
    with the four peers that were at 0.7 and ended at 0.75, below the best 0.95, so it
    stops; judged by its last value alone (window=1) it borrows the move of the peer
    that stood at 0.88 and ended at 0.95, and runs on."""
    peers = [[0.7] * 5 + [0.75] * (STEPS - 5) for _ in range(4)]
    peers += [[0.88] * 5 + [0.95] * (STEPS - 5), [0.93] * STEPS]
    history, t = _maximising(peers, [0.6, 0.6, 0.9])
    assert hs.pruners.Forecast().prune(history, t)
    assert not hs.pruners.Forecast(window=1).prune(history, t)


def test_one_lucky_neighbour_does_not_decide_alone() -> None:
    """Of its 3 nearest peers (6 done), one rose by 0.1 and two stalled: the move at
    quantile 0.8 of favourability (0.06) leaves it at 0.93, below the best 0.96; the
    single best move (the default, quantile=1.0) carries it to 0.97."""
    lucky = [0.85] * 5 + [0.95] * (STEPS - 5)
    stalled = [[0.87] * STEPS, [0.871] * STEPS]
    far = [[0.3] * STEPS, [0.31] * STEPS]
    best = [0.96] * STEPS
    history, t = _maximising([lucky, *stalled, *far, best], [0.87, 0.87, 0.87])
    assert hs.pruners.Forecast(quantile=0.8, twins=False).prune(history, t)
    assert not hs.pruners.Forecast(twins=False).prune(history, t)  # (it retraces "stalled")


def _among(
    others: list[tuple[TrialState, list[float]]], mine: list[float]
) -> tuple[History, FrozenTrial]:
    """A maximising history of ``others`` (complete ones end at their last value)."""
    made = [FrozenTrial(i, state, values=(c[-1],) if state is TrialState.COMPLETE else None,
                        intermediate=dict(enumerate(c, 1)))
            for i, (state, c) in enumerate(others)]  # fmt: skip
    t = FrozenTrial(len(made), TrialState.RUNNING, intermediate=dict(enumerate(mine, 1)))
    return History(Direction.MAXIMIZE, None, lambda: [*made, t]), t


def test_a_rung_stops_the_lower_half_before_any_trial_is_complete() -> None:
    """Three trials are running, none complete (the forecast has no peers yet); the
    first is at step 12 and 0.75. At rung 2 a trial below the better half stops, unless
    half its pace kept up to step 12 beats the best value seen (0.75); off the rungs, and
    with rungs=(), nothing stops."""
    run = TrialState.RUNNING
    first = [min(0.75, 0.4 + 0.05 * s) for s in range(1, 13)]
    others = [(run, first), (run, [0.45, 0.55, 0.6]), (run, [0.4, 0.5])]
    history, t = _among(others, [0.2, 0.22])  # level 0.21, + 0.01 x 10 steps: 0.31
    assert hs.pruners.Forecast().prune(history, t)
    assert not hs.pruners.Forecast(rungs=()).prune(history, t)
    assert not hs.pruners.Forecast(rungs=(4, 8)).prune(history, t)
    history, t = _among(others, [0.1, 0.3])  # level 0.2, + 0.1 x 10 steps: 1.2, runs on
    assert not hs.pruners.Forecast().prune(history, t)
    history, t = _among(others, [0.52, 0.58])  # in the better half: runs on
    assert not hs.pruners.Forecast().prune(history, t)
    history, t = _among(others[:1], [0.2, 0.22])  # one rival is too few to rank against
    assert not hs.pruners.Forecast().prune(history, t)


def test_nothing_stops_at_the_full_budget_of_the_complete_trials() -> None:
    """Trials of 4 steps with a rung at 4: at its last step a trial is not stopped by
    the rung, nor as a twin (its value is as good as complete)."""
    done = TrialState.COMPLETE
    others = [(done, [0.5, 0.6, 0.7, 0.8]), (done, [0.4, 0.5, 0.6, 0.7])]
    history, t = _among(others, [0.1, 0.12, 0.13, 0.14])
    assert not hs.pruners.Forecast(rungs=(4,)).prune(history, t)
    history, t = _among(others, [0.1, 0.12, 0.13])  # a step earlier, the rung stops it
    assert hs.pruners.Forecast(rungs=(3,)).prune(history, t)
    history, t = _among(others, others[1][1])
    assert not hs.pruners.Forecast(rungs=()).prune(history, t)


def test_a_trial_that_retraces_a_settled_one_stops() -> None:
    """Reports equal, step by step, to those of a complete trial (even the best: a tie
    cannot win) or of a pruned one stop the trial; one differing report does not."""
    done, pruned = TrialState.COMPLETE, TrialState.PRUNED
    best = [0.3, 0.5, 0.7, 0.8, 0.9]
    rule = hs.pruners.Forecast(rungs=())
    history, t = _among([(done, best)], best[:3])
    assert rule.prune(history, t)
    assert not hs.pruners.Forecast(rungs=(), twins=False).prune(history, t)
    history, t = _among([(done, best)], [0.3, 0.5, 0.71])
    assert not rule.prune(history, t)
    history, t = _among([(pruned, [0.2, 0.25])], [0.2, 0.25, 0.3])  # past the pruned one's end
    assert rule.prune(history, t)
    history, t = _among([(TrialState.RUNNING, best[:4])], best[:3])  # not settled yet
    assert not rule.prune(history, t)


def _population(n: int = 30) -> dict[str, list[float]]:
    """Saturating curves a - b exp(-t / c) with a wobble, in a fixed mixed order: fast
    and slow learners, high and low ceilings; the best (a = 0.97, c = 5) is a slow starter."""
    rng = random.Random(7)
    curves = {}
    for i in range(n):
        top = 0.97 if i == 17 else rng.uniform(0.4, 0.88)
        pace = 5.0 if i == 17 else rng.uniform(0.8, 6.0)
        curves[f"c{i}"] = [top - (top - 0.1) * math.exp(-t / pace) + 0.004 * math.sin(3 * t + i)
                           for t in range(1, STEPS + 1)]  # fmt: skip
    return curves


def _run_population(pruner: hs.pruners.Pruner) -> tuple[int, str]:
    curves = _population()
    used = [0]

    def objective(params: dict[str, str], trial: hs.Trial) -> float:
        for step, value in enumerate(curves[params["name"]], 1):
            used[0] += 1
            trial.report(value, step)
            if step < STEPS and trial.should_prune():
                raise hs.TrialPruned()
        return curves[params["name"]][-1]

    study = hs.create_study(space={"name": hs.Categorical(list(curves))}, direction="maximize",
                            sampler="grid", pruner=pruner, seed=0)  # fmt: skip
    study.optimize(objective, n_trials=None)
    return used[0], str(study.best_params["name"])


def test_the_rungs_cap_the_epochs_of_a_population_and_keep_its_slow_best() -> None:
    """30 distinct curves (no twins): the rungs cut the epochs well below the forecast
    alone, and both keep the slow starter that ends best."""
    capped, best = _run_population(hs.pruners.Forecast())
    alone, best_alone = _run_population(hs.pruners.Forecast(rungs=()))
    assert best == best_alone == "c17"
    assert capped <= 0.40 * 30 * STEPS < alone


@pytest.mark.parametrize(
    "bad",
    [
        {"n_neighbors": 0},
        {"min_trials": 0},
        {"window": 0},
        {"grace": -1},
        {"trend": -1},
        {"quantile": 1.5},
        {"quantile": -0.1},
        {"rungs": (0, 2)},
        {"keep": 0.0},
        {"keep": 1.5},
    ],
)
def test_bad_arguments_name_the_rule(bad: dict[str, int]) -> None:
    with pytest.raises(ValueError, match="Forecast"):
        hs.pruners.Forecast(**bad)


def test_quantile_must_be_a_number() -> None:
    with pytest.raises(TypeError, match="Forecast: quantile must be a number"):
        hs.pruners.Forecast(quantile="high")  # type: ignore[arg-type]
