"""Plots of multi-objective studies: the front in the figure against a brute-force
non-dominated filter, grey infeasible trials, the hypervolume over trials against the
math package, rank-coloured parallel coordinates and one clear error per plot that
draws a single objective."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import hypersweep as hs
from hypersweep.multiobjective import hypervolume, reference_point
from hypersweep.trial import Direction, TrialState
from hypersweep.visualization import _sample, pareto

go = pytest.importorskip("plotly.graph_objects")
viz = hs.visualization

DIRS = {
    2: ["maximize", "minimize"],
    3: ["maximize", "minimize", "minimize"],
    4: ["maximize", "minimize", "minimize", "maximize"],
}
NAMES = {
    2: ["accuracy", "latency_ms"],
    3: ["accuracy", "latency_ms", "memory_mb"],
    4: ["accuracy", "latency_ms", "memory_mb", "recall"],
}


def _values(x: float, y: float, m: int) -> tuple[float, ...]:
    """A trade-off: accuracy grows with x, latency with x and y; ties on a coarse grid."""
    acc = round(0.5 + 0.4 * x - 0.1 * (y - 0.5) ** 2, 2)
    lat = round(5 + 40 * x * x + 10 * y, 1)
    mem = round(100 + 80 * (1 - y) + 20 * x, 0)
    rec = round(0.9 - 0.5 * abs(x - y), 2)
    return (acc, lat, mem, rec)[:m]


def build(m: int, n: int = 40, seed: int = 0) -> Any:
    """A study of m objectives: COMPLETE trials (some infeasible: x > 0.8), a FAIL, a
    PRUNED one and a duplicate of a front point; read back from storage."""
    rng = np.random.default_rng(seed)
    storage = hs.storage.MemoryStorage()
    dirs = [Direction.parse(d) for d in DIRS[m]]
    name = f"mo{m}"
    record = storage.create_study(name, dirs, system_attrs={"objective_names": NAMES[m]})
    sid = record.study_id

    def add(state: TrialState, x: float, y: float, values: Any = None, **attrs: Any) -> None:
        flat = {"x": x, "y": y}
        t = storage.create_trial(sid, state=TrialState.RUNNING, params=flat, flat=flat)
        storage.update_trial(sid, t.number, state=state, values=values, **attrs)

    for i in range(n):
        x, y = (round(float(v), 3) for v in rng.uniform(0, 1, 2))
        add(TrialState.COMPLETE, x, y, _values(x, y, m),
            system_attrs={"constraints": [x - 0.8]})  # fmt: skip
        if i == 5:
            add(TrialState.FAIL, 0.5, 0.5, error="diverged")
            add(TrialState.PRUNED, 0.5, 0.5, values=(0.1,), intermediate={0: 0.1})
    add(TrialState.COMPLETE, 0.0, 0.0, _values(0.0, 0.0, m))  # twice: equal points tie
    add(TrialState.COMPLETE, 0.0, 0.0, _values(0.0, 0.0, m))
    study = hs.load_study(name, storage=storage)
    assert study.objective_names == tuple(NAMES[m])
    return study


@pytest.fixture(scope="module", params=[2, 3])
def study(request: pytest.FixtureRequest) -> Any:
    return build(request.param)


def brute_front(study: Any, constrained: bool = True) -> set[int]:
    """Feasible COMPLETE trials no feasible trial dominates, by the definition (every
    COMPLETE trial when not ``constrained``)."""
    dirs = DIRS[len(study.directions)]
    sign = np.array([1.0 if d == "minimize" else -1.0 for d in dirs])
    done = [t for t in study.trials if t.state is TrialState.COMPLETE and t.values
            and len(t.values) == len(dirs) and not (constrained and any(c > 0 for c in
            t.system_attrs.get("constraints", [])))]  # fmt: skip
    out = set()
    for t in done:
        a = np.array(t.values) * sign
        if not any(
            np.all(np.array(o.values) * sign <= a) and np.any(np.array(o.values) * sign < a)
            for o in done
        ):
            out.add(t.number)
    return out


def infeasible(study: Any) -> set[int]:
    return {t.number for t in study.trials if t.state is TrialState.COMPLETE
            and any(c > 0 for c in t.system_attrs.get("constraints", []))}  # fmt: skip


def trace(fig: Any, prefix: str) -> Any:
    found = [t for t in fig.data if (t.name or "").startswith(prefix)]
    assert len(found) == 1, [t.name for t in fig.data]
    return found[0]


def test_the_front_in_the_figure_is_the_non_dominated_feasible_set(study: Any) -> None:
    m = len(study.directions)
    fig = viz.plot_pareto_front(study)
    front = trace(fig, "Pareto front")
    assert set(front.customdata) == brute_front(study)
    assert 2 <= len(front.customdata) < len(study.trials)
    grey = trace(fig, "infeasible")
    assert set(grey.customdata) == infeasible(study) != set()
    assert grey.marker.color == pareto.INFEASIBLE
    dominated = trace(fig, "dominated")
    done = {t.number for t in study.trials if t.state is TrialState.COMPLETE}
    assert set(dominated.customdata) == done - brute_front(study) - infeasible(study)
    assert dominated.marker.opacity < front.marker.opacity
    by_number = {t.number: t for t in study.trials}
    for j, number in enumerate(front.customdata):  # each point sits at its trial's values
        assert front.x[j] == by_number[number].values[0]
        assert front.y[j] == by_number[number].values[1]
        assert f"trial {number}<br>" in front.text[j] and "x: " in front.text[j]
    if m == 3:
        assert isinstance(front, go.Scatter3d)
        assert "memory_mb" in fig.layout.scene.zaxis.title.text
        assert "accuracy (higher is better)" in fig.layout.scene.xaxis.title.text
    else:
        assert isinstance(front, go.Scatter)
        assert fig.layout.xaxis.title.text == "accuracy (higher is better)"
        assert fig.layout.yaxis.title.text == "latency_ms (lower is better)"
        assert list(front.x) == sorted(front.x)  # the front is joined along the x axis


def test_include_dominated_false_and_targets() -> None:
    study = build(4)
    with pytest.raises(ValueError, match="plot_parallel_coordinates") as err:
        viz.plot_pareto_front(study)
    assert "targets=" in str(err.value) and "4 objectives" in str(err.value)
    fig = viz.plot_pareto_front(study, targets=["latency_ms", 0], include_dominated=False)
    assert not [t for t in fig.data if (t.name or "").startswith("dominated")]
    front = trace(fig, "Pareto front")
    assert set(front.customdata) == brute_front(study)  # the front in every objective
    by_number = {t.number: t for t in study.trials}
    assert [by_number[n].values[1] for n in front.customdata] == list(front.x)
    assert fig.layout.yaxis.title.text.startswith("accuracy")
    with pytest.raises(ValueError, match="2 or 3 different"):
        viz.plot_pareto_front(study, targets=["accuracy", "accuracy"])
    with pytest.raises(ValueError, match="'recall'"):
        viz.plot_pareto_front(study, targets=["accuracy", "speed"])


def test_hypervolume_grows_and_ends_at_the_fronts_hypervolume(study: Any) -> None:
    fig = viz.plot_hypervolume_history(study)
    line = fig.data[0]
    y = np.array(line.y)
    assert np.all(np.diff(y) >= 0) and y[-1] > 0
    done = [t for t in study.trials if t.state is TrialState.COMPLETE]
    assert list(line.x) == [t.number for t in done]
    sign = np.array([d.sign() for d in study.directions])
    feasible = [t for t in done if all(c <= 0 for c in t.system_attrs.get("constraints", []))]
    loss = np.array([t.values for t in feasible]) * sign
    front = loss[[t.number in brute_front(study) for t in feasible]]
    ref = reference_point(front)
    assert y[-1] == pytest.approx(hypervolume(front, ref))
    for k in (3, len(done) // 2):  # every prefix: the volume of the trials so far
        upto = loss[[t.number <= done[k].number for t in feasible]]
        assert y[k] == pytest.approx(hypervolume(upto, ref) if len(upto) else 0.0)
    title = fig.layout.title.text
    assert "nadir of the final front" in title
    assert f"accuracy={ref[0] * sign[0]:.4g}" in title


def test_hypervolume_with_a_given_reference_point() -> None:
    study = build(2)
    fig = viz.plot_hypervolume_history(study, reference_point=[0.0, 100.0])
    assert "(given)" in fig.layout.title.text and "latency_ms=100" in fig.layout.title.text
    front = [t for t in study.trials if t.number in brute_front(study)]
    loss = np.array([[-t.values[0], t.values[1]] for t in front])
    assert fig.data[0].y[-1] == pytest.approx(hypervolume(loss, [0.0, 100.0]))
    tight = viz.plot_hypervolume_history(study, reference_point=[2.0, 0.0])  # nothing inside
    assert set(tight.data[0].y) == {0.0}
    with pytest.raises(ValueError, match="3 values for 2 objectives"):
        viz.plot_hypervolume_history(study, reference_point=[1.0, 2.0, 3.0])


def test_parallel_coordinates_coloured_by_rank(study: Any) -> None:
    m = len(study.directions)
    fig = viz.plot_parallel_coordinates(study)
    pc = fig.data[0]
    labels = [d.label for d in pc.dimensions]
    assert labels[:m] == [f"{n} ({d[:3]})" for n, d in zip(NAMES[m], DIRS[m])]
    assert labels[m:] == ["x", "y"]
    done = [t for t in study.trials if t.state is TrialState.COMPLETE]
    ranks = dict(zip((t.number for t in done), pc.line.color))
    assert {n for n, r in ranks.items() if r == 0} == brute_front(study)
    bad = infeasible(study)
    assert min(ranks[n] for n in bad) > max(r for n, r in ranks.items() if n not in bad)
    assert list(pc.dimensions[1]["values"]) == [t.values[1] for t in done]
    one = viz.plot_parallel_coordinates(study, objective="latency_ms")
    assert list(one.data[0].dimensions[0]["values"]) == [t.values[1] for t in done]


def test_single_objective_plots_ask_which_objective(study: Any) -> None:
    for plot in (viz.plot_history, viz.plot_slice, viz.plot_ecdf, viz.plot_contour,
                 viz.plot_grid, viz.plot_seed_spread, viz.plot_importance):  # fmt: skip
        with pytest.raises(ValueError, match="pass objective='accuracy'") as err:
            plot(study)
        assert "plot_pareto_front" in str(err.value)
    with pytest.raises(ValueError, match="pass objective="):
        viz.plot_baseline(study, 0.7)
    with pytest.raises(ValueError, match="'latency_ms'"):
        viz.plot_history(study, objective="speed")
    done = [t for t in study.trials if t.state is TrialState.COMPLETE]
    fig = viz.plot_history(study, objective="latency_ms")
    assert fig.layout.yaxis.title.text == "latency_ms (lower is better)"
    assert list(fig.data[0].y) == [t.values[1] for t in done]
    assert list(fig.data[1].y) == list(np.minimum.accumulate([t.values[1] for t in done]))
    best = viz.plot_history(study, objective=0).data[1].y
    assert list(best) == list(np.maximum.accumulate([t.values[0] for t in done]))
    slices = viz.plot_slice(study, objective=-1)
    assert sorted(slices.data[0].y) == sorted(t.values[-1] for t in done)
    ecdf = viz.plot_ecdf(study, objective="accuracy")
    assert list(ecdf.data[0].x) == sorted(t.values[0] for t in done)
    assert viz.plot_contour(study, objective=1).data[0].z is not None
    base = viz.plot_baseline(study, 0.7, objective="accuracy")
    feasible = [t for t in done if t.number not in infeasible(study)]
    assert base.data[0].y[-1] == max(t.values[0] for t in feasible)  # infeasible never best
    curves = viz.plot_intermediate(study)  # learning curves need no objective
    assert {int(n) for n in curves.data[0].customdata if n is not None} == {
        t.number for t in study.trials if t.intermediate
    }
    shares = viz.plot_importance(study, objective="latency_ms").data[0]
    assert list(shares.y)[-1] == "x"  # latency grows with 40 x^2 + 10 y: x on top
    assert viz.plot_grid(study, objective="accuracy").data[0].type == "heatmap"
    params = viz.plot_param_history(study)  # coloured by the first objective
    assert params.data[0].marker.colorbar.title.text == "accuracy"


def test_figures_of_a_multi_objective_study() -> None:
    two = viz.figures(build(2))
    assert list(two)[:3] == ["Pareto front", "Hypervolume", "Parallel coordinates"]
    assert {"Optimisation history: accuracy", "Optimisation history: latency_ms",
            "Learning curves", "Parameters by trial"} <= set(two)  # fmt: skip
    four = viz.figures(build(4, n=12))
    assert "Pareto front" not in four and "Hypervolume" in four
    assert "Optimisation history: recall" in four


def test_a_sample_of_a_large_study_keeps_the_front() -> None:
    study = build(2, n=120, seed=3)
    dirs = tuple(study.directions)
    front = brute_front(study, constrained=False)  # briefs carry no constraints
    assert 20 < len(front) <= 30
    kept = _sample.sample(study.trials, dirs[0], limit=60, directions=dirs)
    numbers = {t.number for t in kept}
    assert len(kept) == 60 and front <= numbers
    small = _sample.sample(study.trials, dirs[0], limit=40, directions=dirs)
    assert len({t.number for t in small} & front) >= 20  # a large front: an even spread
    assert [t.number for t in kept] == sorted(numbers)
    assert _sample.sample(study.trials, dirs[0], limit=500, directions=dirs) == study.trials


def test_one_objective_studies_keep_their_plots() -> None:
    study = hs.create_study(sampler=hs.samplers.Random(seed=0))
    study.optimize(lambda t: (t.suggest_float("x", -1, 1) - 0.2) ** 2, n_trials=6)
    fig = viz.plot_history(study, objective=0)
    assert list(fig.data[0].y) == [t.value for t in study.trials]
    assert fig.layout.yaxis.title.text == "objective (lower is better)"
    assert viz.plot_param_history(study).data[0].marker.colorbar.title.text == "value"
    with pytest.raises(ValueError, match="one objective"):
        viz.plot_pareto_front(study)
    with pytest.raises(ValueError, match="one objective"):
        viz.plot_hypervolume_history(study)
    with pytest.raises(ValueError, match="not one of"):
        viz.plot_history(study, objective=1)


def test_a_study_run_through_the_public_api() -> None:
    """create_study(directions=...), vector results with constraints: the figure's front
    is study.best_trials, and trials the constraint rejects are grey."""

    def objective(trial: hs.Trial) -> dict[str, Any]:
        w = trial.suggest_float("width", 0.1, 1.0)
        return {"loss": [1 - (w - 0.7) ** 2, 40 * w * w], "constraints": [w - 0.9]}

    study = hs.create_study(directions=DIRS[2], objective_names=NAMES[2], sampler="random",
                            seed=1)  # fmt: skip
    study.optimize(objective, n_trials=20)
    fig = viz.plot_pareto_front(study)
    assert set(trace(fig, "Pareto front").customdata) == {t.number for t in study.best_trials}
    assert set(trace(fig, "Pareto front").customdata) == brute_front(study)
    assert set(trace(fig, "infeasible").customdata) == infeasible(study) != set()
    assert viz.plot_hypervolume_history(study).data[0].y[-1] > 0
