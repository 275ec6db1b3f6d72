"""GP batch rules at 4 asynchronous workers: liar, believer, fantasies and local penalties.

Four trials are always running, each for an exponential time drawn from the seed (the
same durations for every rule); the first to finish is told, then one more is asked.
A run records every told value (so one 100-trial run also gives the regret at 60) and,
at each ask, the distance from the new point to the nearest running one in the unit
box (the report counts those closer than 1e-3 and 1e-5).

    python benchmarks/gp_batch.py run --seeds 10 --trials 100 --part 0/4 &   # ... 3/4
    python benchmarks/gp_batch.py report > benchmarks/results/gp_batch.txt

Runs are cached as JSON under ``--cache``, one file per (rule, problem, seed), written
as they finish, so parts run in parallel and an interrupted run resumes. Cost is CPU
seconds (``time.process_time``): the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

PROBLEMS = ["branin", "hartmann3", "hartmann6", "rosenbrock5", "ackley5", "levy10",
            "styblinski_tang8"]  # fmt: skip
RULES = ["liar", "believer", "fantasies", "penalty", "lp", "believer_penalty"]


def _unit(space: dict[str, Any], params: dict[str, float]) -> list[float]:
    return [(params[k] - p.low) / (p.high - p.low) for k, p in sorted(space.items())]


def one_run(name: str, rule: str, seed: int, trials: int, workers: int) -> dict[str, Any]:
    import numpy as np

    import hypersweep as hs
    from hypersweep.harness.problems import PROBLEMS as ALL
    from hypersweep.harness.problems import shifted
    from hypersweep.samplers.gp import GP

    hs.set_verbosity(0)
    problem = shifted(ALL[name], seed)
    study = hs.create_study(space=problem.space, sampler=GP(seed=seed, pending=rule))
    clock = np.random.default_rng(seed)  # the same durations for every rule
    running: list[tuple[float, Any, list[float]]] = []
    now, values, gaps = 0.0, [], []
    t0 = time.process_time()
    for _ in range(trials):
        while len(running) < workers:
            trial = study.ask()
            u = _unit(problem.space, trial.params)
            if running:
                gaps.append(min(math.dist(u, r[2]) for r in running))
            running.append((now + float(clock.exponential(1.0)), trial, u))
        running.sort(key=lambda r: r[0])
        now, trial, _ = running.pop(0)
        value = problem.objective(trial.params)
        study.tell(trial, value)
        values.append(value)
    return {"values": values, "gaps": gaps, "cpu": time.process_time() - t0}


def run(args: argparse.Namespace) -> None:
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    jobs = [(s, n, r) for s in range(args.first_seed, args.seeds) for n in args.problems
            for r in args.rules]  # fmt: skip
    k, of = (int(v) for v in args.part.split("/"))
    for seed, name, rule in jobs[k::of]:
        path = cache / f"{rule}__{name}__{seed}__{args.trials}.json"
        if path.exists():
            continue
        out = one_run(name, rule, seed, args.trials, args.workers)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(out))
        tmp.replace(path)
        print(path.name, f"{out['cpu']:.1f}s", flush=True)


def _log_regret(values: list[float], optimum: float, at: int) -> float:
    return math.log10(max(min(values[:at]) - optimum, 1e-12))


def _runs(args: argparse.Namespace, name: str) -> dict[str, list[Any]]:
    """Each rule's runs on ``name``, on the seeds every rule finished."""
    cache = Path(args.cache)
    seeds = range(args.first_seed, args.seeds)
    found = {r: {s: cache / f"{r}__{name}__{s}__{args.trials}.json" for s in seeds}
             for r in args.rules}  # fmt: skip
    both = [s for s in seeds if all(found[r][s].exists() for r in args.rules)]
    return {r: [json.loads(found[r][s].read_text()) for s in both] for r in args.rules}


def _table(args: argparse.Namespace, at: int) -> None:
    from hypersweep.harness.problems import PROBLEMS as ALL

    rules = args.rules
    print(f"\nmedian log10 regret at {at} trials (n = seeds finished by every rule)")
    print(f"{'problem':<17} {'n':>2}" + "".join(f"{r[:16]:>17}" for r in rules))
    ranks: dict[str, list[float]] = {r: [] for r in rules}
    wins = dict.fromkeys(rules, 0)
    for name in args.problems:
        runs = _runs(args, name)
        n = len(runs[rules[0]])
        if n == 0:
            continue
        opt = ALL[name].optimum or 0.0
        meds = {r: statistics.median(_log_regret(x["values"], opt, at) for x in runs[r])
                for r in rules}  # fmt: skip
        order = sorted(rules, key=lambda r: meds[r])
        for r in rules:  # ties share the mean of their ranks
            tied = [i + 1 for i, q in enumerate(order) if abs(meds[q] - meds[r]) < 1e-9]
            ranks[r].append(statistics.mean(tied))
        wins[order[0]] += 1
        print(f"{name:<17} {n:>2}" + "".join(f"{meds[r]:>17.2f}" for r in rules))
    if any(ranks.values()):
        print(f"{'mean rank':<20}" + "".join(f"{statistics.mean(ranks[r]):>17.2f}" for r in rules))
        print(f"{'problems won':<20}" + "".join(f"{wins[r]:>17}" for r in rules))


def _pairs(args: argparse.Namespace, mine: str, at: int) -> None:
    """Per-seed comparison of ``mine`` against each other rule: lower/higher regret."""
    from hypersweep.harness.problems import PROBLEMS as ALL

    for other in args.rules:
        if other == mine:
            continue
        lo = hi = 0
        for name in args.problems:
            runs = _runs(args, name)
            opt = ALL[name].optimum or 0.0
            for a, b in zip(runs[mine], runs[other]):
                da, db = _log_regret(a["values"], opt, at), _log_regret(b["values"], opt, at)
                lo, hi = lo + (da < db - 1e-9), hi + (da > db + 1e-9)
        print(f"  {mine} vs {other} at {at}: lower in {lo} runs, higher in {hi}")


def report(args: argparse.Namespace) -> None:
    print(f"GP batch rules, {args.workers} asynchronous workers (ask {args.workers}, tell the"
          " first to finish, ask again); shifted boxes, seeds"
          f" {args.first_seed}..{args.seeds - 1}")  # fmt: skip
    for at in sorted({min(60, args.trials), args.trials}):
        _table(args, at)
        for mine in args.mine:
            _pairs(args, mine, at)
    print("\nasks made while trials were running: how many landed within 1e-3 / 1e-5 (unit box)")
    print("of a running trial, the median distance to the nearest, and median CPU s per run")
    print(f"{'rule':<17} {'<1e-3':>7} {'<1e-5':>7} {'asks':>6} {'median gap':>11} {'cpu':>7}")
    for r in args.rules:
        gaps, cpu = [], []
        for name in args.problems:
            for x in _runs(args, name)[r]:
                gaps += x["gaps"]
                cpu.append(x["cpu"])
        if gaps:
            near = [sum(g < eps for g in gaps) for eps in (1e-3, 1e-5)]
            print(f"{r:<17} {near[0]:>7} {near[1]:>7} {len(gaps):>6}"
                  f" {statistics.median(gaps):>11.3f} {statistics.median(cpu):>7.1f}")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["run", "report"])
    ap.add_argument("--seeds", type=int, default=10, help="run seeds first-seed .. seeds-1")
    ap.add_argument("--first-seed", type=int, default=0)
    ap.add_argument("--trials", type=int, default=100)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--part", default="0/1", help="k/n: run every n-th job from the k-th")
    ap.add_argument("--problems", nargs="*", default=PROBLEMS)
    ap.add_argument("--rules", nargs="*", default=RULES)
    ap.add_argument("--mine", nargs="*", default=["lp", "penalty"],
                    help="rules compared run by run with each other rule")  # fmt: skip
    ap.add_argument("--cache", default=str(Path(tempfile.gettempdir()) / "gp_batch_cache"))
    args = ap.parse_args()
    {"run": run, "report": report}[args.what](args)


if __name__ == "__main__":
    main()
