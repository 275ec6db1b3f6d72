"""``optuna.visualization`` plots drawn by ``hs.visualization`` (plotly, imported on use).

Each function takes the compat study (or a hypersweep study) and returns a plotly
figure. Options Optuna's plots have and hypersweep's do not (``target``,
``evaluator``, several studies at once) are refused with a sentence.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from typing import Any


def _hs(study: Any) -> Any:
    return getattr(study, "hs_study", study)


def _no_target(name: str, target: Any) -> None:
    if target is not None:
        raise NotImplementedError(f"{name}: target= is not supported; the objective value is drawn")


def _plots() -> Any:
    import hypersweep as hs

    return hs.visualization


def is_available() -> bool:
    return importlib.util.find_spec("plotly") is not None


def plot_optimization_history(
    study: Any, *, target: Any = None, target_name: str = "Objective Value", error_bar: bool = False
) -> Any:
    """``hs.visualization.plot_history`` (values and the best so far)."""
    if isinstance(study, (list, tuple)):
        raise NotImplementedError("plot_optimization_history: pass one study, not a list")
    _no_target("plot_optimization_history", target)
    return _plots().plot_history(_hs(study))


def plot_param_importances(
    study: Any, evaluator: Any = None, params: Sequence[str] | None = None, *,
    target: Any = None, target_name: str = "Objective Value",
) -> Any:  # fmt: skip
    """``hs.visualization.plot_importance`` (fANOVA; ``evaluator`` is refused)."""
    _no_target("plot_param_importances", target)
    if evaluator is not None:
        raise NotImplementedError("plot_param_importances: evaluator= is not supported (fANOVA)")
    return _plots().plot_importance(_hs(study), params=params)


def plot_slice(study: Any, params: Sequence[str] | None = None, *, target: Any = None,
               target_name: str = "Objective Value") -> Any:  # fmt: skip
    _no_target("plot_slice", target)
    return _plots().plot_slice(_hs(study), params=params)


def plot_contour(study: Any, params: Sequence[str] | None = None, *, target: Any = None,
                 target_name: str = "Objective Value") -> Any:  # fmt: skip
    """One contour of two parameters (``params`` of length 2, or hypersweep's choice);
    Optuna's matrix of every pair is not drawn."""
    _no_target("plot_contour", target)
    if params is not None and len(params) != 2:
        raise NotImplementedError("plot_contour: give exactly two params (one pair is drawn)")
    x, y = (None, None) if params is None else (params[0], params[1])
    return _plots().plot_contour(_hs(study), x, y)


def plot_parallel_coordinates(
    study: Any, params: Sequence[str] | None = None, *, target: Any = None,
    target_name: str = "Objective Value",
) -> Any:  # fmt: skip
    _no_target("plot_parallel_coordinates", target)
    return _plots().plot_parallel_coordinates(_hs(study), params=params)


def plot_intermediate_values(study: Any) -> Any:
    return _plots().plot_intermediate(_hs(study))


def plot_edf(study: Any, *, target: Any = None, target_name: str = "Objective Value") -> Any:
    if isinstance(study, (list, tuple)):
        raise NotImplementedError("plot_edf: pass one study, not a list")
    _no_target("plot_edf", target)
    return _plots().plot_ecdf(_hs(study))


def plot_pareto_front(
    study: Any, *, target_names: Sequence[str] | None = None,
    include_dominated_trials: bool = True, axis_order: Sequence[int] | None = None,
    constraints_func: Any = None, targets: Any = None,
) -> Any:  # fmt: skip
    """``hs.visualization.plot_pareto_front``: two or three objectives (``axis_order``
    picks and orders them), the front highlighted. ``targets`` and ``constraints_func``
    are refused (constraints set in the objective are drawn); ``target_names`` label the
    axes."""
    if targets is not None or constraints_func is not None:
        raise NotImplementedError("plot_pareto_front: targets= and constraints_func= are not "
                                  "supported; the stored objective values are drawn")  # fmt: skip
    chosen = None if axis_order is None else list(axis_order)
    figure = _plots().plot_pareto_front(_hs(study), targets=chosen,
                                        include_dominated=include_dominated_trials)  # fmt: skip
    if target_names is not None:
        names = [str(n) for n in target_names]
        axes = {f"{a}axis": {"title": {"text": n}} for a, n in zip("xyz", names, strict=False)}
        figure.update_layout(scene=axes) if len(names) == 3 else figure.update_layout(**axes)
    return figure


def plot_hypervolume_history(study: Any, reference_point: Sequence[float]) -> Any:
    """``hs.visualization.plot_hypervolume_history`` (``reference_point`` in each
    objective's own direction, as Optuna takes it)."""
    return _plots().plot_hypervolume_history(_hs(study), reference_point=list(reference_point))


__all__ = [
    "is_available", "plot_contour", "plot_edf", "plot_hypervolume_history",
    "plot_intermediate_values", "plot_optimization_history", "plot_parallel_coordinates",
    "plot_param_importances", "plot_pareto_front", "plot_slice",
]  # fmt: skip
