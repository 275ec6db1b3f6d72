"""The HTML report and the dashboard's data on a multi-objective study."""

from __future__ import annotations

import json
from pathlib import Path

import hypersweep as hs
from hypersweep.report import dashboard


def study() -> hs.Study:
    s = hs.create_study(directions=["maximize", "minimize"], objective_names=["acc", "lat"],
                        space={"x": hs.Float(0, 1)}, sampler="random", seed=0)  # fmt: skip
    s.optimize(lambda p: (p["x"], p["x"] ** 2), n_trials=12)
    return s


def test_the_report_names_the_objectives_and_draws_the_front(tmp_path: Path) -> None:
    s = study()
    html = Path(hs.report.write_report(s, tmp_path / "r.html")).read_text()
    assert "acc: maximize, lat: minimize" in html
    assert "Pareto front" in html
    assert f"#{s.select_trial().number}" in html or str(s.select_trial().number) in html


def test_the_dashboard_state_of_a_multi_objective_study_serialises() -> None:
    s = study()
    watched = dashboard._Watched(s)
    state = watched.state(None)
    text = json.dumps(state)
    assert "acc: maximize" in text
    assert json.dumps(watched.figures())
