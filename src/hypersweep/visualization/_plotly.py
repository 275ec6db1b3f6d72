"""plotly, imported on first use (with a message saying how to install it), and the axis
and hover helpers every plot shares."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..importance.table import Column, label


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


def objective_label(minimize: bool) -> str:
    return "objective (lower is better)" if minimize else "objective (higher is better)"


def grid_shape(n: int, max_cols: int = 3) -> tuple[int, int]:
    """(rows, columns) for n small panels."""
    cols = min(n, max_cols)
    return (n + cols - 1) // cols, cols


def hover_params(flat: dict[str, Any], limit: int = 12) -> str:
    """A short HTML list of a trial's parameters for hover text."""
    items = list(flat.items())
    lines = [f"{k}: {_short(v)}" for k, v in items[:limit]]
    if len(items) > limit:
        lines.append(f"... {len(items) - limit} more")
    return "<br>".join(lines)


def _short(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(label(value))[:60]


def axis_values(col: Column, values: Sequence[Any]) -> list[Any]:
    """Values as an axis draws them: categories by their label."""
    return [label(v) for v in values] if col.categorical else list(values)


def axis_kind(col: Column) -> dict[str, Any]:
    """Axis settings: categories in definition order, log axes for log-scaled parameters."""
    if col.categorical:
        return {"type": "category", "categoryorder": "array",
                "categoryarray": [label(c) for c in col.choices]}  # fmt: skip
    return {"type": "log"} if col.log else {}
