"""Turning a hyperopt-style space into a hypersweep space, and values back into points.

:func:`compile_space` walks the user's space once. Every labelled node becomes
one hypersweep parameter named by its label: a :class:`~.nodes.Leaf` its own
parameter, a :class:`~.nodes.Choice` a ``Categorical`` whose options are the
translated sub-spaces (so conditional parameters stay conditional for TPE), and
an :class:`~.nodes.Expr` the parameters it depends on. The objective's value is
then computed from the study's flat values by walking the *original* space:
expressions run on the sampled numbers, choices pick their option.

``pchoice`` has no weighted categorical to map onto, so it becomes a categorical
over *slots*: an option of probability p holds p * n of n equally likely slots
(n <= 200, exact for probabilities such as 0.1/0.25/0.65; otherwise rounded, with
a warning). Random search and TPE's prior then draw the options with the given
weights. The parameters inside a pchoice's options are searched as if always
active (a slot cannot carry a branch of its own), which costs TPE some
efficiency but changes nothing else: the objective sees only the chosen option.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Callable
from typing import Any

import hypersweep as hs

from .nodes import Choice, Expr, Leaf, Node, PChoice, children, has_nodes

MAX_SLOTS = 200
Pick = Callable[[Node], Any]


class Best(dict[str, Any]):
    """What ``fmin`` returns: label -> the real value the best trial used.

    Numbers are the sampled numbers; a choice's label holds the chosen option
    itself (a value, or the evaluated sub-space), never its index. ``argmin``
    keeps hyperopt's convention (choices as indices), and :func:`space_eval`
    accepts either.
    """

    def __init__(self, values: dict[str, Any], argmin: dict[str, Any]) -> None:
        super().__init__(values)
        self.argmin = dict(argmin)


def has_params(obj: Any) -> bool:
    """True if a labelled node (something to sample) sits anywhere inside ``obj``."""
    if isinstance(obj, (Leaf, Choice, PChoice)):
        return True
    return any(has_params(c) for c in children(obj))


def pchoice_slots(label: str, probs: list[float]) -> list[int]:
    """The option index of each slot: option i holds about probs[i] of them."""
    for n in range(1, MAX_SLOTS + 1):
        counts = [p * n for p in probs]
        if all(abs(c - round(c)) < 1e-9 for c in counts):
            return [i for i, c in enumerate(counts) for _ in range(round(c))]
    n = MAX_SLOTS
    floor = [math.floor(p * n) for p in probs]
    order = sorted(range(len(probs)), key=lambda i: floor[i] - probs[i] * n)
    for i in order[: n - sum(floor)]:
        floor[i] += 1
    worst = max(abs(c / n - p) for c, p in zip(floor, probs))
    warnings.warn(
        f"hp.pchoice({label!r}): the probabilities {probs} are drawn as {n} equally likely "
        f"slots, {[c / n for c in floor]}, off by at most {worst:.4f}",
        stacklevel=4,
    )
    return [i for i, c in enumerate(floor) for _ in range(c)]


class CompiledSpace:
    """A compat space with its hypersweep translation (``definition``, ``space``)."""

    def __init__(self, space: Any) -> None:
        self.original = space
        self.nodes: dict[str, Leaf | Choice | PChoice] = {}  # label -> node, in definition order
        self._seen: set[int] = set()
        self.slots: dict[str, list[int]] = {}  # pchoice label -> option index of each slot
        self.definition = self._to_hs(space)
        self.space = hs.space.Space(self.definition)

    # --- translation --------------------------------------------------------------
    def _register(self, node: Leaf | Choice | PChoice) -> bool:
        """False if this very node was met before (a shared node is one parameter)."""
        if id(node) in self._seen:
            return False
        if node.label in self.nodes:
            raise ValueError(
                f"two different search-space nodes are labelled {node.label!r}; labels must "
                f"be unique (reuse the same node object to share one parameter)"
            )
        self._seen.add(id(node))
        self.nodes[node.label] = node
        return True

    def _to_hs(self, obj: Any) -> Any:
        if isinstance(obj, hs.space.Param):
            raise TypeError(
                f"{obj!r} is a hypersweep parameter; in a hyperopt-style space use the hp "
                f"spellings of hypersweep.compat.hyperopt (they carry the labels)"
            )
        if isinstance(obj, Leaf):
            return obj.param if self._register(obj) else None
        if isinstance(obj, Choice):
            return self._choice(obj) if self._register(obj) else None
        if isinstance(obj, PChoice):
            return self._pchoice(obj) if self._register(obj) else None
        if isinstance(obj, Expr):
            parts = [self._to_hs(c) for c in children(obj) if has_params(c)]
            return None if not parts else parts[0] if len(parts) == 1 else parts
        if isinstance(obj, dict):
            return {k: self._to_hs(v) for k, v in obj.items()}
        if isinstance(obj, tuple):
            return tuple(self._to_hs(v) for v in obj)
        if isinstance(obj, list):
            return [self._to_hs(v) for v in obj]
        return obj

    def _choice(self, node: Choice) -> Any:
        options = [
            self._to_hs(o) if has_params(o) else self._constant(o) for o in node.options
        ]
        plain = [hs.space.json_key(o) for o, p in zip(options, node.options) if not has_params(p)]
        clash = any(plain[i] == plain[j] for i in range(len(plain)) for j in range(i))
        if clash:  # e.g. [1, 1.0] or two equal constants: name the options by position
            return hs.Categorical({str(i): o for i, o in enumerate(options)}, label=node.label)
        return hs.Categorical(options, label=node.label)

    def _pchoice(self, node: PChoice) -> Any:
        slots = pchoice_slots(node.label, node.probs)
        self.slots[node.label] = slots
        named = {f"{j}.{k}": j for k, j in enumerate(slots)}
        param = hs.Categorical(named, label=node.label)
        subs = [self._to_hs(o) for o in node.options if has_params(o)]
        return [param, *subs] if subs else param

    def _constant(self, obj: Any) -> Any:
        """A parameter-free option as the sampler sees it: expressions computed once."""
        return self._walk(obj, self._no_pick, {}, {}) if has_nodes(obj) else obj

    @staticmethod
    def _no_pick(node: Node) -> Any:
        raise AssertionError(f"{node!r} has no parameter to pick")

    # --- evaluation ---------------------------------------------------------------
    def _walk(self, obj: Any, pick: Pick, vals: dict[str, Any], memo: dict[int, Any]) -> Any:
        if isinstance(obj, Node):
            if id(obj) in memo:
                return memo[id(obj)]
            if isinstance(obj, Leaf):
                out = vals[obj.label] = pick(obj)
            elif isinstance(obj, (Choice, PChoice)):
                index = vals[obj.label] = pick(obj)
                out = self._walk(obj.options[index], pick, vals, memo)
            else:
                assert isinstance(obj, Expr)
                args = [self._walk(a, pick, vals, memo) for a in obj.args]
                kwargs = {k: self._walk(v, pick, vals, memo) for k, v in obj.kwargs.items()}
                out = obj.fn(*args, **kwargs)
            memo[id(obj)] = out
            return out
        if isinstance(obj, dict):
            return {k: self._walk(v, pick, vals, memo) for k, v in obj.items()}
        if isinstance(obj, tuple):
            return tuple(self._walk(v, pick, vals, memo) for v in obj)
        if isinstance(obj, list):
            return [self._walk(v, pick, vals, memo) for v in obj]
        return obj

    def option_index(self, label: str, key: Any) -> int:
        """The option a stored categorical key stands for."""
        param = self.space.leaves[label]
        assert isinstance(param, hs.Categorical)
        position = param.index_of(key)
        return int(param.choices[position]) if label in self.slots else position

    def option_key(self, label: str, index: int) -> Any:
        """The stored categorical key of option ``index`` (a pchoice: its first slot)."""
        param = self.space.leaves[label]
        assert isinstance(param, hs.Categorical)
        if label in self.slots:
            return param.keys[self.slots[label].index(index)]
        return param.keys[index]

    def from_flat(self, flat: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        """(the objective's value, hyperopt's vals: label -> value or option index)."""
        value, vals, _real = self.evaluate_flat(flat)
        return value, vals

    def evaluate_flat(self, flat: dict[str, Any]) -> tuple[Any, dict[str, Any], dict[str, Any]]:
        """(the objective's value, hyperopt's vals, label -> real value: a choice's label
        holds the chosen option as the objective saw it)."""

        def pick(node: Node) -> Any:
            assert isinstance(node, (Leaf, Choice, PChoice))
            if node.label not in flat:
                raise KeyError(f"the trial has no value for {node.label!r}")
            value = flat[node.label]
            return value if isinstance(node, Leaf) else self.option_index(node.label, value)

        vals: dict[str, Any] = {}
        memo: dict[int, Any] = {}
        value = self._walk(self.original, pick, vals, memo)
        real = {}
        for label in vals:
            node = self.nodes[label]
            chosen = node.options[vals[label]] if isinstance(node, (Choice, PChoice)) else node
            real[label] = memo[id(chosen)] if id(chosen) in memo else self._walk(
                chosen, pick, {}, memo)  # fmt: skip
        return value, vals, real

    def from_point(self, point: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        """Evaluate a hyperopt point (label -> value; choices by index or by value)."""
        vals: dict[str, Any] = {}
        return self._walk(self.original, self._lookup(point), vals, {}), vals

    def choice_index(self, node: Choice | PChoice, value: Any, evaluate: Callable[[Any], Any]
                     ) -> int:  # fmt: skip
        """hyperopt's index convention first (an integer in range), else the option equal to
        ``value`` (a real value, as ``fmin`` returns)."""
        n = len(node.options)
        integral = isinstance(value, numbers.Integral) and not isinstance(value, bool)
        if integral and 0 <= int(value) < n:
            return int(value)
        for i, option in enumerate(node.options):
            try:
                if _equal(evaluate(option), value):
                    return i
            except (KeyError, ValueError, TypeError):
                continue
        raise ValueError(
            f"{node.label!r}: {value!r:.100} is neither an option index (0 to {n - 1}) nor "
            f"one of the options"
        )

    def to_flat(self, point: dict[str, Any]) -> dict[str, Any]:
        """A hyperopt point as the study's flat values (for ``enqueue``)."""
        pick = self._lookup(point)
        flat: dict[str, Any] = {}
        for label, value in point.items():
            node = self.nodes.get(label)
            if node is None:
                raise ValueError(f"{label!r} is not a label of this space: {sorted(self.nodes)}")
            if isinstance(node, Leaf):
                flat[label] = value
            else:
                index = self.choice_index(node, value, lambda o: self._walk(o, pick, {}, {}))
                flat[label] = self.option_key(label, index)
        return flat

    def _lookup(self, point: dict[str, Any]) -> Pick:
        """Read a node's value from a hyperopt point; a choice's value may be an index."""

        def pick(node: Node) -> Any:
            if not isinstance(node, (Leaf, Choice, PChoice)):
                raise TypeError(node)
            if node.label not in point:
                raise KeyError(f"no value for the parameter {node.label!r} in {point!r:.200}")
            value = point[node.label]
            if isinstance(node, Leaf):
                return value
            return self.choice_index(node, value, lambda o: self._walk(o, pick, {}, {}))

        return pick

    def sample(self, rng: Any = None) -> Any:
        import numpy as np

        gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
        flat = self.space.resolve(lambda _path, p: p.sample(gen))[1]
        return self.from_flat(flat)[0]

    def all_vals(self, vals: dict[str, Any]) -> dict[str, list[Any]]:
        """hyperopt's misc.vals: every label, [value] when active, [] when not."""
        return {label: [vals[label]] if label in vals else [] for label in self.nodes}


def _equal(a: Any, b: Any) -> bool:
    try:
        return bool(a == b) and isinstance(a, bool) == isinstance(b, bool)
    except Exception:  # numpy arrays compare element-wise
        return False


def compile_space(space: Any) -> CompiledSpace:
    return CompiledSpace(space)


def space_eval(space: Any, point: Any) -> Any:
    """The value of ``space`` at ``point`` (label -> value), as the objective received it.

    ``point`` may be what :func:`fmin` returns (real values: it is evaluated through
    its ``argmin``), hyperopt's convention (choices as option indices), or a plain
    dict whose choices hold the chosen values; an integer that is a valid index is
    read as an index, as hyperopt does.
    """
    if isinstance(point, Best):
        point = point.argmin
    if not isinstance(point, dict):
        raise TypeError(f"space_eval needs a dict label -> value, but got {point!r:.100}")
    return compile_space(space).from_point(point)[0]
