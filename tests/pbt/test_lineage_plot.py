"""The lineage figures build from a result and from the study alone, and show what happened."""

from __future__ import annotations

from pathlib import Path

import pytest

import hypersweep as hs
from hypersweep import pbt
from hypersweep.visualization.lineage import plot_lineage, plot_schedules

from .toy import SPACE, train


def test_the_lineage_figures_build(tmp_path: Path) -> None:
    hs.set_verbosity(0)
    url = f"sqlite:///{tmp_path / 'p.db'}"
    result = pbt.run(train, SPACE, population=4, interval=2, total_steps=10, storage=url,
                     study_name="p", checkpoint_dir=tmp_path / "c", seed=0)  # fmt: skip
    fig = plot_lineage(result)
    members = [t for t in fig.data if (t.name or "").startswith("member ")]
    assert len(members) == 4
    copies = [t for t in fig.data if t.line.dash == "dot"]
    assert len(copies) == sum(s.parent is not None for s in result.lineage) > 0
    best = next(t for t in fig.data if t.name == "best schedule")
    assert list(best.y) == [s.score for s in result.schedule]
    again = plot_lineage(hs.load_study("p", storage=url))  # from storage alone
    assert len(again.data) == len(fig.data)
    sched = plot_schedules(result)
    assert {a.text for a in sched.layout.annotations} == set(SPACE)
    best_lr = next(t for t in sched.data if t.name == "best schedule")  # first panel: lr
    assert list(best_lr.y)[:-1] == [s.flat["lr"] for s in result.schedule]


def test_an_empty_population_says_there_is_nothing_to_plot(tmp_path: Path) -> None:
    study = hs.create_study(space=SPACE)
    settings = {"population": 2, "interval": 1, "total_steps": 2,
                "checkpoint_dir": str(tmp_path), "factors": [0.8, 1.2]}  # fmt: skip
    study.set_system_attr("pbt", settings)
    with pytest.raises(ValueError, match="no finished turn yet"):
        plot_lineage(study)
