"""Run the ```python blocks of one Markdown page in order, in one namespace, in the
current directory: ``python tests/docs/run_page.py docs/PAGE.md``.

Exit status 0 when every block ran; otherwise the traceback names the page and the
line of the failing block's fence (``docs/PAGE.md:LINE``). Blocks marked
``<!-- docs: not run: REASON -->`` are skipped. tests/docs/test_code_blocks.py starts
one such process per page, so pages cannot leak state (seeds, PyTorch's deterministic
mode, imported modules) into each other or into the rest of the test suite.
"""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from blocks import python_blocks


def main(page: Path) -> int:
    os.environ.setdefault("KERAS_BACKEND", "torch")
    os.environ.setdefault("MPLBACKEND", "Agg")
    namespace: dict[str, object] = {"__name__": "__main__"}
    for block in python_blocks(page):
        if block.not_run is not None:
            print(f"not run: {block.where} ({block.not_run})")
            continue
        # pad with newlines so tracebacks give the line number in the Markdown file
        code = "\n" * block.line + block.code
        try:
            exec(compile(code, str(block.page), "exec"), namespace)
        except BaseException:
            traceback.print_exc()
            print(f"\nFAILED: the block at {block.where}", file=sys.stderr)
            return 1
        print(f"ran: {block.where}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]).resolve()))
