"""Compare samplers offline: test functions with known optima, a conditional, a mixed and
an ML problem, run by hypersweep's samplers and (when installed) optuna's and hyperopt's.

``hypersweep benchmark`` runs it from the command line; :func:`benchmark` does the
same from Python. Peers and scikit-learn are imported only when a run needs them.

>>> from hypersweep.harness import PROBLEMS
>>> PROBLEMS["branin"].dim, round(PROBLEMS["branin"].optimum, 6)
(2, 0.397887)
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from .problems import PROBLEMS, Problem
from .report import format_overhead, format_report, format_table, mean_ranks, to_csv
from .runner import (
    METHODS,
    OVERHEAD_METHODS,
    Results,
    RunResult,
    available_methods,
    merge,
    overhead,
    print_progress,
    run,
    unavailable,
)

__all__ = [
    "METHODS",
    "OVERHEAD_METHODS",
    "PROBLEMS",
    "Problem",
    "Results",
    "RunResult",
    "available_methods",
    "benchmark",
    "format_overhead",
    "format_report",
    "format_table",
    "mean_ranks",
    "merge",
    "overhead",
    "run",
    "to_csv",
    "unavailable",
]


def benchmark(
    problems: Sequence[str] | None = None,
    methods: Sequence[str] | None = None,
    *,
    seeds: int = 10,
    budgets: Sequence[int] = (50, 100),
    n_jobs: int | None = None,
    timeout: float | None = None,
    with_overhead: bool = False,
    overhead_only: bool = False,
    overhead_repeats: int = 3,
    json_path: str | Path | None = None,
    csv_path: str | Path | None = None,
    iqr: bool = False,
    quiet: bool = False,
    out: TextIO | None = None,
) -> Results | None:
    """Run the suite, print the tables (and overhead) to ``out``; save JSON/CSV if asked.

    ``methods=None`` means every method installed here: hypersweep's samplers alone
    when optuna and hyperopt are missing.
    """
    out = out or sys.stdout
    results = None
    if not overhead_only:
        chosen = list(methods) if methods is not None else available_methods()
        results = run(
            problems, chosen, seeds, budgets, n_jobs=n_jobs, timeout=timeout,
            progress=None if quiet else print_progress,
        )  # fmt: skip
        print(format_report(results, iqr=iqr), file=out, flush=True)
        if json_path:
            Path(json_path).write_text(json.dumps(results.to_dict(), indent=1) + "\n")
        if csv_path:
            Path(csv_path).write_text(to_csv(results))
    if with_overhead or overhead_only:
        if results is not None:
            print(file=out)
        times = overhead(repeats=overhead_repeats)
        print(format_overhead(times), file=out, flush=True)
    return results
