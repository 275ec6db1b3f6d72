"""Warm start: TPE and GP with ``prior_studies`` against the same samplers cold.

Related tasks, each with an earlier study (100 TPE trials, another seed) to learn from:

- a shifted and scaled copy of each continuous function of the shipped suite
  (``hypersweep.harness.problems``): f_new(x) = 3 f(x - s) + 7, s moving every
  coordinate by 10% of its range (towards the side that keeps the optimum inside), warm
  from a study of the original f; the values are on another scale on purpose;
- an RBF SVC (C, gamma, class_weight; features standardised, 3-fold CV error) tuned on
  wine warm from digits (500 rows), and on breast cancer warm from wine.

Figures: the median over seeds of log10 regret (the CV error for the SVC tasks) at 20,
50 and 100 trials, warm and cold, the number of seeds where warm is lower, and a
paired Wilcoxon p-value. Each run is cached in ``benchmarks/.cache/warm_start/``, so an
interrupted run resumes; the prior studies live in one SQLite file there and are read
through ``(storage, name)`` pairs.

    nice python benchmarks/warm_start.py --samplers tpe --trials 100
    nice python benchmarks/warm_start.py --samplers gp --trials 50
    python benchmarks/warm_start.py --table > benchmarks/results/warm_start.txt
"""

from __future__ import annotations

import argparse
import json
import math
import os
import time
from functools import lru_cache
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

import hypersweep as hs
from hypersweep.harness import problems

CACHE = Path(__file__).parent / ".cache" / "warm_start"
PRIORS = f"sqlite:///{CACHE / 'priors.db'}"
SYNTHETIC = ["branin", "hartmann3", "hartmann6", "rosenbrock5", "ackley5", "levy10",
             "styblinski_tang8"]  # fmt: skip
ML = {"svc_wine": ("wine", "digits"), "svc_cancer": ("cancer", "wine")}
BUDGETS = (20, 50, 100)
SCALE, OFFSET, MOVE = 3.0, 7.0, 0.10
N_PRIOR = 100


# --- tasks ----------------------------------------------------------------------------
class Shifted:
    """3 f(x - s) + 7 over the original box (picklable)."""

    def __init__(self, name: str) -> None:
        p = problems.PROBLEMS[name]
        self.base = p.objective
        self.shift = {}
        opt = p.optima[0]
        for key, param in p.space.items():
            s = MOVE * (param.high - param.low)
            self.shift[key] = s if opt[key] + s <= param.high else -s

    def __call__(self, params: dict[str, float]) -> float:
        moved = {k: v - self.shift[k] for k, v in params.items()}
        return SCALE * self.base(moved) + OFFSET


@lru_cache(maxsize=4)
def _folds(data: str) -> list[tuple[Any, Any, Any, Any]]:
    from sklearn import datasets
    from sklearn.model_selection import StratifiedKFold
    from sklearn.preprocessing import StandardScaler

    load = {"digits": datasets.load_digits, "wine": datasets.load_wine,
            "cancer": datasets.load_breast_cancer}[data]  # fmt: skip
    x, y = load(return_X_y=True)
    if data == "digits":
        pick = np.random.default_rng(0).permutation(len(x))[:500]
        x, y = x[pick], y[pick]
    out = []
    for tr, te in StratifiedKFold(3, shuffle=True, random_state=0).split(x, y):
        sc = StandardScaler().fit(x[tr])
        out.append((sc.transform(x[tr]), y[tr], sc.transform(x[te]), y[te]))
    return out


class SVCError:
    def __init__(self, data: str) -> None:
        self.data = data

    def __call__(self, params: dict[str, Any]) -> float:
        from sklearn.svm import SVC

        errs = []
        for xt, yt, xv, yv in _folds(self.data):
            m = SVC(C=params["C"], gamma=params["gamma"], class_weight=params["class_weight"])
            errs.append(1.0 - m.fit(xt, yt).score(xv, yv))
        return float(np.mean(errs))


SVC_SPACE = {"C": hs.Float(1e-2, 1e3, log=True), "gamma": hs.Float(1e-5, 1.0, log=True),
             "class_weight": hs.Categorical([None, "balanced"])}  # fmt: skip


def task(name: str) -> tuple[Any, Any, Any, float | None]:
    """(space, new objective, prior objective, optimum of the new one or None)."""
    if name in ML:
        new, old = ML[name]
        return SVC_SPACE, SVCError(new), SVCError(old), None
    p = problems.PROBLEMS[name]
    return p.space, Shifted(name), p.objective, SCALE * float(p.optimum) + OFFSET  # type: ignore[arg-type]


def prior_name(name: str, seed: int) -> str:
    return f"{name}-prior-{seed}"


def make_priors(names: list[str], seeds: list[int]) -> None:
    """One earlier study per (task, seed): 100 TPE trials on the related task."""
    CACHE.mkdir(parents=True, exist_ok=True)
    have = set(hs.list_studies(PRIORS)) if (CACHE / "priors.db").exists() else set()
    for name in names:
        space, _, old, _ = task(name)
        for seed in seeds:
            study = prior_name(name, seed)
            if study in have:
                continue
            s = hs.create_study(study, storage=PRIORS, space=space,
                                sampler=hs.samplers.TPE(seed=10_000 + seed))  # fmt: skip
            s.optimize(old, n_trials=N_PRIOR)


# --- runs -----------------------------------------------------------------------------
def run_one(sampler: str, name: str, seed: int, warm: bool, n_trials: int) -> dict[str, Any]:
    path = CACHE / f"{sampler}-{name}-{seed}-{'warm' if warm else 'cold'}-{n_trials}.json"
    if path.exists():
        return dict(json.loads(path.read_text()))
    space, new, _, _ = task(name)
    prior = [(PRIORS, prior_name(name, seed))] if warm else None
    cls = {"tpe": hs.samplers.TPE, "gp": hs.samplers.GP}[sampler]
    t0 = time.process_time()
    r = hs.minimize(new, space, sampler=cls(seed=seed, prior_studies=prior), n_trials=n_trials,
                    verbosity=0)  # fmt: skip
    values = [t.value for t in r.trials]
    out = {"values": values, "cpu": time.process_time() - t0}
    path.write_text(json.dumps(out))
    return out


def best_at(values: list[float], n: int) -> float:
    return float(np.min(values[:n]))


def score(name: str, best: float) -> float:
    opt = task(name)[3]
    if opt is None:
        return best
    return math.log10(max((best - opt) / SCALE, 1e-12))


# --- table ----------------------------------------------------------------------------
def table(samplers: list[str], names: list[str], seeds: list[int]) -> str:
    from scipy.stats import wilcoxon

    lines = ["median over seeds: log10 regret (svc_*: 3-fold CV error); wins = seeds where "
             "warm < cold; p: paired Wilcoxon", ""]  # fmt: skip
    head = (
        f"{'sampler':7} {'task':17} {'n':>4} {'cold':>8} {'warm':>8} {'wins':>6} {'p':>6}  verdict"
    )
    lines += [head, "-" * len(head)]
    tally: dict[tuple[str, int], list[int]] = {}
    for smp in samplers:
        for name in names:
            for n in BUDGETS:
                files = [CACHE / f"{smp}-{name}-{s}-{k}-" for s in seeds for k in ("warm", "cold")]
                runs = {}
                for f in files:
                    found = sorted(f.parent.glob(f.name + "*.json"))
                    found = [g for g in found if int(g.stem.rsplit("-", 1)[1]) >= n]
                    if found:
                        runs[f.name] = json.loads(found[0].read_text())["values"]
                pairs = [(runs.get(f"{smp}-{name}-{s}-warm-"), runs.get(f"{smp}-{name}-{s}-cold-"))
                         for s in seeds]  # fmt: skip
                pairs = [(w, c) for w, c in pairs if w is not None and c is not None]
                if len(pairs) < 3:
                    continue
                w = np.array([score(name, best_at(a, n)) for a, _ in pairs])
                c = np.array([score(name, best_at(b, n)) for _, b in pairs])
                wins = int(np.sum(w < c))
                p = float(wilcoxon(w, c).pvalue) if np.any(w != c) else 1.0
                verdict = "better" if p < 0.05 and np.median(w) < np.median(c) else (
                    "WORSE" if p < 0.05 else "even")  # fmt: skip
                tally.setdefault((smp, n), [0, 0, 0])[
                    ("better", "even", "WORSE").index(verdict)
                ] += 1
                lines.append(f"{smp:7} {name:17} {n:4d} {np.median(c):8.3f} {np.median(w):8.3f} "
                             f"{wins:3d}/{len(pairs):<2d} {p:6.3f}  {verdict}")  # fmt: skip
        lines.append("")
    lines.append("tally (better / even / worse at p < 0.05):")
    for (smp, n), (b, e, wo) in sorted(tally.items()):
        lines.append(f"  {smp} at {n:3d} trials: {b} / {e} / {wo}")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--samplers", default="tpe,gp")
    ap.add_argument("--tasks", default=",".join(SYNTHETIC + list(ML)))
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--trials", type=int, default=100)
    ap.add_argument("--table", action="store_true", help="print the table of cached runs")
    ap.add_argument("--priors-only", action="store_true")
    a = ap.parse_args()
    samplers, names = a.samplers.split(","), a.tasks.split(",")
    seeds = list(range(a.seeds))
    if a.table:
        print(table(samplers, names, seeds))
        return
    hs.set_verbosity(0)
    make_priors(names, seeds)
    if a.priors_only:
        return
    for name in names:
        for seed in seeds:
            for smp in samplers:
                for warm in (False, True):
                    r = run_one(smp, name, seed, warm, a.trials)
                    print(f"{smp} {name} seed {seed} {'warm' if warm else 'cold'}: "
                          f"best {min(r['values']):.4g} cpu {r['cpu']:.1f}s",
                          flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
