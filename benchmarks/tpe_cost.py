"""TPE's own cost per trial (ask + suggest + tell), hypersweep vs optuna 5, side by side.

The two TPE spaces of ``benchmarks/overhead.py`` (define-by-run: 10 floats and a
categorical suggested in the objective; static: 12 floats), timed the same way:
CPU seconds of this process per trial over the last ``--window`` trials of N,
median of ``--repeats`` runs. At 10,000 trials optuna is run only with ``--optuna-long``
(its TPE takes hours there); the growth column is hypersweep's cost at 10,000
divided by its cost at 1,000 (target: at most 1.5).

    python benchmarks/tpe_cost.py                  # 1,000 and 10,000, 3 repeats
    python benchmarks/tpe_cost.py --sizes 1000 --repeats 5
    python benchmarks/tpe_cost.py --quality 2000 --seeds 4   # summary vs exact model

Past 1,000 rows TPE summarises the bad side (``samplers/tpe/_model.py``); ``--quality N``
runs the functions of ``dev_tpe.py`` for N trials with the summary and with every
kernel (exact), and prints median log10 regret at 1,000, N/2 + 500 and N trials.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing as mp
import statistics

import numpy as np
from overhead import hs_sampler, optuna_sampler  # benchmarks/ is the script's directory

import hypersweep as hs

KINDS = [("tpe", "define-by-run, 11 params"), ("tpe-static", "static, 12 floats")]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--window", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--optuna-long", action="store_true")
    parser.add_argument("--kinds", nargs="+", default=[k for k, _ in KINDS])
    parser.add_argument("--no-optuna", action="store_true", help="hypersweep only")
    parser.add_argument("--quality", type=int, default=0, help="trials per quality run")
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--funcs", nargs="+", default=["hartmann6", "levy10", "styblinski8"])
    parser.add_argument("--procs", type=int, default=2)
    args = parser.parse_args(argv)
    hs.set_verbosity(0)
    if args.quality:
        quality(args.funcs, args.seeds, args.quality, args.procs)
        return
    print(f"TPE ask + suggest + tell, CPU ms per trial over the last {args.window} of N, "
          f"median of {args.repeats}")  # fmt: skip
    header = (f"{'space':<26} {'N':>6} {'hypersweep':>11} {'optuna':>9} {'optuna/hs':>10} "
              f"{'growth':>7}")  # fmt: skip
    print(header)
    print("-" * len(header))
    base: dict[str, float] = {}
    for n in sorted(args.sizes):
        for kind, label in [(k, label) for k, label in KINDS if k in args.kinds]:
            ours = 1000 * statistics.median(
                hs_sampler(kind, n, args.window) for _ in range(args.repeats)
            )
            base.setdefault(kind, ours)
            growth = f"{ours / base[kind]:>6.2f}x" if n > min(args.sizes) else f"{'-':>7}"
            if not args.no_optuna and (n <= 1000 or args.optuna_long):
                theirs = 1000 * statistics.median(
                    optuna_sampler(kind, n, args.window) for _ in range(args.repeats)
                )
                ratio = f"{theirs / ours:>9.1f}x"
                print(f"{label:<26} {n:>6} {ours:>11.3f} {theirs:>9.3f} {ratio} {growth}",
                      flush=True)  # fmt: skip
            else:
                print(f"{label:<26} {n:>6} {ours:>11.3f} {'-':>9} {'-':>10} {growth}", flush=True)


def _run(job: tuple[str, str, int, int]) -> tuple[str, str, int, list[float]]:
    """One TPE run; ``exact`` models every bad row (no summary)."""
    from dev_tpe import run_hs

    from hypersweep.samplers.tpe import _model

    variant, fname, seed, n = job
    if variant == "exact":
        _model.EXACT_ROWS = 10**9
    return variant, fname, seed, run_hs(fname, seed, n, {})


def quality(funcs: list[str], seeds: int, n: int, procs: int) -> None:
    from dev_tpe import problem

    jobs = [(v, f, s, n) for f in funcs for s in range(seeds) for v in ("summary", "exact")]
    with mp.Pool(procs) as pool:
        out = pool.map(_run, jobs, chunksize=1)
    runs = {(v, f, s): values for v, f, s, values in out}
    budgets = [1000, n // 2 + 500, n]
    print(f"median log10 regret over {seeds} seeds (summary / exact), and runs where the "
          f"summary is better / equal / worse at {n} trials")  # fmt: skip
    print(f"{'function':<13}" + "".join(f"{b:>17}" for b in budgets) + f"{'b/e/w':>9}")
    for f in funcs:
        opt = problem(f)[2]

        def reg(v: str, s: int, b: int, f: str = f, opt: float = opt) -> float:
            return math.log10(max(min(runs[(v, f, s)][:b]) - opt, 1e-12))

        cells = [f"{np.median([reg('summary', s, b) for s in range(seeds)]):>8.3f} / "
                 f"{np.median([reg('exact', s, b) for s in range(seeds)]):<6.3f}"
                 for b in budgets]  # fmt: skip
        pairs = [(reg("summary", s, n), reg("exact", s, n)) for s in range(seeds)]
        bew = (sum(a < b for a, b in pairs), sum(a == b for a, b in pairs),
               sum(a > b for a, b in pairs))  # fmt: skip
        print(f"{f:<13}" + "".join(f"{c:>17}" for c in cells) + f"{'/'.join(map(str, bew)):>9}",
              flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
