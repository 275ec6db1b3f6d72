"""A population's lineage (``hs.pbt.run``): score over training steps for every member, each
exploit drawn as a jump from the donor's point, and each hyperparameter over steps.

Both figures take a :class:`hypersweep.pbt.Result` or the study it ran in, so a
population can be plotted from storage alone (``hs.load_study(name, storage=...)``).
"""

from __future__ import annotations

from typing import Any

from ..pbt import Result, Step, result_of
from ..pbt.lineage import steps_of
from ._plotly import go, hover_params, shown, subplots

COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
          "#7f7f7f", "#bcbd22", "#17becf")  # fmt: skip


def _steps(population: Any) -> tuple[list[Step], Step | None]:
    if isinstance(population, Result):
        return population.lineage, population.best
    steps = steps_of(population)
    try:
        return steps, result_of(population).best
    except ValueError:  # still running: no member has finished
        return steps, None


def _members(steps: list[Step]) -> dict[int, list[Step]]:
    out: dict[int, list[Step]] = {}
    for s in sorted(steps, key=lambda s: (s.member, s.turn)):
        out.setdefault(s.member, []).append(s)
    return out


def plot_lineage(population: Any) -> Any:
    """Score at the end of every turn by training step, one line per member; a dotted segment
    joins a donor's point to the member that copied it, and the best schedule is drawn thick."""
    steps, best = _steps(population)
    if not steps:
        raise ValueError("the population has no finished turn yet: nothing to plot")
    by_key = {(s.member, s.turn): s for s in steps}
    chain = set()
    if best is not None:
        current: Step | None = best
        while current is not None:
            chain.add((current.member, current.turn))
            key = ((current.parent, current.parent_turn) if current.parent is not None
                   else (current.member, current.turn - 1))  # fmt: skip
            current = by_key.get(key)  # type: ignore[arg-type]
    graph = go()
    fig = graph.Figure()
    for member, own in _members(steps).items():
        color = COLORS[member % len(COLORS)]
        xs: list[float | None] = []
        ys: list[float | None] = []
        text: list[str] = []
        for s in own:
            if s.parent is not None and xs:
                xs.append(None)  # break the line at a copy: the member took other weights
                ys.append(None)
                text.append("")
            xs.append(s.end_step)
            ys.append(s.score)
            text.append(hover_params(s.flat))
        fig.add_trace(graph.Scatter(
            x=xs, y=ys, mode="lines+markers", name=f"member {member}",
            line={"color": color, "width": 1.5}, marker={"size": 5},
            text=text, hovertemplate="step %{x}<br>score %{y:.4g}<br>%{text}<extra>member "
            + str(member) + "</extra>",
        ))  # fmt: skip
        for s in own:
            if s.parent is None:
                continue
            donor = by_key.get((s.parent, s.parent_turn or 0))
            if donor is None:
                continue
            fig.add_trace(graph.Scatter(
                x=[donor.end_step, s.end_step], y=[donor.score, s.score], mode="lines",
                line={"color": color, "dash": "dot", "width": 1}, showlegend=False,
                hovertemplate=shown(f"member {s.member} copied {s.parent}") + "<extra></extra>",
            ))  # fmt: skip
    if chain:
        path = sorted((by_key[k] for k in chain), key=lambda s: s.end_step)
        fig.add_trace(graph.Scatter(
            x=[s.end_step for s in path], y=[s.score for s in path], mode="lines",
            name="best schedule", line={"color": "black", "width": 3},
        ))  # fmt: skip
    fig.update_layout(title="Population lineage", xaxis_title="training step",
                      yaxis_title="score")  # fmt: skip
    return fig


def _drawn(value: Any) -> Any:
    """A value as an axis draws it: numbers as they are, anything else as escaped text."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    return shown(value)


def plot_schedules(population: Any) -> Any:
    """Each hyperparameter over training steps, one step-line per member (the value in
    force during each turn); the best schedule drawn thick."""
    steps, best = _steps(population)
    if not steps:
        raise ValueError("the population has no finished turn yet: nothing to plot")
    names = list(steps[0].flat)
    fig = subplots(rows=len(names), cols=1, shared_xaxes=True,
                   subplot_titles=[shown(n) for n in names])  # fmt: skip
    graph = go()
    best_chain = result_of(population.study if isinstance(population, Result) else population
                           ).schedule if best is not None else []  # fmt: skip
    for row, name in enumerate(names, start=1):
        for member, own in _members(steps).items():
            fig.add_trace(graph.Scatter(
                x=[s.start_step for s in own] + [own[-1].end_step],
                y=[_drawn(s.flat[name]) for s in [*own, own[-1]]], mode="lines",
                line={"shape": "hv", "color": COLORS[member % len(COLORS)], "width": 1},
                name=f"member {member}", legendgroup=str(member), showlegend=row == 1,
            ), row=row, col=1)  # fmt: skip
        if best_chain:
            fig.add_trace(graph.Scatter(
                x=[s.start_step for s in best_chain] + [best_chain[-1].end_step],
                y=[_drawn(s.flat[name]) for s in [*best_chain, best_chain[-1]]],
                mode="lines", line={"shape": "hv", "color": "black", "width": 3},
                name="best schedule", legendgroup="best", showlegend=row == 1,
            ), row=row, col=1)  # fmt: skip
    fig.update_xaxes(title_text="training step", row=len(names), col=1)
    fig.update_layout(title="Hyperparameter schedules", height=max(300, 220 * len(names)))
    return fig
