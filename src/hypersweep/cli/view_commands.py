"""The commands that look at studies in a browser (report, dashboard) and the
sampler benchmark, which touches no storage."""

from __future__ import annotations

import argparse
import sys

from .._checks import int_at_least
from .shared import CommandError, load_named, open_storage, storage_url


def report_file(name: str) -> str:
    """A file name made from a study name: letters, digits, dot, dash and underscore only."""
    import re

    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "study"
    return f"{stem}.html"


def needs_plotly() -> None:
    """Fail with the install command, before any work, when plotly is missing."""
    try:
        import plotly  # noqa: F401
    except ImportError:
        raise CommandError(
            "the report and dashboard draw with plotly, which is not installed: "
            "pip install 'hypersweep[plot]'"
        ) from None


def cmd_report(args: argparse.Namespace) -> int:
    """Write one self-contained HTML file for a study."""
    needs_plotly()
    from ..report import write_report

    store = open_storage(storage_url(args))
    try:
        study = load_named(args, store)
        path = args.output or report_file(study.name)
        write_report(study, path, title=args.title)
        n = len(study.trials)
    finally:
        store.close()
    print(f"Wrote the report of study {study.name!r} ({n} trials) to {path}.", file=sys.stderr)
    return 0


def cmd_dashboard(args: argparse.Namespace) -> int:
    """Serve the read-only live page until Ctrl-C."""
    needs_plotly()
    from ..report.dashboard import serve

    url = storage_url(args)
    open_storage(url).close()  # a missing SQLite file is an error, not a new database
    board = serve(url, args.host, args.port)
    print(f"hypersweep dashboard on {board.url} (read-only); Ctrl-C stops it.", file=sys.stderr)
    if args.open:
        import webbrowser

        webbrowser.open(board.url)
    try:
        board.serve_forever()
    except KeyboardInterrupt:
        print("hypersweep dashboard: stopped.", file=sys.stderr)
    finally:
        board.stop()
    return 0


def _list_benchmarks() -> None:
    from .. import harness

    for p in harness.PROBLEMS.values():
        print(f"problem  {p.name:<18} {p.kind:<12} {p.dim}-D")
    for m in harness.METHODS:
        why = harness.unavailable(m)
        print(f"method   {m:<24} {'ok' if why is None else 'unavailable: ' + why}")


def cmd_benchmark(args: argparse.Namespace) -> int:
    """Run the samplers on the test problems and print the regret table."""
    from .. import harness

    if args.list:
        _list_benchmarks()
        return 0
    problems = harness.problems.get(args.problems) if args.problems else None
    for m in args.methods or []:
        if m not in harness.METHODS:
            raise CommandError(f"unknown method {m!r}: choose from {', '.join(harness.METHODS)}")
    int_at_least("", "--seeds", args.seeds, 1)
    harness.benchmark(
        [p.name for p in problems] if problems else None,
        args.methods,
        seeds=args.seeds,
        budgets=args.budgets,
        n_jobs=args.jobs,
        timeout=args.timeout,
        with_overhead=args.overhead,
        overhead_only=args.overhead_only,
        json_path=args.json,
        csv_path=args.csv,
        iqr=args.iqr,
        quiet=args.quiet,
    )
    return 0
