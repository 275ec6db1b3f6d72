"""The documentation site builds strictly, its API reference covers every public name,
and its generated tables hold the measured numbers."""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import logging
import os
import re
import subprocess
import sys
import zlib
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "scripts"

# The public packages: every one needs its reference. hypersweep.compat's subpackages are
# found on disk, so a new one is checked without editing this list.
PUBLIC = [
    "hypersweep", "hypersweep.space", "hypersweep.space.hp", "hypersweep.samplers",
    "hypersweep.pruners", "hypersweep.storage", "hypersweep.sklearn",
    "hypersweep.integrations.keras", "hypersweep.integrations.torch",
    "hypersweep.integrations.checkpoint", "hypersweep.training.seeding",
    "hypersweep.training.schedules", "hypersweep.training.fidelity",
    "hypersweep.training.presets", "hypersweep.training.evaluate", "hypersweep.executors",
    "hypersweep.visualization", "hypersweep.importance", "hypersweep.report",
    "hypersweep.transfer", "hypersweep.pbt", "hypersweep.multiobjective",
    "hypersweep.integrations.pbt",
]  # fmt: skip
PUBLIC += sorted(
    f"hypersweep.compat.{p.name}" for p in (ROOT / "src/hypersweep/compat").iterdir()
    if (p / "__init__.py").exists() and not p.name.startswith("_"))


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    done = subprocess.run(["bash", str(SCRIPTS / "docs.sh"), str(out)], cwd=ROOT,
                          capture_output=True, text=True, timeout=900,
                          env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    warnings = [line for line in done.stderr.splitlines() if "WARNING" in line]
    assert done.returncode == 0, "the strict docs build failed:\n" + "\n".join(
        warnings or done.stderr.splitlines()[-30:])
    return out


def inventory(site: Path) -> set[str]:
    """The names in the site's objects.inv (what mkdocstrings rendered)."""
    raw = (site / "objects.inv").read_bytes()
    body = zlib.decompress(raw.split(b"\n", 4)[4]).decode()
    return {line.split()[0] for line in body.splitlines() if line.strip()}


def public_names(module: ModuleType) -> list[str]:
    names = getattr(module, "__all__", None)
    if names is None:
        names = [n for n, o in vars(module).items() if not n.startswith("_")
                 and getattr(o, "__module__", None) == module.__name__
                 and (inspect.isclass(o) or inspect.isfunction(o))]
    return [n for n in names if not n.startswith("__")]


def test_every_public_name_is_in_the_api_reference(site: Path) -> None:
    rendered = inventory(site)
    pages = "\n".join(p.read_text(encoding="utf-8") for p in (site / "reference").glob("*.html"))
    missing = []
    for name in PUBLIC:
        module = importlib.import_module(name)
        if name not in rendered:
            missing.append(f"{name} (the module itself)")
        for public in public_names(module):
            obj = getattr(module, public)
            home, qualname = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)
            if inspect.ismodule(obj) or not (home or "").startswith("hypersweep"):
                # modules and plain values are listed in a table next to the module
                if f"<code>{public}</code>" not in pages:
                    missing.append(f"{name}.{public}")
            elif f"{home}.{qualname}" not in rendered:
                missing.append(f"{name}.{public} ({home}.{qualname})")
    assert not missing, "public names missing from the API reference: " + ", ".join(missing)


def test_the_generated_tables_hold_the_measured_numbers(site: Path) -> None:
    tables = _load("docs_tables")
    measured = tables.MEASURED.read_text(encoding="utf-8")
    blocks = tables.parse_benchmark(measured)
    assert blocks and blocks[0].mean_rank, "docs/measured/samplers.txt has no benchmark table"
    samplers = (site / "samplers.html").read_text(encoding="utf-8")
    for j, method in enumerate(blocks[0].methods):
        ranks = " / ".join(f"{b.mean_rank[j]:.2f}" for b in blocks)
        assert ranks in samplers, f"{method}: {ranks} not in the samplers page"
    assert "<!-- generated:" not in samplers
    benchmarks = (site / "benchmarks.html").read_text(encoding="utf-8")
    for path in [*(ROOT / "benchmarks/results").glob("*.txt"), tables.MEASURED]:
        assert str(path.relative_to(ROOT)) in benchmarks
    assert "date:" in benchmarks and "machine:" in benchmarks


def test_every_page_is_built(site: Path) -> None:
    for page in (ROOT / "docs").rglob("*.md"):
        rel = page.relative_to(ROOT / "docs")
        if rel.parts[0] != "measured":
            assert (site / rel.with_suffix(".html")).exists(), rel


def test_docstring_lists_do_not_fail_the_build_but_broken_references_do() -> None:
    hooks = _load("mkdocs_hooks")
    check = hooks._NotAName()

    def level(message: str) -> int:
        record = logging.LogRecord("autorefs", logging.WARNING, __file__, 1, message, None, None)
        check.filter(record)
        return record.levelno

    assert level("Could not find cross-reference target '1, 3, 9'") == logging.INFO
    assert level("Could not find cross-reference target ''adam', 'sgd''") == logging.INFO
    assert level("Could not find cross-reference target 'hypersweep.Nope'") == logging.WARNING
    assert level("Multiple primary URLs found for 'x'") == logging.WARNING


def test_a_missing_optional_page_leaves_the_nav_and_others_stay(tmp_path: Path) -> None:
    hooks = _load("mkdocs_hooks")
    (tmp_path / "a.md").write_text("# a")
    nav = [{"A": "a.md"}, {"Tuners": [{"KT": "migrate-keras-tuner.md"}, {"B": "b.md"}]}]
    assert hooks._prune(nav, tmp_path) == [{"A": "a.md"}, {"Tuners": [{"B": "b.md"}]}]
    (tmp_path / "migrate-keras-tuner.md").write_text("# kt")
    assert hooks._prune(nav, tmp_path) == nav


def test_the_reference_index_names_every_generated_page() -> None:
    hooks = _load("mkdocs_hooks")
    index = (ROOT / "docs/reference/index.md").read_text(encoding="utf-8")
    for slug in hooks.reference_modules(ROOT / "src"):
        assert re.search(rf"\]\({slug}\.md\)", index), slug
