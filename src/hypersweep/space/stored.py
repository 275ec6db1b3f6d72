"""A space as the JSON stored with a study, and the definition rebuilt from it.

:meth:`hypersweep.space.Space.to_json` writes leaves as ``{"__hs__": kind, ...}``,
categoricals with their stored keys as ``choices`` and, where a choice is not
plain JSON (a tuple, a numpy scalar, a dict with int keys) or the choices are
named, a parallel ``values`` list in the typed form of :mod:`.values`, so that a
study loaded without its space still gives values back with their types.
Constants elsewhere in the space that are not plain JSON are written as
``{"__hs__": "value", "value": typed}``, tuples as ``{"__hs__": "tuple", "items":
[...]}`` and dicts with keys other than strings as ``{"__hs__": "dict", "items":
[[typed key, item], ...]}``.
"""

from __future__ import annotations

from typing import Any

from .kinds import Categorical, Repeat, json_key, param_from_json
from .values import decode, encode, is_plain

TAG = "__hs__"
_AS_STORED = {"key": 1}  # in ``values``: this choice comes back as its stored entry


def constant_json(value: Any) -> Any:
    """A constant of the space as stored: itself if plain JSON, else its typed form
    (or its key, :func:`hypersweep.space.json_key`, if it has none)."""
    if is_plain(value):
        return value
    try:
        return {TAG: "value", "value": encode(value)}
    except ValueError:
        return json_key(value)


def mapping_json(items: list[tuple[Any, Any]]) -> Any:
    """A dict of the space as stored, given its keys and its items' JSON."""
    if all(isinstance(k, str) for k, _ in items):
        return dict(items)
    pairs = []
    for key, item in items:
        try:
            pairs.append([encode(key), item])
        except ValueError:
            pairs.append([str(key), item])
    return {TAG: "dict", "items": pairs}


def choice_json(param: Categorical, branches: list[Any]) -> dict[str, Any]:
    """A compiled categorical as stored; ``branches`` holds each sub-space's JSON, None
    for a plain choice."""
    out: dict[str, Any] = {
        TAG: "categorical",
        "choices": [k if b is None else b for k, b in zip(param.keys, branches)],
    }
    values: list[Any] = []
    typed = False
    for choice, branch in zip(param.choices, branches):
        try:
            values.append(_AS_STORED if branch is not None else encode(choice))
        except ValueError:
            values.append(_AS_STORED)
            continue
        typed = typed or (branch is None and not is_plain(choice))
    if param.names is not None:
        out["names"] = list(param.names)
    if typed or param.names is not None:
        out["values"] = values
    if param.label:
        out["label"] = param.label
    return out


def definition_from_json(data: Any) -> Any:
    """Rebuild a space definition from :meth:`Space.to_json` (or a YAML config's data)."""
    if isinstance(data, dict) and TAG in data:
        kind = data[TAG]
        args = {k: v for k, v in data.items() if k not in (TAG, "label")}
        label = data.get("label")
        if kind == "value":
            return decode(args["value"])
        if kind == "tuple":
            return tuple(definition_from_json(v) for v in args["items"])
        if kind == "dict":
            return {decode(k): definition_from_json(v) for k, v in args["items"]}
        if kind == "repeat":
            return Repeat(definition_from_json(args["of"]), min=args["min"], max=args["max"])
        if kind == "categorical":
            return _categorical(args, label)
        param = param_from_json({"kind": kind, **args})
        param.label = label
        return param
    if isinstance(data, dict):
        return {k: definition_from_json(v) for k, v in data.items()}
    if isinstance(data, list):
        return [definition_from_json(v) for v in data]
    return data


def _categorical(args: dict[str, Any], label: str | None) -> Categorical:
    choices = [definition_from_json(c) for c in args["choices"]]
    values, names = args.get("values"), args.get("names")
    if isinstance(values, list) and len(values) == len(choices):
        choices = [c if v == _AS_STORED else decode(v) for c, v in zip(choices, values)]
    if isinstance(names, list) and len(names) == len(choices):
        return Categorical(dict(zip(names, choices)), label=label)
    return Categorical(choices, label=label)
