"""The report and the dashboard in a real headless Chromium: plots drawn, no JavaScript error.

Debian's chromium (scripts/ensure_chromium.sh) driven by Playwright; no
``playwright install`` is needed. Screenshots land in pytest's tmp_path
(``report.png``, ``dashboard.png``; the paths are printed, see ``pytest -s``).
Without a browser the tests skip, unless HYPERSWEEP_REQUIRE_BROWSER is set (as
scripts/test.sh does), where that is a failure.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

import hypersweep as hs
from hypersweep.report import serve, write_report
from tests.test_report import mixed_study

CHROMIUM = os.environ.get("HYPERSWEEP_CHROMIUM", "/usr/bin/chromium")
TIMEOUT_MS = 60_000  # a loaded CI machine draws slowly
CARD_TITLE = '<figure class="plot-card"><h3>(.*?)</h3>'


def _unavailable(reason: str) -> None:
    if os.environ.get("HYPERSWEEP_REQUIRE_BROWSER"):
        pytest.fail(
            f"{reason} (and HYPERSWEEP_REQUIRE_BROWSER is set); run scripts/ensure_chromium.sh"
        )
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        _unavailable(f"playwright is not installed ({exc})")
    if not (os.access(CHROMIUM, os.X_OK) or shutil.which(CHROMIUM)):
        _unavailable(f"no chromium at {CHROMIUM}")
    pytest.importorskip("plotly")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


class Watched:
    """A page with every uncaught exception and console error it produces."""

    def __init__(self, browser: Any, *, offline: bool = False) -> None:
        self.context = browser.new_context(
            viewport={"width": 1400, "height": 1000}, offline=offline
        )
        self.page = self.context.new_page()
        self.page.set_default_timeout(TIMEOUT_MS)
        self.errors: list[str] = []
        self.page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        self.page.on(
            "console",
            lambda msg: self.errors.append(f"console: {msg.text}") if msg.type == "error" else None,
        )

    def wait_for_plots(self, expected: int) -> None:
        """Every plot card holds a drawn plotly figure (an SVG root made by plotly.js)."""
        self.page.wait_for_function(
            """(n) => {
                const cards = document.querySelectorAll('figure.plot-card');
                return cards.length === n && Array.from(cards).every(
                    c => c.querySelector('.js-plotly-plot .main-svg'));
            }""",
            arg=expected,
        )

    def drawn(self) -> int:
        return int(
            self.page.evaluate(
                """() => Array.from(document.querySelectorAll('figure.plot-card'))
                    .filter(c => c.querySelector('.js-plotly-plot .main-svg')).length"""
            )
        )

    def column(self, index: int) -> list[str]:
        return list(
            self.page.eval_on_selector_all(
                "#trials tbody tr", f"rows => rows.map(r => r.cells[{index}].textContent)"
            )
        )

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def watched(browser: Any) -> Iterator[Watched]:
    page = Watched(browser)
    yield page
    page.close()


def n_figures(base: str, name: str) -> int:
    """How many figures the dashboard draws for the study now (its cached JSON)."""
    with urllib.request.urlopen(f"{base}api/studies/{quote(name, safe='')}/figures") as response:
        return len(json.load(response)["figures"])


def test_report_renders_every_plot_offline_without_errors(browser: Any, tmp_path: Path) -> None:
    study = mixed_study()
    path = Path(write_report(study, tmp_path / "report.html"))
    titles = [html.unescape(t) for t in re.findall(CARD_TITLE, path.read_text(encoding="utf-8"))]
    assert len(titles) >= 5  # tests/test_report.py checks they are figures(study)'s titles
    watched = Watched(browser, offline=True)  # no network: nothing may come from a CDN
    try:
        requested: list[str] = []
        watched.page.on("request", lambda request: requested.append(request.url))
        watched.page.goto(path.as_uri())
        watched.wait_for_plots(len(titles))
        assert watched.drawn() == len(titles)
        shown = watched.page.eval_on_selector_all(
            "figure.plot-card h3", "hs => hs.map(h => h.textContent)"
        )
        assert shown == titles
        assert [u for u in requested if not u.startswith(("file:", "data:", "blob:"))] == []
        assert watched.page.evaluate("window.__pwned") is None  # the user attr stayed text
        assert "<script>window.__pwned" in watched.page.inner_text("#trials")

        numbers = [str(t.number) for t in study.trials]
        assert watched.column(0) == numbers
        valued = sorted(
            (t for t in study.trials if t.value is not None), key=lambda t: t.value or 0
        )
        watched.page.click("#trials thead th:nth-child(3)")  # sort by value, ascending
        assert watched.column(0)[: len(valued)] == [str(t.number) for t in valued]
        assert watched.column(2)[len(valued) :] == [""] * (
            len(numbers) - len(valued)
        )  # blanks last
        watched.page.click("#trials thead th:nth-child(3)")  # again: descending, blanks still last
        assert watched.column(0)[: len(valued)] == [str(t.number) for t in reversed(valued)]

        shot = tmp_path / "report.png"
        watched.page.screenshot(path=str(shot), full_page=True)
        print(f"report screenshot: {shot}")
        assert shot.stat().st_size > 10_000
        assert watched.errors == []
    finally:
        watched.close()


def test_dashboard_shows_a_trial_that_finished_after_the_page_opened(
    watched: Watched, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'live.db'}"
    name = "live <study> & co"
    mixed_study(url, name)
    with serve(url, port=0).start() as board:
        watched.page.goto(board.url)
        link = watched.page.wait_for_selector("#studies-body a")
        assert link is not None and link.text_content() == name
        link.click()
        watched.page.wait_for_url(f"{board.url}study/{quote(name, safe='')}")
        watched.page.wait_for_function(
            "() => document.querySelectorAll('#trials tbody tr').length === 15"
        )
        watched.wait_for_plots(n_figures(board.url, name))
        assert watched.page.inner_text("h1") == f"Study {name}"

        # a new trial finishes while the page is open: the page must pick it up by itself
        other = hs.load_study(name, storage=url)
        trial = other.ask()
        other.tell(trial, -5.0)
        watched.page.wait_for_function(
            """(n) => Array.from(document.querySelectorAll('#trials tbody tr'))
                .some(r => r.cells[0].textContent === String(n)
                           && r.cells[1].textContent === 'COMPLETE')""",
            arg=trial.number,
        )
        watched.page.wait_for_function(
            "() => document.querySelector('#best-body').textContent.includes('-5')"
        )
        assert f"Trial #{trial.number} with value -5" in watched.page.inner_text("#best-body")
        watched.wait_for_plots(n_figures(board.url, name))
        shot = tmp_path / "dashboard.png"
        watched.page.screenshot(path=str(shot), full_page=True)
        print(f"dashboard screenshot: {shot}")
        assert shot.stat().st_size > 10_000
        assert watched.errors == []  # checked before the server stops under the polling page


def test_markup_in_names_and_values_draws_as_text(watched: Watched, tmp_path: Path) -> None:
    """A categorical value or parameter name that is an <a href> is drawn as its text:
    no plot holds a link to it."""
    from tests.test_report import EVIL, evil_study

    path = Path(write_report(evil_study(), tmp_path / "evil.html"))
    n = len(re.findall(CARD_TITLE, path.read_text(encoding="utf-8")))
    watched.page.goto(path.as_uri())
    watched.wait_for_plots(n)
    links = watched.page.eval_on_selector_all(
        "a", "els => els.map(a => a.getAttribute('href') || a.getAttribute('xlink:href'))"
    )
    assert not [h for h in links if h and "evil.example" in h]
    drawn = watched.page.eval_on_selector_all(
        ".js-plotly-plot text", "els => els.map(e => e.textContent)"
    )
    assert any(EVIL in t for t in drawn)  # shown literally, as the characters it is made of
    assert watched.errors == []


def test_report_draws_a_populations_lineage(watched: Watched, tmp_path: Path) -> None:
    """The lineage plot of a PBT run renders: a line per member, the exploits, the best."""
    from tests.test_report_pbt import population

    result = population(tmp_path)
    path = Path(write_report(result.study, tmp_path / "pbt.html"))
    n = len(re.findall(CARD_TITLE, path.read_text(encoding="utf-8")))
    watched.page.goto(path.as_uri())
    watched.wait_for_plots(n)
    card = "#population-section figure.plot-card"
    titles = watched.page.eval_on_selector_all(f"{card} h3", "hs => hs.map(h => h.textContent)")
    assert titles == ["Population lineage", "Hyperparameter schedules"]
    traces = watched.page.eval_on_selector_all(
        f"{card}:first-of-type .scatterlayer .trace", "ts => ts.length"
    )
    copies = sum(s.parent is not None for s in result.lineage)
    assert traces == 4 + copies + 1  # members, dotted exploits, the best schedule
    legend = watched.page.eval_on_selector_all(
        f"{card}:first-of-type .legendtext", "ts => ts.map(t => t.textContent)"
    )
    assert [f"member {m}" for m in range(4)] + ["best schedule"] == legend
    assert "member" in watched.page.inner_text("#population-summary")
    shot = tmp_path / "pbt.png"
    watched.page.screenshot(path=str(shot), full_page=True)
    print(f"PBT report screenshot: {shot}")
    assert watched.errors == []
