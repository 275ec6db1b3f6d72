"""Every ```python block in docs/ (and README.md) runs: page by page, in order, in a
fresh process and an empty directory (see tests/docs/run_page.py). A block that cannot
run here carries ``<!-- docs: not run: REASON -->`` on the line before its fence."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .blocks import DOCS, blocks, pages, python_blocks, stray_markers

RUN_PAGE = Path(__file__).with_name("run_page.py")
ROOT = DOCS.parent
MAX_NOT_RUN = 2  # per page: markers are for what cannot run here, not for what is awkward
PAGES = [p for p in [ROOT / "README.md", *pages()] if python_blocks(p)]


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
def test_page_runs(page: Path, tmp_path: Path) -> None:
    env = {**os.environ, "KERAS_BACKEND": "torch", "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run([sys.executable, str(RUN_PAGE), str(page)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, (
        f"a code block of {page.relative_to(ROOT)} failed:\n{done.stderr[-6000:]}")
    ran = done.stdout.count("ran: ")
    assert ran == sum(b.not_run is None for b in python_blocks(page))


@pytest.mark.parametrize("page", pages(), ids=[str(p.relative_to(DOCS)) for p in pages()])
def test_markers_are_well_formed_and_rare(page: Path) -> None:
    bad = stray_markers(page)
    assert not bad, (f"{page.relative_to(ROOT)}: lines {bad} hold a '<!-- docs:' comment that "
                     "is not '<!-- docs: not run: REASON -->' right above a code fence")
    skipped = [b.where for b in python_blocks(page) if b.not_run is not None]
    assert len(skipped) <= MAX_NOT_RUN, f"too many blocks not run: {skipped}"


def test_the_collector_reads_fences_and_markers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                ) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "# t\n\n```python\nx = 1\n```\n\n<!-- docs: not run: needs a GPU -->\n"
        "```python\nraise SystemExit\n```\n\n```bash\nrm -rf /\n```\n\n"
        "- item\n\n    ```python\n    y = x + 1\n    ```\n"
        "<!-- docs: not run: -->\n```python\npass\n```\n"
    )
    monkeypatch.setattr("tests.docs.blocks.DOCS", tmp_path)
    found = blocks(page)
    assert [b.language for b in found] == ["python", "python", "bash", "python", "python"]
    assert [b.not_run for b in python_blocks(page)] == [None, "needs a GPU", None, ""]
    assert python_blocks(page)[2].code == "y = x + 1\n"  # indented fences are dedented
    assert stray_markers(page) == [21]  # a marker without a reason is an error
    done = subprocess.run([sys.executable, str(RUN_PAGE), str(page)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.count("ran: ") == 2, done.stderr
    page.write_text("```python\nx = 1\n```\n\ntext\n\n```python\nassert x == 2\n```\n")
    done = subprocess.run([sys.executable, str(RUN_PAGE), str(page)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "page.md:7" in done.stderr
