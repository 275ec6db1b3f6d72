"""plotly, imported on first use, with a message that says how to install it."""

from __future__ import annotations

from typing import Any


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
    from ..importance.table import label

    items = list(flat.items())
    lines = [f"{k}: {_short(v, label)}" for k, v in items[:limit]]
    if len(items) > limit:
        lines.append(f"... {len(items) - limit} more")
    return "<br>".join(lines)


def _short(value: Any, label: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(label(value))[:60]
