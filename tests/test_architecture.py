"""The layers of docs/architecture.md hold: no import circle, imports point only
downwards, no module reaches another's private names, modules stay small, and
the core imports light."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "hypersweep"
MAX_LINES = 500

# package (or root module) -> what it must never import from hypersweep
FORBIDDEN = {
    "trial": {"space", "history", "storage", "samplers", "pruners", "study", "cli"},
    "space": {"history", "storage", "samplers", "pruners", "study", "cli", "training"},
    "history": {"storage", "samplers", "pruners", "study", "cli"},
    "storage": {"space", "history", "samplers", "pruners", "study", "cli"},
    "samplers": {"storage", "study", "executors", "cli", "training"},
    "pruners": {"storage", "study", "samplers", "executors", "cli", "training"},
    "executors": {"cli", "sklearn", "harness", "integrations", "report"},
    "sklearn": {"cli", "harness", "executors"},
    "integrations": {"storage", "samplers", "pruners", "space", "history", "executors", "cli",
                     "harness", "report", "study"},  # the public API only; fmt: skip
    "compat": {"storage", "samplers", "pruners", "space", "history", "executors", "cli",
               "harness", "report", "study"},  # the public API only; fmt: skip
    "importance": {"cli", "report", "visualization", "executors"},
    "visualization": {"cli", "report", "executors", "storage"},
    "report": {"samplers", "pruners", "executors"},
    "multiobjective": {"storage", "study", "samplers", "pruners", "executors", "cli", "report",
                       "visualization", "harness", "sklearn", "integrations", "compat",
                       "transfer", "pbt", "importance", "training"},
    "pbt": {"cli", "report", "harness", "sklearn", "integrations", "executors", "visualization",
            "importance", "compat", "transfer"},
    "transfer": {"samplers", "pruners", "study", "executors", "cli", "harness", "report",
                 "sklearn", "integrations", "compat", "visualization", "importance"},
}
# the study package is layered inside too: a module never imports the ones above it
STUDY_ORDER = ["signals", "progress", "repeats", "cache", "handle", "options", "core", "past",
               "liveness", "loop", "processes", "export", "stability", "facade", "factory",
               "oneshot"]  # fmt: skip


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    return {module_name(p): p for p in PACKAGE.rglob("*.py")}


def resolve(importer: str, is_package: bool, node: ast.ImportFrom) -> list[str]:
    """The hypersweep modules an ImportFrom loads (a name may be a submodule)."""
    if node.level:
        base = importer.split(".") if is_package else importer.split(".")[:-1]
        base = base[: len(base) - node.level + 1]
        target = ".".join(base + ([node.module] if node.module else []))
    else:
        target = node.module or ""
    if not target.startswith("hypersweep"):
        return []
    found = [target] if target in modules() else []
    found += [f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in modules()]
    return found


@cache
def imports_of(name: str) -> frozenset[str]:
    """Every hypersweep module ``name`` imports anywhere (top level, TYPE_CHECKING, local),
    with the packages whose ``__init__`` that import runs."""
    path = modules()[name]
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            found.update(resolve(name, path.name == "__init__.py", node))
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name in modules())
    with_parents: set[str] = set()
    for target in found:
        parts = target.split(".")
        for i in range(2, len(parts) + 1):
            parent = ".".join(parts[:i])
            if not name.startswith(parent + ".") and parent != name:
                with_parents.add(parent)
    return frozenset(with_parents)


def cycles(nodes: list[str], edges: Callable[[str], frozenset[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges(v):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for v in nodes:
        if v not in index:
            visit(v)
    return found


def test_no_import_circle() -> None:
    assert cycles(sorted(modules()), imports_of) == []


def test_the_cycle_finder_sees_a_circle() -> None:
    """A broken finder would pass the test above whatever the code: check it finds one."""
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert cycles(sorted(graph), lambda v: frozenset(graph[v])) == [["a", "b", "c"]]


def layer_of(name: str) -> str:
    return name.split(".")[1] if "." in name else name


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_imports_point_downwards(layer: str) -> None:
    mine = [m for m in modules() if layer_of(m) == layer]
    assert mine, layer
    for name in mine:
        bad = {layer_of(t) for t in imports_of(name)} & FORBIDDEN[layer]
        assert not bad, f"{name} imports {sorted(bad)}"


def test_study_modules_import_only_those_below() -> None:
    rank = {f"hypersweep.study.{m}": i for i, m in enumerate(STUDY_ORDER)}
    assert set(rank) | {"hypersweep.study"} == {m for m in modules() if layer_of(m) == "study"}
    for name, r in rank.items():
        above = [t for t in imports_of(name) if rank.get(t, -1) > r]
        assert not above, f"{name} imports {above}, which sit above it"


def private_names(name: str) -> set[str]:
    """Private names a module defines: its own functions, classes, globals, attributes."""
    tree = ast.parse(modules()[name].read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found.add(node.name)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            found.add(node.attr)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            found.add(node.id)
        elif isinstance(node, ast.arg):
            found.add(node.arg)
    return {n for n in found if n.startswith("_") and not n.startswith("__")}


def test_no_module_reaches_private_names_of_another() -> None:
    bad = []
    for name, path in modules().items():
        tree = ast.parse(path.read_text())
        own = private_names(name)
        package = name.rsplit(".", 1)[0] if path.name != "__init__.py" else name
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level + (node.module or "").count("hyp"):
                targets = resolve(name, path.name == "__init__.py", node)
                for alias in node.names:
                    private = alias.name.startswith("_") and not alias.name.startswith("__")
                    outside = any(not t.startswith(package) for t in targets)
                    if private and outside:
                        bad.append(f"{name} imports {alias.name} from {targets}")
            elif (
                isinstance(node, ast.Attribute)
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
                and node.attr not in own
                and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))
            ):
                bad.append(f"{name}:{node.lineno} reads .{node.attr}")
    assert not bad, "\n".join(bad)


def test_no_module_over_the_line_limit() -> None:
    long = {
        name: n
        for name, path in modules().items()
        if (n := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert not long, f"modules over {MAX_LINES} lines: {long}"


def test_core_import_pulls_in_nothing_heavy() -> None:
    code = (
        "import sys, json, hypersweep; "
        "print(json.dumps(sorted(m.split('.')[0] for m in sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(json.loads(out.stdout))
    heavy = {"sqlalchemy", "scipy", "pandas", "rich", "sklearn", "torch", "keras", "plotly",
             "dask", "ray", "yaml", "numpy"}  # fmt: skip
    assert not loaded & heavy, sorted(loaded & heavy)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("hypersweep.schedules", "hypersweep.training.schedules"),
        ("hypersweep.fidelity", "hypersweep.training.fidelity"),
        ("hypersweep.hp", "hypersweep.space.hp"),
        ("hypersweep.params", "hypersweep.space.kinds"),
        ("hypersweep.config", "hypersweep.cli.config"),
        ("hypersweep.benchmarks.problems", "hypersweep.harness.problems"),
    ],
)
def test_old_module_paths_still_import(old: str, new: str) -> None:
    code = (
        f"import importlib, {old} as o; m = importlib.import_module({new!r}); "
        f"print(o is m, o.__name__, o.__spec__.name)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", new, new]


ROOT = SRC.parent
# Built from pieces so that this file does not match itself.
OUTSIDE = re.compile(
    "|".join(
        [
            r"seeds?\s+0{2}[0-4]\b",  # the source documents' numbers, meaningless to a reader
            r"\.\./" + "shared",  # files outside the repository
            r"\b(?:ALGORITHMS|MISSION)" + r"\.md",
            r"shared/" + "DESIGN",
        ]
    ),
    re.IGNORECASE,
)


def test_the_repository_stands_alone() -> None:
    """No reference to files outside the repository, no source-document numbers."""
    found = []
    for folder in ("src", "tests", "docs", "examples", "benchmarks", "scripts", ".ci"):
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix not in {".py", ".md", ".sh", ".yaml", ".yml", ".txt", ".toml", ""}:
                continue
            if not path.is_file() or "egg-info" in str(path) or "__pycache__" in str(path):
                continue
            for n, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
                if OUTSIDE.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()[:80]}")
    readme = (ROOT / "README.md").read_text()
    found += [f"README.md: {m.group(0)}" for m in OUTSIDE.finditer(readme)]
    assert not found, "\n".join(found)
