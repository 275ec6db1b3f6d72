"""The `storage` fixture: every test taking it runs on memory, SQLite and PostgreSQL, and
on a storage with only the abstract methods (the base class's defaults)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hypersweep.storage import MemoryStorage, Storage
from hypersweep.storage.sql import SQLStorage

from .forwarding import Forwarding


def empty_postgres(url: str) -> SQLStorage:
    """A SQLStorage on the session's PostgreSQL database, emptied of earlier tests' studies."""
    import psycopg

    storage = SQLStorage(url)
    storage.prepare_for_writing()  # creates the tables the first time
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("TRUNCATE hs_trials, hs_studies")
    return storage


@pytest.fixture(params=["memory", "generic", "sqlite", "postgresql"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Storage]:
    """``generic``: only the abstract methods (forwarded to memory), so every other
    method runs the base class's default, which any storage inherits."""
    kind = request.param
    if kind == "memory":
        store: Storage = MemoryStorage()
    elif kind == "generic":
        store = Forwarding()
    elif kind == "sqlite":  # a hypersweep database without studies, as memory starts
        sqlite = SQLStorage(f"sqlite:///{tmp_path / 'studies.db'}")
        sqlite.prepare_for_writing()
        store = sqlite
    else:
        store = empty_postgres(request.getfixturevalue("postgres_url"))
    yield store
    store.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def sql_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL for each SQL backend; the PostgreSQL database starts without studies."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'studies.db'}"
    url: str = request.getfixturevalue("postgres_url")
    empty_postgres(url).close()
    return url
