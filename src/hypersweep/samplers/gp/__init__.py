"""Gaussian-process Bayesian optimisation: ``hs.samplers.GP``.

Modules: ``kernel`` (Matern 5/2 ARD), ``model`` (MAP fit, posterior),
``acquisition`` (log EI), ``optimize`` (QMC + L-BFGS-B + exact discrete search),
``encoding`` (values <-> unit cube), ``fitting`` (the refit schedule and its cache),
``pending`` (running trials: fantasies, believer, liar), ``sampler`` (the orchestrator).
"""

from __future__ import annotations

from .sampler import GP

__all__ = ["GP"]
