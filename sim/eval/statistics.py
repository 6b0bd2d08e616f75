"""The checkpoint's ``global_record`` over route records, as each evaluator's StatisticsManager computes it.

Every format averages the per-route DS / RC / IS over the run's total number of routes (missing
routes count 0), not RC_mean x IS_mean. They differ in keys, rounding and infractions per km:

- leaderboard 1.0: ``scores`` (means), ``scores_std_dev`` (sample std, the text "NaN" for one route),
  per km = the sum over routes of count / (length [km] x RC / 100), routes with RC = 0 skipped;
  ``meta.exceptions`` only when a route is not Completed;
- LMDrive's copy: no std and no meta totals; per km divides by length [km] x RC without the /100
  (at least 0.001 km), RC = 0 routes included;
- leaderboard 2.0 / Bench2Drive: ``scores_mean`` (6 decimals), ``scores_std_dev`` (3 decimals, 0 for
  one route), per km = total count / km driven (sum of length x RC / 100, at least 0.001 km), except
  ``outside_route_lanes``: km driven outside the lanes (read from each route's first text).
"""

from __future__ import annotations

import math

from sim.eval.results_format import ResultsFormat, infraction_keys

SCORE_KEYS_LB1 = ("score_route", "score_penalty", "score_composed")
SCORE_KEYS_LB2 = ("score_composed", "score_route", "score_penalty")
ROUND_INFRACTIONS, ROUND_STD, ROUND_MEAN = 3, 3, 6  # decimals in 2.0's global record
MIN_KM_DRIVEN = 0.001  # [km] floor of the per-km denominators (2.0, LMDrive)
OUTSIDE_LANES = "outside_route_lanes"
_OUTSIDE_METRES_WORD = 8  # 2.0 reads the metres as the 9th word of "Agent went outside ... for about X meters"


def global_record(records: list[dict], fmt: ResultsFormat, total_routes: int) -> dict:
    """The ``global_record`` of ``records`` (checkpoint-JSON dicts) in a run of ``total_routes`` routes."""
    if total_routes <= 0:
        raise ValueError(f"total_routes must be positive, got {total_routes}")
    if fmt is ResultsFormat.LB1:
        return _lb1_global(records, total_routes)
    if fmt is ResultsFormat.LMDRIVE:
        return _lmdrive_global(records, total_routes)
    return _lb2_global(records, total_routes)


def _lb1_global(records: list[dict], total: int) -> dict:
    keys = infraction_keys(ResultsFormat.LB1)
    scores: dict = dict.fromkeys(SCORE_KEYS_LB1, 0)  # ints where the leaderboard starts from ints
    std: dict = dict.fromkeys(SCORE_KEYS_LB1, 0)
    meta: dict = {"total_length": 0, "duration_system": 0, "duration_game": 0}
    infractions: dict = {key: [] for key in keys}
    status = "Completed"
    for record in records:
        for key in SCORE_KEYS_LB1:
            scores[key] += record["scores"][key]
        for key, total_key in (("route_length", "total_length"), ("duration_game", "duration_game"),
                               ("duration_system", "duration_system")):  # fmt: skip
            meta[total_key] += record["meta"][key]
        km = record["scores"]["score_route"] / 100.0 * record["meta"]["route_length"] / 1000.0
        for key in keys:
            infractions[key] = infractions[key] if not isinstance(infractions[key], list) else 0
            if record["scores"]["score_route"] != 0 and km > 0.0:  # the leaderboard skips routes never started
                infractions[key] += len(record["infractions"].get(key, [])) / km
        if record["status"] != "Completed":
            status = "Failed"
            meta.setdefault("exceptions", []).append([record["route_id"], record["index"], record["status"]])
    if records:
        scores = {key: value / total for key, value in scores.items()}
        std = _std(records, scores, total, one_route="NaN")
    return {"route_id": -1, "index": -1, "status": status, "infractions": infractions, "scores": scores,
            "meta": meta, "scores_std_dev": std}  # fmt: skip


def _lmdrive_global(records: list[dict], total: int) -> dict:
    keys = infraction_keys(ResultsFormat.LMDRIVE)
    scores: dict = dict.fromkeys(SCORE_KEYS_LB1, 0)
    infractions: dict = {key: [] for key in keys}
    meta: dict = {}
    status = "Completed"
    for record in records:
        for key in SCORE_KEYS_LB1:
            scores[key] += record["scores"][key]
        km = max(record["scores"]["score_route"] * record["meta"]["route_length"] / 1000.0, MIN_KM_DRIVEN)
        for key in keys:
            rate = len(record["infractions"].get(key, [])) / km
            infractions[key] = rate if isinstance(infractions[key], list) else infractions[key] + rate
        if record["status"] != "Completed":
            status = "Failed"
            meta.setdefault("exceptions", []).append([record["route_id"], record["index"], record["status"]])
    scores = {key: value / total for key, value in scores.items()}
    return {"route_id": -1, "index": -1, "status": status, "infractions": infractions, "scores": scores, "meta": meta}


def _lb2_global(records: list[dict], total: int) -> dict:
    keys = infraction_keys(ResultsFormat.LB2)
    means: dict = dict.fromkeys(SCORE_KEYS_LB2, 0)
    meta: dict = {"total_length": 0, "duration_game": 0, "duration_system": 0, "exceptions": []}
    status = "Perfect"
    for record in records:
        for key in SCORE_KEYS_LB2:
            means[key] += record["scores"][key] / total
        meta["total_length"] += record["meta"]["route_length"]
        meta["duration_game"] += record["meta"]["duration_game"]
        meta["duration_system"] += record["meta"]["duration_system"]
        result = "Failed" if "Failed" in record["status"] else record["status"]
        if result == "Failed":
            meta["exceptions"].append([record["route_id"], record["index"], record["status"]])
            status = result
        elif status == "Perfect" and result != "Perfect":
            status = result
    means = {key: round(value, ROUND_MEAN) for key, value in means.items()}
    std = {key: round(value, ROUND_STD) for key, value in _std(records, means, total, one_route=0).items()}
    km_driven = sum(r["meta"]["route_length"] / 1000 * r["scores"]["score_route"] / 100 for r in records)
    km_driven = max(km_driven, MIN_KM_DRIVEN)
    infractions = {key: sum(_lb2_amount(record, key) for record in records) for key in keys}
    infractions = {
        key: round(value if key == OUTSIDE_LANES else value / km_driven, ROUND_INFRACTIONS)
        for key, value in infractions.items()
    }
    return {"index": -1, "route_id": -1, "status": status, "infractions": infractions, "scores_mean": means,
            "scores_std_dev": std, "meta": meta}  # fmt: skip


def _lb2_amount(record: dict, key: str) -> float:
    """A route's count of ``key`` events; for outside route lanes the km driven outside them."""
    messages = record["infractions"].get(key, [])
    if key != OUTSIDE_LANES:
        return len(messages)
    if not messages:
        return 0.0
    words = str(messages[0]).split(" ")
    try:
        return float(words[_OUTSIDE_METRES_WORD]) / 1000
    except (IndexError, ValueError):
        raise ValueError(
            f"record {record.get('route_id')!r}: outside_route_lanes text {messages[0]!r} does not give the metres "
            f"as its word {_OUTSIDE_METRES_WORD + 1} ('Agent went outside its route lanes for about X meters ...')"
        ) from None


def _std(records: list[dict], means: dict, total: int, one_route: float | str) -> dict:
    """Sample standard deviation around ``means`` over ``total`` routes (``one_route`` when there is one)."""
    if total == 1:
        return dict.fromkeys(means, one_route)
    squares: dict = dict.fromkeys(means, 0)
    for record in records:
        for key in means:
            squares[key] += math.pow(record["scores"][key] - means[key], 2)
    return {key: math.sqrt(value / float(total - 1)) for key, value in squares.items()}
