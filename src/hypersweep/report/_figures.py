"""The study's figures as plotly JSON, ready to embed in a page or send to one.

``hypersweep.visualization.figures`` decides which plots apply to a study; this
module only serialises them. A plot that cannot be drawn must not cost the
whole report, so failures come back as a message next to the figures that
worked.

The plots that rank the parameters (parameter importance and the contour of the
most important pair) come in a second request of the dashboard (``part="later"``),
so its first figures never wait for them; the report, one file, draws them all.
They once fitted a random forest (scikit-learn's import, a second or more); the
pages now rank with binned main effects (``hs.importance``, ``method="binned"``),
milliseconds and numpy only. Figures are built as plain dicts
(``visualization.figure_json``): plotly's graph objects are neither imported nor
run on a page's path.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..study import Study

PARTS = ("all", "first", "later")


def figure_json(
    study: Study, part: str = "all", briefs: Any = None
) -> tuple[list[dict[str, Any]], str | None, str | None]:
    """``([{"title", "figure", "note"}, ...], error or None, sample note or None)``.

    Each plot of ``visualization.plan`` is drawn on its own, so one that fails costs
    only itself; ``note`` says what that plot shows of a large study (a sample, an
    aggregate, None: every trial); ``briefs``: the storage's briefs when just read.
    ``part="first"`` leaves out the forest's plots but
    keeps their place as ``{"title", "pending": True}``; ``part="later"`` draws only them.
    """
    from .. import visualization

    if part not in PARTS:
        raise ValueError(f"part must be one of {PARTS}, but got {part!r}")
    try:
        frozen = visualization.snapshot(study, briefs)  # the trials are read once for every plot
        sampled = visualization.sample_note(frozen)
        plots = visualization.plan(frozen)
    except Exception as exc:  # a plotting bug or odd data must not take the page down
        return [], f"{type(exc).__name__}: {exc}", None
    out, failed = [], []
    for title, draw in plots:
        later = title in visualization.FOREST_PLOTS
        if (part == "first" and later) or (part == "later" and not later):
            if part == "first":
                out.append({"title": str(title), "pending": True})
            continue
        try:
            figure = visualization.figure_json(draw)
        except Exception as exc:
            failed.append(f"{type(exc).__name__}: {exc} ({title})")
            continue
        note = visualization.caption(frozen, title)
        out.append({"title": str(title), "figure": figure, "note": note})
    return out, "; ".join(failed) or None, sampled


def plotly_js() -> str:
    """plotly.js from the installed plotly package (no CDN: reports work offline), read
    from its file without importing plotly (whose import reads its own metadata: a
    tenth of a second)."""
    source = _bundled_js()
    if source is None:
        try:
            from plotly.offline import get_plotlyjs
        except ImportError:
            raise ImportError(
                "the report and dashboard draw with plotly: pip install 'hypersweep[plot]' "
                "(or pip install plotly)"
            ) from None
        source = get_plotlyjs()
    return source.replace("</script", "<\\/script")  # cannot end its <script> early


def _bundled_js() -> str | None:
    """plotly's package_data/plotly.min.js, or None (no plotly, or a zipped install)."""
    import importlib.util
    import os

    found = importlib.util.find_spec("plotly")
    for folder in (found.submodule_search_locations or []) if found else []:
        path = os.path.join(folder, "package_data", "plotly.min.js")
        if os.path.exists(path):
            with open(path, encoding="utf-8") as fh:
                return fh.read()
    return None
