"""One self-contained HTML file per study: summary, best trial, every plot, all trials.

The file carries plotly.js and the figures inline, so it opens offline and can be
mailed or archived. Everything that came from the study (names, parameter
values, user attributes, errors) is escaped; figures travel as JSON in
``<script type="application/json">`` blocks with ``<`` written as ``\\u003c``, and
a Content-Security-Policy lets only this file's own scripts (by hash) run and
the page load nothing from the network.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
import re
from collections.abc import Sequence
from html import escape
from typing import TYPE_CHECKING, Any

from .._json import jsonable
from . import _assets, _data
from ._figures import figure_json, plotly_js

if TYPE_CHECKING:
    from ..study import Study


def embed_json(value: Any) -> str:
    """JSON that is safe inside a <script> block: no "<", ">" or "&" can end or open a tag."""
    text = json.dumps(jsonable(value), allow_nan=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _when(timestamp: float | None) -> str:
    if timestamp is None:
        return "-"
    return _dt.datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M:%S")


def _seconds(value: float | None) -> str:
    if value is None:
        return "-"
    if value < 120:
        return f"{value:.1f} s"
    return f"{value / 60:.1f} min" if value < 7200 else f"{value / 3600:.2f} h"


def _summary_html(info: dict[str, Any]) -> str:
    counts = ", ".join(f"{n} {state.lower()}" for state, n in info["counts"].items() if n)
    best = "-"
    if info["best_number"] is not None:
        best = f"{_data.cell_text(info['best_value'])} (trial #{info['best_number']})"
    items = [
        ("direction", info["direction"]),
        ("trials", f"{info['n_trials']}" + (f" ({counts})" if counts else "")),
        ("best value", best),
        ("first trial started", _when(info["started"])),
        ("last trial finished", _when(info["finished"])),
        ("duration", _seconds(info["duration"])),
    ]
    rows = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in items)
    head = '<section id="summary-section"><h2>Summary</h2>'
    return f'{head}<dl class="summary">{rows}</dl></section>'


def _best_html(best: dict[str, Any] | None) -> str:
    if best is None:
        body = '<p class="note">No COMPLETE trial yet.</p>'
    else:
        head = f"Trial #{best['number']} with value {_data.cell_text(best['value'])}"
        body = f"<p>{escape(head)}</p><h3>Parameters</h3>"
        body += f"<pre>{escape(json.dumps(best['params'], indent=2))}</pre>"
        if best["user_attrs"]:
            body += "<h3>User attributes</h3>"
            body += f"<pre>{escape(json.dumps(best['user_attrs'], indent=2))}</pre>"
    return f'<section id="best"><h2>Best trial</h2>{body}</section>'


def _cards(figures: list[dict[str, Any]], first: int = 0) -> str:
    """One card per figure: its title, what it shows of a large study, its JSON."""
    cards = []
    for i, item in enumerate(figures, start=first):
        note = item.get("note")
        caption = f'<p class="note plot-note">{escape(note)}</p>' if note else ""
        cards.append(
            f'<figure class="plot-card"><h3>{escape(item["title"])}</h3>{caption}'
            f'<div class="plot" id="plot-{i}"></div>'
            f'<script type="application/json" class="figure-data" data-target="plot-{i}">'
            f"{embed_json(item['figure'])}</script></figure>"
        )
    return f'<div class="plots">{"".join(cards)}</div>'


def _plots_html(figures: list[dict[str, Any]], error: str | None, sampled: str | None,
                first: int = 0) -> str:  # fmt: skip
    note = ""
    if error:
        note = f'<p class="error">Some plots could not be drawn: {escape(error)}</p>'
    elif not figures:
        note = '<p class="note">No plot applies yet (they need finished trials).</p>'
    if sampled:
        note += f'<p class="note" id="plots-sampled">{escape(sampled)}</p>'
    return f'<section id="plots-section"><h2>Plots</h2>{note}{_cards(figures, first)}</section>'


def _population_html(about: str | None, figures: list[dict[str, Any]]) -> str:
    """The section of a population-based training run: what ran, its lineage and schedules."""
    if about is None and not figures:
        return ""
    text = f'<p id="population-summary">{escape(about)}</p>' if about else ""
    head = '<section id="population-section"><h2>Population-based training</h2>'
    return f"{head}{text}{_cards(figures)}</section>"


def _sort_attr(key: Any) -> str:
    """``data-sort`` text: JSON of a cell's sort key, numbers written without json.dumps
    (42,000 cells in a large report; json.dumps writes a float as its repr too)."""
    kind = type(key)
    if key is None:
        return "null"
    if kind is int:
        return str(key)
    if kind is float and math.isfinite(key):
        return repr(key)
    if kind is str and _PLAIN.fullmatch(key):
        return f"&quot;{key}&quot;"  # what escape(json.dumps(key)) writes for plain text
    return escape(json.dumps(key))


_MARKUP = re.compile(r"[&<>\"']")
_PLAIN = re.compile(r"[A-Za-z0-9 _.,:;=+\-/()#]*")  # JSON writes these as they are


def _text(text: str) -> str:
    """``escape(text)``, skipped when there is nothing to escape (most cells)."""
    return escape(text) if _MARKUP.search(text) else text


def _table_html(table: dict[str, Any], best_number: int | None, listed: str | None) -> str:
    heads = "".join(f'<th title="sort by {escape(c)}">{escape(c)}</th>' for c in table["columns"])
    rows = []
    for cells in table["rows"]:
        state, number = cells[1][0], cells[0][1]
        cls = f"state-{state}" + (" best" if number == best_number else "")
        tds = "".join(
            f'<td data-sort="{_sort_attr(key)}">{_text(text)}</td>' for text, key in cells
        )
        rows.append(f'<tr class="{escape(cls)}">{tds}</tr>')
    return (
        f'<section id="trials-section"><h2>Trials ({len(table["rows"])})</h2>'
        + (f'<p class="note" id="trials-sampled">{escape(listed)}</p>' if listed else "")
        + '<p class="note">Click a column header to sort; click again to reverse.</p>'
        f'<div class="table-wrap"><table class="trials" id="trials"><thead><tr>{heads}</tr>'
        f"</thead><tbody>{''.join(rows)}</tbody></table></div></section>"
    )


def render_report(study: Study, *, title: str | None = None) -> str:
    """The report of ``study`` as one HTML string (see :func:`write_report`)."""
    from .. import __version__, visualization

    # every trial light (the storage's briefs above 2,000), whole ones only for the plots'
    # sample and the listed rows: a 20,000-trial study decodes at most 4,000 trials
    view = visualization.snapshot(study)
    trials: Sequence[Any] = view.every  # type: ignore[attr-defined]
    info = _data.summary(view, trials)
    figures, error, sampled = figure_json(view)
    population = [f for f in figures if f["title"] in visualization.POPULATION_PLOTS]
    figures = [f for f in figures if f["title"] not in visualization.POPULATION_PLOTS]
    chosen, listed_note = _data.report_rows(view, trials)
    listed = view.trials_of([t.number for t in chosen])  # type: ignore[attr-defined]
    scripts = [plotly_js(), _assets.COMMON_JS + _assets.REPORT_JS]
    csp = (
        "default-src 'none'; img-src data: blob:; style-src 'unsafe-inline'; font-src data:; "
        # plotly's WebGL traces (parallel coordinates) compile code at run time
        f"script-src {' '.join(_assets.script_hash(s) for s in scripts)} 'unsafe-eval'"
    )
    heading = title or f"Study {study.name}"
    made = _dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    return "".join(
        [
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">',
            f'<meta http-equiv="Content-Security-Policy" content="{escape(csp)}">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            '<link rel="icon" href="data:,">',
            f"<title>{escape(heading)} - hypersweep report</title>",
            f"<style>{_assets.STYLE}</style></head><body>",
            f"<header><h1>{escape(heading)}</h1>",
            f'<p class="meta">hypersweep {escape(__version__)} report, made {escape(made)}</p>',
            "</header><main>",
            _summary_html(info),
            _best_html(_data.best_record(view, trials)),
            _population_html(_data.population(view), population),
            _plots_html(figures, error, sampled, first=len(population)),
            _table_html(_data.table(view, listed), info["best_number"], listed_note),
            "</main>",
            *(f"<script>{s}</script>" for s in scripts),
            "</body></html>\n",
        ]
    )


def write_report(study: Study, path: str | os.PathLike[str], *, title: str | None = None) -> str:
    """Write the self-contained HTML report of ``study`` to ``path``; return the path.

    >>> import os, tempfile, hypersweep as hs
    >>> study = hs.create_study(space={"x": hs.Float(-1, 1)}, sampler="random", seed=0)
    >>> _ = study.optimize(lambda p: p["x"] ** 2, 4, show_progress=False)
    >>> path = write_report(study, os.path.join(tempfile.mkdtemp(), "study.html"))
    >>> "plotly" in open(path, encoding="utf-8").read()
    True
    """
    text = render_report(study, title=title)
    target = os.fspath(path)
    tmp = f"{target}.tmp-{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, target)  # a half-written report never replaces a good one
    return target
