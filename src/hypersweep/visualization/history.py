"""Plots over time: the optimisation history, parameters by trial number, learning curves."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..importance.table import completed, table_of
from ..trial import Direction, FrozenTrial, TrialState
from . import _groups
from . import _objectives as obj
from ._plotly import Plot, Spec, axis_kind, axis_values, grid_shape, hover_params, shown

if TYPE_CHECKING:
    from ..study import Study


def best_so_far(values: Sequence[float], minimize: bool) -> list[float]:
    """The running best of a sequence of values."""
    out: list[float] = []
    for v in values:
        best = out[-1] if out else v
        out.append(min(best, v) if minimize else max(best, v))
    return out


@Plot
def plot_history(study: Study, *, objective: int | str | None = None) -> Spec:
    """Each COMPLETE trial's value by trial number, with the best value so far as a line.

    Repeated trials carry error bars (one standard deviation of their results);
    pruned trials are drawn at their last reported value. A study of several
    objectives draws the one ``objective`` names (its name or index).
    """
    study = obj.single(study, objective, "plot_history")
    done = completed(study)
    minimize = study.direction is Direction.MINIMIZE
    numbers = [t.number for t in done]
    values = [float(t.value) for t in done]  # type: ignore[arg-type]
    stds = [_groups.single(t).std for t in done]
    fig = Spec()
    fig.add_trace(
        dict(
            type="scatter",
            x=numbers,
            y=values,
            mode="markers",
            name="value",
            error_y={"type": "data", "array": stds, "visible": any(s > 0 for s in stds)},
            text=[hover_params(t.flat) for t in done],
            hovertemplate="trial %{x}<br>value %{y}<br>%{text}<extra></extra>",
        )
    )
    fig.add_trace(
        dict(
            type="scatter",
            x=numbers,
            y=best_so_far(values, minimize),
            mode="lines",
            name="best so far",
            line={"shape": "hv"},
        )
    )
    pruned = [t for t in study.trials if t.state is TrialState.PRUNED and t.value is not None]
    if pruned:
        fig.add_trace(
            dict(
                type="scatter",
                x=[t.number for t in pruned],
                y=[t.value for t in pruned],
                mode="markers",
                name="pruned (last report)",
                marker={"symbol": "x", "color": "lightgray"},
            )
        )
    fig.update_layout(
        title=f"Optimisation history of {shown(study.name)}",
        xaxis_title="trial",
        yaxis_title=obj.axis_label(study, minimize),
    )
    return fig


@Plot
def plot_param_history(
    study: Study, params: Sequence[str] | None = None, *, objective: int | str | None = None
) -> Spec:
    """The value each trial drew for each parameter, by trial number.

    Shows every finished or running trial, so a sampler's drift and where it
    concentrates are visible; COMPLETE trials are coloured by their value (of
    ``objective`` in a study of several; by default the first).
    """
    import numpy as np

    study = obj.single(study, 0 if objective is None and obj.is_multi(study) else objective,
                       "plot_param_history")  # fmt: skip
    label = shown(study.objective_names[0]) if isinstance(study, obj.Projected) else "value"
    trials = [t for t in study.trials if t.flat]
    if not trials:
        raise ValueError(f"study {study.name!r} has no trial with parameters yet")
    table = table_of(study, trials, params=params)
    cols = table.select(params)
    minimize = study.direction is Direction.MINIMIZE
    rows, ncols = grid_shape(len(cols), 2)
    fig = Spec.grid(rows, ncols, [shown(c.name) for c in cols])
    every = np.array([np.nan if t.value is None else t.value for t in trials], dtype=float)
    done = [t.state is TrialState.COMPLETE and t.value is not None for t in trials]
    values = [float(v) for v, ok in zip(every, done) if ok]
    for i, col in enumerate(cols):
        row, c = divmod(i, ncols)
        active = col.active
        for ok in (True, False):
            pick = [j for j, t in enumerate(trials) if done[j] == ok and active[j]]
            if not pick:
                continue
            marker: dict[str, Any] = {"color": "lightgray", "symbol": "x"}
            if ok:
                colors = every[pick]
                marker = {"color": colors, "colorscale": "Viridis",
                          "reversescale": minimize, "cmin": min(values), "cmax": max(values),
                          "showscale": i == 0,
                          "colorbar": {"title": label}}  # fmt: skip
            fig.add_trace(
                dict(
                    type="scatter",
                    x=np.asarray([trials[j].number for j in pick]),  # arrays: not checked
                    y=axis_values(col, [col.values[j] for j in pick])
                    if col.categorical
                    else np.asarray([col.values[j] for j in pick]),  # one by one, as lists are
                    mode="markers",
                    marker=marker,
                    name=shown(col.name) if ok else "not complete",
                    legendgroup="done" if ok else "other",
                    showlegend=False,
                ),
                row=row + 1,
                col=c + 1,
            )
        fig.update_yaxes(**axis_kind(col), row=row + 1, col=c + 1)
        fig.update_xaxes(title_text="trial", row=row + 1, col=c + 1)
    fig.update_layout(title="Parameter values by trial", height=max(350, 280 * rows))
    return fig


_STATE_STYLE = {
    TrialState.COMPLETE: {"color": "#1f77b4", "dash": "solid"},
    TrialState.PRUNED: {"color": "#d62728", "dash": "dot"},
    TrialState.FAIL: {"color": "#7f7f7f", "dash": "dash"},
    TrialState.RUNNING: {"color": "#2ca02c", "dash": "solid"},
}


def _curves(trials: Sequence[FrozenTrial]) -> tuple[list[Any], list[Any], list[Any]]:
    """x, y and trial number of every point; curves joined by None gaps into one line."""
    xs: list[Any] = []
    ys: list[Any] = []
    numbers: list[Any] = []
    for t in trials:
        steps = sorted(t.intermediate)
        xs += [*steps, None]
        ys += [*(t.intermediate[s] for s in steps), None]
        numbers += [t.number] * len(steps) + [None]
    return xs, ys, numbers


@Plot
def plot_intermediate(study: Study) -> Spec:
    """Learning curves: every trial's reported values by step, one line style per state.

    Pruned trials are dotted and end in a red x where they were stopped. Curves of
    one state share a trace (joined by gaps), so thousands of trials stay light.
    """
    trials = [t for t in study.trials if t.intermediate]
    if not trials:
        raise ValueError(
            f"study {study.name!r} has no intermediate values; call trial.report(value, step) "
            f"in the objective to record learning curves"
        )
    fig = Spec()
    for state, style in _STATE_STYLE.items():
        group = [t for t in trials if t.state is state]
        if not group:
            continue
        xs, ys, numbers = _curves(group)
        fig.add_trace(
            dict(
                type="scatter",
                x=xs,
                y=ys,
                customdata=numbers,
                mode="lines",
                line={**style, "width": 1.2},
                name=f"{state.value.lower()} ({len(group)})",
                opacity=0.8,
                hovertemplate="trial %{customdata}<br>step %{x}<br>%{y}<extra></extra>",
            )
        )
    pruned = [t for t in trials if t.state is TrialState.PRUNED]
    if pruned:
        fig.add_trace(
            dict(
                type="scatter",
                x=[t.last_step for t in pruned],
                y=[t.intermediate[t.last_step] for t in pruned],  # type: ignore[index]
                customdata=[t.number for t in pruned],
                mode="markers",
                name="pruned here",
                marker={"symbol": "x", "size": 9, "color": "#d62728"},
                hovertemplate="trial %{customdata} pruned at step %{x}<br>%{y}<extra></extra>",
            )
        )
    fig.update_layout(
        title="Learning curves (pruned trials dotted, stopped at the x)",
        xaxis_title="step",
        yaxis_title="intermediate value",
    )
    return fig


@Plot
def plot_ecdf(study: Study, *, objective: int | str | None = None) -> Spec:
    """The empirical distribution of the COMPLETE trials' values: how often a result is
    reached (of ``objective`` in a study of several)."""
    study = obj.single(study, objective, "plot_ecdf")
    values = sorted(float(t.value) for t in completed(study))  # type: ignore[arg-type]
    n = len(values)
    return ecdf_figure(study, values, [(i + 1) / n for i in range(n)])


def ecdf_figure(study: Study, values: Sequence[float], fractions: Sequence[float]) -> Spec:
    """The ECDF's figure from sorted values and the fraction of trials at or below each."""
    minimize = study.direction is Direction.MINIMIZE
    fig = Spec(
        {
            "type": "scatter",
            "x": list(values),
            "y": list(fractions),
            "mode": "lines+markers",
            "line": {"shape": "hv"},
            "name": "ECDF",
        }
    )
    fig.update_layout(
        title="Distribution of results (ECDF)",
        xaxis_title=obj.axis_label(study, minimize),
        yaxis_title="fraction of trials with value <= x",
        yaxis={"range": [0, 1.02]},
    )
    return fig
