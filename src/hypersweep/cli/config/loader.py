"""Reading YAML safely: PyYAML's SafeLoader plus the parameter tags (``!float``,
``!int``, ``!choice``, ...), ``1e-3`` read as a number, and no duplicate keys.

No tag can run code; the tags are only recorded here (:class:`Tagged`) and built
into parameters by ``tags.py`` once their path in the config is known.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

from .schema import ConfigError

TAGS = ("!float", "!int", "!choice", "!normal", "!lognormal", "!repeat")
_EXPONENT = re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)[eE][-+]?[0-9]+$")


class Loader(yaml.SafeLoader):
    """SafeLoader plus parameter tags, ``1e-3`` read as a number, and no duplicate keys."""


# YAML 1.1 reads 1e-3 and 1.0e3 (no dot, or no exponent sign) as strings; in a tuning
# config they always mean numbers.
Loader.add_implicit_resolver("tag:yaml.org,2002:float", _EXPONENT, list("-+0123456789."))


@dataclass
class Tagged:
    """A parameter tag as read; built into a parameter once its path is known."""

    tag: str
    args: Any
    line: int


def _construct_tagged(loader: Loader, node: yaml.Node) -> Tagged:
    args: Any
    if isinstance(node, yaml.MappingNode):
        args = _construct_mapping(loader, node)
    elif isinstance(node, yaml.SequenceNode):
        args = loader.construct_sequence(node, deep=True)
    else:
        args = loader.construct_scalar(node)  # type: ignore[arg-type]
    return Tagged(node.tag, args, node.start_mark.line + 1)


def _construct_mapping(loader: Loader, node: yaml.MappingNode) -> dict[Any, Any]:
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


for _tag in TAGS:
    Loader.add_constructor(_tag, _construct_tagged)
Loader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)


def read_yaml(text: str, name: str) -> Any:
    """Parse ``text`` with :class:`Loader`; a syntax error names the file and line."""
    try:
        return yaml.load(text, Loader=Loader)  # Loader is a SafeLoader
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
