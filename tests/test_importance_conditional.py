"""hs.importance on conditional spaces: the choice of a branch is its parent's importance,
a conditional parameter's share is its effect within its branch (measured on spaces whose
true variance shares are known), and unconditional spaces come out exactly as before."""

from __future__ import annotations

import math
import random
from typing import Any

import numpy as np
import pytest

import hypersweep as hs
from hypersweep.importance import importance, importance_of
from hypersweep.importance.encode import encode, parents
from hypersweep.importance.table import trial_table

pytest.importorskip("sklearn")

SPACE = {
    "noise": hs.Float(0, 1),
    "model": hs.Categorical(
        [
            {"kind": "a", "x": hs.Float(0, 1)},
            {"kind": "b", "k": hs.Int(1, 10)},
        ]
    ),
}


def _study(objective: Any, seed: int = 0, n_trials: int = 150) -> hs.Study:
    study = hs.create_study(space=SPACE, sampler=hs.samplers.Random(seed=seed))
    study.optimize(objective, n_trials=n_trials)
    return study


def _branch_decides(seed: int) -> hs.Study:
    """Between branches 10^2/4 = 25; within a 0.25/12, within b 0.0025 * 8.25, noise
    ~0.004: the choice carries 99.8% of the variance, each child under 0.1%."""
    rng = random.Random(seed)

    def objective(p: dict[str, Any]) -> float:
        m = p["model"]
        child = 0.5 * m["x"] if m["kind"] == "a" else 0.05 * m["k"]
        return 10.0 * (m["kind"] == "a") + child + 0.1 * p["noise"] + rng.gauss(0, 0.05)

    return _study(objective, seed)


def _children_decide(seed: int) -> hs.Study:
    """Both branches have mean 0; within a the variance is 3 (x), within b 2.97 (k):
    the children carry nearly everything and the choice (up to sampling) nothing."""
    rng = random.Random(seed)

    def objective(p: dict[str, Any]) -> float:
        m = p["model"]
        child = 6.0 * (m["x"] - 0.5) if m["kind"] == "a" else 0.6 * (m["k"] - 5.5)
        return child + 0.1 * p["noise"] + rng.gauss(0, 0.05)

    return _study(objective, seed)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_choice_of_branch_goes_to_the_parent(seed: int) -> None:
    study = _branch_decides(seed)
    ranked = importance(study)
    assert next(iter(ranked)) == "model"
    assert ranked["model"] > 0.9
    assert ranked["model.a.x"] < 0.05 and ranked["model.b.k"] < 0.05
    assert ranked["noise"] < 0.02
    assert sum(ranked.values()) == pytest.approx(1.0)
    # the product of the marginals (the old measure) gave most of it to the children
    table = trial_table(study)
    old = dict(zip(table.names, importance_of(encode(table), table.values)))
    assert old["model"] < 0.5 < old["model.a.x"] + old["model.b.k"]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_children_that_matter_within_their_branch_get_the_majority(seed: int) -> None:
    ranked = importance(_children_decide(seed))
    assert ranked["model.a.x"] + ranked["model.b.k"] > 0.8
    assert ranked["model.a.x"] > 0.25 and ranked["model.b.k"] > 0.25
    assert ranked["model"] < 0.1 and ranked["noise"] < 0.05


def test_parents_are_found_by_name_and_by_value() -> None:
    table = trial_table(_branch_decides(0))
    found = parents(table)
    model = table.names.index("model")
    assert dict(zip(table.names, found)) == {
        "noise": None,
        "model": None,
        "model.a.x": model,
        "model.b.k": model,
    }


def test_nested_choices_and_list_lengths() -> None:
    space = {
        "model": hs.Categorical(
            [
                {
                    "kind": "svm",
                    "kernel": hs.Categorical([{"k": "rbf", "gamma": hs.Float(0, 1)}, "linear"]),
                },
                {"kind": "knn", "n": hs.Int(1, 5)},
            ]
        ),
        "layers": hs.Repeat({"units": hs.Float(0, 1)}, min=1, max=3),
    }

    def objective(p: dict[str, Any]) -> float:
        m = p["model"]
        if m["kind"] == "knn":
            return 1.0 + 0.01 * m["n"]
        if m["kernel"] == "linear":
            return 5.0
        return 3.0 + 0.01 * m["kernel"]["gamma"] + 0.01 * len(p["layers"])

    study = hs.create_study(space=space, sampler=hs.samplers.Random(seed=0))
    study.optimize(objective, n_trials=150)
    table = trial_table(study)
    found = {name: (table.names[g] if g is not None else None)
             for name, g in zip(table.names, parents(table))}  # fmt: skip
    assert found["model.svm.kernel"] == "model"
    assert found["model.svm.kernel.rbf.gamma"] == "model.svm.kernel"
    assert found["model.knn.n"] == "model"
    assert found["layers.2.units"] == "layers.len"
    ranked = importance(study)
    # between the families 1.0 vs 4.0 (var 2.25 of ~2.75); within svm, rbf vs linear (0.5)
    assert list(ranked)[:2] == ["model", "model.svm.kernel"]
    assert ranked["model"] + ranked["model.svm.kernel"] > 0.95
    assert ranked["model"] > 2 * ranked["model.svm.kernel"]


def test_define_by_run_parent_is_found_from_the_values() -> None:
    def objective(trial: hs.Trial) -> float:
        x = trial.suggest_float("x", -1, 1)
        if trial.suggest_categorical("opt", ["sgd", "adam"]) == "sgd":
            return 10.0 + 0.01 * x + 0.01 * trial.suggest_float("momentum", 0, 1)
        return 0.01 * x

    study = hs.create_study(sampler=hs.samplers.Random(seed=3))
    study.optimize(objective, n_trials=100)
    table = trial_table(study)
    assert parents(table)[table.names.index("momentum")] == table.names.index("opt")
    ranked = importance(study)
    assert next(iter(ranked)) == "opt" and ranked["opt"] > 0.9


# The six-parameter function of test_importance.py
SIX = {
    "u1": hs.Float(0, 1),
    "lr": hs.Float(1e-4, 1e-1, log=True),
    "u2": hs.Float(0, 1),
    "act": hs.Categorical(["relu", "tanh", "sigmoid"]),
    "u3": hs.Int(1, 10),
    "u4": hs.Float(-1, 1),
}


def six(p: dict[str, Any]) -> float:
    z = math.log10(p["lr"]) + 2.5
    act = {"relu": 0.0, "tanh": 3.0, "sigmoid": 1.5}[p["act"]]
    minor = math.sqrt(12 * 0.2) * (p["u1"] + p["u2"]) + math.sqrt(0.2 / 8.25) * p["u3"]
    return 4 * z * z + act + minor + math.sqrt(0.6) * p["u4"]


# Recorded before conditional spaces were measured within their branch.
SIX_SEED_7 = {
    "fanova": {
        "lr": 0.8823755579930153,
        "act": 0.058115886700886674,
        "u4": 0.02314977029048009,
        "u1": 0.01966321392541072,
        "u3": 0.009519668445736465,
        "u2": 0.007175902644470726,
    },
    "permutation": {
        "lr": 0.828947840324476,
        "act": 0.08348865284363338,
        "u4": 0.03953543661374387,
        "u1": 0.02639759216014076,
        "u3": 0.012209257043617708,
        "u2": 0.009421221014388324,
    },
}


@pytest.mark.parametrize("method", ["fanova", "permutation"])
def test_unconditional_spaces_are_unchanged(method: str) -> None:
    study = hs.create_study(space=SIX, sampler=hs.samplers.Random(seed=7))
    study.optimize(six, n_trials=80)
    ranked = importance(study, method, seed=7, n_trees=32)
    assert list(ranked) == list(SIX_SEED_7[method])
    for name, share in SIX_SEED_7[method].items():
        assert math.isclose(ranked[name], share, rel_tol=0, abs_tol=1e-9)
    table = trial_table(study)
    assert all(p is None for p in parents(table))
    assert np.all(np.isfinite(encode(table)))


# --- permutation importance on conditional spaces ---------------------------------------
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_permutation_credits_the_choice_of_branch_to_the_parent(seed: int) -> None:
    """Shuffling "model" alone left the children's inactive markers telling the forest
    the branch, so the choice got 4% to 35% and the unused children the rest; shuffled
    with the parameters it switches on, the choice gets what it decides."""
    ranked = importance(_branch_decides(seed), "permutation", seed=seed)
    assert next(iter(ranked)) == "model" and ranked["model"] > 0.9
    assert ranked["model.a.x"] < 0.05 and ranked["model.b.k"] < 0.05
    assert ranked["noise"] < 0.02 and sum(ranked.values()) == pytest.approx(1.0)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_permutation_measures_children_within_their_branch(seed: int) -> None:
    """The children decide; the choice keeps a small rest (errors do not add up exactly:
    a shuffled branch changes both children at once), far below either child."""
    ranked = importance(_children_decide(seed), "permutation", seed=seed)
    assert ranked["model.a.x"] + ranked["model.b.k"] > 0.8
    assert ranked["model.a.x"] > 0.25 and ranked["model.b.k"] > 0.25
    assert ranked["model"] < 0.15 and ranked["noise"] < 0.05


def test_permutation_shuffles_a_child_only_where_it_was_used() -> None:
    """A forest told by the inactive marker alone (y = 1 where x is unused): shuffling x
    among the trials that used it changes nothing, so x gets nothing."""
    rng = np.random.default_rng(0)
    n = 200
    gate = rng.integers(0, 2, n).astype(float)
    x = np.where(gate == 1, rng.random(n), -1.0)  # inactive below the range
    X = np.column_stack([gate, x])
    y = (gate == 0).astype(float)
    used = np.column_stack([np.ones(n, bool), gate == 1])
    shares = importance_of(X, y, method="permutation", active=used, parents=[None, 0])
    assert shares[0] == pytest.approx(1.0) and shares[1] == pytest.approx(0.0)
    old = importance_of(X, y, method="permutation")  # without the structure: x shares it
    assert old[1] > 0.2


# --- binned main effects on conditional spaces ------------------------------------------
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_binned_credits_the_choice_of_branch_to_the_parent(seed: int) -> None:
    ranked = importance(_branch_decides(seed), "binned")
    assert next(iter(ranked)) == "model" and ranked["model"] > 0.9
    assert ranked["model.a.x"] < 0.05 and ranked["model.b.k"] < 0.05
    assert ranked["noise"] < 0.05 and sum(ranked.values()) == pytest.approx(1.0)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_binned_measures_children_within_their_branch(seed: int) -> None:
    ranked = importance(_children_decide(seed), "binned")
    assert ranked["model.a.x"] + ranked["model.b.k"] > 0.8
    assert ranked["model.a.x"] > 0.25 and ranked["model.b.k"] > 0.25
    assert ranked["model"] < 0.1 and ranked["noise"] < 0.1
