"""The style sheet and scripts of the report and the dashboard, kept as Python strings.

Strings rather than package data files: nothing to list in pyproject.toml, and
a report stays one file. The scripts never put data into ``innerHTML``; cells
and titles go through ``textContent``, so user attributes cannot become markup.
"""

from __future__ import annotations

import base64
import hashlib

STYLE = """
:root { --fg: #1d2330; --muted: #5b6474; --line: #dfe3ea; --bg: #f6f7f9; --accent: #2f6fd0; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif;
       color: var(--fg); background: var(--bg); }
header { background: #fff; border-bottom: 1px solid var(--line); padding: 14px 24px; }
header h1 { margin: 0; font-size: 20px; }
header .meta { color: var(--muted); margin: 2px 0 0; }
header a { color: var(--accent); text-decoration: none; }
main { padding: 16px 24px 40px; max-width: 1500px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 6px;
          padding: 12px 16px; margin: 0 0 16px; }
h2 { font-size: 16px; margin: 0 0 10px; }
h3 { font-size: 14px; margin: 0 0 4px; }
dl.summary { display: grid; grid-template-columns: max-content auto; gap: 4px 18px; margin: 0; }
dl.summary dt { color: var(--muted); }
dl.summary dd { margin: 0; }
pre { background: var(--bg); padding: 8px; border-radius: 4px; overflow: auto; margin: 4px 0; }
.plots { display: grid; grid-template-columns: repeat(auto-fill, minmax(520px, 1fr)); gap: 14px; }
.plot-card { margin: 0; border: 1px solid var(--line); border-radius: 6px; padding: 8px; }
.plot { min-height: 380px; }
.plot-card .plot-note { margin: 0 0 4px; font-size: 12px; }
.table-wrap { overflow: auto; max-height: 75vh; }
table.trials { border-collapse: collapse; font-variant-numeric: tabular-nums; }
table.trials th, table.trials td { border-bottom: 1px solid var(--line); padding: 3px 8px;
                                   text-align: left; white-space: nowrap; }
table.trials th { position: sticky; top: 0; background: #fff; cursor: pointer;
                  user-select: none; }
table.trials th[aria-sort="ascending"]::after { content: " \\25B2"; }
table.trials th[aria-sort="descending"]::after { content: " \\25BC"; }
table.trials tr.state-FAIL td { color: #b3261e; }
table.trials tr.state-PRUNED td { color: #8a6d00; }
table.trials tr.state-RUNNING td, table.trials tr.state-WAITING td { color: var(--muted); }
table.trials tr.best td { background: #eaf5ea; }
.note { color: var(--muted); }
.error { color: #b3261e; }
"""

# Shared by both pages: draw figures, fill and sort the trial table.
COMMON_JS = r"""
"use strict";
var hs = {};
hs.plotConfig = {responsive: true, displaylogo: false};
hs.draw = function (div, fig) {
  return Plotly.react(div, fig.data || [], fig.layout || {}, hs.plotConfig);
};
hs.drawEmbedded = function () {
  var blocks = document.querySelectorAll("script.figure-data");
  for (var i = 0; i < blocks.length; i++) {
    var target = document.getElementById(blocks[i].getAttribute("data-target"));
    hs.draw(target, JSON.parse(blocks[i].textContent));
  }
};
hs.keyOf = function (cell) {
  var raw = cell.getAttribute("data-sort");
  return raw === null ? null : JSON.parse(raw);
};
hs.compare = function (a, b) {
  if (a === null || b === null) { return a === b ? 0 : (a === null ? 1 : -1); }
  if (typeof a === "number" && typeof b === "number") { return a - b; }
  return String(a).localeCompare(String(b), undefined, {numeric: true});
};
hs.sortRows = function (table) {
  var col = table.sortColumn, dir = table.sortDirection;
  if (col === undefined || col === null) { return; }
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  rows.sort(function (r1, r2) {
    var a = hs.keyOf(r1.cells[col]), b = hs.keyOf(r2.cells[col]);
    if (a === null || b === null) { return hs.compare(a, b); }  // blanks stay last
    return dir * hs.compare(a, b);
  });
  rows.forEach(function (r) { body.appendChild(r); });
  var heads = table.tHead.rows[0].cells;
  for (var i = 0; i < heads.length; i++) {
    heads[i].removeAttribute("aria-sort");
  }
  heads[col].setAttribute("aria-sort", dir > 0 ? "ascending" : "descending");
};
hs.makeSortable = function (table) {
  table.tHead.addEventListener("click", function (event) {
    var th = event.target.closest("th");
    if (!th) { return; }
    var col = th.cellIndex;
    table.sortDirection = table.sortColumn === col ? -table.sortDirection : 1;
    table.sortColumn = col;
    hs.sortRows(table);
  });
};
hs.fillTable = function (table, data, bestNumber) {
  var headRow = document.createElement("tr");
  data.columns.forEach(function (name) {
    var th = document.createElement("th");
    th.textContent = name;
    th.title = "sort by " + name;
    headRow.appendChild(th);
  });
  table.tHead.replaceChildren(headRow);
  var body = document.createElement("tbody");
  data.rows.forEach(function (cells) {
    var tr = document.createElement("tr");
    tr.className = "state-" + cells[1][0] + (cells[0][1] === bestNumber ? " best" : "");
    cells.forEach(function (cell) {
      var td = document.createElement("td");
      td.textContent = cell[0];
      td.setAttribute("data-sort", JSON.stringify(cell[1]));
      tr.appendChild(td);
    });
    body.appendChild(tr);
  });
  table.replaceChild(body, table.tBodies[0]);
  hs.sortRows(table);
};
hs.fmt = function (value) {
  if (value === null || value === undefined) { return "-"; }
  if (typeof value === "number") { return Number(value.toPrecision(6)).toString(); }
  return String(value);
};
hs.seconds = function (s) {
  if (s === null || s === undefined) { return "-"; }
  if (s < 120) { return s.toFixed(1) + " s"; }
  if (s < 7200) { return (s / 60).toFixed(1) + " min"; }
  return (s / 3600).toFixed(2) + " h";
};
"""

REPORT_JS = r"""
document.addEventListener("DOMContentLoaded", function () {
  hs.makeSortable(document.getElementById("trials"));
  hs.drawEmbedded();
});
"""

# The dashboard's pages: one lists the studies, one follows a study; both poll JSON.
DASHBOARD_JS = r"""
hs.POLL_MS = 2000;
hs.get = function (url) {
  return fetch(url, {cache: "no-store"}).then(function (response) {
    if (!response.ok) { throw new Error(url + ": HTTP " + response.status); }
    return response.json();
  });
};
hs.status = function (text, bad) {
  var el = document.getElementById("status");
  el.textContent = text;
  el.className = bad ? "error" : "note";
};
hs.summaryItems = function (dl, s) {
  var counts = Object.keys(s.counts).filter(function (k) { return s.counts[k] > 0; })
    .map(function (k) { return s.counts[k] + " " + k.toLowerCase(); }).join(", ");
  var items = [["direction", s.direction],
               ["trials", s.n_trials + (counts ? " (" + counts + ")" : "")],
               ["best value", s.best_number === null ? "-" :
                 hs.fmt(s.best_value) + "  (trial #" + s.best_number + ")"],
               ["duration", hs.seconds(s.duration)]];
  var nodes = [];
  items.forEach(function (item) {
    var dt = document.createElement("dt"), dd = document.createElement("dd");
    dt.textContent = item[0]; dd.textContent = item[1];
    nodes.push(dt, dd);
  });
  dl.replaceChildren.apply(dl, nodes);
};
hs.showBest = function (best) {
  var el = document.getElementById("best-body");
  if (!best) { el.textContent = "No COMPLETE trial yet."; return; }
  var head = document.createElement("p");
  head.textContent = "Trial #" + best.number + " with value " + hs.fmt(best.value);
  var params = document.createElement("pre");
  params.textContent = JSON.stringify(best.params, null, 2);
  var nodes = [head, params];
  if (Object.keys(best.user_attrs).length) {
    var attrs = document.createElement("pre");
    attrs.textContent = "user attributes: " + JSON.stringify(best.user_attrs, null, 2);
    nodes.push(attrs);
  }
  el.replaceChildren.apply(el, nodes);
};
hs.PENDING = "Computing (ranking the parameters from the trials)...";
hs.fillCard = function (card, item) {
  card.querySelector("h3").textContent = item.title;
  card.setAttribute("data-title", item.title);
  var div = card.querySelector("div.plot");
  if (item.pending) {
    if (!div.classList.contains("js-plotly-plot")) { div.textContent = hs.PENDING; }
    return;  // an older drawing (and its note) stays until the new one comes
  }
  var note = card.querySelector("p.plot-note");
  note.textContent = item.note || "";
  note.hidden = !item.note;
  if (!div.classList.contains("js-plotly-plot")) { div.textContent = ""; }
  hs.draw(div, item.figure);
};
hs.showFigures = function (payload) {
  var box = document.getElementById("plots");
  var wanted = {};
  payload.figures.forEach(function (item, i) {
    var id = "plot-" + i;
    wanted[id] = true;
    var card = document.getElementById("card-" + i);
    if (card && card.getAttribute("data-title") !== item.title) {
      Plotly.purge(card.querySelector(".plot"));  // another plot in this place: start afresh
      card.remove();
      card = null;
    }
    if (!card) {
      card = document.createElement("figure");
      card.className = "plot-card"; card.id = "card-" + i;
      var title = document.createElement("h3");
      var note = document.createElement("p");
      note.className = "note plot-note"; note.hidden = true;
      var div = document.createElement("div");
      div.className = "plot"; div.id = id;
      card.append(title, note, div);
      var next = document.getElementById("card-" + (i + 1));
      box.insertBefore(card, next);
    }
    hs.fillCard(card, item);
  });
  Array.prototype.slice.call(box.querySelectorAll("figure.plot-card")).forEach(function (card) {
    if (!wanted["plot-" + card.id.slice(5)]) {
      Plotly.purge(card.querySelector(".plot"));
      card.remove();
    }
  });
  hs.plotsNote(payload, "");
};
hs.plotsNote = function (payload, more) {
  var note = document.getElementById("plots-note");
  var error = [payload.error, more].filter(Boolean).join("; ");
  note.textContent = error ? "Some plots could not be drawn: " + error :
    (payload.figures.length ? (payload.sampled || "") :
     "No plot applies yet (they need finished trials).");
  note.className = error ? "error" : "note";
};
hs.showLater = function (first, later) {
  var box = document.getElementById("plots");
  var cards = box.querySelectorAll("figure.plot-card");
  later.figures.forEach(function (item) {
    for (var i = 0; i < cards.length; i++) {
      if (cards[i].getAttribute("data-title") === item.title) { hs.fillCard(cards[i], item); }
    }
  });
  var drawn = {};
  later.figures.forEach(function (item) { drawn[item.title] = true; });
  for (var i = 0; i < cards.length; i++) {  // pending but not drawn: it failed, say so
    var div = cards[i].querySelector("div.plot");
    if (!drawn[cards[i].getAttribute("data-title")] && div.textContent === hs.PENDING) {
      div.textContent = "Could not be drawn (see the note above).";
    }
  }
  hs.plotsNote(first, later.error);
};
hs.followStudy = function (name) {
  var base = "/api/studies/" + encodeURIComponent(name);
  var table = document.getElementById("trials");
  hs.makeSortable(table);
  var token = "", drawn = "", busy = false, page = null, pages = 1;
  function turn(by) {
    return function () {
      page = Math.min(Math.max(0, (page === null ? pages - 1 : page) + by), pages - 1);
      if (page === pages - 1) { page = null; }  // the last page follows new trials
      token = "";
      tick();
    };
  }
  document.getElementById("page-prev").addEventListener("click", turn(-1));
  document.getElementById("page-next").addEventListener("click", turn(1));
  function tick() {
    if (busy) { return; }
    busy = true;
    var query = "?since=" + encodeURIComponent(token) + (page === null ? "" : "&page=" + page);
    hs.get(base + query).then(function (data) {
      if (data.changed) {
        token = data.token;
        hs.summaryItems(document.getElementById("summary"), data.summary);
        hs.showBest(data.best);
        hs.fillTable(table, data.table, data.summary.best_number);
        pages = data.table.pages;
        document.getElementById("n-trials").textContent = data.table.total;
        document.getElementById("page-info").textContent = "page " + (data.table.page + 1) +
          " of " + pages + " (" + data.table.page_size + " trials a page; sorting sorts this page)";
        document.getElementById("page-prev").disabled = data.table.page === 0;
        document.getElementById("page-next").disabled = data.table.page === pages - 1;
      }
      hs.status("Updated " + new Date().toLocaleTimeString() + "; polling every " +
                hs.POLL_MS / 1000 + " s.", false);
      if (drawn === token) { return null; }
      return hs.get(base + "/figures").then(function (payload) {
        hs.showFigures(payload);
        drawn = payload.token;
        if (!payload.later) { return null; }
        // the ranking plots (importance, contour) come second, so the others do not wait
        return hs.get(base + "/figures?part=later").then(function (later) {
          hs.showLater(payload, later);
        });
      });
    }).catch(function (err) {
      hs.status("Cannot reach the study: " + err.message, true);
    }).then(function () { busy = false; });
  }
  tick();
  setInterval(tick, hs.POLL_MS);
};
hs.listStudies = function () {
  var body = document.getElementById("studies-body");
  function tick() {
    hs.get("/api/studies").then(function (data) {
      var rows = data.studies.map(function (s) {
        var tr = document.createElement("tr");
        var link = document.createElement("a");
        link.href = "/study/" + encodeURIComponent(s.name);
        link.textContent = s.name;
        var first = document.createElement("td");
        first.appendChild(link);
        tr.appendChild(first);
        [s.direction, s.n_trials, s.counts.COMPLETE, s.counts.PRUNED, s.counts.FAIL,
         s.counts.RUNNING + s.counts.WAITING, hs.fmt(s.best_value)].forEach(function (v) {
          var td = document.createElement("td");
          td.textContent = v;
          tr.appendChild(td);
        });
        return tr;
      });
      body.replaceChildren.apply(body, rows);
      document.getElementById("empty").hidden = rows.length > 0;
      hs.status("Updated " + new Date().toLocaleTimeString() + ".", false);
    }).catch(function (err) { hs.status("Cannot list the studies: " + err.message, true); });
  }
  tick();
  setInterval(tick, hs.POLL_MS);
};
document.addEventListener("DOMContentLoaded", function () {
  var page = document.body.getAttribute("data-page");
  if (page === "study") { hs.followStudy(document.body.getAttribute("data-study")); }
  if (page === "index") { hs.listStudies(); }
});
"""


def script_hash(source: str) -> str:
    """The CSP source that allows exactly this inline script (and no injected one)."""
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"
