"""Small shared pieces for the tests (storage URLs, objectives)."""

from __future__ import annotations

from pathlib import Path


def storage_url(kind: str, tmp_path: Path) -> str | None:
    """None keeps the study in memory; "sqlite" gives a fresh SQLite file."""
    if kind == "memory":
        return None
    return f"sqlite:///{tmp_path / 'studies.db'}"
