"""Checking each key of a config; every error names the file, the key, the value
and the fix (with a "did you mean" for a misspelt key or function)."""

from __future__ import annotations

import difflib
import importlib
import math
import os
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from ..._checks import int_at_least, number_above
from ...space.tree import Space
from .makers import PRUNERS, pruner_for
from .schema import KEYS, ConfigError, fail
from .tags import build


def check_keys(path: Path, raw: Any) -> None:
    """A mapping of known keys, with the two that have no default."""
    if not isinstance(raw, dict):
        raise ConfigError(
            f"{path}: a config must be a mapping of keys ({', '.join(KEYS)}), "
            f"but the file holds {type(raw).__name__ if raw is not None else 'nothing'}"
        )
    for key in raw:
        if key not in KEYS:
            close = difflib.get_close_matches(str(key), list(KEYS), n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise fail(path, str(key), f"unknown key; {hint}the keys are: {', '.join(KEYS)}")
    if "objective" not in raw:
        raise fail(
            path,
            "objective",
            "missing; add e.g. 'objective: train:objective' for a function objective(params) "
            "in train.py next to the config",
        )
    if "space" not in raw:
        raise fail(
            path,
            "space",
            "missing; add the parameters, e.g. 'space: {lr: !float {low: 1.0e-4, high: 0.1, "
            "log: true}}'",
        )


def _import_module(path: Path, key: str, ref: str, module_name: str) -> ModuleType:
    """Import the module of ``module:name``; the config's directory and the cwd come first."""
    for folder in (os.getcwd(), str(path.resolve().parent)):
        if folder not in sys.path:
            sys.path.insert(0, folder)
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            raise fail(
                path,
                key,
                f"no module {module_name!r} next to the config ({path.resolve().parent}), "
                f"in the working directory or installed; check the spelling in {ref!r}",
            ) from None
        raise fail(path, key, f"importing {module_name!r} failed: {exc}") from exc
    except ImportError as exc:
        raise fail(path, key, f"importing {module_name!r} failed: {exc}") from exc


def import_ref(path: Path, key: str, ref: Any) -> Any:
    """Import ``module:attribute``; the config's directory and the cwd are on sys.path."""
    if not isinstance(ref, str) or ref.count(":") != 1 or not all(ref.split(":")):
        raise fail(
            path,
            key,
            f"expected 'module:name' (e.g. 'train:objective' for train.py), but got {ref!r}",
        )
    module_name, attr = ref.split(":")
    module = _import_module(path, key, ref, module_name)
    try:
        value: Any = module
        for part in attr.split("."):
            value = getattr(value, part)
    except AttributeError:
        public = sorted(n for n in vars(module) if not n.startswith("_"))
        close = difflib.get_close_matches(attr, public, n=1)
        hint = f"did you mean {module_name}:{close[0]}? " if close else ""
        raise fail(
            path,
            key,
            f"module {module_name!r} ({getattr(module, '__file__', '?')}) has no {attr!r}; "
            f"{hint}it defines: {', '.join(public[:20]) or 'nothing public'}",
        ) from None
    return value


def integer(path: Path, key: str, value: Any, least: int) -> int | None:
    """None, or an integer >= ``least`` (the package's one integer rule)."""
    if value is None:
        return None
    try:
        # owner "FILE", name "KEY:" -> "FILE: KEY: must be an integer >= ..."
        return int_at_least(str(path), f"{key}:", value, least)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def one_of(path: Path, key: str, value: Any, allowed: tuple[str, ...]) -> str:
    """One of ``allowed``, case-insensitive, returned in lower case."""
    if not isinstance(value, str) or value.lower() not in allowed:
        raise fail(path, key, f"must be one of {', '.join(allowed)}, but got {value!r}")
    return value.lower()


def objective(path: Path, ref: Any) -> Callable[..., Any]:
    """The function ``module:function`` names."""
    fn = import_ref(path, "objective", ref)
    if not callable(fn):
        raise fail(
            path,
            "objective",
            f"{ref!r} is a {type(fn).__name__}, not a function; name a function "
            f"objective(params) that returns the number to minimize or maximize",
        )
    return fn


def space(path: Path, raw: Any) -> Any:
    """The space definition, checked by compiling it once."""
    # a string is a reference to a space defined in Python: module:NAME
    definition = import_ref(path, "space", raw) if isinstance(raw, str) else build(raw, "space")
    try:
        compiled = Space(definition)
    except ValueError as exc:
        raise ValueError(f"{path}: space: {exc}") from exc
    if not compiled.leaves:
        raise fail(
            path,
            "space",
            "has no parameter; tag the values to search, e.g. 'lr: !float {low: 1.0e-4, "
            "high: 0.1, log: true}' or 'kernel: !choice [linear, rbf]'",
        )
    return definition


def sampler(path: Path, raw: dict[str, Any]) -> str:
    """A sampler name the library knows; grid options only with the grid."""
    name = raw.get("sampler", "tpe")
    if not isinstance(name, str):
        raise fail(path, "sampler", f"must be a name such as tpe, random or grid, but got {name!r}")
    from ...samplers import from_name

    try:
        from_name(name)
    except ValueError as exc:
        raise fail(path, "sampler", str(exc)) from None
    name = name.lower()
    for key in ("grid_points", "grid_rounds"):
        if key in raw and name != "grid":
            raise fail(path, key, f"applies to 'sampler: grid' only, not to {name!r}; remove it")
    return name


def pruner(path: Path, raw: Any) -> dict[str, Any] | None:
    """``pruner: asha`` or ``pruner: {asha: {reduction_factor: 3}}`` as {"name", "options"},
    checked by building it once, so a wrong option fails before the first trial."""
    if raw is None:
        return None
    options: Any
    if isinstance(raw, str):
        name, options = raw, {}
    elif isinstance(raw, dict) and len(raw) == 1:
        ((name, options),) = raw.items()
        options = {} if options is None else options
    else:
        raise fail(path, "pruner", f"must be a name or a one-key mapping, but got {raw!r}")
    if not isinstance(name, str) or name.lower() not in PRUNERS:
        raise fail(path, "pruner", f"must be one of {', '.join(PRUNERS)}, but got {name!r}")
    if not isinstance(options, dict) or not all(isinstance(k, str) for k in options):
        raise fail(path, "pruner", f"the options of {name} must be a mapping, got {options!r}")
    settings = {"name": name.lower(), "options": dict(options)}
    try:
        pruner_for(settings)
    except (TypeError, ValueError) as exc:
        raise fail(path, "pruner", str(exc)) from None
    return settings


def timeout(path: Path, value: Any) -> float | None:
    """Seconds > 0; None (no limit) for none or infinity."""
    if value is None:
        return None
    try:
        seconds = number_above(str(path), "timeout:", value, 0, what="a number of seconds")
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    return seconds if math.isfinite(seconds) else None


def text(path: Path, key: str, value: Any, default: str | None) -> str | None:
    """A non-empty string, or ``default`` when the key is absent."""
    if value is None:
        return default
    if not isinstance(value, str) or not value.strip():
        raise fail(path, key, f"must be a non-empty string, but got {value!r}")
    return value


def objectives(
    path: Path, raw: dict[str, Any]
) -> tuple[tuple[str, ...] | None, tuple[str, ...] | None]:
    """``directions`` (a list of minimize/maximize) and ``objective_names`` (one each)."""
    given = raw.get("directions")
    names = raw.get("objective_names")
    if given is None:
        if names is not None:
            raise fail(path, "objective_names", "goes with 'directions: [...]'; add it")
        return None, None
    if "direction" in raw:
        raise fail(path, "directions", "give direction (one objective) or directions, not both")
    if not isinstance(given, list) or not given:
        raise fail(path, "directions", f"must be a list such as [maximize, minimize], "
                   f"but got {given!r}")  # fmt: skip
    dirs = tuple(one_of(path, "directions", d, ("minimize", "maximize")) for d in given)
    if names is None:
        return dirs, None
    if (not isinstance(names, list) or len(names) != len(dirs) or len(set(map(str, names)))
            != len(names) or not all(isinstance(n, str) and n for n in names)):  # fmt: skip
        raise fail(path, "objective_names", f"must list {len(dirs)} distinct names, one per "
                   f"direction, but got {names!r}")  # fmt: skip
    return dirs, tuple(names)


def default_sampler(n_objectives: int) -> str:
    """The sampler name a config gets when it names none: what ``create_study`` chooses."""
    from ...study.factory import choose_sampler

    return type(choose_sampler(None, None, n_objectives)).__name__.lower()
