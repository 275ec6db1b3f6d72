"""Where studies live: in memory, or in a SQL database (SQLite, PostgreSQL).

``get_storage`` turns a URL into a storage; the SQL backend (and SQLAlchemy)
is imported only when a SQL URL is used, so ``import hypersweep`` stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..exceptions import StorageError
from .base import SCHEMA_VERSION, Changes, Storage, StudyRecord
from .memory import MemoryStorage

if TYPE_CHECKING:
    from .sql import SQLStorage

__all__ = [
    "SCHEMA_VERSION",
    "Changes",
    "MemoryStorage",
    "SQLStorage",
    "Storage",
    "StudyRecord",
    "get_storage",
]

_SQL_PREFIXES = ("sqlite://", "postgresql://", "postgresql+psycopg://", "postgres://")


def get_storage(storage: str | Storage | None) -> Storage:
    """Return a storage for ``None`` (memory), a URL, or an existing storage object.

    Opening a URL writes nothing. Reading from it never writes either: a SQLite file
    that does not exist, an Optuna database or a file without hypersweep's tables is
    refused with a sentence saying so, and stays as it was. Only ``create_study``
    creates the file and the tables; the first write to an older schema upgrades it.
    """
    if storage is None:
        return MemoryStorage()
    if isinstance(storage, Storage):
        return storage
    if not isinstance(storage, str):
        raise StorageError(
            f"storage must be None, a URL string or a Storage object, but got "
            f"{type(storage).__name__}"
        )
    if storage.startswith(_SQL_PREFIXES):
        from .sql import SQLStorage

        return SQLStorage(storage)
    hint = ""
    if storage.endswith((".db", ".sqlite", ".sqlite3")):
        hint = f" For a SQLite file write 'sqlite:///{storage}'."
    raise StorageError(
        f"unknown storage URL {storage!r}: use 'sqlite:///path.db', "
        f"'postgresql://user@host/dbname', or leave it out to keep the study in memory.{hint}"
    )


def __getattr__(name: str) -> Any:  # lazy: SQLStorage pulls in SQLAlchemy
    if name == "SQLStorage":
        from .sql import SQLStorage

        return SQLStorage
    raise AttributeError(name)
