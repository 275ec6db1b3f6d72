"""SQL storage for SQLite and PostgreSQL: :class:`SQLStorage`.

Modules, one job each: ``schema`` (the tables), ``upgrade`` (creating, upgrading or
refusing a schema on open), ``database`` (URL, engines, transactions and retries),
``statements`` and ``codec`` (the queries, and rows <-> trials), ``storage`` (the
storage contract on them).
"""

from __future__ import annotations

from .storage import SQLStorage

__all__ = ["SQLStorage"]
