"""Search spaces as plain data: nested dicts and lists whose leaves are parameters.

A :class:`Space` compiles such a structure once. It names every leaf by its
dotted path ("model.svm.C", "dense_layers.2.neurons"), walks the tree asking a
callback for each *active* leaf (so conditional branches and variable-length
lists come out right), rebuilds real values nested like the definition, and
checks a value against the definition. It knows nothing of studies.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

from .kinds import Categorical, Float, Int, LogNormal, Normal, Param, Repeat
from .stored import TAG, choice_json, constant_json, definition_from_json, mapping_json

Choose = Callable[[str, Param], Any]


class _Node:
    def walk(self, choose: Choose, flat: dict[str, Any]) -> Any:
        raise NotImplementedError

    def parse(self, value: Any, flat: dict[str, Any]) -> None:
        """Record the leaf values of ``value`` in ``flat``; ValueError if it does not fit."""
        raise NotImplementedError

    def cells(self, points: Callable[[str, Param], list[Any]]) -> list[dict[str, Any]]:
        raise NotImplementedError

    def to_json(self) -> Any:
        raise NotImplementedError

    def constant(self) -> Any:
        """The value of a node without parameters; only ConstNode has one."""
        raise TypeError


class _Const(_Node):
    def __init__(self, value: Any) -> None:
        self.value = value

    def walk(self, choose: Choose, flat: dict[str, Any]) -> Any:
        return self.value

    def parse(self, value: Any, flat: dict[str, Any]) -> None:
        if not _same(value, self.value):
            raise ValueError(f"expected the constant {self.value!r}, but got {value!r}")

    def cells(self, points: Callable[[str, Param], list[Any]]) -> list[dict[str, Any]]:
        return [{}]

    def to_json(self) -> Any:
        return constant_json(self.value)

    def constant(self) -> Any:
        return self.value


class _Leaf(_Node):
    def __init__(self, path: str, param: Param) -> None:
        self.path, self.param = path, param

    def walk(self, choose: Choose, flat: dict[str, Any]) -> Any:
        value = choose(self.path, self.param)
        flat[self.path] = value
        return value

    def parse(self, value: Any, flat: dict[str, Any]) -> None:
        if not self.param.contains(value):
            raise ValueError(f"{self.path}: {value!r} is not a valid value of {self.param!r}")
        if isinstance(self.param, Int):
            value = int(value)
        elif isinstance(self.param, (Float, Normal)):
            value = float(value)
        flat[self.path] = value

    def cells(self, points: Callable[[str, Param], list[Any]]) -> list[dict[str, Any]]:
        return [{self.path: v} for v in points(self.path, self.param)]

    def to_json(self) -> Any:
        out = {
            TAG: self.param.kind,
            **{k: v for k, v in self.param.to_json().items() if k != "kind"},
        }
        if self.param.label:
            out["label"] = self.param.label
        return out


class _Choice(_Node):
    def __init__(self, path: str, param: Categorical, branches: list[_Node]) -> None:
        self.path, self.param, self.branches = path, param, branches

    def walk(self, choose: Choose, flat: dict[str, Any]) -> Any:
        key = choose(self.path, self.param)
        flat[self.path] = key
        return self.branches[self.param.index_of(key)].walk(choose, flat)

    def parse(self, value: Any, flat: dict[str, Any]) -> None:
        errors = []
        for key, branch in zip(self.param.keys, self.branches):
            sub: dict[str, Any] = {}
            try:
                branch.parse(value, sub)
            except ValueError as exc:
                errors.append(str(exc))
                continue
            flat[self.path] = key
            flat.update(sub)
            return
        raise ValueError(
            f"{self.path}: {value!r:.200} matches none of the choices {self.param.keys!r}"
        )

    def cells(self, points: Callable[[str, Param], list[Any]]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for key, branch in zip(self.param.keys, self.branches):
            if key not in points(self.path, self.param):
                continue
            out.extend({self.path: key, **sub} for sub in branch.cells(points))
        return out

    def to_json(self) -> Any:
        return choice_json(
            self.param, [None if isinstance(b, _Const) else b.to_json() for b in self.branches]
        )


class _Repeat(_Node):
    def __init__(self, path: str, length: Int, items: list[_Node], template_json: Any) -> None:
        self.path, self.length, self.items = path, length, items
        self.template_json = template_json

    @property
    def length_path(self) -> str:
        return f"{self.path}.len"

    def walk(self, choose: Choose, flat: dict[str, Any]) -> Any:
        n = int(choose(self.length_path, self.length))
        flat[self.length_path] = n
        return [item.walk(choose, flat) for item in self.items[:n]]

    def parse(self, value: Any, flat: dict[str, Any]) -> None:
        if not isinstance(value, (list, tuple)) or not self.length.contains(len(value)):
            raise ValueError(
                f"{self.path}: expected a list of {self.length.low} to {self.length.high} "
                f"items, but got {value!r:.200}"
            )
        flat[self.length_path] = len(value)
        for item, v in zip(self.items, value):
            item.parse(v, flat)

    def cells(self, points: Callable[[str, Param], list[Any]]) -> list[dict[str, Any]]:
        out = []
        for n in points(self.length_path, self.length):
            for combo in itertools.product(*(item.cells(points) for item in self.items[:n])):
                cell = {self.length_path: n}
                for part in combo:
                    cell.update(part)
                out.append(cell)
        return out

    def to_json(self) -> Any:
        return {
            TAG: "repeat",
            "of": self.template_json,
            "min": self.length.low,
            "max": self.length.high,
        }


class _Dict(_Node):
    def __init__(self, items: list[tuple[Any, _Node]]) -> None:
        self.items = items

    def walk(self, choose: Choose, flat: dict[str, Any]) -> Any:
        return {k: node.walk(choose, flat) for k, node in self.items}

    def parse(self, value: Any, flat: dict[str, Any]) -> None:
        if not isinstance(value, dict):
            raise ValueError(f"expected a dict, but got {value!r:.200}")
        expected = {k for k, _ in self.items}
        if set(value) != expected:
            missing, extra = expected - set(value), set(value) - expected
            raise ValueError(
                f"the keys differ from the space's: missing {sorted(map(str, missing))}, "
                f"unexpected {sorted(map(str, extra))}"
            )
        for k, node in self.items:
            node.parse(value[k], flat)

    def cells(self, points: Callable[[str, Param], list[Any]]) -> list[dict[str, Any]]:
        return _product([node.cells(points) for _, node in self.items])

    def to_json(self) -> Any:
        return mapping_json([(k, node.to_json()) for k, node in self.items])


class _List(_Node):
    def __init__(self, items: list[_Node], is_tuple: bool) -> None:
        self.items, self.is_tuple = items, is_tuple

    def walk(self, choose: Choose, flat: dict[str, Any]) -> Any:
        out = [node.walk(choose, flat) for node in self.items]
        return tuple(out) if self.is_tuple else out

    def parse(self, value: Any, flat: dict[str, Any]) -> None:
        if not isinstance(value, (list, tuple)) or len(value) != len(self.items):
            raise ValueError(f"expected a list of {len(self.items)} items, but got {value!r:.200}")
        for node, v in zip(self.items, value):
            node.parse(v, flat)

    def cells(self, points: Callable[[str, Param], list[Any]]) -> list[dict[str, Any]]:
        return _product([node.cells(points) for node in self.items])

    def to_json(self) -> Any:
        items = [node.to_json() for node in self.items]
        return {TAG: "tuple", "items": items} if self.is_tuple else items


def _product(parts: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    out = []
    for combo in itertools.product(*parts):
        cell: dict[str, Any] = {}
        for part in combo:
            cell.update(part)
        out.append(cell)
    return out


def _same(a: Any, b: Any) -> bool:
    if a is b:
        return True
    try:
        return bool(a == b) and isinstance(a, bool) == isinstance(b, bool)
    except Exception:  # e.g. numpy arrays compare element-wise
        return False


def _join(prefix: str, key: Any) -> str:
    return f"{prefix}.{key}" if prefix else str(key)


def _has_params(obj: Any) -> bool:
    if isinstance(obj, (Param, Repeat)):
        return True
    if isinstance(obj, dict):
        return any(_has_params(v) for v in obj.values())
    if isinstance(obj, (list, tuple)):
        return any(_has_params(v) for v in obj)
    return False


class _Compiler:
    def __init__(self) -> None:
        self.leaves: dict[str, Param] = {}

    def add(self, path: str, param: Param) -> str:
        name = param.label or path or "value"
        if name in self.leaves:
            raise ValueError(f"{name}: two parameters have this name; names must be unique")
        param.check(name)
        self.leaves[name] = param
        return name

    def node(self, obj: Any, path: str) -> _Node:
        if isinstance(obj, Categorical):
            return self.choice(obj, path)
        if isinstance(obj, Param):
            return _Leaf(self.add(path, obj), obj)
        if isinstance(obj, Repeat):
            return self.repeat(obj, path)
        if isinstance(obj, dict):
            return _Dict([(k, self.node(v, _join(path, k))) for k, v in obj.items()])
        if isinstance(obj, (list, tuple)):
            items = [self.node(v, _join(path, i)) for i, v in enumerate(obj)]
            return _List(items, isinstance(obj, tuple))
        return _Const(obj)

    def choice(self, param: Categorical, path: str) -> _Node:
        name = param.label or path or "value"
        param.check(name)
        has_params = [_has_params(c) for c in param.choices]
        # once some choices are sub-spaces, every dict choice is a branch with a label
        is_branch = [h or (any(has_params) and isinstance(c, dict))
                     for c, h in zip(param.choices, has_params)]  # fmt: skip
        if param.names is not None:  # named choices: the names label branches too
            labels = [n if b else None for n, b in zip(param.names, is_branch)]
        else:
            labels = [
                branch_label(c, i) if b else None
                for i, (c, b) in enumerate(zip(param.choices, is_branch))
            ]
            plain_keys = [param.plain_key(i) for i, b in enumerate(is_branch) if not b]
            branch_labels = [lab for lab in labels if lab is not None]
            if len(set(branch_labels)) < len(branch_labels) or any(
                lab in plain_keys for lab in branch_labels
            ):
                labels = [str(i) if b else None for i, b in enumerate(is_branch)]
        keys = [lab if lab is not None else param.plain_key(i) for i, lab in enumerate(labels)]
        param.set_keys(keys, name)
        self.add(path, param)
        branches = [
            self.node(c, _join(name, lab)) if lab is not None else _Const(c)
            for c, lab in zip(param.choices, labels)
        ]
        return _Choice(name, param, branches)

    def repeat(self, rep: Repeat, path: str) -> _Node:
        name = path or "value"
        rep.check(name)
        length = Int(rep.min, rep.max)
        self.add(f"{name}.len", length)
        items = [self.node(rep.template, _join(name, i)) for i in range(rep.max)]
        template_json = _Compiler().node(rep.template, "").to_json()
        return _Repeat(name, length, items, template_json)


def branch_label(choice: Any, index: int) -> str:
    """The key a sub-space choice goes by: its first non-empty constant string
    (``"svm"`` for ``{"kind": "svm", ...}``), else its position. Samplers, stored
    trials and peers' translations all name branches this way."""
    if isinstance(choice, dict):
        for v in choice.values():
            if isinstance(v, str) and v:
                return v
    return str(index)


_branch_label = branch_label  # the old private name, until hypersweep.harness.peers moves on


def copy_definition(definition: Any) -> Any:
    """A copy of a definition's structure (dicts, lists, parameters) sharing its constants.

    Compiling labels a Categorical's branches and sampling caches a range's bounds:
    done on a copy, the user's objects never change (scikit-learn requires it of
    estimator arguments), while constant choices (estimators, functions) stay the
    very objects the user gave.
    """
    if isinstance(definition, Categorical):
        out = copy.copy(definition)
        out.choices = [copy_definition(c) for c in definition.choices]
        out.keys = list(definition.keys)
        return out
    if isinstance(definition, Param):
        return copy.copy(definition)
    if isinstance(definition, Repeat):
        template = copy_definition(definition.template)
        return Repeat(template, min=definition.min, max=definition.max)
    if isinstance(definition, dict):
        return {k: copy_definition(v) for k, v in definition.items()}
    if isinstance(definition, tuple):  # a named tuple too: the compiler keeps tuples plain
        return tuple(copy_definition(v) for v in definition)
    if isinstance(definition, list):
        return [copy_definition(v) for v in definition]
    return definition


class Space:
    """A compiled search space.

    >>> import hypersweep as hs
    >>> space = Space({"model": hs.Categorical([{"kind": "svm", "C": hs.Float(1e-3, 1e3, log=True)},
    ...                                         {"kind": "knn", "k": hs.Int(1, 50)}])})
    >>> sorted(space.leaves)
    ['model', 'model.knn.k', 'model.svm.C']
    >>> params = space.sample(0)
    >>> params["model"]["kind"] in ("svm", "knn")
    True
    """

    def __init__(self, definition: Any) -> None:
        if isinstance(definition, Space):
            definition = definition.definition
        self.definition: Any = definition
        compiler = _Compiler()
        self._root = compiler.node(copy_definition(definition), "")
        self.leaves: dict[str, Param] = compiler.leaves

    def __repr__(self) -> str:
        return f"Space({self.definition!r})"

    def resolve(self, choose: Choose) -> tuple[Any, dict[str, Any]]:
        """Walk the active leaves in definition order; return (nested values, flat values)."""
        flat: dict[str, Any] = {}
        return self._root.walk(choose, flat), flat

    def sample(self, rng: np.random.Generator | int | None = None) -> Any:
        """Draw one point from the prior: real values nested like the definition."""
        import numpy as np  # lazily: keeps `import hypersweep` light

        gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
        return self.resolve(lambda _path, p: p.sample(gen))[0]

    def build(self, flat: dict[str, Any]) -> Any:
        """Real nested values from flat leaf values; raise KeyError naming a missing leaf."""

        def lookup(path: str, _param: Param) -> Any:
            if path not in flat:
                raise KeyError(f"no value for the parameter {path!r}")
            return flat[path]

        return self.resolve(lookup)[0]

    def flatten(self, value: Any) -> dict[str, Any]:
        """Flat leaf values of a nested value; ValueError naming the path that does not fit."""
        flat: dict[str, Any] = {}
        self._root.parse(value, flat)
        return flat

    def validate(self, value: Any) -> None:
        """Raise ValueError if ``value`` could not have been drawn from this space."""
        self.flatten(value)

    def contains(self, value: Any) -> bool:
        try:
            self.flatten(value)
        except ValueError:
            return False
        return True

    def grid(self, points: Callable[[str, Param], list[Any]]) -> list[dict[str, Any]]:
        """Every cell of the grid (flat dicts), given the points to try per leaf."""
        return self._root.cells(points)

    def to_json(self) -> Any:
        """A JSON description, stored with a study to notice when its space changes."""
        return self._root.to_json()

    @classmethod
    def from_json(cls, data: Any) -> Space:
        return cls(definition_from_json(data))


__all__ = [
    "TAG",
    "Categorical",
    "Float",
    "Int",
    "LogNormal",
    "Normal",
    "Repeat",
    "Space",
    "definition_from_json",
]
