"""hs.visualization: every figure on studies with failed, pruned, conditional and repeated
trials (static and define-by-run spaces, SQLite), checked through the data in the figures."""

from __future__ import annotations

import inspect
import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import hypersweep as hs
from hypersweep.trial import TrialState

go = pytest.importorskip("plotly.graph_objects")
viz = hs.visualization

SPACE = {
    "lr": hs.Float(1e-4, 1e-1, log=True),
    "units": hs.Int(8, 64),
    "act": hs.Categorical(["relu", "tanh"]),
    "model": hs.Categorical(
        [{"kind": "svm", "C": hs.Float(1e-2, 1e2, log=True)}, {"kind": "knn", "k": hs.Int(1, 20)}]
    ),
}


def _loss(lr: float, units: int, extra: float) -> float:
    return (math.log10(lr) + 2.5) ** 2 + 0.01 * units + extra


def static_objective(params: dict[str, Any], trial: hs.Trial) -> float:
    model = params["model"]
    extra = abs(math.log10(model["C"])) if model["kind"] == "svm" else model["k"] / 20
    final = _loss(params["lr"], params["units"], extra) + 0.01 * (trial.number % 3)
    for step in range(4):
        if step == 1 and params["act"] == "tanh" and params["units"] > 50:
            raise ValueError("this configuration diverges")  # FAIL after one report
        trial.report(final + 1.0 / (step + 1), step)
        trial.prune_if_needed()
    return final


def _states(study: hs.Study) -> set[TrialState]:
    return {t.state for t in study.trials}


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> hs.Study:
    """Static conditional space on SQLite: complete, pruned, failed and equal-params trials."""
    url = f"sqlite:///{tmp_path_factory.mktemp('viz') / 'viz.db'}"
    study = hs.create_study(
        "mixed", storage=url, space=SPACE, sampler=hs.samplers.Random(seed=3),
        pruner=hs.pruners.Median(n_startup_trials=8, n_warmup_steps=2),
    )  # fmt: skip
    same = {"lr": 1e-3, "units": 16, "act": "relu", "model": {"kind": "knn", "k": 5}}
    for _ in range(3):  # one configuration three times: repeats by equal parameters
        study.enqueue(same)
    study.optimize(static_objective, n_trials=40)
    assert {TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL} <= _states(study)
    return hs.load_study("mixed", storage=url)  # what a report reads back from storage


def define_by_run(trial: hs.Trial) -> float:
    x = trial.suggest_float("x", -2.0, 2.0)
    optimizer = trial.suggest_categorical("optimizer", ["sgd", "adam"])
    extra = 0.0
    if optimizer == "sgd":
        extra = trial.suggest_float("momentum", 0.0, 0.99)
    if x > 1.6:
        raise RuntimeError("diverged")
    for step in range(3):
        trial.report(x * x + extra + 1.0 / (step + 1), step)
        trial.prune_if_needed()
    return x * x + extra


@pytest.fixture(scope="module")
def dbr(tmp_path_factory: pytest.TempPathFactory) -> hs.Study:
    """Define-by-run on SQLite, read back by load_study (which knows no space)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('dbr') / 'dbr.db'}"
    study = hs.create_study(
        "dbr", storage=url, sampler=hs.samplers.Random(seed=1),
        pruner=hs.pruners.Median(n_startup_trials=3, n_warmup_steps=0),
    )  # fmt: skip
    study.optimize(define_by_run, n_trials=30)
    assert {TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL} <= _states(study)
    loaded = hs.load_study("dbr", storage=url)
    assert loaded.space is None
    return loaded


def _noisy(params: dict[str, Any], trial: hs.Trial) -> float:
    rng = np.random.default_rng(trial.seed)
    noise = float(rng.normal(0, 0.1 * params["a"]))
    return params["a"] + (2.0 if params["b"] == "y" else 0.0) + noise


@pytest.fixture(scope="module")
def repeated() -> hs.Study:
    """A grid whose cells are each run over 3 seeds (system_attrs["repeats"])."""
    space = {"a": hs.Categorical([1, 2, 3]), "b": hs.Categorical(["x", "y"])}
    if "repeats" in inspect.signature(hs.create_study).parameters:
        study = hs.create_study("rep", space=space, sampler="grid", repeats=3, seed=0)
        study.optimize(_noisy, n_trials=6)
        return study
    study = hs.create_study("rep", space=space, sampler="grid", seed=0)  # pragma: no cover
    sid = study.storage.get_study(study.name).study_id  # pragma: no cover
    for _ in range(6):  # pragma: no cover - the same record the study writes with repeats=3
        trial = study.ask()
        values = [_noisy(trial.params, trial) + 0.05 * i for i in range(3)]
        mean = float(np.mean(values))
        std = float(np.std(values, ddof=1))
        record = {"values": values, "seeds": [0, 1, 2], "select": "mean", "mean": mean, "std": std}
        study.storage.update_trial(sid, trial.number, system_attrs={"repeats": record})
        study.tell(trial, mean)
    return study  # pragma: no cover


ODD_SPACE = {
    "layers": hs.Repeat({"n": hs.Int(8, 64, log=True), "drop": hs.Float(0, 0.5)}, min=1, max=3),
    "init": hs.Normal(1.0, 0.2),
    "flag": hs.Categorical([True, False]),
    "shape": hs.Categorical([(1, 2), (3, 3)]),
    "fn": hs.Categorical([math.sin, math.cos]),
    "scale": hs.LogNormal(0, 1),
}


def odd_objective(p: dict[str, Any]) -> float:
    units = sum(layer["n"] * (1 - layer["drop"]) for layer in p["layers"])
    return units * p["init"] + (1 if p["flag"] else 0) + p["fn"](p["scale"]) + p["shape"][0]


@pytest.fixture(scope="module")
def odd() -> hs.Study:
    """Maximised; Repeat items, unbounded priors, bools, tuples and functions as choices."""
    study = hs.create_study(
        space=ODD_SPACE, direction="maximize", sampler=hs.samplers.Random(seed=0)
    )
    study.optimize(odd_objective, n_trials=25)
    return study


def _trace(fig: Any, name: str) -> Any:
    found = [t for t in fig.data if t.name == name]
    assert found, [t.name for t in fig.data]
    return found[0]


def test_import_does_not_load_plotly() -> None:
    code = (
        "import sys, hypersweep.visualization, hypersweep.importance; "
        "print('plotly' in sys.modules, 'sklearn' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"


def test_plots_that_draw_one_value_take_objective(dbr: hs.Study) -> None:
    """Every plot of one objective can be pointed at one of several (``objective=``); on a
    study of one, naming its only objective draws the same figure."""
    own = {"plot_pareto_front", "plot_hypervolume_history", "plot_intermediate",
           "plot_lineage", "plot_schedules"}  # fmt: skip
    plots = [n for n in viz.__all__ if n.startswith("plot_") and n not in own]
    assert len(plots) == 10
    for name in plots:
        param = inspect.signature(getattr(viz, name)).parameters.get("objective")
        assert param is not None and param.kind is param.KEYWORD_ONLY, name
    same = viz.plot_history(dbr, objective=0).to_json() == viz.plot_history(dbr).to_json()
    assert same
    assert viz.plot_lineage.__module__ == "hypersweep.visualization.lineage"


@pytest.mark.parametrize("name", ["mixed", "dbr", "repeated", "odd"])
def test_figures_on_every_kind_of_study(name: str, request: pytest.FixtureRequest) -> None:
    study = request.getfixturevalue(name)
    figs = viz.figures(study)
    expected = {
        "Optimisation history", "Parameter importance", "Parameters by trial",
        "Objective against each parameter", "Contour of a pair", "Parallel coordinates",
        "Distribution of results",
    }  # fmt: skip
    assert expected <= set(figs)
    assert all(isinstance(f, go.Figure) for f in figs.values())
    assert ("Learning curves" in figs) == (name in ("mixed", "dbr"))
    assert ("Seed spread" in figs) == (name in ("mixed", "repeated"))  # equal params, repeats
    assert ("The whole grid" in figs) == (name == "repeated")  # random floats are no grid
    assert next(iter(figs)) == "Optimisation history"
    assert [title for title, _ in viz.plan(study)] == list(figs)
    for fig in figs.values():
        json.loads(fig.to_json())  # serialisable: what the report embeds


def test_odd_values_are_drawn_by_their_keys(odd: hs.Study) -> None:
    fig = viz.plot_slice(odd)
    assert set(_trace(fig, "flag").x) == {"true", "false"}
    assert set(_trace(fig, "shape").x) <= {"[1, 2]", "[3, 3]"}
    assert set(_trace(fig, "fn").x) == {"math.sin", "math.cos"}
    third = [t for t in odd.trials if t.flat["layers.len"] == 3]
    assert len(_trace(fig, "layers.2.n").x) == len(third)  # Repeat items beyond len: inactive
    axis_type = {t.name: fig.layout[t.xaxis.replace("x", "xaxis")].type for t in fig.data}
    assert axis_type["layers.0.n"] == axis_type["scale"] == "log"  # log Int, LogNormal
    assert axis_type["init"] is None and axis_type["fn"] == "category"
    best = _trace(viz.plot_history(odd), "best so far")
    assert (np.diff(best.y) >= 0).all() and best.y[-1] == odd.best_value  # maximised


def test_a_single_trial_is_enough_for_the_simple_plots() -> None:
    study = hs.create_study(space=ODD_SPACE, sampler=hs.samplers.Random(seed=1))
    study.optimize(odd_objective, n_trials=1)
    figs = viz.figures(study)
    assert set(figs) == {"Optimisation history", "Parameters by trial",
                         "Objective against each parameter", "Parallel coordinates",
                         "Distribution of results"}  # fmt: skip
    assert list(_trace(figs["Optimisation history"], "best so far").y) == [study.best_value]


def test_figures_of_an_empty_study_and_a_study_without_complete_trials() -> None:
    study = hs.create_study(space={"x": hs.Float(0, 1)})
    assert viz.figures(study) == {}
    study.optimize(lambda p: float("nan"), n_trials=2)  # both FAIL
    assert set(viz.figures(study)) == {"Parameters by trial"}
    with pytest.raises(ValueError, match="no COMPLETE trial"):
        viz.plot_history(study)
    with pytest.raises(ValueError, match="no COMPLETE trial"):
        viz.plot_slice(study)


@pytest.mark.parametrize("direction", ["minimize", "maximize"])
def test_history_best_so_far_is_the_running_best(direction: str) -> None:
    study = hs.create_study(direction=direction, space={"x": hs.Float(-3, 3)},
                            sampler=hs.samplers.Random(seed=5))  # fmt: skip
    study.optimize(lambda p: math.sin(3 * p["x"]) + p["x"], n_trials=25)
    fig = viz.plot_history(study)
    value, best = _trace(fig, "value"), _trace(fig, "best so far")
    ys = list(value.y)
    assert list(value.x) == [t.number for t in study.trials]
    assert ys == [t.value for t in study.trials]
    running = np.minimum.accumulate(ys) if direction == "minimize" else np.maximum.accumulate(ys)
    assert np.allclose(best.y, running)
    steps = np.diff(best.y)
    assert (steps <= 0).all() if direction == "minimize" else (steps >= 0).all()
    assert best.y[-1] == study.best_value


def test_history_marks_pruned_trials_and_error_bars_of_repeats(
    mixed: hs.Study, repeated: hs.Study
) -> None:
    pruned = [t for t in mixed.trials if t.state is TrialState.PRUNED]
    trace = _trace(viz.plot_history(mixed), "pruned (last report)")
    assert list(trace.x) == [t.number for t in pruned]
    assert list(trace.y) == [t.intermediate[max(t.intermediate)] for t in pruned]
    value = _trace(viz.plot_history(repeated), "value")
    stds = [t.system_attrs["repeats"]["std"] for t in repeated.trials]
    assert value.error_y.visible and np.allclose(value.error_y.array, stds)


def _split_curves(trace: Any) -> dict[int, list[tuple[int, float]]]:
    curves: dict[int, list[tuple[int, float]]] = {}
    for x, y, n in zip(trace.x, trace.y, trace.customdata):
        if n is not None:
            curves.setdefault(n, []).append((x, y))
    return curves


def test_learning_curves_mark_pruned_trials(mixed: hs.Study) -> None:
    fig = viz.plot_intermediate(mixed)
    by_state = {s: [t for t in mixed.trials if t.state is s and t.intermediate] for s in TrialState}
    for state, style in (("complete", "solid"), ("pruned", "dot"), ("fail", "dash")):
        trials = by_state[TrialState(state.upper())]
        trace = _trace(fig, f"{state} ({len(trials)})")
        assert trace.line.dash == style
        assert _split_curves(trace) == {
            t.number: sorted(t.intermediate.items()) for t in trials
        }  # every point of every curve, in step order
    marks = _trace(fig, "pruned here")
    pruned = by_state[TrialState.PRUNED]
    assert marks.marker.symbol == "x" and list(marks.customdata) == [t.number for t in pruned]
    assert list(marks.x) == [max(t.intermediate) for t in pruned]
    assert list(marks.y) == [t.value for t in pruned]  # a pruned trial keeps its last report


def test_slice_draws_conditional_parameters_only_where_active(mixed: hs.Study) -> None:
    fig = viz.plot_slice(mixed)
    done = [t for t in mixed.trials if t.state is TrialState.COMPLETE]
    assert [tr.name for tr in fig.data] == ["lr", "units", "act", "model", "model.svm.C",
                                            "model.knn.k"]  # fmt: skip
    c = _trace(fig, "model.svm.C")
    svm = [t for t in done if t.params["model"]["kind"] == "svm"]
    assert list(c.x) == [t.params["model"]["C"] for t in svm]
    assert list(c.y) == [t.value for t in svm]
    assert set(_trace(fig, "model").x) == {"svm", "knn"}
    assert fig.layout.xaxis.type == "log"  # lr is log-scaled
    assert viz.plot_slice(mixed, params=["units"]).data[0].name == "units"
    with pytest.raises(ValueError, match="no trial with the parameters"):
        viz.plot_slice(mixed, params=["nope"])


def test_parameter_values_by_trial_include_every_trial(dbr: hs.Study) -> None:
    fig = viz.plot_param_history(dbr)
    xs = [t for t in fig.data if t.name == "x"]
    others = [t for t in fig.data if t.name == "not complete"]
    numbers = sorted(n for tr in xs + others[:1] for n in tr.x)
    assert numbers == [t.number for t in dbr.trials]  # failed and pruned trials too
    momentum = [t for t in dbr.trials if "momentum" in t.flat]
    drawn = [n for tr in fig.data if tr.yaxis == fig.data[-1].yaxis for n in tr.x]
    assert sorted(drawn) == [t.number for t in momentum]


def test_contour_surface_and_points(mixed: hs.Study) -> None:
    fig = viz.plot_contour(mixed, "lr", "units", resolution=30)
    contour, points = fig.data
    assert np.asarray(contour.z).shape == (30, 30)
    done = [t for t in mixed.trials if t.state is TrialState.COMPLETE]
    assert np.allclose(points.x, [math.log10(t.params["lr"]) for t in done])
    assert np.allclose(points.y, [t.params["units"] for t in done])
    z = np.asarray(contour.z, dtype=float)
    values = [t.value for t in done]
    assert min(values) - 1e-9 <= z.min() and z.max() <= max(values) + 1e-9
    cond = viz.plot_contour(mixed, "model.svm.C", "lr")
    assert len(cond.data[1].x) == sum(t.params["model"]["kind"] == "svm" for t in done)
    with pytest.raises(ValueError, match="two different"):
        viz.plot_contour(mixed, "lr", "lr")


def test_inverse_distance_surface_passes_through_the_trials() -> None:
    from hypersweep.visualization.params import _idw_surface

    x, y, z = np.array([0.0, 1.0, 0.0]), np.array([0.0, 0.0, 1.0]), np.array([1.0, 5.0, 3.0])
    grid = _idw_surface(x, y, z, np.array([0.0, 1.0]), np.array([0.0, 1.0]))
    assert grid[0, 0] == pytest.approx(1.0) and grid[0, 1] == pytest.approx(5.0)
    assert grid[1, 0] == pytest.approx(3.0)
    assert 1.0 < grid[1, 1] < 5.0


def test_parallel_coordinates_put_inactive_values_aside(mixed: hs.Study) -> None:
    dims = viz.plot_parallel_coordinates(mixed).data[0].dimensions
    assert [d.label for d in dims] == ["objective", "lr", "units", "act", "model", "model.svm.C",
                                       "model.knn.k"]  # fmt: skip
    k = dims[-1]
    assert k.ticktext[0] == "(inactive)"
    done = [t for t in mixed.trials if t.state is TrialState.COMPLETE]
    for v, t in zip(k.values, done):
        if t.params["model"]["kind"] == "knn":
            assert v == t.params["model"]["k"]
        else:
            assert v == k.tickvals[0] < min(k.tickvals[1:])
    assert list(dims[0].values) == [t.value for t in done]


def test_ecdf(dbr: hs.Study) -> None:
    trace = viz.plot_ecdf(dbr).data[0]
    values = sorted(t.value for t in dbr.trials if t.state is TrialState.COMPLETE)
    assert list(trace.x) == values
    assert np.allclose(trace.y, np.arange(1, len(values) + 1) / len(values))


def test_importance_bars(mixed: hs.Study) -> None:
    bar = viz.plot_importance(mixed, seed=1).data[0]
    ranked = hs.importance.importance(mixed, seed=1)
    assert list(bar.y) == list(ranked)[::-1]  # most important on top
    assert sum(bar.x) == pytest.approx(1.0)


def test_whole_grid_of_repeated_cells_shows_mean_and_std(repeated: hs.Study) -> None:
    heat = viz.plot_grid(repeated, x="a").data[0]
    assert list(heat.x) == ["1", "2", "3"] and list(heat.y) == ["b=x", "b=y"]
    for t in repeated.trials:
        row, col = ["x", "y"].index(t.params["b"]), [1, 2, 3].index(t.params["a"])
        rec = t.system_attrs["repeats"]
        assert heat.z[row][col] == pytest.approx(rec["mean"])
        assert heat.text[row][col] == f"{rec['mean']:.4g} +- {rec['std']:.2g} (n=3)"


def test_whole_grid_of_a_conditional_space() -> None:
    space = {
        "model": hs.Categorical([
            {"kind": "svm", "C": hs.Categorical([0.1, 1.0])},
            {"kind": "knn", "k": hs.Categorical([1, 3, 5])},
        ]),
        "scale": hs.Categorical([True, False, None]),
    }  # fmt: skip
    study = hs.create_study(space=space, sampler="grid", seed=0)
    study.optimize(lambda p: p["model"].get("C", 0) + p["model"].get("k", 0), n_trials=30)
    assert len(study.trials) == 15 and "The whole grid" in viz.figures(study)
    heat = viz.plot_grid(study).data[0]
    assert list(heat.x) == ["true", "false", "null"]  # scale: used by every cell
    assert "model=svm, model.svm.C=0.1" in heat.y and "model=knn, model.knn.k=5" in heat.y
    assert len(heat.y) == 5
    cells = [(r, c) for r in range(5) for c in range(3) if heat.z[r][c] is not None]
    assert len(cells) == 15
    assert heat.text[list(heat.y).index("model=knn, model.knn.k=5")][0] == "5 +- 0"


def test_whole_grid_of_a_searchcv_matches_cv_results() -> None:
    """A SearchCV grid: every cell's mean and std equal GridSearchCV's cv_results_."""
    from sklearn.datasets import load_iris
    from sklearn.model_selection import GridSearchCV
    from sklearn.neighbors import KNeighborsClassifier

    X, y = load_iris(return_X_y=True)
    grid = {"n_neighbors": [1, 5, 25], "weights": ["uniform", "distance"]}
    search = hs.sklearn.SearchCV(KNeighborsClassifier(), grid, sampler="grid", cv=3).fit(X, y)
    ref = GridSearchCV(KNeighborsClassifier(), grid, cv=3).fit(X, y).cv_results_
    study = search.study_
    assert "The whole grid" in viz.figures(study)
    heat = viz.plot_grid(study, x="n_neighbors").data[0]
    assert list(heat.x) == ["1", "5", "25"]
    for params, mean, std in zip(ref["params"], ref["mean_test_score"], ref["std_test_score"]):
        row = list(heat.y).index(f"weights={params['weights']}")
        col = list(heat.x).index(str(params["n_neighbors"]))
        assert heat.z[row][col] == pytest.approx(mean, abs=1e-12)
        assert heat.text[row][col] == f"{mean:.4g} +- {std:.2g} (n=3)"


def test_seed_spread_of_repeats_best_mean_first(repeated: hs.Study) -> None:
    fig = viz.plot_seed_spread(repeated)
    means = [tr.meta["mean"] for tr in fig.data]
    assert means == sorted(means)  # minimising: best (lowest) first
    by_name = {f"trial {t.number}": t.system_attrs["repeats"] for t in repeated.trials}
    for tr in fig.data:
        rec = by_name[tr.name]
        assert list(tr.y) == rec["values"]
        assert tr.meta["std"] == pytest.approx(rec["std"])  # ddof=1 like hs.repeats
        assert [s for s in tr.text] == [f"seed {s}" for s in rec["seeds"]]


def test_seed_spread_pools_trials_with_equal_parameters(mixed: hs.Study, dbr: hs.Study) -> None:
    fig = viz.plot_seed_spread(mixed)
    same = [t for t in mixed.trials if t.system_attrs.get("enqueued")]
    assert len(fig.data) == 1 and fig.data[0].name == f"trials {same[0].number}, ..."
    done = [t.value for t in same if t.state is TrialState.COMPLETE]
    assert sorted(fig.data[0].y) == sorted(done) and len(done) >= 2
    with pytest.raises(ValueError, match="more than once"):
        viz.plot_seed_spread(dbr)


def test_baseline(mixed: hs.Study) -> None:
    bar = viz.plot_baseline(mixed, {"default": 3.0, "paper": 2.0}).data[0]
    assert list(bar.x) == ["default", "paper", f"tuned (trial {mixed.best_trial.number})"]
    assert list(bar.y) == [3.0, 2.0, mixed.best_value]
    assert "tuned better by" in bar.hovertext[0]
    assert viz.plot_baseline(mixed, 1.5).data[0].y[0] == 1.5
    with pytest.raises(TypeError, match="number or a dict"):
        viz.plot_baseline(mixed, "high")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="finite"):
        viz.plot_baseline(mixed, {"x": float("nan")})
    study = hs.create_study(space={"x": hs.Float(0, 1)}, sampler=hs.samplers.Random(seed=0))
    study.optimize(lambda p: p["x"], n_trials=3)
    assert "Tuned against baseline" not in viz.figures(study)
    study.set_user_attr("baseline", 0.9)
    assert viz.figures(study)["Tuned against baseline"].data[0].y[0] == 0.9


def test_clear_errors(dbr: hs.Study) -> None:
    plain = hs.create_study(space={"x": hs.Float(0, 1)}, sampler=hs.samplers.Random(seed=0))
    plain.optimize(lambda p: p["x"], n_trials=3)
    with pytest.raises(ValueError, match=r"trial.report\(value, step\)"):
        viz.plot_intermediate(plain)
    with pytest.raises(ValueError, match="needs two parameters"):
        viz.plot_contour(plain)
    with pytest.raises(ValueError, match="no parameter 'y'"):
        viz.plot_grid(plain, x="y")


def test_write_html(mixed: hs.Study, tmp_path: Path) -> None:
    for title, fig in viz.figures(mixed).items():
        out = tmp_path / f"{title}.html"
        fig.write_html(out, include_plotlyjs=False)
        assert "Plotly.newPlot" in out.read_text()


def test_running_and_waiting_trials_of_a_live_study(postgres_url: str) -> None:
    """What the dashboard sees on PostgreSQL: a trial still running, one still queued."""
    study = hs.create_study("live", storage=postgres_url, space={"x": hs.Float(0, 1)},
                            sampler=hs.samplers.Random(seed=0))  # fmt: skip
    study.optimize(lambda p: p["x"], n_trials=4)
    running = study.ask()
    running.report(0.5, 0)
    running.report(0.25, 1)
    study.enqueue({"x": 0.5})
    live = hs.load_study("live", storage=postgres_url)
    figs = viz.figures(live)
    curves = figs["Learning curves"]
    assert _split_curves(_trace(curves, "running (1)")) == {running.number: [(0, 0.5), (1, 0.25)]}
    drawn = [n for tr in figs["Parameters by trial"].data for n in tr.x]
    assert sorted(drawn) == [0, 1, 2, 3, 4, 5]  # 4 complete, the running one, the queued one
    assert list(_trace(figs["Optimisation history"], "value").x) == [0, 1, 2, 3]


def test_plots_pool_configurations_by_the_samplers_rule() -> None:
    """Values equal to 12 significant digits are one configuration, for plots as for samplers."""
    from hypersweep.history import config_key

    a, b = 0.1 + 0.2, 0.3  # differ in the 17th digit only
    assert a != b and config_key({"x": a}) == config_key({"x": b})
    study = hs.create_study(space={"x": hs.Float(0.0, 1.0), "k": hs.Int(1, 3)}, seed=0)
    for x in (a, b):
        study.enqueue({"x": x, "k": 2})
    study.enqueue({"x": 0.7, "k": 1})
    study.optimize(lambda p, t: p["x"] + 0.01 * t.number, 3, show_progress=False)
    assert [t.params["x"] for t in study.trials[:2]] == [a, b]
    spread = viz.plot_seed_spread(study)
    assert len(spread.data) == 1 and len(spread.data[0].y) == 2
    assert spread.data[0].meta["std"] == pytest.approx(0.01 / math.sqrt(2))  # ddof=1
    cells = [c for row in viz.plot_grid(study).data[0].text for c in row if c]
    assert len(cells) == 2 and sum(c.endswith("(n=2)") for c in cells) == 1


@pytest.mark.parametrize("name", ["mixed", "dbr", "repeated", "odd"])
def test_the_pages_json_is_plotlys_own(name: str, request: pytest.FixtureRequest) -> None:
    """figure_json builds each figure from plain dicts, without plotly's graph objects: the
    JSON is the one plotly writes for the Figure the same plot function returns (subplot
    grids, typed arrays, titles, named colorscales, the default template)."""
    study = request.getfixturevalue(name)
    for title, draw in viz.plan(study):
        assert viz.figure_json(draw) == json.loads(draw().to_json()), title


def test_the_pages_json_needs_no_plotly_graph_objects() -> None:
    code = (
        "import sys, hypersweep as hs, hypersweep.visualization as viz\n"
        "study = hs.create_study(space={'x': hs.Float(0, 1), 'k': hs.Int(1, 4)}, seed=0)\n"
        "study.optimize(lambda p: p['x'] + p['k'], 12, show_progress=False)\n"
        "drawn = [viz.figure_json(draw) for _, draw in viz.plan(study)]\n"
        "assert len(drawn) >= 6 and all(d['data'] for d in drawn)\n"
        "print('plotly.graph_objects' in sys.modules, 'plotly.basedatatypes' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "False"]


def test_the_contour_pairs_two_parameters_that_vary_together() -> None:
    """The branch decides (model ranks first, its child C second), but where C is used
    model is always "svm": that pair would be a single line (plotly.js fails on it), so
    the contour takes the next pair whose two parameters both vary where both are used."""
    space = {
        "x": hs.Float(-1, 1),
        "model": hs.Categorical(
            [
                {"kind": "svm", "C": hs.Float(1e-3, 1e3, log=True)},
                {"kind": "knn", "k": hs.Int(1, 9)},
            ]
        ),
    }

    def objective(p: dict[str, Any]) -> float:
        m = p["model"]
        return (
            10.0 * (m["kind"] == "svm")
            + (abs(math.log10(m["C"])) if "C" in m else 0)
            + 0.05 * p["x"]
        )

    study = hs.create_study(space=space, sampler="random", seed=0)
    study.optimize(objective, 40, show_progress=False)
    contour = viz.figures(study)["Contour of a pair"]
    surface = contour.data[0]
    assert len(surface.x) > 1 and len(surface.y) > 1
    pair = {
        contour.layout.xaxis.title.text.split(" (")[0],
        contour.layout.yaxis.title.text.split(" (")[0],
    }
    assert "model" not in pair or pair == {"model", "x"}
