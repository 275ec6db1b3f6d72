"""The sampler and pruner a config (or a study's stored run settings) asks for."""

from __future__ import annotations

from typing import Any

PRUNERS = {
    "none": "NoPruning",
    "median": "Median",
    "asha": "ASHA",
    "hyperband": "Hyperband",
    "patience": "Patience",
    "threshold": "Threshold",
}


def pruner_for(settings: dict[str, Any] | None) -> Any:
    """The pruner a config asked for (None: the study's default, hs.pruners.default_pruner())."""
    if not settings:
        return None
    from ... import pruners

    return getattr(pruners, PRUNERS[settings["name"]])(**settings.get("options", {}))


def sampler_for(settings: dict[str, Any]) -> Any:
    """The sampler a config asked for: a name, or a Grid with its points and rounds."""
    from ...samplers import Grid

    if settings.get("sampler") == "grid":
        return Grid(
            n_points=settings.get("grid_points") or 5,
            rounds=settings.get("grid_rounds") or 1,
            seed=settings.get("seed"),
        )
    return settings.get("sampler", "random")
