"""MkDocs hook for the hypersweep site (mkdocs.yml lists it under ``hooks``).

Pages written in parallel by other contributors may not exist yet in a checkout; a nav
entry naming a missing page would fail the strict build, so only the pages named in
``OPTIONAL`` are dropped from the navigation when absent (with an info line). Any other
missing page still fails the build.

Docstrings are written for ``help()`` and reST tools, so they hold literal lists such as
``[1, 3, 9][rung]`` that Markdown reads as reference links. Autorefs would warn that no
object is called ``1, 3, 9`` and fail the strict build; a warning whose target cannot be a
Python name is therefore lowered to an info line. A broken reference to a real-looking name
(``[hypersweep.Nope][]``) still fails.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

log = logging.getLogger("mkdocs.hooks.hypersweep")
OPTIONAL = {"migrate-keras-tuner.md"}
TARGET = re.compile(r"Could not find cross-reference target '(?P<target>.*)'")
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")


class _NotAName(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        found = TARGET.search(record.getMessage())
        if found and not IDENTIFIER.fullmatch(found.group("target")):
            record.levelno, record.levelname = logging.INFO, "INFO"
        return True


def _prune(nav: Any, docs: Path) -> Any:
    if isinstance(nav, list):
        kept = [_prune(item, docs) for item in nav]
        return [item for item in kept if item is not None]
    if isinstance(nav, dict):
        out = {key: _prune(value, docs) for key, value in nav.items()}
        return None if any(v is None for v in out.values()) else out
    if isinstance(nav, str) and nav in OPTIONAL and not (docs / nav).exists():
        log.info("hypersweep: %s is not written yet; left out of the navigation", nav)
        return None
    return nav


def on_config(config: Any) -> Any:
    for module in ("plugin", "references"):  # where autorefs logs unresolved targets
        autorefs = logging.getLogger(f"mkdocs.plugins.mkdocs_autorefs._internal.{module}")
        if not any(isinstance(f, _NotAName) for f in autorefs.filters):
            autorefs.addFilter(_NotAName())
    config["nav"] = _prune(config["nav"], Path(config["docs_dir"]))
    return config


# --- the API reference, generated from the code on every build ---------------------------
# page -> (title, modules). A module's public names are its ``__all__`` (or, without one,
# the classes and functions it defines); each becomes one mkdocstrings block under the
# path where it is defined, so lazily imported names (``hs.samplers.TPE``) resolve too.
# Every subpackage of ``hypersweep.compat`` is found on disk, so a new one is documented
# without editing this list.
REFERENCE: dict[str, tuple[str, list[str]]] = {
    "hypersweep": ("hypersweep", ["hypersweep"]),
    "space": ("Search spaces", ["hypersweep.space", "hypersweep.space.hp"]),
    "samplers": ("Samplers", ["hypersweep.samplers"]),
    "pruners": ("Pruners", ["hypersweep.pruners"]),
    "storage": ("Storage", ["hypersweep.storage"]),
    "transfer": ("Moving studies", ["hypersweep.transfer"]),
    "sklearn": ("scikit-learn", ["hypersweep.sklearn"]),
    "integrations": ("Keras and PyTorch", ["hypersweep.integrations.keras",
                                           "hypersweep.integrations.torch",
                                           "hypersweep.integrations.checkpoint",
                                           "hypersweep.integrations.pbt"]),
    "pbt": ("Population-based training", ["hypersweep.pbt"]),
    "multiobjective": ("Multi-objective", ["hypersweep.multiobjective"]),
    "training": ("Training helpers", ["hypersweep.training.seeding",
                                      "hypersweep.training.schedules",
                                      "hypersweep.training.fidelity",
                                      "hypersweep.training.presets",
                                      "hypersweep.training.evaluate"]),
    "executors": ("Executors", ["hypersweep.executors"]),
    "visualization": ("Visualization", ["hypersweep.visualization"]),
    "importance": ("Importance", ["hypersweep.importance"]),
    "report": ("Report and dashboard", ["hypersweep.report"]),
    "compat": ("Other tuners' interfaces", []),  # filled from disk
}


def reference_modules(src: Path) -> dict[str, tuple[str, list[str]]]:
    """REFERENCE with the compat subpackages found under ``src``."""
    pages = {slug: (title, list(mods)) for slug, (title, mods) in REFERENCE.items()}
    compat = src / "hypersweep" / "compat"
    pages["compat"][1].extend(
        f"hypersweep.compat.{p.name}" for p in sorted(compat.iterdir())
        if p.is_dir() and (p / "__init__.py").exists() and not p.name.startswith("_"))
    return pages


def public_names(module: Any) -> list[str]:
    names = getattr(module, "__all__", None)
    if names is None:
        names = [n for n, obj in vars(module).items() if not n.startswith("_")
                 and getattr(obj, "__module__", None) == module.__name__
                 and (isinstance(obj, type) or callable(obj))]
    return [n for n in names if not n.startswith("__")]


def _page(slug: str, title: str, modules: list[str], seen: dict[str, str]) -> str:
    """The Markdown of one reference page; ``seen`` maps each documented object's path to
    the page that documents it (an object exported twice is documented once, linked
    from the other place)."""
    import importlib
    import inspect

    out = [f"# {title}", "",
           "Generated from the docstrings on every build (`scripts/mkdocs_hooks.py`).", ""]
    for name in modules:
        module = importlib.import_module(name)
        out += [f"::: {name}", "    options:", "      members: false",
                "      show_root_full_path: true", "      heading_level: 2", ""]
        others: list[tuple[str, str]] = []
        for public in public_names(module):
            try:
                obj = getattr(module, public)
            except AttributeError as exc:  # fails the strict build, saying which name
                log.warning("hypersweep: %s.__all__ names %r, which does not resolve: %s",
                            name, public, exc)
                continue
            if inspect.ismodule(obj):
                others.append((public, f"module `{obj.__name__}`"))
                continue
            home = getattr(obj, "__module__", None) or ""
            qualname = getattr(obj, "__qualname__", None)
            path = f"{home}.{qualname}"
            if path in seen:
                others.append((public, f"`{path}`, documented in [{seen[path]}]({seen[path]}.md)"))
                continue
            if home.startswith("hypersweep") and qualname and "<" not in qualname:
                seen[path] = slug
                out += [f"::: {home}.{qualname}", "    options:", "      heading_level: 3",
                        "      show_root_full_path: false", ""]
            else:
                shown = f"`{home}.{qualname or public}`" if home else f"`{obj!r}`"
                others.append((public, shown.replace("|", "\\|")))
        if others:
            out += ["| also exported | what it is |", "|---|---|"]
            out += [f"| `{n}` | {w} |" for n, w in others]
            out.append("")
    return "\n".join(out)


SAMPLER_TABLE = "<!-- generated: which-sampler-table -->"


def _tables() -> Any:
    """scripts/docs_tables.py, loaded by path (scripts/ is not a package)."""
    import importlib.util
    import sys

    name = "hypersweep_docs_tables"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("docs_tables.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the file runs
    spec.loader.exec_module(module)
    return module


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """The "which sampler when" table, from the measured file, where samplers.md asks."""
    if SAMPLER_TABLE not in markdown:
        return markdown
    tables = _tables()
    table = tables.which_sampler_table(tables.MEASURED.read_text(encoding="utf-8"))
    if not table:
        log.warning("hypersweep: %s has no benchmark table", tables.MEASURED)
    return markdown.replace(SAMPLER_TABLE, table)


def on_files(files: Any, config: Any) -> Any:
    import sys

    from mkdocs.structure.files import File

    root = Path(config["config_file_path"]).parent
    src = root / "src"
    if str(src) not in sys.path:
        sys.path.insert(0, str(src))
    if files.get_file_from_path("benchmarks.md") is not None:
        files.remove(files.get_file_from_path("benchmarks.md"))
    files.append(File.generated(config, "benchmarks.md",
                                content=_tables().benchmarks_page(root)))
    seen: dict[str, str] = {}
    for slug, (title, modules) in reference_modules(src).items():
        uri = f"reference/{slug}.md"
        if files.get_file_from_path(uri) is not None:
            files.remove(files.get_file_from_path(uri))
        files.append(File.generated(config, uri, content=_page(slug, title, modules, seen)))
    return files
