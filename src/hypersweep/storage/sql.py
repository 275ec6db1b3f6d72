"""SQL storage for SQLite and PostgreSQL, on SQLAlchemy Core (no ORM: less overhead per call).

Each write is one short transaction that first bumps its study's ``seq`` counter:
that row update serialises the writers of a study on PostgreSQL, and the new
value stamps every changed trial row, so :meth:`SQLStorage.read_trials` fetches
only what changed (index ``(study_id, seq)``). Deleted trials stay as tombstone
rows so that readers learn about deletions too.

SQLite runs in WAL mode and opens write transactions with ``BEGIN IMMEDIATE``,
so several processes can share one file without "database is locked" errors.
"""

from __future__ import annotations

import dataclasses
import json
import os
import random
import re
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.pool import StaticPool

from ..exceptions import (
    BudgetReached,
    ConfigTaken,
    DuplicateStudy,
    StorageError,
    StudyNotFound,
)
from ..trial import Direction, FrozenTrial, TrialState
from .base import SCHEMA_VERSION, Changes, Storage, StudyRecord, check_finishable

T = TypeVar("T")

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")  # INTEGER PRIMARY KEY on SQLite
_PG_INIT_LOCK = 0x68735F696E6974  # advisory lock: concurrent first opens create tables once
_ATTEMPTS = 6  # for SQLite busy errors and dropped PostgreSQL connections, with backoff


def _text(name: str, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.Text, nullable=nullable)


metadata = sa.MetaData()
version_table = sa.Table(
    "hs_version", metadata, sa.Column("version", sa.Integer, primary_key=True, autoincrement=False)
)
studies = sa.Table(
    "hs_studies",
    metadata,
    sa.Column("study_id", _ID, primary_key=True, autoincrement=True),
    sa.Column("name", sa.Text, nullable=False, unique=True),
    *map(_text, ("directions", "user_attrs", "system_attrs")),
    _text("space", nullable=True),
    sa.Column("created", sa.Double, nullable=False),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("next_number", sa.Integer, nullable=False),
    sa.Column("n_counted", sa.Integer, nullable=False),  # trials using up budget
    sqlite_autoincrement=True,  # never reuse the id of a deleted study
)
trials = sa.Table(
    "hs_trials",
    metadata,
    sa.Column("trial_id", _ID, primary_key=True, autoincrement=True),
    sa.Column(
        "study_id", _ID, sa.ForeignKey("hs_studies.study_id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("number", sa.Integer, nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    *map(_text, ("params", "flat", "user_attrs", "system_attrs", "intermediate")),
    _text("objective_values", nullable=True),  # JSON list; "values" is an SQL keyword
    sa.Column("started", sa.Double, nullable=True),
    sa.Column("finished", sa.Double, nullable=True),
    _text("error", nullable=True),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("deleted", sa.Boolean, nullable=False),
    sa.Column("counted", sa.Boolean, nullable=False),  # uses up budget (not interrupted)
    sa.Column("expires", sa.Double, nullable=True),  # heartbeat: abandoned after this time
    _text("unique_key", nullable=True),  # a configuration no two counted trials may share
    sa.UniqueConstraint("study_id", "number", name="hs_trials_study_number"),
    sa.Index("hs_trials_study_seq", "study_id", "seq"),
    sa.Index("hs_trials_study_state", "study_id", "state", "number"),
    sa.Index("hs_trials_study_key", "study_id", "unique_key"),
    sqlite_autoincrement=True,
)
S, TR = studies.c, trials.c

# Statements are built once, so SQLAlchemy reuses their memoised cache keys and
# compiled forms: that removes most of Core's cost per call.
_b = sa.bindparam
_LIVE = TR.deleted == sa.false()
_BUMP = sa.update(studies).where(S.study_id == _b("b_sid")).values(seq=S.seq + 1).returning(S.seq)
_BUMP_NUMBER = (
    sa.update(studies)
    .where(S.study_id == _b("b_sid"))
    .values(seq=S.seq + 1, next_number=S.next_number + 1, n_counted=S.n_counted + 1)
    .returning(S.seq, S.next_number, S.n_counted)
)
_KEY_TAKEN = (
    sa.select(TR.number)
    .where(
        TR.study_id == _b("b_sid"),
        TR.unique_key == _b("b_key"),
        TR.counted == sa.true(),
        TR.deleted == sa.false(),
    )
    .limit(1)
)
_UNCOUNT = sa.update(studies).where(S.study_id == _b("b_sid")).values(n_counted=S.n_counted - 1)
_TOUCH = (
    sa.update(trials)
    .where(
        TR.study_id == _b("b_sid"),
        TR.number.in_(_b("b_nums", expanding=True)),
        TR.state == TrialState.RUNNING.value,
        TR.deleted == sa.false(),
    )
    .values(expires=_b("b_expires"))
)
_EXPIRED = (
    sa.select(TR.number)
    .where(
        TR.study_id == _b("b_sid"),
        TR.state == TrialState.RUNNING.value,
        TR.deleted == sa.false(),
        TR.expires < _b("b_now"),
    )
    .order_by(TR.number)
)
_LOCK_STUDY = sa.select(studies).where(S.study_id == _b("b_sid")).with_for_update()
_LOCK_NAME = sa.select(S.study_id).where(S.name == _b("b_name")).with_for_update()
_STUDY_BY_NAME = sa.select(studies).where(S.name == _b("b_name"))
_ALL_STUDIES = sa.select(studies).order_by(S.study_id)
_INSERT_STUDY = sa.insert(studies).returning(S.study_id)
_SET_STUDY = sa.update(studies).where(S.study_id == _b("b_sid"))
_INSERT_TRIAL = sa.insert(trials).returning(TR.trial_id)
_TRIAL = sa.select(trials).where(TR.study_id == _b("b_sid"), TR.number == _b("b_num"), _LIVE)
_OLDEST_WAITING = (
    sa.select(trials)
    .where(TR.study_id == _b("b_sid"), TR.state == TrialState.WAITING.value, _LIVE)
    .order_by(TR.number)
    .limit(1)
)
# SQLite: two statements in one read transaction (one snapshot); a join would make
# SQLite's planner walk the (study_id, number) index over every trial of the study
_STUDY_SEQ = sa.select(S.seq).where(S.study_id == _b("b_sid"))
_CHANGED = (
    sa.select(trials).where(TR.study_id == _b("b_sid"), TR.seq > _b("b_since")).order_by(TR.number)
)
# PostgreSQL: one statement, one snapshot, one round trip: the study's cursor and each
# trial changed after b_since (one row of NULL trial columns when nothing changed)
_CHANGES = (
    sa.select(S.seq.label("cursor"), trials)
    .select_from(
        studies.outerjoin(trials, sa.and_(TR.study_id == S.study_id, TR.seq > _b("b_since")))
    )
    .where(S.study_id == _b("b_sid"))
    .order_by(TR.number)
)
_OPEN = (TrialState.RUNNING.value, TrialState.WAITING.value)
_SET_OPEN_TRIAL = sa.update(trials).where(TR.trial_id == _b("b_tid"), TR.state.in_(_OPEN))
_TOMBSTONE = (
    sa.update(trials)
    .where(TR.study_id == _b("b_sid"), TR.number == _b("b_num"), _LIVE)
    .values(deleted=True, counted=False, expires=None)
)


# --- values <-> columns -------------------------------------------------------------
def _json_default(obj: Any) -> Any:
    if hasattr(obj, "tolist"):  # numpy scalars and arrays
        return obj.tolist()
    raise TypeError(
        f"cannot store a {type(obj).__name__} in the database: stored values must be "
        "JSON-able (str, int, float, bool, None, lists, and dicts with string keys)"
    )


def _dumps(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"), default=_json_default)


_loads = json.loads
_COLUMN = {"values": "objective_values"}  # FrozenTrial field -> column, where they differ
_FIELDS = [f.name for f in dataclasses.fields(FrozenTrial) if f.name not in ("number", "trial_id")]


def _encode(field: str, value: Any) -> Any:
    """A FrozenTrial field's value as stored in its column."""
    if field == "state":
        return value.value
    if field in ("started", "finished", "error"):
        return value
    if field == "values":
        return None if value is None else _dumps(list(value))
    return _dumps(value)


def _trial(row: sa.Row[Any]) -> FrozenTrial:
    values = row.objective_values
    return FrozenTrial(
        number=row.number,
        state=TrialState(row.state),
        params=_loads(row.params),
        flat=_loads(row.flat),
        values=None if values is None else tuple(_loads(values)),
        user_attrs=_loads(row.user_attrs),
        system_attrs=_loads(row.system_attrs),
        intermediate={int(k): v for k, v in _loads(row.intermediate).items()},
        started=row.started,
        finished=row.finished,
        error=row.error,
        trial_id=row.trial_id,
    )


def _study(row: sa.Row[Any]) -> StudyRecord:
    return StudyRecord(
        study_id=row.study_id,
        name=row.name,
        directions=tuple(Direction(d) for d in _loads(row.directions)),
        space=None if row.space is None else _loads(row.space),
        user_attrs=_loads(row.user_attrs),
        system_attrs=_loads(row.system_attrs),
        created=row.created,
    )


def _missing_id(study_id: int) -> StudyNotFound:
    return StudyNotFound(f"no study with id {study_id}; was it deleted?")


def _reason(exc: BaseException) -> str:
    """The driver's own first line of an error, for messages."""
    lines = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _retryable(exc: sa_exc.OperationalError, sqlite: bool) -> bool:
    if exc.connection_invalidated:  # a pooled connection died (server restart): reconnect
        return True
    if sqlite:
        return any(word in str(exc.orig).lower() for word in ("locked", "busy"))
    return getattr(exc.orig, "sqlstate", None) in ("40P01", "40001")  # deadlock, serialization


class SQLStorage(Storage):
    """Studies in a SQLite file or a PostgreSQL database, shared by any number of processes.

    Picklable: only the URL and engine options travel, and the engine is
    re-created lazily on the other side (for multiprocessing workers).
    """

    def __init__(self, url: str, *, engine_kwargs: dict[str, Any] | None = None) -> None:
        self._url = url
        self._engine_kwargs = dict(engine_kwargs or {})
        self._setup()
        self._get_engines()  # fail now, with a clear message, if the URL is unusable

    def _setup(self) -> None:
        try:
            parsed = make_url(self._url)
        except (sa_exc.ArgumentError, ValueError) as e:
            masked = re.sub(r"(://[^:/@]*:)[^@/]*@", r"\1***@", self._url)
            raise StorageError(
                f"cannot parse the storage URL {masked!r}: write it like 'sqlite:///path.db' "
                "or 'postgresql://user:password@host/dbname'"
            ) from e
        self._shown = parsed.render_as_string(hide_password=True)  # as the user wrote it
        if parsed.drivername in ("postgres", "postgresql"):
            parsed = parsed.set(drivername="postgresql+psycopg")
        self._parsed: URL = parsed
        if parsed.get_backend_name() not in ("sqlite", "postgresql"):
            raise StorageError(
                f"unsupported storage URL {self._shown!r}: hypersweep keeps studies in SQLite "
                "('sqlite:///path.db') or PostgreSQL ('postgresql://user@host/dbname')"
            )
        self._sqlite = parsed.get_backend_name() == "sqlite"
        self._path = str(parsed.database or "")
        self._memory = self._sqlite and self._path in ("", ":memory:")
        # an in-memory SQLite database lives in one shared connection: serialise its use
        self._guard: threading.RLock | None = threading.RLock() if self._memory else None
        self._init_lock = threading.Lock()
        # (for reads, for writes, for relaxed writes: see _write_relaxed)
        self._engines: tuple[Engine, Engine, Engine] | None = None
        self._pid = os.getpid()

    def __getstate__(self) -> dict[str, Any]:
        return {"url": self._url, "engine_kwargs": self._engine_kwargs}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._url, self._engine_kwargs = state["url"], state["engine_kwargs"]
        self._setup()

    def __repr__(self) -> str:
        return f"SQLStorage({self._shown!r})"

    @property
    def url(self) -> str:
        """The URL with its password masked, for messages."""
        return self._shown

    def close(self) -> None:
        with self._init_lock:
            if self._engines is not None:
                self._engines[0].dispose()
                self._engines[2].dispose()
            self._engines = None

    # --- engine and transactions ------------------------------------------------------
    def _get_engines(self) -> tuple[Engine, Engine, Engine]:
        engines = self._engines
        if engines is not None and self._pid == os.getpid():
            return engines
        with self._init_lock:
            if self._engines is not None and self._pid != os.getpid():
                # a forked child must not touch the parent's pooled connections
                self._engines[0].dispose(close=False)
                self._engines[2].dispose(close=False)
                self._engines = None
            if self._engines is None:
                engine = self._create_engine()
                if self._sqlite:
                    writes = engine.execution_options(hs_write=True)
                    engines = (engine, writes, writes)
                else:  # reads in autocommit: no BEGIN/COMMIT round trips around one SELECT
                    relaxed = self._create_engine(options="-c synchronous_commit=off")
                    engines = (engine.execution_options(isolation_level="AUTOCOMMIT"), engine,
                               relaxed)  # fmt: skip
                try:
                    self._run(engines[1], self._init_schema, opening=True)
                except StorageError:
                    engines[0].dispose()
                    engines[2].dispose()
                    raise
                except (sa_exc.SQLAlchemyError, OSError) as e:
                    engines[0].dispose()
                    engines[2].dispose()
                    raise self._open_error(e) from e
                self._engines, self._pid = engines, os.getpid()
            return self._engines

    def _create_engine(self, options: str | None = None) -> Engine:
        kwargs = dict(self._engine_kwargs)
        connect_args = dict(kwargs.pop("connect_args", {}))
        if options:  # libpq run-time settings for every connection of this pool
            connect_args["options"] = f"{connect_args.get('options', '')} {options}".strip()
        if self._sqlite:
            connect_args.setdefault("check_same_thread", False)
            connect_args.setdefault("timeout", 30.0)
            if self._memory:
                kwargs.setdefault("poolclass", StaticPool)
            elif not os.path.isdir(folder := os.path.dirname(os.path.abspath(self._path))):
                raise StorageError(
                    f"cannot open the SQLite database {self._shown!r}: the folder {folder!r} "
                    "does not exist; create it or fix the path ('sqlite:///x.db' is relative "
                    "to the working directory, 'sqlite:////abs/x.db' is absolute)"
                )
        elif "connect_timeout" not in self._parsed.query:
            connect_args.setdefault("connect_timeout", 10)
        try:
            engine = sa.create_engine(self._parsed, connect_args=connect_args, **kwargs)
        except (ImportError, sa_exc.NoSuchModuleError) as e:
            raise StorageError(
                f"cannot open {self._shown!r}: its database driver is unknown or not installed "
                f"({_reason(e)}); write 'postgresql://...' for psycopg 3 (pip install "
                "'hypersweep[postgresql]') or 'sqlite:///path.db'"
            ) from e
        except (sa_exc.SQLAlchemyError, TypeError) as e:
            raise self._open_error(e) from e
        if self._sqlite:
            wal = not self._memory
            event.listen(engine, "connect", lambda conn, _rec: _sqlite_setup(conn, wal=wal))
            event.listen(engine, "begin", _sqlite_on_begin)
        return engine

    def _open_error(self, exc: BaseException) -> StorageError:
        hint = (
            "check that its folder is writable and that the file is a SQLite database"
            if self._sqlite
            else "check that the PostgreSQL server is running and reachable, and that the "
            "user, password and database name are right"
        )
        return StorageError(f"cannot open the storage {self._shown!r}: {hint} ({_reason(exc)})")

    def _init_schema(self, conn: Connection) -> None:
        if not self._sqlite:
            conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_PG_INIT_LOCK)))
        metadata.create_all(conn)
        found = conn.execute(sa.select(version_table.c.version)).scalars().all()
        if not found:
            conn.execute(sa.insert(version_table).values(version=SCHEMA_VERSION))
        elif found != [SCHEMA_VERSION]:
            have = max(found)
            todo = (
                "upgrade hypersweep to open it, or use another database"
                if have > SCHEMA_VERSION
                else "use a new database file or URL, or the older hypersweep that wrote it"
            )
            raise StorageError(
                f"the database {self._shown!r} holds hypersweep schema version {have}, but "
                f"this hypersweep expects version {SCHEMA_VERSION}: {todo}"
            )

    def _run(self, engine: Engine, fn: Callable[[Connection], T], *, opening: bool = False) -> T:
        """Run ``fn`` in one transaction, committed on return; retry when that is safe."""
        for attempt in range(_ATTEMPTS):
            committing = False
            try:
                with self._guard or nullcontext(), engine.begin() as conn:
                    result = fn(conn)
                    committing = True
                return result
            except sa_exc.OperationalError as e:
                # a COMMIT that failed on PostgreSQL may have happened after all: never redo it
                safe = self._sqlite or not committing
                if safe and attempt + 1 < _ATTEMPTS and _retryable(e, self._sqlite):
                    time.sleep(min(0.02 * 2**attempt, 0.5) * (0.5 + random.random()))
                    continue
                if opening:  # _get_engines explains what to check
                    raise
                raise StorageError(f"the database {self._shown!r} failed: {_reason(e)}") from e
        raise AssertionError("unreachable")

    def _write(self, fn: Callable[[Connection], T]) -> T:
        return self._run(self._get_engines()[1], fn)

    def _read(self, fn: Callable[[Connection], T]) -> T:
        return self._run(self._get_engines()[0], fn)

    def _write_relaxed(self, fn: Callable[[Connection], T]) -> T:
        """PostgreSQL: a write whose commit does not wait for its WAL flush.

        Used for starting a trial and for heartbeats, never for finishing a
        trial. A worker's crash loses nothing either way (the server has the
        data); only a crash of the database server itself could forget the last
        few starts, and a forgotten RUNNING trial is harmless. SQLite in WAL mode
        with synchronous=NORMAL makes the same trade for every write. It shortens
        the time the study row stays locked, which is what serialises workers.
        """
        return self._run(self._get_engines()[2], fn)

    @staticmethod
    def _bump(conn: Connection, study_id: int) -> int:
        """Lock the study's row (until commit) and take its next sequence number."""
        seq = conn.execute(_BUMP, {"b_sid": study_id}).scalar_one_or_none()
        if seq is None:
            raise _missing_id(study_id)
        return int(seq)

    def _missing_name(self, name: str) -> StudyNotFound:
        return StudyNotFound(
            f"no study named {name!r} in {self._shown}; "
            f"`hypersweep studies --storage {self._shown}` lists the studies there"
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
        rec = StudyRecord(
            study_id=-1,
            name=name,
            directions=tuple(Direction.parse(d) for d in directions),
            space=space,
            system_attrs=dict(system_attrs or {}),
            created=time.time(),
        )
        row = {
            "name": name,
            "directions": _dumps([d.value for d in rec.directions]),
            "space": None if space is None else _dumps(space),
            "user_attrs": "{}",
            "system_attrs": _dumps(rec.system_attrs),
            "created": rec.created,
            "seq": 0,
            "next_number": 0,
            "n_counted": 0,
        }
        duplicate = DuplicateStudy(f"a study named {name!r} already exists in {self._shown}")

        def op(conn: Connection) -> int:
            if conn.execute(_STUDY_BY_NAME, {"b_name": name}).first() is not None:
                raise duplicate
            return int(conn.execute(_INSERT_STUDY, row).scalar_one())

        try:
            return dataclasses.replace(rec, study_id=self._write(op))
        except sa_exc.IntegrityError as e:  # another process created it in between
            raise duplicate from e

    def get_study(self, name: str) -> StudyRecord:
        row = self._read(lambda c: c.execute(_STUDY_BY_NAME, {"b_name": name}).first())
        if row is None:
            raise self._missing_name(name)
        return _study(row)

    def list_studies(self) -> list[StudyRecord]:
        return [_study(r) for r in self._read(lambda c: c.execute(_ALL_STUDIES).all())]

    def delete_study(self, name: str) -> None:
        def op(conn: Connection) -> None:
            study_id = conn.execute(_LOCK_NAME, {"b_name": name}).scalar_one_or_none()
            if study_id is None:
                raise self._missing_name(name)
            conn.execute(sa.delete(trials).where(TR.study_id == study_id))
            conn.execute(sa.delete(studies).where(S.study_id == study_id))

        self._write(op)

    def update_study(
        self,
        study_id: int,
        *,
        space: Any = None,
        user_attrs: dict[str, Any] | None = None,
        system_attrs: dict[str, Any] | None = None,
    ) -> StudyRecord:
        def op(conn: Connection) -> StudyRecord:
            row = conn.execute(_LOCK_STUDY, {"b_sid": study_id}).first()
            if row is None:
                raise _missing_id(study_id)
            old = _study(row)
            new = dataclasses.replace(
                old,
                space=old.space if space is None else space,
                user_attrs={**old.user_attrs, **(user_attrs or {})},
                system_attrs={**old.system_attrs, **(system_attrs or {})},
            )
            cols: dict[str, Any] = {"b_sid": study_id, "space": None}
            cols.update({k: _dumps(getattr(new, k)) for k in ("user_attrs", "system_attrs")})
            if new.space is not None:
                cols["space"] = _dumps(new.space)
            conn.execute(_SET_STUDY, cols)
            return new

        return self._write(op)

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
        row = {_COLUMN.get(f, f): _encode(f, getattr(trial, f)) for f in _FIELDS}
        row.update(
            study_id=study_id, deleted=False, counted=True, expires=expires, unique_key=unique_key
        )

        def op(conn: Connection) -> FrozenTrial:
            counters = conn.execute(_BUMP_NUMBER, {"b_sid": study_id}).first()
            if counters is None:
                raise _missing_id(study_id)
            if max_trials is not None and counters.n_counted > max_trials:
                raise BudgetReached(f"the study already holds its {max_trials} trials")
            if unique_key is not None:
                taken = conn.execute(_KEY_TAKEN, {"b_sid": study_id, "b_key": unique_key})
                if taken.first() is not None:
                    raise ConfigTaken("another trial holds this configuration")
            number = counters.next_number - 1
            row.update(number=number, seq=counters.seq)
            trial_id = int(conn.execute(_INSERT_TRIAL, row).scalar_one())
            return dataclasses.replace(trial, number=number, trial_id=trial_id)

        # starting a trial may be relaxed; queueing one (the user's intent) may not
        return self._write_relaxed(op) if state is TrialState.RUNNING else self._write(op)

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
            if conn.execute(_LOCK_STUDY, {"b_sid": study_id}).first() is None:
                raise _missing_id(study_id)
            row = conn.execute(_OLDEST_WAITING, {"b_sid": study_id}).first()
            if row is None:
                return None
            attrs = {**_loads(row.system_attrs), **(system_attrs or {})}
            changes = {"state": TrialState.RUNNING, "started": started, "system_attrs": attrs}
            seq = self._bump(conn, study_id)
            return self._change(conn, seq, _trial(row), changes, extra={"expires": expires})

        return self._write(op)

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
            row = conn.execute(_TRIAL, {"b_sid": study_id, "b_num": number}).first()
            if row is None:
                self._bump(conn, study_id)  # StudyNotFound if the study itself is gone
            old = check_finishable(None if row is None else _trial(row), study_id, number)
            seq = self._bump(conn, study_id)
            changes = dict(replaced)
            changes.update({k: {**getattr(old, k), **v} for k, v in merged.items() if v})
            extra: dict[str, Any] = {}
            if unique_key is not None and row is not None and row.unique_key != unique_key:
                taken = conn.execute(_KEY_TAKEN, {"b_sid": study_id, "b_key": unique_key})
                if taken.first() is not None:
                    raise ConfigTaken("another trial holds this configuration")
                extra["unique_key"] = unique_key
            new_state = changes.get("state", old.state)
            if new_state is not TrialState.RUNNING:
                extra["expires"] = None
            attrs = changes.get("system_attrs", old.system_attrs)
            counted = row is not None and row.counted
            if new_state is TrialState.FAIL and attrs.get("interrupted") and counted:
                extra["counted"] = False  # an interrupted trial gives its budget back
                conn.execute(_UNCOUNT, {"b_sid": study_id})
            return self._change(conn, seq, old, changes, extra=extra)

        return self._write(op)

    @staticmethod
    def _change(
        conn: Connection,
        seq: int,
        old: FrozenTrial,
        changes: dict[str, Any],
        extra: dict[str, Any] | None = None,
    ) -> FrozenTrial:
        """Write the changed fields of an open trial, stamped with sequence number ``seq``.

        ``extra`` holds bookkeeping columns that are not FrozenTrial fields.
        """
        cols = {_COLUMN.get(k, k): _encode(k, v) for k, v in changes.items()}
        cols.update(extra or {})
        cols.update(b_tid=old.trial_id, seq=seq)
        if conn.execute(_SET_OPEN_TRIAL, cols).rowcount != 1:  # the study lock prevents this
            raise ValueError(f"trial {old.number} was finished by another worker")
        return dataclasses.replace(old, **changes)

    def read_trials(self, study_id: int, since: int = 0) -> Changes:
        params = {"b_sid": study_id, "b_since": since}

        def op(conn: Connection) -> tuple[int | None, Sequence[sa.Row[Any]]]:
            if not self._sqlite:
                found = conn.execute(_CHANGES, params).all()
                return (int(found[0].cursor) if found else None), found
            cursor = conn.execute(_STUDY_SEQ, {"b_sid": study_id}).scalar_one_or_none()
            return cursor, conn.execute(_CHANGED, params).all() if cursor is not None else []

        cursor, rows = self._read(op)
        if cursor is None:
            raise _missing_id(study_id)
        found: list[FrozenTrial] = []
        deleted: list[int] = []
        for row in rows:
            if row.trial_id is None:  # nothing changed
                continue
            if row.deleted:
                deleted.append(row.number)
            else:
                found.append(_trial(row))
        return Changes(trials=found, deleted=deleted, cursor=int(cursor))

    def delete_trial(self, study_id: int, number: int) -> None:
        def op(conn: Connection) -> None:
            seq = self._bump(conn, study_id)
            row = conn.execute(_TRIAL, {"b_sid": study_id, "b_num": number}).first()
            if row is None:
                raise ValueError(f"study {study_id} has no trial number {number}")
            conn.execute(_TOMBSTONE, {"b_sid": study_id, "b_num": number, "seq": seq})
            if row.counted:
                conn.execute(_UNCOUNT, {"b_sid": study_id})

        self._write(op)

    def touch(self, study_id: int, numbers: Sequence[int], expires: float) -> None:
        if numbers:
            params = {"b_sid": study_id, "b_nums": list(numbers), "b_expires": expires}

            self._write_relaxed(lambda conn: conn.execute(_TOUCH, params))

    def expired(self, study_id: int, now: float) -> list[int]:
        rows = self._read(lambda c: c.execute(_EXPIRED, {"b_sid": study_id, "b_now": now}).all())
        return [int(r.number) for r in rows]


# --- SQLite connection setup ----------------------------------------------------------
def _sqlite_setup(dbapi_conn: Any, *, wal: bool) -> None:
    dbapi_conn.isolation_level = None  # we emit BEGIN ourselves, in _sqlite_on_begin
    for pragma in ("busy_timeout = 30000", "foreign_keys = ON", "synchronous = NORMAL"):
        dbapi_conn.execute(f"PRAGMA {pragma}")
    if wal:  # readers and one writer at a time, without blocking each other
        dbapi_conn.execute("PRAGMA journal_mode = WAL")


def _sqlite_on_begin(conn: Connection) -> None:
    # IMMEDIATE takes the write lock up front (waiting up to busy_timeout), so a write
    # transaction never fails half-way when it would upgrade from reading to writing.
    mode = "IMMEDIATE" if conn.get_execution_options().get("hs_write") else "DEFERRED"
    conn.exec_driver_sql(f"BEGIN {mode}")
