"""Every sampler passes this suite: valid, reproducible, typed values on every kind of space.

A sampler whose module is not there yet is skipped, so the suite grows with the samplers.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

import hypersweep as hs
from hypersweep import TrialState

NAMES = ["random", "tpe", "gp", "qmc", "evolution", "cmaes", "auto"]

MIXED = {
    "lr": hs.Float(1e-5, 1e-1, log=True),
    "units": hs.Int(16, 512, step=16),
    "batch": hs.Int(8, 1024, log=True),
    "dropout": hs.Float(0.0, 0.5),
    "q": hs.Float(0.0, 1.0, step=0.25),
    "act": hs.Categorical(["relu", "tanh", "sigmoid"]),
    "init": hs.Normal(1.0, 0.2),
    "scale": hs.LogNormal(0.0, 0.5),
    "model": hs.Categorical(
        [
            {
                "kind": "svm",
                "C": hs.Float(1e-3, 1e3, log=True),
                "kernel": hs.Categorical(["rbf", "lin"]),
            },
            {"kind": "knn", "k": hs.Int(1, 50)},
            {"kind": "none"},
        ]
    ),
    "layers": hs.Repeat({"n": hs.Int(8, 256, log=True), "p": hs.Float(0, 0.5)}, min=1, max=3),
    "fixed": "constant",
}


def make(name: str, seed: int | None = 0) -> hs.samplers.Sampler:
    try:
        return hs.samplers.from_name(name, seed=seed)
    except ValueError as exc:
        if "not available" in str(exc):
            pytest.skip(str(exc))
        raise


def loss(p: dict[str, Any]) -> float:
    m = p["model"]
    extra = {"svm": abs(m.get("C", 1.0) - 1.0) / 100, "knn": m.get("k", 0) / 50, "none": 1.0}
    return (p["dropout"] - 0.2) ** 2 + extra[m["kind"]] + len(p["layers"]) * 0.01 + p["q"]


@pytest.fixture(params=NAMES)
def name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_values_are_valid_on_a_mixed_conditional_space(name: str) -> None:
    r = hs.minimize(loss, MIXED, sampler=make(name), n_trials=30, verbosity=0)
    space = hs.Space(MIXED)
    assert len(r.trials) == 30
    for t in r.trials:
        assert t.state is TrialState.COMPLETE, t.error
        space.validate(t.params)
        assert isinstance(t.params["units"], int) and isinstance(t.params["batch"], int)
        assert t.params["fixed"] == "constant"


def test_same_seed_same_sequence(name: str) -> None:
    def run() -> list[Any]:
        r = hs.minimize(loss, MIXED, sampler=make(name, seed=7), n_trials=25, verbosity=0)
        return [t.params for t in r.trials]

    assert run() == run()


def test_define_by_run_with_conditional_parameters(name: str) -> None:
    def objective(trial: hs.Trial) -> float:
        kind = trial.suggest_categorical("kind", ["a", "b"])
        x = trial.suggest_float("x", -3, 3)
        if kind == "a":
            return (x - 1) ** 2 + trial.suggest_int("n", 1, 4)
        return x**2 + trial.suggest_float("lr", 1e-4, 1e-1, log=True)

    study = hs.create_study(sampler=make(name))
    study.optimize(objective, 30)
    for t in study.trials:
        assert t.state is TrialState.COMPLETE, t.error
        assert -3 <= t.params["x"] <= 3
        assert ("n" in t.params) == (t.params["kind"] == "a")


def test_maximize_and_failures_and_pruned_trials_in_the_history(name: str) -> None:
    def objective(trial: hs.Trial) -> float:
        x = trial.suggest_float("x", 0, 1)
        y = trial.suggest_int("y", 0, 10)
        if trial.number % 7 == 3:
            raise RuntimeError("boom")
        if trial.number % 7 == 5:
            trial.report(x, 0)
            raise hs.TrialPruned()
        return x + y

    study = hs.create_study(direction="maximize", sampler=make(name))
    study.optimize(objective, 30)
    states = [t.state for t in study.trials]
    assert states.count(TrialState.FAIL) >= 3 and states.count(TrialState.PRUNED) >= 3
    assert study.best_value == max(t.value for t in study.trials if t.state is TrialState.COMPLETE)


def test_no_configuration_twice_on_a_small_discrete_space(name: str) -> None:
    space = {"a": hs.Categorical(["x", "y", "z"]), "b": hs.Int(0, 3), "c": hs.Float(0, 1, step=0.5)}
    r = hs.minimize(lambda p: p["b"] + (p["a"] == "y"), space, sampler=make(name), n_trials=40,
                    verbosity=0)  # fmt: skip
    keys = [json.dumps(t.flat, sort_keys=True) for t in r.trials]
    assert len(keys) == len(set(keys)) == 36  # every configuration once, then the study stops


def test_pending_trials_are_not_proposed_again(name: str) -> None:
    """Parallel workers: asking several trials before telling any spreads them out."""
    space = {"x": hs.Int(0, 9), "y": hs.Categorical(["a", "b"])}
    study = hs.create_study(space=space, sampler=make(name))
    study.optimize(lambda p: p["x"], 12)
    pending = [study.ask() for _ in range(6)]
    keys = [json.dumps(t.flat, sort_keys=True) for t in pending]
    assert len(set(keys)) == 6
