"""ASHA on hand-made curves (promotions computed by hand) and in a parallel study."""

from __future__ import annotations

import doctest
import math
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

import hypersweep as hs
from hypersweep.pruners import ASHA
from hypersweep.pruners.asha import rung_value
from hypersweep.trial import FrozenTrial, TrialState

from .helpers import frozen, history, running


def steps(values: Sequence[float]) -> dict[int, float]:
    return dict(enumerate(values))


# Curves over steps 0..8, minimising; ASHA(min_resource=1, eta=2, max_resource=8): rungs 1, 2, 4.
# Worked by hand, trials run one after another (peers: values at the rung, n: with itself,
# keep: ceil(n / 2) best):
CURVES: list[dict[int, float]] = [
    steps([0.5] * 9),  # 0: alone at every rung -> runs to step 8
    steps([0.6] * 9),  # 1: rung 1 {.5}: n=2 keep 1, .5 better -> pruned at 1
    steps([0.4] * 9),  # 2: rung 1 {.5 .6} keep 2; rung 2 {.5} best; rung 4 {.5} best -> 8
    steps([0.55] * 2 + [0.3] * 7),  # 3: rung 1 {.5 .6 .4}: n=4 keep 2, 2 better -> pruned at 1
    steps([0.45] * 4 + [0.6] * 5),  # 4: r1 n=5 keep 3, 1 better; r2 {.5 .4} 1 better of keep 2;
    #                                    r4 .6 vs {.5 .4}: 2 better -> pruned at 4
    steps([0.52] * 9),  # 5: rung 1: n=6 keep 3, better .5 .4 .45 -> pruned at 1
    steps([0.48] * 2 + [0.35] * 2 + [0.45] * 5),  # 6: r1 n=7 keep 4, 2 better; r2 .35 best of
    #                                 {.5 .4 .45}; r4 .45 vs {.5 .4 .6}: n=4 keep 2, 1 better -> 8
    steps([0.49] * 2 + [0.47] * 7),  # 7: r1 n=8 keep 4, 3 better; r2 .47 vs {.5 .4 .45 .35}:
    #                                    n=5 keep 3, 3 better -> pruned at 2
    {0: 0.3, 3: 0.42, 6: 0.38, 9: 0.38},  # 8: skips rungs: step 3 crosses rungs 1 and 2 with .42:
    #     r1 vs 8 values, n=9 keep 5, 1 better; r2 vs {.5 .4 .45 .35 .47}: n=6 keep 3,
    #     2 better (.4 .35); step 6 crosses r4 with .38, best of {.5 .4 .6 .45}; 9 > max -> 9
    {0: 0.9, 8: 0.9},  # 9: the first report at max_resource: never pruned there
]
EXPECTED_LAST = [8, 1, 8, 1, 4, 1, 8, 2, 9, 8]


def run_in_order(
    pruner: hs.pruners.Pruner, curves: Sequence[dict[int, float]], direction: str = "minimize"
) -> list[int]:
    """Run the curves one trial after another; the last step each trial reported."""
    done: list[FrozenTrial] = []
    last = []
    for number, c in enumerate(curves):
        reported: dict[int, float] = {}
        state = TrialState.COMPLETE
        for s in sorted(c):
            reported[s] = c[s]
            t = running(number, reported)
            if pruner.prune(history([*done, t], direction), t):
                state = TrialState.PRUNED
                break
        done.append(frozen(number, reported, state))
        last.append(max(reported))
    return last


def test_asha_promotions_at_successive_rungs_by_hand() -> None:
    asha = ASHA(min_resource=1, reduction_factor=2, max_resource=8)
    assert asha.rungs(100) == [1, 2, 4]
    assert run_in_order(asha, CURVES) == EXPECTED_LAST


def test_asha_maximize_mirrors_minimize() -> None:
    asha = ASHA(min_resource=1, reduction_factor=2, max_resource=8)
    negated = [{s: -v for s, v in c.items()} for c in CURVES]
    assert run_in_order(asha, negated, "maximize") == EXPECTED_LAST
    assert run_in_order(asha, CURVES, "maximize") != EXPECTED_LAST


def test_asha_without_max_resource_judges_every_rung() -> None:
    # trial 9 reaches rung 8 (step 8) with .9, worse than {.5 .4 .45} -> pruned there
    asha = ASHA(min_resource=1, reduction_factor=2)
    assert run_in_order(asha, CURVES) == [*EXPECTED_LAST[:-1], 8]
    assert asha.rungs(40) == [1, 2, 4, 8, 16, 32]


def test_asha_rungs_start_at_the_early_stopping_rate() -> None:
    asha = ASHA(min_resource=2, reduction_factor=3, min_early_stopping_rate=1, max_resource=54)
    assert asha.rungs(1000) == [6, 18]  # 54 is max_resource: never judged there
    assert asha.rungs(17) == [6]


def test_asha_counts_running_trials_ignores_waiting_and_trials_below_the_rung() -> None:
    asha = ASHA(min_resource=1, reduction_factor=2)
    new = running(9, {0: 0.5, 1: 0.5})
    peers = [
        running(0, {0: 0.1, 1: 0.1, 2: 0.1}),  # running, past rung 1: counts (better)
        frozen(1, {0: 0.1}, TrialState.PRUNED),  # never reached rung 1
        frozen(2, {1: 0.2}, TrialState.WAITING),  # waiting: ignored whatever it holds
        frozen(3, {0: 0.9, 1: 0.9}, TrialState.FAIL),  # failed after rung 1: counts (worse)
    ]
    # n = 3 (0, 3 and itself), keep ceil(3/2) = 2, one better -> kept
    assert asha.prune(history([*peers, new]), new) is False
    # with one more better running trial: n = 4, keep 2, two better -> pruned
    more = [*peers, running(4, {1: 0.3})]
    assert asha.prune(history([*more, new]), new) is True


def test_asha_judges_a_rung_once_and_never_past_max_resource() -> None:
    asha = ASHA(min_resource=1, reduction_factor=2, max_resource=4)
    peers = [frozen(i, {1: 0.1, 2: 0.1, 3: 0.1, 4: 0.1}) for i in range(3)]
    t = running(5, {0: 1.0, 1: 1.0})
    assert asha.prune(history([*peers, t]), t) is True  # rung 1: worst of 4
    assert asha.prune(history([*peers, t]), t) is True  # the same question, the same answer
    t = running(5, {0: 1.0, 1: 1.0, 3: 1.0})  # step 3 is no rung, but rung 2 was crossed
    assert asha.prune(history([*peers, t]), t) is True
    t = running(5, {1: 1.0, 2: 1.0, 3: 1.0})
    assert asha.prune(history([*peers, t]), t) is False  # step 3: no rung crossed
    t = running(5, {0: 1.0, 4: 1.0})
    assert asha.prune(history([*peers, t]), t) is False  # at max_resource
    t = running(5, {0: 1.0, 7: 1.0})
    assert asha.prune(history([*peers, t]), t) is False  # past max_resource
    t = running(5, {0: 1.0})
    assert asha.prune(history([*peers, t]), t) is False  # below the first rung


def test_asha_ties_keep_and_nan_is_pruned_and_ranked_last() -> None:
    asha = ASHA(min_resource=1, reduction_factor=2)
    peers = [frozen(0, {1: 0.5})]
    t = running(1, {1: 0.5})
    assert asha.prune(history([*peers, t]), t) is False  # a tie is the best so far
    t = running(1, {1: math.nan})
    assert asha.prune(history([*peers, t]), t) is True
    nan_peer = [frozen(0, {1: math.nan})]
    t = running(1, {1: 7.0})
    assert asha.prune(history([*nan_peer, t]), t) is False


def test_rung_value_is_the_value_with_which_a_trial_crossed_the_rung() -> None:
    t = running(0, {0: 0.9, 3: 0.5, 7: 0.2})
    assert [rung_value(t, r) for r in (0, 1, 3, 4, 7, 8)] == [0.9, 0.5, 0.5, 0.2, 0.2, None]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"min_resource": 0}, "ASHA: min_resource must be an integer >= 1, but got 0"),
        ({"reduction_factor": 1}, "ASHA: reduction_factor must be an integer >= 2, but got 1"),
        ({"reduction_factor": 2.5}, "ASHA: reduction_factor must be an integer >= 2, but got 2.5"),
        (
            {"min_early_stopping_rate": -1},
            "ASHA: min_early_stopping_rate must be an integer >= 0, but got -1",
        ),
        ({"max_resource": 0}, "ASHA: max_resource must be an integer >= 1, but got 0"),
        (
            {"min_resource": 5, "max_resource": 4},
            r"ASHA: max_resource must be >= min_resource \(5\), but got 4",
        ),
    ],
)
def test_asha_validates_options(kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message.replace(".5", r"\.5")):
        ASHA(**kwargs)  # type: ignore[arg-type]


# --- in a study ------------------------------------------------------------------------

MAX_STEP = 9  # reports at steps 0..9; ASHA(eta 3, max_resource 9): rungs 1 and 3
ETA = 3


def objective(trial: hs.Trial) -> float:
    x = trial.suggest_float("x", -2, 2)
    value = 0.0
    for step in range(MAX_STEP + 1):
        time.sleep(0.003)  # an epoch takes time: both workers get trials even on a busy machine
        value = (x * x + 0.1) / (1 + step)
        trial.report(value, step)
        if trial.should_prune():
            raise hs.TrialPruned()
    return value


def better_count(value: float, peers: Sequence[FrozenTrial], rung: int) -> tuple[int, int]:
    """(values at ``rung`` among ``peers``, how many of them beat ``value``)."""
    at = [v for v in (rung_value(u, rung) for u in peers) if v is not None]
    return len(at), sum(v < value for v in at)


def test_asha_in_a_serial_study_matches_a_replay_in_number_order() -> None:
    study = hs.create_study(seed=3, pruner=ASHA(reduction_factor=ETA, max_resource=MAX_STEP))
    study.optimize(objective, 30)
    trials = study.trials
    for t in trials:
        earlier = trials[: t.number]
        for rung in (1, 3):
            if t.last_step is None or t.last_step < rung:
                continue
            n, better = better_count(t.intermediate[rung], earlier, rung)
            pruned_here = better >= math.ceil((n + 1) / ETA)
            assert pruned_here == (t.state is TrialState.PRUNED and t.last_step == rung)
            if pruned_here:
                break
    assert any(t.state is TrialState.PRUNED for t in trials)
    assert any(t.last_step == MAX_STEP for t in trials)


def test_asha_in_a_parallel_sqlite_study_decides_from_the_stored_curves(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'asha.db'}"
    pruner = ASHA(reduction_factor=ETA, max_resource=MAX_STEP)
    study = hs.create_study("asha", storage=url, seed=0, pruner=pruner, sampler="random")
    study.optimize(objective, 30, n_jobs=2)
    trials = study.trials
    assert len(trials) == 30 and len({t.system_attrs["worker"]["pid"] for t in trials}) == 2
    assert all(t.state in (TrialState.COMPLETE, TrialState.PRUNED) for t in trials)
    assert any(t.last_step == MAX_STEP for t in trials)
    assert sum(t.state is TrialState.PRUNED for t in trials) >= 10
    for t in trials:
        assert t.started is not None and t.finished is not None
        others = [u for u in trials if u.number != t.number]
        # values surely seen at the decision: trials that finished before t started;
        # values possibly seen: every other trial that reached the rung
        sure = [u for u in others if u.finished is not None and u.finished < t.started]
        assert t.last_step is not None
        for rung in (1, 3):
            if t.last_step < rung:
                break
            v = t.intermediate[rung]
            n_all, better_all = better_count(v, others, rung)
            n_sure, better_sure = better_count(v, sure, rung)
            if t.state is TrialState.PRUNED and t.last_step == rung:
                # pruned: ceil(n/eta) better values among those seen, n >= n_sure + 1
                assert better_all >= math.ceil((n_sure + 1) / ETA)
            else:  # kept: fewer than ceil(n/eta) better among those seen, n <= n_all + 1
                assert better_sure < math.ceil((n_all + 1) / ETA)
        if t.state is TrialState.PRUNED:
            assert t.last_step in (1, 3)  # pruned only at rungs


def test_docstring_example_runs() -> None:
    import hypersweep.pruners.asha as mod

    result = doctest.testmod(mod)
    assert result.attempted > 0 and result.failed == 0


def test_projected_rung_values_spare_a_slow_starter_and_stop_a_hopeless_curve() -> None:
    """Hand-made curves (maximising, 20 steps, rungs 2, 6, 18 from the budget): fast
    configurations plateau at 0.90; a slow starter is behind at step 6 but still
    climbing by a doubling's worth and finishes at 0.95; a hopeless one is flat at 0.3.
    Ranked on its last value the slow starter is stopped at step 6; ranked on its
    projected value it runs on, and the hopeless curve stops at the first rung."""
    from hypersweep.pruners.asha import projected

    def fast(n: int) -> FrozenTrial:
        return frozen(n, {s: 0.9 - 0.2 / s for s in range(1, 21)})

    slow = {s: 0.95 - 0.6 / s**0.8 for s in range(1, 21)}
    done = [fast(n) for n in range(6)]
    at6 = running(10, {s: v for s, v in slow.items() if s <= 6})
    h = history([*done, at6], "maximize")
    last = ASHA(min_resource="auto", reduction_factor=3)
    proj = ASHA(min_resource="auto", reduction_factor=3, value="projected")
    assert last.prune(h, at6)
    assert not proj.prune(h, at6)
    assert proj.min_resource == 2 and proj.rungs(20) == [2, 6, 18]
    p = projected(at6, 6, 20)
    assert p is not None and p > 0.9 > at6.intermediate[6]
    hopeless = running(11, {1: 0.3, 2: 0.3})
    assert proj.prune(history([*done, hopeless], "maximize"), hopeless)
