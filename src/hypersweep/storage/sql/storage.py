"""SQL storage for SQLite and PostgreSQL, on SQLAlchemy Core (no ORM: less overhead per call).

Each write is one short transaction that first bumps its study's ``seq`` counter:
that row update serialises the writers of a study on PostgreSQL, and the new
value stamps every changed trial row, so :meth:`SQLStorage.read_trials` fetches
only what changed (index ``(study_id, seq)``). Deleted trials stay as tombstone
rows so that readers learn about deletions too.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ...exceptions import BudgetReached, ConfigTaken, DuplicateStudy, StudyNotFound
from ...trial import Direction, FrozenTrial, TrialState
from ..base import (
    Briefs,
    Changes,
    Storage,
    StudyRecord,
    check_finishable,
    check_study_name,
    check_window,
)
from ..rows import briefs_of, state_texts
from . import statements as q
from .codec import FIELDS, dumps, loads, study_columns, study_from_row, trial_columns
from .codec import trial_from_row as as_trial
from .database import Database, WriteConflict


def missing_id(study_id: int) -> StudyNotFound:
    return StudyNotFound(f"no study with id {study_id}; was it deleted?")


def bump(conn: Connection, study_id: int) -> int:
    """Lock the study's row (until commit) and take its next sequence number."""
    seq = conn.execute(q.BUMP, {"b_sid": study_id}).scalar_one_or_none()
    if seq is None:
        raise missing_id(study_id)
    return int(seq)


def change(
    conn: Connection,
    seq: int,
    old: FrozenTrial,
    changes: dict[str, Any],
    extra: dict[str, Any] | None = None,
) -> FrozenTrial:
    """Write the changed fields of an open trial, stamped with sequence number ``seq``.

    ``extra`` holds bookkeeping columns that are not FrozenTrial fields.
    """
    cols = trial_columns(changes)
    cols.update(extra or {})
    cols.update(b_tid=old.trial_id, seq=seq)
    if conn.execute(q.SET_OPEN_TRIAL, cols).rowcount != 1:  # the study lock prevents this
        raise ValueError(f"trial {old.number} was finished by another worker")
    return dataclasses.replace(old, **changes)


def check_key_free(conn: Connection, study_id: int, unique_key: str) -> None:
    if conn.execute(q.KEY_TAKEN, {"b_sid": study_id, "b_key": unique_key}).first() is not None:
        raise ConfigTaken("another trial holds this configuration")


class SQLStorage(Storage):
    """Studies in a SQLite file or a PostgreSQL database, shared by any number of processes.

    Reading never writes: opening a SQLite file that does not exist, or a database
    without hypersweep's tables, for reading is refused, and nothing is created.
    Only :meth:`create_study` creates the file and the tables. The first write to a
    database written by an older hypersweep upgrades it in place (reads before that
    read it as it is). Picklable: only the URL and engine options travel, and the
    engine is re-created lazily on the other side (for multiprocessing workers).
    """

    def __init__(self, url: str, *, engine_kwargs: dict[str, Any] | None = None) -> None:
        self._url = url
        self._engine_kwargs = dict(engine_kwargs or {})
        self._db = Database(url, self._engine_kwargs)
        self._db.check()  # fail now, with a clear message, if the URL is unusable

    def prepare_for_writing(self) -> None:
        """Create the database and its tables, or upgrade an older schema, now rather
        than at the first write (which does it anyway)."""
        self._db.write(lambda conn: None, create=True)

    def __getstate__(self) -> dict[str, Any]:
        return {"url": self._url, "engine_kwargs": self._engine_kwargs}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._url, self._engine_kwargs = state["url"], state["engine_kwargs"]
        self._db = Database(self._url, self._engine_kwargs)

    def __repr__(self) -> str:
        return f"SQLStorage({self._db.shown!r})"

    @property
    def url(self) -> str:
        """The URL with its password masked, for messages."""
        return self._db.shown

    def close(self) -> None:
        self._db.close()

    def _missing_name(self, name: str) -> StudyNotFound:
        shown = self._db.shown
        return StudyNotFound(
            f"no study named {name!r} in {shown}; "
            f"`hypersweep studies --storage {shown}` lists the studies there"
        )

    # --- studies ----------------------------------------------------------------------
    def create_study(
        self,
        name: str,
        directions: Sequence[Direction],
        *,
        space: Any = None,
        system_attrs: dict[str, Any] | None = None,
    ) -> StudyRecord:
        check_study_name(name)
        rec = StudyRecord(
            study_id=-1,
            name=name,
            directions=tuple(Direction.parse(d) for d in directions),
            space=space,
            system_attrs=dict(system_attrs or {}),
            created=time.time(),
        )
        row = study_columns(rec)
        duplicate = DuplicateStudy(f"a study named {name!r} already exists in {self._db.shown}")

        def op(conn: Connection) -> int:
            if conn.execute(q.STUDY_BY_NAME, {"b_name": name}).first() is not None:
                raise duplicate
            return int(conn.execute(q.INSERT_STUDY, row).scalar_one())

        try:
            return dataclasses.replace(rec, study_id=self._db.write(op, create=True))
        except WriteConflict as e:  # another process created it in between
            raise duplicate from e

    def _storable(self, name: object) -> bool:
        """Whether a study of this name could be stored here at all (PostgreSQL text
        holds no NUL; names from before the name rule may hold other controls)."""
        return isinstance(name, str) and (self._db.sqlite or "\x00" not in name)

    def get_study(self, name: str) -> StudyRecord:
        if not self._storable(name):
            raise self._missing_name(name)
        row = self._db.read(
            lambda c: c.execute(q.STUDY_BY_NAME, {"b_name": name}).first(), absent=None
        )
        if row is None:
            raise self._missing_name(name)
        return study_from_row(row)

    def list_studies(self) -> list[StudyRecord]:
        rows = self._db.read(lambda c: c.execute(q.ALL_STUDIES).all(), absent=[])
        return [study_from_row(r) for r in rows]

    def delete_study(self, name: str) -> None:
        if not self._storable(name):
            raise self._missing_name(name)

        def op(conn: Connection) -> None:
            study_id = conn.execute(q.LOCK_NAME, {"b_name": name}).scalar_one_or_none()
            if study_id is None:
                raise self._missing_name(name)
            conn.execute(q.DELETE_TRIALS, {"b_sid": study_id})
            conn.execute(q.DELETE_STUDY, {"b_sid": study_id})

        self._db.write(op)

    def update_study(
        self,
        study_id: int,
        *,
        space: Any = None,
        user_attrs: dict[str, Any] | None = None,
        system_attrs: dict[str, Any] | None = None,
    ) -> StudyRecord:
        def op(conn: Connection) -> StudyRecord:
            row = conn.execute(q.LOCK_STUDY, {"b_sid": study_id}).first()
            if row is None:
                raise missing_id(study_id)
            old = study_from_row(row)
            new = dataclasses.replace(
                old,
                space=old.space if space is None else space,
                user_attrs={**old.user_attrs, **(user_attrs or {})},
                system_attrs={**old.system_attrs, **(system_attrs or {})},
            )
            cols: dict[str, Any] = {"b_sid": study_id, "space": None}
            cols.update({k: dumps(getattr(new, k)) for k in ("user_attrs", "system_attrs")})
            if new.space is not None:
                cols["space"] = dumps(new.space)
            conn.execute(q.SET_STUDY, cols)
            return new

        return self._db.write(op)

    # --- trials -----------------------------------------------------------------------
    def create_trial(
        self,
        study_id: int,
        *,
        state: TrialState,
        params: Any = None,
        flat: dict[str, Any] | None = None,
        user_attrs: dict[str, Any] | None = None,
        system_attrs: dict[str, Any] | None = None,
        started: float | None = None,
        max_trials: int | None = None,
        expires: float | None = None,
        unique_key: str | None = None,
    ) -> FrozenTrial:
        trial = FrozenTrial(
            number=-1,
            state=state,
            params=params,
            flat=dict(flat or {}),
            user_attrs=dict(user_attrs or {}),
            system_attrs=dict(system_attrs or {}),
            started=started,
        )
        row = trial_columns({f: getattr(trial, f) for f in FIELDS})
        row.update(
            study_id=study_id, deleted=False, counted=True, expires=expires, unique_key=unique_key
        )

        def op(conn: Connection) -> FrozenTrial:
            counters = conn.execute(q.BUMP_NUMBER, {"b_sid": study_id}).first()
            if counters is None:
                raise missing_id(study_id)
            if max_trials is not None and counters.n_counted > max_trials:
                raise BudgetReached(f"the study already holds its {max_trials} trials")
            if unique_key is not None:
                check_key_free(conn, study_id, unique_key)
            number = counters.next_number - 1
            row.update(number=number, seq=counters.seq)
            trial_id = int(conn.execute(q.INSERT_TRIAL, row).scalar_one())
            return dataclasses.replace(trial, number=number, trial_id=trial_id)

        # starting a trial may be relaxed; queueing one (the user's intent) may not
        return self._db.fast(op, write=True, relaxed=state is TrialState.RUNNING)

    def claim_waiting(
        self,
        study_id: int,
        *,
        started: float,
        system_attrs: dict[str, Any] | None = None,
        expires: float | None = None,
    ) -> FrozenTrial | None:
        def op(conn: Connection) -> FrozenTrial | None:
            # lock the study row first: concurrent claimers queue here, so none share a trial
            if conn.execute(q.LOCK_STUDY, {"b_sid": study_id}).first() is None:
                raise missing_id(study_id)
            row = conn.execute(q.OLDEST_WAITING, {"b_sid": study_id}).first()
            if row is None:
                return None
            attrs = {**loads(row.system_attrs), **(system_attrs or {})}
            changes = {"state": TrialState.RUNNING, "started": started, "system_attrs": attrs}
            seq = bump(conn, study_id)
            return change(conn, seq, as_trial(row), changes, extra={"expires": expires})

        return self._db.fast(op, write=True)

    def update_trial(
        self,
        study_id: int,
        number: int,
        *,
        state: TrialState | None = None,
        values: Sequence[float] | None = None,
        params: Any = None,
        flat: dict[str, Any] | None = None,
        user_attrs: dict[str, Any] | None = None,
        system_attrs: dict[str, Any] | None = None,
        intermediate: dict[int, float] | None = None,
        finished: float | None = None,
        error: str | None = None,
        unique_key: str | None = None,
    ) -> FrozenTrial:
        given: dict[str, Any] = {
            "state": state,
            "values": None if values is None else tuple(float(v) for v in values),
            "params": params,
            "flat": None if flat is None else dict(flat),
            "finished": finished,
            "error": error,
        }
        replaced = {k: v for k, v in given.items() if v is not None}
        merged: dict[str, dict[Any, Any] | None] = {
            "user_attrs": user_attrs,
            "system_attrs": system_attrs,
            "intermediate": intermediate,
        }

        def op(conn: Connection) -> FrozenTrial:
            # read before taking the study's lock (shorter lock on PostgreSQL): the write
            # below only applies while the trial is still open, so a worker that finished
            # it in between makes this fail instead of being overwritten
            row = conn.execute(q.TRIAL, {"b_sid": study_id, "b_num": number}).first()
            if row is None:
                bump(conn, study_id)  # StudyNotFound if the study itself is gone
            old = check_finishable(None if row is None else as_trial(row), study_id, number)
            seq = bump(conn, study_id)
            changes = dict(replaced)
            changes.update({k: {**getattr(old, k), **v} for k, v in merged.items() if v})
            extra: dict[str, Any] = {}
            if unique_key is not None and row is not None and row.unique_key != unique_key:
                check_key_free(conn, study_id, unique_key)
                extra["unique_key"] = unique_key
            new_state = changes.get("state", old.state)
            if new_state is not TrialState.RUNNING:
                extra["expires"] = None
            attrs = changes.get("system_attrs", old.system_attrs)
            counted = row is not None and row.counted
            if new_state is TrialState.FAIL and attrs.get("interrupted") and counted:
                extra["counted"] = False  # an interrupted trial gives its budget back
                conn.execute(q.UNCOUNT, {"b_sid": study_id})
            return change(conn, seq, old, changes, extra=extra)

        return self._db.fast(op, write=True)

    def read_trials(self, study_id: int, since: int = 0) -> Changes:
        params = {"b_sid": study_id, "b_since": since}

        def op(conn: Connection) -> tuple[int | None, Sequence[sa.Row[Any]]]:
            if not self._db.sqlite:
                found = conn.execute(q.CHANGES, params).all()
                return (int(found[0].cursor) if found else None), found
            cursor = conn.execute(q.STUDY_SEQ, {"b_sid": study_id}).scalar_one_or_none()
            return cursor, conn.execute(q.CHANGED, params).all() if cursor is not None else []

        cursor, rows = self._db.fast(op, write=False, absent=(None, []))
        if cursor is None:
            raise missing_id(study_id)
        found: list[FrozenTrial] = []
        deleted: list[int] = []
        for row in rows:
            if row.trial_id is None:  # nothing changed
                continue
            if row.deleted:
                deleted.append(row.number)
            else:
                found.append(as_trial(row))
        return Changes(trials=found, deleted=deleted, cursor=int(cursor))

    # --- reading a large study: only the rows and columns asked for -----------------------
    def _read_existing(self, study_id: int, fn: Any, *, fast: bool = False) -> Any:
        """Run ``fn(conn)`` in one read transaction after checking the study exists
        (its sequence number, read first, is returned with the result). ``fast``: on the
        driver's connection (:mod:`.fast`), for statements without IN lists."""

        def op(conn: Connection) -> tuple[int | None, Any]:
            cursor = conn.execute(q.STUDY_SEQ, {"b_sid": study_id}).scalar_one_or_none()
            return cursor, None if cursor is None else fn(conn)

        if fast:
            cursor, found = self._db.fast(op, write=False, absent=(None, None))
        else:
            cursor, found = self._db.read(op, absent=(None, None))
        if cursor is None:
            raise missing_id(study_id)
        return int(cursor), found

    def read_briefs(self, study_id: int, *, flat: bool = False) -> Briefs:
        statement = q.BRIEFS_FLAT if flat else q.BRIEFS
        cursor, found = self._read_existing(
            study_id, lambda c: c.execute(statement, {"b_sid": study_id}).all(), fast=True
        )
        return Briefs(briefs_of(found, flat=flat), cursor)

    def count_trials(self, study_id: int, states: Sequence[TrialState] | None = None) -> int:
        params: dict[str, Any] = {"b_sid": study_id}
        statement = q.COUNT
        if states is not None:
            params["b_states"] = state_texts(states)
            statement = q.COUNT_IN
        if states is not None and not params["b_states"]:
            self._read_existing(study_id, lambda c: None)  # StudyNotFound if missing
            return 0
        found = self._read_existing(study_id, lambda c: c.execute(statement, params).scalar_one())
        return int(found[1])

    def read_page(
        self,
        study_id: int,
        offset: int = 0,
        limit: int | None = None,
        *,
        newest_first: bool = False,
    ) -> list[FrozenTrial]:
        check_window(offset, limit)
        # no limit: -1 on SQLite, NULL (LIMIT ALL) on PostgreSQL
        unlimited = -1 if self._db.sqlite else None
        params = {"b_sid": study_id, "b_offset": offset,
                  "b_limit": unlimited if limit is None else limit}  # fmt: skip
        statement = q.PAGE_DOWN if newest_first else q.PAGE_UP
        rows = self._read_existing(
            study_id, lambda c: c.execute(statement, params).all(), fast=True
        )[1]
        return [as_trial(r) for r in rows]

    def read_numbers(self, study_id: int, numbers: Sequence[int]) -> list[FrozenTrial]:
        wanted = sorted({int(n) for n in numbers})

        def fn(conn: Connection) -> list[sa.Row[Any]]:
            rows: list[sa.Row[Any]] = []
            for at in range(0, len(wanted), 500):  # bounded statements, whatever was asked
                chunk = {"b_sid": study_id, "b_nums": wanted[at : at + 500]}
                rows += conn.execute(q.NUMBERS, chunk).all()
            return rows

        return [as_trial(r) for r in self._read_existing(study_id, fn)[1]]

    def delete_trial(self, study_id: int, number: int) -> None:
        def op(conn: Connection) -> None:
            seq = bump(conn, study_id)
            row = conn.execute(q.TRIAL, {"b_sid": study_id, "b_num": number}).first()
            if row is None:
                raise ValueError(f"study {study_id} has no trial number {number}")
            conn.execute(q.TOMBSTONE, {"b_sid": study_id, "b_num": number, "seq": seq})
            if row.counted:
                conn.execute(q.UNCOUNT, {"b_sid": study_id})

        self._db.write(op)

    def touch(self, study_id: int, numbers: Sequence[int], expires: float) -> None:
        if numbers:
            params = {"b_sid": study_id, "b_nums": list(numbers), "b_expires": expires}
            self._db.write_relaxed(lambda conn: conn.execute(q.TOUCH, params))

    def expired(self, study_id: int, now: float) -> list[int]:
        params = {"b_sid": study_id, "b_now": now}
        rows = self._db.read(lambda c: c.execute(q.EXPIRED, params).all(), absent=[])
        return [int(r.number) for r in rows]
