"""PairedTest: the signed-rank p-value against scipy, and pruning on CV folds."""

from __future__ import annotations

import doctest

import numpy as np
import pytest
from scipy import stats

import hypersweep as hs
from hypersweep.pruners import AnyOf, CannotWin, PairedTest
from hypersweep.pruners.paired import parts_of, signed_rank_p
from hypersweep.trial import FrozenTrial, TrialState

from .helpers import history


@pytest.mark.parametrize("n", [1, 2, 4, 5, 8, 13, 70])
def test_signed_rank_p_matches_scipy(n: int) -> None:
    rng = np.random.default_rng(n)
    for _ in range(5):
        d = np.round(rng.normal(0.3, 1.0, n), 1)  # rounding makes ties
        d[: n // 5] = 0.0  # and zeros
        got = signed_rank_p(list(d))
        nonzero = d[d != 0]
        if len(nonzero) == 0:
            assert got == 1.0
            continue
        if len(nonzero) > 50:  # the normal approximation, as scipy computes it
            want = stats.wilcoxon(d, alternative="greater", method="approx", correction=True).pvalue
        elif len(np.unique(np.abs(nonzero))) == len(nonzero):
            want = stats.wilcoxon(d, alternative="greater", method="exact").pvalue
        else:  # ties: scipy's exact null ignores them, so count sign patterns directly
            want = permutation_p(d)
        assert got == pytest.approx(want, rel=1e-6, abs=1e-12)


def permutation_p(d: np.ndarray) -> float:
    """P(W+ >= observed) by enumerating every sign pattern (the definition)."""
    d = d[d != 0]
    ranks = stats.rankdata(np.abs(d))
    observed = ranks[d > 0].sum()
    n = len(d)
    signs = (np.arange(2**n)[:, None] >> np.arange(n)) & 1
    return float(np.mean(signs @ ranks >= observed - 1e-9))


def fold_trial(number: int, folds: list[float], state: TrialState) -> FrozenTrial:
    """A trial reporting the running mean after each fold, as SearchCV does."""
    curve = {k: float(np.mean(folds[:k])) for k in range(1, len(folds) + 1)}
    values = (curve[len(folds)],) if state is TrialState.COMPLETE else None
    return FrozenTrial(number, state, intermediate=curve, values=values)


def test_parts_are_recovered_from_running_means() -> None:
    t = fold_trial(0, [0.9, 0.7, 0.8, 0.6], TrialState.COMPLETE)
    assert parts_of(t) == pytest.approx({1: 0.9, 2: 0.7, 3: 0.8, 4: 0.6})
    gap = FrozenTrial(1, TrialState.RUNNING, intermediate={1: 0.5, 3: 0.6})
    assert parts_of(gap) == {1: 0.5}  # after a missing step the parts are unknown
    assert parts_of(gap, "parts") == {1: 0.5, 3: 0.6}


def test_paired_test_on_folds_prunes_a_consistently_worse_trial_but_not_a_mixed_one() -> None:
    """Folds differ a lot in difficulty (0.70 .. 0.95): a trial 1 point below the best on
    every fold is pruned after 4 folds, though its running mean stays within the
    spread of the folds; CannotWin cannot, since the remaining fold could still be 1.0."""
    folds = [0.95, 0.70, 0.85, 0.78, 0.90]
    best = fold_trial(0, folds, TrialState.COMPLETE)
    worse = fold_trial(1, [f - 0.01 for f in folds[:4]], TrialState.RUNNING)
    mixed = fold_trial(2, [0.96, 0.68, 0.86, 0.76], TrialState.RUNNING)
    h = history([best, worse, mixed], "maximize")
    assert PairedTest().prune(h, worse)
    assert not CannotWin(n_parts=5).prune(h, worse)
    assert AnyOf(CannotWin(n_parts=5), PairedTest()).prune(h, worse)
    assert not PairedTest().prune(h, mixed)
    three = fold_trial(3, [f - 0.01 for f in folds[:3]], TrialState.RUNNING)
    assert not PairedTest().prune(history([best, three], "maximize"), three)  # p = 1/8
    better = fold_trial(4, [f + 0.01 for f in folds[:4]], TrialState.RUNNING)
    assert not PairedTest().prune(history([best, better], "maximize"), better)
    # minimising flips the sides
    assert PairedTest().prune(history([best, better], "minimize"), better)


def test_paired_test_with_part_ids_in_any_order() -> None:
    best = FrozenTrial(0, TrialState.COMPLETE, values=(0.5,),
                       intermediate={10: 0.1, 3: 0.9, 7: 0.5, 1: 0.4, 5: 0.6})  # fmt: skip
    t = FrozenTrial(1, TrialState.RUNNING, intermediate={7: 0.6, 10: 0.2, 3: 1.0, 1: 0.5})
    h = history([best, t])  # minimising: t is worse on all four shared parts
    assert PairedTest(reports="parts").prune(h, t)
    assert not PairedTest(reports="parts", p_threshold=0.05).prune(h, t)  # p = 1/16


def test_paired_test_false_alarm_rate_is_near_its_threshold() -> None:
    """Trials drawn like the best one (same fold difficulties, noise 0.02) are pruned at
    5 folds in about p_threshold of cases (seeded, 400 draws, a 3-sigma margin)."""
    rng = np.random.default_rng(0)
    difficulty = np.array([0.95, 0.70, 0.85, 0.78, 0.90])
    pruned = 0
    n = 400
    for _ in range(n):
        best = fold_trial(0, list(difficulty + rng.normal(0, 0.02, 5)), TrialState.COMPLETE)
        t = fold_trial(1, list(difficulty + rng.normal(0, 0.02, 5)), TrialState.RUNNING)
        pruned += PairedTest().prune(history([best, t], "maximize"), t)
    # exact one-sided p < 0.1 with 5 parts: W+ >= 13 of 15, i.e. 3/32 = 0.094; the
    # mean-better guard lowers it a little
    assert abs(pruned / n - 3 / 32) < 3 * np.sqrt(0.094 * 0.906 / n)


def test_paired_test_validates_options() -> None:
    with pytest.raises(ValueError, match="p_threshold"):
        PairedTest(p_threshold=0)
    with pytest.raises(ValueError, match="reports must be"):
        PairedTest(reports="means")
    assert "PairedTest" in hs.pruners.__all__


def test_docstring_example_runs() -> None:
    import hypersweep.pruners.paired as mod

    assert doctest.testmod(mod).failed == 0
