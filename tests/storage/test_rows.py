"""The row decoding both SQL drivers share (storage.rows): the SQL storage and the
read-only sqlite3 reader answer through it, so what it returns is what both return."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

import hypersweep as hs
from hypersweep.storage.rows import briefs_of, per_state, state_texts, values_of
from hypersweep.storage.sql import SQLStorage
from hypersweep.trial import TrialState


@pytest.mark.parametrize(
    "values",
    [[0.5], [-1e-05], [3.0, -2.5], [], [math.inf], [-math.inf, 1.0], [1e300, 0.1 + 0.2]],
)
def test_values_of_reads_what_json_reads(values: list[float]) -> None:
    text = json.dumps(values, separators=(",", ":"))
    assert values_of(text) == tuple(json.loads(text))
    assert values_of(None) is None


def test_values_of_reads_nan() -> None:
    (value,) = values_of("[NaN]") or ()
    assert math.isnan(value)


def test_briefs_of_decodes_rows_with_and_without_flat_values() -> None:
    rows = [(0, "COMPLETE", "[1.5]", 10.0, 11.0, '{"x":1}'),
            (2, "FAIL", None, 12.0, None, '{"x":"a","y":[1,2]}')]  # fmt: skip
    plain = briefs_of([r[:5] for r in rows])
    assert [(b.number, b.state, b.values, b.started, b.finished, b.flat) for b in plain] == [
        (0, TrialState.COMPLETE, (1.5,), 10.0, 11.0, None),
        (2, TrialState.FAIL, None, 12.0, None, None),
    ]
    flat = briefs_of(rows, flat=True)
    assert [b.flat for b in flat] == [{"x": 1}, {"x": "a", "y": [1, 2]}]
    assert briefs_of([], flat=True) == []


def test_state_counts_name_every_state() -> None:
    assert per_state([("COMPLETE", 3), ("FAIL", 1)]) == {
        **dict.fromkeys(TrialState, 0), TrialState.COMPLETE: 3, TrialState.FAIL: 1,
    }  # fmt: skip
    assert state_texts(None) is None
    assert state_texts([TrialState.PRUNED, "RUNNING"]) == ["PRUNED", "RUNNING"]  # type: ignore[list-item]
    with pytest.raises(ValueError, match="DONE"):
        state_texts(["DONE"])  # type: ignore[list-item]


def test_both_drivers_read_equal_briefs_and_counts(tmp_path: Path) -> None:
    """The SQL storage and the read-only reader, on one file: equal briefs and counts."""
    from hypersweep.cli.view_commands import readonly_module

    url = f"sqlite:///{tmp_path / 's.db'}"
    study = hs.create_study("s", storage=url, space={"x": hs.Float(0, 1)}, sampler="random")
    study.optimize(lambda p: p["x"] if p["x"] < 0.7 else float("nan"), n_trials=12,
                   show_progress=False)  # fmt: skip
    full = SQLStorage(url)
    reader = readonly_module().open_readonly(url)
    assert reader is not None
    sid = full.get_study("s").study_id
    assert reader.read_briefs(sid, flat=True) == full.read_briefs(sid, flat=True)
    assert reader.read_briefs(sid) == full.read_briefs(sid)
    for states in (None, [TrialState.COMPLETE], [TrialState.FAIL, TrialState.PRUNED], []):
        assert reader.count_trials(sid, states) == full.count_trials(sid, states)
    counts = reader.state_counts(sid)
    assert sum(counts.values()) == 12 and counts[TrialState.FAIL] > 0  # NaN fails a trial
    reader.close()
    full.close()
