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


__all__ = [
    "is_available", "plot_contour", "plot_edf", "plot_intermediate_values",
    "plot_optimization_history", "plot_parallel_coordinates", "plot_param_importances",
    "plot_slice",
]  # fmt: skip
