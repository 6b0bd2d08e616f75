"""Bench2Drive's summary metrics from route records: DS, success rate, abilities, efficiency, comfort."""

from __future__ import annotations

import numpy as np

from sim.eval.infractions import Infraction, number_in_message

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
EFFICIENCY_OUTLIER = 1000.0  # [%] checkpoint values above this are ignored (Bench2Drive's script)
COMFORT_CHUNK = 20  # samples per comfort chunk
COMFORT_WINDOW, COMFORT_POLYORDER, COMFORT_DT = 7, 2, 0.1  # Savitzky-Golay window, order, dt [s]


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


def ability_scores(records: list[dict]) -> dict[str, float]:
    """Success rate per ability over the routes whose scenario belongs to it, and their mean.

    Bench2Drive 0.0.4 also counts a failed traffic-sign route as a success when it passed its
    first junction without red-light or stop infractions; that rule needs the route's junction
    index and is not applied here (results may be slightly lower on Traffic_Signs).
    """
    scores: dict[str, float] = {}
    for ability, types in ABILITIES.items():
        routes = [r for r in records if set(r["meta"].get("scenario_types", ())) & set(types)]
        if routes:
            scores[ability] = sum(is_success(r) for r in routes) / len(routes)
    if scores:
        scores["mean"] = float(np.mean(list(scores.values())))
    return scores


def efficiency(records: list[dict]) -> float | None:
    """Mean over routes of the mean minimum-speed checkpoint percentage (None without events)."""
    per_route = []
    for record in records:
        values = [number_in_message(message) for message in record["infractions"].get(Infraction.MIN_SPEED.value, [])]
        values = [value for value in values if value <= EFFICIENCY_OUTLIER]
        if values:
            per_route.append(float(np.mean(values)))
    return float(np.mean(per_route)) if per_route else None


def comfortness(accelerations: np.ndarray, yaw_rates: np.ndarray) -> float:
    """Fraction of comfortable 20-sample chunks of one route (Bench2Drive's smoothness).

    Args:
        accelerations: ``(T, 2)`` body-frame longitudinal, lateral [m/s^2], 10 Hz samples.
        yaw_rates: ``(T,)`` [rad/s].
    """
    count = accelerations.shape[0]
    chunks = [slice(0, count)] if count <= COMFORT_CHUNK else [
        slice(start, start + COMFORT_CHUNK) for start in range(0, count - COMFORT_CHUNK + 1, COMFORT_CHUNK)
    ]  # fmt: skip
    comfortable = [_chunk_is_comfortable(accelerations[c], yaw_rates[c]) for c in chunks]
    return float(np.mean(comfortable)) if comfortable else 1.0


def _smooth(signal: np.ndarray, deriv: int = 0) -> np.ndarray:
    window = min(COMFORT_WINDOW, signal.shape[0])
    if window <= COMFORT_POLYORDER:
        return signal if deriv == 0 else np.zeros_like(signal)
    from scipy.signal import savgol_filter  # imported when used: scipy.signal takes ~1.5 s to import

    return savgol_filter(signal, window, COMFORT_POLYORDER, deriv=deriv, delta=COMFORT_DT, axis=0)


def _chunk_is_comfortable(accelerations: np.ndarray, yaw_rates: np.ndarray) -> bool:
    lon, lat = _smooth(accelerations[:, 0]), _smooth(accelerations[:, 1])
    jerk = _smooth(np.hypot(accelerations[:, 0], accelerations[:, 1]), deriv=1)
    lon_jerk = _smooth(accelerations[:, 0], deriv=1)
    yaw_rate = _smooth(np.unwrap(yaw_rates))
    # Bench2Drive's script checks the smoothed yaw rate again where it means yaw acceleration.
    return bool(
        np.all((lon > -4.05) & (lon < 2.40))
        and np.all(np.abs(lat) < 4.89)
        and np.all(np.abs(jerk) < 8.37)
        and np.all(np.abs(lon_jerk) < 4.13)
        and np.all(np.abs(yaw_rate) < 1.93)
        and np.all(np.abs(yaw_rate) < 0.95)
    )


def mean_comfortness(records: list[dict]) -> float | None:
    """Mean over routes of the per-route comfortness the runner stores in ``meta`` (None if none)."""
    values = [r["meta"]["comfortness"] for r in records if r["meta"].get("comfortness") is not None]
    return float(np.mean(values)) if values else None
