"""Plots of a multi-objective study: the Pareto front and the hypervolume over trials.

The front is the feasible non-dominated COMPLETE trials in every objective (what
``study.best_trials`` holds); the math (dominance, hypervolume, the default reference
point) is :mod:`hypersweep.multiobjective`'s, so plots and the study never disagree.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..multiobjective import hypervolume, pareto_mask, reference_point
from ..trial import Direction, FrozenTrial
from . import _objectives as obj
from ._plotly import go, hover_params, shown
from ._sample import Snapshot

if TYPE_CHECKING:
    from ..study import Study

FRONT = "#d62728"
DOMINATED = "#1f77b4"
INFEASIBLE = "#b0b0b0"


def _every_trial(study: Any) -> Any:
    """The study whose trials are all of them: a sampled snapshot reads its study again."""
    return study.study if isinstance(study, Snapshot) and study.sampled else study


def split(study: Any, trials: Sequence[FrozenTrial] | None = None) -> tuple[list[FrozenTrial], ...]:
    """(front, dominated, infeasible) among the scored trials: the front is the feasible
    trials no other feasible trial dominates."""
    done = obj.scored(study, trials)
    ok = [t for t in done if t.feasible]
    bad = [t for t in done if not t.feasible]
    if not ok:
        return [], [], bad
    mask = pareto_mask(obj.loss_matrix(study, ok))
    return [t for t, m in zip(ok, mask) if m], [t for t, m in zip(ok, mask) if not m], bad


def _axis_title(study: Any, k: int) -> str:
    better = "lower" if obj.directions(study)[k] is Direction.MINIMIZE else "higher"
    return f"{shown(obj.names(study)[k])} ({better} is better)"


def _hover(study: Any, t: FrozenTrial) -> str:
    values = "<br>".join(
        f"{shown(n)}: {v:.6g}" for n, v in zip(obj.names(study), t.values or ())
    )
    params = hover_params(t.flat)
    return f"trial {t.number}<br>{values}" + (f"<br>{params}" if params else "")


def plot_pareto_front(
    study: Study,
    *,
    targets: Sequence[int | str] | None = None,
    include_dominated: bool = True,
) -> Any:
    """The trials in objective space with the feasible Pareto front highlighted.

    Two or three objectives (3-D scatter); ``targets`` picks two or three of more (by
    name or index; the front stays the one in every objective). Dominated trials are
    dimmed (left out with ``include_dominated=False``), infeasible ones grey.
    """
    g = go()
    labels = obj.names(study)
    if not obj.is_multi(study):
        raise ValueError(
            f"study {study.name!r} has one objective: a Pareto front needs two or more "
            f"(create_study(directions=[...])); plot_history draws this one"
        )
    if targets is None:
        if len(labels) > 3:
            raise ValueError(
                f"study {study.name!r} has {len(labels)} objectives ({', '.join(labels)}): a "
                f"Pareto front is drawn in 2 or 3 of them, so pass targets=[...] naming them, "
                f"or draw all of them with plot_parallel_coordinates(study)"
            )
        axes = list(range(len(labels)))
    else:
        axes = [obj.index_of(study, t) for t in targets]
        if len(axes) not in (2, 3) or len(set(axes)) != len(axes):
            raise ValueError(f"targets must name 2 or 3 different objectives, but got "
                             f"{list(targets)!r}")  # fmt: skip
    front, dominated, infeasible = split(study)
    if not (front or dominated or infeasible):
        raise ValueError(f"study {study.name!r} has no COMPLETE trial with every objective yet")
    groups = [("Pareto front", front, {"color": FRONT, "size": 9, "opacity": 1.0,
                                       "line": {"color": "black", "width": 1}})]  # fmt: skip
    if include_dominated:
        groups.append(("dominated", dominated, {"color": DOMINATED, "size": 6, "opacity": 0.35}))
    groups.append(("infeasible", infeasible, {"color": INFEASIBLE, "size": 6, "opacity": 0.6,
                                              "symbol": "x"}))  # fmt: skip
    fig = g.Figure()
    for name, trials, marker in groups:
        if not trials:
            continue
        if len(axes) == 3 and marker.get("symbol") == "x":
            marker = {**marker, "symbol": "x", "size": 4}
        if name == "Pareto front" and len(axes) == 2:  # joined in the order of the x axis
            trials = sorted(trials, key=lambda t: (t.values[axes[0]], t.number))  # type: ignore[index]
        coords = {key: [t.values[k] for t in trials]  # type: ignore[index]
                  for key, k in zip("xyz", axes)}  # fmt: skip
        common = {"name": f"{name} ({len(trials)})", "marker": marker,
                  "customdata": [t.number for t in trials],
                  "text": [_hover(study, t) for t in trials],
                  "hovertemplate": "%{text}<extra></extra>"}  # fmt: skip
        if len(axes) == 3:
            fig.add_trace(g.Scatter3d(mode="markers", **coords, **common))
        else:
            mode = "lines+markers" if name == "Pareto front" else "markers"
            fig.add_trace(g.Scatter(mode=mode, line={"color": FRONT, "width": 1}, **coords,
                                    **common))  # fmt: skip
    titles = [_axis_title(study, k) for k in axes]
    if len(axes) == 3:
        fig.update_layout(scene={"xaxis_title": titles[0], "yaxis_title": titles[1],
                                 "zaxis_title": titles[2]})  # fmt: skip
    else:
        fig.update_layout(xaxis_title=titles[0], yaxis_title=titles[1])
    fig.update_layout(title=f"Pareto front of {shown(study.name)} ({len(front)} of "
                            f"{len(front) + len(dominated)} feasible trials)")  # fmt: skip
    return fig


def hypervolume_history(
    study: Any, reference: Sequence[float] | None = None
) -> tuple[list[int], list[float], np.ndarray]:
    """(trial numbers, hypervolume of the feasible front after each, reference point as
    losses). Without ``reference`` (given in each objective's own direction), the rule
    of :func:`hypersweep.multiobjective.reference_point` on the final feasible front."""
    dirs = obj.directions(study)
    done = obj.scored(study)
    ok = [t for t in done if t.feasible]
    if not ok:
        raise ValueError(f"study {study.name!r} has no feasible COMPLETE trial yet, so its "
                         f"front has no hypervolume")  # fmt: skip
    loss = obj.loss_matrix(study, ok)
    signs = np.array([d.sign() for d in dirs])
    if reference is None:
        ref = reference_point(loss)
    else:
        ref = np.asarray(reference, dtype=float).reshape(-1)
        if ref.shape[0] != len(dirs):
            raise ValueError(f"reference_point has {ref.shape[0]} values for {len(dirs)} "
                             f"objectives")  # fmt: skip
        ref = ref * signs
    row = {t.number: i for i, t in enumerate(ok)}
    numbers: list[int] = []
    volumes: list[float] = []
    front = np.empty((0, len(dirs)))
    volume = 0.0
    for t in done:
        i = row.get(t.number)
        if i is not None:
            p = loss[i]
            covered = bool(len(front)) and bool(np.any(np.all(front <= p, axis=1)))
            if not covered and np.all(p < ref):  # only a new front point can add volume
                # what p adds: its box less the part the front already covers there
                volume += float(np.prod(ref - p)) - hypervolume(np.maximum(front, p), ref)
                front = np.vstack([front[~np.all(p <= front, axis=1)], p])
        numbers.append(t.number)
        volumes.append(volume)
    return numbers, volumes, ref


def plot_hypervolume_history(study: Study, reference_point: Sequence[float] | None = None) -> Any:
    """The hypervolume of the feasible front after each COMPLETE trial, by trial number.

    ``reference_point`` is given in each objective's own direction; without it, the
    nadir of the final feasible front plus 10% of its range (the rule of
    :func:`hypersweep.multiobjective.reference_point`); the title says which was used.
    """
    g = go()
    if not obj.is_multi(study):
        raise ValueError(f"study {study.name!r} has one objective: hypervolume needs two or "
                         f"more; plot_history draws this one")  # fmt: skip
    whole = _every_trial(study)
    numbers, volumes, ref = hypervolume_history(whole, reference_point)
    signs = np.array([d.sign() for d in obj.directions(study)])
    shown_ref = ", ".join(f"{shown(n)}={v:.4g}" for n, v in zip(obj.names(study), ref * signs))
    rule = "given" if reference_point is not None else "nadir of the final front + 10% of its range"
    line = g.Scatter(x=numbers, y=volumes, mode="lines+markers", line={"shape": "hv"},
                     name="hypervolume", meta={"reference_point": list(ref * signs)},
                     hovertemplate="trial %{x}<br>hypervolume %{y:.6g}<extra></extra>")  # fmt: skip
    fig = g.Figure(line)
    fig.update_layout(
        title=f"Hypervolume of the feasible front<br><sup>reference point ({rule}): "
        f"{shown_ref}</sup>", xaxis_title="trial", yaxis_title="hypervolume",
    )
    return fig
