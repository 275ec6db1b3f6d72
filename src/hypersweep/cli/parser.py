"""The argument parser of ``hypersweep``: the commands, their options and help.

Only argparse and the light command modules load here; each command imports
the study machinery when it runs, so ``hypersweep --help`` stays fast.
"""

from __future__ import annotations

import argparse
import textwrap
from collections.abc import Callable
from typing import Any

from . import help_text
from .argtypes import count, csv_list, int_list, port, seconds
from .defaults import DEFAULT_STORAGE, SHOW_LIMIT, STORAGE_HELP
from .run_commands import cmd_run, cmd_worker
from .study_commands import cmd_delete
from .transfer_commands import cmd_copy, cmd_export_any, cmd_import
from .view_commands import (
    cmd_benchmark,
    cmd_best_light,
    cmd_dashboard,
    cmd_report,
    cmd_show,
    cmd_studies_light,
)

RAW = argparse.RawDescriptionHelpFormatter
Handler = Callable[[argparse.Namespace], int]


def add_command(
    sub: Any,
    name: str,
    summary: str,
    description: str,
    epilog: str,
    handler: Handler,
    *,
    study: bool = True,
    storage: str | None = STORAGE_HELP,
) -> argparse.ArgumentParser:
    """One subcommand: wrapped description, raw epilog, STUDY (if any) and --storage
    (unless ``storage`` is None)."""
    parser: argparse.ArgumentParser = sub.add_parser(
        name,
        help=summary,
        description=textwrap.fill(description, width=79),
        epilog=epilog,
        formatter_class=RAW,
    )
    if study:
        parser.add_argument("study", metavar="STUDY", help="the study's name")
    if storage is not None:
        parser.add_argument("--storage", metavar="URL", default=None, help=storage)
    parser.set_defaults(handler=handler)
    return parser


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (public so the docs can render its help)."""
    from .. import __version__

    parser = argparse.ArgumentParser(
        prog="hypersweep",
        description="Tune hyperparameters from a YAML config, and inspect, export or delete\n"
        "the studies stored in a database.",
        epilog=help_text.MAIN,
        formatter_class=RAW,
    )
    parser.add_argument("--version", action="version", version=f"hypersweep {__version__}")
    parser.add_argument("--debug", action="store_true", help="show the full traceback of an error")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    add_run(sub)
    add_worker(sub)
    add_readers(sub)
    add_writers(sub)
    add_viewers(sub)
    add_movers(sub)
    add_benchmark(sub)
    return parser


def add_run(sub: Any) -> None:
    """``hypersweep run CONFIG.yaml``."""
    run = add_command(
        sub,
        "run",
        "run or resume the study a YAML config describes",
        "Run the study described by CONFIG, or resume it: n_trials is the study's total "
        "budget, so a rerun only runs the trials still missing.",
        help_text.RUN,
        cmd_run,
        study=False,
        storage="storage URL; overrides the config's 'storage' (default: the config's, "
        f"else {DEFAULT_STORAGE}, i.e. hypersweep.db in the working directory)",
    )
    run.add_argument("config", metavar="CONFIG.yaml", help="the run config")
    run.add_argument(
        "--n-trials",
        type=count,
        metavar="N",
        help="the study's total number of trials (overrides the config's n_trials)",
    )
    run.add_argument("--seed", type=int, metavar="S", help="sampler seed (overrides the config)")
    run.add_argument("--timeout", type=seconds, metavar="SECONDS", help="start no trial after this")
    run.add_argument("-q", "--quiet", action="store_true", help="no log line per new best (stderr)")
    run.add_argument(
        "--jobs",
        type=count,
        default=1,
        metavar="K",
        help="run K worker processes (default 1); they share the study's budget",
    )


def add_worker(sub: Any) -> None:
    """``hypersweep worker STUDY``: one more worker for a stored study."""
    worker = add_command(
        sub,
        "worker",
        "join a running study as one more worker (any machine that reaches its storage)",
        "Run trials for STUDY until its budget is used, alongside any other workers: "
        "start it on as many machines as you like against one PostgreSQL database. "
        "The objective, sampler and budget are those `hypersweep run` stored with the "
        "study; --objective names the objective for studies made otherwise.",
        help_text.WORKER,
        cmd_worker,
    )
    worker.add_argument("--objective", metavar="MODULE:FUNCTION", help="the objective to run")
    worker.add_argument(
        "--n-trials",
        type=count,
        metavar="N",
        help="the study's total budget (default: the stored one)",
    )
    worker.add_argument(
        "--timeout", type=seconds, metavar="SECONDS", help="start no trial after this"
    )
    worker.add_argument(
        "--jobs",
        type=count,
        default=1,
        metavar="K",
        help="worker processes on this machine (default 1)",
    )
    worker.add_argument(
        "--retries",
        type=count,
        default=1,
        metavar="R",
        help="re-run a dead worker's trial up to R times (default 1)",
    )
    worker.add_argument("-q", "--quiet", action="store_true", help="no log line per new best")


def add_readers(sub: Any) -> None:
    """studies and show: tables of stored studies and trials."""
    add_command(
        sub,
        "studies",
        "list the studies in a storage",
        "A table of the studies in a storage: name, direction, trials by state and best value.",
        help_text.STUDIES,
        cmd_studies_light,
        study=False,
    )
    show = add_command(
        sub,
        "show",
        "a table of a study's trials and its best trial",
        "A table of the trials of STUDY (number, state, value, duration, parameters and "
        "user attributes), then the best trial.",
        help_text.SHOW,
        cmd_show,
    )
    rows = show.add_mutually_exclusive_group()
    rows.add_argument(
        "--limit",
        type=count,
        metavar="N",
        help=f"show N trials: the last N, or with --sort value the N best (default {SHOW_LIMIT})",
    )
    rows.add_argument("--all", action="store_true", help="show every trial")
    show.add_argument(
        "--sort",
        choices=("number", "value"),
        default="number",
        help="order of the rows: trial number (default) or value, best first",
    )


def add_writers(sub: Any) -> None:
    """best, export and delete: a study's trials out as JSON or CSV, or removed."""
    best = add_command(
        sub,
        "best",
        "the best trial as JSON",
        "Print the best COMPLETE trial of STUDY as JSON on stdout; for several objectives "
        "the feasible Pareto front, or the one trial --knee, --weights or --best/--where picks.",
        help_text.BEST,
        cmd_best_light,
    )
    best.add_argument(
        "--knee", action="store_true", help="several objectives: the knee of the Pareto front"
    )
    best.add_argument(
        "--weights",
        metavar="NAME=W,...",
        help="several objectives: the front trial nearest the ideal with these importances, "
        "e.g. accuracy=1,latency_ms=0.2",
    )
    best.add_argument(
        "--best", dest="best_of", metavar="NAME", help="the best trial in objective NAME"
    )
    best.add_argument(
        "--where",
        action="append",
        metavar="NAME<=X",
        help="keep only trials with NAME <= X (or <, >=, >); repeatable",
    )
    export = add_command(
        sub,
        "export",
        "every trial as CSV or JSON",
        "Write all trials of STUDY as CSV or JSON, to stdout or a file.",
        help_text.EXPORT,
        cmd_export_any,
    )
    export.add_argument(
        "--format",
        choices=("csv", "json", "archive"),
        help="csv or json rows (default: from -o, else csv), or archive: the whole study "
        "as one JSON file that 'hypersweep import archive' reads back",
    )
    export.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    delete = add_command(
        sub,
        "delete",
        "delete a study and all its trials",
        "Delete STUDY and all its trials for good. Asks first, unless --yes.",
        help_text.DELETE,
        cmd_delete,
    )
    delete.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")


def add_movers(sub: Any) -> None:
    """copy and import: studies from one storage, an Optuna database or an archive to another."""
    copy = add_command(
        sub,
        "copy",
        "copy a study to another storage",
        "Copy STUDY with every trial (states, values, reports, attributes, seeds, times) "
        "from --from to --to, e.g. from a laptop's SQLite file to the lab's PostgreSQL.",
        help_text.COPY,
        cmd_copy,
        storage=None,
    )
    copy.add_argument(
        "--from",
        dest="source",
        metavar="URL",
        default=DEFAULT_STORAGE,
        help=f"the storage that holds STUDY (default {DEFAULT_STORAGE})",
    )
    copy.add_argument("--to", required=True, metavar="URL", help="the storage to copy into")
    copy.add_argument("--new-name", metavar="NAME", help="name of the copy (default: STUDY)")
    imp = add_command(
        sub,
        "import",
        "import an Optuna study or a study archive",
        "Create a hypersweep study from an Optuna study (read through optuna, which must be "
        "installed) or from an archive written by 'hypersweep export --format archive'.",
        help_text.IMPORT,
        cmd_import,
        study=False,
        storage=None,
    )
    imp.add_argument("kind", choices=("optuna", "archive"), help="what to import")
    imp.add_argument("source", nargs="?", metavar="FILE", help="the archive file (archive)")
    imp.add_argument(
        "--from",
        dest="optuna_url",
        metavar="URL",
        help="the Optuna storage URL, e.g. sqlite:///optuna.db (optuna)",
    )
    imp.add_argument("--study", metavar="NAME", help="the Optuna study's name (optuna)")
    imp.add_argument(
        "--to",
        metavar="URL",
        default=None,
        help=f"the storage to import into (default {DEFAULT_STORAGE})",
    )
    imp.add_argument("--new-name", metavar="NAME", help="name of the new study")


def add_viewers(sub: Any) -> None:
    """The report and dashboard commands: look at studies in a browser."""
    report = add_command(
        sub,
        "report",
        "write a self-contained HTML report of a study",
        "Write one HTML file for STUDY (plotly.js inside, so it opens offline): a summary, "
        "the best trial, every plot that applies and a sortable table of all trials.",
        help_text.REPORT,
        cmd_report,
    )
    report.add_argument("-o", "--output", metavar="FILE", help="default: STUDY.html here")
    report.add_argument("--title", metavar="TEXT", help="the page's heading (default: the name)")
    board = add_command(
        sub,
        "dashboard",
        "a live, read-only web page of the studies in a storage",
        "Serve a local web page that lists the studies in a storage and shows each one's "
        "plots and trials, updated as trials finish. Read-only; 127.0.0.1 unless --host.",
        help_text.DASHBOARD,
        cmd_dashboard,
        study=False,
    )
    board.add_argument(
        "--host",
        default="127.0.0.1",
        metavar="ADDRESS",
        help="address to listen on (default 127.0.0.1: this machine)",
    )
    board.add_argument(
        "--port",
        type=port,
        default=8080,
        metavar="N",
        help="port (default 8080; 0 picks a free one)",
    )
    board.add_argument("--open", action="store_true", help="open the page in a web browser")


def add_benchmark(sub: Any) -> None:
    """``hypersweep benchmark``: offline, so it takes no --storage."""
    bench = add_command(
        sub,
        "benchmark",
        "compare samplers (and optuna's, hyperopt's) on test problems",
        "Run samplers on standard test functions with known optima, a conditional, a "
        "mixed and an ML problem, several seeds each, and print median log10 simple "
        "regret per problem and method, with each method's mean rank. Everything runs "
        "offline; no storage is touched.",
        help_text.BENCHMARK,
        cmd_benchmark,
        study=False,
        storage=None,
    )
    bench.add_argument("--problems", type=csv_list, metavar="A,B", help="default: all")
    bench.add_argument(
        "--methods", type=csv_list, metavar="A,B", help="default: every one installed here"
    )
    bench.add_argument("--seeds", type=count, default=10, metavar="N", help="default: 10")
    bench.add_argument(
        "--budgets", type=int_list, default=[50, 100], metavar="N,M", help="default: 50,100"
    )
    bench.add_argument("--jobs", type=count, metavar="N", help="processes (default: one per CPU)")
    bench.add_argument("--timeout", type=seconds, metavar="SECONDS", help="time limit per run")
    bench.add_argument("--iqr", action="store_true", help="show the quartiles in each cell")
    bench.add_argument("--overhead", action="store_true", help="also time ask + tell per trial")
    bench.add_argument("--overhead-only", action="store_true", help="only time ask + tell")
    bench.add_argument("--json", metavar="FILE", help="write every run's values as JSON")
    bench.add_argument("--csv", metavar="FILE", help="write one row per run and budget")
    bench.add_argument("--list", action="store_true", help="list problems and methods, then stop")
    bench.add_argument("-q", "--quiet", action="store_true", help="no progress lines (stderr)")
