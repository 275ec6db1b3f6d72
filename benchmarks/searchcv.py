"""SearchCV(sampler="tpe") against RandomizedSearchCV and optuna's OptunaSearchCV.

Each method gets the same estimator, the same folds (StratifiedKFold(5, shuffle=True,
random_state=seed)), equivalent distributions (log-uniform floats, uniform integers,
categorical choices) and the same budget of candidates; each run's best_score_ (the
best mean CV accuracy it found) and wall time are recorded. The table gives, per
problem and method, the mean, median and std of best_score_ over the seeds, the
seeds where hypersweep's TPE scored higher / equal / lower than that method, and the
mean seconds and CV fits per run. "hypersweep:tpe+cannotwin" adds exact fold-level
pruning: it saves fits, and a stopped candidate could not have won, but TPE learns
from stopped candidates too, so its path may differ. Everything runs on one core
(n_jobs=1).

    python benchmarks/searchcv.py                    # 10 seeds, 30 trials, all problems
    python benchmarks/searchcv.py --quick            # smoke test: 2 seeds, 6 trials
    python benchmarks/searchcv.py --seeds 3 --problems svc-breast_cancer --out table.txt
    python benchmarks/searchcv.py --halving          # the successive-halving table

The halving table (the second part of results/searchcv.txt) times hypersweep's
HalvingGridSearchCV / HalvingRandomSearchCV against scikit-learn's own on the same
inputs (median of 3 runs each, n_jobs=1) and checks that both give the same
cv_results_ (every column but the times) and the same best candidate.
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import loguniform, randint
from sklearn.datasets import load_breast_cancer, load_digits, load_wine
from sklearn.ensemble import RandomForestClassifier
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.model_selection import (
    HalvingGridSearchCV,
    HalvingRandomSearchCV,
    RandomizedSearchCV,
    StratifiedKFold,
)
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier

import hypersweep as hs
from hypersweep import sklearn as hs_sklearn
from hypersweep._stats import mean_std
from hypersweep.sklearn import CannotWin, SearchCV

RESULTS = Path(__file__).resolve().parent / "results"
METHODS = ("hypersweep:tpe", "hypersweep:tpe+cannotwin", "sklearn:random", "optuna:tpe")


@dataclass(frozen=True)
class Problem:
    """An estimator, its data and one search space written for each library."""

    load: Callable[[], tuple[Any, Any]]
    make: Callable[[], Any]
    # name -> ("float-log", low, high) | ("int", low, high) | ("cat", [choices])
    space: dict[str, tuple[Any, ...]]


def _digits() -> tuple[Any, Any]:
    X, y = load_digits(return_X_y=True)
    keep = np.random.default_rng(0).choice(len(y), 600, replace=False)
    return X[np.sort(keep)] / 16.0, y[np.sort(keep)]


PROBLEMS: dict[str, Problem] = {
    "svc-breast_cancer": Problem(
        lambda: load_breast_cancer(return_X_y=True),
        lambda: make_pipeline(StandardScaler(), SVC()),
        {"svc__C": ("float-log", 1e-3, 1e3), "svc__gamma": ("float-log", 1e-5, 10.0)},
    ),
    "svc-digits600": Problem(
        _digits,
        SVC,
        {
            "C": ("float-log", 1e-3, 1e3),
            "gamma": ("float-log", 1e-5, 10.0),
            "kernel": ("cat", ["rbf", "poly", "sigmoid"]),
        },
    ),
    "knn-wine": Problem(
        lambda: load_wine(return_X_y=True),
        lambda: make_pipeline(StandardScaler(), KNeighborsClassifier()),
        {
            "kneighborsclassifier__n_neighbors": ("int", 1, 40),
            "kneighborsclassifier__weights": ("cat", ["uniform", "distance"]),
            "kneighborsclassifier__p": ("int", 1, 2),
        },
    ),
}


def _dist(library: str, kind: str, args: list[Any]) -> Any:
    if library == "hypersweep":
        if kind == "float-log":
            return hs.Float(args[0], args[1], log=True)
        return hs.Int(args[0], args[1]) if kind == "int" else hs.Categorical(list(args[0]))
    if library == "sklearn":
        if kind == "float-log":
            return loguniform(args[0], args[1])
        return randint(args[0], args[1] + 1) if kind == "int" else list(args[0])
    from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

    if kind == "float-log":
        return FloatDistribution(args[0], args[1], log=True)
    if kind == "int":
        return IntDistribution(args[0], args[1])
    return CategoricalDistribution(list(args[0]))


def space_for(method: str, space: dict[str, tuple[Any, ...]]) -> dict[str, Any]:
    """The same distributions in each library's terms."""
    library = method.split(":")[0]
    return {name: _dist(library, kind, args) for name, (kind, *args) in space.items()}


def run_one(problem: Problem, method: str, seed: int, n_trials: int) -> tuple[float, float, int]:
    """(best_score_, seconds, CV fits) of one search."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose from {', '.join(METHODS)}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # optuna's experimental-feature warning, convergence
        return _search(problem, method, seed, n_trials)


def _search(problem: Problem, method: str, seed: int, n_trials: int) -> tuple[float, float, int]:
    X, y = problem.load()
    cv = StratifiedKFold(5, shuffle=True, random_state=seed)
    space = space_for(method, problem.space)
    search: Any
    if method.startswith("hypersweep:tpe"):
        search = SearchCV(
            problem.make(), space, sampler="tpe", n_trials=n_trials, cv=cv, random_state=seed,
            refit=False, pruner=CannotWin() if method.endswith("+cannotwin") else None,
        )  # fmt: skip
    elif method == "sklearn:random":
        search = RandomizedSearchCV(
            problem.make(), space, n_iter=n_trials, cv=cv, random_state=seed, refit=False
        )
    else:
        import optuna
        from optuna_integration import OptunaSearchCV

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        search = OptunaSearchCV(
            problem.make(), space, n_trials=n_trials, cv=cv, random_state=seed, refit=False
        )
    start = time.perf_counter()
    search.fit(X, y)
    seconds = time.perf_counter() - start
    results = getattr(search, "cv_results_", None)
    if results is not None and "n_splits_evaluated" in results:
        fits = int(results["n_splits_evaluated"].sum())
    else:
        fits = 5 * n_trials
    return float(search.best_score_), seconds, fits


Results = dict[tuple[str, str], list[tuple[float, float, int]]]


def benchmark(
    problems: list[str], methods: list[str], seeds: int, n_trials: int, *, echo: bool = False
) -> Results:
    """Every (problem, method) over seeds 0 .. seeds-1."""
    results: Results = {}
    for name in problems:
        for method in methods:
            runs = [run_one(PROBLEMS[name], method, seed, n_trials) for seed in range(seeds)]
            results[(name, method)] = runs
            if echo:
                print(f"  {name:18} {method:24} mean {np.mean([r[0] for r in runs]):.4f}")
    return results


def format_table(results: Results, *, n_trials: int) -> str:
    """One row per problem and method; W/T/L counts hypersweep:tpe's seeds against it."""
    seeds = len(next(iter(results.values())))
    lines = [
        f"best_score_ (mean 5-fold CV accuracy of the best candidate), {n_trials} candidates, "
        f"{seeds} seeds; W/T/L: seeds where hypersweep:tpe scored higher/equal/lower",
        "",
        f"{'problem':18} {'method':24} {'mean':>7} {'median':>7} {'std':>7} "
        f"{'W/T/L':>8} {'s/run':>6} {'fits':>5}",
    ]
    for name in dict.fromkeys(p for p, _ in results):
        ours = [r[0] for r in results.get((name, "hypersweep:tpe"), [])]
        for (problem, method), runs in results.items():
            if problem != name:
                continue
            scores = [r[0] for r in runs]
            wtl = "-"
            if ours and method != "hypersweep:tpe":
                diffs = [a - b for a, b in zip(ours, scores)]
                wtl = "/".join(
                    str(n)
                    for n in (
                        sum(d > 1e-12 for d in diffs),
                        sum(abs(d) <= 1e-12 for d in diffs),
                        sum(d < -1e-12 for d in diffs),
                    )
                )
            lines.append(
                f"{name:18} {method:24} {np.mean(scores):7.4f} {statistics.median(scores):7.4f} "
                f"{mean_std(scores, ddof=0)[1]:7.4f} {wtl:>8} {np.mean([r[1] for r in runs]):6.2f} "
                f"{np.mean([r[2] for r in runs]):5.0f}"
            )
    return "\n".join(lines)


@dataclass(frozen=True)
class HalvingCase:
    """One successive-halving search, run by both libraries on the same inputs."""

    load: Callable[[], tuple[Any, Any]]
    grid: bool  # HalvingGridSearchCV, else HalvingRandomSearchCV
    estimator: Callable[[], Any]
    space: dict[str, Any]
    options: dict[str, Any]


HALVING: dict[str, HalvingCase] = {
    "tree-digits/grid/n_samples": HalvingCase(
        lambda: load_digits(return_X_y=True), True,
        lambda: DecisionTreeClassifier(random_state=0),
        {"max_depth": [4, 8, 16, None], "min_samples_leaf": [1, 2, 4, 8],
         "criterion": ["gini", "entropy"]},
        {"cv": 5, "factor": 3},
    ),
    "tree-digits/random/n_samples": HalvingCase(
        lambda: load_digits(return_X_y=True), False,
        lambda: DecisionTreeClassifier(random_state=0),
        {"max_depth": randint(2, 20), "min_samples_leaf": randint(1, 12),
         "max_features": loguniform(0.05, 1.0)},
        {"cv": 5, "factor": 3},
    ),
    "forest-breast_cancer/grid/n_estimators": HalvingCase(
        lambda: load_breast_cancer(return_X_y=True), True,
        lambda: RandomForestClassifier(random_state=0),
        {"max_depth": [3, 6, None], "max_features": ["sqrt", 0.3, 0.6]},
        {"cv": 3, "resource": "n_estimators", "max_resources": 54, "factor": 3},
    ),
}  # fmt: skip


def _halving_search(case: HalvingCase, library: str) -> Any:
    module: Any = hs_sklearn if library == "hypersweep" else None
    if case.grid:
        cls = module.HalvingGridSearchCV if module else HalvingGridSearchCV
    else:
        cls = module.HalvingRandomSearchCV if module else HalvingRandomSearchCV
    return cls(case.estimator(), case.space, random_state=0, refit=False, **case.options)


def same_results(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether two cv_results_ agree in every column but the times."""
    if set(a) != set(b) or a["params"] != b["params"]:
        return False
    for key in b:
        if key == "params" or key.endswith("_time"):
            continue
        x, y = np.ma.getdata(a[key]), np.ma.getdata(b[key])
        if x.dtype.kind in "fc":
            if not np.allclose(x, y, rtol=0, atol=1e-12, equal_nan=True):
                return False
        elif x.tolist() != y.tolist():
            return False
    return True


def halving_row(name: str, repeats: int = 3) -> tuple[dict[str, float], int, bool]:
    """Median wall and CPU seconds of each library ("hypersweep", "sklearn",
    "hypersweep cpu", "sklearn cpu"), the CV fits and whether the results are the same."""
    case = HALVING[name]
    X, y = case.load()
    times: dict[str, list[float]] = {}
    fitted: dict[str, Any] = {}
    for _ in range(repeats):
        for library in ("hypersweep", "sklearn"):
            search = _halving_search(case, library)
            wall, cpu = time.perf_counter(), time.process_time()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                search.fit(X, y)
            times.setdefault(library, []).append(time.perf_counter() - wall)
            times.setdefault(f"{library} cpu", []).append(time.process_time() - cpu)
            fitted[library] = search
    ours, theirs = fitted["hypersweep"], fitted["sklearn"]
    same = same_results(ours.cv_results_, theirs.cv_results_) and (
        ours.best_params_ == theirs.best_params_
    )
    fits = int(ours.n_splits_) * sum(ours.n_candidates_)
    return {k: statistics.median(v) for k, v in times.items()}, fits, same


def halving_table(names: list[str], repeats: int = 3) -> str:
    """One row per case: both libraries' median wall and CPU seconds, the CPU ratio,
    whether the results are the same."""
    lines = [
        f"successive halving: median seconds of {repeats} runs each (n_jobs=1, refit=False), "
        "wall clock and CPU (the CPU time is what a shared machine measures reliably); "
        "same: cv_results_ equal in every column but the times, and the same best_params_",
        "",
        f"{'search':40} {'fits':>5} {'wall:ours':>9} {'sklearn':>8} {'cpu:ours':>9} "
        f"{'sklearn':>8} {'ratio':>6} {'same':>5}",
    ]
    for name in names:
        t, fits, same = halving_row(name, repeats)
        lines.append(
            f"{name:40} {fits:5d} {t['hypersweep']:9.2f} {t['sklearn']:8.2f} "
            f"{t['hypersweep cpu']:9.2f} {t['sklearn cpu']:8.2f} "
            f"{t['hypersweep cpu'] / t['sklearn cpu']:6.2f} {'yes' if same else 'NO':>5}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--problems", help=f"comma-separated (default: {','.join(PROBLEMS)})")
    parser.add_argument("--methods", help=f"comma-separated (default: {','.join(METHODS)})")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--trials", type=int, default=30)
    parser.add_argument("--quick", action="store_true", help="2 seeds, 6 trials, 1 problem")
    parser.add_argument("--out", type=Path, help="also write the table here")
    parser.add_argument("--halving", action="store_true", help="the successive-halving table")
    parser.add_argument("--cases", help=f"halving cases (default: {','.join(HALVING)})")
    parser.add_argument("--repeats", type=int, default=3, help="halving runs per library")
    args = parser.parse_args(argv)
    if args.halving:
        cases = args.cases.split(",") if args.cases else list(HALVING)
        for name in cases:
            if name not in HALVING:
                parser.error(f"unknown halving case {name!r}; choose from {', '.join(HALVING)}")
        table = halving_table(cases, args.repeats)
        print(table)
        if args.out:
            args.out.write_text(table + "\n")
        return table
    problems = args.problems.split(",") if args.problems else list(PROBLEMS)
    methods = args.methods.split(",") if args.methods else list(METHODS)
    for name in problems:
        if name not in PROBLEMS:
            parser.error(f"unknown problem {name!r}; choose from {', '.join(PROBLEMS)}")
    seeds, trials = args.seeds, args.trials
    if args.quick:
        seeds, trials, problems = 2, 6, problems[:1]
    table = format_table(
        benchmark(problems, methods, seeds, trials, echo=not args.quick), n_trials=trials
    )
    print(table)
    if args.out:
        args.out.write_text(table + "\n")
    return table


if __name__ == "__main__":
    main()
