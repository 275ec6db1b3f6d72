"""plotly, imported on first use (with a message saying how to install it), and the axis
and hover helpers every plot shares.

plotly reads every string it draws (titles, tick labels, legend names, hover text,
annotations) as a small HTML dialect: ``<a href>`` becomes a live link, ``<b>``
bold. A study's names and values are data, so they reach a figure only through
:func:`shown`, which escapes ``&``, ``<`` and ``>`` (plotly turns the entities
back into the characters on screen).

Plots are built as :class:`Spec`: plotly's own JSON (``{"data": [...], "layout": {...}}``)
made of plain dicts, without plotly. plotly checks every value of a graph object against
its schema as it is set (a 2,000-point trace, a subplot grid: tenths of a second each) and
needs its graph objects imported first; a page that embeds the JSON needs none of that.
The public ``plot_*`` functions hand the same spec to ``plotly.graph_objects.Figure``
(:class:`Plot`), so users get the Figure they always did, checked by plotly.
"""

from __future__ import annotations

import functools
import html
import json
import math
from collections.abc import Callable, Sequence
from typing import Any

from ..importance.table import Column, label


def shown(value: Any) -> str:
    """A name or value as plotly should draw it: as text, never as markup."""
    text = value if isinstance(value, str) else label(value)
    if "&" in text or "<" in text or ">" in text:
        return html.escape(text, quote=False)
    return text  # nothing to escape: the common case, tens of thousands of times a page


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
    lines = [f"{_name(k)}: {_short(v)}" for k, v in items[:limit]]
    if len(items) > limit:
        lines.append(f"... {len(items) - limit} more")
    return "<br>".join(lines)


@functools.lru_cache(maxsize=4096)
def _name(name: str) -> str:
    """A parameter's name, escaped once for all the trials that use it."""
    return shown(name)


def _short(value: Any) -> str:
    kind = type(value)
    if kind is float or (kind is not bool and isinstance(value, float)):
        return f"{value:.6g}"
    if kind is int:  # what label (JSON) writes for an int, without json.dumps
        return str(value)
    if kind is str:
        return shown(value[:60])
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


# layout keys whose underscored keyword arguments name a path: xaxis_title -> xaxis.title
_COMPOUND = frozenset({"xaxis", "yaxis", "title", "legend", "margin", "font", "scene"})


def _path(key: str) -> list[str]:
    parts = key.split("_")
    return parts if parts[0] in _COMPOUND and len(parts) > 1 else [key]


def _merge(target: dict[str, Any], update: dict[str, Any]) -> None:
    """Deep update: nested dicts are merged, anything else replaced."""
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = value


def _keywords(kwargs: dict[str, Any]) -> dict[str, Any]:
    """plotly's magic underscores as nested dicts: {"title_text": t} -> {"title": {"text": t}}."""
    out: dict[str, Any] = {}
    for key, value in kwargs.items():
        *outer, last = _path(key)
        node = out
        for part in outer:
            node = node.setdefault(part, {})
        _merge(node, {last: value})
    return out


def plain(value: Any) -> Any:
    """A figure's value as JSON takes it: numpy arrays as typed arrays, NaN and infinities
    elsewhere as null (as plotly writes them), every ``title`` given as text as
    ``{"text": ...}`` (plotly.js 3 reads no other), colorscales by name as their stops."""
    kind = type(value)
    if kind is dict:
        return {k: _named(k, v) if type(v) is str else plain(v) for k, v in value.items()}
    if kind is list or kind is tuple:
        return [plain(v) for v in value]
    if kind is float:
        return value if math.isfinite(value) else None
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if getattr(value, "ndim", 0) >= 1 and getattr(value, "dtype", None) is not None:
        return _typed(value)
    if hasattr(value, "tolist"):  # numpy scalars
        return plain(value.tolist())
    return value


def _typed(array: Any) -> Any:
    """A numpy array of numbers as a typed array (``{"dtype", "bdata"}``: base64 of its
    bytes, which plotly.js reads as plotly writes it), else as a list."""
    import base64

    import numpy as np

    kind = array.dtype.kind
    if not array.size or kind not in "fiu":
        return plain(array.tolist())
    if kind == "f":
        data, code = np.ascontiguousarray(array, dtype="<f8"), "f8"
    else:  # the narrowest integers that hold every value
        low, high = int(array.min()), int(array.max())
        bits = next((b for b in (8, 16, 32) if -(2 ** (b - 1)) <= low and high < 2 ** (b - 1)), 0)
        if not bits:
            return plain(array.tolist())
        data, code = np.ascontiguousarray(array, dtype=f"<i{bits // 8}"), f"i{bits // 8}"
    out = {"dtype": code, "bdata": base64.b64encode(data.tobytes()).decode("ascii")}
    if array.ndim > 1:
        out["shape"] = ", ".join(str(n) for n in array.shape)
    return out


def _named(key: str, text: str) -> Any:
    """A title as ``{"text": ...}``; a colorscale's name as the stops plotly.py gives it
    (plotly.js knows a few names too, but its "Blues" is another palette)."""
    if key == "title":
        return {"text": text}
    if key == "colorscale":
        return _colorscale(text)
    return text


@functools.cache
def _colorscale(name: str) -> Any:
    """plotly's sequential palette ``name`` as evenly spaced stops (the name where unknown)."""
    try:
        from _plotly_utils.colors import sequential  # plotly's palettes, without plotly's import
    except ImportError:  # pragma: no cover - installed with plotly
        return name
    colors = getattr(sequential, name, None)
    if not isinstance(colors, list) or len(colors) < 2:
        return name
    return [[i / (len(colors) - 1), c] for i, c in enumerate(colors)]


@functools.lru_cache(maxsize=1)
def template() -> dict[str, Any] | None:
    """plotly's default "plotly" template, read from its file without importing plotly (the
    one a Figure's JSON carries); None where the file cannot be found."""
    import importlib.util
    import os

    found = importlib.util.find_spec("plotly")
    for folder in (found.submodule_search_locations or []) if found else []:
        path = os.path.join(folder, "package_data", "templates", "plotly.json")
        if os.path.exists(path):
            with open(path, encoding="utf-8") as fh:
                loaded: dict[str, Any] = json.load(fh)
                return loaded
    return None


class Spec:
    """A figure as plotly's JSON, built from plain dicts: ``add_trace``, ``update_layout``,
    ``update_xaxes`` and ``update_yaxes`` as a plotly Figure has them, on one plot or on
    a grid of subplots laid out as ``plotly.subplots.make_subplots`` lays them."""

    def __init__(self, *traces: dict[str, Any]) -> None:
        self.data: list[dict[str, Any]] = list(traces)
        self.layout: dict[str, Any] = {}
        self.shape = (0, 0)  # a grid's rows and columns; (0, 0): one plot

    @classmethod
    def grid(cls, rows: int, cols: int, titles: Sequence[str] = (), *,
             shared_yaxes: bool = False) -> Spec:  # fmt: skip
        """``rows`` x ``cols`` subplots (numbered from the top left, row by row), titled."""
        spec = cls()
        spec.shape = (rows, cols)
        across, down = 0.2 / cols, 0.3 / rows
        width, height = (1 - across * (cols - 1)) / cols, (1 - down * (rows - 1)) / rows
        notes = []
        for k in range(1, rows * cols + 1):
            r, c = divmod(k - 1, cols)
            left, top = c * (width + across), 1 - r * (height + down)
            bottom = max(0.0, top - height)
            spec.layout[f"xaxis{_n(k)}"] = {"anchor": f"y{_n(k)}", "domain": [left, left + width]}
            y: dict[str, Any] = {"anchor": f"x{_n(k)}", "domain": [bottom, top]}
            if shared_yaxes and c > 0:
                y.update(matches=f"y{_n(r * cols + 1)}", showticklabels=False)
            spec.layout[f"yaxis{_n(k)}"] = y
            if k <= len(titles):
                notes.append({"font": {"size": 16}, "showarrow": False, "text": titles[k - 1],
                              "x": left + width / 2, "xanchor": "center", "xref": "paper",
                              "y": top, "yanchor": "bottom", "yref": "paper"})  # fmt: skip
        if notes:
            spec.layout["annotations"] = notes
        return spec

    def add_trace(self, trace: dict[str, Any], row: int | None = None,
                  col: int | None = None) -> Spec:  # fmt: skip
        if row is not None and col is not None:
            k = _n((row - 1) * self.shape[1] + col)
            trace = {**trace, "xaxis": f"x{k}", "yaxis": f"y{k}"}
        self.data.append(trace)
        return self

    def update_layout(self, layout: dict[str, Any] | None = None, **kwargs: Any) -> Spec:
        _merge(self.layout, {**(layout or {})})
        _merge(self.layout, _keywords(kwargs))
        return self

    def update_xaxes(self, row: int | None = None, col: int | None = None, **kwargs: Any
                     ) -> Spec:  # fmt: skip
        return self._axes("xaxis", row, col, kwargs)

    def update_yaxes(self, row: int | None = None, col: int | None = None, **kwargs: Any
                     ) -> Spec:  # fmt: skip
        return self._axes("yaxis", row, col, kwargs)

    def _axes(self, name: str, row: int | None, col: int | None, kwargs: dict[str, Any]
              ) -> Spec:  # fmt: skip
        rows, cols = self.shape
        if not cols:
            _merge(self.layout.setdefault(name, {}), _keywords(kwargs))
            return self
        for k in range(1, rows * cols + 1):
            r, c = divmod(k - 1, cols)
            if (row is None or row == r + 1) and (col is None or col == c + 1):
                _merge(self.layout.setdefault(f"{name}{_n(k)}", {}), _keywords(kwargs))
        return self

    def to_dict(self) -> dict[str, Any]:
        """The figure's JSON as a page embeds it, with plotly's default template."""
        layout = plain(self.layout)
        theme = template()
        if theme is not None and "template" not in layout:
            layout["template"] = theme
        return {"data": plain(self.data), "layout": layout}

    def figure(self) -> Any:
        """The plotly Figure of this spec (plotly checks it as it always does)."""
        return go().Figure({"data": self.data, "layout": self.layout})


def _n(k: int) -> str:
    """The suffix of subplot k's axes: "" for the first ("xaxis", "x"), else the number."""
    return "" if k == 1 else str(k)


class Plot:
    """A public ``plot_*`` function: calling it gives a plotly Figure; ``spec(...)`` with
    the same arguments gives the same figure as a :class:`Spec`, without plotly."""

    def __init__(self, build: Callable[..., Spec]) -> None:
        self.spec = build
        functools.update_wrapper(self, build)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.spec(*args, **kwargs).figure()


def figure_dict(figure: Any) -> dict[str, Any]:
    """The JSON of a Spec or of a plotly Figure, as a page embeds it."""
    if isinstance(figure, Spec):
        return figure.to_dict()
    loaded: dict[str, Any] = json.loads(figure.to_json())
    return loaded
