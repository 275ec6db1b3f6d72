"""Multi-objective studies and constraints through the study API: results, fronts,
selection, errors, and the single-objective best under constraints."""

from __future__ import annotations

import itertools
import math
from typing import Any

import pytest

import hypersweep as hs
from hypersweep.cli.config import fields as config_fields
from hypersweep.trial import Direction, FrozenTrial, TrialState

SPACE = {"x": hs.Float(0, 1), "y": hs.Float(0, 1)}


def two(p: dict[str, Any]) -> tuple[float, float]:
    """A convex front: minimise x, minimise (1 - x)^2 + y."""
    return p["x"], (1 - p["x"]) ** 2 + p["y"]


def study2(**kw: Any) -> hs.Study:
    kw.setdefault("sampler", "random")
    return hs.create_study(directions=["minimize", "minimize"], space=SPACE, seed=0, **kw)


def brute_front(trials: list[FrozenTrial], signs: list[float]) -> list[int]:
    """Numbers of the feasible COMPLETE trials no other feasible COMPLETE trial dominates."""
    ok = [t for t in trials if t.state is TrialState.COMPLETE
          and all(c <= 0 for c in t.system_attrs.get("constraints", []))]  # fmt: skip
    out = []
    for t in ok:
        a = [s * v for s, v in zip(signs, t.values or (), strict=True)]
        dominated = False
        for u in ok:
            b = [s * v for s, v in zip(signs, u.values or (), strict=True)]
            if all(q <= p for p, q in zip(a, b, strict=True)) and any(
                q < p for p, q in zip(a, b, strict=True)
            ):
                dominated = True
        if not dominated:
            out.append(t.number)
    return out


# --- what an objective may return ----------------------------------------------------
def test_a_sequence_and_a_dict_with_a_loss_sequence_both_complete() -> None:
    study = study2()
    study.optimize(lambda p: [p["x"], p["y"]], n_trials=3)
    study.optimize(lambda p: {"loss": (p["x"], 2.0), "note": "hi"}, n_more=2)
    done = study.trials
    assert [t.state for t in done] == [TrialState.COMPLETE] * 5
    assert done[0].values == (done[0].params["x"], done[0].params["y"])
    assert done[4].values == (done[4].params["x"], 2.0)
    assert done[4].user_attrs["note"] == "hi"


@pytest.mark.parametrize(
    ("result", "reason"),
    [
        ((1.0,), "returned 1 values"),
        ((1.0, 2.0, 3.0), "returned 3 values"),
        ((1.0, math.nan), "objective 1: the objective returned NaN"),
        ((1.0, "a"), "objective 1"),
        (1.0, "must return a sequence of 2"),
        ({"loss": 1.0}, "must return a sequence of 2"),
        ({"loss": (1.0, 2.0), "constraints": {"c": "high"}}, "constraint 'c' must be a number"),
    ],
)
def test_a_wrong_result_fails_the_trial_with_the_reason(result: Any, reason: str) -> None:
    study = study2()
    study.optimize(lambda p: result, n_trials=1, fail_fast=0)
    (trial,) = study.trials
    assert trial.state is TrialState.FAIL
    assert reason in (trial.error or "")
    assert trial.values is None


def test_single_objective_studies_still_take_a_number_and_a_one_item_sequence() -> None:
    study = hs.create_study(space=SPACE, sampler="random", seed=0)
    study.optimize(lambda p: p["x"], n_trials=2)
    study.optimize(lambda p: [p["y"]], n_more=1)
    assert [t.state for t in study.trials] == [TrialState.COMPLETE] * 3
    assert study.trials[2].value == study.trials[2].params["y"]
    assert study.directions == (Direction.MINIMIZE,)


# --- the front and the errors that point to it --------------------------------------
def test_best_trials_is_the_brute_force_front_with_mixed_directions() -> None:
    study = hs.create_study(directions=["maximize", "minimize"], space=SPACE, sampler="random",
                            seed=3, objective_names=["acc", "lat"])  # fmt: skip
    study.optimize(lambda p: (p["x"] * p["y"], p["x"] + (1 - p["y"]) ** 2), n_trials=60)
    expect = brute_front(study.trials, [-1.0, 1.0])
    assert [t.number for t in study.best_trials] == expect
    assert 1 < len(expect) < 60


def test_one_objective_errors_point_to_best_trials() -> None:
    study = study2()
    study.optimize(two, n_trials=3)
    for read in (lambda: study.best_trial, lambda: study.best_value, lambda: study.best_params):
        with pytest.raises(RuntimeError, match="best_trials"):
            read()
    with pytest.raises(RuntimeError, match=r"trial\.values"):
        _ = study.trials[0].value


def test_directions_and_names_are_stored_and_checked(tmp_path: Any) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    hs.create_study("mo", storage=url, directions=["maximize", "minimize"],
                    objective_names=["acc", "lat"], space=SPACE, sampler="random")  # fmt: skip
    back = hs.load_study("mo", storage=url)
    assert [d.value for d in back.directions] == ["maximize", "minimize"]
    assert back.objective_names == ("acc", "lat")
    with pytest.raises(ValueError, match="was created to maximize and minimize"):
        hs.create_study("mo", storage=url, directions=["minimize", "minimize"],
                        load_if_exists=True)  # fmt: skip
    with pytest.raises(ValueError, match="2 distinct names"):
        hs.create_study(directions=["minimize", "minimize"], objective_names=["a"])
    with pytest.raises(ValueError, match="not both"):
        hs.create_study(direction="minimize", directions=["minimize", "minimize"])
    assert hs.create_study(directions=["minimize"] * 3).objective_names == (
        "values_0", "values_1", "values_2")  # fmt: skip


@pytest.mark.parametrize("name", ["cmaes", "auto"])
def test_a_single_objective_sampler_is_refused_at_create_time(name: str) -> None:
    with pytest.raises(ValueError, match="models a single objective"):
        hs.create_study(directions=["minimize", "maximize"], sampler=name)


# --- constraints -----------------------------------------------------------------------
def test_constraints_from_set_constraint_and_from_a_dict_are_stored_in_name_order() -> None:
    def objective(p: dict[str, Any], trial: Any) -> Any:
        trial.set_constraint("width", p["x"] - 0.5)
        return {"loss": two(p), "constraints": {"area": p["y"] - 0.5}}

    study = study2()
    study.optimize(objective, n_trials=4)
    for t in study.trials:
        assert t.system_attrs["constraint_names"] == ["area", "width"]
        assert t.system_attrs["constraints"] == [t.params["y"] - 0.5, t.params["x"] - 0.5]


def test_a_constraint_list_keeps_its_order() -> None:
    study = study2()
    study.optimize(lambda p: {"loss": two(p), "constraints": [3.0, -1.0]}, n_trials=1)
    (t,) = study.trials
    assert t.system_attrs["constraints"] == [3.0, -1.0]
    assert t.system_attrs["constraint_names"] == ["c0", "c1"]
    assert not t.feasible


def test_infeasible_trials_never_enter_best_trials() -> None:
    study = study2()
    study.optimize(lambda p: {"loss": two(p), "constraints": [0.3 - p["x"]]}, n_trials=50)
    front = study.best_trials
    assert front and all(t.params["x"] >= 0.3 for t in front)
    assert [t.number for t in front] == brute_front(study.trials, [1.0, 1.0])


def test_infeasible_trials_never_become_the_single_objective_best() -> None:
    # the unconstrained best is x near 0; feasible needs x >= 0.6
    study = hs.create_study(space=SPACE, sampler="random", seed=1)
    study.optimize(lambda p: {"loss": p["x"], "constraints": {"x_low": 0.6 - p["x"]}},
                   n_trials=40)  # fmt: skip
    feasible = [t for t in study.trials if t.params["x"] >= 0.6]
    assert study.best_trial.number == min(feasible, key=lambda t: t.value or 0).number
    assert study.best_value >= 0.6
    assert min(t.value or 0 for t in study.trials) < 0.6  # an infeasible trial was better


def test_no_feasible_trial_says_so() -> None:
    study = hs.create_study(space=SPACE, sampler="random", seed=1)
    study.optimize(lambda p: {"loss": p["x"], "constraints": [1.0]}, n_trials=3)
    with pytest.raises(ValueError, match="none feasible"):
        _ = study.best_trial


def test_the_default_sampler_finds_a_feasible_point_in_a_mostly_infeasible_space() -> None:
    # feasible: a disc of radius 0.05 around (0.8, 0.8), 0.8% of the square; random search
    # misses it in 60 trials with probability 0.992^60 = 62% (8 of 10 seeds measured),
    # the default sampler (the GP for two objectives), steered by its model of the
    # violation, found it at trials 6-12 (0-based) on seeds 0-4
    def objective(p: dict[str, Any]) -> Any:
        d = math.hypot(p["x"] - 0.8, p["y"] - 0.8)
        return {"loss": (p["x"], p["y"]), "constraints": [d - 0.05]}

    def found(sampler: str | None, n_trials: int) -> int:
        hits = 0
        for seed in range(5):
            study = hs.create_study(directions=["minimize", "minimize"], space=SPACE,
                                    seed=seed, sampler=sampler)  # fmt: skip
            study.optimize(objective, n_trials=n_trials)
            hits += bool(study.best_trials)
        return hits

    assert found(None, 15) == 5
    assert found("random", 60) < 5  # the task is hard: search without the constraint misses


def test_the_default_multi_objective_sampler_is_the_gp_up_to_three_objectives() -> None:
    def default(m: int) -> str:
        return type(hs.create_study(directions=["minimize"] * m).sampler).__name__

    assert [default(m) for m in (1, 2, 3, 4, 5)] == ["TPE", "GP", "GP", "TPE", "TPE"]
    assert config_fields.default_sampler(2) == "gp"  # what a config naming none runs
    assert config_fields.default_sampler(4) == "tpe"


# --- choosing one trial ----------------------------------------------------------------
def fixed_study(points: list[tuple[float, float]], constraints: list[float] | None = None) -> Any:
    study = hs.create_study(directions=["maximize", "minimize"],
                            objective_names=["accuracy", "latency_ms"])  # fmt: skip
    for i, (a, lat) in enumerate(points):
        c = None if constraints is None else {"constraints": [constraints[i]]}
        trial = study.ask()
        study.tell(trial, {"loss": (a, lat), **(c or {})})
    return study


POINTS = [(0.5, 1.0), (0.8, 5.0), (0.85, 9.0), (0.9, 20.0), (0.95, 60.0), (0.7, 30.0)]


def test_select_by_bounds_is_the_best_within_the_bounds() -> None:
    study = fixed_study(POINTS)
    t = study.select_trial(best="accuracy", where={"latency_ms": ("<=", 10)})
    assert t.values == (0.85, 9.0)
    t = study.select_trial(best="latency_ms", where={"accuracy": (">=", 0.9)})
    assert t.values == (0.9, 20.0)
    with pytest.raises(ValueError, match="no feasible COMPLETE trial satisfies"):
        study.select_trial(best="accuracy", where={"latency_ms": ("<", 1.0)})
    with pytest.raises(ValueError, match="unknown objective 'speed'"):
        study.select_trial(best="speed")
    with pytest.raises(ValueError, match="needs \\(op, bound\\)"):
        study.select_trial(best="accuracy", where={"latency_ms": ("=", 1.0)})  # type: ignore[dict-item]


def test_select_by_weights_moves_along_the_front() -> None:
    study = fixed_study(POINTS)
    fast = study.select_trial(weights={"accuracy": 0.05, "latency_ms": 1})
    accurate = study.select_trial(weights={"accuracy": 1, "latency_ms": 0.01})
    assert fast.values == (0.5, 1.0)
    assert accurate.values == (0.95, 60.0)


def test_select_knee_picks_a_front_point_that_is_not_an_extreme() -> None:
    study = fixed_study(POINTS)
    knee = study.select_trial()
    assert knee.number in {t.number for t in study.best_trials}
    assert knee.values not in ((0.5, 1.0), (0.95, 60.0))


def test_select_never_picks_an_infeasible_trial() -> None:
    # the best-in-everything point (0.99, 0.5) is infeasible
    study = fixed_study([*POINTS, (0.99, 0.5)], constraints=[-1.0] * 6 + [1.0])
    picks = [study.select_trial(), study.select_trial(weights={"accuracy": 1, "latency_ms": 1}),
             study.select_trial(best="accuracy")]  # fmt: skip
    assert all(t.values != (0.99, 0.5) for t in picks)
    assert study.select_trial(best="accuracy").values == (0.95, 60.0)


def test_records_have_a_column_per_objective_and_constraint() -> None:
    study = fixed_study(POINTS[:2], constraints=[-1.0, 2.0])
    rows = study.to_records()
    assert rows[0]["values_accuracy"] == 0.5 and rows[0]["values_latency_ms"] == 1.0
    assert rows[1]["constraints_c0"] == 2.0
    assert "value" not in rows[0]


def test_the_one_call_api_takes_directions() -> None:
    r = hs.minimize(two, SPACE, directions=["minimize", "minimize"], n_trials=30, seed=0,
                    objective_names=["a", "b"], verbosity=0)  # fmt: skip
    assert r.best_trial.number in {t.number for t in r.best_trials}
    assert r.best_values == r.best_trial.values
    with pytest.raises(RuntimeError, match="best_values"):
        _ = r.best_value
    single = hs.maximize(lambda p: p["x"], SPACE, n_trials=5, seed=0, verbosity=0)
    assert single.best_value == max(t.value or 0 for t in single.trials)


def test_mixed_study_results_compare_to_itertools_front() -> None:
    # 3 objectives: best_trials equals the brute-force front
    study = hs.create_study(directions=["minimize", "maximize", "minimize"], space=SPACE,
                            sampler="random", seed=5)  # fmt: skip
    study.optimize(lambda p: (p["x"], p["y"], (p["x"] - p["y"]) ** 2), n_trials=40)
    assert [t.number for t in study.best_trials] == brute_front(study.trials, [1.0, -1.0, 1.0])
    assert len(list(itertools.islice(study.best_trials, 2))) == 2


def test_add_trial_takes_one_value_per_objective() -> None:
    study = study2()
    study.add_trial({"x": 0.2, "y": 0.3}, (0.2, 0.94))
    assert study.trials[0].values == (0.2, 0.94)
    with pytest.raises(ValueError, match="returned 1 values"):
        study.add_trial({"x": 0.2, "y": 0.3}, (0.2,))
    with pytest.raises(ValueError, match="sequence of 2"):
        study.add_trial({"x": 0.2, "y": 0.3}, 0.2)
    assert len(study.trials) == 1


def test_set_constraint_in_a_define_by_run_single_objective_study() -> None:
    def objective(trial: Any) -> float:
        x = trial.suggest_float("x", 0, 1)
        trial.set_constraint("x_low", 0.6 - x)
        return x

    study = hs.create_study(sampler="random", seed=2)
    study.optimize(objective, n_trials=30)
    assert study.best_value >= 0.6
    assert study.best_trial.system_attrs["constraint_names"] == ["x_low"]
    assert study.best_trial.number == min(
        (t for t in study.trials if t.feasible), key=lambda t: t.value or 0).number  # fmt: skip


@pytest.mark.parametrize(
    ("name", "value", "match"),
    [("", 1.0, "non-empty string"), ("c", math.nan, "not NaN"), ("c", "big", "needs a number")],
)
def test_set_constraint_refuses_bad_input(name: str, value: Any, match: str) -> None:
    study = hs.create_study(sampler="random")
    trial = study.ask()
    with pytest.raises(ValueError, match=match):
        trial.set_constraint(name, value)


def test_directions_must_be_a_list() -> None:
    with pytest.raises(ValueError, match="non-empty list"):
        hs.create_study(directions="maximize")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="'minimize' or 'maximize'"):
        hs.create_study(directions=["maximize", "up"])
