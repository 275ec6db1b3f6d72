"""Widening a running study's ranges: does the sampler keep converging?

For each continuous function of the shipped suite (``hypersweep.harness.problems``) and
seed, two studies of ``--trials`` trials:

- unchanged: the suite's box from the first trial to the last;
- widened: the first ``--widen-at`` trials on a narrower box (each range cut to 60% of
  its width, placed at random but holding the optimum: a sensible first guess that
  turned out too tight), then the study is reopened with the suite's box
  (``create_study(..., load_if_exists=True, space=wider)``, a new sampler object, as a
  user restarting would) and continues to ``--trials``.

The widened study keeps its first trials (the samplers model those that fit the new
space), so it should be no worse than the unchanged one at equal trials. Figures: the
median over seeds of log10 regret at each budget, the seeds where widened <= unchanged,
and a paired Wilcoxon p-value. Runs are cached in ``benchmarks/.cache/widening/``.

    nice python benchmarks/widening.py --samplers tpe,evolution,qmc
    nice python benchmarks/widening.py --samplers gp --trials 60 --widen-at 30
    python benchmarks/widening.py --table > benchmarks/results/widening.txt
"""

from __future__ import annotations

import argparse
import json
import math
import os
import time
import zlib
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

import hypersweep as hs
from hypersweep.harness import problems
from hypersweep.storage import MemoryStorage

CACHE = Path(__file__).parent / ".cache" / "widening"
SYNTHETIC = ["branin", "hartmann3", "hartmann6", "rosenbrock5", "ackley5", "levy10",
             "styblinski_tang8"]  # fmt: skip
KEEP = 0.6  # the narrow box's share of each range
BOXES = {
    "widened": "60% boxes holding the optimum",
    "missed": "the same, but the first range cut to the 40% away from the optimum",
}


def narrow_box(name: str, seed: int, miss: bool = False) -> dict[str, Any]:
    """The suite's box cut to 60% of each range, at random but around the optimum; with
    ``miss``, the first coordinate's range is the 40% at the end away from the optimum,
    so the first box misses it and the widened study must leave its old trials' region."""
    p = problems.PROBLEMS[name]
    rng = np.random.default_rng((seed, zlib.crc32(name.encode())))
    opt = p.optima[0]
    out = {}
    for key, param in p.space.items():
        width = (param.high - param.low) * KEEP
        lo_min = max(param.low, opt[key] - width)
        lo_max = min(param.high - width, opt[key])
        lo = float(rng.uniform(lo_min, lo_max)) if lo_max > lo_min else lo_min
        out[key] = hs.Float(lo, lo + width)
    if miss:
        key, param = next(iter(p.space.items()))
        width = (param.high - param.low) * 0.4
        far = opt[key] < (param.low + param.high) / 2
        out[key] = hs.Float(param.high - width, param.high) if far else hs.Float(
            param.low, param.low + width)  # fmt: skip
    return out


def sampler(kind: str, seed: int) -> Any:
    return {"tpe": hs.samplers.TPE, "gp": hs.samplers.GP, "qmc": hs.samplers.QMC,
            "evolution": hs.samplers.Evolution}[kind](seed=seed)  # fmt: skip


def run_one(kind: str, name: str, seed: int, arm: str, n: int, at: int) -> list[float]:
    path = CACHE / f"{kind}-{name}-{seed}-{arm}-{at}-{n}.json"
    if path.exists():
        return list(json.loads(path.read_text()))
    p = problems.PROBLEMS[name]
    store = MemoryStorage()
    if arm == "unchanged":
        study = hs.create_study("s", storage=store, space=p.space, sampler=sampler(kind, seed))
        study.optimize(p.objective, n_trials=n)
    else:
        box = narrow_box(name, seed, miss=arm == "missed")
        study = hs.create_study("s", storage=store, space=box,
                                sampler=sampler(kind, seed))  # fmt: skip
        study.optimize(p.objective, n_trials=at)
        study = hs.create_study("s", storage=store, space=p.space, load_if_exists=True,
                                sampler=sampler(kind, seed))  # fmt: skip
        assert study.system_attrs["space_changes"][0]["at_trial"] == at
        study.optimize(p.objective, n_trials=n)
    values = [float(t.value) for t in sorted(study.trials, key=lambda t: t.number)]
    CACHE.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(values))
    return values


def regret(name: str, values: list[float], n: int) -> float:
    opt = float(problems.PROBLEMS[name].optimum)  # type: ignore[arg-type]
    return math.log10(max(min(values[:n]) - opt, 1e-12))


def table(
    kinds: list[str], names: list[str], seeds: list[int], n: int, at: int, arm: str = "widened"
) -> str:
    from scipy.stats import wilcoxon

    budgets = sorted({at, at + (n - at) // 4, at + (n - at) // 2, n})
    lines = [f"{arm} at trial {at} ({BOXES[arm]} -> the suite's box), "
             f"{len(seeds)} seeds; median log10 regret; ok = seeds where widened <= "
             f"unchanged; p: paired Wilcoxon; the {arm} column is the changed study",
             ""]  # fmt: skip
    head = (
        f"{'sampler':9} {'problem':17} {'n':>4} {'unchanged':>9} {'widened':>8} {'ok':>6} {'p':>6}"
    )
    lines += [head, "-" * len(head)]
    worse = 0
    for kind in kinds:
        for name in names:
            got = {}
            for s in seeds:
                files = [CACHE / f"{kind}-{name}-{s}-{a}-{at}-{n}.json" for a in
                         ("unchanged", arm)]  # fmt: skip
                if all(f.exists() for f in files):
                    got[s] = [json.loads(f.read_text()) for f in files]
            if len(got) < 3:
                continue
            for b in budgets:
                u = np.array([regret(name, v[0], b) for v in got.values()])
                w = np.array([regret(name, v[1], b) for v in got.values()])
                p = float(wilcoxon(w, u).pvalue) if np.any(w != u) else 1.0
                flag = "  WORSE" if p < 0.05 and np.median(w) > np.median(u) else ""
                worse += bool(flag) and b > at
                lines.append(f"{kind:9} {name:17} {b:4d} {np.median(u):9.3f} {np.median(w):8.3f} "
                             f"{int(np.sum(w <= u)):3d}/{len(u):<2d} {p:6.3f}{flag}")  # fmt: skip
        lines.append("")
    lines.append(f"rows after the widening where widened is worse at p < 0.05: {worse}")
    if arm == "missed":
        lines += ["", *restart_rows(kinds, names, seeds, n, at)]
    return "\n".join(lines)


def restart_rows(
    kinds: list[str], names: list[str], seeds: list[int], n: int, at: int
) -> list[str]:
    """The missed study at ``n`` against a restart: its first ``at`` trials, then a new
    study on the suite's box (the same seed's unchanged run's first n - at trials)."""
    from scipy.stats import wilcoxon

    out = [f"missed study at {n} trials against a restart after trial {at} (median log10 "
           "regret; ok = seeds where keeping the trials is at least as good)"]  # fmt: skip
    for kind in kinds:
        for name in names:
            kept, fresh = [], []
            for s in seeds:
                fm = CACHE / f"{kind}-{name}-{s}-missed-{at}-{n}.json"
                fu = CACHE / f"{kind}-{name}-{s}-unchanged-{at}-{n}.json"
                if fm.exists() and fu.exists():
                    vm, vu = json.loads(fm.read_text()), json.loads(fu.read_text())
                    kept.append(regret(name, vm, n))
                    fresh.append(regret(name, vm[:at] + vu[: n - at], n))
            if len(kept) < 3:
                continue
            k, f = np.array(kept), np.array(fresh)
            p = float(wilcoxon(k, f).pvalue) if np.any(k != f) else 1.0
            out.append(f"{kind:9} {name:17} kept {np.median(k):7.3f} restart {np.median(f):7.3f} "
                       f"ok {int(np.sum(k <= f))}/{len(k)} p {p:.3f}")  # fmt: skip
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--samplers", default="tpe,evolution,qmc")
    ap.add_argument("--problems", default=",".join(SYNTHETIC))
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--trials", type=int, default=200)
    ap.add_argument("--widen-at", type=int, default=100)
    ap.add_argument("--miss", action="store_true", help="also: a first box missing the optimum")
    ap.add_argument("--table", action="store_true")
    a = ap.parse_args()
    kinds, names, seeds = a.samplers.split(","), a.problems.split(","), list(range(a.seeds))
    if a.table:
        print(table(kinds, names, seeds, a.trials, a.widen_at, "missed" if a.miss else "widened"))
        return
    hs.set_verbosity(0)
    for name in names:
        for seed in seeds:
            for kind in kinds:
                for arm in ("unchanged", "widened", *(["missed"] if a.miss else [])):
                    t0 = time.process_time()
                    v = run_one(kind, name, seed, arm, a.trials, a.widen_at)
                    print(f"{kind} {name} {seed} {arm}: {regret(name, v, a.trials):.3f} "
                          f"cpu {time.process_time() - t0:.1f}s", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
