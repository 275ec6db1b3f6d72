"""TPE's own cost per trial (ask + suggest + tell), hypersweep vs optuna 5, side by side.

The two TPE spaces of ``benchmarks/overhead.py`` (define-by-run: 10 floats and a
categorical suggested in the objective; static: 12 floats), timed the same way:
CPU seconds of this process per trial over the last ``--window`` trials of N,
median of ``--repeats`` runs. At 10,000 trials optuna is run only with ``--optuna-long``
(its TPE takes hours there); the growth column is hypersweep's cost at 10,000
divided by its cost at 1,000 (target: at most 1.5).

    python benchmarks/tpe_cost.py                  # 1,000 and 10,000, 3 repeats
    python benchmarks/tpe_cost.py --sizes 1000 --repeats 5
"""

from __future__ import annotations

import argparse
import statistics

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
    args = parser.parse_args(argv)
    hs.set_verbosity(0)
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


if __name__ == "__main__":
    main()
