"""The commands that read or remove stored studies: studies, show, best, export, delete."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from ..trial import FrozenTrial, TrialState
from .shared import (
    CommandError,
    best_json,
    dumps,
    load_named,
    open_storage,
    state_summary,
    storage_url,
)
from .tables import csv_text, fmt, print_table, repeated_lines, studies_table, trial_table

if TYPE_CHECKING:
    from ..study import Study


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
        print_table(studies_table(f"Studies in {url}", studies))
    finally:
        store.close()
    return 0


def shown_trials(study: Study, sort: str, limit: int | None) -> list[FrozenTrial]:
    """The rows of ``show``: the last ``limit`` trials, or the ``limit`` best by value."""
    trials = study.trials
    if sort == "value":
        sign = study.direction.sign()
        done = [t for t in trials if t.state is TrialState.COMPLETE and t.value is not None]
        rest = [t for t in trials if t not in done]
        trials = sorted(done, key=lambda t: sign * (t.value or 0.0)) + rest
        return trials[:limit] if limit is not None else trials
    return trials[-limit:] if limit else ([] if limit == 0 else trials)


def cmd_show(args: argparse.Namespace) -> int:
    """The trials table, the state counts, repeated configurations and the best trial."""
    url = storage_url(args)
    store = open_storage(url)
    try:
        study = load_named(args, store)
        every = study.trials
        trials = shown_trials(study, args.sort, args.limit)
        shown = f"{len(trials)} of {len(every)}" if len(trials) != len(every) else len(every)
        title = f"Study {study.name!r} ({study.direction.value}) in {url}: {shown} trials"
        print_table(trial_table(study, trials, title))
        print(f"{len(every)} trials: {state_summary(every) or 'none yet'}.")
        repeated = repeated_lines(every)
        if repeated:
            print(f"Configurations run more than once ({len(repeated)}):")
            print("\n".join(repeated))
        try:
            best = best_json(study)
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
        print(dumps(best_json(load_named(args, store))))
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
        n = len(study.trials)
        if not args.yes and not _confirmed(study.name, n, url):
            print("Not deleted.", file=sys.stderr)
            return 1
        store.delete_study(study.name)
    finally:
        store.close()
    print(f"Deleted study {args.study!r} ({n} trials) from {url}.")
    return 0
