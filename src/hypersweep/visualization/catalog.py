"""Every plot that applies to a study, by title: what the report and the dashboard draw."""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any, cast

from .. import samplers
from ..history import config_key
from ..importance.table import TrialTable, completed, table_of
from ..trial import TrialState
from . import _objectives as obj
from . import history, params, pareto, summary
from ._plotly import Spec, figure_dict
from ._sample import IMPORTANCE_LIMIT, LIMIT, Snapshot, even, note

if TYPE_CHECKING:
    from ..study import Study

MIN_TRIALS_FOR_IMPORTANCE = 4
HV_FRONT_LIMIT = 50  # front points above which plan() leaves out a 4- or 5-objective hypervolume
# the plots that rank the parameters (importance and the contour of the top pair): a page
# may ask for them after the others. They once fitted a random forest (scikit-learn's
# import costs a second or more); the pages now rank with PAGE_METHOD, numpy only
FOREST_PLOTS = frozenset({"Parameter importance", "Contour of a pair"})
# the pages' importance: binned main effects (milliseconds, no scikit-learn), which rank as
# fANOVA does on the tests' studies; hs.importance.importance keeps fANOVA as its default
PAGE_METHOD = "binned"
# a population-based training run (hs.pbt.run): its lineage and schedules come first
POPULATION_PLOTS = ("Population lineage", "Hyperparameter schedules")


def _table(study: Study) -> TrialTable | None:
    try:
        return table_of(study, completed(study))
    except ValueError:
        return None


def _baseline(study: Study) -> Any:
    """The study's ``user_attrs["baseline"]``: a number or a dict of name -> number."""
    value = study.user_attrs.get("baseline")
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)) and math.isfinite(value):
        return value
    if (
        isinstance(value, dict)
        and value
        and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value.values())
    ):
        return value
    return None


def _varies(table: TrialTable) -> bool:
    values = table.values
    return bool(values.max() > values.min())


class _Ranking:
    """The study's importance (``PAGE_METHOD``), computed once for the bars and the contour's
    pair."""

    def __init__(self, study: Study, table: TrialTable | None = None) -> None:
        self.study = study
        self.table = table
        self._shares: dict[str, float] | None = None

    def shares(self) -> dict[str, float]:
        if self._shares is None:
            from ..importance import importance

            study = self.study
            done = _finite_briefs(study)
            if len(done) > IMPORTANCE_LIMIT:
                # an even spread of every COMPLETE trial (not of the plots' sample, which
                # leans to the best): each one more is a trial to read whole
                picked = even(done, IMPORTANCE_LIMIT)
                if isinstance(study, Snapshot):  # briefs: read the picked trials whole
                    picked = study.trials_of([t.number for t in picked])
                study = cast("Study", Snapshot(study, picked, len(done)))
            self._shares = importance(study, PAGE_METHOD)
        return self._shares


def _finite_briefs(study: Study) -> list[Any]:
    """Every COMPLETE trial with a finite value, as briefs when the snapshot sampled."""
    memo: dict[Any, Any] = study.memo if isinstance(study, Snapshot) else {}
    if "finite" not in memo:
        every = study.every if isinstance(study, Snapshot) and study.every else study.trials
        memo["finite"] = [t for t in every if t.state is TrialState.COMPLETE and t.values
                          and all(math.isfinite(v) for v in t.values)]  # fmt: skip
    return list(memo["finite"])


def plan(study: Study) -> list[tuple[str, Callable[[], Any]]]:
    """(title, function drawing it) for every plot that applies, in reading order.

    ``figures`` calls them all; a page may call them one by one, so that one plot
    that fails costs only itself. The study's trials are read once; above 2,000
    trials the plots draw a sample (see :func:`snapshot` and :func:`sample_note`).
    Each function returns a plotly Figure; :func:`figure_json` of one gives the
    figure's JSON instead, as a page embeds it, without plotly's graph objects.
    """
    return [(title, Drawing(make)) for title, make in _plan(snapshot(study))]


class Drawing:
    """One plot of :func:`plan`: called, the plotly Figure; ``json()``, the figure's JSON
    (built as a :class:`Spec`, plotly's graph objects neither imported nor checked)."""

    def __init__(self, make: Callable[[], Any]) -> None:
        self.make = make

    def __call__(self) -> Any:
        drawn = self.make()
        return drawn.figure() if isinstance(drawn, Spec) else drawn

    def json(self) -> dict[str, Any]:
        return figure_dict(self.make())


def figure_json(draw: Callable[[], Any]) -> dict[str, Any]:
    """The JSON of the figure a :func:`plan` function draws (any function returning a
    plotly Figure will do)."""
    return draw.json() if isinstance(draw, Drawing) else figure_dict(draw())


def _plan(study: Study) -> list[tuple[str, Callable[[], Any]]]:
    """:func:`plan` of a snapshot, the functions returning a Spec or a plotly Figure."""
    if obj.is_multi(study):
        return _multi_plan(study)
    table = _table(study)
    ranking = _Ranking(study, table)
    trials = study.trials
    plots = _population_plan(study)
    if table is not None:
        plots.append(("Optimisation history", lambda: history.plot_history.spec(study)))
        if len(table.trials) >= MIN_TRIALS_FOR_IMPORTANCE and table.columns and _varies(table):
            bars = lambda: summary.importance_figure(ranking.shares(), PAGE_METHOD)  # noqa: E731
            plots.append(("Parameter importance", bars))
    if any(t.flat for t in trials):
        plots.append(("Parameters by trial", lambda: history.plot_param_history.spec(study)))
    if table is not None and table.columns:
        plots.append(("Objective against each parameter", lambda: params.plot_slice.spec(study)))
        if len(table.trials) >= 3 and _pairs_used_together(table, table.names):
            plots.append(("Contour of a pair", lambda: _contour(study, table, ranking)))
        plots.append(("Parallel coordinates", lambda: params.plot_parallel_coordinates.spec(study)))
    if any(t.intermediate for t in trials if t.state is not TrialState.WAITING):
        plots.append(("Learning curves", lambda: history.plot_intermediate.spec(study)))
    if table is not None:
        plots.append(("Distribution of results", lambda: _ecdf(study)))
        configs = {config_key(t.flat) for t in table.trials}
        grid_sampler = isinstance(study.sampler, samplers.Grid)
        if len(configs) >= 2 and summary.is_grid(table.columns, grid_sampler=grid_sampler):
            plots.append(("The whole grid", lambda: summary.plot_grid.spec(study)))
        if summary.repeated_groups(study):
            plots.append(("Seed spread", lambda: summary.plot_seed_spread.spec(study)))
        baseline = _baseline(study)
        if baseline is not None:
            against = partial(summary.plot_baseline.spec, study, baseline)
            plots.append(("Tuned against baseline", against))
    return plots


def is_population(study: Study) -> bool:
    """Whether the study holds a population of ``hs.pbt.run`` (its settings are stored)."""
    record = getattr(study, "record", None)
    return isinstance(getattr(record, "system_attrs", None), dict) and \
        "pbt" in record.system_attrs  # type: ignore[union-attr]  # fmt: skip


def _population_plan(study: Study) -> list[tuple[str, Callable[[], Any]]]:
    """The lineage and the schedules of a population with a finished turn, else nothing."""
    if not is_population(study) or not any(t.state is TrialState.COMPLETE for t in study.trials):
        return []
    from . import lineage

    whole = study.study if isinstance(study, Snapshot) else study  # every turn, not a sample
    lineage_title, schedules_title = POPULATION_PLOTS
    return [(lineage_title, lambda: lineage.plot_lineage(whole)),
            (schedules_title, lambda: lineage.plot_schedules(whole))]  # fmt: skip


def _multi_plan(study: Study) -> list[tuple[str, Callable[[], Any]]]:
    """The plots of a study of several objectives: the front and its hypervolume, every
    objective on parallel axes, then each objective's history."""
    trials = study.trials
    done = obj.scored(study)
    labels = obj.names(study)
    plots: list[tuple[str, Callable[[], Any]]] = []
    if done and len(labels) <= 3:
        plots.append(("Pareto front", lambda: pareto.plot_pareto_front(study)))
    front = pareto.split(study, done)[0]
    if front and (len(labels) <= 3 or (len(labels) <= 5 and len(front) <= HV_FRONT_LIMIT)):
        # exact hypervolume grows exponentially with the objectives: beyond three, only
        # small fronts (plot_hypervolume_history draws any study when called directly)
        plots.append(("Hypervolume", lambda: pareto.plot_hypervolume_history(study)))
    if done:
        plots.append(("Parallel coordinates", lambda: params.plot_parallel_coordinates.spec(study)))
    if any(t.flat for t in trials):
        plots.append(("Parameters by trial", lambda: history.plot_param_history.spec(study)))
    if any(t.intermediate for t in trials if t.state is not TrialState.WAITING):
        plots.append(("Learning curves", lambda: history.plot_intermediate.spec(study)))
    for k, name in enumerate(labels if done else ()):
        plots.append((f"Optimisation history: {name}",
                      partial(history.plot_history.spec, study, objective=k)))  # fmt: skip
    return plots


def _ecdf(study: Study) -> Any:
    """The ECDF of every COMPLETE trial's value (from the briefs: a sample leaning to the
    best would bend it), drawn at no more than ``LIMIT`` evenly spaced quantiles."""
    if not (isinstance(study, Snapshot) and study.sampled):
        return history.plot_ecdf.spec(study)
    values = sorted(float(t.value) for t in _finite_briefs(study))
    picks = even(list(range(len(values))), LIMIT)
    return history.ecdf_figure(study, [values[i] for i in picks],
                               [(i + 1) / len(values) for i in picks])  # fmt: skip


def caption(study: Study, title: str) -> str | None:
    """What the plot ``title`` of a :func:`snapshot` shows when it is not every trial: a
    sample (of how many) or an aggregate (over what); None when it draws every trial."""
    if title in POPULATION_PLOTS:
        return None  # every turn of every member, read whole
    n_done = len(_finite_briefs(study))
    if title == "Parameter importance" and n_done > IMPORTANCE_LIMIT:
        return (f"Learnt from an even spread of {IMPORTANCE_LIMIT:,} of the {n_done:,} "
                f"COMPLETE trials.")  # fmt: skip
    if not (isinstance(study, Snapshot) and study.sampled):
        return None
    n, total = len(study.trials), study.total
    if title == "Distribution of results":
        return f"Aggregate: every one of the {n_done:,} COMPLETE trials' values."
    if title == "Optimisation history":
        return (f"Markers: a sample of {n:,} of {total:,} trials; the best-so-far line is "
                f"exact (the sample holds every new best).")  # fmt: skip
    if title == "Hypervolume":
        return f"Aggregate over every one of the {total:,} trials."
    if title in ("The whole grid", "Seed spread", "Tuned against baseline"):
        return f"Aggregated over a sample of {n:,} of {total:,} trials."
    return f"A sample of {n:,} of {total:,} trials."


def snapshot(study: Study, briefs: Any = None) -> Study:
    """The study with its trials read once, sampled above 2,000 (what :func:`plan` draws);
    a snapshot given again is returned as it is. ``briefs``: the storage's briefs of the
    study, when the caller has just read them."""
    if isinstance(study, Snapshot):
        return cast("Study", study)
    return cast("Study", Snapshot.of(study, briefs=briefs))


def sample_note(study: Study) -> str | None:
    """What a page should say about the sample of a :func:`snapshot` (None: all trials)."""
    return note(study) if isinstance(study, Snapshot) else None


def _contour(study: Study, table: TrialTable, ranking: _Ranking) -> Any:
    """The contour of the most important pair of parameters that trials used together."""
    names = table.names
    if len(table.trials) >= MIN_TRIALS_FOR_IMPORTANCE and _varies(table):
        names = list(ranking.shares())
    x, y = _pairs_used_together(table, names)[0]
    return params.plot_contour.spec(study, x, y)


def _pairs_used_together(table: TrialTable, names: list[str]) -> list[tuple[str, str]]:
    """Pairs of parameters that both vary among the trials that used both, most important
    first. A choice and a parameter of one of its branches never pair: where the child
    is used the choice has one value, and its contour would be a single line."""
    import numpy as np

    encoded = {c.name: c.encoded() for c in table.columns}
    pairs = []
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            x, y = encoded[a], encoded[b]
            both = ~np.isnan(x) & ~np.isnan(y)
            if both.any() and np.ptp(x[both]) > 0 and np.ptp(y[both]) > 0:
                pairs.append((a, b))
    return pairs


def figures(study: Study) -> dict[str, Any]:
    """Title -> plotly Figure for the plots that make sense for this study, in reading order.

    A study with no COMPLETE trial yet gets only the plots that need none (parameters
    and learning curves of running, pruned or failed trials); an empty study gives {}.
    The tuned-against-baseline plot appears when ``study.set_user_attr("baseline", x)``
    was called (x: a number or a dict of name -> number).
    """
    return {title: make() for title, make in plan(study)}
