"""The ``hypersweep`` command and the YAML configs it runs (``hypersweep.cli.config``)."""

from __future__ import annotations

from .defaults import DEFAULT_STORAGE
from .main import main

__all__ = ["DEFAULT_STORAGE", "main"]
