"""Pruner.fidelity(): the typed contract through which samplers and data fidelity
read where a pruner compares trials (rungs, brackets, full budget)."""

from __future__ import annotations

import pytest

import hypersweep as hs
from hypersweep.history import Bracket, Fidelity, History, Ladder
from hypersweep.pruners import (
    ASHA,
    AllOf,
    AnyOf,
    CannotWin,
    Hyperband,
    Median,
    NoPruning,
    Patience,
    Threshold,
)
from hypersweep.trial import Direction


@pytest.mark.parametrize(
    "pruner",
    [
        NoPruning(),
        Median(),
        Patience(patience=2),
        Threshold(),
        CannotWin(),
        AnyOf(Median(), Patience(patience=2)),
        AllOf(Threshold()),
    ],
)
def test_pruners_without_rungs_have_no_fidelity(pruner: hs.pruners.Pruner) -> None:
    assert pruner.fidelity() is None
    assert History(Direction.MINIMIZE, None, list, pruner=pruner).fidelity() is None


def test_asha_is_one_bracket_of_its_rungs() -> None:
    asha = ASHA(min_resource=2, reduction_factor=3, min_early_stopping_rate=1, max_resource=54)
    f = asha.fidelity()
    assert f == Fidelity((Bracket(0, 1, (Ladder(6, 3, 54),)),), max_resource=54)
    assert f.rungs(1000) == asha.rungs(1000) == [6, 18]
    assert f.rungs(1000, number=7) == [6, 18]
    assert ASHA().fidelity().max_resource is None and ASHA().fidelity().rungs(20) == [1, 4, 16]


def test_hyperband_brackets_and_assignment_match_the_pruner() -> None:
    hb = Hyperband(min_resource=1, max_resource=27, reduction_factor=3)
    f = hb.fidelity()
    assert [b.name for b in f.brackets] == [3, 2, 1, 0]
    assert {b.name: b.share for b in f.brackets} == hb.budgets
    assert {b.name: b.rungs(100) for b in f.brackets} == {
        s: a.rungs(100) for s, a in hb.brackets.items()
    }
    assert f.rungs(100) == [1, 3, 9] and f.max_resource == 27
    for number in range(50):
        assert f.bracket_of(number).name == hb.bracket_of(number)
        assert f.rungs(100, number) == hb.brackets[hb.bracket_of(number)].rungs(100)


def test_compositions_pass_the_rungs_of_their_members_through() -> None:
    asha = ASHA(min_resource=2, reduction_factor=2, max_resource=20)
    hb = Hyperband(min_resource=1, max_resource=27, reduction_factor=3)
    for kind in (AnyOf, AllOf):
        assert kind(Patience(patience=3), asha).fidelity() == asha.fidelity()
        assert kind(hb, Median()).fidelity() == hb.fidelity()
    both = AnyOf(hb, asha).fidelity()
    assert both is not None and both.max_resource == 27
    assert both.rungs(30) == [1, 2, 3, 4, 8, 9, 16]
    # each trial keeps its Hyperband bracket, and is also judged at ASHA's rungs
    for number in range(20):
        own = hb.brackets[hb.bracket_of(number)].rungs(30)
        assert both.rungs(30, number) == sorted({*own, 2, 4, 8, 16})
    nested = AllOf(AnyOf(Median(), asha), Threshold()).fidelity()
    assert nested == asha.fidelity()


def test_a_users_pruner_inherits_no_fidelity() -> None:
    class Never(hs.pruners.Pruner):
        def prune(self, history: History, trial: hs.FrozenTrial) -> bool:
            return False

    assert Never().fidelity() is None


def test_ladder_stops_below_its_end() -> None:
    assert Ladder(1, 2, 8).rungs(100) == [1, 2, 4]
    assert Ladder(3, 3).rungs(27) == [3, 9, 27]
    assert Ladder(5, 2).rungs(4) == []
