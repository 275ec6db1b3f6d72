"""The tuning loop: ask/tell, optimize, budgets, failures, enqueue, evolution, export."""

from __future__ import annotations

import logging
import math
import statistics
from pathlib import Path
from typing import Any

import pytest

import hypersweep as hs
from hypersweep import TrialState

from .helpers import storage_url

STORAGES = ["memory", "sqlite"]
SPACE = {
    "x": hs.Float(-5, 5),
    "model": hs.Categorical(
        [{"kind": "svm", "C": hs.Float(1e-3, 1e3, log=True)}, {"kind": "knn", "k": hs.Int(1, 50)}]
    ),
}


def quadratic(p: dict[str, Any]) -> float:
    return (p["x"] - 1.0) ** 2 + (0.0 if p["model"]["kind"] == "svm" else 0.5)


@pytest.fixture(params=STORAGES)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str | None:
    return storage_url(request.param, tmp_path)


def test_minimize_returns_real_nested_values(url: str | None) -> None:
    r = hs.minimize(quadratic, SPACE, n_trials=40, seed=0, storage=url, study="q", verbosity=0)
    assert len(r.trials) == 40
    assert r.best_value == min(t.value for t in r.trials if t.value is not None)
    assert r.best_params["model"]["kind"] in ("svm", "knn")
    assert r.best_value == pytest.approx(quadratic(r.best_params))
    assert all(t.state is TrialState.COMPLETE for t in r.trials)
    assert [t.number for t in r.trials] == list(range(40))


def test_same_seed_same_sequence_different_seed_differs() -> None:
    def run(seed: int) -> list[Any]:
        r = hs.minimize(quadratic, SPACE, n_trials=15, seed=seed, verbosity=0)
        return [t.params for t in r.trials]

    assert run(3) == run(3)
    assert run(3) != run(4)


def test_maximize_picks_the_largest(url: str | None) -> None:
    r = hs.maximize(lambda p: -quadratic(p), SPACE, n_trials=20, seed=1, storage=url, verbosity=0)
    assert r.best_value == max(t.value for t in r.trials if t.value is not None)
    assert r.study.direction is hs.Direction.MAXIMIZE


def test_fmin_returns_values_not_indices() -> None:
    from hypersweep import hp

    space = {"units": hp.choice("units", [64, 128, 256]), "act": hp.choice("act", ["relu", "tanh"])}
    best = hs.fmin(lambda p: -p["units"] + (p["act"] == "tanh"), space, max_evals=30, seed=0,
                   verbosity=0)  # fmt: skip
    assert best == {"units": 256, "act": "relu"}


def test_define_by_run_with_conditional_parameters(url: str | None) -> None:
    def objective(trial: hs.Trial) -> float:
        kind = trial.suggest_categorical("kind", ["a", "b"])
        if kind == "a":
            x = trial.suggest_float("x", -2, 2)
            assert trial.suggest_float("x", -2, 2) == x  # asking again gives the same value
            return x**2
        return float(trial.suggest_int("n", 1, 5, log=True))

    study = hs.create_study(name="dbr", storage=url, seed=0)
    study.optimize(objective, 30)
    trials = study.trials
    assert len(trials) == 30
    for t in trials:
        assert set(t.params) == ({"kind", "x"} if t.params["kind"] == "a" else {"kind", "n"})
        assert t.system_attrs["space"]["kind"]["kind"] == "categorical"
    assert study.best_params["kind"] == "a"


def test_one_name_one_definition_within_a_trial() -> None:
    study = hs.create_study()
    trial = study.ask()
    trial.suggest_float("x", 0, 1)
    with pytest.raises(ValueError, match="'x' was already suggested"):
        trial.suggest_float("x", 0, 2)


def test_ask_tell_loop(url: str | None) -> None:
    study = hs.create_study(name="at", storage=url, space={"x": hs.Float(0, 1)}, seed=2)
    for _ in range(5):
        trial = study.ask()
        study.tell(trial, trial.params["x"] ** 2)
    assert len(study.trials) == 5 and study.best_value == min(t.value for t in study.trials)
    with pytest.raises(ValueError, match="already COMPLETE"):
        study.tell(0, 1.0)


def test_dict_results_keep_extra_information(url: str | None) -> None:
    def objective(p: dict[str, Any]) -> dict[str, Any]:
        return {"loss": p["x"], "status": "ok", "accuracy": 1 - p["x"], "folds": [1, 2]}

    r = hs.minimize(objective, {"x": hs.Float(0, 1)}, n_trials=3, storage=url, verbosity=0)
    t = r.trials[0]
    assert t.user_attrs == {"accuracy": pytest.approx(1 - t.value), "folds": [1, 2]}


@pytest.mark.parametrize(
    ("returned", "reason"),
    [
        (float("nan"), "returned NaN"),
        ("0.5", "must return a number"),
        (None, "must return a number"),
        ({"status": "fail"}, "status 'fail'"),
        ({"accuracy": 3}, "needs a 'loss' entry"),
    ],
)
def test_bad_results_fail_the_trial_and_the_study_goes_on(returned: Any, reason: str) -> None:
    calls = []

    def objective(p: dict[str, Any]) -> Any:
        calls.append(p)
        return returned if len(calls) == 2 else p["x"]

    r = hs.minimize(objective, {"x": hs.Float(0, 1)}, n_trials=4, verbosity=0)
    states = [t.state for t in r.trials]
    assert states == [
        TrialState.COMPLETE,
        TrialState.FAIL,
        TrialState.COMPLETE,
        TrialState.COMPLETE,
    ]
    assert reason in (r.trials[1].error or "")


def test_exceptions_fail_the_trial_with_the_reason_stored(url: str | None) -> None:
    def objective(p: dict[str, Any]) -> float:
        if p["x"] > 0.5:
            raise RuntimeError("diverged")
        return p["x"]

    study = hs.create_study(name="exc", storage=url, space={"x": hs.Float(0, 1)}, seed=0)
    study.optimize(objective, 20)
    failed = [t for t in study.trials if t.state is TrialState.FAIL]
    assert failed and all("RuntimeError: diverged" in (t.error or "") for t in failed)
    assert all(t.params["x"] > 0.5 for t in failed)
    assert len(study.trials) == 20


def test_catch_nothing_stops_the_study_but_keeps_the_record() -> None:
    study = hs.create_study(space={"x": hs.Float(0, 1)})
    with pytest.raises(ZeroDivisionError):
        study.optimize(lambda p: 1 / 0, 5, catch=())
    (t,) = study.trials
    assert t.state is TrialState.FAIL and "ZeroDivisionError" in (t.error or "")


def test_pruned_trials_keep_their_last_value() -> None:
    def objective(trial: hs.Trial) -> float:
        x = trial.suggest_float("x", 0, 1)
        for step in range(5):
            trial.report(x + step, step)
            if step == 2 and x > 0.5:
                raise hs.TrialPruned()
        return x

    study = hs.create_study(seed=0)
    study.optimize(objective, 12)
    pruned = [t for t in study.trials if t.state is TrialState.PRUNED]
    assert pruned
    for t in pruned:
        assert t.intermediate == {0: t.params["x"], 1: t.params["x"] + 1, 2: t.params["x"] + 2}
        assert t.value == pytest.approx(t.params["x"] + 2)


def test_median_pruner_stops_worse_curves() -> None:
    def objective(trial: hs.Trial) -> float:
        level = trial.suggest_float("level", 0, 10)
        for step in range(10):
            trial.report(level, step)
            if trial.should_prune():
                raise hs.TrialPruned()
        return level

    # random search: the test is about the pruner's rule and needs many poor levels to prune
    study = hs.create_study(seed=0, sampler="random", pruner=hs.pruners.Median(n_startup_trials=5))
    study.optimize(objective, 40)
    complete = [t for t in study.trials if t.state is TrialState.COMPLETE]
    pruned = [t for t in study.trials if t.state is TrialState.PRUNED]
    assert len(pruned) >= 10
    for t in pruned:  # pruned exactly when above the median of earlier trials at that step
        step = t.last_step
        assert step is not None
        peers = [u.intermediate[step] for u in study.trials[: t.number] if step in u.intermediate]
        assert t.intermediate[step] > statistics.median(peers)
        if step > 0:  # and not earlier, when it was not above the median
            earlier = [u.intermediate[step - 1] for u in study.trials[: t.number]
                       if step - 1 in u.intermediate]  # fmt: skip
            assert t.intermediate[step - 1] <= statistics.median(earlier)
    assert len(complete) + len(pruned) == 40


def test_n_trials_is_the_study_budget_and_resume_runs_only_the_rest(url: str | None) -> None:
    hs.minimize(quadratic, SPACE, n_trials=7, seed=0, storage=url, study="b", verbosity=0)
    if url is None:
        return  # an in-memory study is gone with its storage
    r = hs.minimize(quadratic, SPACE, n_trials=12, seed=0, storage=url, study="b", verbosity=0)
    assert len(r.trials) == 12
    fresh = hs.minimize(quadratic, SPACE, n_trials=12, seed=0, verbosity=0)
    assert [t.params for t in r.trials] == [t.params for t in fresh.trials]


def test_timeout_stops_the_loop() -> None:
    import time

    study = hs.create_study(space={"x": hs.Float(0, 1)})
    t0 = time.monotonic()
    study.optimize(lambda p: time.sleep(0.02) or p["x"], timeout=0.3)
    assert time.monotonic() - t0 < 2.0
    assert 3 <= len(study.trials) <= 16


def test_callbacks_see_every_finished_trial() -> None:
    seen: list[int] = []
    study = hs.create_study(space={"x": hs.Float(0, 1)})
    study.optimize(lambda p: p["x"], 6, callbacks=[lambda s, t: seen.append(t.number)])
    assert seen == list(range(6))


def test_enqueue_runs_known_configurations_first(url: str | None) -> None:
    study = hs.create_study(name="enq", storage=url, space=SPACE, seed=0)
    study.enqueue({"x": 1.0, "model": {"kind": "knn", "k": 7}})
    study.enqueue({"x": 2.0})  # flat and partial: the model is sampled
    study.optimize(quadratic, 5)
    t0, t1 = study.trials[:2]
    assert t0.params == {"x": 1.0, "model": {"kind": "knn", "k": 7}}
    assert t0.system_attrs.get("enqueued") is True
    assert t1.params["x"] == 2.0 and t1.params["model"]["kind"] in ("svm", "knn")
    with pytest.raises(ValueError, match=r"x: 9\.0 is not a valid value"):
        study.enqueue({"x": 9.0, "model": {"kind": "knn", "k": 7}})
    with pytest.raises(ValueError, match="not in the space"):
        study.enqueue({"x": 9.0})


def test_queued_trials_that_fill_the_budget_still_run(url: str | None) -> None:
    """Enqueued trials (and retries of dead workers' trials) hold budget slots; a budget
    they fill must run them, not stop with them still WAITING."""
    study = hs.create_study(name="enqfull", storage=url, space={"x": hs.Float(0, 3)})
    for x in (0.5, 1.0, 2.0):
        study.enqueue({"x": x})
    study.optimize(lambda p: p["x"], 3)
    assert [(t.state, t.params["x"]) for t in study.trials] == [
        (hs.TrialState.COMPLETE, 0.5),
        (hs.TrialState.COMPLETE, 1.0),
        (hs.TrialState.COMPLETE, 2.0),
    ]
    study.optimize(lambda p: p["x"], 3)  # the budget is spent: nothing more runs
    assert len(study.trials) == 3


def test_user_attrs_on_trials_and_studies(url: str | None) -> None:
    def objective(trial: hs.Trial) -> float:
        trial.set_user_attr("note", {"epochs": 3})
        return trial.suggest_float("x", 0, 1)

    study = hs.create_study(name="ua", storage=url)
    study.optimize(objective, 2)
    study.set_user_attr("dataset", "iris")
    assert study.trials[0].user_attrs == {"note": {"epochs": 3}}
    assert hs.load_study("ua", storage=study.storage).user_attrs == {"dataset": "iris"}


def test_best_trial_needs_a_complete_trial() -> None:
    study = hs.create_study()
    with pytest.raises(ValueError, match="no COMPLETE trial yet"):
        study.best_trial  # noqa: B018


def test_delete_single_trials(url: str | None) -> None:
    r = hs.minimize(quadratic, SPACE, n_trials=6, seed=0, storage=url, study="del", verbosity=0)
    best = r.best_trial.number
    r.study.delete_trial(best)
    numbers = [t.number for t in r.study.trials]
    assert best not in numbers and len(numbers) == 5
    assert r.study.best_trial.number != best
    assert r.study.best_value == min(t.value for t in r.study.trials if t.value is not None)


def test_space_can_grow_but_not_change_incompatibly(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'evolve.db'}"
    space = {"act": hs.Categorical(["relu", "tanh"]), "x": hs.Float(0, 1)}
    hs.minimize(lambda p: p["x"], space, n_trials=5, storage=url, study="e", seed=0, verbosity=0)
    grown = {"act": hs.Categorical(["relu", "tanh", "gelu"]), "x": hs.Float(0, 1),
             "depth": hs.Int(1, 4)}  # fmt: skip
    r = hs.minimize(lambda p: p["x"], grown, n_trials=30, storage=url, study="e", seed=0,
                    verbosity=0)  # fmt: skip
    assert len(r.trials) == 30
    assert "depth" not in r.trials[0].params and "depth" in r.trials[-1].params
    assert any(t.params["act"] == "gelu" for t in r.trials[5:])
    assert hs.load_study("e", storage=url).space.leaves.keys() == {"act", "x", "depth"}
    with pytest.raises(hs.SpaceChanged, match=r"'act' lost the choices \['tanh', 'gelu'\]"):
        hs.load_study(
            "e", storage=url, space={"act": hs.Categorical(["relu"]), "x": hs.Float(0, 1)}
        )
    with pytest.raises(hs.SpaceChanged, match="'x' changed from float to categorical"):
        hs.create_study("e", storage=url, load_if_exists=True,
                        space={"act": grown["act"], "x": hs.Categorical([0, 1])})  # fmt: skip


def test_clear_errors_for_names_and_urls(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'names.db'}"
    hs.create_study("taken", storage=url)
    with pytest.raises(hs.DuplicateStudy, match="load_if_exists=True"):
        hs.create_study("taken", storage=url)
    with pytest.raises(hs.StudyNotFound, match=r"no study named 'missing'.*studies there: taken"):
        hs.load_study("missing", storage=url)
    with pytest.raises(hs.StorageError, match=r"sqlite:///runs\.db"):
        hs.create_study(storage="runs.db")
    with pytest.raises(ValueError, match="direction must be 'minimize' or 'maximize'"):
        hs.create_study(direction="up")
    with pytest.raises(ValueError, match="unknown sampler 'annealing'"):
        hs.create_study(sampler="annealing")
    with pytest.raises(ValueError, match="was created to minimize"):
        hs.create_study("taken", storage=url, direction="maximize", load_if_exists=True)


def test_new_best_is_announced() -> None:
    class Collect(logging.Handler):
        def __init__(self) -> None:
            super().__init__()
            self.messages: list[str] = []

        def emit(self, record: logging.LogRecord) -> None:
            self.messages.append(record.getMessage())

    hs.set_verbosity(1)
    collect = Collect()
    logger = logging.getLogger("hypersweep")
    logger.addHandler(collect)
    try:
        values = iter([3.0, 2.0, 5.0, 1.0])
        study = hs.create_study(space={"x": hs.Float(0, 1)})
        study.optimize(lambda p: next(values), 4)
    finally:
        logger.removeHandler(collect)
    lines = [m for m in collect.messages if "new best" in m]
    assert [line.split(":")[0] for line in lines] == ["Trial 0", "Trial 1", "Trial 3"]


def test_to_dataframe_and_records(url: str | None) -> None:
    pytest.importorskip("pandas")
    r = hs.minimize(quadratic, SPACE, n_trials=8, seed=0, storage=url, verbosity=0)
    df = r.study.to_dataframe()
    assert len(df) == 8 and {"number", "state", "value", "params_x", "params_model"} <= set(df)
    assert df["value"].min() == pytest.approx(r.best_value)
    assert not math.isnan(df["duration"].iloc[0])


def test_trial_seed_is_derived_and_reproducible() -> None:
    def seeds(seed: int) -> list[int]:
        study = hs.create_study(seed=seed)
        out: list[int] = []
        study.optimize(lambda t: out.append(t.seed) or t.suggest_float("x", 0, 1), 5)
        return out

    assert seeds(1) == seeds(1) and len(set(seeds(1))) == 5 and seeds(1) != seeds(2)


def test_list_and_delete_studies(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'many.db'}"
    for name in ("first", "second"):
        hs.minimize(quadratic, SPACE, n_trials=2, storage=url, study=name, verbosity=0)
    assert hs.list_studies(url) == ["first", "second"]
    hs.delete_study("first", storage=url)
    assert hs.list_studies(url) == ["second"]
    with pytest.raises(hs.StudyNotFound):
        hs.delete_study("first", storage=url)
    assert len(hs.load_study("second", storage=url).trials) == 2
