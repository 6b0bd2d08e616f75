"""Checks of the route records in a results file before a run resumes from it.

A record that is malformed, duplicated, out of range, NaN, or whose scores contradict its own
infractions (DS != RC x IS, IS != the product of its infractions' penalties) stops the resume with
an error naming the file, the record and the field, before any route is driven, so nothing freshly
driven can be lost to a bad record later.
"""

from __future__ import annotations

import math
from pathlib import Path

from sim.eval.infractions import LeaderboardRules, penalty_of_messages
from sim.eval.route_record import RouteStatus

SCORE_RANGES = {"score_route": (0.0, 100.0), "score_penalty": (0.0, 1.0), "score_composed": (0.0, 100.0)}
META_NUMBERS = ("route_length", "duration_game", "duration_system")
PENALTY_TOLERANCE = 2e-3  # messages print percentages rounded (min speed to 0.1 %: 1.5e-4 of IS)
DRIVING_SCORE_TOLERANCE = 1e-4  # [DS points] DS = RC x IS, each written rounded to 6 decimals (2.0): RC <= 100
STATUSES = {status.value for status in RouteStatus}


class RecordError(ValueError):
    """One record of a results file is invalid; the message names the file, record and field."""


def validate_records(records: object, path: Path, route_ids: list[str], rules: LeaderboardRules) -> None:
    """Raise :class:`RecordError` for the first invalid record of ``records`` (``_checkpoint.records``)."""
    if not isinstance(records, list):
        raise RecordError(f"{path}: _checkpoint.records is {type(records).__name__}, expected a list")
    seen: dict[int, int] = {}
    for position, record in enumerate(records):
        where = f"{path}: _checkpoint.records[{position}]"
        if not isinstance(record, dict):
            raise RecordError(f"{where} is {type(record).__name__}, expected an object")
        index = _index(record, where, route_ids)
        if index in seen:
            raise RecordError(f"{where}: duplicate of record [{seen[index]}] (both have index {index})")
        seen[index] = position
        where = f"{where} (route {route_ids[index]})"
        _check_status(record, where)
        _check_scores(record, where, rules)
        _check_meta(record, where)


def _index(record: dict, where: str, route_ids: list[str]) -> int:
    index = record.get("index")
    if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < len(route_ids):
        raise RecordError(f"{where}: index {index!r} is not one of this run's routes (0..{len(route_ids) - 1})")
    if record.get("route_id") != route_ids[index]:
        raise RecordError(f"{where}: record {index} is route_id {record.get('route_id')!r}, this run has "
                          f"{route_ids[index]!r}")  # fmt: skip
    return index


def _check_status(record: dict, where: str) -> None:
    if not isinstance(record.get("status"), str) or record["status"] not in STATUSES:
        raise RecordError(f"{where}: status {record.get('status')!r} is not a route status {sorted(STATUSES)}")


def _check_scores(record: dict, where: str, rules: LeaderboardRules) -> None:
    scores = record.get("scores")
    if not isinstance(scores, dict):
        raise RecordError(f"{where}: has no 'scores' object (found {scores!r})")
    for key, (low, high) in SCORE_RANGES.items():
        value = scores.get(key)
        if not _finite(value) or not low <= value <= high:
            raise RecordError(f"{where}: scores.{key} = {value!r} is not a number in [{low:g}, {high:g}]")
    composed = scores["score_route"] * scores["score_penalty"]
    if abs(scores["score_composed"] - composed) > DRIVING_SCORE_TOLERANCE:
        raise RecordError(f"{where}: scores.score_composed = {scores['score_composed']!r} is not score_route x "
                          f"score_penalty = {composed!r}")  # fmt: skip
    infractions = record.get("infractions")
    if not isinstance(infractions, dict) or not all(
        isinstance(k, str) and isinstance(v, list) and all(isinstance(m, str) for m in v)
        for k, v in infractions.items()
    ):
        raise RecordError(f"{where}: infractions must map names to lists of messages (found {infractions!r})")
    expected = penalty_of_messages(infractions, rules)
    if abs(scores["score_penalty"] - expected) > PENALTY_TOLERANCE:
        raise RecordError(f"{where}: scores.score_penalty = {scores['score_penalty']!r} contradicts its infractions, "
                          f"whose penalties give {expected:.4f}")  # fmt: skip
    counted = sum(len(v) for v in infractions.values())
    if record.get("num_infractions", counted) != counted:
        raise RecordError(f"{where}: num_infractions = {record.get('num_infractions')!r}, the lists hold {counted}")


def _check_meta(record: dict, where: str) -> None:
    meta = record.get("meta")
    if not isinstance(meta, dict):
        raise RecordError(f"{where}: has no 'meta' object (found {meta!r})")
    for key in META_NUMBERS:
        value = meta.get(key)
        if not _finite(value) or value < 0.0:
            raise RecordError(f"{where}: meta.{key} = {value!r} is not a finite number >= 0")


def _finite(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
