"""Auto (``sampler="auto"``) against every single sampler and the black-box peers.

The same suite as ``hypersweep benchmark`` (shifted boxes per seed), but each run is
appended to a JSON-lines log as soon as it ends, so a long comparison on a loaded
machine can be stopped, resumed (runs already in the log are not repeated) and
reported from whatever has finished. Runs go seed by seed, so a stopped log holds
whole seeds. HEBO and SMAC3 need their own venvs: ``bash scripts/peer_envs.sh``.

    python benchmarks/auto_vs_peers.py run --budget 100 --seeds 0-3 \\
        --methods hypersweep:auto,hypersweep:gp,optuna:gp,hebo:hebo,smac:hpo --log runs.jsonl
    python benchmarks/auto_vs_peers.py run --budget 1000 --log runs.jsonl \\
        --methods hypersweep:auto,hypersweep:cmaes,optuna:tpe@300,hyperopt:tpe@300
    python benchmarks/auto_vs_peers.py report --log runs.jsonl --budgets 50,100,300,1000

A method run at 100 trials is ranked at 50 and 100 only (a table leaves out runs shorter
than its budget); its 50-trial score is the prefix of its 100-trial run.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import replace
from pathlib import Path

from hypersweep.harness import Results, RunResult, format_report
from hypersweep.harness.runner import METHODS, run_task, unavailable

CONTINUOUS_AND_MIXED = ("branin,hartmann3,hartmann6,rosenbrock5,ackley5,levy10,"
                        "styblinski_tang8,mixed")  # fmt: skip


def _seeds(text: str) -> list[int]:
    if "-" in text:
        low, high = text.split("-")
        return list(range(int(low), int(high) + 1))
    return [int(s) for s in text.split(",")]


def read_log(path: Path) -> list[RunResult]:
    """The runs of a log; a later line replaces an earlier one of the same key."""
    runs: dict[tuple[str, str, int], RunResult] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            if line.strip():
                data = json.loads(line)
                data["values"] = tuple(math.nan if v is None else v for v in data["values"])
                run = RunResult(**data)
                runs[(run.problem, run.method, run.seed)] = run
    return list(runs.values())


def _append(path: Path, run: RunResult) -> None:
    data = {**run.__dict__, "values": [None if math.isnan(v) else v for v in run.values]}
    with path.open("a") as f:
        f.write(json.dumps(data) + "\n")


def _planned(text: str, budget: int | None) -> list[tuple[str, int]]:
    """``"a,b@300"`` -> [(a, budget), (b, 300)]: a method's own budget after an @."""
    out = []
    for item in text.split(","):
        method, _, own = item.partition("@")
        if not own and budget is None:
            sys.exit(f"{method}: give --budget or {method}@<trials>")
        out.append((method, int(own) if own else int(budget or 0)))
    return out


def run(args: argparse.Namespace) -> None:
    log = Path(args.log)
    plan = _planned(args.methods, args.budget)
    have = {(r.problem, r.method, r.seed): len(r.values) for r in read_log(log) if r.error is None}
    for method, _ in plan:
        why = unavailable(method)
        if why is not None:
            sys.exit(f"{method}: {why}")
    for seed in _seeds(args.seeds):
        for problem in args.problems.split(","):
            for method, budget in plan:
                if have.get((problem, method, seed), 0) >= budget:
                    continue
                record = run_task((problem, method, seed, budget, None))
                _append(log, record)
                status = record.error or f"{len(record.values)} trials"
                print(f"{problem} {method} seed {seed}: {status}, "
                      f"{record.cpu_seconds:.1f} CPU s", file=sys.stderr, flush=True)  # fmt: skip


def report(args: argparse.Namespace) -> None:
    runs = [r for path in args.log for r in read_log(Path(path))]
    if args.seeds:
        runs = [r for r in runs if r.seed in _seeds(args.seeds)]
    if args.problems:
        runs = [r for r in runs if r.problem in args.problems.split(",")]
    if args.cap:  # e.g. runs made at 1,000 before a method's plan became 300
        caps = dict(_planned(args.cap, None))
        runs = [replace(r, values=r.values[: caps.get(r.method, len(r.values))]) for r in runs]
    order = list(METHODS)
    methods = sorted({r.method for r in runs}, key=lambda m: order.index(m) if m in order else 99)
    problems = list(dict.fromkeys(p for p in CONTINUOUS_AND_MIXED.split(",")
                                  if any(r.problem == p for r in runs)))  # fmt: skip
    seeds = sorted({r.seed for r in runs})
    budgets = [int(b) for b in args.budgets.split(",")]
    results = Results(problems, methods, seeds, budgets, runs=runs)
    print(format_report(results, iqr=args.iqr).rsplit("\n\nwall time", 1)[0])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    go = sub.add_parser("run", help="run what the log lacks, appending each run")
    go.add_argument("--methods", required=True)
    go.add_argument("--problems", default=CONTINUOUS_AND_MIXED)
    go.add_argument("--seeds", default="0-3", help="'0-3' or '0,2,5'")
    go.add_argument("--budget", type=int, help="trials per run (method@N: its own)")
    go.add_argument("--log", required=True)
    show = sub.add_parser("report", help="tables of the runs in one or more logs")
    show.add_argument("--log", nargs="+", required=True)
    show.add_argument("--budgets", default="50,100,300,1000")
    show.add_argument("--seeds", help="only these seeds")
    show.add_argument("--problems", help="only these problems")
    show.add_argument("--cap", help="method@N,...: score only the first N trials of its runs")
    show.add_argument("--iqr", action="store_true")
    args = parser.parse_args(argv)
    run(args) if args.command == "run" else report(args)


if __name__ == "__main__":
    main()
