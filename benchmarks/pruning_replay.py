"""Replay pruning benchmark: every pruner on five learning-curve tasks, paired by seed.

Why a replay is a fair benchmark: a trial's curve depends only on its
configuration and training seed, never on the pruner, so each (task, config,
training seed) is trained once for all epochs (``pruning_tasks.precompute``) and
its curve is replayed epoch by epoch to every study. The objective reports the
same value at the same step as live training would, stops at the same step when
told to prune, and returns the same final score, so samplers and pruners see
exactly the information they would see live; only the CPU is saved. Epochs are
counted as replayed (a pruned trial pays for the epochs it ran).

Cost compromise (a shared 2-core machine): the objective trains on a grid (see
``pruning_tasks.on_grid``) and with ``TRAIN_SEEDS`` training seeds, so a study
seed changes the sampler's draws but several study seeds share curves; the
spread over seeds is the spread of the search, with less training noise than
live runs would have.

Figures per row, over seeds: the paired difference of the best final score
against the same library and sampler without pruning (points: accuracy or R²
times 100; mean, its standard error, worst seed), and the epochs trained as a
share of the unpruned budget (mean).
"""

from __future__ import annotations

import math
import statistics
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hypersweep as hs

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pruning_tasks import TASKS, TRAIN_SEEDS, Config, load_cache, on_grid, save_cache

Curves = dict[tuple[str, Config, int], list[float]]


def hs_pruners(epochs: int) -> dict[str, Callable[[], hs.pruners.Pruner]]:
    """Every hypersweep pruner that applies to an epoch curve, by row name."""
    p = hs.pruners
    rows: dict[str, Callable[[], hs.pruners.Pruner]] = {
        "none": lambda: p.NoPruning(),
        "default": lambda: p.default_pruner(),
        "Median": lambda: p.Median(),
        "ASHA": lambda: p.ASHA(),
        "Hyperband": lambda: p.Hyperband(),
        "Patience(5)": lambda: p.Patience(patience=5),
        "Threshold": lambda: p.Threshold(),
    }
    if hasattr(p, "PairedTest"):
        rows["PairedTest"] = lambda: p.PairedTest()
    # the default before issue 16's rework, kept beside it: 8 complete trials first, the
    # 8 nearest peers by the last value, the best of their moves, no level window, no pace
    rows["Forecast(before)"] = lambda: p.Forecast(
        n_neighbors=8, min_trials=8, window=1, trend=0, quantile=1.0, rungs=(), twins=False
    )
    # the default's parts, one at a time: without the rungs, without twins, and neither
    # (the first rework of issue 16: 6 complete trials, nearest half, window 3, pace)
    rows["Forecast(no rungs)"] = lambda: p.Forecast(rungs=())
    rows["Forecast(no twins)"] = lambda: p.Forecast(twins=False)
    rows["Forecast(rework 1)"] = lambda: p.Forecast(rungs=(), twins=False)
    for name, make in CANDIDATES.items():
        rows[name] = make
    return rows


CANDIDATES: dict[str, Callable[[], hs.pruners.Pruner]] = {}  # filled by --candidates


def optuna_pruners() -> dict[str, Callable[[], Any]]:
    import optuna

    p = optuna.pruners
    return {
        "none": lambda: p.NopPruner(),
        "MedianPruner": lambda: p.MedianPruner(),
        "SuccessiveHalvingPruner": lambda: p.SuccessiveHalvingPruner(),
        "HyperbandPruner": lambda: p.HyperbandPruner(),
        "WilcoxonPruner": lambda: _fast_wilcoxon(p.WilcoxonPruner()),
    }


def _fast_wilcoxon(pruner: Any) -> Any:
    """optuna's WilcoxonPruner, with scipy's normal approximation where scipy would run an
    exact permutation test (tied or zero differences: replayed curves repeat values).
    That path takes minutes per call on 20 steps, which made the row unrunnable; without
    ties scipy's exact test is kept, so only tied cases' p-values are approximate."""
    import numpy as np
    import optuna.pruners._wilcoxon as mod
    import scipy.stats as ss

    class _Stats:
        def __getattr__(self, name: str) -> Any:
            return getattr(ss, name)

        @staticmethod
        def wilcoxon(d: Any, **kw: Any) -> Any:
            a = np.abs(np.asarray(d, dtype=float))
            if np.any(a == 0) or len(np.unique(a)) < len(a):
                kw.setdefault("method", "asymptotic")
            return ss.wilcoxon(d, **kw)

    mod.ss = _Stats()  # type: ignore[assignment]
    return pruner


@dataclass
class Result:
    best: float  # best final score of the study
    epochs: int


@dataclass
class Row:
    lib: str
    sampler: str
    pruner: str
    runs: dict[int, Result] = field(default_factory=dict)  # by seed


def curve_of(task: str, config: Config, seed: int, epochs: int, cache: Curves) -> list[float]:
    """The cached curve of ``config`` snapped onto the task's own grid (the Keras task
    trains width 64 only, so its objective never trains live off the grid)."""
    lr, width, wd = config
    width = min(TASKS[task].widths, key=lambda w: abs(math.log2(w) - math.log2(width)))
    config = (lr, width, wd)
    train = seed % TASKS[task].train_seeds
    key = (task, config, train)
    if key not in cache:
        cache[key] = TASKS[task].curves([config], train, epochs)[0]
    return cache[key]


def run_hs(task: str, sampler: str, pruner: hs.pruners.Pruner, seed: int, n_trials: int,
           epochs: int, cache: Curves) -> Result:  # fmt: skip
    used = [0]
    lo, hi = TASKS[task].lr

    def objective(params: dict[str, Any], trial: hs.Trial) -> float:
        c = curve_of(task, on_grid(params["lr"], params["width"], params["wd"]), seed, epochs,
                     cache)  # fmt: skip
        for step in range(1, epochs + 1):
            used[0] += 1
            trial.report(c[step - 1], step)
            if step < epochs and trial.should_prune():
                raise hs.TrialPruned()
        return c[-1]

    space = {"lr": hs.Float(lo, hi, log=True), "width": hs.Int(32, 128, log=True),
             "wd": hs.Float(1e-5, 1e-3, log=True)}  # fmt: skip
    smp = hs.samplers.TPE(seed=seed) if sampler == "TPE" else hs.samplers.Random(seed=seed)
    study = hs.create_study(direction="maximize", space=space, sampler=smp, pruner=pruner)
    study.optimize(objective, n_trials, show_progress=False)
    return Result(float(study.best_value), used[0])


def run_optuna(task: str, sampler: str, pruner: Any, seed: int, n_trials: int, epochs: int,
               cache: Curves) -> Result:  # fmt: skip
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    used = [0]
    lo, hi = TASKS[task].lr

    def objective(trial: optuna.Trial) -> float:
        config = on_grid(trial.suggest_float("lr", lo, hi, log=True),
                         trial.suggest_int("width", 32, 128, log=True),
                         trial.suggest_float("wd", 1e-5, 1e-3, log=True))  # fmt: skip
        c = curve_of(task, config, seed, epochs, cache)
        for step in range(1, epochs + 1):
            used[0] += 1
            trial.report(c[step - 1], step)
            if step < epochs and trial.should_prune():
                raise optuna.TrialPruned()
        return c[-1]

    smp = (optuna.samplers.TPESampler(seed=seed) if sampler == "TPE"
           else optuna.samplers.RandomSampler(seed=seed))  # fmt: skip
    study = optuna.create_study(direction="maximize", sampler=smp, pruner=pruner)
    study.optimize(objective, n_trials)
    return Result(float(study.best_value), used[0])


def run_replay(tasks: Sequence[str], samplers: Sequence[str], seeds: Sequence[int], n_trials: int,
               epochs: int, cache_path: str | None, only: Sequence[str] | None = None,
               with_optuna: bool = True, save: str | None = None) -> str:  # fmt: skip
    cache: Curves = load_cache(cache_path)
    blocks = []
    all_rows: dict[str, list[Row]] = {}
    for task in tasks:
        rows: list[Row] = []
        for sampler in samplers:
            made = [("hypersweep", n, f) for n, f in hs_pruners(epochs).items()]
            if with_optuna:
                made += [("optuna", n, f) for n, f in optuna_pruners().items()]
            for lib, name, make in made:
                if only and name != "none" and name not in only:
                    continue
                row = Row(lib, sampler, name)
                for seed in seeds:
                    run = run_hs if lib == "hypersweep" else run_optuna
                    row.runs[seed] = run(task, sampler, make(), seed, n_trials, epochs, cache)
                rows.append(row)
                print(f"  {task} {lib} {sampler} {name} done", file=sys.stderr, flush=True)
            save_cache(cache_path, cache)
        all_rows[task] = rows
        blocks.append(task_table(task, rows, n_trials * epochs))
        print(blocks[-1], file=sys.stderr, flush=True)
    if save:
        import pickle

        with open(save, "wb") as f:
            pickle.dump(all_rows, f)
    blocks.extend(summaries(all_rows, n_trials * epochs))
    head = (f"Replay pruning benchmark: {n_trials} trials x {epochs} epochs, seeds "
            f"{seeds[0]}..{seeds[-1]} ({len(seeds)}), {TRAIN_SEEDS} training seed(s). "
            "d acc: best final score minus the same library and sampler's without pruning, "
            "in points (mean +- standard error, worst seed); epochs: % of the unpruned "
            "budget (mean).")  # fmt: skip
    return "\n\n".join([head, *blocks])


HELD_OUT = ("friedman",)  # never used while choosing the default pruner


def combine(paths: Sequence[str]) -> str:
    """The tables of several runs' saved rows (``--save``), e.g. one process per task, or
    one per group of rows of a task (a row already read from an earlier file is kept)."""
    import pickle

    all_rows: dict[str, list[Row]] = {}
    for path in paths:
        with open(path, "rb") as f:
            for task, rows in pickle.load(f).items():
                have = {(r.lib, r.sampler, r.pruner) for r in all_rows.get(task, [])}
                fresh = [r for r in rows if (r.lib, r.sampler, r.pruner) not in have]
                all_rows.setdefault(task, []).extend(fresh)
    for rows in all_rows.values():  # each library and sampler together, "none" first
        rows.sort(key=lambda r: (r.sampler != "TPE", r.lib, r.pruner != "none"))
    blocks = [task_table(t, rows, 0) for t, rows in all_rows.items()]
    return "\n\n".join(blocks + summaries(all_rows, 0))


def summaries(all_rows: dict[str, list[Row]], budget: int) -> list[str]:
    """The overall table of the tuning tasks, the held-out task's apart, and the verdicts."""
    tuned = {t: r for t, r in all_rows.items() if t not in HELD_OUT}
    out = [overall_table(tuned, budget)] if tuned else []
    held = {t: r for t, r in all_rows.items() if t in HELD_OUT}
    if held:
        out.append("Held out (never tuned on): " + overall_table(held, budget))
    out.append(verdicts(all_rows))
    return out


def verdicts(all_rows: dict[str, list[Row]]) -> str:
    """The issue's targets for the default pruner, per task and sampler: at most 0.5
    points lost (paired mean) at no more than 40% of the epochs, and against each optuna
    pruner better on accuracy or epochs without being worse on the other (means)."""
    lines = ["Targets for hypersweep's default (per task and sampler; means over seeds):"]
    for task, rows in all_rows.items():
        for sampler in sorted({r.sampler for r in rows}):
            mine = [r for r in rows if r.sampler == sampler]
            base = {r.lib: r for r in mine if r.pruner == "none"}
            fig = {(r.lib, r.pruner): summary(*paired(r, base[r.lib])) for r in mine}
            if ("hypersweep", "default") not in fig:
                continue
            m, _, _, share = fig["hypersweep", "default"]
            ok = m >= -0.5 and share <= 40.0
            parts = [f"{task} {sampler}: d acc {m:+.2f} at {share:.0f}%: "
                     f"{'met' if ok else 'NOT met'}"]  # fmt: skip
            for (lib, name), (om, _, _, osh) in fig.items():
                if lib != "optuna" or name == "none":
                    continue
                better = (m > om and share <= osh) or (share < osh and m >= om)
                parts.append(f"vs {name.replace('Pruner', '')} {'beats' if better else 'no'}")
            lines.append("  " + ", ".join(parts))
    return "\n".join(lines)


def paired(row: Row, base: Row) -> tuple[list[float], list[float]]:
    seeds = sorted(set(row.runs) & set(base.runs))
    diffs = [100 * (row.runs[s].best - base.runs[s].best) for s in seeds]
    share = [100 * row.runs[s].epochs / base.runs[s].epochs for s in seeds]
    return diffs, share


def summary(diffs: list[float], share: list[float]) -> tuple[float, float, float, float]:
    m = statistics.fmean(diffs)
    se = statistics.stdev(diffs) / math.sqrt(len(diffs)) if len(diffs) > 1 else math.nan
    return m, se, min(diffs), statistics.fmean(share)


def _label(row: Row) -> str:
    return f"{row.lib} {row.sampler} + {row.pruner}"


def task_table(task: str, rows: list[Row], budget: int) -> str:
    base = {(r.lib, r.sampler): r for r in rows if r.pruner == "none"}
    width = max(len(_label(r)) for r in rows)
    lines = [f"{task}: {TASKS[task].about}",
             f"{'setting':{width}s}  {'best':>7s}  {'d acc':>6s} {'+- se':>6s} {'worst':>7s}  "
             f"{'epochs':>6s}"]  # fmt: skip
    for r in rows:
        b = base[(r.lib, r.sampler)]
        m, se, worst, share = summary(*paired(r, b))
        best = statistics.fmean(x.best for x in r.runs.values())
        lines.append(f"{_label(r):{width}s}  {100 * best:7.2f}  {m:+6.2f} {se:6.2f} "
                     f"{worst:+7.2f}  {share:5.1f}%")  # fmt: skip
    return "\n".join(lines)


def overall_table(all_rows: dict[str, list[Row]], budget: int) -> str:
    """Per setting, the mean over tasks of the per-task means, and the worst task."""
    per: dict[str, list[tuple[float, float]]] = {}
    for rows in all_rows.values():
        base = {(r.lib, r.sampler): r for r in rows if r.pruner == "none"}
        for r in rows:
            m, _, _, share = summary(*paired(r, base[(r.lib, r.sampler)]))
            per.setdefault(_label(r), []).append((m, share))
    width = max(len(k) for k in per)
    lines = [
        "Overall (mean over tasks of the per-task means; worst task)",
        f"{'setting':{width}s}  {'d acc':>6s} {'worst':>7s}  {'epochs':>6s} {'max':>6s}",
    ]
    for label, vals in per.items():
        lines.append(f"{label:{width}s}  {statistics.fmean(v[0] for v in vals):+6.2f} "
                     f"{min(v[0] for v in vals):+7.2f}  "
                     f"{statistics.fmean(v[1] for v in vals):5.1f}% "
                     f"{max(v[1] for v in vals):5.1f}%")  # fmt: skip
    return "\n".join(lines)
