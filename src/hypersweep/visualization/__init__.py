"""Plots of a study (plotly, imported on first use): ``figures(study)`` gives all that apply.

Each ``plot_*`` function takes a study and returns a ``plotly.graph_objects.Figure``;
``fig.show()`` opens it, ``fig.write_html("x.html")`` saves it. A plot that cannot
be drawn (no COMPLETE trial, no learning curves, no repeats...) raises ValueError
saying why. A study of several objectives has ``plot_pareto_front``,
``plot_hypervolume_history`` and rank-coloured ``plot_parallel_coordinates``; the
other plots draw one objective, named by ``objective=`` (a name or an index).
``plan(study)`` lists the same plots as (title, function) pairs, for callers that
draw them one at a time (a page that shows the others when one fails);
``figure_json(function)`` gives one's JSON, built without plotly's graph objects.
"""

from __future__ import annotations

from .catalog import (
    FOREST_PLOTS,
    POPULATION_PLOTS,
    caption,
    figure_json,
    figures,
    is_population,
    plan,
    sample_note,
    snapshot,
)
from .history import plot_ecdf, plot_history, plot_intermediate, plot_param_history
from .lineage import plot_lineage, plot_schedules
from .params import plot_contour, plot_parallel_coordinates, plot_slice
from .pareto import plot_hypervolume_history, plot_pareto_front
from .summary import plot_baseline, plot_grid, plot_importance, plot_seed_spread

__all__ = [
    "FOREST_PLOTS",
    "POPULATION_PLOTS",
    "caption",
    "figure_json",
    "figures",
    "is_population",
    "plan",
    "plot_baseline",
    "plot_contour",
    "plot_ecdf",
    "plot_grid",
    "plot_history",
    "plot_hypervolume_history",
    "plot_importance",
    "plot_intermediate",
    "plot_lineage",
    "plot_parallel_coordinates",
    "plot_param_history",
    "plot_pareto_front",
    "plot_schedules",
    "plot_seed_spread",
    "plot_slice",
    "sample_note",
    "snapshot",
]
