"""The commands that move studies: copy, import (Optuna or archive), export --format archive."""

from __future__ import annotations

import argparse
import sys

from .defaults import DEFAULT_STORAGE
from .shared import open_storage, storage_url
from .study_commands import cmd_export


def cmd_copy(args: argparse.Namespace) -> int:
    """Copy a study between storages (SQLite <-> PostgreSQL), every trial field kept."""
    from ..storage import get_storage
    from ..transfer import copy_study

    src = open_storage(args.source)
    dst = get_storage(args.to)
    try:
        record = copy_study(src, args.study, dst, new_name=args.new_name)
        n = len(dst.read_trials(record.study_id).trials)
    finally:
        src.close()
        dst.close()
    print(f"Copied study {args.study!r} ({n} trials) to {args.to} as {record.name!r}.")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    """Import an Optuna study or a hypersweep archive into --to (default storage)."""
    from ..storage import get_storage
    from ..transfer import import_archive, import_optuna

    dst = get_storage(args.to or DEFAULT_STORAGE)
    try:
        if args.kind == "optuna":
            if not args.optuna_url or not args.study:
                raise ValueError(
                    "hypersweep import optuna needs --from URL and --study NAME, e.g. "
                    "--from sqlite:///optuna.db --study my-study"
                )
            source = args.optuna_url
            record = import_optuna(source, args.study, dst, new_name=args.new_name)
        else:
            if not args.source:
                raise ValueError("hypersweep import archive needs the archive FILE")
            source = args.source
            record = import_archive(source, dst, new_name=args.new_name)
        n = len(dst.read_trials(record.study_id).trials)
    finally:
        dst.close()
    print(f"Imported study {record.name!r} ({n} trials) from {source}.")
    return 0


def cmd_export_any(args: argparse.Namespace) -> int:
    """``export``: CSV / JSON rows, or with ``--format archive`` the whole study."""
    if args.format != "archive":
        return cmd_export(args)
    from ..transfer import export_archive

    if not args.output:
        raise ValueError("--format archive writes a file: give -o FILE.json")
    store = open_storage(storage_url(args))
    try:
        export_archive(store, args.study, args.output)
    finally:
        store.close()
    print(f"Wrote study {args.study!r} to {args.output} (archive).", file=sys.stderr)
    return 0
