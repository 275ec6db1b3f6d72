"""Dev harness for hs.samplers.TPE vs optuna TPE (both settings) and hyperopt tpe.

Median log10 simple regret at 50 and 100 trials over seeds, and mean ranks
(per function and seed, ranked by regret at that budget). Peers' results are
cached in a JSON file, so tuning hypersweep reruns only hypersweep.

    python benchmarks/dev_tpe.py --seeds 10 --procs 2
    python benchmarks/dev_tpe.py --hs '{"gamma": 0.15}'     # try other settings
    python benchmarks/dev_tpe.py --overhead                  # ask+tell ms/trial at 1,000
    python benchmarks/dev_tpe.py --hs '{}' --compare '{"ties": "age"}'  # two TPEs side by side
    python benchmarks/dev_tpe.py --funcs branin_q hartmann6_q      # staircase versions

A name ending in ``_q`` is the function on a staircase, opt + q * ceil((f - opt) / q)
with q a twentieth of the gap between the optimum and the 10% quantile of f under
uniform draws: plateaus and exactly tied values, as accuracy-like scores have. Options
are TPE's, plus the rejected variants of ``tpe_variants.VariantTPE`` (e.g. ``ties``).
Ranks give tied regrets their average rank.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import multiprocessing as mp
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import rankdata

import hypersweep as hs

sys.path.insert(0, str(Path(__file__).resolve().parent))
import tpe_variants

CACHE = Path(__file__).with_name(".dev_tpe_peers.json")
A3 = np.array([[3.0, 10, 30], [0.1, 10, 35], [3.0, 10, 30], [0.1, 10, 35]])
P3 = 1e-4 * np.array([[3689, 1170, 2673], [4699, 4387, 7470], [1091, 8732, 5547],
                      [381, 5743, 8828]])  # fmt: skip
A6 = np.array([[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14],
               [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]])  # fmt: skip
P6 = 1e-4 * np.array([[1312, 1696, 5569, 124, 8283, 5886],
                      [2329, 4135, 8307, 3736, 1004, 9991],
                      [2348, 1451, 3522, 2883, 3047, 6650],
                      [4047, 8828, 8732, 5743, 1091, 381]])  # fmt: skip
ALPHA = np.array([1.0, 1.2, 3.0, 3.2])


def branin(x: np.ndarray) -> float:
    a, b, c, r, s, t = 1, 5.1 / (4 * math.pi**2), 5 / math.pi, 6, 10, 1 / (8 * math.pi)
    return float(a * (x[1] - b * x[0] ** 2 + c * x[0] - r) ** 2 + s * (1 - t) * math.cos(x[0]) + s)


def hartmann(x: np.ndarray, a: np.ndarray, p: np.ndarray) -> float:
    return float(-np.sum(ALPHA * np.exp(-np.sum(a * (x - p) ** 2, axis=1))))


def rosenbrock(x: np.ndarray) -> float:
    return float(np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2))


def ackley(x: np.ndarray) -> float:
    d = len(x)
    return float(-20 * np.exp(-0.2 * np.sqrt(np.sum(x**2) / d))
                 - np.exp(np.sum(np.cos(2 * np.pi * x)) / d) + 20 + math.e)  # fmt: skip


def levy(x: np.ndarray) -> float:
    w = 1 + (x - 1) / 4
    head = math.sin(math.pi * w[0]) ** 2
    mid = np.sum((w[:-1] - 1) ** 2 * (1 + 10 * np.sin(np.pi * w[:-1] + 1) ** 2))
    tail = (w[-1] - 1) ** 2 * (1 + math.sin(2 * math.pi * w[-1]) ** 2)
    return float(head + mid + tail)


def styblinski(x: np.ndarray) -> float:
    return float(np.sum(x**4 - 16 * x**2 + 5 * x) / 2)


# name -> (function, bounds per dim, optimum)
FUNCS: dict[str, tuple[Any, list[tuple[float, float]], float]] = {
    "branin": (branin, [(-5, 10), (0, 15)], 0.397887),
    "hartmann3": (lambda x: hartmann(x, A3, P3), [(0, 1)] * 3, -3.86278),
    "hartmann6": (lambda x: hartmann(x, A6, P6), [(0, 1)] * 6, -3.322368),
    "rosenbrock5": (rosenbrock, [(-5, 10)] * 5, 0.0),
    "ackley5": (ackley, [(-32.768, 32.768)] * 5, 0.0),
    "levy10": (levy, [(-10, 10)] * 10, 0.0),
    "styblinski8": (styblinski, [(-5, 5)] * 8, -39.1661657 * 8),
}


_QUANTA: dict[str, float] = {}


def quantum(base: str) -> float:
    """The step of ``base``'s staircase: (10% quantile of f - optimum) / 20."""
    if base not in _QUANTA:
        f, bounds, opt = FUNCS[base]
        lo, hi = np.array(bounds, dtype=float).T
        xs = lo + (hi - lo) * np.random.default_rng(0).random((2000, len(bounds)))
        _QUANTA[base] = (float(np.quantile([f(x) for x in xs], 0.1)) - opt) / 20
    return _QUANTA[base]


def problem(fname: str) -> tuple[Any, list[tuple[float, float]], float]:
    """(function, bounds, optimum); ``name_q`` is ``name`` on a staircase."""
    if not fname.endswith("_q"):
        return FUNCS[fname]
    base = fname[:-2]
    f, bounds, opt = FUNCS[base]
    q = quantum(base)
    return (lambda x: opt + q * math.ceil((f(x) - opt) / q - 1e-9)), bounds, opt


def make_tpe(seed: int, opts: dict[str, Any]) -> Any:
    return tpe_variants.make(seed, opts)


def run_hs(fname: str, seed: int, n: int, opts: dict[str, Any]) -> list[float]:
    f, bounds, _ = problem(fname)
    space = {f"x{i}": hs.Float(lo, hi) for i, (lo, hi) in enumerate(bounds)}
    sampler = make_tpe(seed, opts)
    r = hs.minimize(lambda p: f(np.array([p[f"x{i}"] for i in range(len(bounds))])), space,
                    sampler=sampler, n_trials=n, verbosity=0)  # fmt: skip
    return [float(t.value) for t in r.trials]


def run_optuna(fname: str, seed: int, n: int, multivariate: bool) -> list[float]:
    import optuna

    optuna.logging.set_verbosity(logging.WARNING)
    f, bounds, _ = problem(fname)

    def objective(trial: Any) -> float:
        return f(
            np.array([trial.suggest_float(f"x{i}", lo, hi) for i, (lo, hi) in enumerate(bounds)])
        )

    sampler = optuna.samplers.TPESampler(seed=seed, multivariate=multivariate)
    study = optuna.create_study(sampler=sampler)
    study.optimize(objective, n_trials=n)
    return [float(t.value) for t in study.trials]


def run_hyperopt(fname: str, seed: int, n: int) -> list[float]:
    from hyperopt import Trials, fmin, hp, tpe

    f, bounds, _ = problem(fname)
    space = [hp.uniform(f"x{i}", lo, hi) for i, (lo, hi) in enumerate(bounds)]
    trials = Trials()
    fmin(lambda x: f(np.array(x)), space, algo=tpe.suggest, max_evals=n, trials=trials,
         rstate=np.random.default_rng(seed), show_progressbar=False)  # fmt: skip
    return [float(v) for v in trials.losses()]


def job(args: tuple[str, str, int, int, dict[str, Any]]) -> tuple[str, str, int, list[float]]:
    method, fname, seed, n, opts = args
    if method in ("hs", "hs_b"):
        values = run_hs(fname, seed, n, opts)
    elif method == "optuna_mv":
        values = run_optuna(fname, seed, n, True)
    elif method == "optuna_uv":
        values = run_optuna(fname, seed, n, False)
    else:
        values = run_hyperopt(fname, seed, n)
    return method, fname, seed, values


def log_regret(values: list[float], budget: int, opt: float) -> float:
    return math.log10(max(min(values[:budget]) - opt, 1e-12))


def table(
    results: dict[str, dict[str, dict[int, list[float]]]], seeds: int, funcs: list[str]
) -> None:
    methods = list(results)
    for budget in (50, 100):
        print(f"\nmedian log10 regret at {budget} trials")
        print(f"{'function':<13}" + "".join(f"{m:>11}" for m in methods))
        ranks = {m: [] for m in methods}  # type: dict[str, list[float]]
        for fname in funcs:
            opt = problem(fname)[2]
            regs = {m: [log_regret(results[m][fname][s], budget, opt) for s in range(seeds)]
                    for m in methods}  # fmt: skip
            print(f"{fname:<13}" + "".join(f"{np.median(regs[m]):>11.3f}" for m in methods))
            for s in range(seeds):
                order = rankdata([regs[m][s] for m in methods])  # ties: average rank
                for m, rk in zip(methods, order):
                    ranks[m].append(float(rk))
        print(f"{'mean rank':<13}" + "".join(f"{np.mean(ranks[m]):>11.2f}" for m in methods))
        if "hs_b" in results:
            pairs = [(log_regret(results["hs"][f][s], budget, problem(f)[2]),
                      log_regret(results["hs_b"][f][s], budget, problem(f)[2]))
                     for f in funcs for s in range(seeds)]  # fmt: skip
            w, t = sum(a < b for a, b in pairs), sum(a == b for a, b in pairs)
            lose = len(pairs) - w - t
            print(f"hs against hs_b, runs with lower/equal/higher regret: {w}/{t}/{lose}")


def overhead(n: int = 1000, window: int = 100) -> None:
    hs.set_verbosity(0)
    rng_space = {f"x{i}": hs.Float(-5, 5) for i in range(12)}
    study = hs.create_study(space=rng_space, sampler=hs.samplers.TPE(seed=0))
    obj = lambda p: sum(v * v for v in p.values())  # noqa: E731
    study.optimize(obj, n - window)
    t0 = time.perf_counter()
    study.optimize(obj, n)
    print(f"hypersweep TPE ask+tell at {n}: {1000 * (time.perf_counter() - t0) / window:.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--procs", type=int, default=2)
    parser.add_argument("--hs", default="{}", help="TPE options as JSON")
    parser.add_argument("--compare", help="a second set of TPE options (column hs_b)")
    parser.add_argument("--funcs", nargs="*", default=list(FUNCS))
    parser.add_argument("--overhead", action="store_true")
    args = parser.parse_args()
    if args.overhead:
        overhead()
        return
    opts = json.loads(args.hs)
    other = json.loads(args.compare) if args.compare else None
    for fname in args.funcs:
        problem(fname)  # an unknown name fails here, before any run
    cache = json.loads(CACHE.read_text()) if CACHE.exists() else {}
    jobs = []
    for fname in args.funcs:
        for seed in range(args.seeds):
            jobs.append(("hs", fname, seed, 100, opts))
            if other is not None:
                jobs.append(("hs_b", fname, seed, 100, other))
            for m in ("optuna_mv", "optuna_uv", "hyperopt"):
                if f"{m}/{fname}/{seed}" not in cache:
                    jobs.append((m, fname, seed, 100, {}))
    with mp.Pool(args.procs) as pool:
        out = pool.map(job, jobs, chunksize=1)
    results: dict[str, dict[str, dict[int, list[float]]]] = {}
    for method, fname, seed, values in out:
        if not method.startswith("hs"):
            cache[f"{method}/{fname}/{seed}"] = values
    CACHE.write_text(json.dumps(cache))
    for method, fname, seed, values in out:
        if method.startswith("hs"):
            results.setdefault(method, {}).setdefault(fname, {})[seed] = values
    for m in ("optuna_mv", "optuna_uv", "hyperopt"):
        results[m] = {f: {s: cache[f"{m}/{f}/{s}"] for s in range(args.seeds)} for f in args.funcs}
    table(results, args.seeds, args.funcs)


if __name__ == "__main__":
    main()
