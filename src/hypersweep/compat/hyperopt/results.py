"""hyperopt's status strings and job states, and its result dicts in and out of a study.

An objective's dict result is checked as hyperopt checks it (a known ``status``;
a float ``loss`` when the status is ``"ok"``). Extra entries become the trial's
user attributes; ``"attachments"`` are kept apart (see ``Trials.trial_attachments``).
Bytes anywhere in them are stored as ``{"__bytes__": "<base64>"}`` and come back
as bytes, never as their repr. A status other than ``"ok"`` (or an ``"ok"`` with a
NaN loss) ends the trial as FAIL in the study; its original status and loss are
kept (``hyperopt_status``, ``hyperopt_loss``) so ``trials.results`` shows them.
"""

from __future__ import annotations

import base64
import math
import numbers
from collections.abc import Mapping
from typing import Any

STATUS_NEW = "new"
STATUS_RUNNING = "running"
STATUS_SUSPENDED = "suspended"
STATUS_OK = "ok"
STATUS_FAIL = "fail"
STATUS_STRINGS = (STATUS_NEW, STATUS_RUNNING, STATUS_SUSPENDED, STATUS_OK, STATUS_FAIL)

JOB_STATE_NEW = 0
JOB_STATE_RUNNING = 1
JOB_STATE_DONE = 2
JOB_STATE_ERROR = 3
JOB_STATE_CANCEL = 4
JOB_STATES = [JOB_STATE_NEW, JOB_STATE_RUNNING, JOB_STATE_DONE, JOB_STATE_ERROR,
              JOB_STATE_CANCEL]  # fmt: skip
JOB_VALID_STATES = {JOB_STATE_NEW, JOB_STATE_RUNNING, JOB_STATE_DONE}

BYTES_TAG = "__bytes__"
STATUS_ATTR = "hyperopt_status"
LOSS_ATTR = "hyperopt_loss"
ATTACHMENTS_ATTR = "attachments"


class InvalidResultStatus(ValueError):
    """The objective returned a dict without a known ``status``."""


class InvalidLoss(ValueError):
    """The objective returned ``status: "ok"`` without a number as ``loss``."""


class AllTrialsFailed(Exception):
    """No trial finished with ``status: "ok"`` and a loss, so there is no best point."""


def encode(obj: Any) -> Any:
    """``obj`` with every bytes value tagged as base64 text, so storage keeps it exactly."""
    if isinstance(obj, (bytes, bytearray, memoryview)):
        return {BYTES_TAG: base64.b64encode(bytes(obj)).decode("ascii")}
    if isinstance(obj, Mapping):
        return {k: encode(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [encode(v) for v in obj]
    return obj


def decode(obj: Any) -> Any:
    """The inverse of :func:`encode`."""
    if isinstance(obj, dict):
        if set(obj) == {BYTES_TAG} and isinstance(obj[BYTES_TAG], str):
            return base64.b64decode(obj[BYTES_TAG])
        return {k: decode(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [decode(v) for v in obj]
    return obj


def to_study_result(rval: Any) -> Any:
    """What the study is told for the objective's return value ``rval``."""
    if isinstance(rval, numbers.Real) and not isinstance(rval, bool):
        return float(rval)
    if not isinstance(rval, Mapping):
        raise TypeError(
            f"the objective must return a number or a dict with 'status' (and 'loss'), "
            f"but returned {type(rval).__name__} {rval!r:.80}"
        )
    result = dict(rval)
    status = result.get("status")
    if status not in STATUS_STRINGS:
        raise InvalidResultStatus(
            f"a dict result needs 'status' set to one of {STATUS_STRINGS}, got {result!r:.200}"
        )
    attachments = result.pop("attachments", None)
    extras = encode({k: v for k, v in result.items() if k not in ("loss", "status")})
    out: dict[str, Any]
    if status == STATUS_OK:
        try:
            loss = float(result["loss"])
        except (KeyError, TypeError, ValueError):
            raise InvalidLoss(
                f"status 'ok' needs a number as 'loss', got {result!r:.200}"
            ) from None
        if math.isnan(loss):
            out = {"status": "fail", **extras, STATUS_ATTR: STATUS_OK}
        else:
            out = {"loss": loss, "status": "ok", **extras}
    else:
        out = {"status": "fail", **extras, STATUS_ATTR: status}
        if "loss" in result:
            loss_value = result["loss"]
            nan = isinstance(loss_value, float) and math.isnan(loss_value)
            out[LOSS_ATTR] = "nan" if nan else encode(loss_value)
    if attachments:
        out[ATTACHMENTS_ATTR] = encode(dict(attachments))
    return out


def result_of(
    state: str, value: float | None, user_attrs: dict[str, Any]
) -> tuple[int, dict[str, Any]]:
    """(hyperopt job state, result dict) of a stored trial (``state``: TrialState's value)."""
    attrs = decode({k: v for k, v in user_attrs.items() if k != ATTACHMENTS_ATTR})
    status = attrs.pop(STATUS_ATTR, None)
    loss = attrs.pop(LOSS_ATTR, None) if LOSS_ATTR in attrs else ...
    if state == "COMPLETE":
        return JOB_STATE_DONE, {"loss": value, "status": STATUS_OK, **attrs}
    if state == "WAITING":
        return JOB_STATE_NEW, {"status": STATUS_NEW}
    if state == "RUNNING":
        return JOB_STATE_RUNNING, {"status": STATUS_NEW}
    if state == "PRUNED":
        return JOB_STATE_DONE, {"status": STATUS_FAIL, "pruned": True, **attrs}
    if status is None:  # an exception or an interruption: hyperopt drops such trials
        return JOB_STATE_ERROR, {"status": STATUS_FAIL, **attrs}
    if status == STATUS_OK:
        return JOB_STATE_DONE, {"loss": math.nan, "status": STATUS_OK, **attrs}
    out = {"status": status, **attrs}
    if loss is not ...:
        out["loss"] = math.nan if loss == "nan" else loss
    return JOB_STATE_DONE, out
