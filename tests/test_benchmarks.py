"""The shipped benchmark: exact optima, identical spaces across libraries, runs and tables."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import hypersweep as hs
from hypersweep.harness import (
    PROBLEMS,
    Results,
    RunResult,
    format_table,
    mean_ranks,
    peers,
    problems,
    report,
    run,
    runner,
)


def _hartmann_scalar(x: tuple[float, ...], a: Any, p: Any) -> float:
    """A plain loop over the sfu.ca/~ssurjano definition, independent of the numpy one."""
    total = 0.0
    for alpha, row_a, row_p in zip(problems._HART_ALPHA, a, p):
        inner = sum(ai * (xi - pi * 1e-4) ** 2 for ai, xi, pi in zip(row_a, x, row_p))
        total -= alpha * math.exp(-inner)
    return total


# a known non-optimal point and its value, worked out by hand from the definitions
NON_OPTIMAL = {
    "branin": ((0.0, 0.0), 36 + 10 * (1 - 1 / (8 * math.pi)) + 10),
    "hartmann3": ((0.5,) * 3, _hartmann_scalar((0.5,) * 3, problems._HART3_A, problems._HART3_P)),
    "hartmann6": ((0.5,) * 6, _hartmann_scalar((0.5,) * 6, problems._HART6_A, problems._HART6_P)),
    "rosenbrock5": ((0.0,) * 5, 4.0),
    "ackley5": ((1.0,) * 5, 20 - 20 * math.exp(-0.2)),
    # x = -3 makes w = 0: sin(0)^2 + 9 (1 + 10 sin(1)^2) + (0 - 1)^2 (1 + sin(0)^2)
    "levy10": ((-3.0,) * 10, 9 * (1 + 10 * math.sin(1) ** 2) + 1),
    "styblinski_tang8": ((0.0,) * 8, 0.0),
}


@pytest.mark.parametrize("name", [n for n, p in PROBLEMS.items() if p.optimum is not None])
def test_each_problem_reaches_its_optimum_at_its_known_optimum(name: str) -> None:
    problem = PROBLEMS[name]
    assert problem.optima
    for point in problem.optima:
        hs.Space(problem.space).validate(point)
        assert problem.objective(point) == pytest.approx(problem.optimum, abs=1e-6)


@pytest.mark.parametrize("name", list(NON_OPTIMAL))
def test_test_functions_at_a_non_optimal_point(name: str) -> None:
    x, value = NON_OPTIMAL[name]
    problem = PROBLEMS[name]
    assert problem.objective({f"x{i}": v for i, v in enumerate(x)}) == pytest.approx(value)
    assert value > problem.optimum + 1e-3  # type: ignore[operator]


def test_optima_are_minima_nearby() -> None:
    """The polished optima beat every point of a small cloud around them."""
    rng = np.random.default_rng(0)
    for f, x0, opt in [
        (problems.hartmann3, problems.HARTMANN3_X, problems.HARTMANN3_MIN),
        (problems.hartmann6, problems.HARTMANN6_X, problems.HARTMANN6_MIN),
        (problems.styblinski_tang, (problems.STYBLINSKI_TANG_X,) * 8, -39.16616570377142 * 8),
    ]:
        cloud = np.asarray(x0) + rng.normal(0, 1e-4, size=(200, len(x0)))
        assert np.all(f(cloud) >= opt)  # vectorised over the leading axis
    # the often-printed -39.16599 per dimension is off by 1.7e-4
    assert pytest.approx(-39.1661657, abs=1e-7) == problems.STYBLINSKI_TANG_MIN_PER_DIM


def test_conditional_and_mixed_optima_need_the_right_choices() -> None:
    cond = PROBLEMS["conditional"].objective
    assert cond({"model": {"kind": "a", "x": 1.0, "y": -2.0}}) == 1.0
    assert cond({"model": {"kind": "c", "u": 0.0, "v": 0.5}}) == 0.5
    mixed = dict(problems.MIXED_OPT, activation="tanh")
    assert PROBLEMS["mixed"].objective(mixed) == 0.5


def test_ml_task_is_fast_and_sensible() -> None:
    objective = PROBLEMS["svm_cancer"].objective
    good = objective({"C": 10.0, "gamma": 1e-3, "class_weight": None})
    bad = objective({"C": 1e-3, "gamma": 10.0, "class_weight": None})
    assert 0 < good < 0.1 < bad < 0.6


# --- the same space in each library -----------------------------------------------------
def _optuna_points(name: str, n: int) -> list[Any]:
    optuna = pytest.importorskip("optuna")
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    points = []
    for _ in range(n):
        trial = study.ask()
        points.append(peers.optuna_suggest(trial, PROBLEMS[name].space))
        study.tell(trial, 0.0)
    return points


def _hyperopt_points(name: str, n: int) -> list[Any]:
    pytest.importorskip("hyperopt")
    from hyperopt.pyll import stochastic

    space = peers.hyperopt_space(PROBLEMS[name].space)
    rng = np.random.default_rng(0)
    return [stochastic.sample(space, rng=rng) for _ in range(n)]


@pytest.mark.parametrize("name", ["branin", "conditional", "mixed", "svm_cancer"])
@pytest.mark.parametrize("library", ["optuna", "hyperopt"])
def test_peer_spaces_draw_valid_hypersweep_points(name: str, library: str) -> None:
    """Every peer draw is a valid point of the hypersweep space, with all kinds and branches."""
    n = 300 if name != "svm_cancer" else 60
    points = (_optuna_points if library == "optuna" else _hyperopt_points)(name, n)
    space = hs.Space(PROBLEMS[name].space)
    flats = [space.flatten(p) for p in points]  # raises if a point does not fit
    ours = [space.flatten(space.sample(i)) for i in range(n)]
    for leaf, param in space.leaves.items():
        theirs_v = [f[leaf] for f in flats if leaf in f]
        ours_v = [f[leaf] for f in ours if leaf in f]
        assert theirs_v, leaf  # every branch and leaf is reached
        if isinstance(param, hs.Categorical):
            assert set(theirs_v) == set(ours_v) == set(param.keys), leaf
            continue
        if isinstance(param, hs.Int):
            assert all(isinstance(v, int) for v in theirs_v), leaf
        # same prior: the medians of the internal (log for log scales) values agree
        lo, hi = param.bounds()
        med = np.median([param.to_internal(v) for v in theirs_v])
        assert abs(med - np.median([param.to_internal(v) for v in ours_v])) < 0.2 * (hi - lo)


def test_peer_int_draws_hit_both_ends() -> None:
    points = _hyperopt_points("mixed", 400)
    layers = {p["layers"] for p in points}
    assert layers == set(range(1, 9))


# --- runs and tables ----------------------------------------------------------------------
def _tiny_methods() -> list[str]:
    methods = ["hypersweep:random"]
    if runner.unavailable("optuna:random") is None:
        methods.append("optuna:random")
    return methods


@pytest.fixture(scope="module")
def tiny() -> Results:
    return run(["branin", "mixed"], [*_tiny_methods(), "nope:x"], seeds=2, budgets=[5, 10],
               n_jobs=2)  # fmt: skip


def test_tiny_run_records_every_run(tiny: Results) -> None:
    methods = _tiny_methods()
    assert len(tiny.runs) == 2 * len(methods) * 2
    assert all(len(r.values) == 10 and r.error is None for r in tiny.runs)
    assert "nope:x" in tiny.skipped and "unknown method" in tiny.skipped["nope:x"]
    # reruns are reproducible: same seed, same values
    again = run(["branin"], ["hypersweep:random"], seeds=[1], budgets=[10], n_jobs=1)
    same = [r for r in tiny.runs if r.problem == "branin" and r.method == "hypersweep:random"
            and r.seed == 1]  # fmt: skip
    assert same[0].values == again.runs[0].values


def test_table_has_a_row_per_problem_and_a_column_per_method(tiny: Results) -> None:
    methods = _tiny_methods()
    for budget in (5, 10):
        text = format_table(tiny, budget)
        lines = text.splitlines()
        assert f"after {budget} trials" in lines[0]
        assert lines[1].split() == ["problem", *(report.short(m) for m in methods)]
        assert [line.split()[0] for line in lines[3:5]] == ["branin", "mixed"]
        assert lines[-1].startswith("mean rank") and len(lines[-1].split()) == 2 + len(methods)
        ranks = mean_ranks(tiny, budget)
        assert sum(ranks.values()) == pytest.approx(sum(range(1, len(methods) + 1)))
        assert all(line.count("*") >= 1 for line in lines[3:5])
    # budget 10 is never worse than budget 5: the same runs, a longer prefix
    five, ten = report.cells(tiny, 5), report.cells(tiny, 10)
    assert all(ten[k].median <= five[k].median for k in five)


def test_ranks_average_ties() -> None:
    assert report._rank([3.0, 1.0, 3.0, 2.0]) == [3.5, 1.0, 3.5, 2.0]


def test_failed_and_missing_methods_do_not_stop_the_run() -> None:
    res = Results(["branin"], ["a:x", "b:y"], [0, 1], [3])
    res.runs = [
        RunResult("branin", "a:x", 0, (1.0, 0.5, 2.0), 0.1),
        RunResult("branin", "a:x", 1, (), 0.1, "RuntimeError: boom"),
        RunResult("branin", "b:y", 0, (math.nan, 3.0, 4.0), 0.1),
        RunResult("branin", "b:y", 1, (math.nan,) * 3, 0.1),
    ]
    table = report.cells(res, 3)
    assert table[("branin", "a:x")].n == 1 and table[("branin", "a:x")].failed == 1
    branin_min = problems.BRANIN_MIN
    assert table[("branin", "a:x")].median == pytest.approx(math.log10(0.5 - branin_min))
    assert "!1" in format_table(res, 3)
    assert "1 runs failed" in report.notes(res)
    # JSON round trip keeps nan as null
    data = json.loads(json.dumps(res.to_dict()))
    assert Results.from_dict(data).runs[3].values[0] != Results.from_dict(data).runs[3].values[0]


def test_run_isolates_a_crashing_sampler(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: Any, **kwargs: Any) -> list[float]:
        raise RuntimeError("sampler exploded")

    monkeypatch.setattr(runner, "run_one", boom)
    res = run(["branin"], ["hypersweep:random"], seeds=1, budgets=[3], n_jobs=1)
    assert res.runs[0].error == "RuntimeError: sampler exploded"
    assert "failed" in format_table(res, 3)


def test_ml_row_is_raw_and_regret_is_floored() -> None:
    assert report.score("svm_cancer", 0.03) == 0.03
    assert report.score("ackley5", 0.0) == -12.0
    assert report.score("branin", problems.BRANIN_MIN + 1e-3) == pytest.approx(-3.0)


def test_csv_has_a_row_per_run_and_budget(tiny: Results) -> None:
    rows = report.to_csv(tiny).splitlines()
    assert rows[0].startswith("problem,method,seed,budget")
    assert len(rows) == 1 + len(tiny.runs) * 2


def test_overhead_measures_a_tpe(tmp_path: Path) -> None:
    times = runner.overhead(["hypersweep:tpe", "nope:x"], n=30, window=10, dim=3, repeats=1)
    assert isinstance(times["nope:x"], str)
    if runner.unavailable("hypersweep:tpe") is None:
        assert 0 < times["hypersweep:tpe"] < 1  # type: ignore[operator]
    text = report.format_overhead(times)
    assert "nope:x" in text and "skipped" in text


def test_importing_the_benchmarks_loads_no_peer() -> None:
    import subprocess
    import sys

    peers_ = "('optuna', 'hyperopt', 'sklearn', 'torch')"
    code = f"import sys, hypersweep.harness; print([m for m in {peers_} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_merge_replaces_runs_of_the_same_key(tiny: Results) -> None:
    rerun = Results(["branin"], ["hypersweep:random", "x:y"], [1], [5, 10], skipped={"x:y": "no"})
    rerun.runs = [RunResult("branin", "hypersweep:random", 1, (1.0,) * 10, 0.5)]
    both = runner.merge(tiny, rerun)
    assert len(both.runs) == len(tiny.runs) and both.budgets == [5, 10]
    new = [
        r for r in both.runs if (r.problem, r.method, r.seed) == ("branin", "hypersweep:random", 1)
    ]
    assert new == rerun.runs and both.skipped == {"nope:x": tiny.skipped["nope:x"], "x:y": "no"}


# --- shifted boxes and the optional peers ------------------------------------------------
@pytest.mark.parametrize("name", [n for n, p in PROBLEMS.items() if p.kind == "continuous"])
def test_shifted_boxes_keep_the_optima_inside_and_move_per_seed(name: str) -> None:
    problem = PROBLEMS[name]
    boxes = [problems.shifted(problem, seed).space for seed in range(8)]
    again = problems.shifted(problem, 0).space
    assert [(p.low, p.high) for p in boxes[0].values()] == [(p.low, p.high) for p in again.values()]
    centres = set()
    for space in boxes:
        for point in problem.optima:
            hs.Space(space).validate(point)  # every optimum stays inside
        for key, param in space.items():
            old = problem.space[key]
            assert param.high - param.low == pytest.approx(old.high - old.low)
            assert abs(param.low - old.low) <= problems.SHIFT * (old.high - old.low) + 1e-12
        centres.add(round(sum(p.low for p in space.values()), 9))
    assert len(centres) == 8  # every seed its own box


def test_shifting_moves_ackley_off_the_centre_and_leaves_other_kinds_alone() -> None:
    ackley = PROBLEMS["ackley5"]
    boxes = [problems.shifted(ackley, s).space for s in range(5)]
    offsets = [abs((p.low + p.high) / 2) for box in boxes for p in box.values()]
    assert min(offsets) > 0 and np.median(offsets) > 2.0  # optimum 0 is no longer the centre
    for name in ("mixed", "conditional", "svm_cancer"):
        assert problems.shifted(PROBLEMS[name], 3) is PROBLEMS[name]
    again = runner.run_one(PROBLEMS["branin"], "hypersweep:random", 0, 5, shift=False)
    shifted = runner.run_one(PROBLEMS["branin"], "hypersweep:random", 0, 5)
    assert again != shifted


def test_optional_peers_reject_conditional_spaces_and_run_flat_ones() -> None:
    from hypersweep.harness import peers_extra

    with pytest.raises(ValueError, match="conditional"):
        peers_extra.flat_space(PROBLEMS["conditional"].space)
    assert runner.unavailable("skopt:nope") is not None
    for method in peers_extra.METHODS:
        if runner.unavailable(method) is not None:
            continue
        values = runner.run_one(PROBLEMS["mixed"], method, 0, 12)
        assert len(values) == 12 and all(v >= 0 for v in values)  # mixed's optimum is 0
        assert len(set(values)) > 6  # it searched, not one point


def test_cmaes_and_auto_are_benchmark_methods() -> None:
    for method in ("hypersweep:cmaes", "hypersweep:auto", "optuna:cmaes"):
        assert method in runner.METHODS
    assert runner.unavailable("hypersweep:cmaes") is None


# --- peers in their own environments (HEBO, SMAC3): the JSON-line protocol -----------------
def _random_driver() -> list[str]:
    from hypersweep.harness import isolated

    return [sys.executable, "-I", str(isolated.DRIVER), "random"]


def test_a_driver_asks_and_the_harness_evaluates_in_its_own_process() -> None:
    from hypersweep.harness import isolated

    seen: list[dict[str, Any]] = []

    def objective(params: dict[str, Any]) -> float:
        seen.append(params)
        if params["layers"] == 1:
            raise RuntimeError("a failing trial")
        return problems.mixed_objective(params)

    values = isolated.drive(_random_driver(), problems.MIXED_SPACE, objective, 3, 40)
    assert len(values) == len(seen) == 40
    space = hs.Space(problems.MIXED_SPACE)
    for params, value in zip(seen, values):
        space.validate(params)  # decoded to hypersweep's kinds: ints, choice values
        assert isinstance(params["units"], int) and params["activation"] in _ACTIVATIONS
        assert math.isnan(value) == (params["layers"] == 1)
    assert any(math.isnan(v) for v in values)  # failures go on as nan, the run goes on
    again = isolated.drive(_random_driver(), problems.MIXED_SPACE, objective, 3, 40)
    assert again[:10] == values[:10]  # the seed reaches the driver
    other = isolated.drive(_random_driver(), problems.MIXED_SPACE, objective, 4, 10)
    assert other != values[:10]


_ACTIVATIONS = ("sigmoid", "tanh", "relu")


def test_a_failing_driver_raises_with_its_reason_and_a_timeout_stops_it() -> None:
    from hypersweep.harness import isolated

    command = [*_random_driver()[:-1], "no-such-library"]
    with pytest.raises(RuntimeError, match="KeyError"):
        isolated.drive(command, problems.MIXED_SPACE, problems.mixed_objective, 0, 5)
    with pytest.raises(ValueError, match="conditional"):
        isolated.space_spec(PROBLEMS["conditional"].space)

    def slow(params: dict[str, Any]) -> float:
        import time

        time.sleep(0.05)
        return 1.0

    values = isolated.drive(_random_driver(), problems.MIXED_SPACE, slow, 0, 1000, timeout=0.5)
    assert 3 <= len(values) < 100


def test_missing_peer_envs_are_skipped_with_how_to_create_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hypersweep.harness import isolated

    monkeypatch.setenv(isolated.ENV_VARIABLE, str(tmp_path))
    for method in isolated.METHODS:
        why = runner.unavailable(method)
        assert why is not None and "scripts/peer_envs.sh" in why and str(tmp_path) in why
    res = run(["branin"], ["hebo:hebo", "hypersweep:random"], seeds=1, budgets=[3], n_jobs=1)
    assert "peer_envs.sh" in res.skipped["hebo:hebo"] and len(res.runs) == 1
    exe = tmp_path / "smac" / "bin" / "python"
    exe.parent.mkdir(parents=True)
    exe.symlink_to(sys.executable)
    assert isolated.python_of("smac") == exe and runner.unavailable("smac:hpo") is None


def test_isolated_peers_run_when_their_envs_exist() -> None:
    """With .peers/ (or $HYPERSWEEP_PEER_ENVS) set up, a short real run of each; without,
    nothing to check beyond the note above (these peers are optional, never skipped)."""
    from hypersweep.harness import isolated

    for method in isolated.METHODS:
        if runner.unavailable(method) is not None:
            continue
        record = runner.run_task(("mixed", method, 0, 12, None))
        assert record.error is None, record.error
        assert len(record.values) == 12 and all(v >= 0 for v in record.values)
        assert len(set(record.values)) > 6  # it searched, not one point
        assert record.cpu_seconds > 0


def test_short_runs_are_left_out_at_larger_budgets_and_cpu_time_is_reported() -> None:
    res = Results(["branin", "hartmann3"], ["a:x", "b:y"], [0], [3, 5])
    res.runs = [
        RunResult("branin", "a:x", 0, (5.0, 4.0, 3.0, 2.0, 1.0), 1.0, cpu_seconds=2.0),
        RunResult("hartmann3", "a:x", 0, (-3.0,) * 5, 1.0, cpu_seconds=3.0),
        RunResult("branin", "b:y", 0, (0.5, 0.5, 0.5), 9.0, cpu_seconds=20.0),
        RunResult("hartmann3", "b:y", 0, (-1.0,) * 3, 9.0, cpu_seconds=30.0),
    ]
    assert report.ran_methods(res, 5) == ["a:x"]
    assert mean_ranks(res, 3) == {"a:x": 1.5, "b:y": 1.5}
    assert mean_ranks(res, 5) == {"a:x": 1.0}
    assert "b:y" not in format_table(res, 5).splitlines()[1]
    ranks = report.format_ranks(res).splitlines()
    assert ranks[2].split() == ["a:x", "1.50", "1.00"] and ranks[3].split() == ["b:y", "1.50", "-"]
    times = report.format_times(res).splitlines()
    assert times[2].split() == ["a:x", "2", "5", "2.5", "5.0"]
    assert times[3].split() == ["b:y", "2", "3", "25.0", "50.0"]
    longer = Results(["branin"], ["a:x"], [0], [50])
    assert runner.merge(res, longer).budgets == [3, 5, 50]


def test_runs_record_their_cpu_seconds() -> None:
    record = runner.run_task(("branin", "hypersweep:random", 0, 5, None))
    assert record.error is None and 0 < record.cpu_seconds < 60
    old = {k: v for k, v in record.__dict__.items() if k != "cpu_seconds"}
    assert math.isnan(RunResult(**old).cpu_seconds)  # JSON saved before the field still loads


def test_nevergrad_metamodel_gets_numbers_from_one_element_arrays() -> None:
    """nevergrad 1.0 calls float() on a one-element array (a TypeError under numpy 2)."""
    from hypersweep.harness import peers_extra

    assert peers_extra._one_number(np.array([2.5])) == 2.5
    assert peers_extra._one_number(np.float64(1.5)) == 1.5
    with pytest.raises(TypeError):
        peers_extra._one_number(np.array([1.0, 2.0]))
