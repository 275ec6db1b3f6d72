"""What only the SQL storage has: URLs, files, processes, pickling (schema versions:
test_upgrade.py)."""

from __future__ import annotations

import multiprocessing
import pickle
import sqlite3
import threading
from pathlib import Path

import pytest

from hypersweep.exceptions import StorageError
from hypersweep.storage import get_storage
from hypersweep.storage.sql import SQLStorage
from hypersweep.trial import Direction, TrialState

from .processes import in_processes

MIN = Direction.MINIMIZE


# --- opening ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("sqlite:////nonexistent_dir/x.db", "folder '/nonexistent_dir' does not exist"),
        ("postgresql://nobody:secret@127.0.0.1:1/db", "'postgresql://nobody:***@127.0.0.1:1/db'"),
        ("postgres://nobody@127.0.0.1:1/db", "server is running"),
        ("postgresql+nodriver://u@h/db", "driver is unknown or not installed"),
        ("mysql://u:pw@h/db", "unsupported storage URL 'mysql://u:***@h/db'"),
        ("not a url at all", "cannot parse"),
    ],
)
def test_unusable_url(url: str, shown: str) -> None:
    with pytest.raises(StorageError) as info:
        SQLStorage(url)
    assert shown in str(info.value)
    assert "secret" not in str(info.value)


def test_file_that_is_not_sqlite(tmp_path: Path) -> None:
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StorageError, match=r"junk\.db") as info:
        SQLStorage(f"sqlite:///{path}")
    assert info.value.__cause__ is not None


def test_get_storage_returns_sql_storage(tmp_path: Path) -> None:
    storage = get_storage(f"sqlite:///{tmp_path / 's.db'}")
    assert isinstance(storage, SQLStorage)
    assert "s.db" in repr(storage)
    storage.close()


def test_data_survives_reopening(sql_url: str) -> None:
    first = SQLStorage(sql_url)
    sid = first.create_study("kept", [MIN], space={"x": [1, 2]}).study_id
    n = first.create_trial(sid, state=TrialState.RUNNING, params={"x": 1}).number
    done = first.update_trial(sid, n, state=TrialState.COMPLETE, values=[0.5], finished=2.0)
    first.close()
    again = SQLStorage(sql_url)
    assert again.get_study("kept").space == {"x": [1, 2]}
    assert again.read_trials(sid).trials == [done]
    assert again.create_trial(sid, state=TrialState.RUNNING).number == n + 1
    again.close()


def test_closed_storage_reopens_on_use(tmp_path: Path) -> None:
    storage = SQLStorage(f"sqlite:///{tmp_path / 's.db'}")
    storage.create_study("s", [MIN])
    storage.close()
    assert storage.get_study("s").name == "s"
    storage.close()


def test_in_memory_sqlite_is_shared_between_threads() -> None:
    storage = SQLStorage("sqlite:///:memory:")
    sid = storage.create_study("s", [MIN]).study_id
    threads = [
        threading.Thread(target=create_and_finish, args=(storage, "s", 10)) for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(t.number for t in storage.read_trials(sid).trials) == list(range(40))


def test_read_trials_uses_the_seq_index(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    storage = SQLStorage(f"sqlite:///{path}")
    storage.prepare_for_writing()
    storage.close()
    with sqlite3.connect(path) as conn:
        plan = conn.execute(
            "EXPLAIN QUERY PLAN SELECT * FROM hs_trials WHERE study_id = 1 AND seq > 5"
        ).fetchall()
    assert "hs_trials_study_seq" in str(plan)


def test_deleted_trials_stay_as_tombstones(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    storage = SQLStorage(f"sqlite:///{path}")
    sid = storage.create_study("s", [MIN]).study_id
    storage.create_trial(sid, state=TrialState.RUNNING)
    storage.delete_trial(sid, 0)
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT number, deleted FROM hs_trials").fetchall() == [(0, 1)]
    storage.delete_study("s")
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM hs_trials").fetchone() == (0,)
    storage.close()


# --- several processes -----------------------------------------------------------------
def create_and_finish(storage: SQLStorage, name: str, count: int) -> list[int]:
    """Worker: create and finish ``count`` trials; returns their numbers."""
    sid = storage.get_study(name).study_id
    numbers = []
    for i in range(count):
        n = storage.create_trial(sid, state=TrialState.RUNNING, params={"i": i}).number
        storage.update_trial(sid, n, state=TrialState.COMPLETE, values=[float(i)], finished=1.0)
        numbers.append(n)
    return numbers


def claim_all(storage: SQLStorage, name: str) -> list[int]:
    """Worker: claim WAITING trials until none is left; returns their numbers."""
    sid = storage.get_study(name).study_id
    claimed = []
    while (trial := storage.claim_waiting(sid, started=1.0)) is not None:
        claimed.append(trial.number)
        storage.update_trial(sid, trial.number, state=TrialState.COMPLETE, values=[0.0])
    return claimed


def test_concurrent_writers(sql_url: str) -> None:
    storage = SQLStorage(sql_url)
    sid = storage.create_study("shared", [MIN]).study_id
    results = in_processes(create_and_finish, storage, "shared", 50)
    numbers = sorted(n for result in results for n in result)
    assert numbers == list(range(200))
    stored = storage.read_trials(sid).trials
    assert sorted(t.number for t in stored) == list(range(200))
    assert all(t.state is TrialState.COMPLETE for t in stored)
    assert len({t.trial_id for t in stored}) == 200
    storage.close()


def test_concurrent_claims(sql_url: str) -> None:
    storage = SQLStorage(sql_url)
    sid = storage.create_study("queue", [MIN]).study_id
    for i in range(40):
        storage.create_trial(sid, state=TrialState.WAITING, params={"i": i})
    results = in_processes(claim_all, storage, "queue")
    claimed = [n for result in results for n in result]
    assert sorted(claimed) == list(range(40))  # each exactly once
    assert all(t.state is TrialState.COMPLETE for t in storage.read_trials(sid).trials)
    storage.close()


@pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="needs the fork start method"
)
def test_forked_children_open_their_own_connections(sql_url: str) -> None:
    # sharing the parent's pooled PostgreSQL connection would garble the wire protocol
    storage = SQLStorage(sql_url)
    sid = storage.create_study("fork", [MIN]).study_id
    storage.read_trials(sid)  # the parent now holds a pooled connection
    results = in_processes(create_and_finish, storage, "fork", 25, method="fork")
    assert sorted(n for r in results for n in r) == list(range(100))
    assert len(storage.read_trials(sid).trials) == 100  # the parent's connections still work
    storage.close()


def test_threads_share_one_storage(sql_url: str) -> None:
    storage = SQLStorage(sql_url)
    sid = storage.create_study("threads", [MIN]).study_id
    threads = [
        threading.Thread(target=create_and_finish, args=(storage, "threads", 25)) for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(t.number for t in storage.read_trials(sid).trials) == list(range(100))
    storage.close()


def test_pickled_storage_works(sql_url: str) -> None:
    storage = SQLStorage(sql_url, engine_kwargs={"pool_size": 2})
    sid = storage.create_study("p", [MIN]).study_id
    copy = pickle.loads(pickle.dumps(storage))
    assert copy.create_trial(sid, state=TrialState.RUNNING).number == 0
    assert [t.number for t in storage.read_trials(sid).trials] == [0]
    assert copy.url == storage.url
    storage.close()
    copy.close()


def test_values_json_cannot_hold_are_stored_converted(sql_url: str) -> None:
    np = pytest.importorskip("numpy")
    storage = SQLStorage(sql_url)
    sid = storage.create_study("convert", [MIN]).study_id
    attrs = {"n": np.int64(3), "a": np.arange(2), "f": len, "t": (1, 2)}
    storage.create_trial(sid, state=TrialState.RUNNING, user_attrs=attrs)
    stored = storage.read_trials(sid).trials[0].user_attrs
    assert stored == {"n": 3, "a": [0, 1], "f": "builtins.len", "t": [1, 2]}
    assert type(stored["n"]) is int
    storage.close()
