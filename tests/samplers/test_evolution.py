"""Evolution: operators that keep children valid, selection by direction, progress on a sphere."""

from __future__ import annotations

from statistics import median
from typing import Any

import numpy as np
import pytest
from hypersweep.params import Param

import hypersweep as hs
from hypersweep.samplers.evolution import (
    Evolution,
    breed,
    crossover,
    mutate,
    mutate_value,
    select_parents,
    tournament,
)

from .test_conformance import MIXED

SPACE = hs.Space(MIXED)


def fresh_from(rng: np.random.Generator) -> Any:
    return lambda _path, param: param.from_unit(rng.random())


def random_flat(rng: np.random.Generator) -> dict[str, Any]:
    return SPACE.resolve(fresh_from(rng))[1]


def test_ten_thousand_children_are_valid_on_the_mixed_conditional_space() -> None:
    rng = np.random.default_rng(0)
    pool = [random_flat(rng) for _ in range(40)]
    for i in range(10_000):
        a, b = pool[rng.integers(len(pool))], pool[rng.integers(len(pool))]
        child = breed(SPACE, [a, b] if i % 3 else [a], rng, mutation_rate=0.3,
                      scale=0.3, fresh=fresh_from(rng))  # fmt: skip
        assert SPACE.flatten(SPACE.build(child)) == child  # exactly the active leaves, valid
        pool[rng.integers(len(pool))] = child  # let children breed too: lengths and branches drift
    assert len({p["model"] for p in pool}) > 1 and len({p["layers.len"] for p in pool}) > 1


def test_a_branch_moves_whole_with_its_choice() -> None:
    rng = np.random.default_rng(1)
    a = {**random_flat(rng), "model": "svm", "model.svm.C": 1.0, "model.svm.kernel": "rbf"}
    b = {**random_flat(rng), "model": "svm", "model.svm.C": 500.0, "model.svm.kernel": "lin"}
    for parent in (a, b):  # both hold the svm branch only
        for k in [k for k in parent if k.startswith(("model.knn", "model.none"))]:
            del parent[k]
    pairs = set()
    for _ in range(200):
        child = crossover(SPACE, a, b, rng, fresh_from(rng))
        pairs.add((child["model.svm.C"], child["model.svm.kernel"]))
    assert pairs == {(1.0, "rbf"), (500.0, "lin")}


def test_crossover_mixes_plain_leaves_from_both_parents() -> None:
    rng = np.random.default_rng(2)
    a, b = random_flat(rng), random_flat(rng)
    a["dropout"], b["dropout"], a["act"], b["act"] = 0.1, 0.4, "relu", "tanh"
    seen = {(c["dropout"], c["act"]) for c in
            (crossover(SPACE, a, b, rng, fresh_from(rng)) for _ in range(100))}  # fmt: skip
    assert seen == {(0.1, "relu"), (0.1, "tanh"), (0.4, "relu"), (0.4, "tanh")}


def test_a_longer_repeat_copies_its_last_item() -> None:
    rng = np.random.default_rng(3)
    flat = {**random_flat(rng), "layers.len": 1, "layers.0.n": 77, "layers.0.p": 0.25}
    for k in [k for k in flat if k.startswith(("layers.1", "layers.2"))]:
        del flat[k]
    grown = [c for c in (mutate(SPACE, flat, rng, rate=1.0, scale=1e-9, fresh=fresh_from(rng))
                         for _ in range(50)) if c["layers.len"] == 2]  # fmt: skip
    # a copy of the child's (mutated) first item, then mutated itself: 77 +- 2 steps
    assert grown and all(abs(c["layers.1.n"] - 77) <= 2 for c in grown)
    assert all(abs(c["layers.1.p"] - 0.25) < 1e-6 for c in grown)


@pytest.mark.parametrize(
    ("param", "value"),
    [(hs.Int(16, 512, step=16), 512), (hs.Int(8, 1024, log=True), 8),
     (hs.Float(0, 1, step=0.25), 0.0), (hs.Float(1e-5, 1e-1, log=True), 1e-3),
     (hs.Normal(1.0, 0.2), 1.0), (hs.LogNormal(0, 0.5), 1.0)],
)  # fmt: skip
def test_mutation_respects_type_bounds_and_steps(param: Param, value: Any) -> None:
    rng = np.random.default_rng(4)
    param.check("p")
    out = [mutate_value("p", param, value, rng, 0.3) for _ in range(500)]
    assert all(param.contains(v) and type(v) is type(value) for v in out)
    assert sum(v != value for v in out) > 400  # discrete values move at least a step


def test_mutation_of_log_ranges_is_even_in_log_space() -> None:
    rng = np.random.default_rng(5)
    lr = hs.Float(1e-5, 1e-1, log=True)
    out = np.log10([mutate_value("lr", lr, 1e-3, rng, 0.1) for _ in range(2000)])
    assert abs(float(np.median(out)) + 3) < 0.05 and 0.3 < float(np.std(out)) < 0.5


def test_categorical_and_repeat_length_mutations() -> None:
    rng = np.random.default_rng(6)
    act = hs.Categorical(["relu", "tanh", "sigmoid"])
    assert {mutate_value("act", act, "relu", rng, 0.1) for _ in range(50)} == {"tanh", "sigmoid"}
    length = hs.Int(1, 3)
    assert {mutate_value("layers.len", length, 2, rng, 0.1) for _ in range(50)} == {1, 3}
    assert {mutate_value("layers.len", length, 1, rng, 0.1) for _ in range(10)} == {2}


def test_tournaments_favour_low_keys() -> None:
    rng = np.random.default_rng(7)
    keys = [5.0, 1.0, 3.0, 4.0]
    wins = [tournament(keys, 3, rng) for _ in range(1000)]
    assert wins.count(1) > wins.count(2) > wins.count(0)
    assert all(a != b for a, b in (select_parents(keys, 2, rng) for _ in range(200)))


def sphere(p: dict[str, Any]) -> float:
    return float(sum(v**2 for v in p.values()))


SPHERE = {f"x{i}": hs.Float(-5, 5) for i in range(5)}


def best_after(sampler: hs.samplers.Sampler, n: int, direction: str = "minimize") -> float:
    sign = 1 if direction == "minimize" else -1
    r = hs.minimize(lambda p: sign * sphere(p), SPHERE, sampler=sampler, n_trials=n,
                    verbosity=0, direction=direction)  # fmt: skip
    return sphere(r.best_params)


def test_beats_random_search_on_a_5d_sphere_by_a_wide_margin() -> None:
    ga = [best_after(Evolution(seed=s), 200) for s in range(5)]
    rnd = [best_after(hs.samplers.Random(seed=s), 200) for s in range(5)]
    assert max(ga) < median(rnd) / 10, (ga, rnd)


def test_selection_follows_maximize() -> None:
    ga = [best_after(Evolution(seed=s), 120, "maximize") for s in range(3)]
    rnd = [best_after(hs.samplers.Random(seed=s), 120, "maximize") for s in range(3)]
    assert max(ga) < median(rnd) / 3, (ga, rnd)  # maximising -sphere: small sphere values


def test_determinism_and_workers_agree() -> None:
    def run(seed: int) -> list[Any]:
        r = hs.minimize(sphere, SPHERE, sampler=Evolution(seed=seed), n_trials=40, verbosity=0)
        return [t.params for t in r.trials]

    assert run(3) == run(3) != run(4)
    study = hs.create_study(space=SPHERE, sampler=Evolution(seed=9))
    study.optimize(sphere, 30)
    other = Evolution(seed=9)  # a second worker or a resumed process: no state of its own
    assert other.propose(study.history, 30) == study.sampler.propose(study.history, 30)


def test_define_by_run_improves_on_the_initial_design() -> None:
    def objective(trial: hs.Trial) -> float:
        x = trial.suggest_float("x", -5, 5)
        n = trial.suggest_int("n", 0, 9)
        return (x - 1) ** 2 + n

    study = hs.create_study(sampler=Evolution(seed=0, population_size=8))
    study.optimize(objective, 60)
    values = [t.value for t in study.trials if t.value is not None]
    assert min(values[20:]) < min(values[:8]) and min(values) < 0.5


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"population_size": 1}, "population_size must be an integer >= 2"),
     ({"mutation_rate": 1.5}, "0 <= mutation_rate <= 1"),
     ({"crossover_rate": -0.1}, "0 <= crossover_rate <= 1"),
     ({"tournament_size": 0}, "tournament_size must be an integer >= 1"),
     ({"mutation_scale": 0}, "0 < mutation_scale <= 1")],
)  # fmt: skip
def test_options_are_validated(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        Evolution(**kwargs)


def test_several_objectives_get_a_larger_default_population() -> None:
    from hypersweep.samplers.evolution._ga import default_population

    assert default_population(30) == 14  # 4 + 3 ln 30
    assert default_population(30, 2) == 20 and default_population(5, 4) == 40  # room for a front
