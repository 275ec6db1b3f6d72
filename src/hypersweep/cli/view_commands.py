"""The commands that look at studies: ``show`` in the terminal, report and dashboard
in a browser, and the sampler benchmark, which touches no storage.

``show`` reads what it prints, not the study: the counts, best trial and state line
come from the storage's brief rows (number, state, value: no parameters to decode),
the table from the 50 trials it lists, so a 20,000-trial study shows as fast as a
small one. On a plain SQLite file ``show`` (and the light ``studies`` and ``best``
below) read through :mod:`hypersweep.storage.sql.readonly`, the standard library's
``sqlite3`` opened read-only: importing SQLAlchemy alone cost more than the reads.
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
    from types import ModuleType

    from ..storage import Storage
    from ..storage.base import StudyRecord, TrialBrief
    from ..storage.sql.readonly import ReadOnlySQLite
    from ..study import Study
    from ..trial import FrozenTrial


@dataclass(frozen=True)
class StoredStudy:
    """What ``show``, ``studies`` and ``best`` need of a study, straight from its stored
    record: opening it as a Study would build its sampler (importing TPE costs more than
    showing 50 rows)."""

    name: str
    direction: Any
    space: Any
    record: Any
    storage: Any

    @property
    def directions(self) -> Any:
        return self.record.directions

    @property
    def objective_names(self) -> tuple[str, ...]:
        names = self.record.system_attrs.get("objective_names")
        return tuple(names) if names else tuple(f"values_{i}" for i in range(len(self.directions)))


def readonly_module() -> ModuleType:
    """:mod:`hypersweep.storage.sql.readonly`, loaded without running
    ``storage/sql/__init__.py`` when that has not run yet: it imports SQLAlchemy, the
    cost this reader exists to avoid."""
    name = "hypersweep.storage.sql.readonly"
    if name in sys.modules:
        return sys.modules[name]
    if "hypersweep.storage.sql" in sys.modules:
        from ..storage.sql import readonly

        return readonly
    import importlib.util
    from pathlib import Path

    from .. import storage

    spec = importlib.util.spec_from_file_location(
        name, Path(storage.__file__).parent / "sql" / "readonly.py"
    )
    assert spec is not None and spec.loader is not None  # a file of this package
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def open_reader(url: str, study: str | None = None) -> ReadOnlySQLite | None:
    """The read-only sqlite3 reader of ``url`` (holding ``study``, when named), or None:
    then the command opens the full storage, whose messages and rules apply."""
    reader = cast("ReadOnlySQLite | None", readonly_module().open_readonly(url))
    if reader is None or study is None:
        return reader
    from ..exceptions import StudyNotFound

    try:
        reader.get_study(study)
    except StudyNotFound:
        reader.close()  # the full storage names the studies that are there
        return None
    return reader


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


def repeat_briefs(reader: ReadOnlySQLite, sid: int, listed: list[FrozenTrial]) -> list[TrialBrief]:
    """Briefs with flat values enough to find every repeated configuration: the reader's
    candidates, grouped in SQL by the non-float values the listed trials hold, or else
    every trial's."""
    keys = {k: None for t in listed for k, v in t.flat.items() if type(v) in (int, str, bool)}
    found = reader.repeat_candidates(sid, list(keys))
    return reader.read_briefs(sid, flat=True).trials if found is None else found


def state_line(counts: dict[TrialState, int]) -> str:
    """``"20 trials: 1 running, 17 complete, 2 fail."``"""
    states = ", ".join(f"{n} {s.value.lower()}" for s, n in counts.items() if n)
    return f"{sum(counts.values())} trials: {states or 'none yet'}."


def cmd_show(args: argparse.Namespace) -> int:
    """The trials table, the state counts, repeated configurations and the best trial,
    read through the storage's light reads (see the module's docstring)."""
    from ..storage.base import ranked

    url = storage_url(args)
    reader = open_reader(url, args.study)
    store: Storage = reader or open_storage(url)
    try:
        study = stored_study(args, store)
        sid = study.record.study_id
        briefs: list[TrialBrief] = []
        if reader is not None and args.sort != "value":  # counted in SQL, no brief per trial
            counts = reader.state_counts(sid)
        else:
            briefs = store.read_briefs(sid, flat=reader is None).trials
            counts = dict.fromkeys(TrialState, 0)
            for b in briefs:
                counts[b.state] += 1
        total, limit = sum(counts.values()), show_limit(args)
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
        print(state_line(counts))
        repeated = repeated_lines(briefs if reader is None else repeat_briefs(reader, sid, trials))
        if repeated:
            print(f"Configurations run more than once ({len(repeated)}):")
            print("\n".join(repeated))
        if objective_names(study) is not None:
            print_front(study, store.read_page(sid) if reader is None else reader.outcomes(sid))
            return 0
        if reader is not None:
            top = [b for b in [reader.best_brief(sid, study.direction)] if b is not None]
        else:
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


def cmd_studies_light(args: argparse.Namespace) -> int:
    """``hypersweep studies`` read through the read-only reader: per study, one grouped
    count and the valued COMPLETE trials' values, no study opened, no trial decoded.
    Anything but a plain SQLite file goes to the full command."""
    reader = open_reader(storage_url(args))
    if reader is None:
        from .study_commands import cmd_studies

        return cmd_studies(args)
    from .study_commands import print_studies
    from .tables import study_row

    def row(record: StudyRecord) -> tuple[Study, dict[str, int], Any]:
        view = cast("Study", StoredStudy(record.name, record.directions[0], None, record,
                                         reader))  # fmt: skip
        counts = {s.value: n for s, n in reader.state_counts(record.study_id).items()}
        return study_row(view, counts, reader.outcomes(record.study_id))

    return print_studies(storage_url(args), reader, row)


def cmd_best_light(args: argparse.Namespace) -> int:
    """``hypersweep best`` read through the read-only reader: the best (or the Pareto
    front) chosen from the valued COMPLETE trials' values, and only the trials it prints
    read whole. A selection (``--knee``, ``--weights``, ``--best/--where``), or anything
    but a plain SQLite file, goes to the full command."""
    from .study_commands import cmd_best, selection

    reader = open_reader(storage_url(args), args.study) if selection(args) is None else None
    if reader is None:
        return cmd_best(args)
    from .shared import best_json, best_of

    try:
        study = stored_study(args, reader)
        sid = study.record.study_id
        outcomes = reader.outcomes(sid)
        if len(study.directions) > 1:
            from ..study.export import front

            chosen = [t.number for t in front(outcomes, study.directions)]
        else:
            found = best_of(outcomes, study.direction)
            chosen = [] if found is None else [found.number]
        # the same choice again, on the chosen trials read whole: the same JSON as `best`
        print(dumps(best_json(study, reader.read_numbers(sid, chosen))))
    finally:
        reader.close()
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
    """Fail with the install command, before any work, when plotly is missing.

    Only looked up, not imported: the report reads plotly.js from the package's files
    and builds its figures as plain dicts."""
    import importlib.util

    if importlib.util.find_spec("plotly") is None:
        raise CommandError(
            "the report and dashboard draw with plotly, which is not installed: "
            "pip install 'hypersweep[plot]'"
        )


def cmd_report(args: argparse.Namespace) -> int:
    """Write one self-contained HTML file for a study."""
    needs_plotly()
    from ..report import write_report

    url = storage_url(args)
    reader = open_reader(url, args.study)  # a plain SQLite file: no SQLAlchemy to import
    store: Storage = reader or open_storage(url)
    try:
        study = load_named(args, store, sampler="random")  # the report never asks for a trial
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
