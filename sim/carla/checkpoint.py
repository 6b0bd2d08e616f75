"""The official evaluator's checkpoint JSON, read back into our :class:`RouteRecord`.

Each attempt's evaluator writes its own checkpoint (``_checkpoint.records``). Its record keeps
the evaluator's status, route completion and infraction messages verbatim; the infraction
penalty and driving score are recomputed from the events by the same coefficients
(:mod:`sim.eval.infractions`), and the evaluator's own scores stay in ``meta.evaluator_scores``.
The evaluators write their checkpoint in place (not atomically) and create a route's record,
status ``Started``, before the route runs: a missing, half-written or still-``Started`` record
means the attempt ended without a result.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np

from sim.eval.infractions import Infraction, InfractionEvent, LeaderboardRules, percentage_in_message
from sim.eval.route_record import RouteRecord, RouteStatus

_LOCATION = re.compile(r"x=(-?[0-9.eE+-]+), y=(-?[0-9.eE+-]+), z=(-?[0-9.eE+-]+)")
_KINDS = {kind.value: kind for kind in Infraction}
_STATUSES = {status.value: status for status in RouteStatus}
UNFINISHED = "Started"


def read_checkpoint(path: Path) -> dict | None:
    """The checkpoint payload, or None when the file is missing or not (yet) valid JSON."""
    try:
        payload = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError):
        return None
    return payload if isinstance(payload, dict) else None


def finished_record(payload: dict | None, route_id: str) -> dict | None:
    """The record of route ``route_id`` (``RouteScenario_<id>[_rep<k>]``) if the evaluator finished it."""
    if payload is None:
        return None
    records = (payload.get("_checkpoint") or {}).get("records") or []
    prefix = f"RouteScenario_{route_id}"
    for record in records:
        name = str(record.get("route_id", ""))
        if (name == prefix or name.startswith(prefix + "_rep")) and record.get("status") not in (UNFINISHED, None):
            return record
    return None


def route_status(text: str) -> RouteStatus:
    """Our status for an evaluator status string; an unknown 'Failed - ...' is a plain failure."""
    if text in _STATUSES:
        return _STATUSES[text]
    return RouteStatus.FAILED if text.startswith("Failed") else RouteStatus.COMPLETED


def infraction_event(kind: Infraction, message: str) -> InfractionEvent:
    """One event from an evaluator message: location and percentage parsed, text kept as written."""
    location = _LOCATION.search(message)
    xyz = np.array([float(v) for v in location.groups()]) if location else np.zeros(3)
    value = 0.0
    if kind in (Infraction.OUTSIDE_ROUTE_LANES, Infraction.MIN_SPEED):
        percentage = percentage_in_message(message)
        value = 0.0 if math.isnan(percentage) else percentage
    return InfractionEvent(kind=kind, time=0.0, location=xyz, value=value, text=message)


def record_from_evaluator(raw: dict, index: int, name: str, town: str, scenario_types: tuple[str, ...]) -> RouteRecord:
    """Our record of one evaluator record (``raw``), placed at ``index`` under our route id ``name``."""
    events = []
    for key, messages in (raw.get("infractions") or {}).items():
        kind = _KINDS.get(key)
        if kind is None:
            continue  # e.g. LB1's 'route_timeout' spelled otherwise: nothing scores it
        events.extend(infraction_event(kind, str(message)) for message in messages)
    meta, scores = raw.get("meta") or {}, raw.get("scores") or {}
    status_text = str(raw.get("status", "Failed"))
    extra = {"evaluator_status": status_text, "evaluator_scores": scores}
    for key in ("scenario_name", "weather_id", "save_name", "town_name"):  # Bench2Drive's record fields
        if key in raw:
            extra[key] = raw[key]
    return RouteRecord(
        index=index,
        route_id=name,
        town=str(raw.get("town_name", town)),
        status=route_status(status_text),
        route_completion=float(scores.get("score_route", 0.0)),
        infractions=tuple(events),
        route_length=float(meta.get("route_length", 0.0)),
        duration_game=float(meta.get("duration_game", 0.0)),
        duration_system=float(meta.get("duration_system", 0.0)),
        scenario_types=scenario_types,
        extra=extra,
    )


def recomputed_score_gap(record: RouteRecord, rules: LeaderboardRules) -> float:
    """|our DS - the evaluator's DS| (0 when the evaluator gave none); messages round percentages."""
    theirs = record.extra.get("evaluator_scores", {}).get("score_composed")
    return 0.0 if theirs is None else abs(record.driving_score(rules) - float(theirs))
