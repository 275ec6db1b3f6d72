"""Dev harness for hs.samplers.GP: median log10 simple regret vs optuna's GPSampler.

Not the shipped benchmark suite: a quick loop for tuning the GP's defaults. Each
(sampler, function, seed) run is cached as JSON under ``--cache`` so optuna's slow
runs are paid once.

    python benchmarks/dev_gp.py --samplers optuna --seeds 10 --trials 50 --procs 1
    python benchmarks/dev_gp.py --samplers hs --seeds 10 --trials 50 --tag v1
    python benchmarks/dev_gp.py --report --tags optuna v1 --trials 50
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import numpy as np

Fn = Callable[[np.ndarray], float]

_H3_A = np.array([[3, 10, 30], [0.1, 10, 35], [3, 10, 30], [0.1, 10, 35]], float)
_H3_P = 1e-4 * np.array(
    [[3689, 1170, 2673], [4699, 4387, 7470], [1091, 8732, 5547], [381, 5743, 8828]], float
)
_H6_A = np.array(
    [
        [10, 3, 17, 3.5, 1.7, 8],
        [0.05, 10, 17, 0.1, 8, 14],
        [3, 3.5, 1.7, 10, 17, 8],
        [17, 8, 0.05, 10, 0.1, 14],
    ],
    float,
)
_H6_P = 1e-4 * np.array(
    [
        [1312, 1696, 5569, 124, 8283, 5886],
        [2329, 4135, 8307, 3736, 1004, 9991],
        [2348, 1451, 3522, 2883, 3047, 6650],
        [4047, 8828, 8732, 5743, 1091, 381],
    ],
    float,
)
_ALPHA = np.array([1.0, 1.2, 3.0, 3.2])


def branin(x: np.ndarray) -> float:
    a, b, c = 1.0, 5.1 / (4 * math.pi**2), 5 / math.pi
    r, s, t = 6.0, 10.0, 1 / (8 * math.pi)
    return float(a * (x[1] - b * x[0] ** 2 + c * x[0] - r) ** 2 + s * (1 - t) * math.cos(x[0]) + s)


def hartmann(a: np.ndarray, p: np.ndarray) -> Fn:
    return lambda x: float(-(_ALPHA * np.exp(-(a * (x - p) ** 2).sum(1))).sum())


def rosenbrock(x: np.ndarray) -> float:
    return float((100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2).sum())


def ackley(x: np.ndarray) -> float:
    d = len(x)
    s1 = -20 * math.exp(-0.2 * math.sqrt((x**2).sum() / d))
    return float(s1 - math.exp(np.cos(2 * math.pi * x).sum() / d) + 20 + math.e)


def styblinski(x: np.ndarray) -> float:
    return float(0.5 * (x**4 - 16 * x**2 + 5 * x).sum())


def levy(x: np.ndarray) -> float:
    w = 1 + (x - 1) / 4
    head = math.sin(math.pi * w[0]) ** 2
    mid = ((w[:-1] - 1) ** 2 * (1 + 10 * np.sin(math.pi * w[:-1] + 1) ** 2)).sum()
    tail = (w[-1] - 1) ** 2 * (1 + math.sin(2 * math.pi * w[-1]) ** 2)
    return float(head + mid + tail)


# name -> (function, bounds per dimension, optimum)
FUNCTIONS: dict[str, tuple[Fn, list[tuple[float, float]], float]] = {
    "branin": (branin, [(-5, 10), (0, 15)], 0.397887357729738),
    "hartmann3": (hartmann(_H3_A, _H3_P), [(0, 1)] * 3, -3.86278214782076),
    "hartmann6": (hartmann(_H6_A, _H6_P), [(0, 1)] * 6, -3.32236801141551),
    "rosenbrock5": (rosenbrock, [(-5, 10)] * 5, 0.0),
    "ackley5": (ackley, [(-32.768, 32.768)] * 5, 0.0),
    "styblinski8": (styblinski, [(-5, 5)] * 8, -39.16616570377142 * 8),
    "levy10": (levy, [(-10, 10)] * 10, 0.0),
}


def run_hs(name: str, seed: int, n: int, options: dict[str, Any]) -> list[float]:
    import hypersweep as hs
    from hypersweep.samplers.gp import GP

    options = dict(options)
    for knob, value in options.pop("knobs", {}).items():  # module constants, e.g. "model.X"
        module, attr = knob.rsplit(".", 1)
        setattr(importlib.import_module(f"hypersweep.samplers.gp.{module}"), attr, value)
    fn, bounds, _ = FUNCTIONS[name]
    space = {f"x{i}": hs.Float(lo, hi) for i, (lo, hi) in enumerate(bounds)}
    keys = list(space)
    r = hs.minimize(
        lambda p: fn(np.array([p[k] for k in keys])),
        space,
        sampler=GP(seed=seed, **options),
        n_trials=n,
        verbosity=0,
    )
    return [float(t.value) for t in r.trials]


def run_optuna(name: str, seed: int, n: int, options: dict[str, Any]) -> list[float]:
    import optuna
    import torch

    torch.set_num_threads(1)
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    fn, bounds, _ = FUNCTIONS[name]

    def objective(trial: Any) -> float:
        x = [trial.suggest_float(f"x{i}", lo, hi) for i, (lo, hi) in enumerate(bounds)]
        return fn(np.array(x))

    sampler = (
        optuna.samplers.GPSampler(seed=seed, **options)
        if "tpe" not in options
        else optuna.samplers.TPESampler(seed=seed, multivariate=True)
    )
    study = optuna.create_study(sampler=sampler)
    study.optimize(objective, n_trials=n)
    return [float(t.value) for t in study.trials]


def task(args: tuple[str, str, str, int, int, dict[str, Any], str]) -> str:
    kind, tag, name, seed, n, options, cache = args
    path = Path(cache) / f"{tag}__{name}__{seed}__{n}.json"
    if path.exists():
        return str(path)
    start = time.perf_counter()
    values = (run_hs if kind == "hs" else run_optuna)(name, seed, n, options)
    elapsed = time.perf_counter() - start
    path.write_text(json.dumps({"values": values, "seconds": elapsed}))
    return str(path)


def log_regret(values: list[float], opt: float, at: int) -> float:
    return math.log10(max(min(values[:at]) - opt, 1e-12))


def report(tags: list[str], trials: list[int], cache: str, n_run: int, seeds: range) -> None:
    names = list(FUNCTIONS)
    for at in trials:
        print(f"\nmedian log10 regret at {at} trials (seeds found; wins vs {tags[0]})")
        print(f"{'function':<13}" + "".join(f"{t:>18}" for t in tags))
        wins = dict.fromkeys(tags, 0)
        for name in names:
            row, meds = [], {}
            for tag in tags:
                files = [
                    f
                    for s in seeds
                    if (f := Path(cache) / f"{tag}__{name}__{s}__{n_run}.json").exists()
                ]
                regs = [log_regret(json.loads(f.read_text())["values"], FUNCTIONS[name][2], at)
                        for f in files]  # fmt: skip
                med = float(np.median(regs)) if regs else float("nan")
                meds[tag] = med
                row.append(f"{med:>12.3f} ({len(regs):>2})")
            for tag in tags[1:]:
                wins[tag] += int(meds[tag] < meds[tags[0]])
            print(f"{name:<13}" + "".join(f"{c:>18}" for c in row))
        print("wins vs first:", {t: w for t, w in wins.items() if t != tags[0]})


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--samplers", nargs="*", default=["hs"])
    ap.add_argument("--tag", default=None)
    ap.add_argument("--options", default="{}", help="JSON keyword options for the sampler")
    ap.add_argument("--functions", nargs="*", default=list(FUNCTIONS))
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--first-seed", type=int, default=0, help="first seed of the range")
    ap.add_argument("--trials", type=int, default=50)
    ap.add_argument("--procs", type=int, default=2)
    ap.add_argument("--cache", default="/tmp/dev_gp_cache")
    ap.add_argument("--report", action="store_true")
    ap.add_argument("--tags", nargs="*", default=["optuna", "hs"])
    ap.add_argument("--at", nargs="*", type=int, default=None)
    args = ap.parse_args()
    Path(args.cache).mkdir(parents=True, exist_ok=True)
    if args.report:
        seeds = range(args.first_seed, args.first_seed + args.seeds)
        report(args.tags, args.at or [args.trials], args.cache, args.trials, seeds)
        return
    options = json.loads(args.options)
    jobs = [
        (kind, args.tag or kind, name, seed, args.trials, options, args.cache)
        for kind in args.samplers
        for seed in range(args.first_seed, args.first_seed + args.seeds)
        for name in args.functions
    ]
    import multiprocessing as mp

    with mp.get_context("spawn").Pool(args.procs) as pool:
        for done in pool.imap_unordered(task, jobs):
            print(done, flush=True)


if __name__ == "__main__":
    main()
