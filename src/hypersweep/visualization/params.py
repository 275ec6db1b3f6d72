"""Plots of the objective against parameters: slices, a contour of a pair, parallel coordinates."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..importance.table import Column, TrialTable, table_of, trial_table
from . import _objectives as obj
from ._plotly import Plot, Spec, axis_kind, grid_shape, hover_params, shown

if TYPE_CHECKING:
    import numpy as np

    from ..study import Study


@Plot
def plot_slice(
    study: Study, params: Sequence[str] | None = None, *, objective: int | str | None = None
) -> Spec:
    """The objective against each parameter's value, one panel per parameter.

    Points are COMPLETE trials where the parameter was active, coloured by trial number.
    A study of several objectives draws the one ``objective`` names.
    """
    import numpy as np

    study = obj.single(study, objective, "plot_slice")
    table = trial_table(study, params=params)
    cols = table.select(params)
    if not cols:
        raise ValueError(f"study {study.name!r} has no parameters to plot")
    rows, ncols = grid_shape(len(cols))
    fig = Spec.grid(rows, ncols, [shown(c.name) for c in cols], shared_yaxes=True)
    numbers = [t.number for t in table.trials]
    values = table.values
    for i, col in enumerate(cols):
        row, c = divmod(i, ncols)
        pick = [j for j, used in enumerate(col.active) if used]
        fig.add_trace(
            dict(
                type="scatter",
                # numbers as arrays: plotly checks a list item by item (seconds on a page)
                x=[shown(col.values[j]) for j in pick]
                if col.categorical
                else np.asarray([col.values[j] for j in pick]),
                y=values[pick],
                mode="markers",
                name=shown(col.name),
                showlegend=False,
                marker={
                    "color": np.array([numbers[j] for j in pick]),
                    "colorscale": "Blues",
                    "cmin": min(numbers),
                    "cmax": max(numbers),
                    "showscale": i == 0,
                    "colorbar": {"title": "trial"},
                    "line": {"width": 0.5},
                },
                customdata=np.asarray([numbers[j] for j in pick]),
                hovertemplate="trial %{customdata}<br>%{x}<br>value %{y}<extra></extra>",
            ),
            row=row + 1,
            col=c + 1,
        )
        fig.update_xaxes(**axis_kind(col), row=row + 1, col=c + 1)
    fig.update_yaxes(title_text=obj.axis_label(study, table.minimize), col=1)
    fig.update_layout(title="Objective against each parameter", height=max(350, 300 * rows))
    return fig


def _axis(col: Column, encoded: np.ndarray) -> tuple[list[float], list[str], np.ndarray]:
    """Tick positions and labels for a numeric or categorical axis; inactive moved aside."""
    import numpy as np

    active = ~np.isnan(encoded)
    if col.categorical:
        ticks = [float(i) for i in range(len(col.choices))]
        texts = [shown(c) for c in col.choices]
        slot = -1.0
    else:
        lo, hi = (float(encoded[active].min()), float(encoded[active].max())) if active.any() \
            else (0.0, 1.0)  # fmt: skip
        ticks = [float(t) for t in np.linspace(lo, hi, 5)] if hi > lo else [lo]
        if not col.log and all(float(v).is_integer() for v in encoded[active]):
            ticks = sorted({float(round(t)) for t in ticks})  # integers get integer ticks
        texts = [f"{col.decode(x):.3g}" for x in ticks]
        slot = lo - 0.15 * (hi - lo if hi > lo else 1.0)
    if not active.all():
        ticks, texts = [slot, *ticks], ["(inactive)", *texts]
        encoded = np.where(active, encoded, slot)
    return ticks, texts, encoded


@Plot
def plot_parallel_coordinates(
    study: Study, params: Sequence[str] | None = None, *, objective: int | str | None = None
) -> Spec:
    """Every COMPLETE trial as a line through its parameter values and its objective.

    Log-scaled parameters are drawn in log10; parameters a trial did not use sit
    on an "(inactive)" tick below the axis' range. A study of several objectives gets
    an axis per objective and lines coloured by non-domination rank (0: the front;
    infeasible trials rank below every feasible one), unless ``objective`` picks one.
    """
    if obj.is_multi(study) and objective is None:
        return _parallel_ranks(study, params)
    study = obj.single(study, objective, "plot_parallel_coordinates")
    table = trial_table(study, params=params)
    values = table.values
    dims: list[dict[str, Any]] = [{"label": "objective", "values": values}]
    line = {"color": values, "colorscale": "Viridis", "reversescale": table.minimize,
            "showscale": True, "colorbar": {"title": "value"}}  # fmt: skip
    fig = Spec({"type": "parcoords", "dimensions": _param_dims(table, params, dims), "line": line})
    fig.update_layout(title="Parallel coordinates")
    return fig


def _param_dims(
    table: TrialTable, params: Sequence[str] | None, dims: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """``dims`` followed by one axis per parameter."""
    for col in table.select(params):
        ticks, texts, encoded = _axis(col, col.encoded())
        dim: dict[str, Any] = {"label": shown(col.name), "values": encoded, "tickvals": ticks,
                               "ticktext": texts}  # fmt: skip
        if len(ticks) > 1:
            dim["range"] = [min(ticks), max(ticks)]
        dims.append(dim)
    return dims


def _parallel_ranks(study: Study, params: Sequence[str] | None) -> Spec:
    """Parallel coordinates of a multi-objective study, coloured by constrained rank."""
    import numpy as np

    from ..multiobjective import constrained_ranks, violations

    trials = obj.scored(study)
    if not trials:
        raise ValueError(f"study {study.name!r} has no COMPLETE trial with every objective yet")
    ranks = constrained_ranks(obj.loss_matrix(study, trials), violations(trials))
    values = np.array([t.values for t in trials], dtype=float)
    dims = [{"label": f"{shown(n)} ({'min' if d.sign() > 0 else 'max'})", "values": values[:, k]}
            for k, (n, d) in enumerate(zip(obj.names(study), obj.directions(study)))]  # fmt: skip
    table = table_of(study, trials, params=params)
    line = {"color": ranks, "colorscale": "Viridis", "reversescale": True, "cmin": 0,
            "cmax": max(int(ranks.max()), 1), "showscale": True,
            "colorbar": {"title": "rank (0: front)"}}  # fmt: skip
    fig = Spec({"type": "parcoords", "dimensions": _param_dims(table, params, dims), "line": line})
    fig.update_layout(title="Parallel coordinates, coloured by non-domination rank")
    return fig


def _idw_surface(
    x: np.ndarray, y: np.ndarray, z: np.ndarray, gx: np.ndarray, gy: np.ndarray
) -> np.ndarray:
    """Inverse-distance-weighted interpolation of scattered (x, y, z) on the grid gx x gy."""
    import numpy as np

    sx = float(np.ptp(x)) or 1.0
    sy = float(np.ptp(y)) or 1.0
    dx2 = ((gx[:, None] - x[None, :]) / sx) ** 2
    out = np.empty((len(gy), len(gx)))
    for i, row in enumerate(gy):  # one grid row at a time: memory grows with len(x), not x*grid
        w = 1.0 / np.maximum(dx2 + ((row - y[None, :]) / sy) ** 2, 1e-12)
        out[i] = (w @ z) / w.sum(axis=1)
    return out


def _pair(table: TrialTable, x: str | None, y: str | None) -> tuple[Column, Column]:
    names = table.names
    if x is None or y is None:
        rest = [n for n in names if n not in (x, y)]
        if len(rest) + (x is not None) + (y is not None) < 2:
            raise ValueError(
                f"a contour needs two parameters, but study {table.study_name!r} has {names}"
            )
        x = x if x is not None else rest.pop(0)
        y = y if y is not None else rest.pop(0)
    if x == y:
        raise ValueError(f"a contour needs two different parameters, but got x=y={x!r}")
    return table.column(x), table.column(y)


@Plot
def plot_contour(
    study: Study,
    x: str | None = None,
    y: str | None = None,
    *,
    resolution: int = 60,
    objective: int | str | None = None,
) -> Spec:
    """The objective over a pair of parameters (default: the first two), trials on top.

    The surface interpolates the COMPLETE trials where both are active (inverse
    distance weighting in the plotted scale: log10 for log parameters, the index for
    categories); it shows where good values lie, not a model's prediction. A study of
    several objectives draws the one ``objective`` names.
    """
    import numpy as np

    study = obj.single(study, objective, "plot_contour")
    table = trial_table(study)
    cx, cy = _pair(table, x, y)
    ex, ey, z = cx.encoded(), cy.encoded(), table.values
    both = ~np.isnan(ex) & ~np.isnan(ey)
    if both.sum() < 1:
        raise ValueError(f"no COMPLETE trial used both {cx.name!r} and {cy.name!r}")
    ex, ey, z = ex[both], ey[both], z[both]
    gx = np.linspace(ex.min(), ex.max(), resolution) if np.ptp(ex) > 0 else np.array([ex[0]])
    gy = np.linspace(ey.min(), ey.max(), resolution) if np.ptp(ey) > 0 else np.array([ey[0]])
    fig = Spec()
    fig.add_trace(
        dict(
            type="contour",
            x=gx,
            y=gy,
            z=_idw_surface(ex, ey, z, gx, gy),
            colorscale="Viridis",
            reversescale=table.minimize,
            colorbar={"title": "value"},
            name="interpolated",
            contours={"coloring": "heatmap"},
            connectgaps=True,
        )
    )
    trials = [t for t, keep in zip(table.trials, both) if keep]
    fig.add_trace(
        dict(
            type="scatter",
            x=ex,
            y=ey,
            mode="markers",
            name="trials",
            marker={"color": "white", "line": {"color": "black", "width": 1}, "size": 7},
            text=[f"trial {t.number}: {t.value:.6g}<br>{hover_params(t.flat)}" for t in trials],
            hovertemplate="%{text}<extra></extra>",
        )
    )
    for axis, col, enc in (("xaxis", cx, ex), ("yaxis", cy, ey)):
        ticks, texts, _ = _axis(col, enc)
        fig.update_layout({axis: {"title": shown(col.name) + (" (log)" if col.log else ""),
                                  "tickvals": ticks, "ticktext": texts}})  # fmt: skip
    fig.update_layout(title=f"Contour of {shown(cx.name)} and {shown(cy.name)}")
    return fig
