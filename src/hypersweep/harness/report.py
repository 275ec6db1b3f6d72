"""Tables from benchmark results: median log10 simple regret per problem and method.

The score of a run at budget B is log10(best-so-far after B trials - optimum),
floored at 1e-12 (a run that finds the optimum to machine precision should not
dominate the median). Problems without a known optimum (the ML task) are scored
by their raw best value, which ranks the methods the same way. Methods are
ranked per problem by median score (ties share the mean rank), then the ranks
are averaged over problems. A run shorter than a budget (a slow peer run at a
smaller budget and merged, or one stopped by a timeout) is left out at that budget,
not scored on fewer trials.
"""

from __future__ import annotations

import csv
import io
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from .problems import PROBLEMS
from .runner import Results, RunResult

REGRET_FLOOR = 1e-12
_SHORT = {"hypersweep": "hs", "optuna": "op", "hyperopt": "ho"}


@dataclass(frozen=True)
class Cell:
    """Median and quartiles of the scores of one (problem, method) over seeds."""

    median: float
    q1: float
    q3: float
    n: int  # runs that produced a score
    failed: int  # runs that errored or produced no finite value


def best_so_far(values: Sequence[float], budget: int) -> float:
    finite = [v for v in values[:budget] if not math.isnan(v)]
    return min(finite) if finite else math.nan


def score(problem: str, best: float) -> float:
    """log10 simple regret, or the raw value when the optimum is unknown."""
    optimum = PROBLEMS[problem].optimum if problem in PROBLEMS else None
    if math.isnan(best) or optimum is None:
        return best
    return math.log10(max(best - optimum, REGRET_FLOOR))


def _quartiles(xs: list[float]) -> tuple[float, float, float]:
    if len(xs) < 2:
        return xs[0], xs[0], xs[0]
    q1, q2, q3 = statistics.quantiles(xs, n=4, method="inclusive")
    return q2, q1, q3


def cells(results: Results, budget: int) -> dict[tuple[str, str], Cell]:
    """(problem, method) -> Cell at ``budget``, for every pair that ran."""
    groups: dict[tuple[str, str], list[RunResult]] = {}
    for run in results.runs:
        if run.error is None and len(run.values) < budget:
            continue  # it never got there
        groups.setdefault((run.problem, run.method), []).append(run)
    out = {}
    for key, runs in groups.items():
        scores = [score(key[0], best_so_far(r.values, budget)) for r in runs]
        finite = sorted(s for s in scores if not math.isnan(s))
        if finite:
            med, q1, q3 = _quartiles(finite)
            out[key] = Cell(med, q1, q3, len(finite), len(runs) - len(finite))
        else:
            out[key] = Cell(math.nan, math.nan, math.nan, 0, len(runs))
    return out


def _rank(values: list[float]) -> list[float]:
    """Ranks from 1 (smallest); ties share the mean of their ranks."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def mean_ranks(results: Results, budget: int) -> dict[str, float]:
    """Each method's rank per problem (by median score), averaged over the problems."""
    table = cells(results, budget)
    methods = ran_methods(results, budget)
    per_method: dict[str, list[float]] = {m: [] for m in methods}
    for problem in results.problems:
        present = [m for m in methods if not math.isnan(table.get((problem, m), _NAN).median)]
        for m, r in zip(present, _rank([table[(problem, m)].median for m in present])):
            per_method[m].append(r)
    return {m: statistics.fmean(r) if r else math.nan for m, r in per_method.items()}


_NAN = Cell(math.nan, math.nan, math.nan, 0, 0)


def ran_methods(results: Results, budget: int = 0) -> list[str]:
    """The methods with a run (at least ``budget`` trials long, or failed)."""
    ran = {r.method for r in results.runs if r.error is not None or len(r.values) >= budget}
    return [m for m in results.methods if m in ran]


def short(method: str) -> str:
    library, name = method.split(":", 1)
    return f"{_SHORT.get(library, library)}:{name}"


def format_table(results: Results, budget: int, *, iqr: bool = False) -> str:
    """Fixed-width text: problems x methods, best per row marked *, mean ranks below."""
    table = cells(results, budget)
    methods = ran_methods(results, budget)
    ranks = mean_ranks(results, budget)
    labels = {p: p + (" (raw)" if _raw(p) else "") for p in results.problems}
    rows = []
    for problem in results.problems:
        row = [table.get((problem, m), _NAN) for m in methods]
        best = min((c.median for c in row if not math.isnan(c.median)), default=math.nan)
        rows.append([_cell_text(c, c.median == best, iqr, _raw(problem)) for c in row])
    heads = [short(m) for m in methods]
    widths = [max(len(t) for t in [h, *(row[j] for row in rows)]) + 2 for j, h in enumerate(heads)]
    name_w = max(len(p) for p in [*labels.values(), "mean rank"])
    lines = [
        f"Median log10 simple regret after {budget} trials ({_seed_counts(results)}); "
        "* = best in row",
        "problem".ljust(name_w) + "".join(h.rjust(w) for h, w in zip(heads, widths)),
    ]
    rule = "-" * len(lines[-1])
    lines.append(rule)
    for problem, texts in zip(results.problems, rows):
        lines.append(
            labels[problem].ljust(name_w) + "".join(t.rjust(w) for t, w in zip(texts, widths))
        )
    lines.append(rule)
    lines.append(
        "mean rank".ljust(name_w)
        + "".join(f"{ranks[m]:.2f} ".rjust(w) for m, w in zip(methods, widths))
    )
    return "\n".join(lines)


def _seed_counts(results: Results) -> str:
    """ "10 seeds", or "10 seeds; op:gp 3" when merged runs differ (a median of 3 is noisier)."""
    seeds: dict[str, set[int]] = {}
    for r in results.runs:
        seeds.setdefault(r.method, set()).add(r.seed)
    counts = {m: len(s) for m, s in seeds.items()}
    common = max(counts.values(), key=list(counts.values()).count, default=len(results.seeds))
    odd = [f"{short(m)} {n}" for m, n in counts.items() if n != common]
    return f"{common} seeds" + (f"; {', '.join(odd)}" if odd else "")


def _raw(problem: str) -> bool:
    return problem in PROBLEMS and PROBLEMS[problem].optimum is None


def _cell_text(cell: Cell, best: bool, iqr: bool, raw: bool) -> str:
    if math.isnan(cell.median):
        return "failed" if cell.failed else "-"
    fmt = ".3g" if raw else ".2f"  # raw CV errors are small numbers
    text = f"{cell.median:{fmt}}{'*' if best else ' '}"
    if iqr:
        text += f" [{cell.q1:{fmt}},{cell.q3:{fmt}}]"
    if cell.failed:
        text += f"!{cell.failed}"
    return text


def notes(results: Results) -> str:
    """What the abbreviations mean, what was skipped or failed, and the raw-value rows."""
    from .runner import METHODS

    out = [f"{short(m):<18} {m}: {METHODS.get(m, '')}" for m in ran_methods(results)]
    for problem in results.problems:
        p = PROBLEMS.get(problem)
        if p is not None and p.optimum is None:
            out.append(f"{problem} (raw): median best value, not regret: {p.note}")
    for method, why in results.skipped.items():
        out.append(f"skipped {method}: {why}")
    errors = [r for r in results.runs if r.error]
    if errors:
        out.append(f"{len(errors)} runs failed (a cell's !k counts them), e.g. "
                   f"{errors[0].problem} {errors[0].method}: {errors[0].error}")  # fmt: skip
    return "\n".join(out)


def format_report(results: Results, *, iqr: bool = False) -> str:
    tables = [format_table(results, b, iqr=iqr) for b in results.budgets]
    minutes = results.wall_seconds / 60
    parts = [*tables, format_ranks(results), format_times(results), notes(results)]
    return "\n\n".join([*parts, f"wall time: {minutes:.1f} min"])


def format_ranks(results: Results) -> str:
    """Mean rank per method and budget in one table ("-": no run that long)."""
    methods = ran_methods(results)
    ranks = {b: mean_ranks(results, b) for b in results.budgets}
    width = max(len(short(m)) for m in methods) if methods else 6
    lines = ["mean rank by budget (ranked among the methods that ran that long)",
             "method".ljust(width) + "".join(f"{b:>8}" for b in results.budgets)]  # fmt: skip
    for m in sorted(methods, key=lambda m: statistics.fmean(_finite(ranks, m) or [math.inf])):
        cells_ = [ranks[b].get(m, math.nan) for b in results.budgets]
        texts = ["-" if math.isnan(r) else f"{r:.2f}" for r in cells_]
        lines.append(short(m).ljust(width) + "".join(f"{t:>8}" for t in texts))
    return "\n".join(lines)


def _finite(ranks: dict[int, dict[str, float]], method: str) -> list[float]:
    return [r[method] for r in ranks.values() if not math.isnan(r.get(method, math.nan))]


def format_times(results: Results) -> str:
    """CPU seconds per method: the total and the median run (at its own length)."""
    per: dict[str, list[RunResult]] = {}
    for r in results.runs:
        per.setdefault(r.method, []).append(r)
    lines = ["CPU seconds per method (objective included; a peer's driver counted)",
             f"{'method':<18}{'runs':>6}{'trials':>8}{'median':>10}{'total':>10}"]  # fmt: skip
    for m in ran_methods(results):
        runs = per[m]
        cpu = [r.cpu_seconds if not math.isnan(r.cpu_seconds) else r.seconds for r in runs]
        longest = max(len(r.values) for r in runs)
        lines.append(f"{short(m):<18}{len(runs):>6}{longest:>8}"
                     f"{statistics.median(cpu):>10.1f}{sum(cpu):>10.1f}")  # fmt: skip
    return "\n".join(lines)


def format_overhead(times: dict[str, float | str], n: int = 1000, window: int = 100) -> str:
    lines = [f"ask + tell per trial (ms) at {n} trials, 12-D continuous, last {window} trials,"
             " median of runs"]  # fmt: skip
    for method, value in times.items():
        text = f"{1000 * value:10.2f}" if isinstance(value, float) else f"  skipped: {value}"
        lines.append(f"{method:<24}{text}")
    return "\n".join(lines)


def to_csv(results: Results) -> str:
    """One row per (problem, method, seed, budget): best value, score, seconds, error."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["problem", "method", "seed", "budget", "best", "score", "seconds", "error"])
    for r in results.runs:
        for b in results.budgets:
            best = best_so_far(r.values, b)
            writer.writerow([r.problem, r.method, r.seed, b, best, score(r.problem, best),
                             round(r.seconds, 3), r.error or ""])  # fmt: skip
    return out.getvalue()
