"""The study's figures as plotly JSON, ready to embed in a page or send to one.

``hypersweep.visualization.figures`` decides which plots apply to a study; this
module only serialises them. A plot that cannot be drawn must not cost the
whole report, so failures come back as a message next to the figures that
worked.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..study import Study


def figure_json(study: Study) -> tuple[list[dict[str, Any]], str | None, str | None]:
    """``([{"title": ..., "figure": {data, layout}}, ...], error or None, sample note or
    None)``: each plot of ``visualization.plan`` is drawn on its own, so one that fails
    costs only itself; the note says what the plots of a large study sampled."""
    from .. import visualization

    try:
        frozen = visualization.snapshot(study)  # the trials are read once for every plot
        sampled = visualization.sample_note(frozen)
        plots = visualization.plan(frozen)
    except Exception as exc:  # a plotting bug or odd data must not take the page down
        return [], f"{type(exc).__name__}: {exc}", None
    out, failed = [], []
    for title, draw in plots:
        try:
            figure = json.loads(draw().to_json())
        except Exception as exc:
            failed.append(f"{type(exc).__name__}: {exc} ({title})")
            continue
        out.append({"title": str(title), "figure": figure})
    return out, "; ".join(failed) or None, sampled


def plotly_js() -> str:
    """plotly.js from the installed plotly package (no CDN: reports work offline)."""
    try:
        from plotly.offline import get_plotlyjs
    except ImportError:
        raise ImportError(
            "the report and dashboard draw with plotly: pip install 'hypersweep[plot]' "
            "(or pip install plotly)"
        ) from None
    source = get_plotlyjs()
    return source.replace("</script", "<\\/script")  # cannot end its <script> early
