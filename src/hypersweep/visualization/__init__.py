"""Plots of a study (plotly, imported on first use): ``figures(study)`` gives all that apply.

Each ``plot_*`` function takes a study and returns a ``plotly.graph_objects.Figure``;
``fig.show()`` opens it, ``fig.write_html("x.html")`` saves it.
"""

from __future__ import annotations

from .figures import figures
from .history import plot_ecdf, plot_history, plot_intermediate, plot_param_history
from .params import plot_contour, plot_parallel_coordinates, plot_slice

__all__ = [
    "figures",
    "plot_contour",
    "plot_ecdf",
    "plot_history",
    "plot_intermediate",
    "plot_parallel_coordinates",
    "plot_param_history",
    "plot_slice",
]
