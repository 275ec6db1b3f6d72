"""Compare hypersweep's samplers with optuna's and hyperopt's on the shipped benchmark.

Peers: optuna (TPE, GP, CmaEsSampler: needs the ``cmaes`` package), hyperopt, and,
when installed, scikit-optimize's gp_minimize (``skopt:gp``, slow past ~100 trials)
and nevergrad's NGOpt (``nevergrad:ngopt``). HEBO (``hebo:hebo``) and SMAC3
(``smac:hpo``) cannot share hypersweep's environment (HEBO pins numpy < 1.25), so
they run in their own venvs made by ``bash scripts/peer_envs.sh`` (under ``.peers/``
or ``$HYPERSWEEP_PEER_ENVS``), driven over JSON lines while the objective runs here.
Continuous problems run on a box shifted at random per seed
(``hypersweep.harness.problems.shifted``), so no method starts at the optimum.
The tables end with the mean rank by budget and the CPU seconds per method;
``benchmarks/auto_vs_peers.py`` runs the same suite resumably, run by run.

Runs ``hypersweep.harness`` (the same suite as ``hypersweep benchmark``) with
every method installed here, prints the tables of median log10 simple regret and
mean ranks, then ask + tell overhead per trial at 1,000 trials for each TPE. The
raw results (every run's values) go to benchmarks/results/samplers-<time>.json,
which git ignores; print the tables again from one or more of them with --from-json
(later files replace earlier runs of the same problem, method and seed).

    pip install -e '.[benchmark]'                   # optuna, hyperopt, scikit-learn (torch: GP)
    python benchmarks/samplers.py                   # 10 seeds, 50 and 100 trials, everything
    python benchmarks/samplers.py --seeds 3 --problems branin,mixed --no-overhead
    python benchmarks/samplers.py --methods optuna:gp,hypersweep:gp --seeds 3 --budgets 50
    python benchmarks/samplers.py --methods hypersweep:cmaes,optuna:cmaes --budgets 200,1000 \
        --problems branin,hartmann3,hartmann6,rosenbrock5,ackley5,levy10,styblinski_tang8
    python benchmarks/samplers.py --from-json results/samplers-A.json results/samplers-B.json
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from hypersweep.harness import Results, benchmark, format_report, merge

RESULTS = Path(__file__).resolve().parent / "results"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problems", help="comma-separated (default: all)")
    parser.add_argument("--methods", help="comma-separated library:sampler (default: all here)")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--budgets", default="50,100")
    parser.add_argument("--jobs", type=int, default=None, help="default: one per CPU")
    parser.add_argument("--timeout", type=float, default=None, help="seconds per run")
    parser.add_argument("--iqr", action="store_true")
    parser.add_argument("--no-overhead", action="store_true")
    parser.add_argument("--overhead-only", action="store_true")
    parser.add_argument(
        "--from-json", metavar="FILE", nargs="+", help="print the tables of saved runs, merged"
    )
    args = parser.parse_args(argv)
    if args.from_json:
        saved = [Results.from_dict(json.loads(Path(f).read_text())) for f in args.from_json]
        print(format_report(merge(*saved), iqr=args.iqr))
        return
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"samplers-{time.strftime('%Y%m%d-%H%M%S')}.json"
    benchmark(
        args.problems.split(",") if args.problems else None,
        args.methods.split(",") if args.methods else None,
        seeds=args.seeds,
        budgets=[int(b) for b in args.budgets.split(",")],
        n_jobs=args.jobs,
        timeout=args.timeout,
        with_overhead=not args.no_overhead,
        overhead_only=args.overhead_only,
        json_path=None if args.overhead_only else out,
        iqr=args.iqr,
    )
    if not args.overhead_only:
        print(f"\nraw results: {out}")


if __name__ == "__main__":
    main()
