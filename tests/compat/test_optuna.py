"""hypersweep.compat.optuna runs Optuna's documented usage with only the import changed."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path
from typing import Any

import pytest

import hypersweep as hs
import hypersweep.compat.optuna as optuna

optuna.logging.set_verbosity(optuna.logging.WARNING)


def quadratic(trial: optuna.Trial) -> float:
    x = trial.suggest_float("x", -10, 10)
    return (x - 2) ** 2


def test_the_quick_start_quadratic() -> None:
    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=3))
    study.optimize(quadratic, n_trials=100)
    assert len(study.trials) == 100
    assert abs(study.best_params["x"] - 2) < 0.3
    assert study.best_value == min(t.value for t in study.trials)
    assert study.best_trial.number == min(study.trials, key=lambda t: t.value).number
    assert study.direction.name == "MINIMIZE"
    assert isinstance(study.hs_study.sampler, hs.samplers.TPE)


def test_the_defaults_are_optunas() -> None:
    study = optuna.create_study()
    assert isinstance(study.hs_study.sampler, hs.samplers.TPE)
    assert isinstance(study.hs_study.pruner, hs.pruners.Median)
    assert optuna.create_study(direction="maximize").direction.name == "MAXIMIZE"
    d = optuna.study.StudyDirection.MAXIMIZE
    assert optuna.create_study(directions=[d]).direction is d


def test_n_trials_counts_per_call() -> None:
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    study.optimize(quadratic, n_trials=10)
    study.optimize(quadratic, n_trials=10)
    assert len(study.trials) == 20
    assert [t.number for t in study.trials] == list(range(20))


def curve(trial: optuna.Trial) -> float:
    """A learning curve whose level is set by x: larger x is worse at every step."""
    x = trial.suggest_float("x", 0, 1)
    value = 0.0
    for step in range(20):
        value = x + 1.0 / (step + 1)
        trial.report(value, step)
        if trial.should_prune():
            raise optuna.TrialPruned()
    return value


def test_the_default_median_pruner_prunes_a_curve() -> None:
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    study.optimize(curve, n_trials=30)
    states = [t.state for t in study.trials]
    pruned = [t for t in study.trials if t.state == optuna.trial.TrialState.PRUNED]
    assert 3 <= len(pruned) < 30, states
    assert all(t.state == optuna.trial.TrialState.COMPLETE for t in study.trials[:5])
    assert all(len(t.intermediate_values) < 20 for t in pruned)
    done = study.get_trials(states=(optuna.trial.TrialState.COMPLETE,))
    assert max(t.params["x"] for t in pruned) > min(t.params["x"] for t in done)
    assert study.best_trial.state is optuna.trial.TrialState.COMPLETE


def test_optuna_trial_pruned_is_hypersweeps() -> None:
    assert issubclass(optuna.TrialPruned, hs.TrialPruned)
    assert optuna.exceptions.TrialPruned is optuna.TrialPruned

    def hs_pruned(trial: optuna.Trial) -> float:
        trial.suggest_int("n", 1, 3)
        raise hs.TrialPruned()

    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    study.optimize(hs_pruned, n_trials=2)
    assert {t.state.name for t in study.trials} == {"PRUNED"}


def test_a_sqlite_study_continues_in_a_fresh_process(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'optuna.db'}"
    study = optuna.create_study(study_name="resume", storage=url,
                                sampler=optuna.samplers.TPESampler(seed=0))  # fmt: skip
    study.optimize(quadratic, n_trials=5)
    code = textwrap.dedent(f"""
        import hypersweep.compat.optuna as optuna
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        study = optuna.load_study(study_name="resume", storage={url!r})
        study.optimize(lambda t: (t.suggest_float("x", -10, 10) - 2) ** 2, n_trials=7)
        print(len(study.trials))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=120)  # fmt: skip
    assert out.stdout.split()[-1] == "12"
    again = optuna.load_study(study_name="resume", storage=url)
    assert [t.number for t in again.trials] == list(range(12))
    assert optuna.get_all_study_names(url) == ["resume"]
    summary = optuna.get_all_study_summaries(url)[0]
    assert summary.n_trials == 12
    assert summary.best_trial is not None and summary.best_trial.value == again.best_value
    with pytest.raises(optuna.exceptions.DuplicatedStudyError):
        optuna.create_study(study_name="resume", storage=url)
    assert len(optuna.create_study(study_name="resume", storage=url,
                                   load_if_exists=True).trials) == 12  # fmt: skip
    optuna.delete_study(study_name="resume", storage=url)
    assert optuna.get_all_study_names(url) == []


def test_ask_and_tell() -> None:
    study = optuna.create_study(direction="maximize",
                                sampler=optuna.samplers.RandomSampler(seed=1))  # fmt: skip
    for _ in range(6):
        trial = study.ask()
        x = trial.suggest_float("x", -1, 1)
        n = trial.suggest_int("n", 1, 4, log=True)
        assert trial.params == {"x": x, "n": n}
        frozen = study.tell(trial, -(x**2) + n)
        assert frozen.state == optuna.trial.TrialState.COMPLETE and frozen.value == -(x**2) + n
    trial = study.ask({"x": optuna.distributions.FloatDistribution(-1, 1)})
    assert set(trial.params) == {"x"}
    study.tell(trial.number, state=optuna.trial.TrialState.PRUNED)
    failed = study.ask()
    study.tell(failed, state=optuna.trial.TrialState.FAIL)
    states = [t.state.name for t in study.trials]
    assert states == ["COMPLETE"] * 6 + ["PRUNED", "FAIL"]
    assert study.best_value == max(t.value for t in study.trials[:6])
    with pytest.raises(ValueError):
        study.tell(failed, 1.0)  # already finished
    assert study.tell(failed, 1.0, skip_if_finished=True).state.name == "FAIL"


def test_enqueued_trials_run_first_within_n_trials() -> None:
    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=0))
    study.enqueue_trial({"x": 1.25})
    study.enqueue_trial({"x": -3.5}, user_attrs={"why": "a guess"})
    study.enqueue_trial({"x": 1.25}, skip_if_exists=True)
    study.optimize(quadratic, n_trials=4)
    assert len(study.trials) == 4  # Optuna: the enqueued trials are part of the 4
    assert [t.params["x"] for t in study.trials[:2]] == [1.25, -3.5]
    assert study.trials[1].user_attrs == {"why": "a guess"}


def test_trials_dataframe_has_optunas_columns() -> None:
    def objective(trial: optuna.Trial) -> float:
        trial.set_user_attr("double", 2 * trial.number)
        x = trial.suggest_float("x", -1, 1)
        kind = trial.suggest_categorical("kind", ["a", "b"])
        return x**2 + (kind == "b")

    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    study.optimize(objective, n_trials=5)
    df = study.trials_dataframe()
    assert sorted(df.columns) == sorted(["number", "value", "datetime_start", "datetime_complete",
                                         "duration", "params_kind", "params_x",
                                         "user_attrs_double", "state"])  # fmt: skip
    assert list(df.columns[:5]) == ["number", "value", "datetime_start", "datetime_complete",
                                    "duration"]  # fmt: skip
    assert df.columns[-1] == "state"
    assert list(df["state"]) == ["COMPLETE"] * 5
    assert list(df["user_attrs_double"]) == [0, 2, 4, 6, 8]
    assert str(df["duration"].dtype).startswith("timedelta")
    assert str(df["datetime_start"].dtype).startswith("datetime")
    frozen = study.trials[0]
    assert frozen.datetime_complete >= frozen.datetime_start
    assert frozen.duration.total_seconds() >= 0


def test_grid_sampler_runs_each_combination_once() -> None:
    grid = {"x": [-1.0, 0.0, 1.0], "kind": ["a", "b"]}
    seen = []

    def objective(trial: optuna.Trial) -> float:
        x = trial.suggest_float("x", -1, 1)
        kind = trial.suggest_categorical("kind", ["a", "b"])
        seen.append((x, kind))
        return x + (kind == "b")

    study = optuna.create_study(sampler=optuna.samplers.GridSampler(grid, seed=0))
    study.optimize(objective, n_trials=100)
    assert len(seen) == 6 and set(seen) == {(x, k) for x in grid["x"] for k in grid["kind"]}
    assert study.best_params == {"x": -1.0, "kind": "a"}


def test_an_exception_propagates_unless_caught() -> None:
    def flaky(trial: optuna.Trial) -> float:
        x = trial.suggest_float("x", -1, 1)
        if trial.number % 2:
            raise ValueError("odd trial")
        return x

    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    with pytest.raises(ValueError, match="odd trial"):
        study.optimize(flaky, n_trials=10)  # catch=() by default, as in Optuna
    assert [t.state.name for t in study.trials] == ["COMPLETE", "FAIL"]

    study.optimize(flaky, n_trials=10, catch=(ValueError,))
    assert len(study.trials) == 12
    assert [t.state.name for t in study.trials[2:]] == ["COMPLETE", "FAIL"] * 5

    def always(trial: optuna.Trial) -> float:
        raise KeyError("broken")

    study.optimize(always, n_trials=8, catch=KeyError)  # no early stop on repeated failures
    assert len(study.trials) == 20
    with pytest.raises(KeyError):
        study.optimize(always, n_trials=3, catch=(ValueError,))


def test_callbacks_stop_and_max_trials_callback() -> None:
    got = []

    def record(study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        got.append((study, trial.number, trial.state))
        if trial.number == 3:
            study.stop()

    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    study.optimize(quadratic, n_trials=50, callbacks=[record])
    assert len(study.trials) == 4
    assert all(s is study for s, _, _ in got)
    assert got[0][2] is optuna.trial.TrialState.COMPLETE

    stopper = optuna.study.MaxTrialsCallback(6, states=(optuna.trial.TrialState.COMPLETE,))
    study.optimize(quadratic, n_trials=50, callbacks=[stopper])
    assert len(study.trials) == 6


def test_optimize_without_n_trials_or_timeout_runs_until_stop_as_optuna() -> None:
    """Optuna has no default budget: hypersweep's own (100 trials) must not leak in."""

    def stop_at_130(study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        if trial.number == 129:
            study.stop()

    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    study.optimize(quadratic, callbacks=[stop_at_130])
    assert len(study.trials) == 130


def test_samplers_and_pruners_map_onto_hypersweeps() -> None:
    s, p = optuna.samplers, optuna.pruners
    assert isinstance(s.TPESampler(seed=0, multivariate=True, n_startup_trials=5),
                      hs.samplers.TPE)  # fmt: skip
    assert isinstance(s.QMCSampler(seed=0), hs.samplers.QMC)
    cma = s.CmaEsSampler(seed=0, restart_strategy="ipop", with_margin=True, popsize=6)
    assert isinstance(cma, hs.samplers.CMAES) and cma.restarts and cma.margin
    assert not s.CmaEsSampler(seed=0).restarts  # Optuna restarts only when asked
    wilcoxon = p.WilcoxonPruner(p_threshold=0.05)
    assert isinstance(wilcoxon, hs.pruners.PairedTest)
    nsga = s.NSGAIISampler(seed=0, population_size=10, crossover_prob=0.8)
    assert isinstance(nsga, hs.samplers.Evolution) and nsga.survival == "nsga2"
    assert (nsga.population_size, nsga.crossover_rate) == (10, 0.8)
    assert s.NSGAIIISampler(seed=0).survival == "nsga3"
    with pytest.raises(NotImplementedError, match="constraints_func"):
        s.NSGAIISampler(constraints_func=lambda t: [0.0])
    assert optuna.create_study(directions=["minimize", "maximize"]).directions == [
        optuna.study.StudyDirection.MINIMIZE,
        optuna.study.StudyDirection.MAXIMIZE,
    ]
    median = p.MedianPruner(n_startup_trials=2, n_warmup_steps=3, interval_steps=2)
    assert (median.n_startup_trials, median.n_warmup_steps, median.interval_steps) == (2, 3, 2)
    assert isinstance(p.PercentilePruner(50.0), hs.pruners.Median)
    with pytest.raises(NotImplementedError, match="median only"):
        p.PercentilePruner(25.0)
    assert isinstance(p.SuccessiveHalvingPruner(min_resource=2), hs.pruners.ASHA)
    assert isinstance(p.HyperbandPruner(max_resource=27), hs.pruners.Hyperband)
    assert isinstance(p.PatientPruner(None, patience=3), hs.pruners.Patience)
    assert isinstance(p.PatientPruner(p.MedianPruner(), patience=3), hs.pruners.AllOf)
    assert isinstance(p.ThresholdPruner(upper=1.0), hs.pruners.Threshold)
    assert isinstance(p.NopPruner(), hs.pruners.NoPruning)


def test_nsga_samplers_ignore_operator_choices_and_refuse_what_changes_results() -> None:
    s = optuna.samplers
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # Optuna's defaults, given or not, warn of nothing
        s.NSGAIISampler(swapping_prob=0.5, mutation=None)
        s.NSGAIIISampler(dividing_parameter=3)
    with pytest.warns(UserWarning, match="NSGAIIISampler: crossover, swapping_prob, "
                      "dividing_parameter has no counterpart") as caught:  # fmt: skip
        s.NSGAIIISampler(crossover="blx", swapping_prob=0.3, dividing_parameter=4)
    assert caught[0].filename == __file__  # the warning points at the caller's line
    with pytest.raises(NotImplementedError, match="NSGAIIISampler: reference_points, "
                       "after_trial_strategy changes what the sampler does"):  # fmt: skip
        s.NSGAIIISampler(reference_points=[[1.0, 0.0]], after_trial_strategy=print)


@pytest.mark.parametrize("make", [lambda: optuna.pruners.HyperbandPruner(),
                                  lambda: optuna.pruners.SuccessiveHalvingPruner()])  # fmt: skip
def test_auto_resources_settle_from_the_first_complete_trial(make: object) -> None:
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0),
                                pruner=make())  # type: ignore[operator]  # fmt: skip
    study.optimize(curve, n_trials=30)
    assert study.trials[0].state.name == "COMPLETE"
    assert any(t.state.name == "PRUNED" for t in study.trials)


def test_deprecated_suggest_spellings_and_logging() -> None:
    def objective(trial: optuna.Trial) -> float:
        a = trial.suggest_uniform("a", 0, 1)
        b = trial.suggest_loguniform("b", 1e-3, 1)
        c = trial.suggest_discrete_uniform("c", 0, 1, 0.25)
        assert c in (0.0, 0.25, 0.5, 0.75, 1.0) and 1e-3 <= b <= 1
        return a + b + c

    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    study.optimize(objective, n_trials=3)
    assert set(study.best_params) == {"a", "b", "c"}
    optuna.logging.set_verbosity(optuna.logging.INFO)
    assert optuna.logging.get_verbosity() == optuna.logging.INFO
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    assert optuna.logging.get_verbosity() == optuna.logging.WARNING


def test_add_trial_stores_a_finished_trial() -> None:
    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=0))
    dist = {"x": optuna.distributions.FloatDistribution(-10, 10)}
    study.add_trials([
        optuna.trial.create_trial(params={"x": 2.5}, distributions=dist, value=0.25),
        optuna.trial.create_trial(params={"x": 9.0}, distributions=dist, value=49.0,
                                  intermediate_values={0: 60.0, 1: 49.0}),
    ])  # fmt: skip
    assert [(t.params, t.value) for t in study.trials] == [({"x": 2.5}, 0.25), ({"x": 9.0}, 49.0)]
    assert study.trials[1].intermediate_values == {0: 60.0, 1: 49.0}
    study.optimize(quadratic, n_trials=3)
    assert len(study.trials) == 5


def test_plots_come_from_hypersweep_visualization() -> None:
    pytest.importorskip("plotly")
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    study.optimize(lambda t: t.suggest_float("x", 0, 1) + t.suggest_float("y", 0, 1), n_trials=8)
    for fig in (optuna.visualization.plot_optimization_history(study),
                optuna.visualization.plot_slice(study),
                optuna.visualization.plot_contour(study, params=["x", "y"]),
                optuna.visualization.plot_parallel_coordinates(study)):  # fmt: skip
        assert len(fig.data) >= 1


SCRIPT = textwrap.dedent("""
    import json, sys
    {import_line}
    optuna.logging.set_verbosity(optuna.logging.WARNING)

    def objective(trial):
        x = trial.suggest_float("x", -10, 10)
        n = trial.suggest_int("n", 1, 5)
        kind = trial.suggest_categorical("kind", ["lin", "sq"])
        value = 0.0
        for step in range(5):
            value = (x - 2) ** 2 + (n - 3) ** 2 + (kind == "lin") + 1.0 / (step + 1)
            trial.report(value, step)
            if trial.should_prune():
                raise optuna.TrialPruned()
        trial.set_user_attr("kind_was", kind)
        return value

    url = "sqlite:///" + sys.argv[1]
    study = optuna.create_study(study_name="same", storage=url, direction="minimize",
                                sampler=optuna.samplers.TPESampler(seed=0))
    study.enqueue_trial({{"x": 0.0, "n": 1, "kind": "lin"}})
    study.optimize(objective, n_trials=30)
    study = optuna.load_study(study_name="same", storage=url)
    study.optimize(objective, n_trials=10)
    df = study.trials_dataframe()
    print(json.dumps({{
        "n": len(study.trials), "best": study.best_value, "first": study.trials[0].params,
        "columns": sorted(df.columns), "direction": study.direction.name,
        "states": sorted({{t.state.name for t in study.trials}}),
    }}))
""")


def run_script(import_line: str, db: Path) -> dict[str, object]:
    source = SCRIPT.format(import_line=import_line)
    out = subprocess.run([sys.executable, "-c", source, str(db)], capture_output=True,
                         text=True, check=True, timeout=180)  # fmt: skip
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def test_an_optuna_script_runs_with_only_the_import_changed(tmp_path: Path) -> None:
    pytest.importorskip("optuna")
    ours = run_script("import hypersweep.compat.optuna as optuna", tmp_path / "ours.db")
    theirs = run_script("import optuna", tmp_path / "theirs.db")
    # hypersweep keeps its bookkeeping out of the frame; Optuna shows its system_attrs
    theirs["columns"] = [c for c in theirs["columns"] if not c.startswith("system_attrs_")]  # type: ignore[attr-defined]
    for key in ("n", "first", "columns", "direction"):
        assert ours[key] == theirs[key], key
    assert ours["n"] == 40
    assert ours["first"] == {"x": 0.0, "n": 1, "kind": "lin"}
    assert "PRUNED" in ours["states"] and "PRUNED" in theirs["states"]
    best_ours, best_theirs = float(ours["best"]), float(theirs["best"])  # type: ignore[arg-type]
    # 0.2 is the optimum; the enqueued start scores 9.2
    assert 0.2 <= best_ours < 2.5 and 0.2 <= best_theirs < 2.5
    assert abs(best_ours - best_theirs) < 2.0


# --- several objectives: the same script under real Optuna and under the compat layer ----


def pareto_script(opt: Any, sampler: str) -> dict[str, Any]:
    """Optuna's documented multi-objective usage; returns what the two runs must share."""
    opt.logging.set_verbosity(opt.logging.WARNING)
    kwargs: dict[str, Any] = {"seed": 0}
    if sampler.startswith("NSGA"):
        kwargs["population_size"] = 8

    def objective(trial: Any) -> tuple[float, float]:
        x = trial.suggest_float("x", 0, 1)
        y = trial.suggest_int("y", 0, 3)
        return x + y, (1 - x) ** 2 + y

    study = opt.create_study(directions=["minimize", "minimize"],
                             sampler=getattr(opt.samplers, sampler)(**kwargs))  # fmt: skip
    study.optimize(objective, n_trials=24)
    trial = study.ask()
    trial.suggest_float("x", 0, 1)
    trial.suggest_int("y", 0, 3)
    study.tell(trial, [0.5, 0.25])
    study.add_trial(opt.trial.create_trial(
        params={"x": 0.5, "y": 1}, values=[1.5, 1.25],
        distributions={"x": opt.distributions.FloatDistribution(0, 1),
                       "y": opt.distributions.IntDistribution(0, 3)},
    ))  # fmt: skip
    errors = []
    for read in (lambda: study.best_trial, lambda: study.trials[0].value, lambda: study.direction):
        with pytest.raises(RuntimeError) as caught:
            read()
        errors.append(type(caught.value).__name__)
    frame = study.trials_dataframe()
    best = study.best_trials
    values = [tuple(t.values) for t in study.trials]
    front_ok = all(not any(o[0] <= v[0] and o[1] <= v[1] and o != v for o in values)
                   for v in (tuple(t.values) for t in best))  # fmt: skip
    study.set_metric_names(["cost", "error"])
    named = study.trials_dataframe(attrs=("number", "value", "params"))
    figure = opt.visualization.plot_pareto_front(study)
    return {
        "columns": [c for c in frame.columns if not c.startswith("system_attrs")],
        "shape": (frame.shape[0], len(values[0])),
        "best": len(best) > 0 and front_ok,
        "directions": [d.name for d in study.directions],
        "errors": errors,
        "named": list(named.columns),
        "value_dtypes": [str(frame[c].dtype) for c in ("values_0", "values_1")],
        "figure": (type(figure).__name__, len(figure.data) >= 1),
    }


@pytest.mark.parametrize("sampler", ["NSGAIISampler", "NSGAIIISampler", "TPESampler"])
def test_a_multiobjective_script_gives_what_real_optuna_gives(sampler: str) -> None:
    real = pytest.importorskip("optuna")
    pytest.importorskip("plotly")
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Optuna's ExperimentalWarning for set_metric_names
        expected = pareto_script(real, sampler)
    got = pareto_script(optuna, sampler)
    assert got == expected
    assert got["columns"][:3] == ["number", "values_0", "values_1"]
    assert got["named"] == ["number", "values_cost", "values_error", "params_x", "params_y"]


def test_vector_reports_prune_a_multiobjective_study_where_optuna_refuses() -> None:
    halving = optuna.pruners.SuccessiveHalvingPruner(reduction_factor=3)
    study = optuna.create_study(directions=["minimize", "minimize"], pruner=halving,
                                sampler=optuna.samplers.RandomSampler(seed=0))  # fmt: skip

    def objective(trial: optuna.Trial) -> tuple[float, float]:
        a, b = trial.suggest_float("a", 0, 1), trial.suggest_float("b", 0, 1)
        for step in range(6):
            trial.report([a + 1 / (step + 1), 1 - a + 2 * b], step)
            if trial.should_prune():
                raise optuna.TrialPruned()
        return a, 1 - a + 2 * b

    study.optimize(objective, n_trials=25)
    states = [t.state for t in study.trials]
    assert optuna.trial.TrialState.PRUNED in states and optuna.trial.TrialState.COMPLETE in states
    pruned = [t for t in study.trials if t.state is optuna.trial.TrialState.PRUNED]
    assert all(len(t.values) == 2 and isinstance(t.intermediate_values[0], tuple) for t in pruned)
    assert "values_0" in study.trials_dataframe().columns


def test_a_wrong_number_of_values_fails_the_trial_as_in_optuna() -> None:
    real = pytest.importorskip("optuna")
    states = []
    for opt in (real, optuna):
        opt.logging.set_verbosity(opt.logging.ERROR)
        one = opt.create_study()
        one.optimize(lambda t: (t.suggest_float("x", 0, 1), 1.0), n_trials=2)
        two = opt.create_study(directions=["minimize", "maximize"])
        two.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
        two.optimize(lambda t: [t.suggest_float("x", 0, 1), 2.0], n_trials=1)
        states.append([t.state.name for t in [*one.trials, *two.trials]])
    assert states[0] == states[1] == ["FAIL", "FAIL", "FAIL", "COMPLETE"]
