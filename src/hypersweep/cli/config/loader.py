"""Reading YAML safely: PyYAML's SafeLoader plus the parameter tags (``!float``,
``!int``, ``!choice``, ...), ``1e-3`` read as a number, and no duplicate keys.

No tag can run code; the tags are only recorded here (:class:`Tagged`) and built
into parameters by ``tags.py`` once their path in the config is known.

Anchors and aliases are allowed, but a config may not expand to more than
:data:`MAX_NODES` values once every alias is written out: nested aliases (the
"billion laughs") would otherwise let a 13-line file take minutes, gigabytes and
a bloated study database. The expanded size is counted on the composed node
graph, where each anchored node is counted once and reused, so the check costs
the length of the file, not of its expansion.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

from .schema import ConfigError

MAX_NODES = 100_000  # values a config may hold with its aliases expanded
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


def expanded_size(root: yaml.Node) -> int | None:
    """How many nodes ``root`` holds with every alias written out; None if it contains itself.

    Each distinct node is visited once (an alias is the same node object again), so
    this is linear in the file even when the expansion is astronomically large.
    """
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            open_nodes.discard(key)
            sizes[key] = 1 + sum(sizes[id(c)] for c in _children(node))
            continue
        if key in sizes:
            continue
        if key in open_nodes:
            return None  # an alias inside its own anchor: the value would be infinite
        open_nodes.add(key)
        stack.append((node, True))
        for child in _children(node):
            if id(child) in open_nodes:
                return None
            if id(child) not in sizes:
                stack.append((child, False))
    return sizes[id(root)]


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _check_size(node: yaml.Node, name: str) -> None:
    size = expanded_size(node)
    if size is None:
        raise ConfigError(
            f"{name}: not a valid config: an alias refers to the anchor it sits inside, "
            f"which makes an endless value; write that part out without the alias"
        )
    if size > MAX_NODES:
        raise ConfigError(
            f"{name}: not a valid config: with its aliases written out it holds {size:,} "
            f"values, over the limit of {MAX_NODES:,} for a config; write the repeated "
            f"parts out or use fewer aliases nested inside anchors"
        )


def read_yaml(text: str, name: str) -> Any:
    """Parse ``text`` with :class:`Loader`; a syntax error names the file and line.

    A document that expands to more than :data:`MAX_NODES` values through its
    aliases is refused before anything is built from it.
    """
    try:
        return _load(text, name)
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


def _load(text: str, name: str) -> Any:
    """``yaml.load`` with the size check between composing and constructing."""
    loader = Loader(text)  # a SafeLoader: no tag can run code
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_size(node, name)
        return loader.construct_document(node)
    finally:
        loader.dispose()
