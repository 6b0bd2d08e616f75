"""Leaderboard infraction types, their penalty coefficients, and one infraction event."""

from __future__ import annotations

import enum
import re
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


@dataclass(frozen=True)
class InfractionEvent:
    """One infraction as the criteria report it.

    Attributes:
        kind: what happened.
        time: [s] simulated time.
        location: ``(3,)`` x, y, z [m] in CARLA's frame (as the leaderboard reports locations).
        value: outside-lanes percentage, min-speed percentage, or 0.
        detail: the other actor's ``type_id and id=N``, the light's id, the stop's ``with id=N``.
        distance: [m] outside route lanes: the distance driven outside them.
        text: the official evaluator's own message, kept verbatim for records read from its checkpoint.
    """

    kind: Infraction
    time: float
    location: np.ndarray
    value: float = 0.0
    detail: str = ""
    distance: float = 0.0
    text: str = ""

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

    def message(self, with_time: bool = False) -> str:
        """The text the leaderboard stores in the results JSON, word for word as its criteria write it.

        ``with_time``: LMDrive's copy of the criteria appends the game time to collision and red-light texts.
        """
        if self.text:
            return self.text
        x, y, z = (_rounded(v, 3) for v in self.location)
        text = _MESSAGES[self.kind].format(
            detail=self.detail, where=f"(x={x}, y={y}, z={z})", value=_rounded(self.value, 2),
            distance=_rounded(self.distance, 3),
        )  # fmt: skip
        if with_time and self.kind in _TIMED:
            text += _TIMED[self.kind].format(time=float(self.time))
        return text


def _rounded(value: float, digits: int) -> float:
    """``round`` to a plain float, as the criteria format their numbers (``str(round(v, 3))``)."""
    return round(float(value), digits)


# The texts of scenario_runner's criteria (leaderboard 1.0 and 2.0 write the same words).
_MESSAGES = {
    Infraction.COLLISION_PEDESTRIAN: "Agent collided against object with type={detail} at {where}",
    Infraction.COLLISION_VEHICLE: "Agent collided against object with type={detail} at {where}",
    Infraction.COLLISION_STATIC: "Agent collided against object with type={detail} at {where}",
    Infraction.RED_LIGHT: "Agent ran a red light {detail} at {where}",
    Infraction.STOP_SIGN: "Agent ran a stop {detail} at {where}",
    Infraction.OUTSIDE_ROUTE_LANES: (
        "Agent went outside its route lanes for about {distance} meters ({value}% of the completed route)"
    ),
    Infraction.MIN_SPEED: "Average speed is {value}% of the surrounding traffic's one",
    Infraction.YIELD_TO_EMERGENCY_VEHICLE: "Agent failed to yield to an emergency vehicle",
    Infraction.SCENARIO_TIMEOUT: "Agent timed out a scenario",
    Infraction.ROUTE_DEVIATION: "Agent deviated from the route at {where}",
    Infraction.AGENT_BLOCKED: "Agent got blocked at {where}",
    Infraction.ROUTE_TIMEOUT: "Route timeout.",
}
_TIMED = {
    Infraction.COLLISION_PEDESTRIAN: ", at time={time}",
    Infraction.COLLISION_VEHICLE: ", at time={time}",
    Infraction.COLLISION_STATIC: ", at time={time}",
    Infraction.RED_LIGHT: " at time={time}",
}
# The percentage an outside-lanes or minimum-speed text reports (its other numbers are metres or coordinates).
_PERCENTAGE = re.compile(r"(-?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)\s*%")


def percentage_in_message(message: str) -> float:
    """The percentage in an infraction message (outside-lanes or min-speed texts); NaN if none."""
    match = _PERCENTAGE.search(message)
    return float(match.group(1)) if match else float("nan")


_PERCENT_KINDS = (Infraction.OUTSIDE_ROUTE_LANES, Infraction.MIN_SPEED)  # penalties scale with a percentage


def penalty_of_messages(infractions: dict[str, list[str]], rules: LeaderboardRules) -> float:
    """IS recomputed from a results record's ``infractions`` (key -> messages), as the events gave it.

    Percentages are read back from the messages, which print them rounded to 2 decimals, so the
    result is within ~1e-4 of the recorded IS.
    """
    penalty = 1.0
    for key, messages in infractions.items():
        try:
            kind = Infraction(key)
        except ValueError:
            continue  # a key of another format (e.g. the leaderboard's extra lists) has no penalty here
        for message in messages:
            value = percentage_in_message(message) if kind in _PERCENT_KINDS else 0.0
            penalty *= InfractionEvent(kind, 0.0, np.zeros(3), value).penalty(rules)
    return penalty
