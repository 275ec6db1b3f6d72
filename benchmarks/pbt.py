"""Population-based training against TPE + ASHA and random search, at equal training steps.

Two problems:

- ``toy``: the quadratic of the PBT paper's toy example, Q(theta) = 1.2 - (theta0^2 +
  theta1^2), trained by gradient ascent on the surrogate 1.2 - (h0 theta0^2 + h1 theta1^2)
  whose weights h0, h1 are the hyperparameters. Without noise a fixed h = (1, 1) is best
  throughout, so here the gradient carries noise that scales with the weights (as with a
  learning rate): large weights early, small ones late is the best schedule.
- ``digits``: a 64-64-10 MLP trained by SGD with momentum on 600 of scikit-learn's digits
  (learning rate, weight decay and dropout tuned; steps are minibatches of 32). Selection
  uses a validation split; the chosen model's accuracy on a separate test split is printed
  beside it.

Methods, all given the same total number of training steps: PBT with random perturbation,
PBT with the model-based (PB2-style) explore, hypersweep's TPE with ASHA (trials of up to
``total`` steps reporting every interval, run until the step budget is spent), and random
search whose configurations keep their hyperparameters fixed for the whole training.

    nice python benchmarks/pbt.py --out benchmarks/results/pbt.txt   # 5 seeds
    nice python benchmarks/pbt.py --quick                            # 2 seeds, smaller
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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np
import torch

import hypersweep as hs
from hypersweep import pbt
from hypersweep.integrations import checkpoint
from hypersweep.integrations import pbt as hsp

torch.set_num_threads(1)


@dataclass(frozen=True)
class Problem:
    name: str
    space: dict[str, Any]
    population: int
    interval: int
    total: int
    train: Callable[[Any, Any], float]  # the PBT train function
    fixed: Callable[[Any, int, Callable[[int, float], None]], tuple[float, float]]
    test_of: Callable[[Path], float]  # a PBT checkpoint -> its test score


# --- the toy ------------------------------------------------------------------------
TOY_LR, TOY_NOISE, TOY_START = 0.1, 2.0, (0.9, 0.9)


def toy_steps(theta: np.ndarray, h: np.ndarray, steps: int, rng: np.random.Generator) -> np.ndarray:
    """Noisy gradient ascent on the surrogate 1.2 - (h0 t0^2 + h1 t1^2); the gradient noise
    scales with the weights, as a learning rate's does: large weights move fast early, small
    ones settle closer late, so the best weights fall during training."""
    for _ in range(steps):
        theta = theta - TOY_LR * h * (2.0 * theta + TOY_NOISE * rng.standard_normal(2))
    return theta


def toy_q(theta: np.ndarray) -> float:
    return float(1.2 - (theta**2).sum())


def toy_h(config: Any) -> np.ndarray:
    return np.array([config["h0"], config["h1"]])


def toy_train(config: Any, interval: Any) -> float:
    theta = np.array(TOY_START)
    if interval.restore is not None:
        theta = np.array(json.loads((interval.restore / "theta.json").read_text()))
    rng = np.random.default_rng(interval.seed)
    theta = toy_steps(theta, toy_h(config), interval.steps, rng)
    (interval.save / "theta.json").write_text(json.dumps(theta.tolist()))
    return toy_q(theta)


def toy_fixed(config: Any, steps: int, report: Callable[[int, float], None]) -> tuple[float, float]:
    theta, done = np.array(TOY_START), 0
    rng = np.random.default_rng(int(torch.randint(0, 2**31, ())))
    while done < steps:
        n = min(4, steps - done)
        theta, done = toy_steps(theta, toy_h(config), n, rng), done + n
        report(done, toy_q(theta))
    return toy_q(theta), toy_q(theta)


def toy_test(path: Path) -> float:
    return toy_q(np.array(json.loads((path / "theta.json").read_text())))


# --- digits -------------------------------------------------------------------------
def digits_data() -> dict[str, torch.Tensor]:
    from sklearn.datasets import load_digits

    d = load_digits()
    order = np.random.default_rng(0).permutation(len(d.target))
    x = torch.tensor(d.data[order] / 16.0, dtype=torch.float32)
    y = torch.tensor(d.target[order])
    return {"x": x[:600], "y": y[:600], "xv": x[600:1200], "yv": y[600:1200],
            "xt": x[1200:], "yt": y[1200:]}  # fmt: skip


DATA = digits_data()
BATCH = 32


def build(config: Any) -> tuple[torch.nn.Module, torch.optim.Optimizer]:
    layers = [torch.nn.Linear(64, 64), torch.nn.ReLU(), torch.nn.Dropout(config["dropout"])]
    model = torch.nn.Sequential(*layers, torch.nn.Linear(64, 10))
    opt = torch.optim.SGD(model.parameters(), lr=config["lr"], momentum=0.9,
                          weight_decay=config["weight_decay"])  # fmt: skip
    return model, opt


def fit(model: torch.nn.Module, opt: torch.optim.Optimizer, config: Any, steps: int) -> None:
    for m in model.modules():
        if isinstance(m, torch.nn.Dropout):
            m.p = config["dropout"]
    for _ in range(steps):
        idx = torch.randint(0, len(DATA["y"]), (BATCH,))
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(DATA["x"][idx]), DATA["y"][idx]).backward()
        opt.step()


def accuracy(model: torch.nn.Module, split: str = "v") -> float:
    model.eval()
    with torch.no_grad():
        return float((model(DATA["x" + split]).argmax(1) == DATA["y" + split]).float().mean())


def digits_fixed(
    config: Any, steps: int, report: Callable[[int, float], None]
) -> tuple[float, float]:
    model, opt = build(config)
    done = 0
    while done < steps:
        n = min(25, steps - done)
        model.train()
        fit(model, opt, config, n)
        done += n
        report(done, accuracy(model))
    return accuracy(model), accuracy(model, "t")


def digits_test(path: Path) -> float:
    state = checkpoint.load(path / hsp.STATE)
    model, _ = build({"lr": 0.1, "weight_decay": 0.0, "dropout": 0.0})
    model.load_state_dict(state["model"])
    return accuracy(model, "t")


def problems(quick: bool) -> list[Problem]:
    weights = {"h0": hs.Float(0.01, 1.0, log=True), "h1": hs.Float(0.01, 1.0, log=True)}
    toy = Problem("toy", weights, 8, 4, 40, toy_train, toy_fixed, toy_test)
    space = {"lr": hs.Float(1e-3, 0.5, log=True), "weight_decay": hs.Float(1e-6, 1e-1, log=True),
             "dropout": hs.Float(0.0, 0.6)}  # fmt: skip
    total = 400 if quick else 800
    dig = Problem("digits", space, 8, 50, total, hsp.torch_train(build, fit, accuracy),
                  digits_fixed, digits_test)  # fmt: skip
    return [toy, dig]


# --- the methods --------------------------------------------------------------------
def run_pbt(p: Problem, seed: int, explore: str) -> tuple[float, float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        torch.manual_seed(seed)
        r = pbt.run(p.train, p.space, population=p.population, interval=p.interval,
                    total_steps=p.total, checkpoint_dir=tmp, seed=seed, explore=explore,
                    burn_in=p.interval)  # fmt: skip
        return r.best_score, p.test_of(r.best_checkpoint), r.steps_used


def run_tpe_asha(p: Problem, seed: int) -> tuple[float, float, int]:
    budget = p.population * p.total
    used = 0
    study = hs.create_study(direction="maximize", space=p.space, sampler="tpe", seed=seed,
                            pruner=hs.pruners.ASHA(min_resource=p.interval, reduction_factor=3,
                                                   max_resource=p.total))  # fmt: skip
    torch.manual_seed(seed)

    def objective(params: Any, trial: Any) -> float:
        nonlocal used
        last = 0

        def report(step: int, value: float) -> None:
            nonlocal used, last
            used += step - last
            last = step
            trial.report(value, step)
            if trial.should_prune() or (used >= budget and step < p.total):
                raise hs.TrialPruned()  # (the budget is spent: stop where it ends)

        val, test = p.fixed(params, p.total, report)
        trial.set_user_attr("test", test)
        return val

    while used < budget:
        study.optimize(objective, n_more=1)
    best = study.best_trial
    return float(best.value or math.nan), float(best.user_attrs["test"]), used


def run_random(p: Problem, seed: int) -> tuple[float, float, int]:
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    space = hs.Space(p.space)
    results = [p.fixed(space.sample(rng), p.total, lambda s, v: None) for _ in range(p.population)]
    val, test = max(results)
    return val, test, p.population * p.total


METHODS: dict[str, Callable[[Problem, int], tuple[float, float, int]]] = {
    "PBT (random explore)": lambda p, s: run_pbt(p, s, "perturb"),
    "PBT (model explore)": lambda p, s: run_pbt(p, s, "model"),
    "TPE + ASHA": run_tpe_asha,
    "random search, fixed": run_random,
}


def header(argv: list[str]) -> list[str]:
    """The key: value lines the documentation's benchmarks page reads (date, machine, ...)."""
    import platform
    import subprocess

    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, check=True).stdout.strip()  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    return [f"date: {time.strftime('%Y-%m-%d')}", f"hypersweep: {hs.__version__} ({commit})",
            f"machine: {platform.machine()}, {os.cpu_count()} cores (shared with other jobs)",
            f"python: {platform.python_version()}, torch {torch.__version__}",
            f"command: python benchmarks/pbt.py {' '.join(argv)}".rstrip(), ""]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="2 seeds, 400 digits steps")
    parser.add_argument("--out", type=Path, help="also write the table to this file")
    parser.add_argument("--only", choices=["toy", "digits"], help="run one problem")
    args = parser.parse_args()
    hs.set_verbosity(0)
    seeds = 2 if args.quick else args.seeds
    title = f"PBT benchmark: {seeds} seeds, equal training steps per method (median [min, max])"
    lines = [*header(sys.argv[1:]), title, ""]
    for p in problems(args.quick):
        if args.only and p.name != args.only:
            continue
        lines += [f"{p.name}: population {p.population}, interval {p.interval}, "
                  f"{p.total} steps per member, budget {p.population * p.total} steps",
                  f"{'method':<24}{'validation score':>28}{'test score':>28}{'steps':>8}"
                  f"{'seconds':>9}"]  # fmt: skip
        for name, method in METHODS.items():
            t0 = time.perf_counter()
            runs = [method(p, seed) for seed in range(seeds)]
            secs = (time.perf_counter() - t0) / seeds
            val, test, steps = zip(*runs)
            cell = lambda xs: f"{statistics.median(xs):.4f} [{min(xs):.4f}, {max(xs):.4f}]"  # noqa: E731
            lines.append(f"{name:<24}{cell(val):>28}{cell(test):>28}"
                         f"{int(statistics.median(steps)):>8}{secs:>9.1f}")  # fmt: skip
            print(lines[-1], file=sys.stderr, flush=True)
        lines.append("")
    text = "\n".join(lines)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
