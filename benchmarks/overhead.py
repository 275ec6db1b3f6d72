"""Per-trial overhead (ask + tell, trivial objective), hypersweep vs optuna.

First table: both libraries run the same 4-parameter space (uniform, log-uniform,
integer, categorical) with their random sampler, in memory and on SQLite, in the
same process. The figure is the time per trial of the last ``--window`` trials of
a study that already holds N - window trials, so it is the cost *at* N trials.

Second table (``--samplers``, on by default): the samplers' own cost, in memory,
with ask + suggest + tell per trial: TPE (each library's defaults) on an
11-parameter define-by-run space (10 floats, one categorical) and on a static
12-float space, Random and Grid on the define-by-run space. It is CPU seconds of
this process per trial over the last ``--sampler-window`` trials, which a shared,
busy machine disturbs less than wall-clock time. ``--long`` adds TPE at 10,000
trials (hypersweep only; optuna's TPE would need hours there).

Each cell is the median of ``--repeats`` runs; the ratio column is optuna's time
divided by hypersweep's, measured side by side.

    python benchmarks/overhead.py                 # 1,000 and 10,000 trials
    python benchmarks/overhead.py --sizes 1000 --repeats 1
    python benchmarks/overhead.py --storages --repeats 3 --long   # samplers only
"""

from __future__ import annotations

import argparse
import logging
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import hypersweep as hs

SPACE = {
    "a": hs.Float(0.0, 1.0),
    "b": hs.Float(1e-5, 1.0, log=True),
    "c": hs.Int(1, 100),
    "d": hs.Categorical(["x", "y", "z"]),
}


def hs_objective(p: dict[str, Any]) -> float:
    return p["a"] + p["c"]


def optuna_objective(trial: Any) -> float:
    a = trial.suggest_float("a", 0.0, 1.0)
    trial.suggest_float("b", 1e-5, 1.0, log=True)
    c = trial.suggest_int("c", 1, 100)
    trial.suggest_categorical("d", ["x", "y", "z"])
    return a + c


def time_hypersweep(url: str | None, n: int, window: int) -> float:
    study = hs.create_study(storage=url, space=SPACE, sampler="random", seed=0)
    study.optimize(hs_objective, n - window)
    start = time.perf_counter()
    study.optimize(hs_objective, n)
    return (time.perf_counter() - start) / window


def time_optuna(url: str | None, n: int, window: int) -> float:
    import optuna

    optuna.logging.set_verbosity(logging.WARNING)
    study = optuna.create_study(storage=url, sampler=optuna.samplers.RandomSampler(seed=0))
    study.optimize(optuna_objective, n_trials=n - window)
    start = time.perf_counter()
    study.optimize(optuna_objective, n_trials=window)
    return (time.perf_counter() - start) / window


DBR_FLOATS = 10
STATIC = {f"x{i}": hs.Float(-5.0, 5.0, log=False) for i in range(12)}
GRID_VALUES = {**{f"x{i}": [-1.0, 1.0] for i in range(DBR_FLOATS)}, "c": ["a", "b", "c"]}


def _dbr(trial: Any) -> float:
    """The define-by-run objective: the same suggests in both libraries."""
    s = sum(trial.suggest_float(f"x{i}", -5.0, 5.0) ** 2 for i in range(DBR_FLOATS))
    return s + (trial.suggest_categorical("c", ["a", "b", "c"]) == "a")


def _static_optuna(trial: Any) -> float:
    return sum(trial.suggest_float(f"x{i}", -5.0, 5.0) ** 2 for i in range(len(STATIC)))


def _loop(ask: Callable[[], Any], tell: Callable[[Any, float], Any], f: Callable[[Any], float],
          n: int, window: int) -> float:  # fmt: skip
    """CPU seconds per trial of the last ``window`` of ``n`` ask + f + tell rounds."""
    for _ in range(n - window):
        t = ask()
        tell(t, f(t))
    start = time.process_time()
    for _ in range(window):
        t = ask()
        tell(t, f(t))
    return (time.process_time() - start) / window


def hs_sampler(kind: str, n: int, window: int) -> float:
    if kind == "tpe-static":
        study = hs.create_study(space=STATIC, sampler=hs.samplers.TPE(seed=0))
        return _loop(study.ask, study.tell, lambda t: sum(v * v for v in t.params.values()),
                     n, window)  # fmt: skip
    sampler = {"tpe": lambda: hs.samplers.TPE(seed=0), "random": lambda: hs.samplers.Random(seed=0),
               "grid": lambda: hs.samplers.Grid(GRID_VALUES, seed=0)}[kind]()  # fmt: skip
    study = hs.create_study(sampler=sampler)
    return _loop(study.ask, study.tell, _dbr, n, window)


def optuna_sampler(kind: str, n: int, window: int) -> float:
    import optuna

    optuna.logging.set_verbosity(logging.WARNING)
    make = {"tpe": lambda: optuna.samplers.TPESampler(seed=0),
            "tpe-static": lambda: optuna.samplers.TPESampler(seed=0),
            "random": lambda: optuna.samplers.RandomSampler(seed=0),
            "grid": lambda: optuna.samplers.GridSampler(GRID_VALUES, seed=0)}  # fmt: skip
    study = optuna.create_study(sampler=make[kind]())
    f = _static_optuna if kind == "tpe-static" else _dbr
    return _loop(study.ask, study.tell, f, n, window)


SAMPLER_ROWS = [
    ("tpe", 1000, "TPE, define-by-run, 11 params"),
    ("tpe-static", 1000, "TPE, static, 12 floats"),
    ("random", 1000, "Random, define-by-run, 11 params"),
    ("grid", 1000, "Grid, define-by-run, 11 params"),
]


def sampler_table(repeats: int, window: int, long: bool) -> None:
    print(f"\nSamplers, ask + suggest + tell per trial, in memory (CPU ms per trial), median of "
          f"{repeats} runs, last {window} trials of N")  # fmt: skip
    header = f"{'sampler':<34} {'N':>7} {'hypersweep':>11} {'optuna':>9} {'optuna/hs':>10}"
    print(header)
    print("-" * len(header))
    rows = SAMPLER_ROWS + ([("tpe", 10000, "TPE, define-by-run, 11 params")] if long else [])
    for kind, n, label in rows:
        ours = median_ms(lambda k=kind, n=n: hs_sampler(k, n, window), repeats)
        if n > 1000:
            print(f"{label:<34} {n:>7} {ours:>11.3f} {'-':>9} {'-':>10}", flush=True)
            continue
        theirs = median_ms(lambda k=kind, n=n: optuna_sampler(k, n, window), repeats)
        print(f"{label:<34} {n:>7} {ours:>11.3f} {theirs:>9.3f} {theirs / ours:>9.1f}x",
              flush=True)  # fmt: skip


def median_ms(run: Callable[..., float], repeats: int) -> float:
    return 1000 * statistics.median(run() for _ in range(repeats))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--window", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--storages", nargs="*", default=["memory", "sqlite"])
    parser.add_argument("--samplers", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--sampler-window", type=int, default=50)
    parser.add_argument("--long", action="store_true", help="also TPE at 10,000 trials")
    args = parser.parse_args(argv)
    hs.set_verbosity(0)
    if args.storages:
        random_table(args)
    if args.samplers:
        sampler_table(args.repeats, args.sampler_window, args.long)


def random_table(args: argparse.Namespace) -> None:
    print(f"Random sampler, ask + tell per trial (ms), median of {args.repeats} runs, "
          f"last {args.window} trials of N")  # fmt: skip
    header = f"{'storage':<8} {'N':>7} {'hypersweep':>11} {'optuna':>9} {'optuna/hs':>10}"
    print(header)
    print("-" * len(header))
    with tempfile.TemporaryDirectory() as tmp:
        counter = iter(range(10**6))

        def url_for(kind: str) -> str | None:
            return None if kind == "memory" else f"sqlite:///{Path(tmp) / f'{next(counter)}.db'}"

        for kind in args.storages:
            for n in args.sizes:
                ours = median_ms(
                    lambda k=kind, n=n: time_hypersweep(url_for(k), n, args.window), args.repeats
                )
                theirs = median_ms(
                    lambda k=kind, n=n: time_optuna(url_for(k), n, args.window), args.repeats
                )
                print(f"{kind:<8} {n:>7} {ours:>11.3f} {theirs:>9.3f} {theirs / ours:>9.1f}x",
                      flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
