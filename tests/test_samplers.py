"""Random and Grid samplers: reproducible, exhaustive, resumable, refining."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy import stats

import hypersweep as hs
from hypersweep import TrialState

GRID_SPACE = {
    "lr": hs.Float(1e-4, 1e-1, log=True),
    "units": hs.Int(16, 64, step=16),
    "model": hs.Categorical([{"kind": "a", "depth": hs.Int(1, 3)}, {"kind": "b"}]),
}


def cell(t: hs.FrozenTrial) -> str:
    return json.dumps(t.flat, sort_keys=True)


# --- Random -------------------------------------------------------------------------
def test_random_is_reproducible_and_continues_its_sequence_after_resume(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'r.db'}"
    space = {"x": hs.Float(0, 1), "k": hs.Categorical(["a", "b", "c"])}
    # Random named: the default sampler is TPE
    straight = hs.minimize(lambda p: p["x"], space, n_trials=20, seed=5, sampler="random",
                           verbosity=0)  # fmt: skip
    hs.minimize(lambda p: p["x"], space, n_trials=8, seed=5, storage=url, study="s",
                sampler="random", verbosity=0)  # fmt: skip
    resumed = hs.load_study("s", storage=url, sampler="random")  # the stored seed is used
    resumed.optimize(lambda p: p["x"], 20)
    assert [t.params for t in resumed.trials] == [t.params for t in straight.trials]


def test_random_draws_follow_the_prior() -> None:
    space = {"u": hs.Float(2, 4), "l": hs.Float(1e-3, 1e1, log=True), "n": hs.Normal(1, 2),
             "c": hs.Categorical(["a", "b", "c", "d"])}  # fmt: skip
    r = hs.minimize(lambda p: 0.0, space, n_trials=1500, seed=0, sampler="random", verbosity=0)
    u = [t.params["u"] for t in r.trials]
    logl = [np.log10(t.params["l"]) for t in r.trials]
    n = [t.params["n"] for t in r.trials]
    assert stats.kstest(u, stats.uniform(2, 2).cdf).pvalue > 1e-3
    assert stats.kstest(logl, stats.uniform(-3, 4).cdf).pvalue > 1e-3
    assert stats.kstest(n, stats.norm(1, 2).cdf).pvalue > 1e-3
    counts = Counter(t.params["c"] for t in r.trials)
    assert stats.chisquare(list(counts.values())).pvalue > 1e-3 and len(counts) == 4
    # a broken log scale (uniform in the value) would put ~99.9% of draws above 0.01
    assert np.mean(np.array(logl) < -2) == pytest.approx(0.25, abs=0.05)


# --- Grid ---------------------------------------------------------------------------
def test_grid_covers_every_cell_once_and_stops() -> None:
    sampler = hs.samplers.Grid(n_points=3)
    expected = len(sampler.cells(hs.Space(GRID_SPACE)))
    assert expected == 3 * 3 * (3 + 1)  # units: 4 values, 3 of them at n_points=3
    study = hs.create_study(space=GRID_SPACE, sampler=sampler)
    study.optimize(lambda p: p["lr"], n_trials=1000)
    trials = study.trials
    assert len(trials) == expected
    assert len({cell(t) for t in trials}) == expected
    assert sampler.is_exhausted(study.history)


def test_grid_explicit_values_and_define_by_run() -> None:
    grid = hs.samplers.Grid({"opt": ["sgd", "adam"], "lr": [0.1, 0.01, 0.001]})

    def objective(trial: hs.Trial) -> float:
        opt = trial.suggest_categorical("opt", ["sgd", "adam"])
        lr = trial.suggest_float("lr", 1e-4, 1.0, log=True)
        return lr if opt == "adam" else 2 * lr

    study = hs.create_study(sampler=grid)
    study.optimize(objective)
    got = sorted((t.params["opt"], t.params["lr"]) for t in study.trials)
    assert got == sorted((o, lr) for o in ["sgd", "adam"] for lr in [0.1, 0.01, 0.001])
    assert study.best_params == {"opt": "adam", "lr": 0.001}


def test_grid_rejects_values_outside_the_space() -> None:
    study = hs.create_study(space={"x": hs.Float(0, 1)}, sampler=hs.samplers.Grid({"x": [0.5, 2]}))
    with pytest.raises(ValueError, match=r"values \[2\] for 'x' are outside"):
        study.optimize(lambda p: p["x"])
    with pytest.raises(ValueError, match="n_points must be an integer >= 1"):
        hs.samplers.Grid(n_points=0)


def test_grid_interrupted_and_resumed_runs_each_cell_exactly_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'g.db'}"
    calls = {"n": 0}

    def objective(p: dict[str, Any]) -> float:
        calls["n"] += 1
        if calls["n"] == 10:
            raise KeyboardInterrupt
        return float(p["units"])

    study = hs.create_study(
        "g", storage=url, space=GRID_SPACE, sampler=hs.samplers.Grid(n_points=3)
    )
    with pytest.raises(KeyboardInterrupt):
        study.optimize(objective)
    before = hs.load_study("g", storage=url).trials
    assert [t.state for t in before].count(TrialState.COMPLETE) == 9
    assert before[-1].state is TrialState.FAIL and before[-1].interrupted
    resumed = hs.load_study("g", storage=url, sampler=hs.samplers.Grid(n_points=3))
    resumed.optimize(objective)
    complete = [t for t in resumed.trials if t.state is TrialState.COMPLETE]
    assert len(complete) == 36
    assert len({cell(t) for t in complete}) == 36
    assert cell(before[-1]) in {cell(t) for t in complete}  # the interrupted cell ran again
    assert [cell(t) for t in complete[:9]] == [cell(t) for t in before[:9]]


def test_two_studies_sharing_storage_never_repeat_a_cell(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    a = hs.create_study(
        "shared", storage=url, space=GRID_SPACE, sampler=hs.samplers.Grid(n_points=2)
    )
    b = hs.load_study("shared", storage=url, sampler=hs.samplers.Grid(n_points=2))
    done = 0
    while True:
        try:
            ta, tb = a.ask(), b.ask()
        except hs.GridExhausted:
            break
        a.tell(ta, 1.0)
        b.tell(tb, 1.0)
        done += 2
    cells = [cell(t) for t in a.trials if t.state is TrialState.COMPLETE]
    assert len(cells) == len(set(cells)) == 2 * 2 * 3
    assert done == 12


def test_grid_refines_around_the_best_cell() -> None:
    def f(p: dict[str, Any]) -> float:
        return (np.log10(p["C"]) - 1.3) ** 2 + (p["kernel"] != "rbf")

    space = {"C": hs.Float(1e-3, 1e3, log=True), "kernel": hs.Categorical(["rbf", "linear"])}
    coarse = hs.minimize(f, space, sampler=hs.samplers.Grid(n_points=5), n_trials=None,
                         verbosity=0)  # fmt: skip
    fine = hs.minimize(f, space, sampler=hs.samplers.Grid(n_points=5, rounds=3), n_trials=None,
                       verbosity=0)  # fmt: skip
    assert len(coarse.trials) == 10
    assert 10 < len(fine.trials) <= 10 + 2 * 5
    assert fine.best_value < 0.8 * coarse.best_value
    later = [t for t in fine.trials[10:]]
    assert all(t.params["kernel"] == "rbf" for t in later)  # categoricals stay at the best
    assert all(1e-1 <= t.params["C"] <= 1e3 for t in later)  # inside the best cell's neighbours


@pytest.mark.parametrize("n_points", [3, 4])
def test_refined_rounds_add_new_points_and_never_repeat_a_cell(n_points: int) -> None:
    space = {"C": hs.Float(1e-2, 1e2, log=True), "gamma": hs.Float(1e-3, 1e1, log=True)}
    sampler = hs.samplers.Grid(n_points=n_points, rounds=3)
    r = hs.minimize(lambda p: (np.log10(p["C"]) - 0.7) ** 2 + (np.log10(p["gamma"]) + 1.2) ** 2,
                    space, sampler=sampler, n_trials=None, verbosity=0)  # fmt: skip
    keys = [tuple(f"{v:.9g}" for v in t.params.values()) for t in r.trials]
    assert len(keys) == len(set(keys))  # no cell twice, not even up to rounding
    assert len(r.trials) > n_points**2  # odd or even, refinement found new points


def test_random_never_repeats_on_a_discrete_space_and_stops_when_done() -> None:
    space = {"a": hs.Categorical(["x", "y", "z"]), "b": hs.Int(1, 4), "c": hs.Float(0, 1, step=0.5)}
    r = hs.minimize(lambda p: p["b"], space, n_trials=100, seed=0, sampler="random",
                    verbosity=0)  # fmt: skip
    assert len(r.trials) == 3 * 4 * 3  # stopped when the space was exhausted
    assert len({json.dumps(t.flat, sort_keys=True) for t in r.trials}) == 36


def test_random_repeats_only_when_allowed() -> None:
    space = {"a": hs.Categorical(["x", "y"]), "b": hs.Int(1, 2)}
    sampler = hs.samplers.Random(seed=0, allow_repeats=True)
    r = hs.minimize(lambda p: p["b"], space, sampler=sampler, n_trials=20, verbosity=0)
    assert len(r.trials) == 20 and len({json.dumps(t.flat, sort_keys=True) for t in r.trials}) <= 4


def test_history_seen_tracks_changes_and_ignores_interrupted_trials() -> None:
    study = hs.create_study(space={"k": hs.Int(0, 1000)}, seed=0)
    trial = study.ask()
    flat = dict(trial.flat)
    assert study.history.seen(flat)  # running counts: another worker must not take it
    study.tell(trial, 1.0)
    assert study.history.seen(flat) and not study.history.seen({"k": -1})
    study.delete_trial(trial.number)
    assert not study.history.seen(flat)
    trial = study.ask()
    study._interrupt(trial.number, "test")
    assert not study.history.seen(dict(trial.flat))
