"""The ``hypersweep`` command: run a YAML config, then list, show, export or delete studies.

Only argparse is imported up front, so ``hypersweep --help`` stays fast; the
study machinery, YAML and rich come in when a command needs them. Mistakes a
user can make (a wrong name, URL or config) end with one line on stderr and
exit code 2, never a traceback (``hypersweep --debug ...`` shows it).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.table import Table

    from ..storage import Storage
    from ..study import Study
    from ..trial import FrozenTrial

DEFAULT_STORAGE = "sqlite:///hypersweep.db"  # same as hypersweep.config.DEFAULT_STORAGE
_STORAGE_HELP = (
    f"storage URL (default: {DEFAULT_STORAGE}, i.e. hypersweep.db in the working directory)"
)
_RAW = argparse.RawDescriptionHelpFormatter

_MAIN_EPILOG = """\
examples:
  hypersweep run examples/iris_families.yaml      run (or resume) the study a config describes
  hypersweep studies                              list the studies in ./hypersweep.db
  hypersweep show iris-families --limit 20        the last 20 trials and the best one
  hypersweep best iris-families                   the best trial as JSON
  hypersweep export iris-families -o trials.csv   every trial, as CSV or JSON
  hypersweep delete iris-families --yes           remove a study and its trials
  hypersweep report iris-families -o report.html  one HTML file: plots and every trial
  hypersweep dashboard                            a live web page on http://127.0.0.1:8080/
  hypersweep benchmark --seeds 3 --budgets 50     compare the samplers on test problems

Every command takes --storage URL: sqlite:///path.db or postgresql://user@host/db.
"""

_RUN_EPILOG = """\
a config (YAML, read with a safe loader):
  objective: iris_families:objective   # module:function; the config's folder is on sys.path
  direction: maximize                  # default: minimize
  sampler: random                      # or grid (with grid_points: 5, grid_rounds: 1)
  seed: 0
  n_trials: 60                         # the study's total: a rerun only runs what is missing
  study: iris-families                 # default: the config file's name
  space:
    preprocess: !choice [none, standardise, normalise]
    model: !choice
      - {kind: knn, n_neighbors: !int {low: 1, high: 30}}
      - {kind: svm, C: !float {low: 1.0e-3, high: 1.0e3, log: true}}
  (tags: !float !int {low, high, log, step}, !choice [...], !normal !lognormal {mu, sigma},
   !repeat {of, min, max})

examples:
  hypersweep run examples/iris_families.yaml
  hypersweep run tune.yaml --n-trials 200 --storage sqlite:///runs.db
  hypersweep run tune.yaml --seed 1 --quiet > best.json

The best value and parameters are printed as JSON on stdout at the end;
progress goes to stderr.
"""

_WORKER_EPILOG = """\
examples:
  hypersweep run tune.yaml --storage postgresql://me@db/hpo     # on the first machine
  hypersweep worker tune --storage postgresql://me@db/hpo       # on every other machine
  hypersweep worker tune --jobs 4                               # 4 processes, this machine
  hypersweep worker mlp --objective train:objective --n-trials 200

A worker that dies is noticed by the others (heartbeats); its trial is run again.
"""

_STUDIES_EPILOG = """\
examples:
  hypersweep studies
  hypersweep studies --storage sqlite:///runs.db
"""

_SHOW_EPILOG = """\
examples:
  hypersweep show iris-families                   every trial, in order
  hypersweep show iris-families --limit 10        the last 10 trials
  hypersweep show iris-families --sort value --limit 5
                                                  the 5 best trials

Parameter columns use the leaf paths of the space ("model.svm.C"); a blank cell
is a parameter the trial did not use (another branch of a choice).
"""

_BEST_EPILOG = """\
examples:
  hypersweep best iris-families
  hypersweep best iris-families | python -c "import json,sys; print(json.load(sys.stdin)['params'])"

Prints {"number": ..., "value": ..., "params": {...}} with the params nested like the space.
"""

_EXPORT_EPILOG = """\
examples:
  hypersweep export iris-families                 CSV on stdout
  hypersweep export iris-families -o trials.csv
  hypersweep export iris-families --format json -o trials.json

One row per trial: number, state, value, started, finished, duration,
params_<path>..., user_attrs_<key>..., error. The format follows -o's
suffix when --format is not given (.json means JSON, anything else CSV).
"""

_DELETE_EPILOG = """\
examples:
  hypersweep delete old-study                     asks for confirmation
  hypersweep delete old-study --yes               no question (for scripts)
"""


_REPORT_EPILOG = """\
examples:
  hypersweep report iris-families                 writes iris-families.html here
  hypersweep report iris-families -o report.html --storage sqlite:///runs.db

One HTML file with plotly.js inside: it opens offline in any browser and can be
mailed or archived. It holds a summary, the best trial, every plot that applies
to the study and a table of all trials (click a header to sort).
"""

_DASHBOARD_EPILOG = """\
examples:
  hypersweep dashboard                            the studies in ./hypersweep.db on port 8080
  hypersweep dashboard --storage postgresql://me@db/hpo --port 8765 --open
  ssh -L 8080:127.0.0.1:8080 me@server            then open http://127.0.0.1:8080/ here

The page follows every study as trials finish (it polls every 2 s). It is
read-only and listens on 127.0.0.1 only; --host 0.0.0.0 would show the studies to
the whole network, without a password. Stop it with Ctrl-C.
"""


_BENCHMARK_EPILOG = """\
examples:
  hypersweep benchmark                            everything installed: 10 seeds, 50 and 100 trials
  hypersweep benchmark --problems branin,hartmann6 --methods hypersweep:tpe,optuna:tpe
  hypersweep benchmark --seeds 3 --budgets 20,50 --jobs 2 --json results.json
  hypersweep benchmark --overhead-only            ask + tell time per trial at 1,000 trials
  hypersweep benchmark --list                     the problems and methods, and what is missing

Cells are the median over seeds of log10(best value so far - known optimum); the
ML problem, whose optimum is unknown, shows its median raw CV error. The best
cell of each row is marked *, and the last row is each method's mean rank over
the problems. Methods of optuna and hyperopt run when those are installed
(pip install 'hypersweep[benchmark]'); --methods names them as library:sampler.
The full default run takes tens of minutes on a laptop (the GP samplers cost
10-60 s per run of 100 trials); try --seeds 3 or a few --methods first.
"""


class CommandError(Exception):
    """A mistake on the command line; reported as one line, exit code 2."""


# --- the parser ----------------------------------------------------------------------
def _command(
    sub: Any,
    name: str,
    summary: str,
    description: str,
    epilog: str,
    handler: Any,
    *,
    study: bool = True,
    storage_help: str = _STORAGE_HELP,
) -> argparse.ArgumentParser:
    """One subcommand: wrapped description, raw epilog, STUDY (if any) and --storage."""
    import textwrap

    parser: argparse.ArgumentParser = sub.add_parser(
        name,
        help=summary,
        description=textwrap.fill(description, width=79),
        epilog=epilog,
        formatter_class=_RAW,
    )
    if study:
        parser.add_argument("study", metavar="STUDY", help="the study's name")
    parser.add_argument("--storage", metavar="URL", default=None, help=storage_help)
    parser.set_defaults(handler=handler)
    return parser


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {value}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a number of seconds > 0, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (public so the docs can render its help)."""
    from .. import __version__

    parser = argparse.ArgumentParser(
        prog="hypersweep",
        description="Tune hyperparameters from a YAML config, and inspect, export or delete\n"
        "the studies stored in a database.",
        epilog=_MAIN_EPILOG,
        formatter_class=_RAW,
    )
    parser.add_argument("--version", action="version", version=f"hypersweep {__version__}")
    parser.add_argument("--debug", action="store_true", help="show the full traceback of an error")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = _command(
        sub,
        "run",
        "run or resume the study a YAML config describes",
        "Run the study described by CONFIG, or resume it: n_trials is the study's total "
        "budget, so a rerun only runs the trials still missing.",
        _RUN_EPILOG,
        _cmd_run,
        study=False,
        storage_help="storage URL; overrides the config's 'storage' (default: the config's, "
        f"else {DEFAULT_STORAGE}, i.e. hypersweep.db in the working directory)",
    )
    run.add_argument("config", metavar="CONFIG.yaml", help="the run config")
    run.add_argument(
        "--n-trials",
        type=_positive_int,
        metavar="N",
        help="the study's total number of trials (overrides the config's n_trials)",
    )
    run.add_argument("--seed", type=int, metavar="S", help="sampler seed (overrides the config)")
    run.add_argument(
        "--timeout", type=_positive_float, metavar="SECONDS", help="start no trial after this"
    )
    run.add_argument("-q", "--quiet", action="store_true", help="no log line per new best (stderr)")
    run.add_argument(
        "--jobs", type=_positive_int, default=1, metavar="K",
        help="run K worker processes (default 1); they share the study's budget",
    )  # fmt: skip

    worker = _command(
        sub,
        "worker",
        "join a running study as one more worker (any machine that reaches its storage)",
        "Run trials for STUDY until its budget is used, alongside any other workers: "
        "start it on as many machines as you like against one PostgreSQL database. "
        "The objective, sampler and budget are those `hypersweep run` stored with the "
        "study; --objective names the objective for studies made otherwise.",
        _WORKER_EPILOG,
        _cmd_worker,
    )
    worker.add_argument("--objective", metavar="MODULE:FUNCTION", help="the objective to run")
    worker.add_argument("--n-trials", type=_positive_int, metavar="N",
                        help="the study's total budget (default: the stored one)")  # fmt: skip
    worker.add_argument("--timeout", type=_positive_float, metavar="SECONDS",
                        help="start no trial after this")  # fmt: skip
    worker.add_argument("--jobs", type=_positive_int, default=1, metavar="K",
                        help="worker processes on this machine (default 1)")  # fmt: skip
    worker.add_argument("--retries", type=_positive_int, default=1, metavar="R",
                        help="re-run a dead worker's trial up to R times (default 1)")  # fmt: skip
    worker.add_argument("-q", "--quiet", action="store_true", help="no log line per new best")

    _command(
        sub,
        "studies",
        "list the studies in a storage",
        "A table of the studies in a storage: name, direction, trials by state and best value.",
        _STUDIES_EPILOG,
        _cmd_studies,
        study=False,
    )

    show = _command(
        sub,
        "show",
        "a table of a study's trials and its best trial",
        "A table of the trials of STUDY (number, state, value, duration, parameters and "
        "user attributes), then the best trial.",
        _SHOW_EPILOG,
        _cmd_show,
    )
    show.add_argument(
        "--limit",
        type=_positive_int,
        metavar="N",
        help="show only N trials: the last N, or with --sort value the N best",
    )
    show.add_argument(
        "--sort",
        choices=("number", "value"),
        default="number",
        help="order of the rows: trial number (default) or value, best first",
    )

    _command(
        sub,
        "best",
        "the best trial as JSON",
        "Print the best COMPLETE trial of STUDY as JSON on stdout.",
        _BEST_EPILOG,
        _cmd_best,
    )

    export = _command(
        sub,
        "export",
        "every trial as CSV or JSON",
        "Write all trials of STUDY as CSV or JSON, to stdout or a file.",
        _EXPORT_EPILOG,
        _cmd_export,
    )
    export.add_argument(
        "--format", choices=("csv", "json"), help="csv or json (default: from -o, else csv)"
    )
    export.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")

    delete = _command(
        sub,
        "delete",
        "delete a study and all its trials",
        "Delete STUDY and all its trials for good. Asks first, unless --yes.",
        _DELETE_EPILOG,
        _cmd_delete,
    )
    delete.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")
    _add_viewers(sub)
    _add_benchmark(sub)
    return parser


def _csv_list(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


def _int_list(text: str) -> list[int]:
    try:
        values = [int(item) for item in _csv_list(text)]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected integers like 50,100, got {text!r}") from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"expected trial counts >= 1 like 50,100, got {text!r}")
    return values


def _port(text: str) -> int:
    value = _positive_int(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"expected a port number 0..65535, got {value}")
    return value


def _add_viewers(sub: Any) -> None:
    """The report and dashboard commands: look at studies in a browser."""
    report = _command(
        sub,
        "report",
        "write a self-contained HTML report of a study",
        "Write one HTML file for STUDY (plotly.js inside, so it opens offline): a summary, "
        "the best trial, every plot that applies and a sortable table of all trials.",
        _REPORT_EPILOG,
        _cmd_report,
    )
    report.add_argument("-o", "--output", metavar="FILE", help="default: STUDY.html here")
    report.add_argument("--title", metavar="TEXT", help="the page's heading (default: the name)")

    board = _command(
        sub,
        "dashboard",
        "a live, read-only web page of the studies in a storage",
        "Serve a local web page that lists the studies in a storage and shows each one's "
        "plots and trials, updated as trials finish. Read-only; 127.0.0.1 unless --host.",
        _DASHBOARD_EPILOG,
        _cmd_dashboard,
        study=False,
    )
    board.add_argument("--host", default="127.0.0.1", metavar="ADDRESS",
                       help="address to listen on (default 127.0.0.1: this machine)")  # fmt: skip
    board.add_argument("--port", type=_port, default=8080, metavar="N",
                       help="port (default 8080; 0 picks a free one)")  # fmt: skip
    board.add_argument("--open", action="store_true", help="open the page in a web browser")


def _add_benchmark(sub: Any) -> None:
    import textwrap

    bench: argparse.ArgumentParser = sub.add_parser(
        "benchmark",
        help="compare samplers (and optuna's, hyperopt's) on test problems",
        description=textwrap.fill(
            "Run samplers on standard test functions with known optima, a conditional, a "
            "mixed and an ML problem, several seeds each, and print median log10 simple "
            "regret per problem and method, with each method's mean rank. Everything runs "
            "offline; no storage is touched.",
            width=79,
        ),
        epilog=_BENCHMARK_EPILOG,
        formatter_class=_RAW,
    )
    bench.set_defaults(handler=_cmd_benchmark)
    bench.add_argument("--problems", type=_csv_list, metavar="A,B", help="default: all")
    bench.add_argument(
        "--methods", type=_csv_list, metavar="A,B", help="default: every one installed here"
    )
    bench.add_argument("--seeds", type=_positive_int, default=10, metavar="N", help="default: 10")
    bench.add_argument(
        "--budgets", type=_int_list, default=[50, 100], metavar="N,M", help="default: 50,100"
    )
    bench.add_argument(
        "--jobs", type=_positive_int, metavar="N", help="processes (default: one per CPU)"
    )
    bench.add_argument(
        "--timeout", type=_positive_float, metavar="SECONDS", help="time limit per run"
    )
    bench.add_argument("--iqr", action="store_true", help="show the quartiles in each cell")
    bench.add_argument("--overhead", action="store_true", help="also time ask + tell per trial")
    bench.add_argument("--overhead-only", action="store_true", help="only time ask + tell")
    bench.add_argument("--json", metavar="FILE", help="write every run's values as JSON")
    bench.add_argument("--csv", metavar="FILE", help="write one row per run and budget")
    bench.add_argument("--list", action="store_true", help="list problems and methods, then stop")
    bench.add_argument("-q", "--quiet", action="store_true", help="no progress lines (stderr)")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (0 ok, 1 nothing to report, 2 user error)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error argparse reported
        return exc.code if isinstance(exc.code, int) else 2
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    from ..exceptions import HypersweepError

    try:
        return int(args.handler(args))
    except KeyboardInterrupt:
        hint = "; every finished trial is stored, rerun the same command to resume"
        print(f"hypersweep: interrupted{hint if args.command == 'run' else ''}", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `hypersweep export study | head`
        _silence_stdout()
        return 0
    except (CommandError, HypersweepError, ValueError, OSError) as exc:
        if args.debug or os.environ.get("HYPERSWEEP_DEBUG"):
            raise
        message = " ".join(str(exc).split()) or type(exc).__name__
        print(f"hypersweep: error: {message}", file=sys.stderr)
        return 2


def _silence_stdout() -> None:
    """After a closed pipe, point stdout at /dev/null so interpreter shutdown stays quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


# --- helpers ---------------------------------------------------------------------------
def _url(args: argparse.Namespace) -> str:
    return str(args.storage or DEFAULT_STORAGE)


def _open_storage(url: str) -> Storage:
    """Open an existing storage; a missing SQLite file is an error, not a new empty database."""
    from ..storage import get_storage

    if url.startswith("sqlite"):
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            path = make_url(url).database or ""
        except (ArgumentError, ValueError):
            path = ""  # get_storage explains what is wrong with the URL
        if path and path != ":memory:" and not Path(path).exists():
            raise CommandError(
                f"no SQLite database at {path} ({url}); run 'hypersweep run CONFIG.yaml' "
                f"first, or pass --storage with the URL of your studies"
            )
    return get_storage(url)


def _load(args: argparse.Namespace, store: Storage) -> Study:
    from ..study.factory import load_study

    return load_study(args.study, storage=store)


def _json_safe(value: Any) -> Any:
    """JSON has no inf/nan: write them as strings so the output stays valid JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return value


def _dumps(value: Any, indent: int | None = 2) -> str:
    return json.dumps(_json_safe(value), indent=indent, default=str, allow_nan=False)


def _best_json(study: Study) -> dict[str, Any]:
    from ..trial import TrialState

    if not any(t.state is TrialState.COMPLETE for t in study.trials):
        raise CommandError(
            f"study {study.name!r} has no COMPLETE trial yet, so there is no best one; "
            f"run it first (hypersweep run CONFIG.yaml)"
        )
    best = study.best_trial
    return {"number": best.number, "value": best.value, "params": best.params}


def _fmt(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, (dict, list)):
        return json.dumps(value, default=str)
    return str(value)


def _print_table(table: Table) -> None:
    """On a terminal, fit the screen; in a pipe or file, never cut a cell short."""
    from rich.console import Console

    console = Console(highlight=False)
    if not console.is_terminal:
        needed = Console(width=100_000).measure(table).maximum
        console = Console(width=max(needed, 40), highlight=False)
    console.print(table)


def _state_counts(trials: Sequence[FrozenTrial]) -> dict[str, int]:
    from ..trial import TrialState

    counts = dict.fromkeys((s.value for s in TrialState), 0)
    for t in trials:
        counts[t.state.value] += 1
    return counts


# --- commands ----------------------------------------------------------------------------
def _cmd_run(args: argparse.Namespace) -> int:
    from ..study.progress import set_verbosity
    from .config import load_config, run_config

    cfg = load_config(args.config)
    overrides = {
        key: getattr(args, key)
        for key in ("n_trials", "seed", "timeout")
        if getattr(args, key) is not None
    }
    cfg = cfg.replace(**overrides)
    set_verbosity(0 if args.quiet else 1)
    study = run_config(cfg, storage_override=args.storage, n_jobs=args.jobs or 1)
    trials = study.trials
    counts = ", ".join(f"{n} {s.lower()}" for s, n in _state_counts(trials).items() if n)
    where = args.storage or cfg.storage or DEFAULT_STORAGE
    print(
        f"Study {study.name!r} ({study.direction.value}) in {where}: "
        f"{len(trials)} trials ({counts or 'none'}).",
        file=sys.stderr,
    )
    try:
        best = _best_json(study)
    except CommandError:
        failed = [t for t in trials if t.error]
        last = failed[-1].error.splitlines()[0] if failed and failed[-1].error else "none"
        print(
            f"hypersweep: no trial completed; the last error was: {last}. "
            f"See them all with: hypersweep show {study.name}",
            file=sys.stderr,
        )
        return 1
    print(_dumps(best))
    return 0


def _cmd_worker(args: argparse.Namespace) -> int:
    from ..study.factory import load_study
    from ..study.progress import set_verbosity
    from .config import import_objective, pruner_for, sampler_for

    storage = args.storage or DEFAULT_STORAGE
    study = load_study(args.study, storage=storage)
    settings = dict(study.system_attrs.get("run") or {})
    ref = args.objective or settings.get("objective")
    if not ref:
        raise CommandError(
            f"study {args.study!r} was not started by `hypersweep run`, so it stores no "
            "objective: pass --objective module:function"
        )
    objective = import_objective(ref, settings.get("folder") or os.getcwd())
    study = load_study(args.study, storage=storage, sampler=sampler_for(settings),
                       pruner=pruner_for(settings.get("pruner")),
                       seed=settings.get("seed"))  # fmt: skip
    n_trials = args.n_trials if args.n_trials is not None else settings.get("n_trials")
    timeout = args.timeout if args.timeout is not None else settings.get("timeout")
    if n_trials is None and timeout is None and settings.get("sampler") != "grid":
        raise CommandError("the study stores no budget: pass --n-trials N or --timeout SECONDS")
    set_verbosity(0 if args.quiet else 1)
    study.optimize(objective, n_trials, timeout=timeout, n_jobs=args.jobs or 1,
                   retries=args.retries)  # fmt: skip
    done = sum(t.state.value == "COMPLETE" for t in study.trials)
    print(f"Study {study.name!r}: {done} complete trials; this worker is done.", file=sys.stderr)
    return 0


def _cmd_studies(args: argparse.Namespace) -> int:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    from ..study.factory import load_study

    url = _url(args)
    store = _open_storage(url)
    try:
        records = store.list_studies()
        if not records:
            print(f"No studies in {url}.")
            return 0
        table = Table(title=f"Studies in {url}", box=box.SIMPLE_HEAD, title_justify="left")
        for name in ("study", "direction", "trials", "complete", "pruned", "fail", "running"):
            table.add_column(name, justify="left" if name in ("study", "direction") else "right")
        table.add_column("best value", justify="right")
        for record in records:
            study = load_study(record.name, storage=store)
            trials = study.trials
            counts = _state_counts(trials)
            best = study.best_value if counts["COMPLETE"] else None
            running = counts["RUNNING"] + counts["WAITING"]
            cells = [
                record.name,
                study.direction.value,
                len(trials),
                counts["COMPLETE"],
                counts["PRUNED"],
                counts["FAIL"],
                running,
                best,
            ]
            table.add_row(*(Text(_fmt(c)) for c in cells))
        _print_table(table)
    finally:
        store.close()
    return 0


def _shown_trials(study: Study, sort: str, limit: int | None) -> list[FrozenTrial]:
    from ..trial import TrialState

    trials = study.trials
    if sort == "value":
        sign = study.direction.sign()
        done = [t for t in trials if t.state is TrialState.COMPLETE and t.value is not None]
        rest = [t for t in trials if t not in done]
        trials = sorted(done, key=lambda t: sign * (t.value or 0.0)) + rest
        return trials[:limit] if limit is not None else trials
    return trials[-limit:] if limit else ([] if limit == 0 else trials)


def _columns(study: Study, trials: Sequence[FrozenTrial]) -> tuple[list[str], list[str]]:
    """Parameter paths (in the space's order) and user-attribute keys used by ``trials``."""
    used: dict[str, None] = {}
    for t in trials:
        used.update(dict.fromkeys(t.flat))
    order = list(study.space.leaves) if study.space is not None else []
    params = [p for p in order if p in used] + [p for p in used if p not in order]
    attrs: dict[str, None] = {}
    for t in trials:
        attrs.update(dict.fromkeys(t.user_attrs))
    return params, list(attrs)


_STATE_STYLE = {"FAIL": "red", "PRUNED": "yellow", "RUNNING": "dim", "WAITING": "dim"}


def _error_line(trial: FrozenTrial) -> str:
    """The line of an error that says what went wrong (a traceback's last one)."""
    lines = (trial.error or "").strip().splitlines()
    return lines[-1] if lines else ""


def _trial_table(study: Study, trials: Sequence[FrozenTrial], title: str) -> Table:
    """Rows of trials; steps and error columns only when some trial has them."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    from ..report._data import repeat_values

    params, attrs = _columns(study, trials)
    steps = any(t.intermediate for t in trials)
    repeats = any(repeat_values(t) for t in trials)
    errors = any(t.error for t in trials)
    table = Table(title=title, box=box.SIMPLE_HEAD, title_justify="left")
    heads = ["#", "state", "value", "duration", *(["steps"] if steps else [])]
    heads += [*(["repeats", "std"] if repeats else []), *params]
    for name in heads:
        right = name in ("#", "value", "duration", "steps", "repeats", "std")
        table.add_column(name, justify="right" if right else "left")
    for key in attrs:
        table.add_column(f"attrs.{key}", style="dim")
    if errors:
        table.add_column("error", style="red")
    for t in trials:
        duration = f"{t.duration:.2f}s" if t.duration is not None else ""
        cells: list[Any] = [t.number, t.state.value, t.value, duration]
        cells += [len(t.intermediate) or None] if steps else []
        if repeats:
            scores = repeat_values(t)
            cells += [len(scores) or None, _sample_std(scores)]
        cells += [t.flat.get(p) for p in params] + [t.user_attrs.get(k) for k in attrs]
        cells += [_error_line(t)] if errors else []
        row = [Text(_fmt(c)) for c in cells]
        row[1].stylize(_STATE_STYLE.get(t.state.value, ""))
        table.add_row(*row)
    return table


def _sample_std(values: Sequence[float]) -> float | None:
    if len(values) < 2:
        return None
    mean = math.fsum(values) / len(values)
    return math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (len(values) - 1))


def _repeated(trials: Sequence[FrozenTrial], shown: int = 5) -> list[str]:
    """One line per configuration run more than once: its trials, mean and spread."""
    from ..trial import TrialState

    groups: dict[str, list[FrozenTrial]] = {}
    for t in trials:
        if t.state is TrialState.COMPLETE and t.value is not None and t.flat:
            groups.setdefault(json.dumps(t.flat, sort_keys=True, default=str), []).append(t)
    lines = []
    for members in (g for g in groups.values() if len(g) > 1):
        values = [float(t.value or 0.0) for t in members]
        mean = sum(values) / len(values)
        std = math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))
        numbers = ", ".join(f"#{t.number}" for t in members)
        lines.append(f"  trials {numbers}: mean {mean:.6g}, std {std:.3g}")
    if len(lines) > shown:
        lines = [*lines[:shown], f"  ... and {len(lines) - shown} more"]
    return lines


def _cmd_show(args: argparse.Namespace) -> int:
    url = _url(args)
    store = _open_storage(url)
    try:
        study = _load(args, store)
        every = study.trials
        trials = _shown_trials(study, args.sort, args.limit)
        shown = f"{len(trials)} of {len(every)}" if len(trials) != len(every) else len(every)
        title = f"Study {study.name!r} ({study.direction.value}) in {url}: {shown} trials"
        _print_table(_trial_table(study, trials, title))
        counts = ", ".join(f"{n} {s.lower()}" for s, n in _state_counts(every).items() if n)
        print(f"{len(every)} trials: {counts or 'none yet'}.")
        repeated = _repeated(every)
        if repeated:
            print(f"Configurations run more than once ({len(repeated)}):")
            print("\n".join(repeated))
        try:
            best = _best_json(study)
        except CommandError:
            print("No COMPLETE trial yet.")
            return 0
        print(f"Best trial: #{best['number']} with value {_fmt(best['value'])}")
        print(_dumps(best["params"]))
    finally:
        store.close()
    return 0


def _cmd_best(args: argparse.Namespace) -> int:
    store = _open_storage(_url(args))
    try:
        print(_dumps(_best_json(_load(args, store))))
    finally:
        store.close()
    return 0


def _csv_text(records: list[dict[str, Any]]) -> str:
    import csv
    import io

    seen: dict[str, int] = {}
    for row in records:
        for key in row:
            seen.setdefault(key, len(seen))

    def group(key: str) -> tuple[int, int]:
        head = ("number", "state", "value", "started", "finished", "duration")
        if key in head:
            return 0, head.index(key)
        if key == "error":
            return 4, 0
        rank = 1 if key.startswith("params_") else 2 if key.startswith("user_attrs_") else 3
        return rank, seen[key]

    fields = sorted(seen, key=group)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, restval="", lineterminator="\n")
    writer.writeheader()
    for row in records:
        writer.writerow(
            {
                k: json.dumps(v, default=str) if isinstance(v, (dict, list)) else v
                for k, v in row.items()
            }
        )
    return out.getvalue()


def _cmd_export(args: argparse.Namespace) -> int:
    store = _open_storage(_url(args))
    try:
        records = _load(args, store).to_records()
    finally:
        store.close()
    fmt = args.format or ("json" if str(args.output or "").endswith(".json") else "csv")
    text = _dumps(records) + "\n" if fmt == "json" else _csv_text(records)
    if args.output:
        with open(args.output, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        print(f"Wrote {len(records)} trials to {args.output} ({fmt}).", file=sys.stderr)
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
    return 0


def _cmd_delete(args: argparse.Namespace) -> int:
    url = _url(args)
    store = _open_storage(url)
    try:
        study = _load(args, store)
        n = len(study.trials)
        if not args.yes:
            if not sys.stdin.isatty():
                raise CommandError(
                    f"not deleting study {study.name!r} ({n} trials): there is no terminal to "
                    f"confirm on; pass --yes to delete without asking"
                )
            try:
                answer = input(
                    f"Delete study {study.name!r} and its {n} trials from {url}? "
                    f"This cannot be undone. [y/N] "
                )
            except EOFError:
                answer = ""
            if answer.strip().lower() not in ("y", "yes"):
                print("Not deleted.", file=sys.stderr)
                return 1
        store.delete_study(study.name)
    finally:
        store.close()
    print(f"Deleted study {args.study!r} ({n} trials) from {url}.")
    return 0


def _report_file(name: str) -> str:
    """A file name made from a study name: letters, digits, dot, dash and underscore only."""
    import re

    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "study"
    return f"{stem}.html"


def _needs_plotly() -> None:
    try:
        import plotly  # noqa: F401
    except ImportError:
        raise CommandError(
            "the report and dashboard draw with plotly, which is not installed: "
            "pip install 'hypersweep[plot]'"
        ) from None


def _cmd_report(args: argparse.Namespace) -> int:
    _needs_plotly()
    from ..report import write_report

    store = _open_storage(_url(args))
    try:
        study = _load(args, store)
        path = args.output or _report_file(study.name)
        write_report(study, path, title=args.title)
        n = len(study.trials)
    finally:
        store.close()
    print(f"Wrote the report of study {study.name!r} ({n} trials) to {path}.", file=sys.stderr)
    return 0


def _cmd_dashboard(args: argparse.Namespace) -> int:
    _needs_plotly()
    from ..report.dashboard import serve

    url = _url(args)
    _open_storage(url).close()  # a missing SQLite file is an error, not a new database
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


def _cmd_benchmark(args: argparse.Namespace) -> int:
    from .. import harness as benchmarks

    if args.list:
        for p in benchmarks.PROBLEMS.values():
            print(f"problem  {p.name:<18} {p.kind:<12} {p.dim}-D")
        for m in benchmarks.METHODS:
            why = benchmarks.unavailable(m)
            print(f"method   {m:<24} {'ok' if why is None else 'unavailable: ' + why}")
        return 0
    problems = benchmarks.problems.get(args.problems) if args.problems else None
    for m in args.methods or []:
        if m not in benchmarks.METHODS:
            raise CommandError(f"unknown method {m!r}: choose from {', '.join(benchmarks.METHODS)}")
    if args.seeds < 1:
        raise CommandError("--seeds must be at least 1, but got 0")
    benchmarks.benchmark(
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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
