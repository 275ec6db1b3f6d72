"""The statements the SQL storage runs, built once.

Built once, SQLAlchemy reuses their memoised cache keys and compiled forms: that
removes most of Core's cost per call. Parameters are named ``b_*``.
"""

from __future__ import annotations

import sqlalchemy as sa

from ...trial import TrialState
from .schema import studies, trials

S, TR = studies.c, trials.c
_b = sa.bindparam
LIVE = TR.deleted == sa.false()
OPEN = (TrialState.RUNNING.value, TrialState.WAITING.value)

BUMP = sa.update(studies).where(S.study_id == _b("b_sid")).values(seq=S.seq + 1).returning(S.seq)
BUMP_NUMBER = (
    sa.update(studies)
    .where(S.study_id == _b("b_sid"))
    .values(seq=S.seq + 1, next_number=S.next_number + 1, n_counted=S.n_counted + 1)
    .returning(S.seq, S.next_number, S.n_counted)
)
KEY_TAKEN = (
    sa.select(TR.number)
    .where(
        TR.study_id == _b("b_sid"),
        TR.unique_key == _b("b_key"),
        TR.counted == sa.true(),
        TR.deleted == sa.false(),
    )
    .limit(1)
)
UNCOUNT = sa.update(studies).where(S.study_id == _b("b_sid")).values(n_counted=S.n_counted - 1)
TOUCH = (
    sa.update(trials)
    .where(
        TR.study_id == _b("b_sid"),
        TR.number.in_(_b("b_nums", expanding=True)),
        TR.state == TrialState.RUNNING.value,
        TR.deleted == sa.false(),
    )
    .values(expires=_b("b_expires"))
)
EXPIRED = (
    sa.select(TR.number)
    .where(
        TR.study_id == _b("b_sid"),
        TR.state == TrialState.RUNNING.value,
        TR.deleted == sa.false(),
        TR.expires < _b("b_now"),
    )
    .order_by(TR.number)
)
LOCK_STUDY = sa.select(studies).where(S.study_id == _b("b_sid")).with_for_update()
LOCK_NAME = sa.select(S.study_id).where(S.name == _b("b_name")).with_for_update()
STUDY_BY_NAME = sa.select(studies).where(S.name == _b("b_name"))
ALL_STUDIES = sa.select(studies).order_by(S.study_id)
INSERT_STUDY = sa.insert(studies).returning(S.study_id)
SET_STUDY = sa.update(studies).where(S.study_id == _b("b_sid"))
DELETE_TRIALS = sa.delete(trials).where(TR.study_id == _b("b_sid"))
DELETE_STUDY = sa.delete(studies).where(S.study_id == _b("b_sid"))
INSERT_TRIAL = sa.insert(trials).returning(TR.trial_id)
TRIAL = sa.select(trials).where(TR.study_id == _b("b_sid"), TR.number == _b("b_num"), LIVE)
OLDEST_WAITING = (
    sa.select(trials)
    .where(TR.study_id == _b("b_sid"), TR.state == TrialState.WAITING.value, LIVE)
    .order_by(TR.number)
    .limit(1)
)
# SQLite: two statements in one read transaction (one snapshot); a join would make
# SQLite's planner walk the (study_id, number) index over every trial of the study
STUDY_SEQ = sa.select(S.seq).where(S.study_id == _b("b_sid"))
CHANGED = (
    sa.select(trials).where(TR.study_id == _b("b_sid"), TR.seq > _b("b_since")).order_by(TR.number)
)
# PostgreSQL: one statement, one snapshot, one round trip: the study's cursor and each
# trial changed after b_since (one row of NULL trial columns when nothing changed)
CHANGES = (
    sa.select(S.seq.label("cursor"), trials)
    .select_from(
        studies.outerjoin(trials, sa.and_(TR.study_id == S.study_id, TR.seq > _b("b_since")))
    )
    .where(S.study_id == _b("b_sid"))
    .order_by(TR.number)
)
# two comparisons, not IN: an IN list compiles per call, and this runs once per trial
SET_OPEN_TRIAL = sa.update(trials).where(
    TR.trial_id == _b("b_tid"), sa.or_(*(TR.state == state for state in OPEN))
)
TOMBSTONE = (
    sa.update(trials)
    .where(TR.study_id == _b("b_sid"), TR.number == _b("b_num"), LIVE)
    .values(deleted=True, counted=False, expires=None)
)
# reading a large study: the light columns of every trial, counts, pages, chosen numbers
BRIEFS = (
    sa.select(TR.number, TR.state, TR.objective_values, TR.started, TR.finished)
    .where(TR.study_id == _b("b_sid"), LIVE)
    .order_by(TR.number)
)
BRIEFS_FLAT = BRIEFS.add_columns(TR.flat)
COUNT = sa.select(sa.func.count()).select_from(trials).where(TR.study_id == _b("b_sid"), LIVE)
COUNT_IN = COUNT.where(TR.state.in_(_b("b_states", expanding=True)))
PAGE_UP = (
    sa.select(trials).where(TR.study_id == _b("b_sid"), LIVE).order_by(TR.number)
    .offset(_b("b_offset")).limit(_b("b_limit"))
)  # fmt: skip
PAGE_DOWN = (
    sa.select(trials).where(TR.study_id == _b("b_sid"), LIVE).order_by(TR.number.desc())
    .offset(_b("b_offset")).limit(_b("b_limit"))
)  # fmt: skip
NUMBERS = (
    sa.select(trials)
    .where(TR.study_id == _b("b_sid"), TR.number.in_(_b("b_nums", expanding=True)), LIVE)
    .order_by(TR.number)
)
