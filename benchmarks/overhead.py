"""Per-trial overhead of random search (ask + tell, trivial objective), hypersweep vs optuna.

Both libraries run the same 4-parameter space (uniform, log-uniform, integer,
categorical) with their random sampler, in memory and on SQLite, in the same
process. The figure is the time per trial of the last ``--window`` trials of a
study that already holds N - window trials, so it is the cost *at* N trials.
Each cell is the median of ``--repeats`` runs; the ratio column is optuna's
time divided by hypersweep's, measured side by side.

    python benchmarks/overhead.py                 # 1,000 and 10,000 trials
    python benchmarks/overhead.py --sizes 1000 --repeats 1
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


def median_ms(run: Callable[..., float], repeats: int) -> float:
    return 1000 * statistics.median(run() for _ in range(repeats))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--window", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--storages", nargs="+", default=["memory", "sqlite"])
    args = parser.parse_args(argv)
    hs.set_verbosity(0)
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
