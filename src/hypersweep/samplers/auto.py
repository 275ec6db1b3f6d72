"""The automatic sampler: picks GP, CMA-ES or TPE from the space and the trials so far."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._checks import int_at_least
from ..history import History
from ..space.kinds import Categorical
from ..trial import TrialState
from .base import Sampler

if TYPE_CHECKING:
    from ..space.kinds import Param
    from ..space.tree import Space
    from .cmaes import CMAES
    from .gp import GP
    from .tpe import TPE


class Auto(Sampler):
    """Choose the sampler from the space, the budget and the number of finished trials.

    The rule (the evidence is in docs/samplers.md, "Auto"):

    - A conditional space (branches, ``Repeat``) or no static space
      (define-by-run): ``TPE``, which models conditional leaves natively.
    - A flat space (every leaf always active): ``GP`` (whose first 10 trials are a
      Sobol design) while fewer than ``gp_trials`` trials have completed, and
      throughout when the known ``budget`` is at most that. A GP is the most
      sample-efficient here (it led every numeric and the mixed problem at 50 and
      100 trials), but its cost per ask grows with the trials.
    - After that: ``CMAES``, warm-started from the best GP trials (its first
      distribution is their mean and spread, and only later trials form its
      generations); its categorical leaves, if any, are drawn as CMAES draws
      them. ``TPE`` only when every leaf is categorical.

    The choice is a function of the stored trials alone (the count of completed
    trials, and for CMA-ES the trial number where that count reached
    ``gp_trials``), so a resumed study or another worker makes the same choice
    for the same history. :meth:`choice` tells which sampler the next trial uses.

    >>> import hypersweep as hs
    >>> auto = hs.samplers.Auto(seed=0)
    >>> study = hs.create_study(space={"x": hs.Float(-5, 5)}, sampler=auto)
    >>> auto.choice(study.history)
    'gp'
    """

    def __init__(
        self,
        *,
        seed: int | None = None,
        budget: int | None = None,
        gp_trials: int = 200,
        allow_repeats: bool = False,
    ) -> None:
        super().__init__(seed=seed)
        if budget is not None:
            int_at_least("Auto", "budget", budget, 1)
        int_at_least("Auto", "gp_trials", gp_trials, 0)
        self.budget = budget
        self.gp_trials = gp_trials
        self.allow_repeats = bool(allow_repeats)
        self._tpe: TPE | None = None
        self._gp: GP | None = None
        self._cmaes: CMAES | None = None
        self._branchy: dict[int, tuple[bool, bool]] = {}

    def reseed(self, seed: int) -> None:
        super().reseed(seed)
        self._tpe = self._gp = self._cmaes = None

    # --- the rule -------------------------------------------------------------------
    def choice(self, history: History) -> str:
        """``"tpe"``, ``"gp"`` or ``"cmaes"``: the sampler the next trial uses."""
        return self._decide(history)[0]

    def _decide(self, history: History) -> tuple[str, int]:
        """The sampler's name and, for CMA-ES, the first trial number of its generations."""
        space = history.space
        if space is None or not space.leaves:
            return "tpe", 0
        conditional, numeric = self._shape(space)
        if conditional:
            return "tpe", 0
        if self.budget is not None and self.budget <= self.gp_trials:
            return "gp", 0
        done = [t.number for t in history.trials if t.state is TrialState.COMPLETE]
        if len(done) < max(self.gp_trials, 1):
            return "gp", 0
        if not numeric:
            return "tpe", 0
        return "cmaes", done[max(self.gp_trials, 1) - 1] + 1

    def _shape(self, space: Space) -> tuple[bool, bool]:
        """(a leaf is not active in every configuration, a leaf is numeric)."""
        key = id(space)
        if key not in self._branchy:
            num = any(not isinstance(p, Categorical) for p in space.leaves.values())
            active: set[str] = set(space.leaves)
            for u in (0.0, 0.5, 0.999):

                def at(_path: str, p: Param, u: float = u) -> Any:
                    return p.from_unit(u)

                active &= set(space.resolve(at)[1])
            self._branchy = {key: (active != set(space.leaves), num)}
        return self._branchy[key]

    # --- the contract ---------------------------------------------------------------
    def propose(self, history: History, number: int) -> dict[str, Any]:
        name, origin = self._decide(history)
        if name == "cmaes":
            return self._cma().propose_after(history, number, origin)
        return self._pick(name).propose(history, number)

    def sample(self, history: History, number: int, path: str, param: Param) -> Any:
        name, origin = self._decide(history)
        if name == "cmaes":
            return self._cma().sample_after(history, number, path, param, origin)
        return self._pick(name).sample(history, number, path, param)

    def _pick(self, name: str) -> Sampler:
        if name == "gp":
            if self._gp is None:
                from .gp import GP

                self._gp = GP(seed=self.entropy, allow_repeats=self.allow_repeats)
            return self._gp
        if self._tpe is None:
            from .tpe import TPE

            self._tpe = TPE(seed=self.entropy, allow_repeats=self.allow_repeats)
        return self._tpe

    def _cma(self) -> CMAES:
        if self._cmaes is None:
            from .cmaes import CMAES

            self._cmaes = CMAES(seed=self.entropy, allow_repeats=self.allow_repeats)
        return self._cmaes
