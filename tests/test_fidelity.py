"""Data fidelity: exact fractions per rung, nested and stratified samples."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypersweep.fidelity import data_fraction, nested_subsample, rung_fractions

import hypersweep as hs


def test_fractions_per_rung_are_rung_over_budget() -> None:
    asha = hs.pruners.ASHA(min_resource=1, reduction_factor=3, max_resource=27)
    assert rung_fractions(asha) == {1: 1 / 27, 3: 3 / 27, 9: 9 / 27, 27: 1.0}
    got = [data_fraction(asha, s) for s in range(0, 30)]
    want = [1 / 27] * 2 + [3 / 27] * 2 + [9 / 27] * 6 + [1.0] * 20  # steps 0-1, 2-3, 4-9, 10+
    assert got == want
    # the pruner's max_resource can be given (or overridden) here
    assert data_fraction(hs.pruners.ASHA(min_resource=2, reduction_factor=2), 3, 16) == 4 / 16
    assert rung_fractions(hs.pruners.ASHA(min_resource=2, reduction_factor=2), 16) == {
        2: 2 / 16, 4: 4 / 16, 8: 8 / 16, 16: 1.0,
    }  # fmt: skip
    assert data_fraction(asha, 1, min_fraction=0.1) == 0.1
    assert data_fraction(asha, 5, min_fraction=0.1) == 9 / 27


def test_hyperband_uses_the_trials_bracket() -> None:
    hb = hs.pruners.Hyperband(min_resource=1, max_resource=27, reduction_factor=3)
    by_bracket: dict[int, int] = {}
    for number in range(200):
        by_bracket.setdefault(hb.bracket_of(number), number)
    assert set(by_bracket) == {0, 1, 2, 3}
    first_rung = {3: 1, 2: 3, 1: 9}
    for s, number in by_bracket.items():
        got = data_fraction(hb, 1, trial_number=number)
        assert got == (first_rung[s] / 27 if s in first_rung else 1.0)
    assert data_fraction(hb, 1) == 1 / 27  # without a number: every bracket's rungs
    assert rung_fractions(hb) == {1: 1 / 27, 3: 3 / 27, 9: 9 / 27, 27: 1.0}


def test_bad_inputs_say_what_to_do() -> None:
    with pytest.raises(ValueError, match="pass max_resource="):
        data_fraction(hs.pruners.ASHA(), 1)
    with pytest.raises(TypeError, match="needs a pruner with rungs"):
        data_fraction(hs.pruners.Median(), 1, 10)
    with pytest.raises(ValueError, match="step must be an integer >= 0"):
        data_fraction(hs.pruners.ASHA(max_resource=9), -1)
    with pytest.raises(ValueError, match="fraction must be a number in"):
        nested_subsample(np.arange(10), 1.5)
    with pytest.raises(ValueError, match="1-D array"):
        nested_subsample(np.zeros((3, 2)), 0.5)


def test_samples_are_nested_for_every_pair_of_fractions() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 7, size=500)
    fractions = [0.0, 0.01, 1 / 27, 0.1, 1 / 9, 0.25, 1 / 3, 0.5, 0.77, 1.0]
    samples = [set(nested_subsample(y, f, seed=3).tolist()) for f in fractions]
    for small, large in itertools.pairwise(samples):
        assert small <= large
    assert samples[-1] == set(range(500)) and samples[0] == set()


def test_samples_are_stratified_and_sized_exactly() -> None:
    y = np.array([0] * 100 + [1] * 60 + [2] * 30 + [3] * 7)
    np.random.default_rng(1).shuffle(y)
    for f in (0.05, 0.1, 1 / 3, 0.5, 0.9):
        rows = nested_subsample(y, f, seed=0)
        counts = np.bincount(y[rows], minlength=4)
        want = [max(1, int(np.floor(f * n + 0.5))) for n in (100, 60, 30, 7)]
        assert counts.tolist() == want
        assert np.all(np.diff(rows) > 0)  # sorted, no repeats


def test_seed_changes_the_sample_and_fixes_it() -> None:
    y = np.repeat(np.arange(4), 50)
    a = nested_subsample(y, 0.2, seed=0)
    assert np.array_equal(a, nested_subsample(y, 0.2, seed=0))
    assert not np.array_equal(a, nested_subsample(y, 0.2, seed=1))


def test_unstratified_sample_of_a_row_count() -> None:
    rows = nested_subsample(1000, 0.123, seed=5)
    assert len(rows) == 123 and set(rows.tolist()) <= set(range(1000))
    assert set(rows.tolist()) <= set(nested_subsample(1000, 0.5, seed=5).tolist())
    cont = np.linspace(0, 1, 200)  # a regression target: stratify=False
    assert len(nested_subsample(cont, 0.25, stratify=False)) == 50
