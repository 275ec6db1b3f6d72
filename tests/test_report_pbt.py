"""A population-based training run in the report and the dashboard: its own section with the
lineage (score over steps, exploits drawn) and the schedules (each hyperparameter over steps)."""

from __future__ import annotations

import html
import json
import re
import urllib.request
from pathlib import Path
from typing import Any

import pytest

import hypersweep as hs
from hypersweep import pbt
from hypersweep.report import render_report, serve

from .pbt.toy import train as toy_train

pytest.importorskip("plotly")

MARKUP = '<b onmouseover="window.__pwned=1">bold</b>'  # a choice that must stay text
SPACE = {"lr": hs.Float(0.01, 1.0, log=True), "width": hs.Int(1, 8),
         "act": hs.Categorical(["relu", MARKUP])}  # fmt: skip


def train(config: dict[str, Any], interval: Any) -> float:
    """The toy of tests/pbt, its second activation spelled as markup."""
    return toy_train({**config, "act": "relu" if config["act"] == "relu" else "tanh"}, interval)


def population(tmp: Path) -> pbt.Result:
    hs.set_verbosity(0)
    return pbt.run(train, SPACE, population=4, interval=2, total_steps=8,
                   storage=f"sqlite:///{tmp / 'p.db'}", study_name="pop <i>",
                   checkpoint_dir=tmp / "c", seed=0)  # fmt: skip


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> pbt.Result:
    return population(tmp_path_factory.mktemp("pbt"))


def section(page: str) -> str:
    found = re.search(r'<section id="population-section">.*?</section>', page, flags=re.S)
    assert found is not None, "no population section"
    return found.group(0)


def cards(part: str) -> dict[str, Any]:
    """Title -> figure JSON of the plot cards in a piece of the report."""
    found = re.findall(r'<figure class="plot-card"><h3>(.*?)</h3>.*?class="figure-data"[^>]*>'
                       r"(.*?)</script>", part, flags=re.S)  # fmt: skip
    return {html.unescape(t): json.loads(f) for t, f in found}


def test_the_report_of_a_population_shows_its_lineage_and_schedules(result: pbt.Result) -> None:
    page = render_report(hs.load_study("pop <i>", storage=result.study.storage))
    own = section(page)
    assert page.index('id="population-section"') < page.index('id="plots-section"')
    shown = cards(own)
    assert list(shown) == ["Population lineage", "Hyperparameter schedules"]
    lineage = shown["Population lineage"]["data"]
    members = [t for t in lineage if str(t.get("name", "")).startswith("member ")]
    assert len(members) == 4
    copies = [t for t in lineage if t.get("line", {}).get("dash") == "dot"]
    assert len(copies) == sum(s.parent is not None for s in result.lineage) > 0
    best = next(t for t in lineage if t.get("name") == "best schedule")
    assert best["y"] == [s.score for s in result.schedule]
    panels = {a["text"] for a in shown["Hyperparameter schedules"]["layout"]["annotations"]}
    assert panels == set(SPACE)
    text = html.unescape(re.sub(r"<[^>]+>", "", own))
    assert f"member {result.best.member} with score" in text and "4 members" in text
    assert "Population lineage" not in cards(page.split('id="plots-section"')[1])  # not twice


def test_population_values_are_text_never_markup(result: pbt.Result) -> None:
    page = render_report(result.study)
    assert MARKUP not in page and "<i>" not in page.split("<body>")[1].split("<script")[0]
    schedules = cards(section(page))["Hyperparameter schedules"]
    drawn = {y for t in schedules["data"] for y in t["y"] if isinstance(y, str)}
    assert drawn == {"relu", html.escape(MARKUP, quote=False)}  # plotly shows the characters


def test_a_plain_study_has_no_population_section() -> None:
    study = hs.create_study(space={"x": hs.Float(0, 1)}, sampler="random", seed=0)
    study.optimize(lambda p: p["x"], 5, show_progress=False)
    assert 'id="population-section"' not in render_report(study)


def test_a_population_without_a_finished_turn_says_so(tmp_path: Path) -> None:
    study = hs.create_study(space=SPACE)
    settings = {"population": 2, "interval": 1, "total_steps": 2,
                "checkpoint_dir": str(tmp_path), "factors": [0.8, 1.2]}  # fmt: skip
    study.set_system_attr("pbt", settings)
    own = section(render_report(study))
    assert "No member has finished yet" in own and not cards(own)


def test_the_dashboard_shows_the_lineage_and_schedules(result: pbt.Result) -> None:
    with serve(result.study.storage, port=0).start() as board:
        url = f"{board.url}api/studies/{urllib.request.quote('pop <i>', safe='')}/figures"
        with urllib.request.urlopen(url) as response:
            payload = json.load(response)
    titles = [f["title"] for f in payload["figures"]]
    assert titles[:2] == ["Population lineage", "Hyperparameter schedules"]
    assert payload["error"] is None and all(f["figure"]["data"] for f in payload["figures"][:2])
