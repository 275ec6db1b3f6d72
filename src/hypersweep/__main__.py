"""``python -m hypersweep``: the same command line as the ``hypersweep`` script."""

from __future__ import annotations

import sys

from .cli.main import main

sys.exit(main())
