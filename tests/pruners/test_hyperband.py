"""Hyperband: bracket layout, stable and proportional assignment, per-bracket ASHA."""

from __future__ import annotations

import doctest
import math
import subprocess
import sys
from collections import Counter

import pytest

import hypersweep as hs
from hypersweep.pruners import ASHA, Hyperband
from hypersweep.trial import TrialState

from .helpers import frozen, history, running


def test_brackets_follow_li_et_al() -> None:
    hb = Hyperband(min_resource=1, max_resource=9, reduction_factor=3)
    assert hb.s_max == 2
    assert hb.budgets == {2: 9, 1: 5, 0: 3}  # ceil(3 * 3^s / (s + 1))
    assert {s: a.rungs(100) for s, a in hb.brackets.items()} == {2: [1, 3], 1: [3], 0: []}
    hb = Hyperband(min_resource=2, max_resource=20, reduction_factor=2)  # 2 * 2^3 = 16 <= 20
    assert hb.s_max == 3
    assert {s: a.rungs(100) for s, a in hb.brackets.items()} == {
        3: [2, 4, 8, 16], 2: [4, 8, 16], 1: [8, 16], 0: [16],
    }  # fmt: skip
    assert Hyperband(min_resource=5, max_resource=5).budgets == {0: 1}


def test_bracket_assignment_is_stable_across_instances_and_processes() -> None:
    hb = Hyperband(max_resource=27)
    first = [hb.bracket_of(i) for i in range(20)]
    assert first == [2, 3, 3, 0, 3, 1, 1, 1, 0, 3, 3, 3, 3, 3, 2, 3, 0, 0, 2, 0]
    assert [Hyperband(max_resource=27).bracket_of(i) for i in range(20)] == first
    code = (
        "from hypersweep.pruners import Hyperband;"
        "print([Hyperband(max_resource=27).bracket_of(i) for i in range(20)])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True,
        env={"PYTHONHASHSEED": "123"},
    )  # fmt: skip
    assert out.stdout.strip() == str(first)


@pytest.mark.parametrize("max_resource", [9, 27, 81])
def test_bracket_assignment_is_roughly_proportional_to_budgets(max_resource: int) -> None:
    hb = Hyperband(max_resource=max_resource)
    counts = Counter(hb.bracket_of(i) for i in range(3000))
    total = sum(hb.budgets.values())
    assert set(counts) == set(hb.budgets)
    for s, budget in hb.budgets.items():
        expected = 3000 * budget / total
        assert abs(counts[s] - expected) <= 4 * math.sqrt(expected) + 5, (s, counts, expected)


def numbers_in(hb: Hyperband, s: int, k: int, start: int = 0) -> list[int]:
    out = []
    i = start
    while len(out) < k:
        if hb.bracket_of(i) == s:
            out.append(i)
        i += 1
    return out


def test_each_bracket_compares_only_its_own_trials() -> None:
    hb = Hyperband(max_resource=9)  # bracket 2: rungs 1, 3; bracket 1: rung 3; bracket 0: none
    mine = numbers_in(hb, 2, 4)
    strangers = numbers_in(hb, 1, 3) + numbers_in(hb, 0, 3)
    peers = [frozen(n, {1: v, 3: v}) for n, v in zip(mine[:3], (0.1, 0.2, 0.3))]
    peers += [frozen(n, {1: 0.0, 3: 0.0}) for n in strangers]  # better, other brackets
    trials = sorted(peers, key=lambda t: t.number)

    def decide(number: int, curve: dict[int, float]) -> bool:
        t = running(number, curve)
        return hb.prune(history([*trials, t]), t)

    # rung 1 in bracket 2: {.1 .2 .3} + itself, keep ceil(4/3) = 2
    assert decide(mine[3], {1: 0.15}) is False  # one better in its bracket (seven overall)
    assert decide(mine[3], {1: 0.25}) is True
    assert ASHA(reduction_factor=3, max_resource=9).prune(
        history([*trials, running(mine[3], {1: 0.15})]), running(mine[3], {1: 0.15})
    )  # plain ASHA over all trials would prune it
    other = numbers_in(hb, 1, 1, start=max(strangers) + 1)[0]
    assert decide(other, {1: 9.0}) is False  # bracket 1 has no rung at 1
    assert decide(other, {1: 9.0, 3: 9.0}) is True  # at 3: worse than its three peers' 0.0
    full = numbers_in(hb, 0, 1, start=max(strangers) + 1)[0]
    assert not any(decide(full, {s: 9.0}) for s in range(12))  # bracket 0 never prunes here


def test_hyperband_in_a_study_prunes_only_at_its_brackets_rungs() -> None:
    def objective(trial: hs.Trial) -> float:
        x = trial.suggest_float("x", -2, 2)
        value = 0.0
        for step in range(10):
            value = (x * x + 0.1) / (1 + step)
            trial.report(value, step)
            if trial.should_prune():
                raise hs.TrialPruned()
        return value

    hb = Hyperband(max_resource=9)
    study = hs.create_study(seed=1, pruner=hb)
    study.optimize(objective, 40)
    pruned = [t for t in study.trials if t.state is TrialState.PRUNED]
    assert pruned
    for t in pruned:
        assert t.last_step in hb.brackets[hb.bracket_of(t.number)].rungs(9)
    assert all(t.state is TrialState.COMPLETE for t in study.trials if hb.bracket_of(t.number) == 0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"max_resource": 0}, "Hyperband: max_resource must be an integer >= 1, but got 0"),
        (
            {"min_resource": 4, "max_resource": 3},
            r"Hyperband: max_resource must be >= min_resource \(4\), but got 3",
        ),
        ({"max_resource": 9, "reduction_factor": 1}, "reduction_factor must be an integer >= 2"),
        ({"max_resource": 9, "min_resource": 0}, "min_resource must be an integer >= 1, but got 0"),
    ],
)
def test_hyperband_validates_options(kwargs: dict[str, int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Hyperband(**kwargs)  # type: ignore[arg-type]


def test_docstring_example_runs() -> None:
    import hypersweep.pruners.hyperband as mod

    result = doctest.testmod(mod)
    assert result.attempted > 0 and result.failed == 0


def test_hyperband_infers_max_resource_from_the_first_complete_trial() -> None:
    """Without max_resource nothing is pruned until a trial completes; then the brackets
    are those of Hyperband(max_resource=<its last step>), and a later, longer trial does
    not move them."""
    hb = Hyperband(reduction_factor=3)
    assert hb.fidelity() is None and hb.max_resource is None
    bad = running(30, {1: 9.0})
    assert not hb.prune(history([running(0, {1: 1.0}), bad]), bad)  # nothing complete yet
    done = [frozen(i, {s: 1.0 + i / 100 for s in range(1, 10)}) for i in range(1, 20)]
    longer = frozen(0, {s: 1.0 for s in range(1, 28)})  # number 0 but not complete first
    trials = [*done, bad]
    assert hb.prune(history(trials), bad) == Hyperband(max_resource=9).prune(history(trials), bad)
    assert hb.max_resource == 9 and hb.budgets == Hyperband(max_resource=9).budgets
    assert hb.fidelity() == Hyperband(max_resource=9).fidelity()
    hb.prune(history([longer, *trials]), bad)
    assert hb.max_resource == 9
    # the fresh inference picks the lowest-numbered complete trial
    fresh = Hyperband(reduction_factor=3)
    fresh.prune(history([longer, *trials]), bad)
    assert fresh.max_resource == 27


def test_hyperband_without_max_resource_prunes_in_a_study() -> None:
    def objective(trial: hs.Trial) -> float:
        x = trial.suggest_float("x", -2, 2)
        value = 0.0
        for step in range(1, 10):
            value = (x * x + 0.1) / step
            trial.report(value, step)
            if trial.should_prune():
                raise hs.TrialPruned()
        return value

    pruner = Hyperband()
    study = hs.create_study(seed=1, pruner=pruner)
    study.optimize(objective, 40)
    assert pruner.max_resource == 9
    assert sum(t.state is TrialState.PRUNED for t in study.trials) >= 10
