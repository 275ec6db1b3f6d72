"""CMA-ES over the numeric leaves: ``hs.samplers.CMAES``.

``_core`` holds the algorithm as pure functions over an immutable state (Hansen's
tutorial equations, the integer margin, IPOP's restart tests); ``sampler`` reads
generations from the trials and leaves categorical leaves to univariate TPE;
``encoding`` maps values to the unit cube and back (the GP sampler's encoding too).
"""

from __future__ import annotations

from .sampler import CMAES

__all__ = ["CMAES"]
