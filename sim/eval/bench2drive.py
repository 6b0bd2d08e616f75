"""Bench2Drive's summary metrics from route records, as its tools compute them.

- ``merge_route_json.py``: DS = sum of route DS / expected routes (220 there), success rate likewise;
- ``ability_benchmark.py``: success rate per ability of the route's (first) scenario type, with the
  Traffic_Signs junction rule;
- ``efficiency_smoothness_benchmark.py``: efficiency from the minimum-speed texts, smoothness from
  each route's metric_info.json (:mod:`sim.eval.bench2drive_metric`).

Reimplemented from their definitions; where the tools crash (an ability without routes, a failed
traffic-sign route without a junction, a route whose checkpoints are all outliers) these skip.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from sim.eval.infractions import Infraction

SUCCESS_STATUSES = ("Completed", "Perfect")
ABILITIES: dict[str, tuple[str, ...]] = {
    "Overtaking": (
        "Accident", "AccidentTwoWays", "ConstructionObstacle", "ConstructionObstacleTwoWays", "HazardAtSideLane",
        "HazardAtSideLaneTwoWays", "ParkedObstacle", "ParkedObstacleTwoWays", "VehicleOpensDoorTwoWays",
    ),
    "Merging": (
        "CrossingBicycleFlow", "EnterActorFlow", "HighwayExit", "InterurbanActorFlow", "HighwayCutIn",
        "InterurbanAdvancedActorFlow", "MergerIntoSlowTraffic", "MergerIntoSlowTrafficV2",
        "NonSignalizedJunctionLeftTurn", "NonSignalizedJunctionRightTurn", "NonSignalizedJunctionLeftTurnEnterFlow",
        "ParkingExit", "SequentialLaneChange", "SignalizedJunctionLeftTurn", "SignalizedJunctionRightTurn",
        "SignalizedJunctionLeftTurnEnterFlow",
    ),
    "Emergency_Brake": (
        "BlockedIntersection", "DynamicObjectCrossing", "HardBreakRoute", "OppositeVehicleTakingPriority",
        "OppositeVehicleRunningRedLight", "ParkingCutIn", "PedestrianCrossing", "ParkingCrossingPedestrian",
        "StaticCutIn", "VehicleTurningRoute", "VehicleTurningRoutePedestrian", "ControlLoss",
    ),
    "Give_Way": ("InvadingTurn", "YieldToEmergencyVehicle"),
    "Traffic_Signs": (
        "BlockedIntersection", "OppositeVehicleTakingPriority", "OppositeVehicleRunningRedLight", "PedestrianCrossing",
        "VehicleTurningRoute", "VehicleTurningRoutePedestrian", "EnterActorFlow", "CrossingBicycleFlow",
        "NonSignalizedJunctionLeftTurn", "NonSignalizedJunctionRightTurn", "NonSignalizedJunctionLeftTurnEnterFlow",
        "SignalizedJunctionLeftTurn", "SignalizedJunctionRightTurn", "SignalizedJunctionLeftTurnEnterFlow",
        "T_Junction", "VanillaNonSignalizedTurn", "VanillaSignalizedTurnEncounterGreenLight",
        "VanillaSignalizedTurnEncounterRedLight", "VanillaNonSignalizedTurnEncounterStopsign",
    ),
}  # fmt: skip
TRAFFIC_SIGNS = "Traffic_Signs"
JUNCTION_MARGIN = 8  # [route points] past the first junction point a traffic-sign route must get
EFFICIENCY_OUTLIER = 1000.0  # [%] checkpoint values above this are ignored (Bench2Drive's script)
_PERCENTAGE = re.compile(r"\b\d+\.?\d*%")  # the number the efficiency script reads from a min-speed text


def is_success(record: dict) -> bool:
    """Completed (or perfect) with no infraction other than the (disabled) minimum-speed one."""
    if record["status"] not in SUCCESS_STATUSES:
        return False
    ignored = Infraction.MIN_SPEED.value
    return all(not events for key, events in record["infractions"].items() if key != ignored)


def driving_score_and_success(records: list[dict], expected_routes: int) -> tuple[float, float]:
    """DS = sum of route DS / expected routes (missing routes count 0); SR likewise, in [0, 1]."""
    if expected_routes <= 0:
        raise ValueError(f"expected_routes must be positive, got {expected_routes}")
    total = sum(record["scores"]["score_composed"] for record in records)
    successes = sum(is_success(record) for record in records)
    return total / expected_routes, successes / expected_routes


def junction_completion(point_in_junction: np.ndarray) -> float | None:
    """The route completion [0, 1] a traffic-sign route must exceed: (first junction point + 8) / points.

    ``point_in_junction``: ``(K,)`` bool, one per point of the route densified at 1 m. The first
    junction point is counted from 1, as the tool counts. None when the route meets no junction.
    """
    hits = np.flatnonzero(np.asarray(point_in_junction, dtype=bool))
    if hits.size == 0:
        return None
    return float(hits[0] + 1 + JUNCTION_MARGIN) / point_in_junction.shape[0]


@dataclass(frozen=True)
class AbilityScores:
    """Success rate per ability in [0, 1] (abilities without routes are absent) and their mean.

    Attributes:
        scores: ability -> success rate, then ``"mean"``.
        junction_unknown: route ids of failed traffic-sign routes whose junction point is unknown
            (no ``meta.junction_completion``: no map, or no junction on the route); they count as failures.
    """

    scores: dict[str, float]
    junction_unknown: tuple[str, ...] = ()


def ability_scores(records: list[dict]) -> AbilityScores:
    """Bench2Drive 0.0.4's multi-ability success rates.

    A route belongs to the abilities of its first scenario type (``meta.scenario_types[0]``). A failed
    Traffic_Signs route still counts as a Traffic_Signs success when its route completion exceeds
    ``meta.junction_completion`` and it ran no red light and no stop sign.
    """
    counts = {ability: [0, 0] for ability in ABILITIES}  # [successes, routes]
    unknown = []
    for record in records:
        types = record["meta"].get("scenario_types") or ()
        if not types:
            continue
        success = is_success(record)
        for ability, members in ABILITIES.items():
            if types[0] in members:
                counts[ability][0] += success
                counts[ability][1] += 1
        if types[0] in ABILITIES[TRAFFIC_SIGNS] and not success:
            passed = _passed_junction(record)
            if passed is None:
                unknown.append(str(record["route_id"]))
            counts[TRAFFIC_SIGNS][0] += bool(passed)
    scores = {ability: hits / routes for ability, (hits, routes) in counts.items() if routes}
    if scores:
        scores["mean"] = sum(scores.values()) / len(scores)
    return AbilityScores(scores, tuple(unknown))


def _passed_junction(record: dict) -> bool | None:
    threshold = record["meta"].get("junction_completion")
    if threshold is None:
        return None
    signals = record["infractions"]
    clean = not signals.get(Infraction.STOP_SIGN.value) and not signals.get(Infraction.RED_LIGHT.value)
    return record["scores"]["score_route"] / 100.0 > threshold and clean


def efficiency(records: list[dict]) -> float | None:
    """Mean over routes of the mean minimum-speed checkpoint percentage (None without events)."""
    per_route = []
    for record in records:
        values = []
        for message in record["infractions"].get(Infraction.MIN_SPEED.value, []):
            match = _PERCENTAGE.search(message)
            if match is not None and float(match.group().rstrip("%")) <= EFFICIENCY_OUTLIER:
                values.append(float(match.group().rstrip("%")))
        if values:
            per_route.append(sum(values) / len(values))
    return sum(per_route) / len(per_route) if per_route else None


def mean_smoothness(records: list[dict]) -> float | None:
    """Mean over routes of the per-route smoothness the runner stores in ``meta`` (None if none), in [0, 1]."""
    values = [r["meta"]["smoothness"] for r in records if r["meta"].get("smoothness") is not None]
    return sum(values) / len(values) if values else None
