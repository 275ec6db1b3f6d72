"""The commands that read or remove stored studies: studies, show, best, export, delete."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ..trial import Direction, FrozenTrial, TrialState
from .defaults import SHOW_LIMIT
from .shared import (
    CommandError,
    best_json,
    dumps,
    load_named,
    open_storage,
    state_summary,
    storage_url,
    stored_trials,
)
from .tables import csv_text, fmt, print_table, repeated_lines, studies_table, trial_table


def cmd_studies(args: argparse.Namespace) -> int:
    """A table of the studies in a storage."""
    from ..study.factory import load_study

    url = storage_url(args)
    store = open_storage(url)
    try:
        records = store.list_studies()
        if not records:
            print(f"No studies in {url}.")
            return 0
        studies = [load_study(record.name, storage=store) for record in records]
        rows = [(study, stored_trials(study)) for study in studies]
        print_table(studies_table(f"Studies in {url}", rows))
    finally:
        store.close()
    return 0


def shown_trials(
    trials: Sequence[FrozenTrial], direction: Direction, sort: str, limit: int | None
) -> list[FrozenTrial]:
    """The rows of ``show``: the last ``limit`` trials, or the ``limit`` best by value."""
    if sort == "value":
        sign = direction.sign()
        done = [t for t in trials if t.state is TrialState.COMPLETE and t.value is not None]
        taken = {t.number for t in done}
        rest = [t for t in trials if t.number not in taken]
        ordered = sorted(done, key=lambda t: sign * (t.value or 0.0)) + rest
        return ordered[:limit] if limit is not None else ordered
    return list(trials[-limit:] if limit else ([] if limit == 0 else trials))


def show_limit(args: argparse.Namespace) -> int | None:
    """``--limit N``, every trial with ``--all``, else the last :data:`SHOW_LIMIT`."""
    if getattr(args, "all", False):
        return None
    return args.limit if args.limit is not None else SHOW_LIMIT


def cmd_show(args: argparse.Namespace) -> int:
    """The trials table, the state counts, repeated configurations and the best trial.

    Reads the stored trials once and rebuilds parameter values for the best trial
    only; the table shows the last (or best) :data:`SHOW_LIMIT` trials unless told.
    """
    url = storage_url(args)
    store = open_storage(url)
    try:
        study = load_named(args, store)
        every = stored_trials(study)
        limit = show_limit(args)
        trials = shown_trials(every, study.direction, args.sort, limit)
        shown = f"{len(trials)} of {len(every)}" if len(trials) != len(every) else len(every)
        title = f"Study {study.name!r} ({study.direction.value}) in {url}: {shown} trials"
        print_table(trial_table(study, trials, title))
        if args.limit is None and limit is not None and len(every) > limit:
            which = "best" if args.sort == "value" else "last"
            print(
                f"Only the {which} {limit} of {len(every)} trials are listed; "
                f"--limit N lists N, --all lists every one."
            )
        print(f"{len(every)} trials: {state_summary(every) or 'none yet'}.")
        repeated = repeated_lines(every)
        if repeated:
            print(f"Configurations run more than once ({len(repeated)}):")
            print("\n".join(repeated))
        try:
            best = best_json(study, every)
        except CommandError:
            print("No COMPLETE trial yet.")
            return 0
        print(f"Best trial: #{best['number']} with value {fmt(best['value'])}")
        print(dumps(best["params"]))
    finally:
        store.close()
    return 0


def cmd_best(args: argparse.Namespace) -> int:
    """The best trial as JSON on stdout."""
    store = open_storage(storage_url(args))
    try:
        study = load_named(args, store)
        print(dumps(best_json(study, stored_trials(study))))
    finally:
        store.close()
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """Every trial as CSV or JSON, on stdout or into ``-o FILE``."""
    store = open_storage(storage_url(args))
    try:
        records = load_named(args, store).to_records()
    finally:
        store.close()
    fmt_name = args.format or ("json" if str(args.output or "").endswith(".json") else "csv")
    text = dumps(records) + "\n" if fmt_name == "json" else csv_text(records)
    if args.output:
        with open(args.output, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        print(f"Wrote {len(records)} trials to {args.output} ({fmt_name}).", file=sys.stderr)
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
    return 0


def _confirmed(name: str, n: int, url: str) -> bool:
    """Ask on the terminal; without one, refuse and say how to delete anyway."""
    if not sys.stdin.isatty():
        raise CommandError(
            f"not deleting study {name!r} ({n} trials): there is no terminal to "
            f"confirm on; pass --yes to delete without asking"
        )
    try:
        answer = input(
            f"Delete study {name!r} and its {n} trials from {url}? This cannot be undone. [y/N] "
        )
    except EOFError:
        answer = ""
    return answer.strip().lower() in ("y", "yes")


def cmd_delete(args: argparse.Namespace) -> int:
    """Delete a study and its trials, after a confirmation unless ``--yes``."""
    url = storage_url(args)
    store = open_storage(url)
    try:
        study = load_named(args, store)
        n = len(stored_trials(study))
        if not args.yes and not _confirmed(study.name, n, url):
            print("Not deleted.", file=sys.stderr)
            return 1
        store.delete_study(study.name)
    finally:
        store.close()
    print(f"Deleted study {args.study!r} ({n} trials) from {url}.")
    return 0
