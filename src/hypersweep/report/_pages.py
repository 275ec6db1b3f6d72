"""The dashboard's two HTML shells (the list of studies, one study): static markup whose
script fills it from the JSON routes. Only the study's name and the storage's label come
from outside, and both are escaped."""

from __future__ import annotations

from html import escape


def _page(title: str, body_attrs: str, body: str) -> bytes:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title>"
        '<link rel="icon" href="data:,"><link rel="stylesheet" href="/static/style.css"></head>'
        f"<body {body_attrs}>{body}"
        '<script src="/static/plotly.min.js"></script>'
        '<script src="/static/hypersweep.js"></script></body></html>\n'
    ).encode()


def index_page(label: str) -> bytes:
    heads = "".join(
        f"<th>{h}</th>"
        for h in ("study", "direction", "trials", "complete", "pruned", "fail", "running", "best")
    )
    body = (
        f'<header><h1>hypersweep dashboard</h1><p class="meta">{escape(label)} - '
        "read-only</p></header><main><section><h2>Studies</h2>"
        '<p id="status" class="note">Loading...</p>'
        '<p id="empty" class="note" hidden>No studies in this storage yet.</p>'
        f'<div class="table-wrap"><table class="trials"><thead><tr>{heads}</tr></thead>'
        '<tbody id="studies-body"></tbody></table></div></section></main>'
    )
    return _page("hypersweep dashboard", 'data-page="index"', body)


def study_page(name: str, label: str) -> bytes:
    body = (
        f'<header><h1>Study {escape(name)}</h1><p class="meta"><a href="/">all studies</a> - '
        f'{escape(label)} - read-only - <span id="status" class="note">Loading...</span></p>'
        '</header><main><section><h2>Summary</h2><dl class="summary" id="summary"></dl>'
        '</section><section><h2>Best trial</h2><div id="best-body"></div></section>'
        '<section><h2>Plots</h2><p id="plots-note" class="note"></p>'
        '<div class="plots" id="plots"></div></section>'
        '<section><h2>Trials (<span id="n-trials">0</span>)</h2>'
        '<p class="pager"><button type="button" id="page-prev">&lt; earlier</button> '
        '<span id="page-info"></span> <button type="button" id="page-next">later &gt;</button></p>'
        '<p class="note">Click a column header to sort; click again to reverse.</p>'
        '<div class="table-wrap"><table class="trials" id="trials"><thead></thead><tbody>'
        "</tbody></table></div></section></main>"
    )
    attrs = f'data-page="study" data-study="{escape(name, quote=True)}"'
    return _page(f"{name} - hypersweep dashboard", attrs, body)
