"""Traps a new user fell into, each kept closed: a rerun that silently runs nothing, a
define-by-run objective on a stored space, a buggy objective burning the budget, and a
second tell."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

import hypersweep as hs
from hypersweep.trial import TrialState


def _square(p: dict[str, float]) -> float:
    return p["x"] ** 2


def test_a_rerun_that_has_its_budget_says_so_and_n_more_runs_more(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    hs.minimize(_square, {"x": hs.Float(-1, 1)}, n_trials=12, seed=0, storage=url,
                study="s", verbosity=0)  # fmt: skip
    study = hs.load_study("s", storage=url)
    with caplog.at_level(logging.INFO, logger="hypersweep"):
        study.optimize(_square, n_trials=10)
    assert len(study.trials) == 12
    said = [r.getMessage() for r in caplog.records if "nothing to run" in r.getMessage()]
    assert len(said) == 1 and "12 trials" in said[0] and "n_more=10" in said[0], said
    study.optimize(_square, n_more=10)
    assert len(study.trials) == 22
    assert sum(t.state is TrialState.COMPLETE for t in study.trials) == 22


def test_n_more_and_n_trials_together_are_refused() -> None:
    study = hs.create_study(space={"x": hs.Float(-1, 1)})
    with pytest.raises(ValueError, match="not both"):
        study.optimize(_square, n_trials=5, n_more=5)
    with pytest.raises(ValueError, match="n_more must be an integer >= 0"):
        study.optimize(_square, n_more=-1)


def test_a_define_by_run_objective_runs_on_a_study_whose_space_was_stored(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'b.db'}"
    hs.minimize(_square, {"x": hs.Float(-1, 1)}, n_trials=5, seed=0, storage=url,
                study="s", verbosity=0)  # fmt: skip
    study = hs.load_study("s", storage=url)

    def objective(trial: hs.Trial) -> float:
        x = trial.suggest_float("x", -1, 1)  # a leaf of the stored space: its value
        extra = trial.suggest_int("extra", 0, 3)  # a new name: sampled
        trial.report(x**2, step=0)
        return x**2 + extra

    study.optimize(objective, n_more=6)
    new = study.trials[5:]
    assert len(new) == 6 and all(t.state is TrialState.COMPLETE for t in new), [
        t.error for t in new
    ]
    assert all(-1 <= t.params["x"] <= 1 and t.flat["extra"] in range(4) for t in new)
    assert all(t.value == pytest.approx(t.params["x"] ** 2 + t.flat["extra"]) for t in new)
    assert all(t.intermediate == {0: pytest.approx(t.params["x"] ** 2)} for t in new)


def test_suggesting_a_stored_leaf_with_another_range_fails_the_trial_clearly() -> None:
    study = hs.create_study(space={"x": hs.Float(0.5, 1)}, seed=0)
    study.optimize(lambda trial: trial.suggest_float("x", -1, 0), n_trials=2, fail_fast=0)
    assert all(t.state is TrialState.FAIL for t in study.trials)
    assert "suggest it with the space's range" in (study.trials[0].error or "")


def test_an_objective_that_always_raises_stops_after_a_few_trials() -> None:
    study = hs.create_study(space={"x": hs.Float(-1, 1)}, seed=0)
    calls: list[int] = []

    def buggy(p: dict[str, float]) -> float:
        calls.append(1)
        return p["y"]  # a typo: KeyError every time

    with pytest.raises(hs.HypersweepError, match=r"first 5 trials .* KeyError: 'y'") as info:
        study.optimize(buggy, n_trials=50)
    assert isinstance(info.value.__cause__, KeyError)
    assert len(calls) == 5 and len(study.trials) == 5
    assert "fail_fast=0" in str(info.value)
    study.optimize(buggy, n_more=7, fail_fast=0)  # asked to keep going: it does
    assert len(study.trials) == 12


def test_different_errors_or_one_success_do_not_stop_the_run() -> None:
    study = hs.create_study(space={"x": hs.Float(-1, 1)}, seed=0)
    count = iter(range(100))

    def varied(p: dict[str, float]) -> float:
        raise ValueError(f"bad input number {next(count)}")

    study.optimize(varied, n_trials=8)
    assert len(study.trials) == 8
    flaky = iter([1.0] + [None] * 20)

    def mostly_broken(p: dict[str, float]) -> float:
        value = next(flaky)
        if value is None:
            raise RuntimeError("same error")
        return value

    other = hs.create_study(space={"x": hs.Float(-1, 1)}, seed=0)
    other.optimize(mostly_broken, n_trials=8)
    assert len(other.trials) == 8


def test_telling_a_finished_trial_again_changes_nothing() -> None:
    study = hs.create_study(space={"x": hs.Float(-1, 1)}, seed=0)
    trial = study.ask()
    study.tell(trial, 0.5)
    for again in (trial, trial.number):
        with pytest.raises(hs.TrialAlreadyFinished, match=f"trial {trial.number}"):
            study.tell(again, 0.1)
    assert study.trials[0].value == 0.5 and study.trials[0].state is TrialState.COMPLETE
    assert issubclass(hs.TrialAlreadyFinished, ValueError)  # older code catching it still works


def test_tell_with_a_state_that_does_not_end_a_trial_is_refused() -> None:
    study = hs.create_study(space={"x": hs.Float(-1, 1)}, seed=0)
    trial = study.ask()
    for state in ("RUNNING", "bogus", TrialState.WAITING):
        with pytest.raises(ValueError, match="state must be COMPLETE, PRUNED or FAIL"):
            study.tell(trial, 1.0, state=state)
    assert study.trials[0].state is TrialState.RUNNING
    assert study.tell(trial, state="pruned").state is TrialState.PRUNED


def test_space_exhausted_is_public_beside_grid_exhausted() -> None:
    assert issubclass(hs.GridExhausted, hs.SpaceExhausted)
    assert issubclass(hs.SpaceExhausted, hs.HypersweepError)


def test_callbacks_in_worker_processes_get_the_public_study(tmp_path: Path) -> None:
    """Workers run the loop on the class the caller used, so a callback can call
    ``study.to_records()`` (or anything public) in every process."""
    url = f"sqlite:///{tmp_path / 'c.db'}"
    study = hs.create_study("c", storage=url, space={"x": hs.Float(-1, 1)}, seed=0)

    def note(s: hs.Study, trial: hs.FrozenTrial) -> None:
        s.set_user_attr(f"seen_{trial.number}", [type(s).__name__, len(s.to_records())])

    study.optimize(_square, n_trials=6, n_jobs=2, callbacks=[note])
    seen = {k: v for k, v in study.user_attrs.items() if k.startswith("seen_")}
    assert len(seen) == 6 and all(v[0] == "Study" and v[1] >= 1 for v in seen.values()), seen


def test_objectives_that_cannot_be_called_are_refused_before_any_trial() -> None:
    static = hs.create_study(space={"x": hs.Float(-1, 1)}, seed=0)
    with pytest.raises(TypeError, match="must be a function"):
        static.optimize(42, n_trials=3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"calls it as f\(params\) or f\(params, trial\)"):
        static.optimize(lambda: 1.0, n_trials=3)
    with pytest.raises(TypeError, match="calls it as"):
        static.optimize(lambda a, b, c: 1.0, n_trials=3)
    define_by_run = hs.create_study(seed=0)
    with pytest.raises(TypeError, match=r"calls it as f\(trial\)"):
        define_by_run.optimize(lambda trial, extra: 1.0, n_trials=3)
    assert static.trials == [] and define_by_run.trials == []
    static.optimize(lambda p, trial=None, *rest: p["x"], n_trials=2)  # optional extras are fine
    assert len(static.trials) == 2


def test_best_value_of_a_study_whose_trials_all_failed_says_why() -> None:
    study = hs.create_study(space={"x": hs.Float(-1, 1)}, seed=0)
    study.optimize(lambda p: 1 / 0, n_trials=3, fail_fast=0)
    with pytest.raises(ValueError, match=r"3 trials but none COMPLETE.*ZeroDivisionError.*n_more"):
        _ = study.best_value


class _Act:
    def __init__(self, slope: float) -> None:
        self.slope = slope


def test_object_choices_can_be_enqueued_by_leaf_path() -> None:
    acts = [_Act(0.5), _Act(2.0)]
    study = hs.create_study(space={"act": hs.Categorical(acts), "x": hs.Float(0, 1)}, seed=0)
    study.enqueue({"act": acts[1]})  # flat and partial: x is sampled
    study.optimize(lambda p: p["act"].slope * p["x"], n_trials=1)
    assert study.trials[0].params["act"] is acts[1]


def test_an_int_too_large_for_a_float_fails_the_trial_like_nan() -> None:
    study = hs.create_study(space={"x": hs.Float(0, 1)}, seed=0)
    study.optimize(lambda p: 10**400, n_trials=2, fail_fast=0)
    assert [t.state for t in study.trials] == [TrialState.FAIL] * 2
    assert "too large for a float" in (study.trials[0].error or "")
    study.optimize(lambda p: 3, n_more=1)
    assert study.best_value == 3.0 and isinstance(study.best_value, float)
