"""``scope``: functions applied to sampled values, as hyperopt's ``pyll.scope``.

``scope.int(hp.quniform("n", 1, 10, 1))`` gives the objective an ``int``;
``scope.float``, ``scope.exp``, ``scope.log``, ``scope.sqrt``, ``scope.minimum``,
``scope.maximum``, ``scope.switch`` and the other names below work the same way,
and ``@scope.define`` makes your own function usable as ``scope.my_function(...)``.
Arithmetic on nodes (``1 + hp.lognormal(...)``) needs no scope at all.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from typing import Any, TypeVar

from ..nodes import Expr

F = TypeVar("F", bound=Callable[..., Any])


def _switch(index: Any, *options: Any) -> Any:
    return options[int(index)]


_BUILTIN: dict[str, Callable[..., Any]] = {
    "int": int,
    "float": float,
    "bool": bool,
    "str": str,
    "len": len,
    "abs": abs,
    "round": round,
    "minimum": min,
    "maximum": max,
    "exp": math.exp,
    "log": math.log,
    "sqrt": math.sqrt,
    "pow": operator.pow,
    "add": operator.add,
    "sub": operator.sub,
    "mul": operator.mul,
    "truediv": operator.truediv,
    "floordiv": operator.floordiv,
    "neg": operator.neg,
    "switch": _switch,
    "list": lambda *items: list(items),
    "tuple": lambda *items: tuple(items),
    "dict": dict,
}


class Scope:
    """Builds expression nodes by name: ``scope.int(node)`` is ``int`` applied after sampling."""

    def __init__(self) -> None:
        self._functions: dict[str, Callable[..., Any]] = dict(_BUILTIN)

    def define(self, fn: F) -> F:
        """Register ``fn`` under its name, so ``scope.<name>(...)`` applies it after sampling."""
        self._functions[fn.__name__] = fn
        return fn

    define_pure = define

    def define_info(self, **_info: Any) -> Callable[[F], F]:
        """hyperopt's ``define_info(o_len=...)``: the extra information is not needed here."""
        return self.define

    def __getattr__(self, name: str) -> Callable[..., Expr]:
        functions = self.__dict__.get("_functions", {})
        if name not in functions:
            raise AttributeError(
                f"scope has no function {name!r}; define it with @scope.define "
                f"(known: {', '.join(sorted(functions))})"
            )
        fn = functions[name]

        def build(*args: Any, **kwargs: Any) -> Expr:
            return Expr(name, fn, args, kwargs)

        build.__name__ = name
        return build


scope = Scope()

__all__ = ["Scope", "scope"]
