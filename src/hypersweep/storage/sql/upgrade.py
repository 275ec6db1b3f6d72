"""Writing to a study database: create its tables, upgrade an older schema in place, or
refuse a newer one. (Reading never does any of this: see :mod:`.probe`.)

To change the schema: change :mod:`.schema`, write a step below that brings a
database from the previous version to the new one, add it to ``STEPS`` and bump
``SCHEMA_VERSION`` in ``storage/base.py``. A released step never changes: a
database may sit at any older version for years.

Everything runs inside the caller's write transaction (SQLite ``BEGIN IMMEDIATE``,
PostgreSQL under an advisory lock), so an upgrade is all or nothing, and a second
process opening the same old database waits, then finds it already upgraded.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from importlib import metadata as package_metadata

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ...exceptions import StorageError
from ..base import SCHEMA_VERSION
from .schema import metadata, schema_log, version_table

Step = Callable[[Connection], None]


def add_schema_log(conn: Connection) -> None:
    """2 -> 3: a table recording each upgrade, so a database says who changed it when."""
    schema_log.create(conn)


# STEPS[v] brings a database from schema v to v + 1, in order
STEPS: dict[int, Step] = {
    2: add_schema_log,
}
OLDEST = min(STEPS, default=SCHEMA_VERSION)  # the oldest schema this code can upgrade
# the oldest schema whose tables the reads use unchanged: reading never upgrades, so an
# older database is read as it is from this version on. Raise it to the new version when
# a step changes a table or column that statements.py reads (2 -> 3 only added a log).
READABLE_SINCE = 2


def open_schema(conn: Connection, shown: str) -> int | None:
    """Bring the database to ``SCHEMA_VERSION``; return the version it was upgraded from,
    or None when it was created now or already current. Raises on a version it cannot
    open. The caller commits (and then says that it upgraded)."""
    if not sa.inspect(conn).has_table(version_table.name):
        metadata.create_all(conn)
        conn.execute(sa.insert(version_table).values(version=SCHEMA_VERSION))
        return None
    found = conn.execute(sa.select(sa.func.max(version_table.c.version))).scalar_one_or_none()
    if found == SCHEMA_VERSION:
        return None
    if found is None or not OLDEST <= found < SCHEMA_VERSION:
        raise StorageError(refusal(found, shown))
    upgrade(conn, found, shown)
    return int(found)


def upgrade(conn: Connection, found: int, shown: str) -> None:
    """Run the steps from schema ``found`` up to ``SCHEMA_VERSION``, then record it."""
    for version in range(found, SCHEMA_VERSION):
        try:
            STEPS[version](conn)
        except Exception as exc:  # rolled back with the whole transaction
            raise StorageError(
                f"upgrading the database {shown!r} from hypersweep schema {found} to "
                f"{SCHEMA_VERSION} failed at the step from {version} to {version + 1} "
                f"({type(exc).__name__}: {exc}); nothing was changed, it is still at schema "
                f"{found}: please report this, and meanwhile open it with the hypersweep "
                "that wrote it"
            ) from exc
    conn.execute(sa.update(version_table).values(version=SCHEMA_VERSION))
    conn.execute(
        sa.insert(schema_log).values(
            from_version=found,
            to_version=SCHEMA_VERSION,
            upgraded=time.time(),
            hypersweep_version=_hypersweep_version(),
        )
    )


def upgraded_message(shown: str, found: int) -> str:
    return (
        f"upgraded study database {shown} from schema {found} to {SCHEMA_VERSION}; "
        "hypersweep releases older than this one can no longer open it"
    )


def refusal(found: int | None, shown: str) -> str:
    if found is not None and found > SCHEMA_VERSION:
        return (
            f"the database {shown!r} holds hypersweep schema version {found}, written by a "
            f"newer hypersweep; this one knows versions up to {SCHEMA_VERSION}: upgrade "
            "hypersweep (pip install --upgrade hypersweep) to open it"
        )
    if found is None:
        return (
            f"the database {shown!r} has an empty hs_version table, so its hypersweep schema "
            "is unknown: use a new database file or URL"
        )
    return (
        f"the database {shown!r} holds hypersweep schema version {found}, older than the "
        f"oldest this hypersweep can upgrade ({OLDEST}): open it with the older hypersweep "
        "that wrote it, or use a new database file or URL"
    )


def _hypersweep_version() -> str:
    try:
        return package_metadata.version("hypersweep")
    except package_metadata.PackageNotFoundError:
        return "unknown"
