"""The self-contained HTML report: offline, complete, escaped, and robust to odd studies."""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

import hypersweep as hs
from hypersweep.report import render_report, write_report

pytest.importorskip("plotly")

SPACE = {
    "x": hs.Float(-2, 2),
    "model": hs.Categorical(
        [
            {"kind": "svm", "C": hs.Float(1e-3, 1e3, log=True)},
            {"kind": "knn", "k": hs.Int(1, 20)},
        ]
    ),
}
# User data that would run if it reached the page as markup.
MALICIOUS = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'
REPEATED = {"x": 0.5, "model": {"kind": "svm", "C": 1.0}}


def objective(params: dict[str, Any], trial: hs.Trial) -> float:
    """Trials 3, 8, 13 fail; 4, 9, 14 are pruned after three reports; the rest complete."""
    trial.set_user_attr("note", MALICIOUS)
    loss = params["x"] ** 2 + (0.1 if params["model"]["kind"] == "knn" else 0.0)
    loss += 0.001 * trial.number  # repeats of one configuration differ a little
    for step in range(3):
        trial.report(loss + 1.0 / (step + 1), step)
    if trial.number % 5 == 3:
        raise RuntimeError("diverged <b>badly</b>")
    if trial.number % 5 == 4:
        raise hs.TrialPruned()
    return loss


def mixed_study(storage: Any = None, name: str = "mixed <b>&", n_trials: int = 15) -> hs.Study:
    """Failed, pruned, conditional (two branches) and repeated (trials 0-2) trials."""
    study = hs.create_study(name=name, storage=storage, space=SPACE, sampler="random", seed=0)
    for seed in range(3):
        study.enqueue(REPEATED, user_attrs={"seed": seed})
    study.optimize(objective, n_trials, show_progress=False)
    return study


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text of each element by tag."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.stack: list[str] = []
        self.text: dict[str, list[str]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        while self.stack and self.stack.pop() != tag:
            pass

    def handle_data(self, data: str) -> None:
        if self.stack:
            self.text.setdefault(self.stack[-1], []).append(data)


def parse(text: str) -> Tags:
    parser = Tags()
    parser.feed(text)
    return parser


def table_rows(text: str) -> list[list[str]]:
    """The trial table's body as cell texts (unescaped)."""
    body = text.split('<table class="trials" id="trials">', 1)[1].split("<tbody>", 1)[1]
    body = body.split("</tbody>", 1)[0]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body)
    return [[html.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", r)] for r in rows]


@pytest.fixture(scope="module")
def study() -> hs.Study:
    return mixed_study()


@pytest.fixture(scope="module")
def report(study: hs.Study) -> str:
    return render_report(study)


def test_the_mixed_study_has_every_kind_of_trial(study: hs.Study) -> None:
    states = [t.state for t in study.trials]
    assert states.count(hs.TrialState.FAIL) == 3 and states.count(hs.TrialState.PRUNED) == 3
    kinds = {t.params["model"]["kind"] for t in study.trials}
    assert kinds == {"svm", "knn"}  # conditional: each trial has only one branch's leaf
    assert [t.flat for t in study.trials[:3]] == [study.trials[0].flat] * 3


def test_report_is_self_contained(report: str) -> None:
    from plotly.offline import get_plotlyjs

    tags = parse(report)
    scripts = [attrs for tag, attrs in tags.tags if tag == "script"]
    assert scripts and all("src" not in attrs for attrs in scripts)  # nothing loaded
    assert not [a for t, a in tags.tags if t == "link" and a.get("rel") == "stylesheet"]
    assert get_plotlyjs()[-2000:] in report  # plotly.js itself, inline
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", report[:20000])
    policy = [a for _, a in tags.tags if a.get("http-equiv") == "Content-Security-Policy"]
    csp = policy[0]["content"]
    assert csp is not None and "default-src 'none'" in csp and "sha256-" in csp


def test_report_shows_every_figure_and_every_trial(study: hs.Study, report: str) -> None:
    titles = list(hs.visualization.figures(study))
    assert len(titles) >= 5
    tags = parse(report)
    shown = re.findall(r'<figure class="plot-card"><h3>(.*?)</h3>', report)
    assert [html.unescape(t) for t in shown] == titles
    blocks = [a for t, a in tags.tags if t == "script" and a.get("type") == "application/json"]
    assert [b["data-target"] for b in blocks] == [f"plot-{i}" for i in range(len(titles))]

    rows = table_rows(report)
    assert [int(r[0]) for r in rows] == [t.number for t in study.trials]
    assert [r[1] for r in rows] == [t.state.value for t in study.trials]
    heads = tags.text["th"]
    assert heads[:5] == ["#", "state", "value", "duration", "steps"]
    assert {"x", "model", "model.svm.C", "model.knn.k", "attrs.seed", "error"} <= set(heads)
    knn = heads.index("model.knn.k")
    svm_rows = [r for r, t in zip(rows, study.trials) if t.params["model"]["kind"] == "svm"]
    assert svm_rows and all(r[knn] == "" for r in svm_rows)  # inactive branch: blank
    failed = [r for r in rows if r[1] == "FAIL"]
    assert failed and all("diverged <b>badly</b>" in r[heads.index("error")] for r in failed)
    pruned = [r for r in rows if r[1] == "PRUNED"]
    assert pruned and all(r[heads.index("steps")] == "3" for r in pruned)


def test_summary_and_best_trial(study: hs.Study, report: str) -> None:
    best = study.best_trial
    text = " ".join(parse(report).text.get("dd", []))
    assert "minimize" in text and f"trial #{best.number}" in text
    assert "9 complete, 3 pruned, 3 fail" in text
    assert f"Trial #{best.number} with value {best.value:.6g}" in report
    params = parse(report).text["pre"][0]
    assert json.loads(params) == best.params


def test_user_data_never_becomes_markup(study: hs.Study, report: str) -> None:
    tags = parse(report)
    assert not [t for t, _ in tags.tags if t == "img"]
    inline = [a for t, a in tags.tags if t == "script" and a.get("type") is None]
    assert len(inline) == 2  # plotly.js and the page's own script, nothing injected
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in report  # shown as text
    assert "Study mixed &lt;b&gt;&amp;" in report  # the study's name too
    # figure JSON cannot close its <script> block: no "<" inside any of them
    for block in re.findall(r'<script type="application/json"[^>]*>(.*?)</script>', report):
        assert "<" not in block and json.loads(block)["data"] is not None


def test_write_report_to_a_file(study: hs.Study, tmp_path: Path) -> None:
    path = write_report(study, tmp_path / "study.html", title="My <study>")
    text = Path(path).read_text(encoding="utf-8")
    assert "<h1>My &lt;study&gt;</h1>" in text
    assert len(table_rows(text)) == len(study.trials)
    assert not list(tmp_path.glob("*.tmp-*"))  # written in one piece


def test_an_empty_study_and_a_running_one() -> None:
    empty = hs.create_study(space=SPACE, seed=0)
    text = render_report(empty)
    assert "No COMPLETE trial yet" in text and "No plot applies yet" in text
    assert table_rows(text) == []
    running = hs.create_study(space=SPACE, seed=0)
    running.ask()
    rows = table_rows(render_report(running))
    assert [r[1] for r in rows] == ["RUNNING"]


def test_a_figure_that_fails_does_not_cost_the_report(
    study: hs.Study, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hypersweep.visualization import plan

    def broken() -> Any:
        raise ZeroDivisionError("<bad> plot")

    plots = plan(study)
    monkeypatch.setattr(
        "hypersweep.visualization.plan", lambda s: [(plots[0][0], broken), *plots[1:]]
    )
    text = render_report(study)
    assert "Some plots could not be drawn: ZeroDivisionError: &lt;bad&gt; plot" in text
    assert len(table_rows(text)) == len(study.trials)
    for title, _ in plots[1:]:  # the others are still drawn
        assert html.escape(title) in text


def test_infinite_values_keep_the_embedded_json_valid() -> None:
    inf = hs.create_study(space={"x": hs.Float(0, 1)}, seed=0)
    inf.optimize(lambda p: {"loss": p["x"], "spread": float("inf")}, 3, show_progress=False)
    text = render_report(inf)
    rows = table_rows(text)
    assert [r[-2] for r in rows] == ["inf"] * 3  # attrs.spread, before the error column
    for block in re.findall(r'<script type="application/json"[^>]*>(.*?)</script>', text):
        json.loads(block, parse_constant=lambda name: pytest.fail(f"not JSON: {name}"))


def test_define_by_run_study_that_maximizes() -> None:
    def objective(trial: hs.Trial) -> float:
        layers = trial.suggest_int("layers", 1, 3)
        widths = [trial.suggest_int(f"width_{i}", 8, 64, log=True) for i in range(layers)]
        return -abs(sum(widths) - 50) / 50

    study = hs.create_study(direction="maximize", sampler="random", seed=1)
    study.optimize(objective, 12, show_progress=False)
    text = render_report(study)
    heads = parse(text).text["th"]
    assert {"layers", "width_0", "width_1", "width_2"} <= set(heads)
    rows = table_rows(text)
    assert len(rows) == 12
    best = study.best_trial
    assert max(t.value for t in study.trials if t.value is not None) == best.value
    assert f"Trial #{best.number} with value {best.value:.6g}" in text
    assert "maximize" in " ".join(parse(text).text["dd"])
    # trials with fewer layers leave the deeper widths blank
    width_2 = heads.index("width_2")
    shallow = [r for r, t in zip(rows, study.trials) if t.params["layers"] < 3]
    assert shallow and all(r[width_2] == "" for r in shallow)


def test_studies_with_repeats_show_count_and_spread() -> None:
    import random

    def noisy(params: dict[str, Any], trial: hs.Trial) -> float:
        return float(params["x"] ** 2 + random.Random(trial.seed).gauss(0, 0.1))

    study = hs.create_study(space={"x": hs.Float(-1, 1)}, seed=0, repeats=3)
    study.optimize(noisy, 4, show_progress=False)
    text = render_report(study)
    heads = parse(text).text["th"]
    assert heads[:7] == ["#", "state", "value", "duration", "steps", "repeats", "repeat std"]
    for row, trial in zip(table_rows(text), study.trials):
        record = trial.system_attrs["repeats"]
        assert row[5] == "3" and row[6] == f"{record['std']:.6g}"


def test_pages_convert_values_to_json_by_the_one_shared_rule() -> None:
    from hypersweep._json import jsonable
    from hypersweep.report.html import embed_json

    odd = {True: float("nan"), (1, 2): [len, float("-inf")], "deep": {"t": (0.5,)}}
    sent = json.loads(embed_json(odd), parse_constant=lambda name: pytest.fail(name))
    assert sent == jsonable(odd)
    assert sent == {"true": "nan", "[1, 2]": ["builtins.len", "-inf"], "deep": {"t": [0.5]}}


def test_repeat_columns_read_the_one_repeats_reader() -> None:
    """A non-finite repeat score (a diverged seed) is not counted as a score in the table:
    the report reads repeats through hypersweep.study.repeats.repeat_values, as the plots do."""
    from hypersweep.report import _data
    from hypersweep.study.repeats import repeat_values
    from hypersweep.trial import FrozenTrial, TrialState

    assert _data.repeat_values is repeat_values  # kept importable there for the CLI
    study = hs.create_study(space={"x": hs.Float(0, 1)})
    trial = FrozenTrial(
        0, TrialState.COMPLETE, flat={"x": 0.5}, values=(2.0,),
        system_attrs={"repeats": {"values": [1.0, float("nan"), 3.0], "select": "mean"}},
    )  # fmt: skip
    table = _data.table(study, [trial])
    row = dict(zip(table["columns"], table["rows"][0]))
    assert row["repeats"][1] == 2
    assert row["repeat std"][1] == pytest.approx(2**0.5)


EVIL = '<a href="https://evil.example/x">click</a>'


def evil_study() -> hs.Study:
    """Markup as a parameter name, a categorical value, a study name and a baseline name."""
    space = {EVIL: hs.Float(0.1, 1, log=True), "kind": hs.Categorical([EVIL, "plain"])}
    study = hs.create_study(name=f"study {EVIL}", space=space, sampler="random", seed=0)
    study.set_user_attr("baseline", {EVIL: 2.0})
    for _ in range(3):
        study.enqueue({EVIL: 0.5, "kind": EVIL})  # a repeated configuration: seed spread
    study.optimize(lambda p: p[EVIL] + (p["kind"] == EVIL), 12, show_progress=False)
    return study


def figure_strings(page: str) -> list[str]:
    """Every string inside the figures embedded in a report."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, str):
            found.append(node)
        elif isinstance(node, dict):
            for key, value in node.items():
                walk(key)
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    blocks = re.findall(r'<script type="application/json" class="figure-data"[^>]*>(.*?)</script>',
                        page, flags=re.S)  # fmt: skip
    assert blocks
    for block in blocks:
        walk(json.loads(block))
    return found


def test_user_strings_reach_plotly_as_text_not_markup() -> None:
    """plotly draws <a href> in any string as a live link: names and values are escaped."""
    page = render_report(evil_study())
    cards = re.findall(r'<figure class="plot-card"><h3>(.*?)</h3>', page)
    titles = [html.unescape(t) for t in cards]
    for expected in ("Objective against each parameter", "Parallel coordinates",
                     "Contour of a pair", "Parameter importance", "Tuned against baseline",
                     "Seed spread", "Parameters by trial"):  # fmt: skip
        assert expected in titles
    strings = figure_strings(page)
    assert not [s for s in strings if "<a" in s.lower() or "</a" in s.lower()]
    escaped = [s for s in strings if "&lt;a href=" in s]
    assert len(escaped) >= 10  # names, ticks, hover texts, titles: all still say what they say


def test_the_report_command_reads_a_sqlite_file_light(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``hypersweep report`` on a SQLite file opens it through the read-only reader (no
    SQLAlchemy) and with the random sampler (the default TPE imports its whole stack)."""
    import hypersweep.report
    from hypersweep.cli import main, view_commands

    url = f"sqlite:///{tmp_path / 'f.db'}"
    made = hs.create_study(name="s", storage=url, space={"x": hs.Float(0, 1)}, sampler="random")
    made.optimize(lambda p: p["x"], 3, show_progress=False)
    made.storage.close()
    seen: list[Any] = []

    def no_full_storage(url: str) -> Any:
        raise AssertionError("the report opened the full storage")

    monkeypatch.setattr(view_commands, "open_storage", no_full_storage)
    monkeypatch.setattr(hypersweep.report, "write_report", lambda s, p, title: seen.append(s))
    assert main(["report", "s", "--storage", url, "-o", str(tmp_path / "r.html")]) == 0
    assert [type(s.sampler).__name__ for s in seen] == ["Random"]
    assert type(seen[0].storage).__name__ == "ReadOnlySQLite"
