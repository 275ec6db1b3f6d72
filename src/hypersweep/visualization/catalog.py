"""Every plot that applies to a study, by title: what the report and the dashboard draw."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..importance.table import TrialTable, completed, table_of
from ..trial import TrialState
from . import history, params

if TYPE_CHECKING:
    from ..study import Study


def _table(study: Study) -> TrialTable | None:
    try:
        return table_of(study, completed(study))
    except ValueError:
        return None


def figures(study: Study) -> dict[str, Any]:
    """Title -> plotly Figure for the plots that make sense for this study, in reading order.

    A study with no COMPLETE trial yet gets only the plots that need none (learning
    curves of running or pruned trials); an empty study gives an empty dict.
    """
    table = _table(study)
    trials = study.trials
    plots: list[tuple[str, Callable[[], Any]]] = []
    if table is not None:
        plots.append(("Optimisation history", lambda: history.plot_history(study)))
    if any(t.flat for t in trials):
        plots.append(("Parameters by trial", lambda: history.plot_param_history(study)))
    if table is not None and table.columns:
        plots.append(("Objective against each parameter", lambda: params.plot_slice(study)))
        if len(table.columns) >= 2 and len(table.trials) >= 3:
            plots.append(("Contour", lambda: params.plot_contour(study)))
        plots.append(("Parallel coordinates", lambda: params.plot_parallel_coordinates(study)))
    if any(t.intermediate for t in trials if t.state is not TrialState.WAITING):
        plots.append(("Learning curves", lambda: history.plot_intermediate(study)))
    if table is not None:
        plots.append(("Distribution of results", lambda: history.plot_ecdf(study)))
    return {title: make() for title, make in plots}
