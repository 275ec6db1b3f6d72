"""Storage throughput with many workers: hypersweep vs optuna, side by side in one run.

8 worker processes share one study (random sampler, a 5 ms objective, a budget of
2,000 trials) on one SQLite file and on PostgreSQL; optuna runs the same on its
RDBStorage (SQLite, PostgreSQL) and its JournalStorage (file backend). Each
configuration runs 3 times on a fresh database, the runs interleaved so that the
machine's load falls on all of them alike; the table shows medians.

Columns: trials/s (finished trials over the time from the common start to the last
finish), storage ms per trial (a worker's loop time minus its time in the objective,
over its trials: wall-clock, so a loaded machine inflates it), worker CPU ms per
trial (user + system of the 8 workers over all trials: the fair measure when the
machine is busy; the PostgreSQL server's own CPU is not in it), and errors (trials
or workers that raised). The last column compares trials/s with optuna's best
storage of the same kind of database (SQLite file: RDB SQLite and Journal file).

    python benchmarks/storage_throughput.py                       # the full run
    python benchmarks/storage_throughput.py --budget 400 --repeats 1   # a quick look
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing as mp
import os
import statistics
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

WORKERS = 8
SLEEP = 0.005
POSTGRES_ADMIN = os.environ.get(
    "HYPERSWEEP_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
RESULTS = Path(__file__).parent / "results" / "storage_throughput.txt"


# --- the workers: each reports (start, end, trials, objective seconds, CPU s, errors) -----
def _hs_worker(url: str, budget: int, barrier: Any, out: Any, src: str | None = None) -> None:
    if src is not None:  # another checkout's hypersweep (--before)
        sys.path.insert(0, src)
    import hypersweep as hs

    hs.set_verbosity(0)
    in_objective = [0.0]

    def objective(p: dict[str, Any]) -> float:
        t = time.perf_counter()
        time.sleep(SLEEP)
        in_objective[0] += time.perf_counter() - t
        return float(p["x"])

    errors, done = 0, []
    try:
        study = hs.load_study("t", storage=url, sampler="random", seed=os.getpid())
        barrier.wait(timeout=300)
        cpu0, start = time.process_time(), time.time()
        study.optimize(objective, budget, callbacks=[lambda s, t: done.append(t.number)])
    except Exception:
        traceback.print_exc()
        errors, cpu0, start = 1, time.process_time(), time.time()
    out.put((start, time.time(), len(done), in_objective[0], time.process_time() - cpu0, errors))


def _optuna_storage(url: str) -> Any:
    import optuna

    if url.startswith("journal:"):
        from optuna.storages.journal import JournalFileBackend

        return optuna.storages.JournalStorage(JournalFileBackend(url[len("journal:") :]))
    return url


def _optuna_worker(url: str, budget: int, barrier: Any, out: Any, src: str | None = None) -> None:
    import optuna

    optuna.logging.set_verbosity(logging.ERROR)
    in_objective = [0.0]
    count = [0]

    def objective(trial: Any) -> float:
        x = trial.suggest_float("x", 0, 1)
        t = time.perf_counter()
        time.sleep(SLEEP)
        in_objective[0] += time.perf_counter() - t
        count[0] += 1
        return x

    errors = 0
    try:
        study = optuna.load_study(
            study_name="t", storage=_optuna_storage(url),
            sampler=optuna.samplers.RandomSampler(seed=os.getpid()),
        )  # fmt: skip
        barrier.wait(timeout=300)
        cpu0, start = time.process_time(), time.time()
        study.optimize(objective, n_trials=budget // WORKERS, catch=(Exception,))
    except Exception:
        traceback.print_exc()
        errors, cpu0, start = 1, time.process_time(), time.time()
    out.put((start, time.time(), count[0], in_objective[0], time.process_time() - cpu0, errors))


# --- fresh databases ---------------------------------------------------------------------
def _fresh_postgres(tag: str) -> str:
    import psycopg

    name = f"hs_tp_{tag}_{os.getpid()}"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return POSTGRES_ADMIN.rsplit("/", 1)[0] + "/" + name


def _drop_postgres(url: str) -> None:
    import psycopg

    with psycopg.connect(POSTGRES_ADMIN, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def _prepare(lib: str, kind: str, tmp: Path, run: int) -> str:
    """Create the study on a fresh database; return the URL the workers open."""
    tag = f"{lib.replace(' ', '_')}_{kind}_{run}"
    lib = "optuna" if lib == "optuna" else "hypersweep"
    if kind == "postgresql":
        url = _fresh_postgres(tag)
    elif kind == "journal":
        url = f"journal:{tmp / (tag + '.log')}"
    else:
        url = f"sqlite:///{tmp / (tag + '.db')}"
    if lib == "hypersweep":
        import hypersweep as hs

        hs.create_study("t", storage=url, space={"x": hs.Float(0, 1)}, sampler="random")
    else:
        import optuna

        if url.startswith("postgresql://"):
            url = url.replace("postgresql://", "postgresql+psycopg://")
        optuna.create_study(study_name="t", storage=_optuna_storage(url))
    return url


def run_once(
    lib: str, kind: str, tmp: Path, run: int, budget: int, before: str | None
) -> dict[str, float]:
    url = _prepare(lib, kind, tmp, run)
    # spawned: each worker imports its library afresh (the --before checkout, too)
    ctx = mp.get_context("spawn")
    barrier, out = ctx.Barrier(WORKERS), ctx.Queue()
    target = _optuna_worker if lib == "optuna" else _hs_worker
    src = before if lib == "hs before" else None
    procs = [
        ctx.Process(target=target, args=(url, budget, barrier, out, src)) for _ in range(WORKERS)
    ]
    for p in procs:
        p.start()
    results = [out.get(timeout=3600) for _ in procs]
    for p in procs:
        p.join()
    if kind == "postgresql":
        _drop_postgres(url)
    trials = sum(r[2] for r in results)
    span = max(r[1] for r in results) - min(r[0] for r in results)
    storage_ms = [1000 * (r[1] - r[0] - r[3]) / r[2] for r in results if r[2]]
    return {
        "trials": trials,
        "per_s": trials / span if span > 0 else 0.0,
        "storage_ms": statistics.median(storage_ms) if storage_ms else float("nan"),
        "cpu_ms": 1000 * sum(r[4] for r in results) / max(trials, 1),
        "cpu_s": sum(r[4] for r in results),
        "errors": sum(r[5] for r in results),
    }


CONFIGS = [
    ("hypersweep", "sqlite"),
    ("optuna", "sqlite"),
    ("optuna", "journal"),
    ("hypersweep", "postgresql"),
    ("optuna", "postgresql"),
]
LABEL = {"sqlite": "SQLite file", "journal": "Journal file", "postgresql": "PostgreSQL"}
GROUP = {"sqlite": "file", "journal": "file", "postgresql": "postgresql"}


def table(medians: dict[tuple[str, str], dict[str, float]], budget: int, repeats: int) -> str:
    lines = [
        f"{WORKERS} processes, random sampler, {SLEEP * 1000:.0f} ms objective, budget "
        f"{budget:,} trials; median of {repeats} fresh runs",
        "",
        f"{'library':<11} {'storage':<13} {'trials':>6} {'trials/s':>9} {'storage ms':>11} "
        f"{'CPU ms/trial':>13} {'CPU s':>7} {'errors':>6} {'vs optuna best':>15}",
    ]
    best: dict[str, float] = {}
    for (lib, kind), m in medians.items():
        if lib == "optuna":
            best[GROUP[kind]] = max(best.get(GROUP[kind], 0.0), m["per_s"])
    for (lib, kind), m in medians.items():
        ratio = ""
        if lib != "optuna" and best.get(GROUP[kind]):
            ratio = f"{m['per_s'] / best[GROUP[kind]]:.2f}x"
        lines.append(
            f"{lib:<11} {LABEL[kind]:<13} {m['trials']:>6.0f} {m['per_s']:>9.1f} "
            f"{m['storage_ms']:>11.2f} {m['cpu_ms']:>13.2f} {m['cpu_s']:>7.2f} "
            f"{m['errors']:>6.0f} {ratio:>15}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--before", help="the src folder of another hypersweep checkout")
    parser.add_argument("--only", nargs="+", help="library:kind pairs, e.g. hypersweep:sqlite")
    parser.add_argument("--save", action="store_true", help=f"write the table to {RESULTS}")
    args = parser.parse_args(argv)
    configs = [c for c in CONFIGS if not args.only or f"{c[0]}:{c[1]}" in args.only]
    if args.before:  # the other checkout next to this one, on each database hypersweep uses
        at = {c: i for i, c in enumerate(configs)}
        for kind in ("postgresql", "sqlite"):
            if ("hypersweep", kind) in at:
                configs.insert(at[("hypersweep", kind)], ("hs before", kind))
    runs: dict[tuple[str, str], list[dict[str, float]]] = {c: [] for c in configs}
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(args.repeats):
            for lib, kind in configs:  # interleaved: the load falls on every configuration
                result = run_once(lib, kind, Path(tmp), run, args.budget, args.before)
                runs[(lib, kind)].append(result)
                said = f"{result['per_s']:.1f} trials/s, {result['cpu_ms']:.2f} CPU ms/trial"
                print(f"  run {run + 1}: {lib} {kind}: {said}", file=sys.stderr, flush=True)
    medians = {c: {k: statistics.median(r[k] for r in rs) for k in rs[0]} for c, rs in runs.items()}
    text = table(medians, args.budget, args.repeats)
    print(text)
    if args.save:
        load = os.getloadavg()
        head = (f"# python benchmarks/storage_throughput.py  ({time.strftime('%Y-%m-%d')}, "
                f"{os.cpu_count()} cores, load average {load[0]:.1f})\n")  # fmt: skip
        RESULTS.write_text(head + text + "\n")


if __name__ == "__main__":
    main()
