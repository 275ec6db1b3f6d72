"""Writing to an older study database upgrades it in place (reading it does not); a
newer one is refused.

The old databases are real: ``tests/fixtures/schema2.db`` was written by the
hypersweep of schema 2, and on PostgreSQL the same rows are copied into the
tables that hypersweep created there (``tests/fixtures/schema2_postgres.sql``).
"""

from __future__ import annotations

import logging
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

import hypersweep as hs
from hypersweep.exceptions import StorageError
from hypersweep.storage import SCHEMA_VERSION
from hypersweep.storage.sql import SQLStorage, probe, upgrade
from hypersweep.trial import TrialState

from .processes import in_processes

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
OLD_DB = FIXTURES / "schema2.db"
OLD_POSTGRES_TABLES = FIXTURES / "schema2_postgres.sql"
OLD = 2
DATA_TABLES = {"hs_studies": "study_id", "hs_trials": "trial_id"}


# --- old databases ---------------------------------------------------------------------
def engine(url: str) -> sa.Engine:
    return sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))


def postgres_at_schema_2(url: str) -> None:
    """The schema-2 tables on PostgreSQL, holding the rows of the schema-2 SQLite fixture."""
    import psycopg

    with sqlite3.connect(OLD_DB) as old, psycopg.connect(url) as conn:
        conn.execute(OLD_POSTGRES_TABLES.read_text())
        conn.execute("INSERT INTO hs_version (version) VALUES (%s)", (OLD,))
        for table, key in DATA_TABLES.items():
            rows = old.execute(f"SELECT * FROM {table} ORDER BY {key}")
            columns = [d[0] for d in rows.description]
            fixed = [[bool(v) if c in ("deleted", "counted") else v for c, v in zip(columns, r)]
                     for r in rows]  # fmt: skip
            marks = ", ".join(["%s"] * len(columns))
            with conn.cursor() as cur:
                cur.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                                fixed)  # fmt: skip
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', '{key}'), "
                         f"(SELECT max({key}) FROM {table}))")  # fmt: skip


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database of each SQL backend, this test's own."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'studies.db'}"
    make: Callable[[], str] = request.getfixturevalue("postgres_databases")
    return make()


@pytest.fixture
def old_url(fresh_url: str) -> str:
    """A database at schema 2 holding two studies with trials of every state."""
    if fresh_url.startswith("sqlite"):
        shutil.copy(OLD_DB, fresh_url.removeprefix("sqlite:///"))
    else:
        postgres_at_schema_2(fresh_url)
    return fresh_url


def snapshot(url: str) -> dict[str, Any]:
    """Tables, schema version, upgrade log and every row of the study tables."""
    eng = engine(url)
    with eng.connect() as conn:
        tables = sorted(sa.inspect(conn).get_table_names())
        found: dict[str, Any] = {"tables": tables}
        found["version"] = conn.execute(sa.text("SELECT version FROM hs_version")).all()
        for table, key in DATA_TABLES.items():
            found[table] = conn.execute(sa.text(f"SELECT * FROM {table} ORDER BY {key}")).all()
        if "hs_schema_log" in tables:
            log = "SELECT from_version, to_version, hypersweep_version FROM hs_schema_log"
            found["log"] = conn.execute(sa.text(log)).all()
    eng.dispose()
    return found


def open_for_writing(url: str) -> None:
    storage = SQLStorage(url)
    storage.prepare_for_writing()
    storage.close()


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture
def said() -> Iterator[list[str]]:
    """What the storage logged (its logger may not propagate to pytest's caplog)."""
    handler = Collect()
    logger = logging.getLogger("hypersweep.storage")
    logger.addHandler(handler)
    try:
        yield handler.messages
    finally:
        logger.removeHandler(handler)


# --- tests ----------------------------------------------------------------------------
def test_the_fixture_is_a_schema_2_database() -> None:
    with sqlite3.connect(OLD_DB) as conn:
        assert conn.execute("SELECT version FROM hs_version").fetchall() == [(OLD,)]
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "hs_schema_log" not in tables
    assert SCHEMA_VERSION == OLD + 1  # when the next step lands, add a fixture of schema 3


def test_every_older_version_has_a_step() -> None:
    assert sorted(upgrade.STEPS) == list(range(upgrade.OLDEST, SCHEMA_VERSION))


def test_new_database_starts_current_and_says_nothing(fresh_url: str, said: list[str]) -> None:
    open_for_writing(fresh_url)
    found = snapshot(fresh_url)
    assert found["version"] == [(SCHEMA_VERSION,)]
    assert found["log"] == []
    assert said == []


def test_upgrade_keeps_every_row_and_logs_once(old_url: str, said: list[str]) -> None:
    before = snapshot(old_url)
    assert before["version"] == [(OLD,)] and "hs_schema_log" not in before["tables"]
    open_for_writing(old_url)
    after = snapshot(old_url)
    assert after["version"] == [(SCHEMA_VERSION,)]
    assert [row[:2] for row in after["log"]] == [(OLD, SCHEMA_VERSION)]
    assert after["log"][0][2]  # the hypersweep version that upgraded it
    for table in DATA_TABLES:
        assert after[table] == before[table], table
    assert len(said) == 1
    assert f"from schema {OLD} to {SCHEMA_VERSION}" in said[0]
    shown = "studies.db" if old_url.startswith("sqlite") else old_url.rsplit("/", 1)[1]
    assert shown in said[0]
    open_for_writing(old_url)  # already current: nothing more to do or say
    assert len(said) == 1
    assert snapshot(old_url)["log"] == after["log"]


def test_upgraded_study_loads_and_keeps_optimizing(old_url: str) -> None:
    study = hs.load_study("pruned-search", storage=old_url)
    trials = {t.number: t for t in study.trials}
    assert sorted(trials) == [0, 1, 2, 3, 4, 5, 6, 7, 9, 10]  # 8 was deleted
    states = [trials[n].state for n in sorted(trials)]
    assert states.count(TrialState.COMPLETE) == 4 and states.count(TrialState.PRUNED) == 3
    assert trials[6].state is TrialState.FAIL and "unlucky" in (trials[6].error or "")
    assert trials[9].state is TrialState.RUNNING
    assert trials[10].state is TrialState.WAITING
    assert trials[10].user_attrs == {"why": "hand-picked"}
    assert sorted(trials[0].intermediate) == [0, 1, 2, 3]
    assert trials[0].user_attrs == {"last_step": 3}
    assert study.user_attrs == {"owner": "fixture"}
    best = study.best_trial
    study.optimize(lambda p: (p["x"] - 1.0) ** 2 + p["n"], n_more=3, show_progress=False)
    after = {t.number: t for t in study.trials}
    # trial 9's worker is gone: it is marked interrupted and gives its budget back
    assert after[9].state is TrialState.FAIL and after[9].interrupted
    assert sorted(after) == [0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14]
    assert after[10].state is TrialState.COMPLETE  # the queued trial ran first
    assert after[10].params == {"x": 0.5, "n": 2, "kind": "b"}
    assert study.best_trial.value is not None and study.best_trial.value <= best.value  # type: ignore[operator]
    other = hs.load_study("maximize-plain", storage=old_url)
    assert other.direction.value == "maximize" and len(other.trials) == 4


def failing_step(conn: Any) -> None:
    upgrade.add_schema_log(conn)  # a real change first: it must be rolled back too
    raise RuntimeError("injected failure")


def test_a_failed_upgrade_changes_nothing(
    old_url: str, monkeypatch: pytest.MonkeyPatch, said: list[str]
) -> None:
    before = snapshot(old_url)
    monkeypatch.setitem(upgrade.STEPS, OLD, failing_step)
    with pytest.raises(StorageError) as info:
        open_for_writing(old_url)
    message = str(info.value)
    assert f"from hypersweep schema {OLD} to {SCHEMA_VERSION} failed" in message
    assert "injected failure" in message and f"still at schema {OLD}" in message
    assert snapshot(old_url) == before
    assert said == []
    monkeypatch.undo()
    open_for_writing(old_url)  # the real step still works afterwards
    assert snapshot(old_url)["version"] == [(SCHEMA_VERSION,)]


def set_version(url: str, version: int) -> None:
    eng = engine(url)
    with eng.begin() as conn:
        conn.execute(sa.text("UPDATE hs_version SET version = :v"), {"v": version})
    eng.dispose()


def test_a_newer_schema_is_refused(fresh_url: str) -> None:
    open_for_writing(fresh_url)
    set_version(fresh_url, SCHEMA_VERSION + 1)
    with pytest.raises(StorageError) as info:
        SQLStorage(fresh_url)
    message = str(info.value)
    assert f"schema version {SCHEMA_VERSION + 1}" in message
    assert f"versions up to {SCHEMA_VERSION}" in message
    assert "upgrade hypersweep" in message
    assert snapshot(fresh_url)["version"] == [(SCHEMA_VERSION + 1,)]


def test_a_schema_older_than_any_step_is_refused(fresh_url: str) -> None:
    open_for_writing(fresh_url)
    set_version(fresh_url, upgrade.OLDEST - 1)
    with pytest.raises(StorageError, match=r"older than the oldest this hypersweep can upgrade"):
        SQLStorage(fresh_url)


def open_and_count(url: str) -> list[int]:
    """Worker: open the database to write; return [upgrade messages seen here, trials read]."""
    handler = Collect()
    logging.getLogger("hypersweep.storage").addHandler(handler)
    storage = SQLStorage(url)
    storage.prepare_for_writing()
    sid = storage.get_study("pruned-search").study_id
    count = len(storage.read_trials(sid).trials)
    storage.close()
    return [len(handler.messages), count]


def test_processes_opening_one_old_database_at_once_upgrade_it_once(old_url: str) -> None:
    results = in_processes(open_and_count, old_url, workers=4)
    assert sum(messages for messages, _ in results) == 1
    assert all(count == 10 for _, count in results)
    found = snapshot(old_url)
    assert found["version"] == [(SCHEMA_VERSION,)]
    assert [row[:2] for row in found["log"]] == [(OLD, SCHEMA_VERSION)]


def file_bytes(url: str) -> bytes | None:
    return Path(url.removeprefix("sqlite:///")).read_bytes() if url.startswith("sqlite") else None


def test_reading_an_old_database_leaves_it_old(old_url: str, said: list[str]) -> None:
    before, raw = snapshot(old_url), file_bytes(old_url)
    study = hs.load_study("pruned-search", storage=old_url)
    assert len(study.trials) == 10
    assert hs.list_studies(old_url) == ["pruned-search", "maximize-plain"]
    storage = SQLStorage(old_url)
    assert len(storage.read_trials(storage.get_study("maximize-plain").study_id).trials) == 4
    storage.close()
    assert snapshot(old_url) == before and file_bytes(old_url) == raw
    assert said == []
    study.enqueue({"x": 0.25, "n": 1, "kind": "a"})  # the first write upgrades it
    assert snapshot(old_url)["version"] == [(SCHEMA_VERSION,)]
    assert len(said) == 1


def test_an_old_schema_reads_cannot_use_asks_for_one_write(
    old_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(upgrade, "READABLE_SINCE", SCHEMA_VERSION)
    monkeypatch.setattr(probe, "READABLE_SINCE", SCHEMA_VERSION)
    before, raw = snapshot(old_url), file_bytes(old_url)
    with pytest.raises(StorageError) as info:
        hs.load_study("pruned-search", storage=old_url)
    message = str(info.value)
    assert f"schema version {OLD}" in message and "open it for writing once" in message
    assert snapshot(old_url) == before and file_bytes(old_url) == raw
    open_for_writing(old_url)
    assert len(hs.load_study("pruned-search", storage=old_url).trials) == 10
