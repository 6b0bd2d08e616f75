"""Global statistics over route records (the checkpoint JSON's records), as the leaderboards compute them."""

from __future__ import annotations

import numpy as np

from sim.eval.infractions import Infraction, LeaderboardRules, infraction_keys, number_in_message

SCORE_KEYS = ("score_composed", "score_route", "score_penalty")
MIN_KM_DRIVEN = 0.001  # [km] floor of the per-km denominator (leaderboard 2.0)


def global_record(records: list[dict], rules: LeaderboardRules) -> dict:
    """The ``global_record`` entry: score means, sample standard deviations, infractions per km.

    Global DS / RC / IS are arithmetic means of the per-route values (not RC_mean x IS_mean).
    Infractions per km follow leaderboard 2.0: total count / km driven, km driven =
    sum(route length x RC / 100); "outside route lanes" is reported as km driven outside lanes.
    """
    scores = {key: np.array([r["scores"][key] for r in records], dtype=np.float64) for key in SCORE_KEYS}
    km_driven = max(sum(_km_driven(r) for r in records), MIN_KM_DRIVEN)
    infractions = {}
    for key in infraction_keys(rules):
        count = sum(len(r["infractions"].get(key, [])) for r in records)
        infractions[key] = round(count / km_driven, 3)
    infractions[Infraction.OUTSIDE_ROUTE_LANES.value] = round(_km_outside_lanes(records), 3)
    failed = any(r["status"].startswith("Failed") for r in records)
    return {
        "index": -1,
        "route_id": -1,
        "status": "Failed" if failed else "Completed",
        "infractions": infractions,
        "scores_mean": {key: float(values.mean()) for key, values in scores.items()},
        "scores_std_dev": {
            key: float(values.std(ddof=1)) if values.size > 1 else 0.0 for key, values in scores.items()
        },
        "meta": {
            "total_length": float(sum(r["meta"]["route_length"] for r in records)),
            "duration_game": float(sum(r["meta"]["duration_game"] for r in records)),
            "duration_system": float(sum(r["meta"]["duration_system"] for r in records)),
            "km_driven": km_driven,
            "exceptions": [
                [r["route_id"], r["index"], r["status"]] for r in records if r["status"].startswith("Failed")
            ],
        },
    }


def _km_driven(record: dict) -> float:
    return record["meta"]["route_length"] / 1000.0 * record["scores"]["score_route"] / 100.0


def _km_outside_lanes(records: list[dict]) -> float:
    """Km driven outside the route lanes: each event's percentage of that route's completed km."""
    total = 0.0
    for record in records:
        for message in record["infractions"].get(Infraction.OUTSIDE_ROUTE_LANES.value, []):
            percentage = number_in_message(message)
            total += _km_driven(record) * percentage / 100.0
    return total
