"""Simulated learning curves for choosing TPE's multi-fidelity settings.

``python benchmarks/pruning.py --synthetic`` runs these: many seeds in seconds,
each TPE variant (``tpe_variants.VariantTPE``) paired by seed against the first
row of its block.
"""

from __future__ import annotations

import math
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

import hypersweep as hs
from hypersweep._stats import mean_std

sys.path.insert(0, str(Path(__file__).resolve().parent))
import tpe_variants
from pruning import Counter, Run, config_key, space


def synthetic_curve(params: dict[str, Any], step: int, seed: int) -> float:
    """Simulated validation accuracy after ``step`` epochs.

    The final error is a bowl in log lr (its optimum moves with the batch size),
    hidden units, dropout and weight decay; the convergence time shrinks with the
    learning rate and grows with dropout, so early ranks partly mislead (fast,
    mediocre configurations lead at first), as on real learning curves; plus
    seeded per-step noise.
    """
    u = math.log10(params["lr"])
    u_best = -2.6 + 0.3 * math.log2(params["batch_size"] / 32)
    final_err = (
        0.02
        + 0.05 * (u - u_best) ** 2
        + 0.01 * math.log2(params["hidden"] / 128) ** 2
        + 0.2 * (params["dropout"] - 0.15) ** 2
        + 0.004 * (math.log10(params["weight_decay"]) + 4) ** 2
    )
    tau = (1.0 + 2.0 * params["dropout"]) * 0.6 * 10 ** (-(u + 1.0) * 0.6)
    noise = np.random.default_rng((seed, step, config_key(params)))
    err = final_err + (0.9 - final_err) * math.exp(-step / tau) + noise.normal(0, 0.004)
    return 1.0 - err


def synthetic_study(
    pruner: hs.pruners.Pruner, seed: int, n_trials: int, epochs: int, tweak: dict[str, Any]
) -> Run:
    tpe = tpe_variants.make(seed, tweak)
    counter = Counter()

    def objective(params: dict[str, Any], trial: hs.Trial) -> float:
        acc = 0.0
        for step in range(1, epochs + 1):
            acc = synthetic_curve(params, step, seed)
            counter.epochs += 1
            trial.report(acc, step)
            if trial.should_prune():
                raise hs.TrialPruned()
        return acc

    study = hs.create_study(direction="maximize", space=space(), sampler=tpe, pruner=pruner)
    start = time.perf_counter()
    study.optimize(objective, n_trials, show_progress=False)
    n_pruned = sum(t.state is hs.TrialState.PRUNED for t in study.trials)
    return Run(counter.epochs, time.perf_counter() - start, float(study.best_value or 0), n_pruned)


SYNTHETIC_VARIANTS: dict[str, dict[str, Any]] = {
    "optuna's rule (pruned below completed)": {"multi_fidelity": False},
    "rungs, min count = n_good": {"mf_min_count": "ngood"},
    "rungs, min count = 2 n_good": {"mf_min_count": "2ngood"},
    "rungs, min count = dims + 2 (BOHB)": {"mf_min_count": "bohb"},
}


def run_synthetic(seeds: int, n_trials: int, epochs: int, only: str | None = None) -> str:
    """Each variant against the first of its block, paired by seed (same seed, same
    startup trials): mean difference of best accuracy with its standard error."""
    old = {"optuna's rule (pruned below completed)": {"multi_fidelity": False}}
    setups: list[tuple[str, Callable[[], hs.pruners.Pruner], dict[str, dict[str, Any]]]] = [
        ("no pruning", lambda: hs.pruners.NoPruning(), {"TPE": {}}),
        (
            "ASHA(reduction_factor=3)",
            lambda: hs.pruners.ASHA(reduction_factor=3),
            SYNTHETIC_VARIANTS,
        ),
        (
            "Hyperband",
            lambda: hs.pruners.Hyperband(max_resource=epochs),
            {
                **SYNTHETIC_VARIANTS,
                "rungs per bracket (optuna's split), n_good": {"mf_per_bracket": True},
            },
        ),
        (
            "Median",
            lambda: hs.pruners.Median(),
            {**old, "every reported step as a budget, n_good": {"mf_steps": True}},
        ),
    ]
    for mr, rf in ((1, 3), (2, 3), (3, 3), (1, 4), (2, 4), (1, 2)):
        setups.append((
            f"ASHA(min_resource={mr}, reduction_factor={rf})",
            lambda mr=mr, rf=rf: hs.pruners.ASHA(min_resource=mr, reduction_factor=rf),
            {"TPE": {}},
        ))  # fmt: skip
    out = [
        f"Synthetic learning curves: {n_trials} trials x up to {epochs} steps, {seeds} seeds. "
        "Best final accuracy (median and mean over seeds), the mean paired difference "
        "against the block's first row (+- standard error; wins/losses), epochs (median)"
    ]
    for name, make, variants in setups:
        if only and only.lower() not in name.lower():
            continue
        out.append(f"{name}:")
        ref: list[float] | None = None
        for label, tweak in variants.items():
            runs = [synthetic_study(make(), s, n_trials, epochs, tweak) for s in range(seeds)]
            best = [r.best for r in runs]
            line = (
                f"  {label:48s} median {100 * statistics.median(best):.3f}%  "
                f"mean {100 * statistics.fmean(best):.3f}%  "
                f"epochs {statistics.median(r.epochs for r in runs):.0f}"
            )
            if ref is None:
                ref = best
            else:
                d = [100 * (a - b) for a, b in zip(best, ref)]
                se = mean_std(d)[1] / math.sqrt(len(d)) if len(d) > 1 else math.nan
                wins, losses = sum(x > 1e-9 for x in d), sum(x < -1e-9 for x in d)
                line += f"  diff {statistics.fmean(d):+.3f} +- {se:.3f} ({wins}/{losses})"
            out.append(line)
            print(out[-1], file=sys.stderr, flush=True)
    return "\n".join(out)
