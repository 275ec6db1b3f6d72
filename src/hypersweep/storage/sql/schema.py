"""The tables of a study database, as of schema version ``SCHEMA_VERSION``.

A change here needs a step in :mod:`.upgrade` that brings older databases to it.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")  # INTEGER PRIMARY KEY on SQLite


def _text(name: str, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.Text, nullable=nullable)


metadata = sa.MetaData()
version_table = sa.Table(
    "hs_version", metadata, sa.Column("version", sa.Integer, primary_key=True, autoincrement=False)
)
# since schema 3: one row per upgrade, so a database tells which hypersweep changed it when
schema_log = sa.Table(
    "hs_schema_log",
    metadata,
    sa.Column("entry_id", ID, primary_key=True, autoincrement=True),
    sa.Column("from_version", sa.Integer, nullable=False),
    sa.Column("to_version", sa.Integer, nullable=False),
    sa.Column("upgraded", sa.Double, nullable=False),  # epoch seconds
    _text("hypersweep_version"),
)
studies = sa.Table(
    "hs_studies",
    metadata,
    sa.Column("study_id", ID, primary_key=True, autoincrement=True),
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
    sa.Column("trial_id", ID, primary_key=True, autoincrement=True),
    sa.Column(
        "study_id", ID, sa.ForeignKey("hs_studies.study_id", ondelete="CASCADE"), nullable=False
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
