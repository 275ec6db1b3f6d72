"""CannotWin on hand-made running means: exact decisions at the bound, both directions,
and how ``with_n_parts`` fills in the number of parts inside AnyOf / AllOf."""

from __future__ import annotations

import doctest

import pytest

import hypersweep as hs
from hypersweep.pruners import AllOf, AnyOf, CannotWin, Median, Pruner
from hypersweep.pruners import cannot_win as module
from hypersweep.pruners.cannot_win import with_n_parts
from hypersweep.trial import FrozenTrial, TrialState

from .helpers import history, running


def done(number: int, value: float, state: TrialState = TrialState.COMPLETE) -> FrozenTrial:
    return FrozenTrial(number=number, state=state, values=(value,))


def decide(
    pruner: Pruner, finished: list[FrozenTrial], means: dict[int, float], direction: str
) -> bool:
    t = running(99, means)
    return pruner.prune(history([*finished, t], direction), t)


def test_maximise_stops_exactly_when_the_best_possible_mean_is_below_the_leader() -> None:
    # dyadic values, exact in binary: best complete 0.75, 4 parts, max 1.0
    leader = [done(0, 0.75), done(1, 0.5)]
    p = CannotWin(n_parts=4)
    # after 1 part: best reachable (m + 3) / 4 -> stops when m < 0
    assert decide(p, leader, {1: -0.25}, "maximize")
    assert not decide(p, leader, {1: 0.0}, "maximize")  # reaches 0.75 exactly: a tie runs on
    # after 2 parts: (2m + 2) / 4 -> stops when m < 0.5
    assert decide(p, leader, {1: 0.5, 2: 0.25}, "maximize")
    assert not decide(p, leader, {1: 0.5, 2: 0.5}, "maximize")  # tie
    # after 3 parts: (3m + 1) / 4 -> stops when m < 2/3
    assert decide(p, leader, {1: 0.5, 2: 0.5, 3: 0.625}, "maximize")
    assert not decide(p, leader, {1: 0.5, 2: 0.5, 3: 0.6875}, "maximize")
    # a smaller max_score tightens the bound: (2 * 0.625 + 2 * 0.875) / 4 = 0.75, a tie
    assert not decide(CannotWin(n_parts=4, max_score=0.875), leader, {2: 0.625}, "maximize")
    assert decide(CannotWin(n_parts=4, max_score=0.875), leader, {2: 0.5}, "maximize")
    assert not decide(CannotWin(n_parts=4), leader, {2: 0.5}, "maximize")  # max 1.0: 0.75


def test_minimise_mirrors_maximise() -> None:
    # losses in [0, inf): max_score is the best (lowest) value of one part
    leader = [done(0, 0.25), done(1, 0.5)]
    p = CannotWin(n_parts=4, max_score=0.0)
    assert decide(p, leader, {1: 1.25}, "minimize")  # (1.25 + 0) / 4 = 0.3125 > 0.25
    assert not decide(p, leader, {1: 1.0}, "minimize")  # 0.25: a tie runs on
    assert decide(p, leader, {2: 0.625}, "minimize")  # 1.25 / 4 = 0.3125
    assert not decide(p, leader, {2: 0.5}, "minimize")
    # the same situation negated and maximised decides the same
    neg = [done(0, -0.25), done(1, -0.5)]
    assert decide(p, neg, {1: -1.25}, "maximize")
    assert not decide(p, neg, {1: -1.0}, "maximize")


def test_nothing_to_decide() -> None:
    p = CannotWin(n_parts=4)
    assert not decide(p, [], {1: -10.0}, "maximize")  # no complete trial yet
    # pruned and failed trials do not set the bar: only complete ones
    others = [done(0, 0.75, TrialState.PRUNED), done(1, 0.75, TrialState.FAIL)]
    assert not decide(p, others, {1: -10.0}, "maximize")
    leader = [done(0, 0.75)]
    assert not decide(p, leader, {}, "maximize")  # nothing reported
    assert not decide(p, leader, {0: -10.0}, "maximize")  # step 0: no part done
    assert not decide(p, leader, {4: -10.0}, "maximize")  # every part done
    assert not decide(p, leader, {5: -10.0}, "maximize")


def test_a_running_mean_beyond_max_score_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match=r"beyond max_score=1\.0"):
        decide(CannotWin(n_parts=4), [done(0, 0.75)], {1: 1.5}, "maximize")
    with pytest.raises(ValueError, match=r"beyond max_score=0\.0"):
        decide(CannotWin(n_parts=4, max_score=0.0), [done(0, 0.75)], {1: -0.5}, "minimize")
    # a mean rounded a hair above the maximum is not an error (and cannot be stopped)
    assert not decide(CannotWin(n_parts=4), [done(0, 1.0)], {1: 1.0 + 1e-12}, "maximize")


def test_arguments_are_checked() -> None:
    with pytest.raises(ValueError, match="n_parts must be an integer >= 2"):
        CannotWin(n_parts=1)
    with pytest.raises(ValueError, match="n_parts must be an integer >= 2"):
        CannotWin(n_parts=True)
    with pytest.raises(TypeError, match="max_score must be a number"):
        CannotWin(max_score="1")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_score must be finite"):
        CannotWin(max_score=float("inf"))
    with pytest.raises(ValueError, match="n_parts is unknown"):
        decide(CannotWin(), [done(0, 0.75)], {1: 0.5}, "maximize")


def test_with_n_parts_fills_nested_pruners_in_copies() -> None:
    inner = CannotWin()
    median = Median()
    tree = AnyOf(median, AllOf(Median(n_startup_trials=1), inner))
    filled = with_n_parts(tree, 4)
    assert isinstance(filled, AnyOf) and filled is not tree
    assert filled.pruners[0] is median  # nothing to fill: the same object
    nested = filled.pruners[1]
    assert isinstance(nested, AllOf)
    found = nested.pruners[1]
    assert isinstance(found, CannotWin) and found.n_parts == 4 and found is not inner
    assert inner.n_parts is None  # the caller's pruner is untouched
    # the filled tree decides with the bound: 2 parts of 0, at best 0.5 < 0.75
    leader = [done(0, 0.75)]
    assert decide(AnyOf(Median(), with_n_parts(CannotWin(), 4)), leader, {2: 0.0}, "maximize")
    # a pruner without CannotWin comes back as it was; a set n_parts must agree
    assert with_n_parts(median, 4) is median
    given = CannotWin(n_parts=4)
    assert with_n_parts(AnyOf(given), 4).pruners[0] is given  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match=r"CannotWin\(n_parts=4\) does not match the 5 parts"):
        with_n_parts(AllOf(median, given), 5)


def test_exported_and_documented() -> None:
    assert hs.pruners.CannotWin is CannotWin
    from hypersweep.sklearn import CannotWin as from_sklearn

    assert from_sklearn is CannotWin
    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0
