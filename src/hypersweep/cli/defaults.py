"""The CLI's defaults, defined once: ``hypersweep run``, every other command and the
YAML configs all fall back to the same storage; ``show`` lists the same number of
trials wherever it is described."""

from __future__ import annotations

DEFAULT_STORAGE = "sqlite:///hypersweep.db"
STORAGE_HELP = (
    f"storage URL (default: {DEFAULT_STORAGE}, i.e. hypersweep.db in the working directory)"
)
SHOW_LIMIT = 50  # rows of `hypersweep show` unless --limit or --all says otherwise
