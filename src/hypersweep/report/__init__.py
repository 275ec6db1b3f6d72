"""Look at a study: a self-contained HTML report and a live local dashboard.

``write_report(study, "report.html")`` writes one file that opens offline;
``serve(storage)`` starts a read-only web page on 127.0.0.1 that follows every
study in a storage as its trials finish. Both draw the figures of
``hypersweep.visualization`` and need plotly (``pip install 'hypersweep[plot]'``).
"""

from __future__ import annotations

from .dashboard import Dashboard, serve
from .html import render_report, write_report

__all__ = ["Dashboard", "render_report", "serve", "write_report"]
