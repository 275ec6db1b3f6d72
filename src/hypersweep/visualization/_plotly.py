"""plotly, imported on first use (with a message saying how to install it), and the axis
and hover helpers every plot shares.

plotly reads every string it draws (titles, tick labels, legend names, hover text,
annotations) as a small HTML dialect: ``<a href>`` becomes a live link, ``<b>``
bold. A study's names and values are data, so they reach a figure only through
:func:`shown`, which escapes ``&``, ``<`` and ``>`` (plotly turns the entities
back into the characters on screen).

Traces go to ``fig.add_trace`` as dicts (``{"type": "scatter", ...}``): plotly checks
a ``go.Scatter`` when it is built and again when it is added, a dict only once.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from ..importance.table import Column, label


def shown(value: Any) -> str:
    """A name or value as plotly should draw it: as text, never as markup."""
    return html.escape(value if isinstance(value, str) else label(value), quote=False)


def go() -> Any:
    """``plotly.graph_objects``, or ImportError naming the pip command."""
    try:
        import plotly.graph_objects as graph_objects
    except ImportError as exc:  # pragma: no cover - plotly is in the test extras
        raise ImportError(
            "hypersweep's plots need plotly: pip install 'hypersweep[plot]' (or pip install plotly)"
        ) from exc
    return graph_objects


def subplots(**kwargs: Any) -> Any:
    go()
    from plotly.subplots import make_subplots

    return make_subplots(**kwargs)


def grid_shape(n: int, max_cols: int = 3) -> tuple[int, int]:
    """(rows, columns) for n small panels."""
    cols = min(n, max_cols)
    return (n + cols - 1) // cols, cols


def hover_params(flat: dict[str, Any], limit: int = 12) -> str:
    """A short HTML list of a trial's parameters for hover text (names and values escaped)."""
    items = list(flat.items())
    lines = [f"{shown(k)}: {_short(v)}" for k, v in items[:limit]]
    if len(items) > limit:
        lines.append(f"... {len(items) - limit} more")
    return "<br>".join(lines)


def _short(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return shown(str(label(value))[:60])


def axis_values(col: Column, values: Sequence[Any]) -> list[Any]:
    """Values as an axis draws them: categories by their (escaped) label."""
    return [shown(v) for v in values] if col.categorical else list(values)


def axis_kind(col: Column) -> dict[str, Any]:
    """Axis settings: categories in definition order, log axes for log-scaled parameters."""
    if col.categorical:
        return {"type": "category", "categoryorder": "array",
                "categoryarray": [shown(c) for c in col.choices]}  # fmt: skip
    return {"type": "log"} if col.log else {}
