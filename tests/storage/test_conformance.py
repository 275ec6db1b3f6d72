"""One suite that every storage passes: memory, SQLite and PostgreSQL behave alike."""

from __future__ import annotations

import itertools
import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hypersweep.exceptions import DuplicateStudy, StudyNotFound
from hypersweep.storage import MemoryStorage, Storage
from hypersweep.trial import Direction, FrozenTrial, TrialState

from .forwarding import Forwarding

MIN, MAX = Direction.MINIMIZE, Direction.MAXIMIZE
RUNNING, WAITING = TrialState.RUNNING, TrialState.WAITING
FINISHED = [TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL]
_names = itertools.count()


def unique(prefix: str = "study") -> str:
    return f"{prefix}-{next(_names)}"


def by_number(trials: list[FrozenTrial]) -> dict[int, FrozenTrial]:
    return {t.number: t for t in trials}


def typed(value: Any) -> Any:
    """A form that only compares equal for the same types too (1 != 1.0 != True, 0.0 != -0.0)."""
    if isinstance(value, dict):
        return ("dict", [(typed(k), typed(v)) for k, v in value.items()])
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, [typed(v) for v in value])
    if isinstance(value, float):
        return ("float", repr(value))
    return (type(value).__name__, value)


# --- studies ---------------------------------------------------------------------------
def test_create_get_list_delete_study(storage: Storage) -> None:
    a = storage.create_study("a", [MIN], space={"x": [1, 2]}, system_attrs={"k": 1})
    b = storage.create_study("b", [MIN, MAX])
    assert a.study_id != b.study_id
    got = storage.get_study("a")
    assert got == a
    assert got.directions == (MIN,)
    assert got.space == {"x": [1, 2]}
    assert got.system_attrs == {"k": 1}
    assert got.user_attrs == {}
    assert got.created > 0
    assert storage.get_study("b").directions == (MIN, MAX)
    assert [s.name for s in storage.list_studies()] == ["a", "b"]
    storage.delete_study("a")
    assert [s.name for s in storage.list_studies()] == ["b"]
    with pytest.raises(StudyNotFound):
        storage.get_study("a")


def test_list_studies_oldest_first(storage: Storage) -> None:
    names = ["zeta", "alpha", "mid"]
    for name in names:
        storage.create_study(name, [MIN])
    assert [s.name for s in storage.list_studies()] == names


def test_duplicate_study(storage: Storage) -> None:
    storage.create_study("dup", [MIN])
    with pytest.raises(DuplicateStudy, match="dup"):
        storage.create_study("dup", [MAX])
    assert storage.get_study("dup").directions == (MIN,)


def test_missing_study_messages(storage: Storage) -> None:
    with pytest.raises(StudyNotFound) as info:
        storage.get_study("nope")
    message = str(info.value)
    assert "'nope'" in message
    if not isinstance(storage, (MemoryStorage, Forwarding)):
        assert "hypersweep studies --storage" in message
    with pytest.raises(StudyNotFound, match="'nope'"):
        storage.delete_study("nope")


@pytest.mark.parametrize(
    "call",
    [
        lambda s, i: s.create_trial(i, state=RUNNING),
        lambda s, i: s.read_trials(i),
        lambda s, i: s.update_study(i, user_attrs={"a": 1}),
        lambda s, i: s.claim_waiting(i, started=1.0),
        lambda s, i: s.update_trial(i, 0, state=TrialState.COMPLETE),
        lambda s, i: s.delete_trial(i, 0),
    ],
    ids=["create_trial", "read_trials", "update_study", "claim", "update_trial", "delete_trial"],
)
def test_unknown_study_id(storage: Storage, call: Any) -> None:
    gone = storage.create_study(unique(), [MIN])
    storage.delete_study(gone.name)
    with pytest.raises(StudyNotFound):
        call(storage, gone.study_id)


def test_study_ids_are_not_reused(storage: Storage) -> None:
    a = storage.create_study("a", [MIN])
    b = storage.create_study("b", [MIN])
    storage.delete_study("a")
    c = storage.create_study("c", [MIN])
    assert len({a.study_id, b.study_id, c.study_id}) == 3
    assert storage.get_study("b").study_id == b.study_id


def test_delete_study_removes_its_trials(storage: Storage) -> None:
    study = storage.create_study("s", [MIN])
    storage.create_trial(study.study_id, state=RUNNING)
    other = storage.create_study("other", [MIN])
    storage.create_trial(other.study_id, state=RUNNING)
    storage.delete_study("s")
    again = storage.create_study("s", [MIN])
    assert storage.read_trials(again.study_id).trials == []
    assert storage.create_trial(again.study_id, state=RUNNING).number == 0
    assert [t.number for t in storage.read_trials(other.study_id).trials] == [0]


def test_update_study_merges_attrs_and_replaces_space(storage: Storage) -> None:
    study = storage.create_study("s", [MIN], space={"old": 1}, system_attrs={"a": 1, "b": 1})
    rec = storage.update_study(study.study_id, user_attrs={"u": 1}, system_attrs={"b": 2, "c": 3})
    assert rec.user_attrs == {"u": 1}
    assert rec.system_attrs == {"a": 1, "b": 2, "c": 3}
    assert rec.space == {"old": 1}  # None keeps the stored space
    rec = storage.update_study(study.study_id, space=["new"], user_attrs={"v": 2})
    assert rec.space == ["new"]
    assert rec.user_attrs == {"u": 1, "v": 2}
    assert storage.get_study("s") == rec


# --- trials ----------------------------------------------------------------------------
def test_trial_numbers_count_per_study(storage: Storage) -> None:
    a = storage.create_study("a", [MIN])
    b = storage.create_study("b", [MIN])
    made = [storage.create_trial(a.study_id, state=RUNNING) for _ in range(3)]
    made.append(storage.create_trial(b.study_id, state=RUNNING))
    assert [t.number for t in made] == [0, 1, 2, 0]
    assert len({t.trial_id for t in made}) == 4
    assert all(t.state is RUNNING and t.values is None for t in made)


def test_create_trial_stores_everything(storage: Storage) -> None:
    study = storage.create_study("s", [MIN])
    made = storage.create_trial(
        study.study_id,
        state=RUNNING,
        params={"model": {"C": 1.5}},
        flat={"model.C": 1.5},
        user_attrs={"u": [1, 2]},
        system_attrs={"s": None},
        started=123.25,
    )
    (read,) = storage.read_trials(study.study_id).trials
    assert read == made
    assert read.params == {"model": {"C": 1.5}}
    assert read.flat == {"model.C": 1.5}
    assert read.started == 123.25
    assert read.finished is None and read.error is None and read.intermediate == {}


def test_update_merges_attrs_and_intermediate(storage: Storage) -> None:
    sid = storage.create_study("s", [MIN]).study_id
    n = storage.create_trial(sid, state=RUNNING, user_attrs={"a": 1}, system_attrs={"x": 1}).number
    storage.update_trial(sid, n, intermediate={0: 0.5, 1: 0.25}, user_attrs={"b": 2})
    t = storage.update_trial(sid, n, intermediate={1: 0.2, 5: 0.1}, system_attrs={"y": 2})
    assert t.intermediate == {0: 0.5, 1: 0.2, 5: 0.1}
    assert t.user_attrs == {"a": 1, "b": 2}
    assert t.system_attrs == {"x": 1, "y": 2}
    assert t.last_step == 5
    (read,) = storage.read_trials(sid).trials
    assert read == t
    assert all(isinstance(step, int) for step in read.intermediate)


def test_update_replaces_fields(storage: Storage) -> None:
    sid = storage.create_study("s", [MIN]).study_id
    n = storage.create_trial(sid, state=RUNNING, params={"x": 1}, flat={"x": 1}).number
    t = storage.update_trial(sid, n, params={"y": 2}, flat={"y": 2}, error="oops")
    assert (t.params, t.flat, t.error, t.state) == ({"y": 2}, {"y": 2}, "oops", RUNNING)
    t = storage.update_trial(sid, n, state=TrialState.COMPLETE, values=[1, 2.5], finished=200.0)
    assert t.values == (1.0, 2.5)
    assert all(isinstance(v, float) for v in t.values)
    assert (t.state, t.finished, t.params, t.error) == (
        TrialState.COMPLETE,
        200.0,
        {"y": 2},
        "oops",
    )
    assert storage.read_trials(sid).trials == [t]


@pytest.mark.parametrize("final", FINISHED, ids=lambda s: s.value)
def test_finished_trial_cannot_change(storage: Storage, final: TrialState) -> None:
    sid = storage.create_study("s", [MIN]).study_id
    n = storage.create_trial(sid, state=RUNNING).number
    done = storage.update_trial(sid, n, state=final, values=[1.0], finished=2.0)
    for change in ({"state": TrialState.COMPLETE}, {"user_attrs": {"late": 1}}, {}):
        with pytest.raises(ValueError, match=f"already {final.value}"):
            storage.update_trial(sid, n, **change)
    assert storage.read_trials(sid).trials == [done]


def test_update_missing_or_deleted_trial(storage: Storage) -> None:
    sid = storage.create_study("s", [MIN]).study_id
    with pytest.raises(ValueError, match="no trial number 0"):
        storage.update_trial(sid, 0, state=TrialState.COMPLETE)
    n = storage.create_trial(sid, state=RUNNING).number
    storage.delete_trial(sid, n)
    with pytest.raises(ValueError, match=f"no trial number {n}"):
        storage.update_trial(sid, n, state=TrialState.COMPLETE)
    with pytest.raises(ValueError, match=f"no trial number {n}"):
        storage.delete_trial(sid, n)
    with pytest.raises(ValueError):
        storage.delete_trial(sid, 99)


def test_enqueue_then_claim_oldest_first(storage: Storage) -> None:
    sid = storage.create_study("s", [MIN]).study_id
    assert storage.claim_waiting(sid, started=1.0) is None
    storage.create_trial(sid, state=RUNNING)
    for i in range(3):
        storage.create_trial(sid, state=WAITING, params={"i": i}, system_attrs={"queued": i})
    storage.delete_trial(sid, 2)  # a deleted WAITING trial is never claimed
    first = storage.claim_waiting(sid, started=10.0, system_attrs={"worker": "w1"})
    assert first is not None
    assert (first.number, first.state, first.started) == (1, RUNNING, 10.0)
    assert first.params == {"i": 0}
    assert first.system_attrs == {"queued": 0, "worker": "w1"}
    second = storage.claim_waiting(sid, started=11.0)
    assert second is not None and second.number == 3
    assert storage.claim_waiting(sid, started=12.0) is None
    stored = by_number(storage.read_trials(sid).trials)
    assert stored[1] == first and stored[3] == second


def test_waiting_trial_can_be_finished_directly(storage: Storage) -> None:
    sid = storage.create_study("s", [MIN]).study_id
    n = storage.create_trial(sid, state=WAITING).number
    storage.update_trial(sid, n, state=TrialState.FAIL, error="cancelled")
    assert storage.claim_waiting(sid, started=1.0) is None


def test_read_trials_is_incremental(storage: Storage) -> None:
    sid = storage.create_study("s", [MIN]).study_id
    other = storage.create_study("other", [MIN]).study_id
    empty = storage.read_trials(sid)
    assert (empty.trials, empty.deleted) == ([], [])
    for _ in range(3):
        storage.create_trial(sid, state=RUNNING)
    everything = storage.read_trials(sid)
    assert sorted(t.number for t in everything.trials) == [0, 1, 2]
    cursor = everything.cursor
    assert cursor > empty.cursor

    nothing = storage.read_trials(sid, cursor)
    assert (nothing.trials, nothing.deleted, nothing.cursor) == ([], [], cursor)

    storage.create_trial(other, state=RUNNING)  # another study's changes do not show
    done = storage.update_trial(sid, 1, state=TrialState.COMPLETE, values=[0.5])
    changes = storage.read_trials(sid, cursor)
    assert changes.trials == [done] and changes.deleted == []
    assert changes.cursor > cursor
    cursor = changes.cursor

    storage.delete_trial(sid, 0)
    new = storage.create_trial(sid, state=RUNNING)
    storage.update_trial(sid, new.number, user_attrs={"a": 1})
    storage.update_trial(sid, new.number, user_attrs={"b": 2})  # reported once, latest state
    changes = storage.read_trials(sid, cursor)
    assert changes.deleted == [0]
    assert [(t.number, t.user_attrs) for t in changes.trials] == [(3, {"a": 1, "b": 2})]
    assert changes.cursor > cursor

    # created and deleted since the cursor: only reported as deleted, never as a trial
    cursor = changes.cursor
    gone = storage.create_trial(sid, state=RUNNING).number
    storage.delete_trial(sid, gone)
    changes = storage.read_trials(sid, cursor)
    assert (changes.trials, changes.deleted) == ([], [gone])

    full = storage.read_trials(sid)
    assert sorted(t.number for t in full.trials) == [1, 2, 3]
    assert sorted(full.deleted) == [0, gone]
    assert full.cursor == changes.cursor


def test_cursor_replays_to_the_same_state(storage: Storage) -> None:
    """Applying every incremental read in turn rebuilds exactly what a full read shows."""
    sid = storage.create_study("s", [MIN]).study_id
    seen: dict[int, FrozenTrial] = {}
    cursor = 0
    for step in range(12):
        if step % 3 == 0:
            storage.create_trial(sid, state=WAITING)
        storage.create_trial(sid, state=RUNNING, params={"step": step})
        if step % 4 == 1:
            storage.update_trial(sid, step, state=TrialState.COMPLETE, values=[step])
        if step % 5 == 2:
            storage.delete_trial(sid, step - 1)
        if step % 2:
            storage.claim_waiting(sid, started=float(step))
        changes = storage.read_trials(sid, cursor)
        assert changes.cursor >= cursor
        cursor = changes.cursor
        seen.update(by_number(changes.trials))
        for number in changes.deleted:
            seen.pop(number, None)
    assert seen == by_number(storage.read_trials(sid).trials)


def test_infinite_values_round_trip(storage: Storage) -> None:
    sid = storage.create_study("s", [MIN, MAX]).study_id
    n = storage.create_trial(sid, state=RUNNING, params={"lr": math.inf}).number
    storage.update_trial(sid, n, intermediate={0: -math.inf, 1: math.inf})
    done = storage.update_trial(sid, n, state=TrialState.COMPLETE, values=[math.inf, -math.inf])
    (read,) = storage.read_trials(sid).trials
    assert read == done
    assert read.values == (math.inf, -math.inf)
    assert read.intermediate == {0: -math.inf, 1: math.inf}
    assert read.params == {"lr": math.inf}


# --- property: whatever JSON-able data goes in comes back out ------------------------------
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=15,
)
json_dicts = st.dictionaries(st.text(max_size=8), json_values, max_size=4)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(params=json_values, flat=json_dicts, user_attrs=json_dicts, system_attrs=json_dicts)
def test_json_data_round_trips(
    storage: Storage, params: Any, flat: Any, user_attrs: Any, system_attrs: Any
) -> None:
    sid = storage.create_study(unique(), [MIN], space=params, system_attrs=system_attrs).study_id
    made = storage.create_trial(
        sid,
        state=RUNNING,
        params=params,
        flat=flat,
        user_attrs=user_attrs,
        system_attrs=system_attrs,
    )
    (read,) = storage.read_trials(sid).trials
    for name in ("params", "flat", "user_attrs", "system_attrs"):
        assert typed(getattr(read, name)) == typed(getattr(made, name)), name
    rec = storage.update_study(sid, user_attrs=user_attrs)
    for got in (rec, storage.list_studies()[-1]):
        assert typed(got.space) == typed(params)
        assert typed(got.user_attrs) == typed(user_attrs)
        assert typed(got.system_attrs) == typed(system_attrs)


# --- budget and heartbeats ---------------------------------------------------------------
def test_max_trials_caps_the_budget_and_interrupted_trials_give_it_back(storage: Storage) -> None:
    from hypersweep.exceptions import BudgetReached

    study = storage.create_study(unique(), [MIN])
    sid = study.study_id
    for _ in range(3):
        storage.create_trial(sid, state=RUNNING, max_trials=3)
    with pytest.raises(BudgetReached):
        storage.create_trial(sid, state=RUNNING, max_trials=3)
    storage.update_trial(sid, 0, state=TrialState.FAIL, system_attrs={"interrupted": True})
    storage.create_trial(sid, state=RUNNING, max_trials=3)  # the slot came back
    with pytest.raises(BudgetReached):
        storage.create_trial(sid, state=RUNNING, max_trials=3)
    storage.update_trial(sid, 1, state=TrialState.FAIL, error="boom")  # a real failure counts
    with pytest.raises(BudgetReached):
        storage.create_trial(sid, state=RUNNING, max_trials=3)
    storage.delete_trial(sid, 2)  # deleting gives the slot back
    assert storage.create_trial(sid, state=RUNNING, max_trials=3).number == 4
    assert storage.create_trial(sid, state=RUNNING).number == 5  # no cap without max_trials


def test_heartbeats_expire_only_running_trials(storage: Storage) -> None:
    study = storage.create_study(unique(), [MIN])
    sid = study.study_id
    storage.create_trial(sid, state=RUNNING, expires=100.0)  # 0
    storage.create_trial(sid, state=RUNNING, expires=200.0)  # 1
    storage.create_trial(sid, state=RUNNING)  # 2: no heartbeat, never expires
    storage.create_trial(sid, state=WAITING)  # 3
    assert storage.expired(sid, now=150.0) == [0]
    storage.touch(sid, [0], expires=300.0)
    assert storage.expired(sid, now=250.0) == [1]
    storage.update_trial(sid, 1, state=TrialState.COMPLETE, values=[1.0])
    assert storage.expired(sid, now=250.0) == []
    claimed = storage.claim_waiting(sid, started=1.0, expires=10.0)
    assert claimed is not None and claimed.number == 3
    assert storage.expired(sid, now=1000.0) == [0, 3]
    storage.touch(sid, [1], expires=5000.0)  # finished trials are not revived
    assert 1 not in storage.expired(sid, now=1000.0)


# --- reading a large study without loading it ----------------------------------------------
LARGE_READS = [
    lambda s, i: s.read_briefs(i),
    lambda s, i: s.count_trials(i),
    lambda s, i: s.count_trials(i, [TrialState.COMPLETE]),
    lambda s, i: s.read_page(i, 0, 5),
    lambda s, i: s.read_numbers(i, [0]),
    lambda s, i: s.read_last_trials(i, 3),
    lambda s, i: s.best_trial(i, MIN),
    lambda s, i: s.summarize(i, MIN),
]


@pytest.mark.parametrize("call", LARGE_READS, ids=lambda c: "")
def test_large_reads_of_an_unknown_study(storage: Storage, call: Any) -> None:
    gone = storage.create_study(unique(), [MIN])
    storage.create_trial(gone.study_id, state=RUNNING)
    storage.delete_study(gone.name)
    with pytest.raises(StudyNotFound):
        call(storage, gone.study_id)


def test_a_negative_window_is_refused(storage: Storage) -> None:
    sid = storage.create_study(unique(), [MIN]).study_id
    for offset, limit in ((-1, 5), (0, -2)):
        with pytest.raises(ValueError, match="whole number >= 0"):
            storage.read_page(sid, offset, limit)
    with pytest.raises(ValueError, match="whole number >= 0"):
        storage.best_trials(sid, MIN, -1)


def expected_best(trials: list[FrozenTrial], direction: Direction) -> list[int]:
    """The ranking the study would give, computed the slow obvious way."""
    sign = 1.0 if direction is MIN else -1.0
    done = [t for t in trials if t.state is TrialState.COMPLETE and t.values is not None
            and not math.isnan(t.values[0])]  # fmt: skip
    return [t.number for t in sorted(done, key=lambda t: (sign * t.values[0], t.number))]  # type: ignore[index]


# a trial: its final state (None: stays RUNNING), its value, whether it is then deleted
values = st.sampled_from([0.0, 1.0, -2.5, 3.0, math.inf, -math.inf, math.nan]) | st.floats(-5, 5)
trial_plans = st.lists(
    st.tuples(
        st.sampled_from([None, WAITING, *FINISHED, TrialState.COMPLETE]),
        values,
        st.booleans(),
        st.booleans(),
    ),
    max_size=25,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(plan=trial_plans, direction=st.sampled_from([MIN, MAX]), data=st.data())
def test_large_reads_agree_with_reading_everything(
    storage: Storage, plan: list[tuple[Any, float, bool, bool]], direction: Direction,
    data: st.DataObject,
) -> None:  # fmt: skip
    sid = storage.create_study(unique(), [direction]).study_id
    for i, (state, value, gone, timed) in enumerate(plan):
        made = storage.create_trial(
            sid, state=WAITING if state is WAITING else RUNNING, flat={"i": i},
            started=float(100 - i) if timed else None,
        )  # fmt: skip
        if state in FINISHED:
            storage.update_trial(
                sid, made.number, state=state, finished=float(i) if timed else None,
                values=[value] if state is TrialState.COMPLETE else None,
            )  # fmt: skip
        if gone:
            storage.delete_trial(sid, made.number)
    every = sorted(storage.read_trials(sid).trials, key=lambda t: t.number)
    numbers = [t.number for t in every]

    briefs = storage.read_briefs(sid)
    assert briefs.cursor == storage.read_trials(sid).cursor
    assert [b.number for b in briefs.trials] == numbers
    for b, t in zip(briefs.trials, every):
        assert (b.state, b.started, b.finished, b.flat) == (t.state, t.started, t.finished, None)
        assert typed(b.values) == typed(t.values)
    with_flat = storage.read_briefs(sid, flat=True).trials
    assert [(b.number, b.flat) for b in with_flat] == [(t.number, t.flat) for t in every]

    assert storage.count_trials(sid) == len(every)
    states = data.draw(st.lists(st.sampled_from(list(TrialState)), unique=True))
    assert storage.count_trials(sid, states) == sum(t.state in states for t in every)

    offset = data.draw(st.integers(0, len(every) + 2))
    limit = data.draw(st.none() | st.integers(0, len(every) + 2))
    end = None if limit is None else offset + limit
    assert storage.read_page(sid, offset, limit) == every[offset:end]
    assert storage.read_page(sid, offset, limit, newest_first=True) == every[::-1][offset:end]
    n = data.draw(st.integers(0, len(every) + 1))
    assert storage.read_last_trials(sid, n) == (every[-n:] if n else [])
    asked = data.draw(st.lists(st.integers(-1, len(plan) + 1), max_size=10))
    assert storage.read_numbers(sid, asked) == [t for t in every if t.number in asked]

    ranking = expected_best(every, direction)
    k = data.draw(st.integers(0, 6))
    assert [t.number for t in storage.best_trials(sid, direction, k)] == ranking[:k]
    best = storage.best_trial(sid, direction)
    assert (best and best.number) == (ranking[0] if ranking else None)

    summary = storage.summarize(sid, direction)
    assert summary.n_trials == len(every) and summary.cursor == briefs.cursor
    assert summary.counts == {s: sum(t.state is s for t in every) for s in TrialState}
    assert summary.best_number == (ranking[0] if ranking else None)
    starts = [t.started for t in every if t.started is not None]
    ends = [t.finished for t in every if t.finished is not None]
    assert summary.started == (min(starts) if starts else None)
    assert summary.finished == (max(ends) if ends else None)
