"""A study archive is strict JSON and round-trips everything a copy keeps."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hypersweep as hs
from hypersweep.exceptions import HypersweepError
from hypersweep.storage import MemoryStorage, get_storage
from hypersweep.transfer import export_archive, import_archive
from hypersweep.trial import Direction, TrialState

from .helpers import all_trials, rich_study, trial_fields


def test_archive_round_trips_a_study_with_every_kind_of_trial(tmp_path: Path) -> None:
    src = MemoryStorage()
    rich_study(src)
    path = export_archive(src, "rich", tmp_path / "rich.json")
    text = path.read_text()
    json.loads(text, parse_constant=lambda c: pytest.fail(f"non-standard JSON {c}"))
    dst = get_storage(f"sqlite:///{tmp_path / 'back.db'}")
    import_archive(path, dst, new_name="back")
    want = [trial_fields(t) for t in all_trials(src, "rich")]
    assert [trial_fields(t) for t in all_trials(dst, "back")] == want
    assert dst.get_study("back").space == src.get_study("rich").space


finite = st.floats(allow_nan=False, allow_infinity=False)
number = st.one_of(finite, st.sampled_from([float("inf"), float("-inf")]))
plain = st.one_of(st.none(), st.booleans(), st.integers(-(10**12), 10**12), finite, st.text())
attrs = st.dictionaries(st.text(min_size=1, max_size=8), plain, max_size=4)
state = st.sampled_from([TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL])


@st.composite
def trials(draw: Any) -> list[dict[str, Any]]:
    out = []
    for _ in range(draw(st.integers(0, 6))):
        s = draw(state)
        out.append({
            "state": s,
            "flat": {"x": draw(finite), "c": draw(plain)},
            "user_attrs": draw(attrs),
            "intermediate": draw(st.dictionaries(st.integers(0, 50), number, max_size=5)),
            "values": None if s is TrialState.FAIL else (draw(number),),
            "error": "boom" if s is TrialState.FAIL else None,
        })  # fmt: skip
    return out


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(made=trials(), direction=st.sampled_from(list(Direction)))
def test_archive_round_trip_property(
    tmp_path: Path, made: list[dict[str, Any]], direction: Direction
) -> None:
    src = MemoryStorage()
    sid = src.create_study("p", [direction]).study_id
    for i, t in enumerate(made):
        src.create_trial(sid, state=TrialState.RUNNING, params=t["flat"], flat=t["flat"],
                         user_attrs=t["user_attrs"], started=1000.0 + i)  # fmt: skip
        src.update_trial(sid, i, state=t["state"], values=t["values"], error=t["error"],
                         intermediate=t["intermediate"] or None, finished=2000.0 + i)  # fmt: skip
    path = export_archive(src, "p", tmp_path / "p.json")
    dst = MemoryStorage()
    import_archive(path, dst)
    assert [trial_fields(t) for t in all_trials(dst, "p")] == [
        trial_fields(t) for t in all_trials(src, "p")
    ]
    assert dst.get_study("p").directions == (direction,)


def test_a_file_that_is_no_archive_is_refused_with_the_way_to_make_one(tmp_path: Path) -> None:
    bad = tmp_path / "other.json"
    bad.write_text('{"trials": []}')
    with pytest.raises(HypersweepError, match="--format archive"):
        import_archive(bad, MemoryStorage())
    newer = tmp_path / "newer.json"
    newer.write_text('{"format": "hypersweep-study-archive", "version": 99}')
    with pytest.raises(HypersweepError, match="upgrade hypersweep"):
        import_archive(newer, MemoryStorage())
    with pytest.raises(HypersweepError, match="cannot read"):
        import_archive(tmp_path / "missing.json", MemoryStorage())


def test_export_replaces_the_file_whole_or_not_at_all(tmp_path: Path) -> None:
    store = MemoryStorage()
    study = hs.create_study("s", storage=store, space={"x": hs.Float(0, 1)}, sampler="random")
    study.optimize(lambda p: p["x"], n_trials=3)
    path = export_archive(store, "s", tmp_path / "s.json")
    before = path.read_text()
    study.set_user_attr("unjsonable", float("nan")) if hasattr(study, "set_user_attr") else None
    with pytest.raises(hs.StudyNotFound):
        export_archive(store, "missing", path)
    assert path.read_text() == before
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind
