"""copy_study and merge_studies keep every field of every trial, between any storages."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

import hypersweep as hs
from hypersweep.exceptions import HypersweepError, StudyNotFound
from hypersweep.storage import MemoryStorage, get_storage
from hypersweep.trial import TrialState

from .helpers import SPACE, all_trials, rich_study, trial_fields


def test_postgresql_to_sqlite_to_postgresql_is_lossless(
    postgres_databases: Callable[[], str], tmp_path: Path
) -> None:
    source_url, back_url = postgres_databases(), postgres_databases()
    rich_study(source_url)
    source = get_storage(source_url)
    sqlite = get_storage(f"sqlite:///{tmp_path / 'copy.db'}")
    hs.copy_study(source, "rich", sqlite)
    hs.copy_study(sqlite, "rich", back_url, new_name="again")
    back = get_storage(back_url)
    want = [trial_fields(t) for t in all_trials(source, "rich")]
    assert [trial_fields(t) for t in all_trials(sqlite, "rich")] == want
    assert [trial_fields(t) for t in all_trials(back, "again")] == want
    states = {t["state"] for t in want}
    assert states == set(TrialState)  # every state made the trip
    assert any(v == (float("inf"),) for v in (t["values"] for t in want))
    old, new = source.get_study("rich"), back.get_study("again")
    assert new.space == old.space and new.directions == old.directions
    assert {k: v for k, v in new.system_attrs.items() if k != "copied_from"} == old.system_attrs
    assert new.system_attrs["copied_from"]["study"] == "rich"


def test_a_copy_resumes_where_the_original_stopped(tmp_path: Path) -> None:
    src = f"sqlite:///{tmp_path / 'a.db'}"
    rich_study(src)
    hs.copy_study(src, "rich", f"sqlite:///{tmp_path / 'b.db'}")
    copy = hs.load_study("rich", storage=f"sqlite:///{tmp_path / 'b.db'}")
    done: list[dict[str, object]] = []
    copy.optimize(lambda p: done.append(dict(p)) or 1.0, n_trials=14, heartbeat_interval=0.2)
    # the enqueued configuration ran first, and the budget counts the copied trials
    assert done[0] == {"lr": 0.01, "layers": 2, "act": "tanh"}
    counted = [t for t in copy.trials if not t.interrupted]
    assert len(counted) == 14


def test_running_trials_arrive_with_an_expired_heartbeat() -> None:
    src = MemoryStorage()
    rich_study(src)
    dst = MemoryStorage()
    hs.copy_study(src, "rich", dst)
    running = [t.number for t in all_trials(dst, "rich") if t.state is TrialState.RUNNING]
    assert running and dst.expired(dst.get_study("rich").study_id, time.time()) == running


def test_gaps_in_numbers_move_origin_and_retry_links_along() -> None:
    src = MemoryStorage()
    rich_study(src)
    sid = src.get_study("rich").study_id
    src.delete_trial(sid, 2)
    dst = MemoryStorage()
    hs.copy_study(src, "rich", dst)
    trials = all_trials(dst, "rich")
    assert [t.number for t in trials] == list(range(len(trials)))
    old_numbers = [t.number for t in all_trials(src, "rich")]
    shifted = [t for t in trials if t.number >= 2 and t.state is not TrialState.WAITING]
    assert all(t.system_attrs["origin"]["number"] == old_numbers[t.number] for t in shifted)
    retry = next(t for t in trials if "retry_of" in t.system_attrs)
    dead = trials[retry.system_attrs["retry_of"]]
    assert dead.interrupted and dead.system_attrs["origin"]["number"] == 9


def test_grid_cells_copied_over_are_not_run_again(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'grid.db'}"
    grid = hs.create_study("g", storage=url, space={"a": hs.Categorical([1, 2, 3, 4])},
                           sampler="grid")  # fmt: skip
    grid.optimize(lambda p: p["a"], n_trials=2)
    hs.copy_study(url, "g", url, new_name="g2")
    copy = hs.load_study("g2", storage=url, sampler="grid")
    copy.optimize(lambda p: p["a"])
    seen = sorted(t.params["a"] for t in copy.trials)
    assert seen == [1, 2, 3, 4]


def test_copy_refuses_to_overwrite_and_names_what_is_missing() -> None:
    store = MemoryStorage()
    rich_study(store)
    with pytest.raises(HypersweepError, match="same study"):
        hs.copy_study(store, "rich", store)
    with pytest.raises(StudyNotFound):
        hs.copy_study(store, "nope", MemoryStorage())
    hs.copy_study(store, "rich", store, new_name="rich2")
    with pytest.raises(hs.DuplicateStudy):
        hs.copy_study(store, "rich", store, new_name="rich2")


def test_merge_renumbers_by_start_time_and_records_the_origin() -> None:
    one, two = MemoryStorage(), MemoryStorage()
    a = hs.create_study("a", storage=one, space=SPACE, sampler="random", seed=1)
    b = hs.create_study("b", storage=two, space=SPACE, sampler="random", seed=2)
    a.optimize(lambda p: p["lr"], n_trials=3)
    b.optimize(lambda p: p["lr"], n_trials=2)
    a.optimize(lambda p: p["lr"], n_trials=5)
    out = MemoryStorage()
    hs.merge_studies([(one, "a"), (two, "b")], out, "ab")
    merged = all_trials(out, "ab")
    assert len(merged) == 7
    origins = [(t.system_attrs["origin"]["study"], t.system_attrs["origin"]["number"])
               for t in merged]  # fmt: skip
    assert origins == [("a", 0), ("a", 1), ("a", 2), ("b", 0), ("b", 1), ("a", 3), ("a", 4)]
    starts = [t.started for t in merged]
    assert starts == sorted(starts)
    assert out.get_study("ab").system_attrs["merged_from"] == ["a", "b"]
    resumed = hs.load_study("ab", storage=out)
    assert resumed.best_value == min(t.value for t in merged if t.value is not None)


def test_merge_refuses_different_spaces_or_directions() -> None:
    store = MemoryStorage()
    hs.create_study("x", storage=store, space=SPACE)
    hs.create_study("y", storage=store, space={"lr": hs.Float(0, 1)})
    hs.create_study("z", storage=store, space=SPACE, direction="maximize")
    with pytest.raises(HypersweepError, match="different spaces"):
        hs.merge_studies([(store, "x"), (store, "y")], store, "xy")
    with pytest.raises(HypersweepError, match="directions"):
        hs.merge_studies([(store, "x"), (store, "z")], store, "xz")
    assert [s.name for s in store.list_studies()] == ["x", "y", "z"]  # nothing half-made
