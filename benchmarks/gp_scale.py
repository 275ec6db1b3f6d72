"""hs.samplers.GP at scale: ask time, regret at 300 trials, and batch proposals at 4 workers.

Each measurement is cached as JSON under ``--cache`` by tag, so the code before a change
(a git worktree of the old commit, run with ``--src <worktree>/src --tag before``) and
after it are measured by the same script and reported side by side.

    nice python benchmarks/gp_scale.py time --tag after
    nice python benchmarks/gp_scale.py regret --tag after --seeds 3
    nice python benchmarks/gp_scale.py batch --seeds 3 --trials 60
    python benchmarks/gp_scale.py report > benchmarks/results/gp_scale.txt

Times are CPU seconds of the asking process (``time.process_time``, BLAS at one thread):
the machine is shared, so wall time would measure the neighbours.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

CONTINUOUS = ["branin", "hartmann3", "hartmann6", "rosenbrock5", "ackley5", "levy10",
              "styblinski_tang8"]  # fmt: skip
SIZES = (100, 300, 1000)
DIMS = (6, 12)
BATCH_RULES = ("liar", "believer", "fantasies")


def _cache(args: argparse.Namespace) -> Path:
    path = Path(args.cache)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _random_study(hs: Any, d: int, n: int, seed: int) -> Any:
    """A study of ``n`` finished random trials on a ``d``-dim box (a trivial objective)."""
    hs.set_verbosity(0)
    space = {f"x{i}": hs.Float(-5.0, 5.0) for i in range(d)}
    study = hs.create_study(space=space, sampler=hs.samplers.Random(seed=seed))
    study.optimize(lambda p: sum((v - 1.0) ** 2 for v in p.values()), n)
    return study


def time_asks(args: argparse.Namespace) -> None:
    """Cold: a new GP on the history (a new process or a resumed study). Warm: the ask
    after one more trial finished, by the sampler that made the previous ask."""
    import hypersweep as hs
    from hypersweep.samplers.gp import GP

    out: dict[str, Any] = {}
    for d in DIMS:
        for n in SIZES:
            cold, warm = [], []
            for rep in range(args.reps):
                study = _random_study(hs, d, n, seed=rep)
                gp = GP(seed=rep)
                t0 = time.process_time()
                gp.propose(study.history, n)
                cold.append(time.process_time() - t0)
                trial = study.ask()  # one more trial finishes; the same GP asks again
                study.tell(trial, 1.0 + rep)
                t0 = time.process_time()
                gp.propose(study.history, n + 1)
                warm.append(time.process_time() - t0)
            out[f"{d}:{n}"] = {"cold": statistics.median(cold), "warm": statistics.median(warm)}
            print(d, n, out[f"{d}:{n}"], flush=True)
    if args.optuna:
        out["optuna:6:300"] = _optuna_time(6, 300, args.reps)
        print("optuna", out["optuna:6:300"], flush=True)
    (_cache(args) / f"time__{args.tag}.json").write_text(json.dumps(out))


def _optuna_time(d: int, n: int, reps: int) -> float:
    import optuna
    import torch

    torch.set_num_threads(1)
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    times = []
    for rep in range(reps):
        study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=rep))
        study.optimize(lambda t: sum((t.suggest_float(f"x{i}", -5, 5) - 1) ** 2
                                     for i in range(d)), n)  # fmt: skip
        study.sampler = optuna.samplers.GPSampler(seed=rep)
        t0 = time.process_time()
        study.ask({f"x{i}": optuna.distributions.FloatDistribution(-5, 5) for i in range(d)})
        times.append(time.process_time() - t0)
    return statistics.median(times)


def _problem(name: str, seed: int) -> Any:
    from hypersweep.harness.problems import PROBLEMS, shifted

    return shifted(PROBLEMS[name], seed)


def regret(args: argparse.Namespace) -> None:
    import hypersweep as hs
    from hypersweep.samplers.gp import GP

    for seed in range(args.first_seed, args.seeds):
        for name in args.problems:
            path = _cache(args) / f"regret__{args.tag}__{name}__{seed}__{args.trials}.json"
            if path.exists():
                continue
            problem = _problem(name, seed)
            t0 = time.process_time()
            r = hs.minimize(problem.objective, problem.space, sampler=GP(seed=seed),
                            n_trials=args.trials, verbosity=0)  # fmt: skip
            values = [float(t.value) for t in r.trials]
            path.write_text(json.dumps({"values": values, "cpu": time.process_time() - t0}))
            print(path.name, flush=True)


def batch(args: argparse.Namespace) -> None:
    """4 simulated workers: 4 trials always pending, each running for a random time; the
    one that finishes first is told, then a new one is asked."""
    import numpy as np

    import hypersweep as hs
    from hypersweep.samplers.gp import GP

    for seed in range(args.first_seed, args.seeds):
        for name in args.problems:
            for rule in BATCH_RULES:
                path = _cache(args) / f"batch__{rule}__{name}__{seed}__{args.trials}.json"
                if path.exists():
                    continue
                problem = _problem(name, seed)
                study = hs.create_study(space=problem.space,
                                        sampler=GP(seed=seed, pending=rule))  # fmt: skip
                clock = np.random.default_rng(seed)  # the same durations for every rule
                running: list[tuple[float, Any]] = []
                now, values = 0.0, []
                for _ in range(args.trials):
                    while len(running) < args.workers:
                        trial = study.ask()
                        running.append((now + float(clock.exponential(1.0)), trial))
                    running.sort(key=lambda r: r[0])
                    now, trial = running.pop(0)
                    value = problem.objective(trial.params)
                    study.tell(trial, value)
                    values.append(value)
                path.write_text(json.dumps({"values": values}))
                print(path.name, flush=True)


def _log_regret(values: list[float], optimum: float, at: int) -> float:
    return math.log10(max(min(values[:at]) - optimum, 1e-12))


def _load(path: Path) -> Any:
    return json.loads(path.read_text()) if path.exists() else None


def report(args: argparse.Namespace) -> None:
    cache = _cache(args)
    before, after = _load(cache / "time__before.json"), _load(cache / "time__after.json")
    if before and after:
        print("GP ask time, CPU seconds (median of 3 histories of random trials, one BLAS thread)")
        print("cold: a new sampler on the history; warm: the next ask of the same sampler")
        print(f"{'dims':>4} {'trials':>6} {'before':>8} {'after cold':>11} {'after warm':>11}"
              f" {'ratio cold':>11} {'ratio warm':>11}")  # fmt: skip
        for d in DIMS:
            for n in SIZES:
                b, a = before[f"{d}:{n}"]["cold"], after[f"{d}:{n}"]
                print(f"{d:>4} {n:>6} {b:>8.3f} {a['cold']:>11.3f} {a['warm']:>11.3f}"
                      f" {b / a['cold']:>10.1f}x {b / a['warm']:>10.1f}x")  # fmt: skip
        if "optuna:6:300" in after:
            print(f"optuna GPSampler, 6 dims, 300 trials: {after['optuna:6:300']:.3f} s")
    _report_regret(args, cache)
    _report_batch(args, cache)


def _paired(cache: Path, names: list[str], kinds: list[str], n: int, seeds: int) -> dict:
    """log10 regrets per problem and kind, on the seeds every kind has finished."""
    from hypersweep.harness.problems import PROBLEMS

    out: dict[str, dict[str, list[float]]] = {}
    for name in names:
        runs = {k: [_load(cache / f"{k}__{name}__{s}__{n}.json") for s in range(seeds)]
                for k in kinds}  # fmt: skip
        both = [s for s in range(seeds) if all(runs[k][s] for k in kinds)]
        if both:
            opt = PROBLEMS[name].optimum or 0.0  # a shifted box keeps the optimum's value
            out[name] = {k: [_log_regret(runs[k][s]["values"], opt, n) for s in both]
                         for k in kinds}  # fmt: skip
    return out


def _report_regret(args: argparse.Namespace, cache: Path) -> None:
    at = args.trials
    got = _paired(cache, args.problems, ["regret__before", "regret__after"], at, args.seeds)
    print(f"\nlog10 regret at {at} trials, GP before/after, sequential (shifted boxes; n = seeds")
    print("finished by both, from seeds 0 .. 2)")
    print(f"{'problem':<17} {'n':>2} {'before mean':>11} {'after mean':>11} {'before med':>11}"
          f" {'after med':>10} {'after-before':>13}")  # fmt: skip
    diffs = []
    for name, cells in got.items():
        b, a = cells["regret__before"], cells["regret__after"]
        diffs += [y - x for x, y in zip(b, a)]
        print(f"{name:<17} {len(b):>2} {statistics.mean(b):>11.2f} {statistics.mean(a):>11.2f}"
              f" {statistics.median(b):>11.2f} {statistics.median(a):>10.2f}"
              f" {statistics.mean(a) - statistics.mean(b):>+13.2f}")  # fmt: skip
    if diffs:
        print(f"paired after - before over {len(diffs)} runs: mean {statistics.mean(diffs):+.2f},"
              f" median {statistics.median(diffs):+.2f}, lower/equal/higher "
              f"{sum(d < -1e-9 for d in diffs)}/{sum(abs(d) <= 1e-9 for d in diffs)}/"
              f"{sum(d > 1e-9 for d in diffs)}")  # fmt: skip


def _report_batch(args: argparse.Namespace, cache: Path) -> None:
    bt = args.batch_trials
    kinds = [f"batch__{r}" for r in BATCH_RULES]
    got = _paired(cache, args.problems, kinds, bt, args.seeds)
    print(f"\nbatch proposals at {args.workers} workers ({args.workers} trials always pending,"
          f" told in completion order):")  # fmt: skip
    print(f"median log10 regret at {bt} trials (n = seeds finished by all three rules)")
    print(f"{'problem':<17} {'n':>2}" + "".join(f"{r:>11}" for r in BATCH_RULES))
    ranks: dict[str, list[float]] = {r: [] for r in BATCH_RULES}
    for name, cells in got.items():
        meds = {r: statistics.median(cells[f"batch__{r}"]) for r in BATCH_RULES}
        order = sorted(BATCH_RULES, key=lambda r: meds[r])
        for r in BATCH_RULES:
            ranks[r].append(order.index(r) + 1.0)
        n = len(cells[kinds[0]])
        print(f"{name:<17} {n:>2}" + "".join(f"{meds[r]:>11.2f}" for r in BATCH_RULES))
    if got:
        print(f"{'mean rank':<20}" + "".join(f"{statistics.mean(ranks[r]):>11.2f}"
                                             for r in BATCH_RULES))  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["time", "regret", "batch", "report"])
    ap.add_argument("--src", default=None, help="import hypersweep from here (old code)")
    ap.add_argument("--tag", default="after")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--first-seed", type=int, default=0, help="start the runs at this seed")
    ap.add_argument("--trials", type=int, default=300)
    ap.add_argument("--batch-trials", type=int, default=60)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--optuna", action="store_true", help="also time optuna's GPSampler")
    ap.add_argument("--problems", nargs="*", default=CONTINUOUS)
    ap.add_argument("--cache", default=str(Path(tempfile.gettempdir()) / "gp_scale_cache"))
    args = ap.parse_args()
    if args.src:
        sys.path.insert(0, args.src)
    if args.what == "batch":
        args.trials = args.batch_trials
    {"time": time_asks, "regret": regret, "batch": batch, "report": report}[args.what](args)


if __name__ == "__main__":
    main()
