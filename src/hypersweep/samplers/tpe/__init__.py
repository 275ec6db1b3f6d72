"""Tree-structured Parzen Estimator: ``hs.samplers.TPE``."""

from __future__ import annotations

from .sampler import TPE

__all__ = ["TPE"]
