"""QMC: even spread (discrepancy, strata), faithful mapping, one sequence across resumes."""

from __future__ import annotations

import itertools
import math
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy.stats import qmc

import hypersweep as hs
from hypersweep.samplers.qmc import QMC, leaf_unit, qmc_points, radical_inverse, unit_point


def _unit_rows(seed: int, n: int, dim: int, kind: str = "sobol") -> np.ndarray:
    return np.array([unit_point(seed, i, dim, kind=kind) for i in range(n)])


@pytest.mark.parametrize("kind", ["sobol", "halton"])
@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_discrepancy_is_well_below_random_search(kind: str, seed: int) -> None:
    dim = 4
    quasi = qmc.discrepancy(_unit_rows(seed, 64, dim, kind))
    rnd = hs.samplers.Random(seed=seed)
    plain = qmc.discrepancy(np.array([[rnd.uniform(i, f"x{j}") for j in range(dim)]
                                      for i in range(64)]))  # fmt: skip
    assert quasi < 0.5 * plain


@pytest.mark.parametrize("seed", [0, 7, 123])
def test_first_16_sobol_points_fill_16_strata_of_every_axis(seed: int) -> None:
    rows = _unit_rows(seed, 16, 5)
    for j in range(5):
        assert sorted((rows[:, j] * 16).astype(int).tolist()) == list(range(16))


def test_rows_match_one_scipy_sequence_across_chunks() -> None:
    rows = _unit_rows(11, 2100, 3)  # crosses two chunk boundaries
    expected = qmc.Sobol(3, rng=11).random(4096)[:2100]
    assert np.array_equal(rows, expected)
    assert np.array_equal(_unit_rows(11, 50, 3, "halton"), qmc.Halton(3, rng=11).random(50))


def test_unscrambled_sobol_starts_at_the_origin_like_optuna() -> None:
    assert unit_point(0, 0, 3, scramble=False).tolist() == [0.0, 0.0, 0.0]
    assert not np.array_equal(unit_point(0, 1, 3), unit_point(1, 1, 3))


def test_mapping_respects_log_scales_ints_and_choices() -> None:
    space = hs.Space({"lr": hs.Float(1e-5, 1e-1, log=True), "n": hs.Int(1, 4),
                      "act": hs.Categorical(["a", "b", "c", "d"])})  # fmt: skip
    points = qmc_points(space, 64, seed=3)
    decades = Counter(math.floor(math.log10(p["lr"])) for p in points)
    assert sorted(decades) == [-5, -4, -3, -2] and set(decades.values()) == {16}
    assert Counter(p["n"] for p in points) == dict.fromkeys([1, 2, 3, 4], 16)
    assert Counter(p["act"] for p in points) == dict.fromkeys("abcd", 16)
    assert all(type(p["n"]) is int for p in points)


def test_conditional_leaves_are_only_set_when_active() -> None:
    space = hs.Space({"m": hs.Categorical([{"k": "a", "x": hs.Float(0, 1)}, {"k": "b"}])})
    points = qmc_points(space, 32, seed=0)
    assert {("m.a.x" in p) for p in points} == {True, False}
    assert all(("m.a.x" in p) == (p["m"] == "a") for p in points)


def test_same_seed_same_points_and_seeds_differ() -> None:
    space = {"x": hs.Float(0, 1), "y": hs.Int(0, 100)}

    def run(seed: int) -> list[Any]:
        r = hs.minimize(lambda p: p["x"], space, sampler=QMC(seed=seed), n_trials=12, verbosity=0)
        return [t.params for t in r.trials]

    assert run(5) == run(5) != run(6)


def test_a_resumed_study_continues_the_same_sequence(tmp_path: Path) -> None:
    space = {"x": hs.Float(-1, 1), "lr": hs.Float(1e-4, 1, log=True), "k": hs.Int(0, 1000)}
    url = f"sqlite:///{tmp_path / 'qmc.db'}"

    def objective(p: dict[str, Any]) -> float:
        return float(p["x"] ** 2)

    whole = hs.create_study("whole", storage=url, space=space, sampler="qmc", seed=42)
    whole.optimize(objective, 20)
    part = hs.create_study("part", storage=url, space=space, sampler="qmc", seed=42)
    part.optimize(objective, 10)
    resumed = hs.load_study("part", storage=url, sampler="qmc")  # seed read back from storage
    resumed.optimize(objective, 20)  # the study's total budget
    assert [t.params for t in resumed.trials] == [t.params for t in whole.trials]


def test_halton_and_options_are_validated() -> None:
    with pytest.raises(ValueError, match="kind must be one of"):
        QMC(kind="lhs")
    r = hs.minimize(lambda p: p["x"], {"x": hs.Float(0, 1)}, sampler=QMC(seed=0, kind="halton"),
                    n_trials=10, verbosity=0)  # fmt: skip
    xs = sorted(t.params["x"] for t in r.trials)
    assert all(b - a > 0.01 for a, b in itertools.pairwise(xs))


def test_discrete_space_is_exhausted_without_repeats() -> None:
    space = {"a": hs.Categorical(["x", "y"]), "b": hs.Int(0, 2)}
    r = hs.minimize(lambda p: p["b"], space, sampler=QMC(seed=1), n_trials=10, verbosity=0)
    assert len({tuple(sorted(t.flat.items())) for t in r.trials}) == len(r.trials) == 6


def test_allow_repeats_keeps_to_the_sequence() -> None:
    space = {"b": hs.Int(0, 1)}
    r = hs.minimize(lambda p: p["b"], space, sampler=QMC(seed=1, allow_repeats=True),
                    n_trials=8, verbosity=0)  # fmt: skip
    assert sorted(t.params["b"] for t in r.trials) == [0, 0, 0, 0, 1, 1, 1, 1]


def test_radical_inverse_stratifies_in_any_base() -> None:
    for base in (2, 3, 7, 31):
        us = [radical_inverse(i, base, key=99) for i in range(base * 4)]
        assert sorted(int(u * base) for u in us) == sorted(list(range(base)) * 4)
        assert all(0 <= u < 1 for u in us)


def test_define_by_run_spreads_each_leaf() -> None:
    us = [leaf_unit(3, i, "lr") for i in range(32)]
    assert max(Counter(int(u * 8) for u in us).values()) <= 5  # random: often 7 or more
    study = hs.create_study(sampler=QMC(seed=0))
    study.optimize(lambda t: t.suggest_float("x", -2, 2) ** 2, 16)
    assert min(t.value for t in study.trials if t.value is not None) < 0.05
