"""What a database holds, found without writing to it, and what that allows.

Opening never writes: a storage looks first (table names and the schema version,
in a read transaction) and decides from that. Reading needs a hypersweep
database whose schema it can read; writing may upgrade an older schema, and only
creating a study may add hypersweep's tables to a database that has none.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..base import SCHEMA_VERSION
from .schema import version_table
from .upgrade import OLDEST, READABLE_SINCE, refusal

# the tables every Optuna storage has, and one of its version tables
OPTUNA_TABLES = frozenset({"studies", "trials", "trial_params"})
OPTUNA_VERSION_TABLES = frozenset({"version_info", "alembic_version"})
CREATE_HINT = "create a study there with hs.create_study(name, storage=...)"


@dataclass(frozen=True)
class Found:
    """The tables of a database and, when it has ``hs_version``, the schema version there."""

    tables: frozenset[str]
    version: int | None = None

    @property
    def hypersweep(self) -> bool:
        return version_table.name in self.tables

    @property
    def optuna(self) -> bool:
        return OPTUNA_TABLES.issubset(self.tables) and bool(OPTUNA_VERSION_TABLES & self.tables)


def look(conn: Connection) -> Found:
    """Read the table names and the schema version; writes nothing."""
    tables = frozenset(sa.inspect(conn).get_table_names())
    if version_table.name not in tables:
        return Found(tables)
    version = conn.execute(sa.select(sa.func.max(version_table.c.version))).scalar_one_or_none()
    return Found(tables, None if version is None else int(version))


def missing_file(path: str) -> str:
    return f"no study database at {path}; check the path, or {CREATE_HINT}"


def unusable(found: Found, where: str) -> str | None:
    """Why no use at all can open this database (reading or writing), or None."""
    if found.optuna and not found.hypersweep:
        return (
            f"{where} is an Optuna database, not a hypersweep one; hypersweep cannot "
            "import Optuna studies (yet): read them with optuna "
            "(optuna.load_study(study_name=..., storage=...)), and keep hypersweep studies "
            "in another database"
        )
    if not found.hypersweep:
        return None
    if found.version is None or not OLDEST <= found.version <= SCHEMA_VERSION:
        return refusal(found.version, where)
    return None


def not_readable(found: Found, where: str) -> str | None:
    """Why this database cannot be read as it is (reading never changes it), or None."""
    if (refused := unusable(found, where)) is not None:
        return refused
    if not found.hypersweep:
        return no_tables(where)
    assert found.version is not None  # unusable() refused an unknown version
    if found.version < READABLE_SINCE:
        return (
            f"the database {where!r} holds hypersweep schema version {found.version}, which "
            f"this hypersweep reads only once it is upgraded to {SCHEMA_VERSION}, and reading "
            "never changes a database: open it for writing once (for example "
            "hs.create_study(name, storage=..., load_if_exists=True)), then read it"
        )
    return None


def no_tables(where: str) -> str:
    return (
        f"{where} is not a hypersweep database (no hypersweep tables); check the path or "
        f"URL, or {CREATE_HINT}"
    )
