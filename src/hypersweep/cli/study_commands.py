"""The commands that read or remove stored studies: studies, best, export, delete."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .shared import (
    CommandError,
    best_json,
    dumps,
    load_named,
    open_storage,
    state_counts,
    storage_url,
    stored_trials,
    trial_json,
    with_real_params,
)
from .tables import csv_text, print_table, study_row, summary_table

if TYPE_CHECKING:
    from ..storage import Storage, StudyRecord
    from ..study import Study


def cmd_studies(args: argparse.Namespace) -> int:
    """A table of the studies in a storage."""
    from ..study.factory import load_study

    url = storage_url(args)
    store = open_storage(url)

    def row(record: StudyRecord) -> tuple[Study, dict[str, int], Any]:
        study = load_study(record.name, storage=store)
        trials = stored_trials(study)
        return study_row(study, state_counts(trials), trials)

    return print_studies(url, store, row)


def print_studies(
    url: str, store: Storage, row: Callable[[StudyRecord], tuple[Study, dict[str, int], Any]]
) -> int:
    """The table of the studies in ``store`` (at ``url``), one ``row(record)`` each: the
    full ``studies`` opens each study, the light one reads counts; closes ``store``."""
    try:
        records = store.list_studies()
        if not records:
            print(f"No studies in {url}.")
            return 0
        print_table(summary_table(f"Studies in {url}", [row(r) for r in records]))
    finally:
        store.close()
    return 0


def cmd_best(args: argparse.Namespace) -> int:
    """The best trial as JSON on stdout; for a multi-objective study the Pareto front, or
    the one trial ``--knee``, ``--weights a=1,b=0.2`` or ``--best a --where "b<=10"``
    selects (see ``Study.select_trial``)."""
    store = open_storage(storage_url(args))
    try:
        study = load_named(args, store)
        how = selection(args)
        if how is None:
            print(dumps(best_json(study, stored_trials(study))))
        else:
            try:
                chosen = study.select_trial(**how)
            except ValueError as exc:
                raise CommandError(str(exc)) from None
            print(dumps(trial_json(study, with_real_params(study, chosen))))
    finally:
        store.close()
    return 0


_BOUND = re.compile(r"^\s*([^<>=\s]+)\s*(<=|>=|<|>)\s*(\S+)\s*$")


def selection(args: argparse.Namespace) -> dict[str, Any] | None:
    """``Study.select_trial``'s arguments from ``best``'s options; None when none was given."""
    knee = getattr(args, "knee", False)
    weights = getattr(args, "weights", None)
    best = getattr(args, "best_of", None)
    where = getattr(args, "where", None) or []
    if isinstance(where, str):
        where = [where]
    if not (knee or weights or best or where):
        return None
    if sum(map(bool, (knee, weights, best or where))) > 1:
        raise CommandError("give one of --knee, --weights, or --best/--where")
    if knee:
        return {"how": "knee"}
    if weights:
        return {"weights": parse_pairs(weights)}
    bounds: dict[str, tuple[str, float]] = {}
    for text in (part for item in where for part in item.split(",") if part.strip()):
        found = _BOUND.match(text)
        if found is None:
            raise CommandError(f"--where {text!r}: write NAME<=NUMBER (or <, >=, >), "
                               f"e.g. --where 'latency_ms<=10'")  # fmt: skip
        bounds[found[1]] = (found[2], number(found[3], f"--where {text!r}"))
    return {"best": best, "where": bounds or None}


def parse_pairs(text: str) -> dict[str, float]:
    """``a=1,b=0.2`` as ``{"a": 1.0, "b": 0.2}``."""
    out = {}
    for part in (p for p in text.split(",") if p.strip()):
        name, eq, value = part.partition("=")
        if not eq or not name.strip():
            raise CommandError(f"--weights {text!r}: write NAME=NUMBER pairs separated by "
                               f"commas, e.g. --weights accuracy=1,latency_ms=0.2")  # fmt: skip
        out[name.strip()] = number(value, f"--weights {text!r}")
    return out


def number(text: str, where: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise CommandError(f"{where}: {text!r} is not a number") from None


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
