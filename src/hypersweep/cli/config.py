"""YAML run configs: a study described in a file, run with ``hypersweep run CONFIG.yaml``.

The file is read with a *safe* loader (no YAML tag can run code); the only
code a config names is its objective's ``module:function``, which the user
asked for. Parameters are written with tags so that a space reads naturally::

    objective: train:objective        # train.py next to this file
    direction: maximize
    n_trials: 50
    space:
      lr: !float {low: 1.0e-4, high: 1.0e-1, log: true}
      model: !choice
        - {kind: knn, n_neighbors: !int {low: 1, high: 30}}
        - {kind: svm, C: !float {low: 1.0e-3, high: 1.0e3, log: true}}
      dense: !repeat {of: {units: !int {low: 8, high: 128, log: true}}, min: 1, max: 3}

The long form written by ``Space.to_json`` (``{__hs__: float, low: 0, high: 1}``)
is accepted too.
"""

from __future__ import annotations

import dataclasses
import difflib
import importlib
import math
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from ..exceptions import HypersweepError
from ..space.kinds import Categorical, Float, Int, LogNormal, Normal, Param, Repeat
from ..space.tree import TAG, Space, definition_from_json

if TYPE_CHECKING:
    from ..study import Study

DEFAULT_STORAGE = "sqlite:///hypersweep.db"

_KEYS = {
    "objective": "the function to tune, as module:function (e.g. train:objective)",
    "space": "the search space, parameters written with !float, !int, !choice, ...",
    "direction": "minimize (the default) or maximize",
    "sampler": "random (the default), grid, tpe, gp, qmc or evolution",
    "seed": "an integer, to make the search reproducible",
    "grid_points": "grid only: points per numeric parameter (default 5)",
    "grid_rounds": "grid only: refine around the best cell this many times (default 1)",
    "pruner": "none (the default), median, asha, hyperband, patience or threshold; or a "
    "mapping such as {asha: {min_resource: 1, reduction_factor: 3}}",
    "repeats": "evaluate each configuration over this many seeds (default 1)",
    "select": "with repeats: mean (the default), mean_minus_std or lcb",
    "n_trials": "the study's total number of trials",
    "timeout": "seconds after which no new trial starts",
    "study": "the study's name (default: the config file's name)",
    "storage": f"a storage URL (default {DEFAULT_STORAGE})",
}


class ConfigError(HypersweepError, ValueError):
    """A run config is wrong; the message names the file, the key and the fix."""


@dataclass(frozen=True)
class RunConfig:
    """A validated run config; ``space`` holds hypersweep parameter objects."""

    path: Path
    objective: Callable[..., Any]
    objective_ref: str
    space: Any
    direction: str = "minimize"
    sampler: str = "random"
    seed: int | None = None
    grid_points: int | None = None
    grid_rounds: int = 1
    pruner: dict[str, Any] | None = None
    repeats: int | None = None
    select: str | None = None
    n_trials: int | None = None
    timeout: float | None = None
    study: str = ""
    storage: str | None = None

    def replace(self, **changes: Any) -> RunConfig:
        """A copy with some fields changed (command-line overrides)."""
        return dataclasses.replace(self, **changes)


# --- the YAML loader ---------------------------------------------------------------
_EXPONENT = re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)[eE][-+]?[0-9]+$")


class _Loader(yaml.SafeLoader):
    """SafeLoader plus parameter tags, ``1e-3`` read as a number, and no duplicate keys."""


# YAML 1.1 reads 1e-3 and 1.0e3 (no dot, or no exponent sign) as strings; in a tuning
# config they always mean numbers.
_Loader.add_implicit_resolver("tag:yaml.org,2002:float", _EXPONENT, list("-+0123456789."))


@dataclass
class _Tagged:
    """A parameter tag as read; built into a parameter once its path is known."""

    tag: str
    args: Any
    line: int


def _construct_tagged(loader: _Loader, node: yaml.Node) -> _Tagged:
    args: Any
    if isinstance(node, yaml.MappingNode):
        args = _construct_mapping(loader, node)
    elif isinstance(node, yaml.SequenceNode):
        args = loader.construct_sequence(node, deep=True)
    else:
        args = loader.construct_scalar(node)  # type: ignore[arg-type]
    return _Tagged(node.tag, args, node.start_mark.line + 1)


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> dict[Any, Any]:
    """A duplicate key is almost always a mistake that YAML would silently resolve."""
    seen: set[Any] = set()
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge" or not isinstance(key_node, yaml.ScalarNode):
            continue
        key = loader.construct_scalar(key_node)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"the key {key!r} appears twice in one mapping; keep one",
                key_node.start_mark,
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=True)


for _tag in ("!float", "!int", "!choice", "!normal", "!lognormal", "!repeat"):
    _Loader.add_constructor(_tag, _construct_tagged)
_Loader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)


# --- building parameters ------------------------------------------------------------
_TAG_KEYS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # tag: (required keys, optional keys)
    "!float": (("low", "high"), ("log", "step", "label")),
    "!int": (("low", "high"), ("log", "step", "label")),
    "!normal": (("mu", "sigma"), ("step", "label")),
    "!lognormal": (("mu", "sigma"), ("step", "label")),
    "!repeat": (("of",), ("min", "max")),
    "!choice": (("choices",), ("label",)),
}
_EXAMPLES = {
    "!float": "!float {low: 1.0e-4, high: 1.0e-1, log: true}",
    "!int": "!int {low: 1, high: 30}",
    "!normal": "!normal {mu: 0.0, sigma: 1.0}",
    "!lognormal": "!lognormal {mu: 0.0, sigma: 1.0}",
    "!repeat": "!repeat {of: {units: !int {low: 8, high: 128}}, min: 1, max: 3}",
    "!choice": "!choice [relu, tanh]",
}


def _tag_args(tagged: _Tagged, where: str) -> dict[str, Any]:
    """The tag's arguments as a dict, with missing and unknown keys explained."""
    args = tagged.args
    if tagged.tag == "!choice" and isinstance(args, list):
        args = {"choices": args}
    elif tagged.tag in ("!float", "!int") and isinstance(args, list) and len(args) == 2:
        args = {"low": args[0], "high": args[1]}
    if not isinstance(args, dict):
        raise ValueError(
            f"{where}: {tagged.tag} needs a mapping, but got {args!r}; "
            f"write e.g. {_EXAMPLES[tagged.tag]}"
        )
    required, optional = _TAG_KEYS[tagged.tag]
    missing = [k for k in required if k not in args]
    unknown = [k for k in args if k not in required + optional]
    if missing or unknown:
        problem = f"missing {missing}" if missing else f"unknown keys {unknown}"
        raise ValueError(
            f"{where}: {tagged.tag} has {problem}; it takes {list(required + optional)}, "
            f"e.g. {_EXAMPLES[tagged.tag]}"
        )
    return dict(args)


def _make(tagged: _Tagged, args: dict[str, Any], where: str) -> Any:
    """Build the parameter; its children first, so their errors keep their own paths."""
    tag = tagged.tag
    at = f"{where} (line {tagged.line})"
    if tag == "!repeat":
        args["template"] = _build(args.pop("of"), f"{where}.of")
        return _located(at, lambda: Repeat(**args))
    if tag == "!choice":
        choices = args.pop("choices")
        if not isinstance(choices, list):
            raise ValueError(f"{at}: !choice needs a list of choices, but got {choices!r}")
        built = [_build(c, f"{where}.{i}") for i, c in enumerate(choices)]
        return _located(at, lambda: Categorical(built, **args))
    kinds: dict[str, type[Param]] = {
        "!float": Float,
        "!int": Int,
        "!normal": Normal,
        "!lognormal": LogNormal,
    }
    return _located(at, lambda: kinds[tag](**args))


def _located(where: str, make: Callable[[], Any]) -> Any:
    """Call ``make``; a ValueError from params.py gets the config path instead of "parameter"."""
    try:
        made = make()
    except (ValueError, TypeError) as exc:
        message = str(exc)
        for anonymous in ("parameter: ", "Repeat: "):
            message = message.removeprefix(anonymous)
        raise ValueError(f"{where}: {message}") from exc
    check = getattr(made, "check", None)
    if check is not None:
        check(where)  # params.py's own message, with the config path
    return made


def _build(data: Any, where: str) -> Any:
    """Turn tags and long-form dicts into parameters; errors name the path in the config."""
    if isinstance(data, _Tagged):
        return _make(data, _tag_args(data, f"{where} (line {data.line})"), where)
    if isinstance(data, dict) and TAG in data:
        inner = {
            k: _build(v, f"{where}.{k}") if k in ("of", "choices") else v for k, v in data.items()
        }
        try:
            return definition_from_json(inner)
        except (ValueError, TypeError, KeyError) as exc:
            message = str(exc).removeprefix("parameter: ")
            raise ValueError(
                f"{where}: bad long-form parameter {data!r:.120}: {message}; "
                f"write e.g. {{{TAG}: float, low: 0.0, high: 1.0}}"
            ) from exc
    if isinstance(data, dict):
        return {k: _build(v, f"{where}.{k}") for k, v in data.items()}
    if isinstance(data, list):
        return [_build(v, f"{where}.{i}") for i, v in enumerate(data)]
    return data


def parse_space(text: str, name: str = "<string>") -> Any:
    """A space definition from YAML text (tags or long form); handy in tests and notebooks.

    >>> parse_space("x: !float {low: 0, high: 1}")
    {'x': Float(low=0.0, high=1.0)}
    """
    return _build(_read_yaml(text, name), "space")


# --- reading and checking a config --------------------------------------------------
def _read_yaml(text: str, name: str) -> Any:
    try:
        return yaml.load(text, Loader=_Loader)  # _Loader is a SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        if "could not determine a constructor" in str(problem):
            problem = (
                f"{problem}. Only plain YAML and the tags !float, !int, !choice, !normal, "
                f"!lognormal and !repeat are allowed"
            )
        raise ConfigError(f"{name}{where}: not a valid config: {problem}") from None


def _fail(path: Path, key: str, problem: str) -> ConfigError:
    return ConfigError(f"{path}: {key}: {problem}")


def _check_keys(path: Path, raw: Any) -> None:
    if not isinstance(raw, dict):
        raise ConfigError(
            f"{path}: a config must be a mapping of keys ({', '.join(_KEYS)}), "
            f"but the file holds {type(raw).__name__ if raw is not None else 'nothing'}"
        )
    for key in raw:
        if key not in _KEYS:
            close = difflib.get_close_matches(str(key), list(_KEYS), n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise _fail(path, str(key), f"unknown key; {hint}the keys are: {', '.join(_KEYS)}")
    if "objective" not in raw:
        raise _fail(
            path,
            "objective",
            "missing; add e.g. 'objective: train:objective' for a function objective(params) "
            "in train.py next to the config",
        )
    if "space" not in raw:
        raise _fail(
            path,
            "space",
            "missing; add the parameters, e.g. 'space: {lr: !float {low: 1.0e-4, high: 0.1, "
            "log: true}}'",
        )


def _import_ref(path: Path, key: str, ref: Any) -> Any:
    """Import ``module:attribute``; the config's directory and the cwd are on sys.path."""
    if not isinstance(ref, str) or ref.count(":") != 1 or not all(ref.split(":")):
        raise _fail(
            path,
            key,
            f"expected 'module:name' (e.g. 'train:objective' for train.py), but got {ref!r}",
        )
    module_name, attr = ref.split(":")
    for folder in (os.getcwd(), str(path.resolve().parent)):
        if folder not in sys.path:
            sys.path.insert(0, folder)
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            raise _fail(
                path,
                key,
                f"no module {module_name!r} next to the config ({path.resolve().parent}), "
                f"in the working directory or installed; check the spelling in {ref!r}",
            ) from None
        raise _fail(path, key, f"importing {module_name!r} failed: {exc}") from exc
    except ImportError as exc:
        raise _fail(path, key, f"importing {module_name!r} failed: {exc}") from exc
    try:
        value = module
        for part in attr.split("."):
            value = getattr(value, part)
    except AttributeError:
        public = sorted(n for n in vars(module) if not n.startswith("_"))
        close = difflib.get_close_matches(attr, public, n=1)
        hint = f"did you mean {module_name}:{close[0]}? " if close else ""
        raise _fail(
            path,
            key,
            f"module {module_name!r} ({getattr(module, '__file__', '?')}) has no {attr!r}; "
            f"{hint}it defines: {', '.join(public[:20]) or 'nothing public'}",
        ) from None
    return value


def _int(path: Path, key: str, value: Any, least: int) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise _fail(path, key, f"must be an integer >= {least}, but got {value!r}")
    return value


def _choice(path: Path, key: str, value: Any, allowed: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value.lower() not in allowed:
        raise _fail(path, key, f"must be one of {', '.join(allowed)}, but got {value!r}")
    return value.lower()


def _objective(path: Path, ref: Any) -> Callable[..., Any]:
    fn = _import_ref(path, "objective", ref)
    if not callable(fn):
        raise _fail(
            path,
            "objective",
            f"{ref!r} is a {type(fn).__name__}, not a function; name a function "
            f"objective(params) that returns the number to minimize or maximize",
        )
    return fn


def _space(path: Path, raw: Any) -> Any:
    # a string is a reference to a space defined in Python: module:NAME
    definition = _import_ref(path, "space", raw) if isinstance(raw, str) else _build(raw, "space")
    try:
        compiled = Space(definition)
    except ValueError as exc:
        raise ValueError(f"{path}: space: {exc}") from exc
    if not compiled.leaves:
        raise _fail(
            path,
            "space",
            "has no parameter; tag the values to search, e.g. 'lr: !float {low: 1.0e-4, "
            "high: 0.1, log: true}' or 'kernel: !choice [linear, rbf]'",
        )
    return definition


def _sampler(path: Path, raw: dict[str, Any]) -> str:
    name = raw.get("sampler", "random")
    if not isinstance(name, str):
        raise _fail(path, "sampler", f"must be a name such as random or grid, but got {name!r}")
    from ..samplers import from_name

    try:
        from_name(name)
    except ValueError as exc:
        raise _fail(path, "sampler", str(exc)) from None
    name = name.lower()
    for key in ("grid_points", "grid_rounds"):
        if key in raw and name != "grid":
            raise _fail(path, key, f"applies to 'sampler: grid' only, not to {name!r}; remove it")
    return name


_PRUNERS = {
    "none": "NoPruning",
    "median": "Median",
    "asha": "ASHA",
    "hyperband": "Hyperband",
    "patience": "Patience",
    "threshold": "Threshold",
}


def _pruner(path: Path, raw: Any) -> dict[str, Any] | None:
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
        raise _fail(path, "pruner", f"must be a name or a one-key mapping, but got {raw!r}")
    if not isinstance(name, str) or name.lower() not in _PRUNERS:
        raise _fail(path, "pruner", f"must be one of {', '.join(_PRUNERS)}, but got {name!r}")
    if not isinstance(options, dict) or not all(isinstance(k, str) for k in options):
        raise _fail(path, "pruner", f"the options of {name} must be a mapping, got {options!r}")
    settings = {"name": name.lower(), "options": dict(options)}
    try:
        pruner_for(settings)
    except (TypeError, ValueError) as exc:
        raise _fail(path, "pruner", str(exc)) from None
    return settings


def pruner_for(settings: dict[str, Any] | None) -> Any:
    """The pruner a config asked for (None: the study's default, no pruning)."""
    if not settings:
        return None
    from .. import pruners

    return getattr(pruners, _PRUNERS[settings["name"]])(**settings.get("options", {}))


def _timeout(path: Path, value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise _fail(path, "timeout", f"must be a number of seconds > 0, but got {value!r}")
    if not math.isfinite(value):
        return None
    return float(value)


def _string(path: Path, key: str, value: Any, default: str | None) -> str | None:
    if value is None:
        return default
    if not isinstance(value, str) or not value.strip():
        raise _fail(path, key, f"must be a non-empty string, but got {value!r}")
    return value


def load_config(path: str | os.PathLike[str]) -> RunConfig:
    """Read, check and resolve a run config; raise :class:`ConfigError` saying what to fix."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{file}: no such config file") from None
    except (IsADirectoryError, UnicodeDecodeError, PermissionError) as exc:
        raise ConfigError(f"{file}: cannot read the config: {exc}") from None
    raw = _read_yaml(text, str(file))
    _check_keys(file, raw)
    sampler = _sampler(file, raw)
    return RunConfig(
        path=file,
        objective=_objective(file, raw["objective"]),
        objective_ref=str(raw["objective"]),
        space=_space(file, raw["space"]),
        direction=_choice(
            file, "direction", raw.get("direction", "minimize"), ("minimize", "maximize")
        ),
        sampler=sampler,
        seed=_int(file, "seed", raw.get("seed"), 0),
        grid_points=_int(file, "grid_points", raw.get("grid_points"), 1),
        grid_rounds=_int(file, "grid_rounds", raw.get("grid_rounds"), 1) or 1,
        pruner=_pruner(file, raw.get("pruner")),
        repeats=_int(file, "repeats", raw.get("repeats"), 1),
        select=None
        if raw.get("select") is None
        else _choice(file, "select", raw["select"], ("mean", "mean_minus_std", "lcb")),
        n_trials=_int(file, "n_trials", raw.get("n_trials"), 0),
        timeout=_timeout(file, raw.get("timeout")),
        study=_string(file, "study", raw.get("study"), file.stem) or file.stem,
        storage=_string(file, "storage", raw.get("storage"), None),
    )


def import_objective(ref: str, folder: str | os.PathLike[str]) -> Callable[..., Any]:
    """Import an objective named ``module:function``, looking in ``folder`` and the cwd first."""
    return _objective(Path(folder) / "(stored run settings)", ref)


def sampler_for(settings: dict[str, Any]) -> Any:
    """The sampler a config asked for: a name, or a Grid with its points and rounds."""
    from ..samplers import Grid

    if settings.get("sampler") == "grid":
        return Grid(
            n_points=settings.get("grid_points") or 5,
            rounds=settings.get("grid_rounds") or 1,
            seed=settings.get("seed"),
        )
    return settings.get("sampler", "random")


def run_config(cfg: RunConfig, storage_override: str | None = None, *, n_jobs: int = 1) -> Study:
    """Create or resume the config's study and run it to its budget; return the study.

    Storage: ``storage_override``, else the config's ``storage``, else
    ``sqlite:///hypersweep.db`` in the working directory.
    """
    from ..study.factory import create_study

    if cfg.sampler != "grid" and cfg.n_trials is None and cfg.timeout is None:
        raise _fail(
            cfg.path,
            "n_trials",
            f"{cfg.sampler} search needs a budget: set 'n_trials: 50' (or 'timeout: 600') in "
            "the config, or pass --n-trials",
        )
    settings = {
        "objective": cfg.objective_ref,
        "folder": str(cfg.path.resolve().parent),
        "sampler": cfg.sampler,
        "seed": cfg.seed,
        "grid_points": cfg.grid_points,
        "grid_rounds": cfg.grid_rounds,
        "pruner": cfg.pruner,
        "n_trials": cfg.n_trials,
        "timeout": cfg.timeout,
    }
    study = create_study(
        cfg.study,
        storage=storage_override or cfg.storage or DEFAULT_STORAGE,
        direction=cfg.direction,
        sampler=sampler_for(settings),
        pruner=pruner_for(cfg.pruner),
        space=cfg.space,
        load_if_exists=True,
        seed=cfg.seed,
        repeats=cfg.repeats,
        select=cfg.select,
    )
    study.set_system_attr("run", settings)  # so `hypersweep worker STUDY` can join later
    study.optimize(cfg.objective, cfg.n_trials, timeout=cfg.timeout, n_jobs=n_jobs)
    return study


__all__ = [
    "DEFAULT_STORAGE",
    "ConfigError",
    "RunConfig",
    "import_objective",
    "load_config",
    "parse_space",
    "pruner_for",
    "run_config",
    "sampler_for",
]
