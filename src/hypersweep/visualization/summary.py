"""Plots that summarise configurations: importance, the whole grid, seed spread, a baseline."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..importance.table import INACTIVE, Column, completed, same_value, table_of
from ..trial import Direction
from . import _groups
from . import _objectives as obj
from ._plotly import Plot, Spec, hover_params, shown

if TYPE_CHECKING:
    from ..study import Study


@Plot
def plot_importance(
    study: Study,
    method: str = "fanova",
    *,
    seed: int = 0,
    params: Sequence[str] | None = None,
    objective: int | str | None = None,
) -> Spec:
    """Horizontal bars of ``hs.importance.importance``, the most important parameter on top
    (for ``objective`` in a study of several)."""
    from ..importance import importance

    study = obj.single(study, objective, "plot_importance")
    return importance_figure(importance(study, method, seed=seed, params=params), method)


def importance_figure(shares: Mapping[str, float], method: str = "fanova") -> Spec:
    """Bars of importance shares already computed (name -> share, most important first)."""
    names = list(shares)[::-1]
    fig = Spec(
        dict(
            type="bar",
            x=[shares[n] for n in names],
            y=[shown(n) for n in names],
            orientation="h",
            name=method,
            text=[f"{shares[n]:.1%}" for n in names],
            textposition="auto",
        )
    )
    fig.update_layout(
        title=f"Parameter importance ({method})",
        xaxis_title="share of the error increase when shuffled"
        if method == "permutation"
        else "share of the variance",
        height=max(300, 40 * len(names) + 150),
    )
    return fig


# --- the whole grid --------------------------------------------------------------

GRID_MAX_VALUES = 25  # a parameter with more distinct values than this is not a grid axis
GRID_MAX_CELLS = 400


def is_grid(columns: Sequence[Column], *, grid_sampler: bool = False) -> bool:
    """True when every parameter takes a few values, repeated across trials, so cells can be listed.

    With a grid sampler, few values are enough; otherwise each parameter's values must
    repeat (random floats never do, so a random search is not mistaken for a grid).
    """
    if not columns:
        return False
    cells = 1
    for c in columns:
        n = len(c.distinct())
        active = sum(c.active)
        if n > GRID_MAX_VALUES or (not grid_sampler and n >= active):
            return False
        cells *= n + c.conditional
    return cells <= GRID_MAX_CELLS


def _widest(columns: Sequence[Column]) -> Column:
    """The parameter with most values, preferring those every trial used."""
    return max(columns, key=lambda c: (not c.conditional, len(c.distinct())))


def _cell_label(col: Column | None, value: Any) -> str:
    if value is INACTIVE:
        return "(inactive)"
    return shown(value) if col is None or col.categorical else f"{value:.6g}"


@Plot
def plot_grid(study: Study, x: str | None = None, *, objective: int | str | None = None) -> Spec:
    """Every cell of a grid with its mean +- std (review the whole grid, not only its best).

    Columns are the values of ``x`` (default: the parameter with most values among
    those every trial used); rows are the combinations of the other parameters.
    A cell's results are the CV split scores of ``hs.sklearn.SearchCV``, the
    repeats of a trial, or the values of all trials with those parameters; its std
    is over CV splits the population std (GridSearchCV's ``std_test_score``), over
    seeds or equal trials the sample std (as ``hs.repeats``). A study of several
    objectives draws the one ``objective`` names.
    """
    study = obj.single(study, objective, "plot_grid")
    done = completed(study)
    table = table_of(study, done)
    if not table.columns:
        raise ValueError(f"study {study.name!r} has no parameters, so it has no grid")
    xcol = table.column(x) if x is not None else _widest(table.columns)
    rest = [c for c in table.columns if c is not xcol]
    xs = xcol.distinct() + ([INACTIVE] if xcol.conditional else [])
    rows: dict[str, dict[int, _groups.Group]] = {}
    for group in _groups.group_trials(done):
        rkey = ", ".join(
            f"{shown(c.name)}={_cell_label(c, group.flat[c.name])}"
            for c in rest
            if c.name in group.flat
        )  # parameters a cell did not use are left out of its name
        value = group.flat.get(xcol.name, INACTIVE)
        col_index = next(i for i, v in enumerate(xs) if same_value(v, value))
        rows.setdefault(rkey or "(all)", {})[col_index] = group
    names = list(rows)
    z = [[rows[r][i].mean if i in rows[r] else None for i in range(len(xs))] for r in names]
    text = [[_cell_text(rows[r][i]) if i in rows[r] else "" for i in range(len(xs))] for r in names]
    minimize = study.direction is Direction.MINIMIZE
    xs_shown = [_cell_label(xcol, v) for v in xs]
    hover = [[f"{r}<br>{shown(xcol.name)}={x}<br>{t}" for x, t in zip(xs_shown, row)]
             for r, row in zip(names, text)]  # fmt: skip
    fig = Spec(
        dict(
            type="heatmap",
            z=z,
            x=xs_shown,
            y=names,
            text=text,
            customdata=hover,
            texttemplate="%{text}",
            colorscale="Viridis",
            reversescale=minimize,
            colorbar={"title": "mean"},
            hovertemplate="%{customdata}<extra></extra>",
            xgap=1,
            ygap=1,
        )
    )
    fig.update_layout(
        title="The whole grid: mean +- std of each cell, "
        + ("lower is better" if minimize else "higher is better"),
        xaxis={"title": shown(xcol.name), "type": "category"},
        yaxis={"type": "category", "autorange": "reversed"},
        height=max(350, 28 * len(names) + 200),
    )
    return fig


def _cell_text(group: _groups.Group) -> str:
    n = len(group.values)
    return f"{group.mean:.4g} +- {group.std:.2g}" + (f" (n={n})" if n > 1 else "")


# --- seed spread -----------------------------------------------------------------


def repeated_groups(study: Study, objective: int | str | None = None) -> list[_groups.Group]:
    """Configurations with more than one result (repeats, CV splits or equal trials)."""
    study = obj.single(study, objective, "repeated_groups")
    return [gr for gr in _groups.group_trials(completed(study)) if len(gr.values) > 1]


@Plot
def plot_seed_spread(study: Study, *, top: int = 20, objective: int | str | None = None) -> Spec:
    """The results of each repeated configuration, best mean first: is the best a lucky seed?

    A configuration whose results swing with the seed is unstable; picking its
    luckiest seed is overfitting. Shows the ``top`` configurations by mean (of
    ``objective`` in a study of several).
    """
    study = obj.single(study, objective, "plot_seed_spread")
    groups = repeated_groups(study)
    if not groups:
        raise ValueError(
            f"no configuration of study {study.name!r} was evaluated more than once; repeat "
            f"trials over seeds (or use cross-validation) to see their spread"
        )
    minimize = study.direction is Direction.MINIMIZE
    groups.sort(key=lambda gr: gr.mean, reverse=not minimize)
    fig = Spec()
    for gr in groups[:top]:
        name = f"trial {gr.number}" if len(gr.trials) == 1 else f"trials {gr.number}, ..."
        seeds = ["" if s is None else f"seed {shown(s)}" for s in gr.seeds]
        fig.add_trace(
            dict(
                type="box",
                y=list(gr.values),
                name=name,
                boxpoints="all",
                jitter=0.3,
                boxmean="sd",
                text=seeds,
                customdata=[hover_params(gr.flat)] * len(seeds),  # data: "%{" stays
                hovertemplate="%{y}<br>%{text}<br>%{customdata}<extra></extra>",
                meta={"mean": gr.mean, "std": gr.std},
            )
        )
    fig.update_layout(
        title="Spread of repeated configurations (best mean first; mean and std dashed)",
        yaxis_title=obj.axis_label(study, minimize),
        showlegend=False,
    )
    return fig


# --- tuned against a baseline ------------------------------------------------------


def _baselines(baseline: float | Mapping[str, float]) -> dict[str, float]:
    if isinstance(baseline, Mapping):
        items = dict(baseline)
    elif isinstance(baseline, (int, float)) and not isinstance(baseline, bool):
        items = {"baseline": baseline}
    else:
        raise TypeError(
            f"baseline must be a number or a dict of name -> number, but got {baseline!r:.80}"
        )
    if not items:
        raise ValueError("baseline: give at least one value, e.g. baseline=0.91")
    for name, v in items.items():
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise ValueError(f"baseline {name!r} must be a finite number, but got {v!r:.80}")
    return {str(k): float(v) for k, v in items.items()}


@Plot
def plot_baseline(
    study: Study, baseline: float | Mapping[str, float], *, objective: int | str | None = None
) -> Spec:
    """The best trial against one or more baseline results, as bars.

    ``baseline`` is a number (e.g. the default model's validation loss) or a dict
    of name -> number. The best trial's bar carries its std when it was repeated. A
    study of several objectives compares the feasible trial best in ``objective``.
    """
    study = obj.single(study, objective, "plot_baseline")
    bases = _baselines(baseline)
    best = study.best_trial
    minimize = study.direction is Direction.MINIMIZE
    best_value = float(best.value)  # type: ignore[arg-type]
    group = _groups.single(best)
    names = [*map(shown, bases), f"tuned (trial {best.number})"]
    values = [*bases.values(), best_value]
    stds = [0.0] * len(bases) + [group.std if len(group.values) > 1 else 0.0]

    def change(v: float) -> str:
        if v == 0:
            return ""
        gain = (v - best_value) / abs(v) if minimize else (best_value - v) / abs(v)
        return f" (tuned {'better' if gain >= 0 else 'worse'} by {abs(gain):.1%})"

    fig = Spec(
        dict(
            type="bar",
            x=names,
            y=values,
            error_y={"type": "data", "array": stds, "visible": any(stds)},
            marker={"color": ["#9e9e9e"] * len(bases) + ["#1f77b4"]},
            text=[f"{v:.4g}{change(v) if i < len(bases) else ''}" for i, v in enumerate(values)],
            textposition="auto",
            hovertext=[
                f"{n}: {v:.6g}{change(v) if i < len(bases) else ''}"
                for i, (n, v) in enumerate(zip(names, values))
            ],
        )
    )
    fig.update_layout(
        title="Tuned against baseline",
        yaxis_title=obj.axis_label(study, minimize),
        showlegend=False,
    )
    return fig
