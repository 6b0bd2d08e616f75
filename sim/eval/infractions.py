"""Leaderboard infraction types, their penalty coefficients, and one infraction event."""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np


class LeaderboardRules(enum.Enum):
    """Whose scoring rules apply: leaderboard 1.0 (LangAuto), 2.0, or Bench2Drive's 2.0 fork."""

    LB1 = "1.0"
    LB2 = "2.0"
    BENCH2DRIVE = "bench2drive"


class Infraction(enum.Enum):
    """Infraction kinds, named by their key in the leaderboard's results JSON."""

    COLLISION_PEDESTRIAN = "collisions_pedestrian"
    COLLISION_VEHICLE = "collisions_vehicle"
    COLLISION_STATIC = "collisions_layout"
    RED_LIGHT = "red_light"
    STOP_SIGN = "stop_infraction"
    OUTSIDE_ROUTE_LANES = "outside_route_lanes"
    MIN_SPEED = "min_speed_infractions"
    YIELD_TO_EMERGENCY_VEHICLE = "yield_emergency_vehicle_infractions"
    SCENARIO_TIMEOUT = "scenario_timeouts"
    ROUTE_DEVIATION = "route_dev"
    AGENT_BLOCKED = "vehicle_blocked"
    ROUTE_TIMEOUT = "route_timeout"


# Multiplicative penalty per event [1] (carla_leaderboard.md section 3.1); the same in both versions.
PENALTY = {
    Infraction.COLLISION_PEDESTRIAN: 0.50,
    Infraction.COLLISION_VEHICLE: 0.60,
    Infraction.COLLISION_STATIC: 0.65,
    Infraction.RED_LIGHT: 0.70,
    Infraction.STOP_SIGN: 0.80,
    Infraction.SCENARIO_TIMEOUT: 0.70,  # 2.0 only
    Infraction.YIELD_TO_EMERGENCY_VEHICLE: 0.70,  # 2.0 only
}
# Infractions that end the route without a penalty of their own.
TERMINATING = (Infraction.ROUTE_DEVIATION, Infraction.AGENT_BLOCKED, Infraction.ROUTE_TIMEOUT)


def infraction_keys(rules: LeaderboardRules) -> tuple[str, ...]:
    """The ``infractions`` keys a record of these rules carries (LB1 has no 2.0-only kinds)."""
    lb2_only = {Infraction.MIN_SPEED, Infraction.YIELD_TO_EMERGENCY_VEHICLE, Infraction.SCENARIO_TIMEOUT}
    kinds = [kind for kind in Infraction if rules is not LeaderboardRules.LB1 or kind not in lb2_only]
    return tuple(kind.value for kind in kinds)


@dataclass(frozen=True)
class InfractionEvent:
    """One infraction as the criteria report it.

    Attributes:
        kind: what happened.
        time: [s] simulated time.
        location: ``(3,)`` x, y, z [m] in CARLA's frame (as the leaderboard reports locations).
        value: outside-lanes percentage, min-speed percentage, or 0.
        detail: e.g. the other actor's type and id.
    """

    kind: Infraction
    time: float
    location: np.ndarray
    value: float = 0.0
    detail: str = ""

    def penalty(self, rules: LeaderboardRules) -> float:
        """The multiplicative factor this event applies to the infraction penalty (IS)."""
        if self.kind is Infraction.OUTSIDE_ROUTE_LANES:
            return max(0.0, 1.0 - self.value / 100.0)
        if self.kind is Infraction.MIN_SPEED:
            # Bench2Drive disables the minimum-speed penalty ('unused'); LB1 has no such test.
            if rules is LeaderboardRules.LB2:
                return 1.0 - 0.3 * (1.0 - self.value / 100.0)
            return 1.0
        return PENALTY.get(self.kind, 1.0)

    def message(self) -> str:
        """The leaderboard-style text stored in the results JSON."""
        x, y, z = (float(v) for v in self.location)
        where = f"at (x={x:.3f}, y={y:.3f}, z={z:.3f})"
        text = _MESSAGES[self.kind].format(value=self.value, detail=self.detail)
        return f"{text} {where}"


_MESSAGES = {
    Infraction.COLLISION_PEDESTRIAN: "Agent collided against object with type={detail}",
    Infraction.COLLISION_VEHICLE: "Agent collided against object with type={detail}",
    Infraction.COLLISION_STATIC: "Agent collided against object with type={detail}",
    Infraction.RED_LIGHT: "Agent ran a red light {detail}",
    Infraction.STOP_SIGN: "Agent ran a stop sign {detail}",
    Infraction.OUTSIDE_ROUTE_LANES: "Agent went outside its route lanes for about {value:.3f}% of the completed route",
    Infraction.MIN_SPEED: "Average agent speed is {value:.1f}% of the surrounding traffic's one",
    Infraction.YIELD_TO_EMERGENCY_VEHICLE: "Agent failed to yield to an emergency vehicle",
    Infraction.SCENARIO_TIMEOUT: "Agent timed out a scenario {detail}",
    Infraction.ROUTE_DEVIATION: "Agent deviated from the route",
    Infraction.AGENT_BLOCKED: "Agent got blocked",
    Infraction.ROUTE_TIMEOUT: "Route timeout",
}


def number_in_message(message: str) -> float:
    """The first number in an infraction message (outside-lanes or min-speed percentage); NaN if none."""
    for token in message.replace("%", " ").split():
        try:
            return float(token)
        except ValueError:
            continue
    return float("nan")


_PERCENT_KINDS = (Infraction.OUTSIDE_ROUTE_LANES, Infraction.MIN_SPEED)  # penalties scale with a percentage


def penalty_of_messages(infractions: dict[str, list[str]], rules: LeaderboardRules) -> float:
    """IS recomputed from a results record's ``infractions`` (key -> messages), as the events gave it.

    Percentages are read back from the messages, which print them rounded (outside lanes to 3
    decimals, minimum speed to 1), so the result is within ~1e-4 of the recorded IS.
    """
    penalty = 1.0
    for key, messages in infractions.items():
        try:
            kind = Infraction(key)
        except ValueError:
            continue  # a key of another format (e.g. the leaderboard's extra lists) has no penalty here
        for message in messages:
            value = number_in_message(message) if kind in _PERCENT_KINDS else 0.0
            penalty *= InfractionEvent(kind, 0.0, np.zeros(3), value).penalty(rules)
    return penalty
