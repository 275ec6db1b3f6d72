"""The layers of DESIGN.md hold: imports point only downwards; the core imports light."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "hypersweep"

# module (or package) -> what it must never import from hypersweep
FORBIDDEN = {
    "params": {"space", "study", "handle", "storage", "samplers", "pruners", "api", "cli"},
    "space": {"study", "handle", "storage", "samplers", "pruners", "api", "cli"},
    "trial": {"study", "handle", "storage", "samplers", "pruners", "space", "api", "cli"},
    "samplers": {"study", "handle", "storage", "api", "cli", "_cache"},
    "pruners": {"study", "handle", "storage", "api", "cli", "_cache"},
    "storage": {"study", "handle", "samplers", "pruners", "space", "api", "cli"},
    "study": {"api", "cli", "executors", "sklearn", "benchmarks"},
    "heartbeat": {"study", "handle", "samplers", "pruners", "api", "cli"},
    "workers": {"api", "cli", "executors", "sklearn", "benchmarks"},
    "executors": {"api", "cli", "sklearn", "benchmarks"},
    "schedules": {"study", "handle", "storage", "samplers", "pruners", "space", "api", "cli"},
    "sklearn": {"cli", "benchmarks", "_cache", "workers"},  # the public API only
    "integrations": {"study", "handle", "storage", "samplers", "pruners", "space", "params",
                     "trial", "_cache", "workers", "executors", "api", "cli", "benchmarks",
                     "report"},  # the public API only; fmt: skip
    "repeats": {"study", "handle", "storage", "samplers", "pruners", "api", "cli"},
    "stability": {"api", "cli", "executors", "sklearn", "benchmarks"},
    "fidelity": {"study", "handle", "storage", "api", "cli", "_cache"},
    "importance": {"cli", "report", "visualization", "_cache", "workers", "executors"},
    "visualization": {"cli", "report", "_cache", "workers", "executors", "storage"},
    "report": {"samplers", "pruners", "_cache", "workers", "executors"},
}


def internal_imports(path: Path) -> set[str]:
    """First component of every hypersweep module this file imports (relative or absolute)."""
    tree = ast.parse(path.read_text())
    rel_parts = path.relative_to(PACKAGE).with_suffix("").parts
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(rel_parts[: len(rel_parts) - node.level])
                target = base + (node.module.split(".") if node.module else [])
                if not target:  # "from .. import x" at the top: x names modules
                    found.update(alias.name for alias in node.names)
                else:
                    found.add(target[0])
            elif node.module and node.module.startswith("hypersweep."):
                found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("hypersweep."):
                    found.add(alias.name.split(".")[1])
    return found


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_imports_point_downwards(layer: str) -> None:
    files = [PACKAGE / f"{layer}.py"] if (PACKAGE / f"{layer}.py").exists() else []
    files += sorted((PACKAGE / layer).glob("**/*.py")) if (PACKAGE / layer).is_dir() else []
    assert files, layer
    for file in files:
        bad = (internal_imports(file) - {layer}) & FORBIDDEN[layer]
        assert not bad, f"{file.relative_to(PACKAGE)} imports {sorted(bad)}"


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
