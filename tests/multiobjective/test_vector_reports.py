"""Vector reports in studies of several objectives: checked, stored, read back as tuples,
pruned by ASHA on SQLite, and averaged over repeats."""

from __future__ import annotations

import statistics
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import hypersweep as hs
from hypersweep import TrialState

from ..helpers import storage_url

SPACE = {"a": hs.Float(0.0, 1.0), "b": hs.Float(0.0, 1.0)}
BOTH_MIN = ["minimize", "minimize"]


@pytest.fixture(params=["memory", "sqlite"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str | None:
    return storage_url(request.param, tmp_path)


def test_a_vector_in_a_single_objective_study_is_refused() -> None:
    study = hs.create_study(direction="minimize", sampler="random")
    trial = study.ask()
    with pytest.raises(ValueError, match="one objective, so report takes one number"):
        trial.report([0.1, 0.2], 0)
    trial.report(np.float64(0.5), 0)  # numbers of any kind still go
    trial.report(np.array(0.25), 1)
    assert trial.intermediate == {0: 0.5, 1: 0.25}


@pytest.mark.parametrize(
    ("value", "match"),
    [
        ([0.1, 0.2, 0.3], "needs 2 numbers .* but got 3"),
        ([0.1], "needs 2 numbers .* but got 1"),
        (["x", 0.2], "every entry of a vector report must be a number"),
        ([True, 0.2], "every entry of a vector report must be a number"),
        ({"a": 1, "b": 2}, "must be a number or 2 numbers"),
        ("fast", "value must be a number"),
    ],
)
def test_a_malformed_vector_report_gets_one_clear_error(value: Any, match: str) -> None:
    study = hs.create_study(directions=BOTH_MIN, sampler="random")
    trial = study.ask()
    with pytest.raises(ValueError, match=match):
        trial.report(value, 0)
    assert trial.intermediate == {}


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def any_url(request: pytest.FixtureRequest, tmp_path: Path) -> str | None:
    if request.param == "postgresql":
        return str(request.getfixturevalue("postgres_url"))
    return storage_url(request.param, tmp_path)


def test_vector_reports_come_back_as_tuples(any_url: str | None) -> None:
    url, name = any_url, f"v-{uuid.uuid4().hex[:8]}"
    study = hs.create_study(name, storage=url, directions=["maximize", "minimize"],
                            sampler="random", space=SPACE)  # fmt: skip
    trial = study.ask()
    trial.report([0.5, 3], 0)
    trial.report(np.array([0.75, 2.5]), 1)
    study.tell(trial, [0.8, 2.0])
    pruned = study.ask()
    pruned.report((0.25, 9.0), 0)
    study.tell(pruned, state="PRUNED")
    for s in (study, hs.load_study(name, storage=url) if url else study):
        first, second = s.trials
        assert first.intermediate == {0: (0.5, 3.0), 1: (0.75, 2.5)}
        assert all(type(v) is tuple for v in first.intermediate.values())
        assert second.state is TrialState.PRUNED and second.values == (0.25, 9.0)


def curve(a: float, b: float, step: int) -> tuple[float, float]:
    """Two losses falling with the steps; the front is b = 0, b only makes things worse."""
    scale = 1.0 + 1.0 / (step + 1)
    return a * scale, (1.0 - a + 2.0 * b) * scale


def test_asha_stops_dominated_trials_of_a_real_study_on_sqlite(tmp_path: Path) -> None:
    study = hs.create_study(
        "mo-asha", storage=f"sqlite:///{tmp_path / 'mo.db'}", directions=BOTH_MIN,
        sampler=hs.samplers.Random(seed=1), pruner=hs.pruners.ASHA(reduction_factor=3),
    )  # fmt: skip

    def objective(trial: hs.Trial) -> tuple[float, float]:
        a, b = trial.suggest_float("a", 0, 1), trial.suggest_float("b", 0, 1)
        for step in range(9):
            trial.report(curve(a, b, step), step)
            trial.prune_if_needed()
        return curve(a, b, 9)

    study.optimize(objective, n_trials=40)
    trials = study.trials
    pruned = [t for t in trials if t.state is TrialState.PRUNED]
    done = [t for t in trials if t.state is TrialState.COMPLETE]
    assert len(pruned) >= 15 and len(done) >= 5
    # dominated configurations (large b) are the ones stopped
    assert (
        statistics.mean(t.params["b"] for t in pruned)
        > statistics.mean(t.params["b"] for t in done) + 0.15
    )
    assert all(t.values is not None and len(t.values) == 2 for t in pruned)
    assert all(type(v) is tuple for t in trials for v in t.intermediate.values())
    # the trial best in either objective at the first rung is never stopped there
    first_rung = [t for t in trials if 1 in t.intermediate]
    for j in (0, 1):
        best = min(first_rung[:3], key=lambda t: t.intermediate[1][j])
        assert best.last_step is not None and best.last_step > 1


def test_median_on_vector_reports_in_a_study() -> None:
    study = hs.create_study(directions=BOTH_MIN, sampler=hs.samplers.Random(seed=2),
                            pruner=hs.pruners.Median(n_startup_trials=4))  # fmt: skip

    def objective(trial: hs.Trial) -> tuple[float, float]:
        a, b = trial.suggest_float("a", 0, 1), trial.suggest_float("b", 0, 1)
        for step in range(5):
            trial.report(curve(a, b, step), step)
            trial.prune_if_needed()
        return curve(a, b, 5)

    study.optimize(objective, n_trials=30)
    pruned = [t for t in study.trials if t.state is TrialState.PRUNED]
    done = [t for t in study.trials if t.state is TrialState.COMPLETE]
    assert pruned and statistics.mean(t.params["b"] for t in pruned) > statistics.mean(
        t.params["b"] for t in done
    )


def test_repeats_average_vector_curves_through_the_public_hook(url: str | None) -> None:
    study = hs.create_study(directions=BOTH_MIN, storage=url, sampler="random", space=SPACE,
                            repeats=2, pruner=hs.pruners.ASHA())  # fmt: skip
    handles: list[type] = []

    def objective(params: dict[str, float], trial: hs.Trial) -> tuple[float, float]:
        handles.append(type(trial))
        shift = float(trial.repeat)  # repeat 1 reports one more in each objective
        for step in range(3):
            trial.report([params["a"] + shift, step + shift], step)
        return params["a"] + shift, 2.0 + shift

    study.optimize(objective, n_trials=3)
    assert handles == [hs.Trial] * 6  # the handle keeps its class: the hook does the work
    for t in study.trials:
        assert t.state is TrialState.COMPLETE
        a = t.params["a"]
        assert t.intermediate == {s: pytest.approx((a + 0.5, s + 0.5)) for s in range(3)}
        assert t.values == pytest.approx((a + 0.5, 2.5))
        assert t.system_attrs["repeats"]["values"] == [pytest.approx([a, 2.0]),
                                                       pytest.approx([a + 1, 3.0])]  # fmt: skip


@pytest.mark.parametrize("sampler", ["tpe", "evolution", "gp"])
def test_model_based_samplers_run_beside_vector_reports(sampler: str) -> None:
    """Samplers read the trials without vector curves (TPE models scalar ones): no trial
    fails, and the records the study shows keep their curves."""
    study = hs.create_study(directions=BOTH_MIN, sampler=sampler, seed=0,
                            pruner=hs.pruners.ASHA(reduction_factor=3))  # fmt: skip

    def objective(trial: hs.Trial) -> tuple[float, float]:
        a, b = trial.suggest_float("a", 0, 1), trial.suggest_float("b", 0, 1)
        for step in range(4):
            trial.report(curve(a, b, step), step)
            trial.prune_if_needed()
        return curve(a, b, 4)

    study.optimize(objective, n_trials=14, fail_fast=0)
    states = [t.state for t in study.trials]
    assert TrialState.FAIL not in states and TrialState.PRUNED in states
    assert all(type(t.intermediate[0]) is tuple for t in study.trials)
