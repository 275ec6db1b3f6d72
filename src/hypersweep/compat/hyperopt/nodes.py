"""The nodes of a hyperopt-style space: labelled parameters, choices and expressions.

A space is plain data (dicts, lists, tuples, constants) holding these nodes.
:class:`Leaf` wraps one of hypersweep's parameters under a label, :class:`Choice`
and :class:`PChoice` pick one of several sub-spaces, and :class:`Expr` is a
computation on other nodes (``scope.int(...)``, ``1 + hp.lognormal(...)``) that
runs after the parameters are drawn: the sampler sees only the parameters, the
objective gets the computed value.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from typing import Any


class Node:
    """Base of every node: arithmetic on a node builds an :class:`Expr`."""

    def __add__(self, other: Any) -> Expr:
        return Expr("add", operator.add, (self, other))

    def __radd__(self, other: Any) -> Expr:
        return Expr("add", operator.add, (other, self))

    def __sub__(self, other: Any) -> Expr:
        return Expr("sub", operator.sub, (self, other))

    def __rsub__(self, other: Any) -> Expr:
        return Expr("sub", operator.sub, (other, self))

    def __mul__(self, other: Any) -> Expr:
        return Expr("mul", operator.mul, (self, other))

    def __rmul__(self, other: Any) -> Expr:
        return Expr("mul", operator.mul, (other, self))

    def __truediv__(self, other: Any) -> Expr:
        return Expr("truediv", operator.truediv, (self, other))

    def __rtruediv__(self, other: Any) -> Expr:
        return Expr("truediv", operator.truediv, (other, self))

    def __floordiv__(self, other: Any) -> Expr:
        return Expr("floordiv", operator.floordiv, (self, other))

    def __rfloordiv__(self, other: Any) -> Expr:
        return Expr("floordiv", operator.floordiv, (other, self))

    def __mod__(self, other: Any) -> Expr:
        return Expr("mod", operator.mod, (self, other))

    def __pow__(self, other: Any) -> Expr:
        return Expr("pow", operator.pow, (self, other))

    def __rpow__(self, other: Any) -> Expr:
        return Expr("pow", operator.pow, (other, self))

    def __neg__(self) -> Expr:
        return Expr("neg", operator.neg, (self,))

    def __pos__(self) -> Expr:
        return Expr("pos", operator.pos, (self,))

    def __abs__(self) -> Expr:
        return Expr("abs", abs, (self,))

    def __getitem__(self, key: Any) -> Expr:
        return Expr("getitem", operator.getitem, (self, key))

    # nodes are used as dictionary keys by identity (a shared node is one parameter)
    __hash__ = object.__hash__

    def __bool__(self) -> bool:
        raise TypeError(
            "a search-space node has no truth value before it is sampled; compute with it "
            "inside the objective, or with scope functions (scope.switch, ...)"
        )


class Leaf(Node):
    """One labelled parameter; ``param`` is the hypersweep parameter the sampler sees."""

    def __init__(self, label: str, param: Any, spelling: str) -> None:
        self.label, self.param, self.spelling = label, param, spelling

    def __repr__(self) -> str:
        return f"hp.{self.spelling}({self.label!r}) -> {self.param!r}"


class Choice(Node):
    """One of ``options`` (values or sub-spaces), chosen with equal prior weight."""

    def __init__(self, label: str, options: Sequence[Any]) -> None:
        self.label, self.options = label, list(options)

    def __repr__(self) -> str:
        return f"hp.choice({self.label!r}, {self.options!r:.200})"


class PChoice(Node):
    """One of ``options`` drawn with the probabilities ``probs`` (hyperopt's ``pchoice``)."""

    def __init__(self, label: str, probs: Sequence[float], options: Sequence[Any]) -> None:
        self.label, self.probs, self.options = label, list(probs), list(options)

    def __repr__(self) -> str:
        pairs = list(zip(self.probs, self.options))
        return f"hp.pchoice({self.label!r}, {pairs!r:.200})"


class Expr(Node):
    """``fn(*args, **kwargs)`` computed once the nodes among the arguments have values."""

    def __init__(
        self,
        name: str,
        fn: Callable[..., Any],
        args: Sequence[Any],
        kwargs: dict[str, Any] | None = None,
    ) -> None:
        self.name, self.fn, self.args, self.kwargs = name, fn, tuple(args), dict(kwargs or {})

    def __repr__(self) -> str:
        parts = [repr(a) for a in self.args] + [f"{k}={v!r}" for k, v in self.kwargs.items()]
        return f"{self.name}({', '.join(parts)})"


def children(obj: Any) -> list[Any]:
    """The parts of a space element to walk into (options, arguments, items)."""
    if isinstance(obj, (Choice, PChoice)):
        return list(obj.options)
    if isinstance(obj, Expr):
        return [*obj.args, *obj.kwargs.values()]
    if isinstance(obj, dict):
        return list(obj.values())
    if isinstance(obj, (list, tuple)):
        return list(obj)
    return []


def has_nodes(obj: Any) -> bool:
    """True if ``obj`` holds a node anywhere inside."""
    if isinstance(obj, Node):
        return True
    return any(has_nodes(c) for c in children(obj))
