"""ASHA, Hyperband and Median on vector reports: ranked by Pareto dominance at a step."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

import pytest

from hypersweep.history import History
from hypersweep.pruners import ASHA, Hyperband, Median
from hypersweep.pruners._ranks import n_ahead, n_dominating
from hypersweep.trial import Direction, FrozenTrial, TrialState

from .helpers import frozen, history, running

MAX_MIN = (Direction.MAXIMIZE, Direction.MINIMIZE)  # accuracy up, latency down

# finished peers at step 1: (accuracy, latency), a front from fast-and-rough to slow-and-good
PEERS = [(0.70, 2.0), (0.80, 4.0), (0.88, 8.0), (0.92, 16.0), (0.65, 5.0), (0.75, 9.0)]


def vec(number: int, points: dict[int, Sequence[float]], state: TrialState) -> FrozenTrial:
    curve = {s: tuple(map(float, v)) for s, v in points.items()}
    values = curve[max(curve)] if state is TrialState.COMPLETE else None
    return FrozenTrial(number=number, state=state, intermediate=curve, values=values)


def mo_history(trials: Sequence[FrozenTrial], directions: Sequence[Direction] = MAX_MIN) -> History:
    listed = list(trials)
    return History(directions[0], None, lambda: listed, directions=directions)


def judge(pruner: ASHA | Median | Hyperband, point: Sequence[float], step: int = 1) -> bool:
    done = [vec(i, {step: p}, TrialState.COMPLETE) for i, p in enumerate(PEERS)]
    new = vec(len(done), {step: point}, TrialState.RUNNING)
    return pruner.prune(mo_history([*done, new]), new)


@pytest.mark.parametrize("pruner", [ASHA(reduction_factor=3), Median(n_startup_trials=3)])
def test_a_trial_dominated_by_most_peers_stops(pruner: ASHA | Median) -> None:
    assert judge(pruner, (0.60, 10.0))  # worse than 5 of the 6 in both objectives


@pytest.mark.parametrize("pruner", [ASHA(reduction_factor=3), Median(n_startup_trials=3)])
def test_a_trial_that_dominates_its_peers_continues(pruner: ASHA | Median) -> None:
    assert not judge(pruner, (0.93, 1.5))


@pytest.mark.parametrize("pruner", [ASHA(reduction_factor=4), Median(n_startup_trials=3)])
@pytest.mark.parametrize("point", [(0.99, 100.0), (0.10, 0.5)])
def test_a_trial_best_in_one_objective_only_continues(
    pruner: ASHA | Median, point: tuple[float, float]
) -> None:
    # the most accurate (or the fastest) of all, however bad in the other objective
    assert not judge(pruner, point)


def test_asha_cuts_a_crowded_front_member_when_the_front_fills_the_kept_share() -> None:
    # seven points on one front, eta 4: two continue; the ends (infinite crowding distance)
    # are ahead of a point squeezed between two neighbours
    front = [(0.50, 1.0), (0.60, 2.0), (0.70, 3.0), (0.80, 4.0), (0.90, 5.0), (0.95, 8.0)]
    done = [vec(i, {1: p}, TrialState.COMPLETE) for i, p in enumerate(front)]
    squeezed = vec(6, {1: (0.81, 4.1)}, TrialState.RUNNING)
    assert ASHA(reduction_factor=4).prune(mo_history([*done, squeezed]), squeezed)
    end = vec(6, {1: (0.97, 9.0)}, TrialState.RUNNING)  # the front's new upper end
    assert not ASHA(reduction_factor=4).prune(mo_history([*done, end]), end)


@pytest.mark.parametrize("pruner", [ASHA(reduction_factor=3), Median(n_startup_trials=0)])
def test_a_vector_with_nan_is_pruned(pruner: ASHA | Median) -> None:
    assert judge(pruner, (math.nan, 1.0))


def test_nan_peers_never_rank_ahead() -> None:
    peers = [(math.nan, 0.0), (1.0, math.nan)]
    assert n_ahead((0.5, 3.0), peers, MAX_MIN) == 0
    assert n_dominating((0.5, 3.0), peers, MAX_MIN) == 0


def test_median_needs_more_than_half_dominating() -> None:
    # dominated by exactly 2 of 4 peers: kept; by 3 of 4: pruned
    peers = [(0.9, 1.0), (0.8, 2.0), (0.1, 9.0), (0.2, 8.0)]
    done = [vec(i, {0: p}, TrialState.COMPLETE) for i, p in enumerate(peers)]
    half = vec(4, {0: (0.5, 5.0)}, TrialState.RUNNING)
    assert not Median(n_startup_trials=0).prune(mo_history([*done, half]), half)
    more = vec(4, {0: (0.5, 5.0)}, TrialState.RUNNING)
    done[2] = vec(2, {0: (0.6, 4.0)}, TrialState.COMPLETE)
    assert Median(n_startup_trials=0).prune(mo_history([*done, more]), more)


def test_median_waits_for_its_startup_trials_with_vectors() -> None:
    assert not judge(Median(n_startup_trials=7), (0.60, 10.0))


def test_hyperband_ranks_vectors_within_a_bracket() -> None:
    hb = Hyperband(min_resource=1, max_resource=9, reduction_factor=3)
    aggressive = [n for n in range(200) if hb.bracket_of(n) == hb.s_max]
    done = [vec(n, {1: p}, TrialState.COMPLETE) for n, p in zip(aggressive, PEERS, strict=False)]
    bad = vec(aggressive[len(done)], {1: (0.60, 10.0)}, TrialState.RUNNING)
    good = vec(aggressive[len(done)], {1: (0.95, 1.0)}, TrialState.RUNNING)
    assert hb.prune(mo_history([*done, bad]), bad)
    assert not hb.prune(mo_history([*done, good]), good)


def test_scalar_reports_in_a_multiobjective_study_ignore_vector_peers() -> None:
    done = [vec(i, {1: p}, TrialState.COMPLETE) for i, p in enumerate(PEERS)]
    numbers = [FrozenTrial(10 + i, TrialState.COMPLETE, intermediate={1: v}, values=(v, 1.0))
               for i, v in enumerate([0.9, 0.8, 0.7])]  # fmt: skip
    new = FrozenTrial(20, TrialState.RUNNING, intermediate={1: 0.95})  # the first direction
    assert ASHA(reduction_factor=3).prune(mo_history([*done, *numbers, new]), new) is False
    worst = FrozenTrial(20, TrialState.RUNNING, intermediate={1: 0.1})
    assert ASHA(reduction_factor=3).prune(mo_history([*done, *numbers, worst]), worst) is True
    assert Median(n_startup_trials=0).prune(mo_history([*done, *numbers, worst]), worst) is True


@pytest.mark.parametrize("value", ["last", "best"])
def test_asha_on_vectors_with_a_constant_objective_decides_as_on_numbers(value: str) -> None:
    """A second objective that never varies adds nothing: the vector rule then takes the
    very decisions the single-objective rule takes (randomised curves, fixed seed)."""
    rng = random.Random(3)
    disagree = 0
    for _ in range(150):
        n_peers, eta = rng.randint(0, 12), rng.choice([2, 3, 4])
        curves = [[round(rng.random(), 1) for _ in range(4)] for _ in range(n_peers + 1)]
        states = [TrialState.COMPLETE] * n_peers + [TrialState.RUNNING]
        pairs = list(enumerate(zip(curves, states, strict=True)))
        scalar = [frozen(i, dict(enumerate(c)), s) for i, (c, s) in pairs]
        vector = [vec(i, {k: (v, 7.0) for k, v in enumerate(c)}, s) for i, (c, s) in pairs]
        for step in range(1, 4):  # the new trial reports step by step
            cut_s = {k: v for k, v in scalar[-1].intermediate.items() if k <= step}
            cut_v = {k: v for k, v in vector[-1].intermediate.items() if k <= step}
            new_s = running(n_peers, cut_s)
            new_v = vec(n_peers, cut_v, TrialState.RUNNING)
            a = ASHA(reduction_factor=eta, value=value).prune(history([*scalar[:-1], new_s]), new_s)
            b = ASHA(reduction_factor=eta, value=value).prune(
                mo_history([*vector[:-1], new_v], (Direction.MINIMIZE, Direction.MINIMIZE)), new_v
            )
            disagree += a != b
    assert disagree == 0


def test_median_on_vectors_with_a_constant_objective_decides_as_on_numbers() -> None:
    """With an odd number of peers, "more than half dominate it" is "worse than the
    median" when only one objective varies."""
    rng = random.Random(5)
    for _ in range(200):
        n_peers = rng.choice([1, 3, 5, 7, 9])
        values = [round(rng.random(), 1) for _ in range(n_peers + 1)]
        scalar = [frozen(i, {2: v}) for i, v in enumerate(values[:-1])]
        vector = [vec(i, {2: (v, 1.0)}, TrialState.COMPLETE) for i, v in enumerate(values[:-1])]
        new_s = running(n_peers, {2: values[-1]})
        new_v = vec(n_peers, {2: (values[-1], 1.0)}, TrialState.RUNNING)
        m = Median(n_startup_trials=0)
        both = (Direction.MAXIMIZE, Direction.MAXIMIZE)
        assert m.prune(history([*scalar, new_s], "maximize"), new_s) == m.prune(
            mo_history([*vector, new_v], both), new_v
        )


def test_best_and_projected_vectors_work_per_objective() -> None:
    from hypersweep.pruners._ranks import best_vector_at, projected_vector

    t = vec(0, {1: (0.5, 4.0), 2: (0.7, 6.0), 4: (0.6, 5.0)}, TrialState.RUNNING)
    assert best_vector_at(t, 3, MAX_MIN) == (0.7, 4.0)  # up to step 4: best of each column
    assert best_vector_at(t, 5, MAX_MIN) is None
    # from step 2 to 4 accuracy fell 0.1 and latency 1.0: carried on over log2(16/4) = 2
    assert projected_vector(t, 3, 16, 2) == pytest.approx((0.4, 3.0))
    slow = vec(1, {1: (0.2, 9.0), 2: (0.4, 9.0)}, TrialState.RUNNING)  # still climbing
    peers = [vec(i + 2, {1: (0.5, 9.0), 2: (0.5, 9.0)}, TrialState.COMPLETE) for i in range(3)]
    h = mo_history([*peers, slow])
    assert ASHA(reduction_factor=2, min_resource=2).prune(h, slow)
    projected = ASHA(reduction_factor=2, min_resource=2, max_resource=64, value="projected")
    assert not projected.prune(h, slow)  # 0.4 + 0.2 * log2(64 / 2) = 1.4 projected
