"""Parallel trials and large studies, measured side by side with optuna where it applies.

1. Throughput: a 0.5 s objective, 40 trials, one process vs n_jobs=2 vs a 2-worker Dask
   cluster (speed-up over one process; 2 is the ceiling on this 2-core machine).
2. Overhead per trial with 4 worker processes on one study (trivial objective, random
   search), on SQLite and PostgreSQL, hypersweep vs optuna's RDBStorage: each worker's
   loop time divided by the trials it ran, median over workers.
3. A 100,000-trial study: time of best_trial, to_dataframe() and one TPE ask.
4. The price of deterministic mode: TPE regret with the history lagging by 2 and 4
   trials (as with 2 and 4 deterministic workers) vs no lag.

    python benchmarks/parallel.py                 # everything
    python benchmarks/parallel.py --parts 1 3     # some parts
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing as mp
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

import hypersweep as hs
from hypersweep.study.loop import WorkerLoop
from hypersweep.study.options import RunOptions

POSTGRES_ADMIN = os.environ.get(
    "HYPERSWEEP_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def sleepy(p: dict[str, Any]) -> float:
    time.sleep(0.5)
    return float(p["x"])


# --- 1. throughput --------------------------------------------------------------------
def throughput(tmp: Path) -> None:
    print("1. Throughput: 0.5 s objective, 40 trials (wall seconds, speed-up vs 1 process)")
    space = {"x": hs.Float(0, 1)}
    times: dict[str, float] = {}
    for label, n_jobs in (("1 process", 1), ("n_jobs=2", 2)):
        study = hs.create_study(storage=f"sqlite:///{tmp / f'tp{n_jobs}.db'}", space=space)
        start = time.perf_counter()
        study.optimize(sleepy, 40, n_jobs=n_jobs)
        times[label] = time.perf_counter() - start
    try:
        import distributed

        with (
            distributed.LocalCluster(
                n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
            ) as cluster,
            distributed.Client(cluster) as client,
        ):
            study = hs.create_study(storage=f"sqlite:///{tmp / 'tpd.db'}", space=space)
            start = time.perf_counter()
            study.optimize(sleepy, 40, executor=hs.executors.Dask(client))
            times["Dask, 2 workers"] = time.perf_counter() - start
    except ImportError:
        print("   (dask.distributed not installed: skipped)")
    base = times["1 process"]
    for label, seconds in times.items():
        print(f"   {label:<16} {seconds:7.2f} s   {base / seconds:5.2f}x")


# --- 2. overhead with 4 workers -------------------------------------------------------
def _hs_worker(url: str, name: str, n: int, out: Any) -> None:
    hs.set_verbosity(0)
    study = hs.load_study(name, storage=url, sampler=hs.samplers.Random(seed=os.getpid()))
    done: list[float] = []  # time of each finished trial: a worker idling at the end is not
    start = time.perf_counter()  # overhead (n_trials is the study's budget: 4 workers x n)
    study.optimize(
        lambda p: p["x"], 4 * n, callbacks=[lambda s, t: done.append(time.perf_counter())]
    )
    out.put(((done[-1] if done else time.perf_counter()) - start, len(done)))


def _optuna_worker(url: str, name: str, n: int, out: Any) -> None:
    import optuna

    optuna.logging.set_verbosity(logging.WARNING)
    study = optuna.load_study(study_name=name, storage=url,
                              sampler=optuna.samplers.RandomSampler(seed=os.getpid()))  # fmt: skip
    count = [0]

    def objective(trial: Any) -> float:
        count[0] += 1
        return trial.suggest_float("x", 0, 1)

    start = time.perf_counter()
    study.optimize(objective, n_trials=n)
    out.put((time.perf_counter() - start, count[0]))


def _per_trial(worker: Any, url: str, name: str, per_worker: int) -> float:
    ctx = mp.get_context("fork")
    out = ctx.Queue()
    procs = [ctx.Process(target=worker, args=(url, name, per_worker, out)) for _ in range(4)]
    for p in procs:
        p.start()
    results = [out.get(timeout=600) for _ in procs]
    for p in procs:
        p.join()
    return 1000 * statistics.median(seconds / max(count, 1) for seconds, count in results)


def _fresh_postgres(tag: str) -> str | None:
    try:
        import psycopg

        name = f"hs_bench_{tag}_{os.getpid()}"
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        return POSTGRES_ADMIN.rsplit("/", 1)[0] + "/" + name
    except Exception as exc:  # no server: report and skip
        print(f"   (PostgreSQL unavailable: {exc}; skipped)")
        return None


def overhead(tmp: Path, per_worker: int) -> None:
    import optuna

    optuna.logging.set_verbosity(logging.WARNING)
    print(f"2. Overhead per trial, 4 worker processes x {per_worker} trials, random search (ms)")
    print(f"   {'storage':<11} {'hypersweep':>10} {'optuna':>8} {'hs/optuna':>10}")
    for kind in ("sqlite", "postgresql"):
        urls = []
        for lib in ("hs", "optuna"):
            if kind == "sqlite":
                urls.append(f"sqlite:///{tmp / f'over_{lib}.db'}")
            else:
                url = _fresh_postgres(lib)
                if url is None:
                    return
                urls.append(url)
        hs.create_study("o", storage=urls[0], space={"x": hs.Float(0, 1)})
        optuna_url = urls[1].replace("postgresql://", "postgresql+psycopg://")
        optuna.create_study(study_name="o", storage=optuna_url)
        ours = _per_trial(_hs_worker, urls[0], "o", per_worker)
        theirs = _per_trial(_optuna_worker, optuna_url, "o", per_worker)
        print(f"   {kind:<11} {ours:>10.2f} {theirs:>8.2f} {ours / theirs:>9.2f}")


# --- 3. a 100,000-trial study -----------------------------------------------------------
def large(n: int) -> None:
    print(f"3. A study with {n:,} trials (in memory; seconds)")
    hs.set_verbosity(0)
    space = {f"x{i}": hs.Float(-5, 5) for i in range(6)}
    study = hs.create_study(space=space, sampler="random", seed=0)
    start = time.perf_counter()
    study.optimize(lambda p: sum(v * v for v in p.values()), n)
    print(f"   built by ask/tell in {time.perf_counter() - start:.1f} s")
    timings = {}
    start = time.perf_counter()
    best = study.best_trial
    timings["best_trial"] = time.perf_counter() - start
    try:
        start = time.perf_counter()
        frame = study.to_dataframe()
        timings[f"to_dataframe() ({len(frame):,} rows)"] = time.perf_counter() - start
    except ImportError:
        print("   (pandas not installed: to_dataframe skipped)")
    study.sampler = hs.samplers.TPE(seed=0)
    study.history.space = study.space
    start = time.perf_counter()
    study.tell(study.ask(), 1.0)
    timings["first TPE ask + tell (encodes the history)"] = time.perf_counter() - start
    start = time.perf_counter()
    study.tell(study.ask(), 1.0)
    timings["next TPE ask + tell"] = time.perf_counter() - start
    for label, seconds in timings.items():
        print(f"   {label:<46} {seconds:8.3f}")
    assert best.value is not None


# --- 4. the price of determinism -------------------------------------------------------
def branin(p: dict[str, float]) -> float:
    x, y = p["x"], p["y"]
    b, c, t = 5.1 / (4 * np.pi**2), 5 / np.pi, 1 / (8 * np.pi)
    return float((y - b * x**2 + c * x - 6) ** 2 + 10 * (1 - t) * np.cos(x) + 10 - 0.397887)


def _lagged_run(seed: int, lag: int, n: int) -> float:
    space = {"x": hs.Float(-5, 10), "y": hs.Float(0, 15)}
    study = hs.create_study(space=space, sampler=hs.samplers.TPE(seed=seed), seed=seed)
    options = RunOptions(n_trials=n, lag=lag if lag > 1 else None)
    WorkerLoop(study, branin, options).run()
    return float(np.log10(max(study.best_value, 1e-12)))


def determinism(seeds: int, n: int) -> None:
    print(f"4. Deterministic mode's price: TPE on Branin, {n} trials, median log10 regret "
          f"over {seeds} seeds (a lag of k = k deterministic workers)")  # fmt: skip
    hs.set_verbosity(0)
    for lag in (1, 2, 4):
        regrets = [_lagged_run(seed, lag, n) for seed in range(seeds)]
        label = "no lag (sequential)" if lag == 1 else f"lag {lag}"
        print(f"   {label:<20} {statistics.median(regrets):7.2f}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", type=int, nargs="+", default=[1, 2, 3, 4])
    parser.add_argument("--per-worker", type=int, default=200)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--seeds", type=int, default=10)
    args = parser.parse_args(argv)
    hs.set_verbosity(0)
    with tempfile.TemporaryDirectory() as tmp:
        if 1 in args.parts:
            throughput(Path(tmp))
        if 2 in args.parts:
            overhead(Path(tmp), args.per_worker)
    if 3 in args.parts:
        large(args.large)
    if 4 in args.parts:
        determinism(args.seeds, 50)


if __name__ == "__main__":
    main()
