"""The connection to one SQLite file or PostgreSQL database: URL, engines, transactions.

Reading never writes: before its first read a storage only looks at the database
(:mod:`.probe`), and a missing SQLite file stays missing. Before its first write
it creates the tables (only when creating a study) or upgrades an older schema
(:mod:`.upgrade`), and switches a SQLite file to WAL mode.

SQLite runs in WAL mode and opens write transactions with ``BEGIN IMMEDIATE``,
so several processes can share one file without "database is locked" errors.
Every transaction is retried when that is safe (SQLite busy, a dropped
PostgreSQL connection, a deadlock).
"""

from __future__ import annotations

import logging
import os
import random
import re
import sqlite3
import threading
import time
from collections.abc import Callable
from contextlib import nullcontext, suppress
from typing import Any, TypeVar, cast

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.pool import StaticPool

from ...exceptions import StorageError
from .fast import FastConnection
from .gate import WriteGate
from .probe import Found, look, missing_file, no_tables, not_readable, unusable
from .upgrade import open_schema, upgraded_message

T = TypeVar("T")
log = logging.getLogger("hypersweep.storage")
PG_INIT_LOCK = 0x68735F696E6974  # advisory lock: concurrent first opens create or upgrade once
ATTEMPTS = 6  # for SQLite busy errors and dropped PostgreSQL connections, with backoff


def reason(exc: BaseException) -> str:
    """The driver's own first line of an error, for messages."""
    lines = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def damaged(exc: BaseException) -> bool:
    """SQLite's words for a file that is not a database, or no longer a whole one."""
    said = reason(exc).lower()
    return any(word in said for word in ("not a database", "malformed", "corrupt"))


class WriteConflict(StorageError):
    """A write broke a uniqueness rule of the tables (another process wrote first)."""


def retryable(exc: sa_exc.OperationalError, sqlite: bool) -> bool:
    if exc.connection_invalidated:  # a pooled connection died (server restart): reconnect
        return True
    if sqlite:
        return any(word in str(exc.orig).lower() for word in ("locked", "busy"))
    return getattr(exc.orig, "sqlstate", None) in ("40P01", "40001")  # deadlock, serialization


def parse_url(url: str) -> tuple[URL, str]:
    """The URL for SQLAlchemy (psycopg 3 for PostgreSQL) and as shown, password masked."""
    try:
        parsed = make_url(url)
    except (sa_exc.ArgumentError, ValueError) as e:
        masked = re.sub(r"(://[^:/@]*:)[^@/]*@", r"\1***@", url)
        raise StorageError(
            f"cannot parse the storage URL {masked!r}: write it like 'sqlite:///path.db' "
            "or 'postgresql://user:password@host/dbname'"
        ) from e
    shown = parsed.render_as_string(hide_password=True)  # as the user wrote it
    if parsed.get_backend_name() == "sqlite" and not parsed.database:
        raise StorageError(
            f"the storage URL {shown!r} names no file: sqlite:/// needs a file path, e.g. "
            "sqlite:///study.db; for an in-memory study pass storage=None"
        )
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise StorageError(
            f"unsupported storage URL {shown!r}: hypersweep keeps studies in SQLite "
            "('sqlite:///path.db') or PostgreSQL ('postgresql://user@host/dbname')"
        )
    return parsed, shown


class Database:
    """Engines for one database, created lazily (again after a fork), and transactions on them.

    Three engines: for reads (autocommit on PostgreSQL), for writes, and for relaxed
    writes (see :meth:`write_relaxed`). Nothing is written until the first write:
    :meth:`check` and the first read only look (see the module's docstring).
    """

    def __init__(self, url: str, engine_kwargs: dict[str, Any]) -> None:
        self.parsed, self.shown = parse_url(url)
        self.engine_kwargs = engine_kwargs
        self.sqlite = self.parsed.get_backend_name() == "sqlite"
        self.path = str(self.parsed.database or "")
        self.memory = self.sqlite and self.path == ":memory:"
        self.where = self.path if self.sqlite else self.shown  # for messages
        # an in-memory SQLite database lives in one shared connection: serialise its use
        self._guard: threading.RLock | None = threading.RLock() if self.memory else None
        self._init_lock = threading.Lock()
        self._schema_lock = threading.Lock()
        self._engines: tuple[Engine, Engine, Engine] | None = None
        self._pid = os.getpid()
        self._readable = False  # a hypersweep schema the reads can use, found by looking
        self._current = False  # at SCHEMA_VERSION, created or upgraded by this process
        self._gate = WriteGate(self.path) if self.sqlite and not self.memory else None
        # SQLite file: each thread keeps its hot-path connections checked out (see _checkout)
        self._held = threading.local() if self.sqlite and not self.memory else None
        self._held_all: list[Any] = []

    def close(self) -> None:
        with self._init_lock:
            held, self._held_all = self._held_all, []
            if self._held is not None:
                self._held = threading.local()
            for raw in held if self._pid == os.getpid() else ():
                with suppress(Exception):
                    raw.close()
            if self._engines is not None:
                self._engines[0].dispose()
                self._engines[2].dispose()
            self._engines = None

    def read(self, fn: Callable[[Connection], T], *, absent: object) -> T:
        """Run a read; ``absent`` is its answer from a PostgreSQL database that holds no
        hypersweep tables yet (no studies: a shared database, not a wrong file)."""
        if not self._readable and not self._prepare(write=False):
            return cast(T, absent)
        return self._run(self.engines()[0], fn)

    def write(self, fn: Callable[[Connection], T], *, create: bool = False) -> T:
        """Run a write; ``create`` (creating a study) may create the file and the tables."""
        if not self._current:
            self._prepare(write=True, create=create)
        return self._run(self.engines()[1], fn)

    def write_relaxed(self, fn: Callable[[Connection], T]) -> T:
        """PostgreSQL: a write whose commit does not wait for its WAL flush.

        Used for starting a trial and for heartbeats, never for finishing a
        trial. A worker's crash loses nothing either way (the server has the
        data); only a crash of the database server itself could forget the last
        few starts, and a forgotten RUNNING trial is harmless. SQLite in WAL mode
        with synchronous=NORMAL makes the same trade for every write. It shortens
        the time the study row stays locked, which is what serialises workers.
        """
        if not self._current:
            self._prepare(write=True)
        return self._run(self.engines()[2], fn)

    def fast(
        self,
        fn: Callable[[Any], T],
        *,
        write: bool,
        relaxed: bool = False,
        absent: object = None,
    ) -> T:
        """:meth:`read`, :meth:`write` or :meth:`write_relaxed` for the per-trial hot path:
        the same transaction, committed before returning, on the driver's connection
        (:mod:`.fast`). ``fn`` receives a :class:`~.fast.FastConnection`."""
        if write and not self._current:
            self._prepare(write=True)
        elif not write and not self._readable and not self._prepare(write=False):
            return cast(T, absent)
        engine = self.engines()[2 if relaxed else 1 if write else 0]
        gate = self._gate if write and self._gate is not None else nullcontext()
        with gate:
            return self._fast_attempts(engine, fn, write)

    def _fast_attempts(self, engine: Engine, fn: Callable[[Any], T], write: bool) -> T:
        dialect = engine.dialect
        for attempt in range(ATTEMPTS):
            committing = False
            try:
                raw = self._checkout(engine)
            except sa_exc.DBAPIError as e:
                if self._retry(e, attempt, committing):
                    continue
                raise self._failure(e, opening=False) from e
            failed = True
            try:
                with self._guard or nullcontext():
                    result, committing = self._fast_once(raw, dialect, fn, write), True
                failed = False
                return result
            except dialect.loaded_dbapi.Error as e:
                invalidated = dialect.is_disconnect(e, raw.dbapi_connection, None)
                if invalidated:
                    raw.invalidate(e)
                wrapped: Any = sa_exc.DBAPIError.instance(
                    None, None, e, dialect.loaded_dbapi.Error,
                    connection_invalidated=invalidated, dialect=dialect,
                )  # fmt: skip
                if self._retry(wrapped, attempt, committing):
                    continue
                raise self._failure(wrapped, opening=False) from e
            finally:
                self._checkin(engine, raw, failed)
        raise AssertionError("unreachable")

    def _checkout(self, engine: Engine) -> Any:
        """A pooled connection; on a SQLite file, the one this thread keeps for ``engine``.

        Checking a connection out of SQLAlchemy's pool and back in (its reset, its
        events) cost about as much CPU as the SQL of a trial; a SQLite connection is
        only a file handle, so each thread keeps its own between transactions.
        """
        if self._held is None:
            return engine.raw_connection()
        mine = self._held.__dict__.setdefault("raw", {})
        raw = mine.pop(id(engine), None)
        return raw if raw is not None else engine.raw_connection()

    def _checkin(self, engine: Engine, raw: Any, failed: bool) -> None:
        if self._held is None or failed or self._pid != os.getpid():
            if raw in self._held_all:
                self._held_all.remove(raw)
            raw.close()  # back to the pool, which resets or drops it
            return
        self._held.__dict__.setdefault("raw", {})[id(engine)] = raw
        if raw not in self._held_all:
            with self._init_lock:
                self._held_all.append(raw)

    def _fast_once(self, raw: Any, dialect: Any, fn: Callable[[Any], T], write: bool) -> T:
        conn = FastConnection(raw, dialect)
        if self.sqlite:
            conn.execute_text("BEGIN IMMEDIATE" if write else "BEGIN")
        try:
            result = fn(conn)
            raw.commit()
            return result
        except BaseException:
            with suppress(dialect.loaded_dbapi.Error):  # gone: the first error is reported
                raw.rollback()
            raise
        finally:
            conn.close()

    def engines(self) -> tuple[Engine, Engine, Engine]:
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
                self._engines, self._pid = self._open(), os.getpid()
            return self._engines

    def _open(self) -> tuple[Engine, Engine, Engine]:
        engine = self._create_engine()
        if self.sqlite:
            writes = engine.execution_options(hs_write=True)
            return engine, writes, writes
        # reads in autocommit: no BEGIN/COMMIT round trips around one SELECT
        relaxed = self._create_engine(options="-c synchronous_commit=off")
        return engine.execution_options(isolation_level="AUTOCOMMIT"), engine, relaxed

    # --- looking, creating, upgrading -----------------------------------------------------
    def check(self) -> None:
        """Refuse now, writing nothing, what neither reading nor writing could open: a
        bad URL, an unreachable server, a damaged file, an Optuna database, a schema too
        new or too old. A missing file is no error yet: creating a study makes it."""
        self.engines()
        if self._exists():
            self._refuse(unusable(self._look(), self.where))

    def _exists(self) -> bool:
        return not self.sqlite or self.memory or os.path.exists(self.path)

    def _look(self) -> Found:
        return self._run(self.engines()[0], look, opening=True)

    def _refuse(self, why: str | None) -> None:
        if why is not None:
            raise StorageError(why)

    def _prepare(self, *, write: bool, create: bool = False) -> bool:
        """Make the database ready to read or write; False: PostgreSQL without tables."""
        with self._schema_lock:
            if self.memory or (write and not self._current):
                self._make_current(create or self.memory)
            elif not write and not self._readable:
                if not self._exists():
                    raise StorageError(missing_file(self.path))
                found = self._look()
                if not self.sqlite and not found.hypersweep and not found.optuna:
                    return False  # looked again at the next read: a study may come
                self._refuse(not_readable(found, self.where))
                self._readable = True
            return True

    def _make_current(self, create: bool) -> None:
        if self._current:
            return
        if not self._exists():
            if not create:
                raise StorageError(missing_file(self.path))
        else:
            found = self._look()
            self._refuse(unusable(found, self.where))
            if not found.hypersweep and not create:
                raise StorageError(no_tables(self.where))
        if self.sqlite and not self.memory:
            self._use_wal()
        upgraded_from = self._run(self.engines()[1], self._open_schema, opening=True)
        if upgraded_from is not None:  # said once it is committed
            log.warning(upgraded_message(self.where, upgraded_from))
        self._current = self._readable = True

    def _use_wal(self) -> None:
        """WAL mode, kept by the file: set outside any transaction, before the first write."""
        try:
            raw = self.engines()[0].raw_connection()
            try:
                raw.cursor().execute("PRAGMA journal_mode = WAL")
            finally:
                raw.close()
        except (sa_exc.DBAPIError, sqlite3.Error) as e:  # the cursor's errors are sqlite3's
            raise self._failure(e, opening=True) from e

    def _open_schema(self, conn: Connection) -> int | None:
        if not self.sqlite:
            conn.execute(sa.select(sa.func.pg_advisory_xact_lock(PG_INIT_LOCK)))
        return open_schema(conn, self.where)

    def _create_engine(self, options: str | None = None) -> Engine:
        kwargs = dict(self.engine_kwargs)
        connect_args = dict(kwargs.pop("connect_args", {}))
        if options:  # libpq run-time settings for every connection of this pool
            connect_args["options"] = f"{connect_args.get('options', '')} {options}".strip()
        if self.sqlite:
            self._sqlite_args(connect_args, kwargs)
        elif "connect_timeout" not in self.parsed.query:
            connect_args.setdefault("connect_timeout", 10)
        try:
            engine = sa.create_engine(self.parsed, connect_args=connect_args, **kwargs)
        except (ImportError, sa_exc.NoSuchModuleError) as e:
            raise StorageError(
                f"cannot open {self.shown!r}: its database driver is unknown or not installed "
                f"({reason(e)}); write 'postgresql://...' for psycopg 3 (pip install "
                "'hypersweep[postgresql]') or 'sqlite:///path.db'"
            ) from e
        except (sa_exc.SQLAlchemyError, TypeError) as e:
            raise self._open_error(e) from e
        if self.sqlite:
            event.listen(engine, "connect", sqlite_setup)
            event.listen(engine, "begin", sqlite_on_begin)
        return engine

    def _sqlite_args(self, connect_args: dict[str, Any], kwargs: dict[str, Any]) -> None:
        connect_args.setdefault("check_same_thread", False)
        connect_args.setdefault("timeout", 30.0)
        if self.memory:
            kwargs.setdefault("poolclass", StaticPool)
        elif not os.path.isdir(folder := os.path.dirname(os.path.abspath(self.path))):
            raise StorageError(
                f"cannot open the SQLite database {self.shown!r}: the folder {folder!r} "
                "does not exist; create it or fix the path ('sqlite:///x.db' is relative "
                "to the working directory, 'sqlite:////abs/x.db' is absolute)"
            )

    # --- errors and transactions ---------------------------------------------------------
    def _open_error(self, exc: BaseException) -> StorageError:
        hint = (
            "check that its folder is writable and that the file is a SQLite database"
            if self.sqlite
            else "check that the PostgreSQL server is running and reachable, and that the "
            "user, password and database name are right"
        )
        return StorageError(f"cannot open the storage {self.shown!r}: {hint} ({reason(exc)})")

    def _failure(self, exc: Exception, *, opening: bool) -> StorageError:
        """One sentence for a driver error: what failed and what to do (no SQL text)."""
        if isinstance(exc, sa_exc.IntegrityError):
            return WriteConflict(f"a write to {self.shown!r} was refused: {reason(exc)}")
        if self.sqlite and not self.memory and damaged(exc):
            return StorageError(
                f"{self.path} is not a SQLite database, or it is damaged ({reason(exc)}): "
                f"restore it from a copy, or try `sqlite3 {self.path} .recover` to save "
                "what is left into a new file"
            )
        if opening:
            return self._open_error(exc)
        return StorageError(f"the database {self.shown!r} failed: {reason(exc)}")

    def _run(self, engine: Engine, fn: Callable[[Connection], T], *, opening: bool = False) -> T:
        """Run ``fn`` in one transaction, committed on return; retry when that is safe."""
        writing = self._gate is not None and engine.get_execution_options().get("hs_write")
        with self._gate if writing and self._gate is not None else nullcontext():
            return self._run_attempts(engine, fn, opening)

    def _run_attempts(self, engine: Engine, fn: Callable[[Connection], T], opening: bool) -> T:
        for attempt in range(ATTEMPTS):
            committing = False
            try:
                with self._guard or nullcontext(), engine.begin() as conn:
                    result = fn(conn)
                    committing = True
                return result
            except sa_exc.DBAPIError as e:
                if self._retry(e, attempt, committing):
                    continue
                raise self._failure(e, opening=opening) from e
        raise AssertionError("unreachable")

    def _retry(self, exc: sa_exc.DBAPIError, attempt: int, committing: bool) -> bool:
        """Whether to run the transaction again (after a pause that grows each time)."""
        # a COMMIT that failed on PostgreSQL may have happened after all: never redo it
        safe = self.sqlite or not committing
        if (
            isinstance(exc, sa_exc.OperationalError)
            and safe
            and attempt + 1 < ATTEMPTS
            and retryable(exc, self.sqlite)
        ):
            time.sleep(min(0.02 * 2**attempt, 0.5) * (0.5 + random.random()))
            return True
        return False


# --- SQLite connection setup ----------------------------------------------------------
def sqlite_setup(dbapi_conn: Any, _record: Any) -> None:
    # settings of this connection only: none of them writes to the file (WAL, which
    # does, is set once before the first write: Database._use_wal)
    dbapi_conn.isolation_level = None  # we emit BEGIN ourselves, in sqlite_on_begin
    for pragma in ("busy_timeout = 30000", "foreign_keys = ON", "synchronous = NORMAL"):
        dbapi_conn.execute(f"PRAGMA {pragma}")


def sqlite_on_begin(conn: Connection) -> None:
    # IMMEDIATE takes the write lock up front (waiting up to busy_timeout), so a write
    # transaction never fails half-way when it would upgrade from reading to writing.
    mode = "IMMEDIATE" if conn.get_execution_options().get("hs_write") else "DEFERRED"
    conn.exec_driver_sql(f"BEGIN {mode}")
