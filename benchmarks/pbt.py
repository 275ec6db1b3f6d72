"""Population-based training against TPE + ASHA and random search, at equal training steps.

Two problems:

- ``toy``: the quadratic of the PBT paper's toy example, Q(theta) = 1.2 - (theta0^2 +
  theta1^2), trained by gradient ascent on the surrogate 1.2 - (h0 theta0^2 + h1 theta1^2)
  whose weights h0, h1 are the hyperparameters. Without noise a fixed h = (1, 1) is best
  throughout, so here the gradient carries noise that scales with the weights (as with a
  learning rate): large weights early, small ones late is the best schedule.
- ``digits``: a 64-64-10 MLP trained by SGD with momentum on 600 of scikit-learn's digits
  for 400 minibatches of 16 (learning rate, weight decay and dropout tuned). Small batches
  leave gradient noise that a large learning rate keeps, so within this budget a learning
  rate that starts high and falls beats every constant one (0.118 against 0.160 validation
  log-loss for the best constant, in a check outside the benchmark). The score is the
  validation log-likelihood (minus the cross-entropy), which moves with that noise where
  accuracy on 600 examples barely does; the chosen model's score and accuracy on a separate
  test split are printed beside it.

Methods, all given the same total number of training steps: PBT with random perturbation,
PBT with the model-based (PB2-style) explore, hypersweep's TPE with ASHA (trials of up to
``total`` steps reporting every interval, run until the step budget is spent), and random
search whose configurations keep their hyperparameters fixed for the whole training.

    nice python benchmarks/pbt.py --seeds 7 --out benchmarks/results/pbt.txt   # seeds 3-9
    nice python benchmarks/pbt.py --quick                                      # 2 seeds

Seeds 0-2 and 10-15 were used to choose defaults and the task; the published table uses
seeds 3-9. Parts can run in parallel (``--methods``, ``--first-seed``, ``--runs part.jsonl``)
and be joined with ``--merge part1.jsonl part2.jsonl ... --out ...``.
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
from hypersweep.pbt import model as pbt_model

torch.set_num_threads(1)


Outcome = tuple[float, float, float]  # validation score, test score, test accuracy


@dataclass(frozen=True)
class Problem:
    name: str
    space: dict[str, Any]
    population: int
    interval: int
    total: int
    train: Callable[[Any, Any], float]  # the PBT train function
    fixed: Callable[[Any, int, Callable[[int, float], None]], Outcome]
    test_of: Callable[[Path], tuple[float, float]]  # a checkpoint -> test (score, accuracy)


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


def toy_fixed(config: Any, steps: int, report: Callable[[int, float], None]) -> Outcome:
    theta, done = np.array(TOY_START), 0
    rng = np.random.default_rng(int(torch.randint(0, 2**31, ())))
    while done < steps:
        n = min(4, steps - done)
        theta, done = toy_steps(theta, toy_h(config), n, rng), done + n
        report(done, toy_q(theta))
    return toy_q(theta), toy_q(theta), math.nan


def toy_test(path: Path) -> tuple[float, float]:
    return toy_q(np.array(json.loads((path / "theta.json").read_text()))), math.nan


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
BATCH = 16  # small batches: the gradient noise a large learning rate keeps must be annealed


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


def evaluate(model: torch.nn.Module, split: str = "v") -> tuple[float, float]:
    """(log-likelihood per example, accuracy) on a split: the score is the negative
    cross-entropy, which a noisy or overfitted model loses long before its accuracy moves."""
    model.eval()
    with torch.no_grad():
        out = model(DATA["x" + split])
        loss = torch.nn.functional.cross_entropy(out, DATA["y" + split])
        acc = (out.argmax(1) == DATA["y" + split]).float().mean()
    score = -float(loss)
    return (score if math.isfinite(score) else -100.0), float(acc)


def score(model: torch.nn.Module) -> float:
    return evaluate(model)[0]


def digits_fixed(config: Any, steps: int, report: Callable[[int, float], None]) -> Outcome:
    model, opt = build(config)
    done = 0
    while done < steps:
        n = min(DIGITS_INTERVAL, steps - done)
        model.train()
        fit(model, opt, config, n)
        done += n
        report(done, score(model))
    return (score(model), *evaluate(model, "t"))


def digits_test(path: Path) -> tuple[float, float]:
    state = checkpoint.load(path / hsp.STATE)
    model, _ = build({"lr": 0.1, "weight_decay": 0.0, "dropout": 0.0})
    model.load_state_dict(state["model"])
    return evaluate(model, "t")


DIGITS_INTERVAL = 25


def problems(quick: bool) -> list[Problem]:
    weights = {"h0": hs.Float(0.01, 1.0, log=True), "h1": hs.Float(0.01, 1.0, log=True)}
    toy = Problem("toy", weights, 8, 4, 40, toy_train, toy_fixed, toy_test)
    space = {"lr": hs.Float(1e-3, 1.0, log=True), "weight_decay": hs.Float(1e-6, 1e-2, log=True),
             "dropout": hs.Float(0.0, 0.5)}  # fmt: skip
    total = 200 if quick else 400
    dig = Problem("digits", space, 8, DIGITS_INTERVAL, total, hsp.torch_train(build, fit, score),
                  digits_fixed, digits_test)  # fmt: skip
    return [toy, dig]


# --- the methods --------------------------------------------------------------------
Run = tuple[float, float, float, int]  # validation score, test score, test accuracy, steps
PBT_OPTIONS: dict[str, Any] = {}  # --pbt key=value overrides (for choosing defaults)


def run_pbt(p: Problem, seed: int, explore: str) -> Run:
    with tempfile.TemporaryDirectory() as tmp:
        torch.manual_seed(seed)
        options = {"burn_in": p.interval, **PBT_OPTIONS}
        r = pbt.run(p.train, p.space, population=p.population, interval=p.interval,
                    total_steps=p.total, checkpoint_dir=tmp, seed=seed, explore=explore,
                    **options)  # fmt: skip
        return (r.best_score, *p.test_of(r.best_checkpoint), r.steps_used)


def run_tpe_asha(p: Problem, seed: int) -> Run:
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

        val, test, acc = p.fixed(params, p.total, report)
        trial.set_user_attr("test", [test, acc])
        return val

    while used < budget:
        study.optimize(objective, n_more=1)
    best = study.best_trial
    test, acc = (float(x) for x in best.user_attrs["test"])  # (a NaN is stored as "nan")
    return float(best.value or math.nan), test, acc, used


def run_random(p: Problem, seed: int) -> Run:
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    space = hs.Space(p.space)
    results = [p.fixed(space.sample(rng), p.total, lambda s, v: None) for _ in range(p.population)]
    return (*max(results, key=lambda r: r[0]), p.population * p.total)


METHODS: dict[str, Callable[[Problem, int], Run]] = {
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


def cell(xs: tuple[float, ...]) -> str:
    if all(math.isnan(x) for x in xs):
        return "-"
    return f"{statistics.median(xs):.4f} [{min(xs):.4f}, {max(xs):.4f}]"


def option(text: str) -> tuple[str, Any]:
    key, _, value = text.partition("=")
    return key, json.loads(value)


def table(records: list[dict[str, Any]], sizes: dict[str, str]) -> list[str]:
    """The table of a set of runs (one record per problem, method and seed), with paired
    counts: on how many seeds one method's validation score beat another's."""
    lines = []
    for problem in dict.fromkeys(r["problem"] for r in records):
        mine = [r for r in records if r["problem"] == problem]
        seeds = sorted({r["seed"] for r in mine})
        lines += [f"{problem} (seeds {', '.join(map(str, seeds))}): {sizes[problem]}",
                  f"{'method':<22}{'validation score':>28}{'test score':>28}"
                  f"{'test accuracy':>28}{'steps':>7}{'cpu s':>7}"]  # fmt: skip
        by = {m: {r["seed"]: r for r in mine if r["method"] == m} for m in METHODS}
        for name, runs in by.items():
            if runs:
                val, test, acc, steps = zip(*(runs[k]["run"] for k in sorted(runs)))
                cpu = statistics.mean(r["cpu"] for r in runs.values())
                lines.append(f"{name:<22}{cell(val):>28}{cell(test):>28}{cell(acc):>28}"
                             f"{int(statistics.median(steps)):>7}{cpu:>7.1f}")  # fmt: skip
        pairs = [("PBT (random explore)", "TPE + ASHA"), ("PBT (model explore)", "TPE + ASHA"),
                 ("PBT (model explore)", "PBT (random explore)")]  # fmt: skip
        for a, b in pairs:
            common = sorted(set(by[a]) & set(by[b]))
            if common:
                wins = sum(by[a][k]["run"][0] > by[b][k]["run"][0] for k in common)
                tests = sum(by[a][k]["run"][1] > by[b][k]["run"][1] for k in common)
                level = sum(by[a][k]["run"][0] == by[b][k]["run"][0] for k in common)
                lines.append(f"  {a} above {b}: validation on {wins} of {len(common)} seeds "
                             f"(level on {level}), test on {tests} of {len(common)}")  # fmt: skip
        lines += paired(by["PBT (model explore)"], by["PBT (random explore)"])
        lines.append("")
    return lines


def paired(a: dict[int, Any], b: dict[int, Any]) -> list[str]:
    """Means over the common seeds and the paired difference a - b: mean (standard deviation
    over seeds) and each seed's, for the validation (0) and test (1) scores."""
    common = sorted(set(a) & set(b))
    if len(common) < 2:
        return []
    out = []
    for i, what in ((0, "validation"), (1, "test")):
        d = [a[k]["run"][i] - b[k]["run"][i] for k in common]
        if any(math.isnan(x) for x in d) or (i and all(a[k]["run"][0] == a[k]["run"][1]
                                                        for k in common)):  # fmt: skip
            continue  # (no test split: the toy's test score is its validation score)
        mean_a = statistics.mean(a[k]["run"][i] for k in common)
        mean_b = statistics.mean(b[k]["run"][i] for k in common)
        each = " ".join(f"{k}:{x:+.4f}" for k, x in zip(common, d))
        out.append(f"  {what} mean: model explore {mean_a:.4f}, random explore {mean_b:.4f}; "
                   f"paired difference {statistics.mean(d):+.4f} (sd {statistics.stdev(d):.4f}; "
                   f"by seed {each})")  # fmt: skip
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--first-seed", type=int, default=3,
                        help="seeds 0-2 and 10-15 chose the defaults; report on 3-9")  # fmt: skip
    parser.add_argument("--quick", action="store_true", help="2 seeds, 200 digits steps")
    parser.add_argument("--out", type=Path, help="also write the table to this file")
    parser.add_argument("--only", choices=["toy", "digits"], help="run one problem")
    parser.add_argument("--methods", help="comma-separated prefixes of method names")
    parser.add_argument("--pbt", type=option, action="append", default=[],
                        help="a pbt.run argument, e.g. quantile=0.5 (JSON value)")  # fmt: skip
    parser.add_argument("--model", type=option, action="append", default=[],
                        help="a pbt.model constant, e.g. PROPOSALS=8 (JSON value)")  # fmt: skip
    parser.add_argument("--runs", type=Path, help="append each run as a JSON line to this file")
    parser.add_argument("--merge", type=Path, nargs="+",
                        help="no runs: the table of these --runs files")  # fmt: skip
    args = parser.parse_args()
    PBT_OPTIONS.update(dict(args.pbt))
    for key, value in args.model:
        setattr(pbt_model, key, value)
    hs.set_verbosity(0)
    n = 2 if args.quick else args.seeds
    seeds = range(args.first_seed, args.first_seed + n)
    wanted = args.methods.split(",") if args.methods else [""]
    methods = {k: v for k, v in METHODS.items() if any(k.startswith(m) for m in wanted)}
    chosen = [p for p in problems(args.quick) if not args.only or p.name == args.only]
    sizes = {p.name: f"population {p.population}, interval {p.interval}, {p.total} steps per "
                     f"member, budget {p.population * p.total} steps" for p in chosen}  # fmt: skip
    records: list[dict[str, Any]] = []
    if args.merge:
        for path in args.merge:
            records += [json.loads(line) for line in path.read_text().splitlines() if line]
    for p in [] if args.merge else chosen:
        for name, method in methods.items():
            for seed in seeds:
                t0 = time.process_time()
                run = method(p, seed)
                records.append({"problem": p.name, "method": name, "seed": seed, "run": run,
                                "cpu": time.process_time() - t0})  # fmt: skip
                print(f"  {p.name} {name} seed {seed}: {run}", file=sys.stderr, flush=True)
                if args.runs:
                    with args.runs.open("a") as f:
                        f.write(json.dumps(records[-1]) + "\n")
    found = sorted({r["seed"] for r in records})
    title = (f"PBT benchmark: seeds {', '.join(map(str, found))} (0-2, 10-15 chose defaults), "
             f"equal training steps per method; median [min, max] over seeds, and the means "
             f"of the two explores with their paired difference")  # fmt: skip
    text = "\n".join([*header(sys.argv[1:]), title, "", *table(records, sizes)])
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
