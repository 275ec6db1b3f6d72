"""Running trials: how the posterior accounts for points already being evaluated.

- ``"liar"``: each pending point joins the data at the worst value seen (a
  pessimistic constant liar, as TPE's pending-counts-as-bad).
- ``"believer"`` (the default): at its posterior mean (kriging believer, Ginsbourger
  et al. 2010).
- ``"fantasies"``: at ``N_FANTASIES`` joint draws from the posterior,
  and EI is averaged over the draws, each with its own incumbent: the expected EI
  once the pending trials return (Snoek et al. 2012's Monte Carlo over pending
  outcomes). A believer's pending point whose mean beats the incumbent looks like a
  sure improvement; here it improves in some draws only, and points next to a pending
  one score low in every draw: meant to keep batches spread out yet good. Compared in
  ``benchmarks/gp_scale.py``: at 4 workers both beat the liar by far; against the
  believer it won 3 of 7 problems on one seed, too few to change the default.
- ``"penalty"``, ``"lp"``, ``"believer_penalty"``: EI times local penalties around
  each pending point (see ``batch``): hard ones (Alvi et al. 2019) on the plain
  posterior, Gonzalez et al.'s soft ones, or hard ones on top of the believer.
  Compared in ``benchmarks/gp_batch.py`` (4 asynchronous workers, 7 problems, 4-5
  seeds, 60 trials): mean rank lp 2.14, penalty 2.43, believer 2.43, fantasies 3.43,
  liar 4.57; run by run lp beat the believer 17 times and lost 12, not yet enough to
  change the default. Neither penalty rule proposed a point within 1e-5 of a running
  one (believer 9, fantasies 9 of 1798 asks).
"""

from __future__ import annotations

import numpy as np

from ...history import History
from ...trial import TrialState
from .batch import penalised
from .encoding import Encoding
from .model import Posterior
from .optimize import Best

# penalty: hard local penalties on the plain posterior; lp: Gonzalez's soft ones;
# believer_penalty: hard penalties on top of the believer (see ``batch``)
PENALTIES = {"penalty": (True, False), "lp": (False, False), "believer_penalty": (True, True)}
RULES = ("fantasies", "believer", "liar", *PENALTIES)
N_FANTASIES = 16


def with_pending(
    post: Posterior, fp: np.ndarray, rule: str, rng: np.random.Generator
) -> tuple[Posterior, Best]:
    """The posterior given pending features ``fp`` (p, D), and the EI threshold(s)."""
    best = float(post.y.min())
    if len(fp) == 0:
        return post, best
    if rule == "liar":
        return post.with_values(fp, np.full(len(fp), float(post.y.max()))), best
    if rule == "believer":
        # The believed values count for the threshold too: otherwise a pending point whose
        # mean beats the incumbent keeps a large EI right next to it.
        out = post.with_fantasies(fp)
        return out, float(out.y.min())
    if rule == "fantasies":
        draws = post.sample_joint(fp, N_FANTASIES, rng)  # (p, S)
        out = post.with_values(fp, draws)
        return out, out.y.min(axis=0)
    if rule in PENALTIES:
        hard, believe = PENALTIES[rule]
        return penalised(post, fp, rng, hard=hard, believe=believe)
    raise ValueError(f"unknown pending rule {rule!r}: choose from {', '.join(RULES)}")


def running_points(enc: Encoding, history: History, number: int) -> np.ndarray:
    """Encoded running trials (other than this one) that set every modelled leaf."""
    xs = []
    for t in history.trials:
        if t.state is TrialState.RUNNING and t.number != number:
            try:
                xs.append(enc.encode(t.flat))
            except (KeyError, ValueError, TypeError):
                continue
    return np.array(xs, dtype=float).reshape(-1, enc.n_dims)
