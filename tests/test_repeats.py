"""repeats=k: k seeded calls per trial, each score kept, the value a chosen statistic."""

from __future__ import annotations

import math
import random
import statistics
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypersweep.seeding import derive_seed
from scipy import stats

import hypersweep as hs
from hypersweep import TrialState

from .helpers import storage_url

SPACE = {"x": hs.Float(0.0, 1.0)}


@pytest.fixture(params=["memory", "sqlite"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str | None:
    return storage_url(request.param, tmp_path)


class Noisy:
    """x plus Gaussian noise drawn from trial.seed; remembers every call."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, int, int, float]] = []  # number, repeat, seed, score

    def __call__(self, params: dict[str, Any], trial: hs.Trial) -> float:
        score = params["x"] + random.Random(trial.seed).gauss(0.0, 0.3)
        self.calls.append((trial.number, trial.repeat, trial.seed, score))
        return score


def test_each_trial_keeps_k_scores_seeds_mean_and_std(url: str | None) -> None:
    objective = Noisy()
    study = hs.create_study(storage=url, space=SPACE, seed=5, repeats=4)
    study.optimize(objective, 6)
    assert len(objective.calls) == 24
    for t in study.trials:
        rec = t.system_attrs["repeats"]
        calls = [c for c in objective.calls if c[0] == t.number]
        assert [c[1] for c in calls] == [0, 1, 2, 3]
        assert rec["values"] == [c[3] for c in calls]
        assert rec["seeds"] == [c[2] for c in calls] and len(set(rec["seeds"])) == 4
        assert rec["seeds"][0] == t.system_attrs["seed"] == derive_seed(5, t.number)
        assert rec["mean"] == pytest.approx(np.mean(rec["values"]), abs=1e-15)
        assert rec["std"] == pytest.approx(np.std(rec["values"], ddof=1), rel=1e-12)
        assert rec["select"] == "mean" and t.value == rec["mean"]
    all_seeds = [c[2] for c in objective.calls]
    assert len(set(all_seeds)) == len(all_seeds)  # no two calls of the study share a seed


def test_repeat_0_keeps_the_seed_a_single_run_gets() -> None:
    single, repeated = Noisy(), Noisy()
    one = hs.create_study(space=SPACE, seed=9)
    one.optimize(single, 3)
    three = hs.create_study(space=SPACE, seed=9, repeats=3)
    three.optimize(repeated, 3)
    assert [c[2] for c in single.calls] == [c[2] for c in repeated.calls if c[1] == 0]
    assert [t.params for t in one.trials] == [t.params for t in three.trials]
    for t in one.trials:  # repeats=1: the objective's value itself, the seed recorded
        assert "repeats" not in t.system_attrs
        assert t.system_attrs["seed"] == derive_seed(9, t.number)
        assert t.value == next(c[3] for c in single.calls if c[0] == t.number)


@pytest.mark.parametrize("direction", ["minimize", "maximize"])
@pytest.mark.parametrize("select", ["mean_minus_std", "lcb"])
def test_robust_statistics_lean_towards_the_worse_side(direction: str, select: str) -> None:
    study = hs.create_study(space=SPACE, seed=2, repeats=5, select=select, direction=direction)
    study.optimize(Noisy(), 4)
    worse = 1.0 if direction == "minimize" else -1.0
    for t in study.trials:
        rec = t.system_attrs["repeats"]
        m, s = statistics.fmean(rec["values"]), statistics.stdev(rec["values"])
        spread = s if select == "mean_minus_std" else stats.t.ppf(0.95, 4) * s / math.sqrt(5)
        assert t.value == pytest.approx(m + worse * spread, rel=1e-12)
        assert rec["select"] == select and rec["mean"] == pytest.approx(m)


def shuffled_deviations(seed: int, repeat: int, k: int) -> float:
    """The repeat-th of k fixed deviations (mean 0, sample std 1), in an order set by the
    seed of repeat 0, so that every configuration's k scores have an exact mean and std."""
    base = np.linspace(-1.0, 1.0, k)
    base = base / base.std(ddof=1)
    order = random.Random(seed).sample(range(k), k)
    return float(base[order[repeat]])


def test_robust_selection_prefers_the_stable_configuration() -> None:
    """Noisy: mean 0.82, std 0.15. Stable: mean 0.80, std 0.01. By the mean the noisy one
    wins; mean minus std and the confidence bound pick the stable one."""
    seeds: dict[int, int] = {}

    def accuracy(params: dict[str, Any], trial: hs.Trial) -> float:
        seeds.setdefault(trial.number, trial.seed)  # repeat 0's seed orders the deviations
        z = shuffled_deviations(seeds[trial.number], trial.repeat, 5)
        return 0.82 + 0.15 * z if params["kind"] == "noisy" else 0.80 + 0.01 * z

    space = {"kind": hs.Categorical(["noisy", "stable"])}
    best = {}
    for select in ("mean", "mean_minus_std", "lcb"):
        r = hs.maximize(accuracy, space, sampler="grid", n_trials=2, repeats=5, select=select,
                        seed=0, verbosity=0)  # fmt: skip
        best[select] = r.best_params["kind"]
        noisy = next(t for t in r.trials if t.params["kind"] == "noisy").system_attrs["repeats"]
        assert noisy["mean"] == pytest.approx(0.82) and noisy["std"] == pytest.approx(0.15)
    assert best == {"mean": "noisy", "mean_minus_std": "stable", "lcb": "stable"}


def test_a_sampler_follows_the_robust_value() -> None:
    """Score 1 + 0.1x with spread 0.5x: the mean grows with x, mean - std falls with it; the
    best trial must be the largest x by the mean and the smallest by mean - std."""

    def score(params: dict[str, Any], trial: hs.Trial) -> float:
        x = params["x"]
        return 1 + 0.1 * x + 0.5 * x * shuffled_deviations(trial.number, trial.repeat, 3)

    xs = {}
    for select in ("mean", "mean_minus_std"):
        r = hs.maximize(score, SPACE, sampler="random", n_trials=12, repeats=3, select=select,
                        seed=4, verbosity=0)  # fmt: skip
        every = [t.params["x"] for t in r.trials]
        xs[select] = (r.best_params["x"], min(every), max(every))
    assert xs["mean"][0] == xs["mean"][2]
    assert xs["mean_minus_std"][0] == xs["mean_minus_std"][1]


def test_settings_survive_a_resume_and_seeds_stay_put(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'rep.db'}"
    hs.minimize(Noisy(), SPACE, n_trials=3, seed=1, storage=db, study="s", repeats=3,
                select="lcb", verbosity=0)  # fmt: skip
    before = {t.number: t.system_attrs for t in hs.load_study("s", storage=db).trials}
    resumed = hs.load_study("s", storage=db)
    assert (resumed.repeats, resumed.select) == (3, "lcb")
    again = Noisy()
    r = hs.minimize(again, SPACE, n_trials=5, storage=db, study="s", verbosity=0)  # no repeats
    assert {c[0] for c in again.calls} == {3, 4} and len(again.calls) == 6
    assert all(t.system_attrs["repeats"]["select"] == "lcb" for t in r.trials)
    assert {t.number: t.system_attrs for t in r.trials if t.number < 3} == before
    # the same as one uninterrupted run: seeds, parameters and values
    whole = hs.minimize(Noisy(), SPACE, n_trials=5, seed=1, repeats=3, select="lcb", verbosity=0)
    assert [t.system_attrs["repeats"]["seeds"] for t in whole.trials] == [
        t.system_attrs["repeats"]["seeds"] for t in r.trials
    ]
    assert [t.value for t in whole.trials] == [t.value for t in r.trials]
    with pytest.raises(ValueError, match=r"was run with repeats=3, not repeats=2.*another study"):
        hs.create_study("s", storage=db, load_if_exists=True, repeats=2)
    with pytest.raises(ValueError, match=r"select='lcb', not select='mean'"):
        hs.minimize(Noisy(), SPACE, n_trials=6, storage=db, study="s", select="mean")


def test_parallel_workers_honour_the_study_setting(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'par.db'}"
    study = hs.create_study("p", storage=db, space=SPACE, seed=3, repeats=3)
    study.optimize(lambda p, t: p["x"] + t.seed % 7, 4, n_jobs=2)
    for t in study.trials:
        rec = t.system_attrs["repeats"]
        assert rec["values"] == [t.params["x"] + s % 7 for s in rec["seeds"]]
        assert rec["seeds"] == [derive_seed(3, t.number, r) for r in range(3)]


def test_a_failing_or_nan_repeat_fails_the_trial_and_keeps_earlier_scores() -> None:
    def objective(trial: hs.Trial) -> float:
        x = trial.suggest_float("x", 0, 1)
        if trial.number == 1 and trial.repeat == 1:
            raise RuntimeError("diverged")
        if trial.number == 2 and trial.repeat == 2:
            return math.nan
        return x + trial.repeat

    study = hs.create_study(seed=0, repeats=3)
    study.optimize(objective, 4)
    states = [t.state for t in study.trials]
    assert states == [TrialState.COMPLETE, TrialState.FAIL, TrialState.FAIL, TrialState.COMPLETE]
    one, two = study.trials[1], study.trials[2]
    assert one.error is not None and one.error.startswith(
        f"repeat 1 of 3 (seed {derive_seed(study.sampler.entropy, 1, 1)}): RuntimeError: diverged"
    )
    assert one.system_attrs["repeats"]["values"] == [one.params["x"]]
    assert two.error is not None and two.error.startswith("repeat 2 of 3 (seed ")
    assert two.error.endswith("the objective returned NaN")
    assert len(two.system_attrs["repeats"]["values"]) == 2
    assert study.trials[3].value == pytest.approx(study.trials[3].params["x"] + 1)


class Seen(hs.pruners.Pruner):
    """Threshold(upper=1.2), recording the curve it was shown at each decision."""

    def __init__(self) -> None:
        self.shown: list[tuple[int, dict[int, float]]] = []

    def prune(self, history: Any, trial: Any) -> bool:
        self.shown.append((trial.number, dict(trial.intermediate)))
        return hs.pruners.Threshold(upper=1.2).prune(history, trial)


def test_every_repeat_reports_and_the_pruner_judges_the_mean_over_repeats(url: str | None) -> None:
    """Repeat r reports x + r at steps 0..2. Repeat 0 alone (x <= 1) never crosses 1.2; in
    repeat 1 the mean over both repeats is x + 0.5, so trials with x > 0.7 stop at once.
    (Before every repeat reported, repeat 1 was never judged and nothing was pruned.)"""
    asked: list[tuple[int, int]] = []

    def objective(trial: hs.Trial) -> float:
        x = trial.suggest_float("x", 0, 1)
        for step in range(3):
            trial.report(x + trial.repeat, step)
            asked.append((trial.number, trial.repeat))
            if trial.should_prune():
                raise hs.TrialPruned()
        return x

    pruner = Seen()
    study = hs.create_study(storage=url, seed=0, repeats=2, pruner=pruner)
    study.optimize(objective, 12)
    assert any(t.state is TrialState.PRUNED for t in study.trials)
    for t in study.trials:
        x = t.params["x"]
        if x > 0.7:  # pruned at step 0 of repeat 1: steps 1, 2 keep repeat 0's values
            assert t.state is TrialState.PRUNED
            assert t.intermediate == pytest.approx({0: x + 0.5, 1: x, 2: x})
            assert t.value == pytest.approx(x + 0.5)
            assert len(t.system_attrs["repeats"]["values"]) == 1
        else:
            assert t.state is TrialState.COMPLETE
            assert t.intermediate == pytest.approx({s: x + 0.5 for s in range(3)})
        shown = [c for n, c in pruner.shown if n == t.number]
        # repeat 0: its own curve; repeat 1: the means, up to the step just reported
        assert shown[:3] == [pytest.approx({s: x for s in range(k + 1)}) for k in range(3)]
        assert shown[3] == pytest.approx({0: x + 0.5})
        assert {r for n, r in asked if n == t.number} == {0, 1}


def test_repeats_without_reports_are_pruned_as_parts_exactly() -> None:
    """An objective that reports nothing, four repeats, CannotWin(n_parts=4): after each
    repeat the running mean is reported as step = repeats done, and a configuration
    that cannot beat the best even if its remaining seeds scored 1.0 stops. Exact: the
    best trial is the one found without pruning, for fewer objective calls."""

    def objective(params: dict[str, Any], trial: hs.Trial) -> float:
        calls.append(trial.number)
        return min(1.0, params["x"] * (0.8 + 0.2 * random.Random(trial.seed).random()))

    found = {}
    for pruner in (hs.pruners.NoPruning(), hs.pruners.CannotWin(n_parts=4)):
        calls: list[int] = []
        study = hs.create_study(direction="maximize", space=SPACE, seed=3, repeats=4,
                                sampler=hs.samplers.Random(seed=3), pruner=pruner)  # fmt: skip
        study.optimize(objective, 30)
        found[type(pruner).__name__] = (study.best_trial.number, study.best_value, len(calls))
        if isinstance(pruner, hs.pruners.CannotWin):
            pruned = [t for t in study.trials if t.state is TrialState.PRUNED]
            assert len(pruned) >= 5
            for t in study.trials:
                scores = t.system_attrs["repeats"]["values"]
                means = {k: statistics.fmean(scores[:k]) for k in range(1, len(scores) + 1)}
                assert t.intermediate == pytest.approx(means)
                assert len(scores) == (4 if t.state is TrialState.COMPLETE else len(scores))
    assert found["CannotWin"][:2] == found["NoPruning"][:2]
    assert found["CannotWin"][2] < 0.8 * found["NoPruning"][2]


def test_repeats_as_parts_with_the_paired_test() -> None:
    """PairedTest on repeats: a configuration whose every seed scores below the best's
    same-numbered seed is stopped after 4 of 6 repeats (p = 1/16 < 0.1)."""

    def objective(params: dict[str, Any], trial: hs.Trial) -> float:
        return params["x"] + 0.01 * trial.repeat

    study = hs.create_study(direction="maximize", space=SPACE, seed=0, repeats=6,
                            pruner=hs.pruners.PairedTest())  # fmt: skip
    study.enqueue({"x": 0.9})
    study.enqueue({"x": 0.5})
    study.enqueue({"x": 0.95})
    study.optimize(objective, 3)
    first, worse, better = study.trials
    assert first.state is TrialState.COMPLETE and better.state is TrialState.COMPLETE
    assert worse.state is TrialState.PRUNED
    assert len(worse.system_attrs["repeats"]["values"]) == 4


def test_curve_pruners_are_not_asked_about_seeds() -> None:
    """Median and friends judge steps as a resource: an objective without reports is not
    turned into a curve of seeds for them (repeated studies keep working as before)."""

    def objective(params: dict[str, Any], trial: hs.Trial) -> float:
        return params["x"] + random.Random(trial.seed).gauss(0, 0.3)

    study = hs.create_study(space=SPACE, seed=0, repeats=3, pruner=hs.pruners.Median())
    study.optimize(objective, 10)
    assert all(t.state is TrialState.COMPLETE and not t.intermediate for t in study.trials)


@pytest.fixture
def deterministic_off() -> Iterator[None]:
    """seed_everything switches torch's deterministic kernels on process-wide: undo it."""
    yield
    torch = __import__("sys").modules.get("torch")
    if torch is not None:
        torch.use_deterministic_algorithms(False)


def test_seed_objective_seeds_the_global_generators(deterministic_off: None) -> None:
    study = hs.create_study(space=SPACE, seed=0, repeats=2, seed_objective=True)
    study.optimize(lambda p: random.random() + float(np.random.rand()), 3)
    assert study.seed_objective
    for t in study.trials:
        rec = t.system_attrs["repeats"]
        seeds = rec["seeds"]
        assert rec["values"] == [random.Random(s).random() + np.random.RandomState(s).rand()
                                 for s in seeds]  # fmt: skip
    plain = hs.create_study(space=SPACE, seed=0, repeats=2)
    plain.optimize(lambda p: random.random(), 2)
    assert not plain.seed_objective
    assert (
        plain.trials[0].system_attrs["repeats"]["values"][0]
        != random.Random(plain.trials[0].system_attrs["seed"]).random()
    )


def test_ask_and_tell_records_the_seed_too() -> None:
    study = hs.create_study(seed=8)
    trial = study.ask()
    frozen = study.tell(trial, trial.suggest_float("x", 0, 1))
    assert frozen.system_attrs["seed"] == trial.seed == derive_seed(8, 0)


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="repeats must be an integer >= 1, but got 0"):
        hs.create_study(repeats=0)
    with pytest.raises(ValueError, match="select must be one of 'mean', 'mean_minus_std', 'lcb'"):
        hs.create_study(select="median")
    with pytest.raises(TypeError, match="seed_objective must be True or False"):
        hs.create_study(seed_objective="yes")  # type: ignore[arg-type]


def test_a_report_hook_decides_what_is_stored_and_judged() -> None:
    """The public hook replaces subclassing the handle: it sees each validated report."""
    from hypersweep.study.handle import ReportHook

    class Doubled(ReportHook):
        def stored(self, trial: hs.Trial, step: int, value: Any) -> Any:
            return None if step == 3 else 2 * value

        def judged(self, trial: hs.Trial) -> bool:
            return False

    asha = hs.pruners.ASHA(min_resource=1, reduction_factor=2)  # rungs 1, 2, 4, ...
    study = hs.create_study(direction="minimize", sampler="random", pruner=asha)
    first = study.ask()
    first.report(0.1, 1)
    first.report(0.1, 2)
    study.tell(first, 0.1)
    trial = study.ask()
    trial.report(5.0, 1)
    assert trial.should_prune()  # the plain hook asks the pruner: far worse than trial 0
    trial.set_report_hook(Doubled())
    trial.report(5.0, 2)
    trial.report(5.0, 3)  # kept nowhere
    assert trial.intermediate == {1: 5.0, 2: 10.0} and not trial.should_prune()
    assert study.tell(trial, 5.0).intermediate == {1: 5.0, 2: 10.0}
