"""hypersweep's own defaults: TPE when no sampler is named, ``default_pruner()`` when no
pruner is, and optimize's budget when no n_trials or timeout is given (a grid runs to its
end, anything else 100 trials, said in one log line)."""

from __future__ import annotations

import logging
import math
import statistics
from pathlib import Path
from typing import Any

import pytest

import hypersweep as hs
from hypersweep import TrialState
from hypersweep.study.options import DEFAULT_N_TRIALS

from .helpers import storage_url


class _Stop(Exception):
    """Raised by a callback to end a run that no budget would end."""


def stop_after(n: int) -> Any:
    def callback(_study: Any, trial: hs.FrozenTrial) -> None:
        if trial.number + 1 >= n:
            raise _Stop

    return callback


def shifted_square(p: dict[str, Any]) -> float:
    return (p["x"] - 1.3) ** 2


# --- the default sampler --------------------------------------------------------------
def test_a_study_that_names_no_sampler_gets_tpe_and_the_default_pruner(tmp_path: Path) -> None:
    pruner_kind = type(hs.pruners.default_pruner())
    study = hs.create_study(space={"x": hs.Float(-5, 5)})
    assert isinstance(study.sampler, hs.samplers.TPE)
    assert isinstance(study.pruner, pruner_kind)
    url = storage_url("sqlite", tmp_path)
    hs.create_study("s", storage=url)
    loaded = hs.load_study("s", storage=url)
    assert isinstance(loaded.sampler, hs.samplers.TPE)
    assert isinstance(loaded.pruner, pruner_kind)
    r = hs.minimize(shifted_square, {"x": hs.Float(-5, 5)}, n_trials=3, verbosity=0)
    assert isinstance(r.study.sampler, hs.samplers.TPE)
    assert isinstance(r.study.pruner, pruner_kind)


def test_naming_a_sampler_or_pruner_still_wins() -> None:
    study = hs.create_study(sampler="random", pruner=hs.pruners.NoPruning())
    assert isinstance(study.sampler, hs.samplers.Random)
    assert isinstance(study.pruner, hs.pruners.NoPruning)


def test_the_default_finds_a_1d_minimum_far_better_than_random_search() -> None:
    """Measured when written: median best regret 3e-6 (default) against 3e-3 (random),
    default better on 11 of 12 seeds. The margins below leave a factor 10 to spare."""
    space = {"x": hs.Float(-5, 5)}
    default, random = [], []
    for seed in range(10):
        default.append(hs.minimize(shifted_square, space, n_trials=40, seed=seed,
                                   verbosity=0).best_value)  # fmt: skip
        random.append(hs.minimize(shifted_square, space, n_trials=40, seed=seed,
                                  sampler="random", verbosity=0).best_value)  # fmt: skip
    wins = sum(d < r for d, r in zip(default, random))
    assert wins >= 8, (default, random)
    assert statistics.median(default) < statistics.median(random) / 100, (default, random)


def test_hs_fmin_defaults_to_tpe_as_hyperopt_does() -> None:
    seen: list[Any] = []

    def objective(p: dict[str, Any]) -> float:
        seen.append(p)
        return shifted_square(p)

    hs.fmin(objective, {"x": hs.Float(-5, 5)}, max_evals=12, seed=0, verbosity=0)
    tpe = hs.minimize(shifted_square, {"x": hs.Float(-5, 5)}, sampler="tpe", n_trials=12,
                      seed=0, verbosity=0)  # fmt: skip
    assert seen == [t.params for t in tpe.trials]


SPACES: dict[str, Any] = {
    "numeric": {
        "x": hs.Float(-5, 5),
        "n": hs.Int(1, 50),
        "lr": hs.Float(1e-5, 1, log=True),
        "z": hs.Normal(0, 1),
        "q": hs.Float(0, 1, step=0.1),
    },
    "conditional": {
        "x": hs.Float(-5, 5),
        "model": hs.Categorical(
            [
                {"kind": "svm", "C": hs.Float(1e-3, 1e3, log=True)},
                {"kind": "knn", "k": hs.Int(1, 50)},
            ]
        ),
    },
    "repeat": {
        "layers": hs.Repeat({"units": hs.Int(8, 256, log=True)}, min=1, max=3),
        "lr": hs.Float(1e-4, 1e-1, log=True),
    },
    "constant and categorical": {
        "fixed": 3,
        "act": hs.Categorical(["relu", "tanh", "gelu"]),
        "x": hs.Float(0, 1),
    },
}


def _score(value: Any) -> float:
    """Any nested configuration as one number, so every space gets a real objective."""
    if isinstance(value, dict):
        return sum(_score(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return sum(_score(v) for v in value) + len(value)
    if isinstance(value, (int, float)):
        return float(value) ** 2 / (1 + abs(float(value)))
    return float(len(str(value)))


@pytest.mark.parametrize("kind", list(SPACES))
def test_every_static_space_kind_runs_with_the_default_past_its_random_start(kind: str) -> None:
    study = hs.create_study(space=SPACES[kind], seed=4)
    study.optimize(_score, 25)  # TPE's model takes over after 10 trials
    assert [t.state for t in study.trials] == [TrialState.COMPLETE] * 25
    assert len({repr(t.params) for t in study.trials}) == 25


def test_define_by_run_with_branches_runs_with_the_default() -> None:
    def objective(trial: hs.Trial) -> float:
        kind = trial.suggest_categorical("kind", ["a", "b"])
        if kind == "a":
            return (trial.suggest_float("x", -3, 3) - 1) ** 2
        return 0.5 + trial.suggest_int("k", 1, 9) / 10

    study = hs.create_study(seed=2)
    study.optimize(objective, 30)
    assert all(t.state is TrialState.COMPLETE for t in study.trials)
    assert study.best_value < 0.5  # branch a's minimum is 0; b never goes below 0.6


def test_a_small_finite_space_is_tried_once_each_and_then_ends(
    caplog: pytest.LogCaptureFixture,
) -> None:
    space = {"a": hs.Categorical(list(range(4))), "b": hs.Int(0, 2)}
    study = hs.create_study(space=space, seed=0)
    with caplog.at_level(logging.INFO, logger="hypersweep"):
        study.optimize(lambda p: p["a"] + p["b"])
    keys = [(t.params["a"], t.params["b"]) for t in study.trials]
    assert sorted(keys) == [(a, b) for a in range(4) for b in range(3)]
    assert "its space holds only 12 configurations" in caplog.text
    caplog.clear()
    repeating = hs.create_study(space=space, sampler=hs.samplers.Random(allow_repeats=True))
    with caplog.at_level(logging.INFO, logger="hypersweep"):
        repeating.optimize(lambda p: p["a"] + p["b"])
    assert len(repeating.trials) == 100  # it may repeat, so it never runs out
    assert "holds only" not in caplog.text


# --- the default pruner ---------------------------------------------------------------
def curve_objective(trial: hs.Trial) -> float:
    """A learning curve that flattens out at ``level``: high levels are hopeless early."""
    level = trial.suggest_float("level", 0, 10)
    value = level
    for step in range(1, 28):
        value = level + 10 / step
        trial.report(value, step)
        if trial.should_prune():
            raise hs.TrialPruned()
    return value


def test_the_default_pruner_prunes_a_hopeless_reporting_objective() -> None:
    study = hs.create_study(sampler="random", seed=0)
    study.optimize(curve_objective, 40)
    pruned = study.get_trials([TrialState.PRUNED])
    assert len(pruned) >= 10
    assert all(t.last_step is not None and t.last_step < 27 for t in pruned)
    complete = study.get_trials([TrialState.COMPLETE])
    # what it stopped was the worse half: pruned levels sit above the kept ones' median
    assert statistics.median(t.params["level"] for t in pruned) > statistics.median(
        t.params["level"] for t in complete
    )


def test_no_pruning_switches_it_off() -> None:
    study = hs.create_study(sampler="random", seed=0, pruner=hs.pruners.NoPruning())
    study.optimize(curve_objective, 40)
    assert [t.state for t in study.trials] == [TrialState.COMPLETE] * 40
    assert all(t.last_step == 27 for t in study.trials)


def test_objectives_that_never_report_run_as_without_a_pruner() -> None:
    space = {"x": hs.Float(-5, 5), "k": hs.Int(1, 9)}
    f = lambda p: shifted_square(p) + p["k"]  # noqa: E731
    default = hs.create_study(space=space, seed=5)
    default.optimize(f, 30)
    off = hs.create_study(space=space, seed=5, pruner=hs.pruners.NoPruning())
    off.optimize(f, 30)
    assert [t.state for t in default.trials] == [TrialState.COMPLETE] * 30
    assert [t.params for t in default.trials] == [t.params for t in off.trials]


def test_the_default_pruner_with_repeats_judges_repeat_0_only() -> None:
    calls: list[tuple[int, int]] = []

    def objective(trial: hs.Trial) -> float:
        calls.append((trial.number, trial.repeat))
        return curve_objective(trial)

    study = hs.create_study(sampler="random", seed=0, repeats=2)
    study.optimize(objective, 30)
    pruned = study.get_trials([TrialState.PRUNED])
    assert pruned
    for t in pruned:  # a pruned first repeat ends the trial: the second never runs
        assert (t.number, 1) not in calls
    for t in study.get_trials([TrialState.COMPLETE]):
        assert (t.number, 1) in calls


# --- resumed studies ------------------------------------------------------------------
def test_a_study_begun_with_random_search_resumes_with_tpe_and_its_seed(tmp_path: Path) -> None:
    """Samplers are not stored: a study run under the old default (random search) and
    opened without a sampler continues with TPE, seeded by the stored seed, which uses
    the earlier trials as its random start."""

    def old_then_resumed(folder: Path) -> hs.Study:
        folder.mkdir()
        url = storage_url("sqlite", folder)
        old = hs.create_study("old", storage=url, space={"x": hs.Float(-5, 5)},
                              sampler="random", seed=11)  # fmt: skip
        old.optimize(shifted_square, 12)
        resumed = hs.load_study("old", storage=url)
        assert isinstance(resumed.sampler, hs.samplers.TPE)
        assert resumed.sampler.seed == old.system_attrs["seed"] == 11
        assert isinstance(resumed.pruner, type(hs.pruners.default_pruner()))
        resumed.optimize(shifted_square, 40)
        return resumed

    one, two = old_then_resumed(tmp_path / "a"), old_then_resumed(tmp_path / "b")
    assert [t.params for t in one.trials] == [t.params for t in two.trials]
    first = [abs(t.params["x"] - 1.3) for t in one.trials[:12]]
    later = [abs(t.params["x"] - 1.3) for t in one.trials[20:]]
    assert statistics.median(later) < statistics.median(first) / 3, (first, later)


# --- optimize's budget when none is given ------------------------------------------------
GRID_72 = {"a": hs.Categorical(list(range(6))), "b": hs.Categorical(list(range(4))),
           "c": hs.Categorical([0, 1, 2])}  # fmt: skip
GRID_120 = {**GRID_72, "c": hs.Categorical(list(range(5)))}


def test_a_grid_runs_every_cell_without_n_trials(caplog: pytest.LogCaptureFixture) -> None:
    study = hs.create_study(space=GRID_72, sampler="grid")
    with caplog.at_level(logging.INFO, logger="hypersweep"):
        study.optimize(lambda p: p["a"] + p["b"] + p["c"])
    assert len(study.trials) == 72
    assert len({repr(t.params) for t in study.trials}) == 72
    assert "the grid runs to its end (72 cells)" in caplog.text


def test_minimize_runs_a_grid_larger_than_the_default_budget_to_its_end() -> None:
    r = hs.minimize(lambda p: p["a"] + p["b"] + p["c"], GRID_120, sampler="grid", verbosity=0)
    assert len(r.trials) == 120 > DEFAULT_N_TRIALS


def test_an_explicit_n_trials_still_caps_a_grid() -> None:
    study = hs.create_study(space=GRID_72, sampler="grid")
    study.optimize(lambda p: p["a"], 30)
    assert len(study.trials) == 30
    r = hs.minimize(lambda p: p["a"], GRID_120, sampler="grid", n_trials=50, verbosity=0)
    assert len(r.trials) == 50


def test_a_continuous_space_without_a_budget_runs_the_default_and_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    study = hs.create_study(space={"x": hs.Float(-5, 5)}, sampler="random", name="endless")
    with caplog.at_level(logging.INFO, logger="hypersweep"):
        study.optimize(shifted_square, callbacks=[stop_after(DEFAULT_N_TRIALS + 50)])
    assert len(study.trials) == DEFAULT_N_TRIALS == 100
    assert "no n_trials or timeout given, so this run stops when the study holds 100" in (
        caplog.text
    )
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="hypersweep"):
        study.optimize(shifted_square)  # a rerun has its budget and says so
    assert len(study.trials) == 100
    assert "n_trials=100 (the default when none is given" in caplog.text


def test_a_timeout_alone_is_not_capped_by_the_default_budget() -> None:
    study = hs.create_study(space={"x": hs.Float(-5, 5)}, sampler="random")
    with pytest.raises(_Stop):
        study.optimize(shifted_square, timeout=math.inf, callbacks=[stop_after(130)])
    assert len(study.trials) == 130


def test_n_more_is_not_replaced_by_the_default() -> None:
    study = hs.create_study(space={"x": hs.Float(-5, 5)}, sampler="random")
    study.optimize(shifted_square, n_more=7)
    study.optimize(shifted_square, n_more=5)
    assert len(study.trials) == 12
