"""The commands that read or remove stored studies: studies, best, export, delete."""

from __future__ import annotations

import argparse
import sys

from .shared import (
    CommandError,
    best_json,
    dumps,
    load_named,
    open_storage,
    storage_url,
    stored_trials,
)
from .tables import csv_text, print_table, studies_table


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
