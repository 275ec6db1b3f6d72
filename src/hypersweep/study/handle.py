"""The live trial handle an objective receives: suggest values, report progress, prune;
and :class:`ReportHook`, the public hook deciding what its reports become."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from ..exceptions import TrialPruned
from ..space import Categorical, Float, Int, Param, json_key, param_from_json
from ..training.seeding import derive_seed
from ..trial import FrozenTrial, Reported, evolve
from .cache import TrialCache

if TYPE_CHECKING:
    from ..history import History
    from ..samplers.base import Sampler
    from ..space import Space


class Trial:
    """One running trial.

    In a define-by-run objective, ``suggest_*`` draws each value as the code
    asks for it; with a static space, ``params`` already holds the nested real
    values. ``report`` stores a learning-curve point, ``should_prune`` asks the
    study's pruner whether to stop.

    With ``repeats=k`` the objective gets the same handle k times; ``repeat``
    says which run this is (0 to k-1) and ``seed`` differs per repeat. What a
    report becomes is the :class:`ReportHook`'s decision: the plain one stores and
    judges repeat 0's learning curve only (later repeats' ``report`` keeps nothing,
    ``should_prune`` answers False); the optimize loop installs one that averages
    the repeats' curves (``hypersweep.study.repeats.RepeatCurves``).

    In a study of ``n_objectives`` > 1, ``report`` also takes one number per
    objective (a vector report), which the pruners rank by Pareto dominance.
    """

    def __init__(
        self,
        study: Any,
        number: int,
        *,
        sampler: Sampler,
        history: History,
        fixed: dict[str, Any],
        proposal: dict[str, Any],
        user_attrs: dict[str, Any] | None = None,
        report: Callable[[Trial, int, Any], None],  # gets a Reported value
        judge: Callable[[Trial], bool],
        n_objectives: int = 1,
    ) -> None:
        self.study = study  # the Study running this trial, for the objective's own use
        self.number = number
        self._fixed = fixed  # enqueued values, honoured first
        self.proposal = proposal  # the sampler's joint decision
        self.flat: dict[str, Any] = {}
        self.stored_leaves = 0  # how many of the flat values storage already holds
        self.params: Any = None
        self.user_attrs: dict[str, Any] = user_attrs if user_attrs is not None else {}
        self.intermediate: dict[int, Reported] = {}
        self.constraints: dict[str, float] = {}  # set_constraint's, stored when told
        self._defined: dict[str, Param] = {}
        self._sampler = sampler
        self._sample = sampler.sample
        self._history = history
        self._store_report, self._judge = report, judge  # the study's storage and pruner
        self.repeat = 0  # which of the study's ``repeats`` runs of this configuration
        self.n_objectives = n_objectives
        self._hook: ReportHook = _PLAIN

    def set_report_hook(self, hook: ReportHook) -> None:
        """Decide what this trial's reports become from now on (see :class:`ReportHook`)."""
        self._hook = hook

    @property
    def seed(self) -> int:
        """A seed for the objective's own randomness, derived from the study seed, the
        trial number and the repeat (repeat 0 keeps the seed trials had before repeats)."""
        return derive_seed(self._sampler.entropy, self.number, self.repeat)

    # --- choosing values ---------------------------------------------------------
    def choose(self, path: str, param: Param) -> Any:
        """The value (a categorical's key) for leaf ``path``: enqueued, proposed or sampled."""
        if path in self._fixed:
            value = self._fixed[path]
            if not param.contains(value):
                raise ValueError(
                    f"trial {self.number}: the enqueued value {value!r} for {path!r} is not "
                    f"in {param!r}"
                )
        elif path in self.proposal:
            value = self.proposal[path]
        else:
            value = self._sample(self._history, self.number, path, param)
        self.flat[path] = value
        return value

    def suggest(self, name: str, param: Param) -> Any:
        """Define-by-run: a value for ``name`` drawn from ``param`` (asked again: same value)."""
        return self._suggest(name, param, checked=False)

    def _suggest(self, name: str, param: Param, *, checked: bool) -> Any:
        known = self._defined.get(name)
        if known is not None:
            if known is not param and known != param:
                raise ValueError(
                    f"{name!r} was already suggested as {known!r} in this trial; one name, "
                    f"one definition"
                )
            key = self.flat[name]
        else:
            if not checked:
                param.check(name)
            self._defined[name] = param
            if name in self.flat:
                key, trusted = self.flat[name], False
            elif name in self._fixed or name in self.proposal:
                key, trusted = self.choose(name, param), name in self._fixed
            else:  # the sampler drew it from this very param: it holds it
                key = self.flat[name] = self._sample(self._history, self.number, name, param)
                trusted = True
            if not trusted and not param.contains(key):  # a static space's value, another range
                raise ValueError(
                    f"trial {self.number}: the study's space gave {name!r} the value {key!r}, "
                    f"which {param!r} does not contain; suggest it with the space's range, or "
                    f"tune the new range in a new study"
                )
        if isinstance(param, Categorical):
            return param.choices[param.index_of(key)]
        return key

    def suggest_float(
        self, name: str, low: float, high: float, *, log: bool = False, step: float | None = None
    ) -> float:
        param = _checked(Float, name, (low, high, log, step))
        if param is None:
            return float(self.suggest(name, Float(low, high, log=log, step=step)))
        return float(self._suggest(name, param, checked=True))

    def suggest_int(
        self, name: str, low: int, high: int, *, log: bool = False, step: int = 1
    ) -> int:
        param = _checked(Int, name, (low, high, log, step))
        if param is None:
            return int(self.suggest(name, Int(low, high, log=log, step=step)))
        return int(self._suggest(name, param, checked=True))

    def suggest_categorical(self, name: str, choices: Sequence[Any]) -> Any:
        param = _checked(Categorical, name, tuple(choices))
        if param is None:
            return self.suggest(name, Categorical(list(choices)))
        return self._suggest(name, param, checked=True)

    def defined_space(self) -> dict[str, Any]:
        """JSON of the parameters suggested define-by-run, stored so the history is typed."""
        return {name: param.to_json() for name, param in self._defined.items()}

    # --- progress and pruning ----------------------------------------------------
    def report(self, value: Any, step: int) -> None:
        """Store an intermediate value (e.g. validation loss after epoch ``step``): a number,
        or in a study of several objectives one number per objective (``[acc, latency]``)."""
        if isinstance(step, bool) or not isinstance(step, int) or step < 0:
            raise ValueError(f"report: step must be an integer >= 0, but got {step!r}")
        kept = self._hook.stored(self, step, reported(value, self.n_objectives))
        if kept is None:
            return
        self.intermediate[step] = kept
        self._store_report(self, step, kept)

    def should_prune(self) -> bool:
        """True if the pruner says this trial should stop; then ``raise hs.TrialPruned()``."""
        return self._hook.judged(self) and self._judge(self)

    def prune_if_needed(self) -> None:
        """Shorthand for ``if trial.should_prune(): raise hs.TrialPruned()``."""
        if self.should_prune():
            raise TrialPruned(f"trial {self.number} pruned at step {max(self.intermediate)}")

    def set_user_attr(self, key: str, value: Any) -> None:
        """Attach JSON-able information to the trial (kept with it in storage)."""
        self.user_attrs[key] = json_key(value)

    def set_constraint(self, name: str, value: float) -> None:
        """Record constraint ``name``: the trial is feasible when every constraint is <= 0
        (Optuna's rule). Infeasible trials never become best, and samplers steer away."""
        if not isinstance(name, str) or not name:
            raise ValueError(f"set_constraint: name must be a non-empty string, got {name!r}")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
            raise ValueError(f"set_constraint: {name!r} needs a number (not NaN), but got "
                             f"{value!r:.40}; the trial is feasible when it is <= 0")  # fmt: skip
        self.constraints[name] = float(value)

    def __repr__(self) -> str:
        shown = self.params if self.params else self.flat
        more = f", repeat={self.repeat}" if self.repeat else ""
        return f"Trial(number={self.number}{more}, params={shown})"


class ReportHook:
    """What becomes of a trial's reports: a public hook, so that a loop which calls the
    objective several times per trial (repeats) changes it without subclassing the handle.

    ``stored`` gets a validated report and returns what to store and show the pruner at
    ``step`` (None: keep nothing); ``judged`` says whether ``should_prune`` asks the
    pruner now. This default keeps repeat 0's curve only.
    """

    def stored(self, trial: Trial, step: int, value: Reported) -> Reported | None:
        return None if trial.repeat else value

    def judged(self, trial: Trial) -> bool:
        return not trial.repeat


_PLAIN = ReportHook()


def reported(value: object, n_objectives: int) -> Reported:
    """A report as stored: a float, or (several objectives) a tuple of one float per
    objective. One ValueError saying what a report must be otherwise."""
    if (
        not isinstance(value, (str, bytes))
        and hasattr(value, "__len__")
        and getattr(value, "ndim", 1) != 0  # a 0-d array or tensor is a number
    ):
        return _vector(value, n_objectives)
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"report: value must be a number, but got {value!r:.80}") from None


def _vector(value: object, n_objectives: int) -> tuple[float, ...]:
    if n_objectives == 1:
        raise ValueError(
            f"report: this study has one objective, so report takes one number, but got "
            f"{value!r:.80}; report vectors in a study made with directions=[...]"
        )
    if isinstance(value, dict):
        raise ValueError(f"report: value must be a number or {n_objectives} numbers (one per "
                         f"objective), but got {value!r:.80}")  # fmt: skip
    items = list(value)  # type: ignore[call-overload]
    if len(items) != n_objectives:
        raise ValueError(
            f"report: this study has {n_objectives} objectives, so a vector report needs "
            f"{n_objectives} numbers (one per direction, in order), but got {len(items)}: "
            f"{value!r:.80}"
        )
    try:
        if any(isinstance(v, (bool, str, bytes)) for v in items):
            raise TypeError
        return tuple(float(v) for v in items)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"report: every entry of a vector report must be a number, but got "
                         f"{value!r:.80}") from None  # fmt: skip


_SIMPLE = (str, int, float, bool, type(None))
_CHECKED: dict[tuple[Any, ...], Param] = {}  # suggest_* arguments -> a checked parameter


def _checked(kind: type[Param], name: str, args: tuple[Any, ...]) -> Param | None:
    """The parameter ``suggest_*`` builds from ``args``, built and checked once per
    distinct arguments (a define-by-run objective repeats them on every trial), so a
    suggest costs a dictionary look-up; None when the arguments are not plain values."""
    if not all(type(a) in _SIMPLE for a in args):
        return None
    key = (kind, *[(type(a), a) for a in args])
    param = _CHECKED.get(key)
    if param is None:
        if kind is Categorical:
            param = Categorical(list(args))
        elif kind is Int:
            param = Int(args[0], args[1], log=args[2], step=args[3])
        else:
            param = Float(args[0], args[1], log=args[2], step=args[3])
        param.check(name)  # raises for bad arguments, which are then never remembered
        if len(_CHECKED) > 4096:
            _CHECKED.clear()
        _CHECKED[key] = param
    return param


def space_of_trial(trial: FrozenTrial) -> dict[str, Param]:
    """The define-by-run parameters a stored trial used, rebuilt from their JSON."""
    return {k: param_from_json(v) for k, v in trial.system_attrs.get("space", {}).items()}


def flatten_for_enqueue(space: Space | None, params: Any) -> dict[str, Any]:
    """Enqueued values as flat leaf values: nested like the space, or flat by leaf path
    (possibly partial: missing leaves are sampled); define-by-run, a dict name -> value."""
    if space is None:
        if not isinstance(params, dict):
            raise ValueError(f"enqueue: expected a dict of name -> value, got {params!r:.100}")
        return {str(k): json_key(v) for k, v in params.items()}
    try:
        return space.flatten(params)
    except ValueError as nested_error:
        leaves = space.leaves
        if not (isinstance(params, dict) and params and all(k in leaves for k in params)):
            raise
        # a flat, possibly partial dict of leaf paths: missing leaves get sampled
        keys = {k: leaf_key(leaves[k], v) for k, v in params.items()}
        bad = [k for k, key in keys.items() if not leaves[k].contains(key)]
        if any(isinstance(params[k], dict) for k in bad):
            raise nested_error
        if bad:
            raise ValueError(
                f"enqueue: the values for {bad} are not in the space: "
                + ", ".join(f"{k}={params[k]!r} vs {leaves[k]!r}" for k in bad)
            ) from None
        return keys


def leaf_key(param: Param, value: Any) -> Any:
    """The stored key of ``value`` for leaf ``param``: a categorical's own key for one of its
    choices (objects are keyed by position or name), else the value's JSON form."""
    if isinstance(param, Categorical):
        for i, choice in enumerate(param.choices):
            if choice is value:
                return param.keys[i]
        for i, choice in enumerate(param.choices):
            same_kind = isinstance(choice, bool) == isinstance(value, bool)
            try:
                if same_kind and bool(choice == value):
                    return param.keys[i]
            except (TypeError, ValueError):  # arrays and odd __eq__: no match by equality
                continue
    return json_key(value)


class TrialParams(dict[str, Any]):
    """A static space's values (a plain dict to read) that also answer the trial's methods.

    So an objective written define-by-run (``trial.suggest_float("x", ...)``,
    ``trial.report(...)``) runs on a study whose space was stored: a suggested name
    that is in the space gets the space's value, a new name is sampled.
    """

    def __init__(self, values: dict[str, Any], trial: Trial) -> None:
        super().__init__(values)
        self.trial = trial

    def __getattr__(self, name: str) -> Any:
        if name == "trial":  # not set yet (unpickling): no recursion
            raise AttributeError(name)
        return getattr(self.trial, name)


class VectorCache(TrialCache):
    """The cache of a study of several objectives: SQL storage gives vector reports back
    as JSON lists, and the records hold them as tuples (as memory storage does).

    Samplers get :meth:`plain` records, without vector learning curves: the pruners rank
    those, while the samplers model scalar curves (TPE's rung values) and see a pruned
    trial's last vector as its values.
    """

    def __init__(self, direction: Any, resolve: Callable[[FrozenTrial], FrozenTrial]) -> None:
        super().__init__(direction, resolve)
        self._plain: dict[int, FrozenTrial] = {}  # trials with vector reports, without them
        self._view: tuple[int, list[FrozenTrial]] | None = None  # (version, plain trials)
        self._version = 0

    def absorb(
        self,
        trials: Iterable[FrozenTrial],
        deleted: Iterable[int] = (),
        resolved: dict[int, Any] | None = None,
    ) -> None:
        trials, deleted = [tupled(t) for t in trials], list(deleted)
        super().absorb(trials, deleted, resolved)
        self._version += 1
        for number in [t.number for t in trials] + deleted:
            kept = self.get(number)
            if kept is not None and any(type(v) is tuple for v in kept.intermediate.values()):
                self._plain[number] = evolve(kept, intermediate={})
            else:
                self._plain.pop(number, None)

    def plain(self, number: int) -> FrozenTrial | None:
        """Trial ``number`` as samplers see it (no vector learning curve)."""
        return self._plain.get(number) or self.get(number)

    def plain_trials(self) -> list[FrozenTrial]:
        """Every trial as samplers see it, in number order."""
        if not self._plain:
            return self.trials
        if self._view is None or self._view[0] != self._version:
            self._view = (self._version, [self._plain.get(t.number, t) for t in self.trials])
        return self._view[1]


def tupled(trial: FrozenTrial) -> FrozenTrial:
    """``trial`` with its list-valued reports as tuples (the same object if it has none)."""
    steps = trial.intermediate
    if not any(type(v) is list for v in steps.values()):
        return trial
    return evolve(trial, intermediate={k: tuple(v) if type(v) is list else v
                                       for k, v in steps.items()})  # fmt: skip
