"""Reading a SQLite study file with the standard library's ``sqlite3`` alone, read-only.

The command line's summaries (``show``, ``studies``, ``best``) run in a fresh process
each time, and on a large study importing SQLAlchemy cost them more CPU than their
reads. This reader opens the file with a ``mode=ro`` URI, so it can never create,
upgrade or change the database (beside a WAL-mode file SQLite may add the ``-wal`` and
``-shm`` companions any reader uses), and it reads only the rows and columns asked for.

It knows the tables of the schema versions in ``KNOWN_VERSIONS``. For anything else (a
URL with options, another schema version, a missing column, a file that is not a
hypersweep database) :func:`open_readonly` returns None, and the caller opens the full
:class:`~hypersweep.storage.sql.SQLStorage`, which explains, refuses or upgrades.
Rows are decoded by :mod:`hypersweep.storage.rows`, as the full storage decodes them,
so both give equal records.

Importing this module imports neither SQLAlchemy nor the rest of this package.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from ...exceptions import StorageError, StudyNotFound
from ...trial import Direction, FrozenTrial, TrialState
from ..base import Briefs, Changes, Storage, StudyRecord, TrialBrief, check_window
from ..rows import STUDY_COLUMNS as STUDY_FIELDS
from ..rows import TRIAL_COLUMNS as TRIAL_FIELDS
from ..rows import briefs_of, per_state, state_texts, study_of, trial_of, values_of

KNOWN_VERSIONS = (2, 3)  # schemas whose hs_studies and hs_trials columns are read below
STUDY_COLUMNS = ", ".join(STUDY_FIELDS)
TRIAL_COLUMNS = ", ".join(TRIAL_FIELDS)
NEEDED = {
    "hs_studies": {*STUDY_FIELDS, "seq"},
    "hs_trials": {*TRIAL_FIELDS, "study_id", "deleted", "seq"},
}
LIVE = "study_id = ? AND deleted = 0"
MANY_CANDIDATES = 2000  # above this, repeat_candidates leaves the grouping to the caller
loads = json.loads


def sqlite_path(url: str) -> str | None:
    """The file of a plain ``sqlite:///path`` URL; None for anything this reader leaves
    to SQLAlchemy (options after ``?``, percent escapes, memory, other drivers)."""
    for prefix in ("sqlite:///", "sqlite+pysqlite:///"):
        if url.startswith(prefix):
            path = url[len(prefix) :]
            if path and path != ":memory:" and not any(c in path for c in "?%#"):
                return path
    return None


def open_readonly(url: str) -> ReadOnlySQLite | None:
    """A reader of the SQLite file ``url`` names, or None when the full storage must
    open it (see the module's docstring): this never raises for a bad URL or file."""
    path = sqlite_path(url)
    if path is None or not os.path.isfile(path):
        return None
    try:
        conn = sqlite3.connect(Path(path).absolute().as_uri() + "?mode=ro", uri=True,
                               timeout=30.0, isolation_level=None)  # fmt: skip
    except sqlite3.Error:
        return None
    try:
        if _understood(conn):
            return ReadOnlySQLite(conn, url)
    except sqlite3.Error:
        pass
    conn.close()
    return None


def _understood(conn: sqlite3.Connection) -> bool:
    """Whether the file holds a schema version and columns this reader knows."""
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if not {"hs_version", *NEEDED} <= tables:
        return False
    version = conn.execute("SELECT max(version) FROM hs_version").fetchone()[0]
    if version not in KNOWN_VERSIONS:
        return False
    for table, needed in NEEDED.items():
        found = {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}
        if not needed <= found:
            return False
    return True


class ReadOnlySQLite(Storage):
    """The reads of the storage contract on one read-only ``sqlite3`` connection, plus
    the narrow reads the command line's summaries need; every write raises."""

    def __init__(self, conn: sqlite3.Connection, url: str) -> None:
        self._conn = conn
        self.url = url

    def close(self) -> None:
        self._conn.close()

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        try:
            return self._conn.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise StorageError(f"the database {self.url!r} failed: {exc}") from exc

    def _seq(self, study_id: int) -> int:
        """The study's sequence number; StudyNotFound if it is gone."""
        found = self._read("SELECT seq FROM hs_studies WHERE study_id = ?", (study_id,))
        if not found:
            raise StudyNotFound(f"no study with id {study_id}; was it deleted?")
        return int(found[0][0])

    def _snapshot(self, study_id: int, sql: str, params: Sequence[Any]) -> tuple[int, list[Any]]:
        """The study's sequence number and the rows of ``sql``, from one snapshot."""
        self._read("BEGIN")
        try:
            return self._seq(study_id), self._read(sql, params)
        finally:
            self._conn.rollback()

    # --- studies ----------------------------------------------------------------------
    def get_study(self, name: str) -> StudyRecord:
        found = self._read(f"SELECT {STUDY_COLUMNS} FROM hs_studies WHERE name = ?", (name,))
        if not found:
            raise StudyNotFound(
                f"no study named {name!r} in {self.url}; "
                f"`hypersweep studies --storage {self.url}` lists the studies there"
            )
        return study_of(*found[0])

    def list_studies(self) -> list[StudyRecord]:
        rows = self._read(f"SELECT {STUDY_COLUMNS} FROM hs_studies ORDER BY study_id")
        return [study_of(*r) for r in rows]

    # --- trials -------------------------------------------------------------------------
    def read_trials(self, study_id: int, since: int = 0) -> Changes:
        sql = (f"SELECT {TRIAL_COLUMNS}, deleted FROM hs_trials WHERE study_id = ? "
               "AND seq > ? ORDER BY number")  # fmt: skip
        cursor, rows = self._snapshot(study_id, sql, (study_id, since))
        found = [trial_of(*r[:-1]) for r in rows if not r[-1]]
        return Changes(trials=found, deleted=[r[1] for r in rows if r[-1]], cursor=cursor)

    def read_briefs(self, study_id: int, *, flat: bool = False) -> Briefs:
        extra = ", flat" if flat else ""
        sql = (f"SELECT number, state, objective_values, started, finished{extra} "
               f"FROM hs_trials WHERE {LIVE} ORDER BY number")  # fmt: skip
        cursor, rows = self._snapshot(study_id, sql, (study_id,))
        return Briefs(briefs_of(rows, flat=flat), cursor)

    def count_trials(self, study_id: int, states: Sequence[TrialState] | None = None) -> int:
        wanted = state_texts(states)
        counts = self.state_counts(study_id)
        self._seq(study_id)
        return sum(n for s, n in counts.items() if wanted is None or s.value in wanted)

    def read_page(
        self,
        study_id: int,
        offset: int = 0,
        limit: int | None = None,
        *,
        newest_first: bool = False,
    ) -> list[FrozenTrial]:
        check_window(offset, limit)
        order = "DESC" if newest_first else "ASC"
        sql = (f"SELECT {TRIAL_COLUMNS} FROM hs_trials WHERE {LIVE} "
               f"ORDER BY number {order} LIMIT ? OFFSET ?")  # fmt: skip
        params = (study_id, -1 if limit is None else limit, offset)
        return [trial_of(*r) for r in self._snapshot(study_id, sql, params)[1]]

    def read_numbers(self, study_id: int, numbers: Sequence[int]) -> list[FrozenTrial]:
        wanted = sorted({int(n) for n in numbers})
        self._read("BEGIN")
        try:
            self._seq(study_id)
            rows: list[Any] = []
            for at in range(0, len(wanted), 500):
                chunk = wanted[at : at + 500]
                marks = ", ".join("?" * len(chunk))
                rows += self._read(f"SELECT {TRIAL_COLUMNS} FROM hs_trials WHERE {LIVE} "
                                   f"AND number IN ({marks})", (study_id, *chunk))  # fmt: skip
        finally:
            self._conn.rollback()
        return [trial_of(*r) for r in sorted(rows, key=lambda r: r[1])]

    # --- the narrow reads of the command line's summaries ---------------------------------
    def state_counts(self, study_id: int) -> dict[TrialState, int]:
        """Live trials per state (every state, 0 when none): one grouped count."""
        rows = self._read(f"SELECT state, count(*) FROM hs_trials WHERE {LIVE} GROUP BY state",
                          (study_id,))  # fmt: skip
        return per_state(rows)

    def best_brief(self, study_id: int, direction: Direction) -> TrialBrief | None:
        """``ranked(read_briefs(...), direction)[0]`` without a brief per trial: the best
        COMPLETE trial by value (NaN has no rank), the lower number on a tie."""
        sql = (f"SELECT number, objective_values FROM hs_trials WHERE {LIVE} AND state = "
               "'COMPLETE' AND objective_values IS NOT NULL")  # fmt: skip
        sign = direction.sign()
        best: tuple[float, int] | None = None
        for number, text in self._read(sql, (study_id,)):
            value = (values_of(text) or (None,))[0]
            if value is not None and value == value:  # not NaN
                key = (sign * value, number)
                if best is None or key < best:
                    best = key
        if best is None:
            return None
        return TrialBrief(best[1], TrialState.COMPLETE, (best[0] * sign,), None, None)

    def outcomes(self, study_id: int) -> list[FrozenTrial]:
        """The COMPLETE trials that hold values, in number order, as records that carry
        only number, state, values and the stored constraints: what choosing the best
        trial reads (``FrozenTrial.feasible`` judges the constraints, as everywhere)."""
        sql = ("SELECT number, objective_values, CASE WHEN instr(system_attrs, "
               "'\"constraints\"') THEN system_attrs END FROM hs_trials "
               f"WHERE {LIVE} AND state = 'COMPLETE' AND objective_values IS NOT NULL "
               "ORDER BY number")  # fmt: skip
        complete = TrialState.COMPLETE
        out = []
        for number, values, system in self._read(sql, (study_id,)):
            attrs = {} if system is None else loads(system)
            kept = {"constraints": attrs["constraints"]} if "constraints" in attrs else {}
            out.append(FrozenTrial(number, complete, values=values_of(values), system_attrs=kept))
        return out

    def repeat_candidates(self, study_id: int, keys: Sequence[str]) -> list[TrialBrief] | None:
        """Briefs (with flat values) of the COMPLETE trials that may share a configuration:
        those that agree with another on the keys' non-float values. Floats, lists and
        dicts count as one value, and ints as their bools, so the grouping is coarser than
        ``config_key`` and never splits a configuration: grouping these candidates exactly
        finds every repeated one. None where SQLite cannot tell (invalid JSON, NaN)."""
        paths = ['$."' + k + '"' for k in keys if not any(c in k for c in '"\\')]
        if not paths:
            return None
        guarded = "CASE WHEN json_type(flat, ?) IN ('real', 'array', 'object') THEN '~' " \
            "ELSE json_extract(flat, ?) END"  # fmt: skip
        sql = (f"SELECT group_concat(number) FROM hs_trials WHERE {LIVE} AND state = "
               f"'COMPLETE' AND objective_values IS NOT NULL GROUP BY "
               f"{', '.join([guarded] * len(paths))} HAVING count(*) > 1")  # fmt: skip
        try:
            groups = self._conn.execute(sql, (study_id, *(p for p in paths for _ in "ab")))
            numbers = [int(n) for (text,) in groups.fetchall() for n in text.split(",")]
        except sqlite3.Error:  # malformed JSON (NaN in a flat): group in Python instead
            return None
        if len(numbers) > MANY_CANDIDATES:  # a coarse grouping: reading all is as quick
            return None
        rows: list[Any] = []
        for at in range(0, len(numbers), 500):
            chunk = numbers[at : at + 500]
            rows += self._read(f"SELECT number, objective_values, flat FROM hs_trials WHERE "
                               f"{LIVE} AND number IN ({', '.join('?' * len(chunk))})",
                               (study_id, *chunk))  # fmt: skip
        complete = TrialState.COMPLETE
        return [TrialBrief(n, complete, values_of(v), None, None, loads(f))
                for n, v, f in sorted(rows)]  # fmt: skip

    # --- writes: never ----------------------------------------------------------------------
    def _refuse(self, *_: Any, **__: Any) -> NoReturn:
        raise StorageError(f"{self.url} is opened read-only here; open it with get_storage "
                           "to change it")  # fmt: skip

    create_study = update_study = delete_study = _refuse
    create_trial = claim_waiting = update_trial = delete_trial = touch = expired = _refuse
