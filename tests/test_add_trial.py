"""study.add_trial / add_trials: past results, validated, stored and learnt from."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import hypersweep as hs
from hypersweep.trial import TrialState

SPACE = {"x": hs.Float(0, 1), "kind": hs.Categorical(["a", "b"])}


def past(n: int, seed: int) -> list[dict[str, Any]]:
    """Evaluations of (x - 0.3)^2 (+1 for kind b) made elsewhere."""
    rng = np.random.default_rng(seed)
    out = []
    for x in rng.uniform(0, 1, n):
        kind = "a" if rng.random() < 0.5 else "b"
        out.append({"params": {"x": float(x), "kind": kind},
                    "value": (x - 0.3) ** 2 + (kind == "b")})  # fmt: skip
    return out


@pytest.mark.parametrize("url", ["memory", "sqlite", "postgresql"])
def test_added_trials_are_stored_whole_and_count_toward_the_budget(
    url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    storage = {"memory": None, "sqlite": f"sqlite:///{tmp_path / 's.db'}"}.get(url)
    if url == "postgresql":
        storage = request.getfixturevalue("postgres_databases")()
    study = hs.create_study("p", storage=storage, space=SPACE, sampler="random", seed=0)
    t = study.add_trial({"x": 0.25, "kind": "a"}, 0.0025, user_attrs={"source": "paper"},
                        intermediate={0: 0.5, 1: 0.1}, started=100.0, finished=160.0)  # fmt: skip
    assert t.state is TrialState.COMPLETE and t.values == (0.0025,)
    study.add_trial({"x": 0.9, "kind": "b"}, state="PRUNED", intermediate={0: 2.0})
    study.add_trial({"x": 0.5, "kind": "b"}, state="FAIL")
    again = hs.load_study("p", storage=study.storage)
    first = again.trials[0]
    assert first.params == {"x": 0.25, "kind": "a"} and first.user_attrs == {"source": "paper"}
    assert first.intermediate == {0: 0.5, 1: 0.1} and first.duration == 60.0
    assert first.system_attrs["added"] is True
    assert [t.state for t in again.trials] == [
        TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL]  # fmt: skip
    assert again.trials[1].values == (2.0,)  # a pruned trial keeps its last report
    assert again.best_value == 0.0025
    again.optimize(lambda p: p["x"], n_trials=5)
    assert len(again.trials) == 5  # the three added count toward n_trials


@pytest.mark.parametrize("sampler", ["tpe", "gp"])
def test_model_based_samplers_learn_from_added_trials(sampler: str) -> None:
    """With 40 past results, the next proposals sit near the known optimum (x=0.3, a)."""
    near_warm, near_cold = [], []
    for seed in range(6):
        warm = hs.create_study(space=SPACE, sampler=sampler, seed=seed)
        warm.add_trials(past(40, seed))
        cold = hs.create_study(space=SPACE, sampler=sampler, seed=seed)
        for study, out in ((warm, near_warm), (cold, near_cold)):
            study.optimize(lambda p: (p["x"] - 0.3) ** 2 + (p["kind"] == "b"), n_more=5)
            new = [t for t in study.trials if "added" not in t.system_attrs]
            out.append(np.mean([abs(t.params["x"] - 0.3) + (t.params["kind"] == "b")
                                for t in new]))  # fmt: skip
    assert np.median(near_warm) < 0.5 * np.median(near_cold)


def test_a_grid_does_not_run_an_added_cell_again() -> None:
    study = hs.create_study(space={"a": hs.Categorical([1, 2, 3])}, sampler="grid")
    study.add_trial({"a": 2}, 5.0)
    ran: list[int] = []
    study.optimize(lambda p: ran.append(p["a"]) or float(p["a"]))
    assert sorted(ran) == [1, 3]


def test_define_by_run_needs_the_ranges_and_keeps_them() -> None:
    study = hs.create_study(sampler="tpe", seed=0)
    with pytest.raises(ValueError, match="space="):
        study.add_trial({"lr": 0.01}, 1.0)
    space = {"lr": hs.Float(1e-4, 1e-1, log=True), "act": hs.Categorical(["relu", "tanh"])}
    study.add_trial({"lr": 0.01, "act": "tanh"}, 1.0, space=space)
    with pytest.raises(ValueError, match="outside their space"):
        study.add_trial({"lr": 5.0, "act": "tanh"}, 1.0, space=space)

    def objective(trial: Any) -> float:
        return trial.suggest_float("lr", 1e-4, 1e-1, log=True)

    study.optimize(objective, n_trials=3)
    assert study.trials[0].system_attrs["space"]["lr"]["log"] is True
    assert len(study.trials) == 3


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda s: s.add_trial({"x": 2.0, "kind": "a"}, 1.0), "x"),
        (lambda s: s.add_trial({"x": 0.5}, 1.0), "kind"),
        (lambda s: s.add_trial({"x": 0.5, "kind": "a"}, float("nan")), "number"),
        (lambda s: s.add_trial({"x": 0.5, "kind": "a"}, "low"), "number"),
        (lambda s: s.add_trial({"x": 0.5, "kind": "a"}, 1.0, state="RUNNING"), "COMPLETE"),
        (lambda s: s.add_trials([*past(3, 0), {"params": {"x": 9, "kind": "a"}, "value": 1}]),
         "x"),
        (lambda s: s.add_trials([{"value": 1.0}]), "needs 'params'"),
    ],
)
def test_bad_past_results_store_nothing(call: Callable[[Any], Any], match: str) -> None:
    study = hs.create_study(space=SPACE, sampler="random")
    with pytest.raises(ValueError, match=match):
        call(study)
    assert study.trials == []
