"""Building parameters from the tags of a config (``!float {low: 0, high: 1}``) and
from the long form ``Space.to_json`` writes; every error names the config path."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...space.kinds import Categorical, Float, Int, LogNormal, Normal, Param, Repeat
from ...space.tree import TAG, definition_from_json
from .loader import Tagged, read_yaml

TAG_KEYS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # tag: (required keys, optional keys)
    "!float": (("low", "high"), ("log", "step", "label")),
    "!int": (("low", "high"), ("log", "step", "label")),
    "!normal": (("mu", "sigma"), ("step", "label")),
    "!lognormal": (("mu", "sigma"), ("step", "label")),
    "!repeat": (("of",), ("min", "max")),
    "!choice": (("choices",), ("label",)),
}
EXAMPLES = {
    "!float": "!float {low: 1.0e-4, high: 1.0e-1, log: true}",
    "!int": "!int {low: 1, high: 30}",
    "!normal": "!normal {mu: 0.0, sigma: 1.0}",
    "!lognormal": "!lognormal {mu: 0.0, sigma: 1.0}",
    "!repeat": "!repeat {of: {units: !int {low: 8, high: 128}}, min: 1, max: 3}",
    "!choice": "!choice [relu, tanh]",
}
NUMERIC: dict[str, type[Param]] = {
    "!float": Float,
    "!int": Int,
    "!normal": Normal,
    "!lognormal": LogNormal,
}


def tag_args(tagged: Tagged, where: str) -> dict[str, Any]:
    """The tag's arguments as a dict, with missing and unknown keys explained."""
    args = tagged.args
    if tagged.tag == "!choice" and isinstance(args, list):
        args = {"choices": args}
    elif tagged.tag in ("!float", "!int") and isinstance(args, list) and len(args) == 2:
        args = {"low": args[0], "high": args[1]}
    if not isinstance(args, dict):
        raise ValueError(
            f"{where}: {tagged.tag} needs a mapping, but got {args!r}; "
            f"write e.g. {EXAMPLES[tagged.tag]}"
        )
    required, optional = TAG_KEYS[tagged.tag]
    missing = [k for k in required if k not in args]
    unknown = [k for k in args if k not in required + optional]
    if missing or unknown:
        problem = f"missing {missing}" if missing else f"unknown keys {unknown}"
        raise ValueError(
            f"{where}: {tagged.tag} has {problem}; it takes {list(required + optional)}, "
            f"e.g. {EXAMPLES[tagged.tag]}"
        )
    return dict(args)


def make(tagged: Tagged, args: dict[str, Any], where: str) -> Any:
    """Build the parameter; its children first, so their errors keep their own paths."""
    tag = tagged.tag
    at = f"{where} (line {tagged.line})"
    if tag == "!repeat":
        args["template"] = build(args.pop("of"), f"{where}.of")
        return located(at, lambda: Repeat(**args))
    if tag == "!choice":
        choices = args.pop("choices")
        if not isinstance(choices, list):
            raise ValueError(f"{at}: !choice needs a list of choices, but got {choices!r}")
        built = [build(c, f"{where}.{i}") for i, c in enumerate(choices)]
        return located(at, lambda: Categorical(built, **args))
    return located(at, lambda: NUMERIC[tag](**args))


def located(where: str, create: Callable[[], Any]) -> Any:
    """Call ``create``; a ValueError from the parameter kinds gets the config path
    instead of "parameter"."""
    try:
        made = create()
    except (ValueError, TypeError) as exc:
        message = str(exc)
        for anonymous in ("parameter: ", "Repeat: "):
            message = message.removeprefix(anonymous)
        raise ValueError(f"{where}: {message}") from exc
    check = getattr(made, "check", None)
    if check is not None:
        check(where)  # the parameter's own message, with the config path
    return made


def _long_form(data: dict[str, Any], where: str) -> Any:
    """``{__hs__: float, low: 0, high: 1}``, as ``Space.to_json`` writes it."""
    inner = {k: build(v, f"{where}.{k}") if k in ("of", "choices") else v for k, v in data.items()}
    try:
        return definition_from_json(inner)
    except (ValueError, TypeError, KeyError) as exc:
        message = str(exc).removeprefix("parameter: ")
        raise ValueError(
            f"{where}: bad long-form parameter {data!r:.120}: {message}; "
            f"write e.g. {{{TAG}: float, low: 0.0, high: 1.0}}"
        ) from exc


def build(data: Any, where: str) -> Any:
    """Turn tags and long-form dicts into parameters; errors name the path in the config."""
    if isinstance(data, Tagged):
        return make(data, tag_args(data, f"{where} (line {data.line})"), where)
    if isinstance(data, dict) and TAG in data:
        return _long_form(data, where)
    if isinstance(data, dict):
        return {k: build(v, f"{where}.{k}") for k, v in data.items()}
    if isinstance(data, list):
        return [build(v, f"{where}.{i}") for i, v in enumerate(data)]
    return data


def parse_space(text: str, name: str = "<string>") -> Any:
    """A space definition from YAML text (tags or long form); handy in tests and notebooks.

    >>> parse_space("x: !float {low: 0, high: 1}")
    {'x': Float(low=0.0, high=1.0)}
    """
    return build(read_yaml(text, name), "space")
