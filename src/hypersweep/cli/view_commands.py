"""The commands that look at studies: ``show`` in the terminal, report and dashboard
in a browser, and the sampler benchmark, which touches no storage.

``show`` reads what it prints, not the study: the counts, best trial and state line
come from the storage's brief rows (number, state, value: no parameters to decode),
the table from the 50 trials it lists, so a 20,000-trial study shows as fast as a
small one.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from .._checks import int_at_least
from ..trial import TrialState
from .shared import (
    CommandError,
    dumps,
    load_named,
    open_storage,
    storage_url,
    with_real_params,
)
from .tables import directions_text, fmt, objective_names, print_table, repeated_lines, trial_table

if TYPE_CHECKING:
    from ..storage import Storage
    from ..storage.base import TrialBrief
    from ..study import Study
    from ..trial import FrozenTrial


@dataclass(frozen=True)
class StoredStudy:
    """What ``show`` needs of a study, straight from its stored record: opening it as a
    Study would build its sampler (importing TPE costs more than showing 50 rows)."""

    name: str
    direction: Any
    space: Any
    record: Any
    storage: Any


def stored_study(args: argparse.Namespace, store: Storage) -> Study:
    """The study the command line names, as a :class:`StoredStudy`."""
    from ..exceptions import StudyNotFound
    from ..space.tree import Space

    try:
        record = store.get_study(args.study)
    except StudyNotFound:
        return load_named(args, store)  # raises, naming the studies that are there
    space = None if record.space is None else Space.from_json(record.space)
    view = StoredStudy(record.name, record.directions[0], space, record, store)
    return cast("Study", view)


def show_limit(args: argparse.Namespace) -> int | None:
    """``--limit N``, every trial with ``--all``, else the last ``SHOW_LIMIT``."""
    from .defaults import SHOW_LIMIT

    if getattr(args, "all", False):
        return None
    return args.limit if args.limit is not None else SHOW_LIMIT


def listed_trials(
    store: Storage, study: Study, briefs: list[TrialBrief], sort: str, limit: int | None
) -> list[FrozenTrial]:
    """The rows of ``show``: the last ``limit`` trials, or the ``limit`` best by value
    (then the others in number order); only those trials are read whole."""
    from ..storage.base import ranked

    sid = study.record.study_id
    if sort != "value":
        if limit is None:
            return store.read_page(sid)
        return store.read_last_trials(sid, limit)
    best = [t.number for t in ranked(briefs, study.direction)]
    taken = set(best)
    order = (best + [t.number for t in briefs if t.number not in taken])[:limit]
    found = {t.number: t for t in store.read_numbers(sid, order)}
    return [found[n] for n in order if n in found]


def cmd_show(args: argparse.Namespace) -> int:
    """The trials table, the state counts, repeated configurations and the best trial,
    read through the storage's light reads (see the module's docstring)."""
    from ..storage.base import ranked

    url = storage_url(args)
    store = open_storage(url)
    try:
        study = stored_study(args, store)
        sid = study.record.study_id
        briefs = store.read_briefs(sid, flat=True).trials
        total, limit = len(briefs), show_limit(args)
        trials = listed_trials(store, study, briefs, args.sort, limit)
        shown = f"{len(trials)} of {total}" if len(trials) != total else total
        title = f"Study {study.name!r} ({directions_text(study)}) in {url}: {shown} trials"
        print_table(trial_table(study, trials, title))
        if args.limit is None and limit is not None and total > limit:
            which = "best" if args.sort == "value" else "last"
            print(
                f"Only the {which} {limit} of {total} trials are listed; "
                f"--limit N lists N, --all lists every one."
            )
        counts = dict.fromkeys(TrialState, 0)
        for b in briefs:
            counts[b.state] += 1
        states = ", ".join(f"{n} {s.value.lower()}" for s, n in counts.items() if n)
        print(f"{total} trials: {states or 'none yet'}.")
        repeated = repeated_lines(briefs)
        if repeated:
            print(f"Configurations run more than once ({len(repeated)}):")
            print("\n".join(repeated))
        if objective_names(study) is not None:
            print_front(study, store.read_page(sid))
            return 0
        top = ranked(briefs, study.direction)[:1]  # the briefs already say which is best
        found = store.read_numbers(sid, [top[0].number]) if top else []
        if not found:
            print("No COMPLETE trial yet.")
            return 0
        best = with_real_params(study, found[0])
        print(f"Best trial: #{best.number} with value {fmt(best.value)}")
        print(dumps(best.params))
    finally:
        store.close()
    return 0


def print_front(study: Study, trials: list[FrozenTrial]) -> None:
    """A multi-objective study's feasible Pareto front, in place of a best trial."""
    from ..study.export import front

    names = objective_names(study) or []
    found = front(trials, study.record.directions)
    if not found:
        print("No feasible COMPLETE trial yet, so no Pareto front.")
        return
    print(f"Pareto front ({len(found)} feasible trials; hypersweep best {study.name} prints "
          f"them as JSON, --knee/--weights/--where choose one):")  # fmt: skip
    for t in found:
        shown = ", ".join(f"{n}={fmt(v)}" for n, v in zip(names, t.values or (), strict=False))
        print(f"  #{t.number}: {shown}")


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
        n = store.count_trials(study.record.study_id)  # not study.trials: no full read
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
