"""Find the ```python blocks of a Markdown page and the markers that say a block is not run.

A block runs unless the line right before its fence is ``<!-- docs: not run: REASON -->``
with a reason. Blocks of one page run in order in one namespace, so a later block may use
what an earlier one defined; each page gets a fresh namespace and its own empty directory.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs"
FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^\n`]*)$")
NOT_RUN = re.compile(r"^\s*<!--\s*docs:\s*not run:\s*(?P<reason>.*?)\s*-->\s*$")
MARKER_LIKE = re.compile(r"^\s*<!--\s*docs:", re.IGNORECASE)  # a line that is a marker


@dataclass(frozen=True)
class Block:
    page: Path
    line: int  # 1-based line of the opening fence
    language: str
    code: str
    not_run: str | None  # the reason, when marked

    @property
    def where(self) -> str:
        try:
            shown = self.page.relative_to(DOCS.parent)
        except ValueError:  # a page outside the repository (the collector's own tests)
            shown = self.page
        return f"{shown}:{self.line}"


def pages() -> list[Path]:
    return sorted(DOCS.rglob("*.md"))


def blocks(page: Path) -> list[Block]:
    """Every fenced block of ``page``, in order, with its language and marker."""
    lines = page.read_text(encoding="utf-8").splitlines()
    found: list[Block] = []
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        fence, indent = m.group("fence"), m.group("indent")
        language = (m.group("info").split() or [""])[0].lower().strip("{}.")
        body: list[str] = []
        j = i + 1
        while j < len(lines) and not lines[j].strip().startswith(fence):
            body.append(lines[j][len(indent):] if lines[j].startswith(indent) else lines[j])
            j += 1
        marker = NOT_RUN.match(lines[i - 1]) if i > 0 else None
        found.append(Block(page, i + 1, language, "\n".join(body) + "\n",
                           marker.group("reason") if marker else None))
        i = j + 1
    return found


def python_blocks(page: Path) -> list[Block]:
    return [b for b in blocks(page) if b.language in ("python", "py")]


def stray_markers(page: Path) -> list[int]:
    """Lines holding a ``<!-- docs:`` comment that is not a well-formed marker right before
    a fence (a typo would otherwise silently run, or silently not run, a block)."""
    lines = page.read_text(encoding="utf-8").splitlines()
    bad = []
    for n, text in enumerate(lines):
        if not MARKER_LIKE.search(text):
            continue
        m = NOT_RUN.match(text)
        nxt = lines[n + 1] if n + 1 < len(lines) else ""
        if not m or not m.group("reason") or not FENCE.match(nxt):
            bad.append(n + 1)
    return bad
