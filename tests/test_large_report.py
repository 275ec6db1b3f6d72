"""Large studies: the report and the dashboard sample what a plot cannot show, say so,
and the dashboard pages its trial table."""

from __future__ import annotations

import json
import re
import urllib.request
from typing import Any

import pytest

import hypersweep as hs
from hypersweep.report import render_report, serve

pytest.importorskip("plotly")

N = 2600  # above the 2,000 trials a plot draws and a report lists


def large_study(storage: Any = None) -> hs.Study:
    space = {"x": hs.Float(-1, 1), "k": hs.Int(1, 9), "opt": hs.Categorical(["a", "b", "c"])}
    study = hs.create_study(name="large", storage=storage, space=space, sampler="random", seed=0)
    for _ in range(N):
        trial = study.ask(refresh=False)
        p = trial.params
        study.tell(trial, p["x"] ** 2 + 0.1 * p["k"] + (p["opt"] == "b"))
    return study


@pytest.fixture(scope="module")
def study() -> hs.Study:
    return large_study()


def test_report_of_a_large_study_samples_and_says_so(study: hs.Study) -> None:
    page = render_report(study)
    assert "The plots draw 2,000 of the 2,600 trials" in page
    assert f"Listing 2,000 of the {N:,} trials" in page
    assert len(re.findall(r"<tr class=", page)) == 2000
    assert page.count('<tr class="state-COMPLETE best">') == 1  # the best trial is listed
    figures = re.findall(r'class="figure-data"[^>]*>(.*?)</script>', page, flags=re.S)
    history = json.loads(figures[0])
    assert len(history["data"][0]["x"]) == 2000  # markers: the sample
    assert min(history["data"][1]["y"]) == pytest.approx(study.best_value)  # best line exact


def test_small_studies_are_not_sampled() -> None:
    small = hs.create_study(space={"x": hs.Float(0, 1)}, sampler="random", seed=0)
    small.optimize(lambda p: p["x"], 10, show_progress=False)
    page = render_report(small)
    assert "The plots draw" not in page and "Listing" not in page


def test_dashboard_pages_its_trial_table(study: hs.Study) -> None:
    with serve(study.storage, port=0).start() as board:
        base = f"{board.url}api/studies/large"
        with urllib.request.urlopen(base) as response:
            last = json.load(response)["table"]
        assert last["total"] == N and last["pages"] == 6 and last["page"] == 5
        assert [r[0][1] for r in last["rows"]] == list(range(2500, N))
        with urllib.request.urlopen(base + "?page=1&page_size=100") as response:
            second = json.load(response)["table"]
        assert [r[0][1] for r in second["rows"]] == list(range(100, 200))
        assert second["columns"] == last["columns"]
        with urllib.request.urlopen(base + "/figures") as response:
            assert "2,000 of the 2,600 trials" in json.load(response)["sampled"]
