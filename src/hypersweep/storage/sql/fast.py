"""The hot path's transactions on the driver's own connection, without Core's per-call work.

Every trial costs three transactions (read what changed, start it, finish it). Run
through SQLAlchemy Core, most of their CPU time went to Core itself (events, result
objects, the ``begin`` hook), not to the database: with 8 workers on 2 cores that
CPU is the throughput. Here the same built statements are compiled once per
dialect, and their SQL text runs on a pooled DBAPI connection: the pool, the
transaction rules (``BEGIN IMMEDIATE`` on SQLite, commit before returning) and the
retries stay those of :class:`~.database.Database`.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Sequence
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ClauseElement


class Compiled:
    """One statement's SQL text for one dialect, its parameter order and its fixed values."""

    __slots__ = ("defaults", "order", "sql")

    def __init__(self, statement: ClauseElement, dialect: Dialect, keys: Sequence[str]) -> None:
        compiled: Any = statement.compile(dialect=dialect, column_keys=list(keys))
        self.sql = compiled.string
        if "__[POSTCOMPILE" in self.sql:  # an IN list over a parameter: keep such on Core
            raise TypeError(f"{self.sql!r} needs Core's expanding parameters")
        self.order = list(compiled.positiontup) if compiled.positional else None
        self.defaults = {
            name: bind.effective_value
            for bind, name in compiled.bind_names.items()
            if bind.value is not None
        }

    def parameters(self, given: dict[str, Any]) -> Any:
        values = {**self.defaults, **given} if self.defaults else given
        if self.order is None:
            return values
        return tuple(values[name] for name in self.order)


class Rows:
    """What the storage's operations read of a result: rows by attribute, or a count."""

    __slots__ = ("rowcount", "rows")

    def __init__(self, rows: list[Any], rowcount: int) -> None:
        self.rows, self.rowcount = rows, rowcount

    def first(self) -> Any:
        return self.rows[0] if self.rows else None

    def all(self) -> list[Any]:
        return self.rows

    def scalar_one_or_none(self) -> Any:
        if len(self.rows) > 1:
            raise ValueError("more than one row where one was expected")
        return self.rows[0][0] if self.rows else None

    def scalar_one(self) -> Any:
        if len(self.rows) != 1:
            raise ValueError(f"{len(self.rows)} rows where exactly one was expected")
        return self.rows[0][0]


_cache: dict[tuple[int, str, tuple[str, ...]], Compiled] = {}
_row_types: dict[tuple[str, ...], Any] = {}


def _row_type(names: tuple[str, ...]) -> Any:
    found = _row_types.get(names)
    if found is None:
        found = _row_types[names] = namedtuple("Row", names)
    return found


class FastConnection:
    """Runs the module's statements on one DBAPI connection inside the caller's transaction.

    Offers what the storage's operations use of Core's ``Connection.execute``.
    """

    def __init__(self, dbapi_connection: Any, dialect: Dialect) -> None:
        self._cursor = dbapi_connection.cursor()
        self._dialect = dialect

    def execute(self, statement: ClauseElement, params: dict[str, Any] | None = None) -> Rows:
        given = params or {}
        keys = tuple(sorted(given))
        key = (id(statement), self._dialect.name, keys)
        compiled = _cache.get(key)
        if compiled is None:
            compiled = _cache[key] = Compiled(statement, self._dialect, keys)
        cursor = self._cursor
        cursor.execute(compiled.sql, compiled.parameters(given))
        if cursor.description is None:
            return Rows([], cursor.rowcount)
        row = _row_type(tuple(d[0] for d in cursor.description))
        return Rows([row(*r) for r in cursor.fetchall()], cursor.rowcount)

    def execute_text(self, sql: str) -> None:
        """A statement without parameters or rows (BEGIN, COMMIT)."""
        self._cursor.execute(sql)

    def close(self) -> None:
        self._cursor.close()
