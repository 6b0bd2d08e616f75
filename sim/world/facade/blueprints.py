"""What each embedded actor is called in CARLA: blueprint id (``type_id``), ``attributes`` and role.

The embedded world knows an actor's kind and box, not its CARLA model, so a blueprint is chosen from
the kind and the box (a long box is a van, a short one a compact car). Agents filter on these
(``world.get_actors().filter('*vehicle*')``, ``attributes['role_name'] == 'hero'``,
``attributes['base_type'] == 'bicycle'``); the names are CARLA blueprints of the kind, except the opened
car door of VehicleOpensDoorTwoWays (part of a car in CARLA, a static box here).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from routes.route_types import LeaderboardVersion
from sim.types import ActorKind

HERO_ROLE = "hero"
SCENARIO_ROLE = "scenario"
BACKGROUND_ROLE = {LeaderboardVersion.LB1: "autopilot", LeaderboardVersion.LB2: "background"}
HERO_BLUEPRINT = {  # the leaderboards' ego vehicles
    LeaderboardVersion.LB1: "vehicle.lincoln.mkz2017",
    LeaderboardVersion.LB2: "vehicle.lincoln.mkz_2020",
}
TRAFFIC_LIGHT_BLUEPRINT = "traffic.traffic_light"
STOP_SIGN_BLUEPRINT = "traffic.stop"
SPECTATOR_BLUEPRINT = "spectator"
VAN_LENGTH = 5.2  # [m] boxes at least this long are vans
COMPACT_LENGTH = 4.3  # [m] boxes shorter than this are compact cars
_PROPS = (  # (length, width, height) [m] of the scenario props (sim.world.scenario_base.SIZES) -> blueprint
    ((0.4, 0.4, 0.7), "static.prop.constructioncone"),
    ((0.6, 1.6, 1.6), "static.prop.warningconstruction"),
    ((1.0, 0.2, 1.2), "static.prop.vehicledoor"),
)


@dataclass(frozen=True)
class Blueprint:
    """A CARLA actor's identity: ``type_id`` and ``attributes`` (all values are strings, as in CARLA)."""

    type_id: str
    attributes: dict[str, str] = field(default_factory=dict)


def _vehicle(type_id: str, role: str, wheels: int, base_type: str, special: str = "") -> Blueprint:
    return Blueprint(type_id, {"role_name": role, "number_of_wheels": str(wheels), "base_type": base_type,
                               "special_type": special, "generation": "2", "has_lights": "true"})  # fmt: skip


def hero_blueprint(version: LeaderboardVersion) -> Blueprint:
    return _vehicle(HERO_BLUEPRINT[version], HERO_ROLE, 4, "car")


def actor_blueprint(kind: int, length: float, role: str) -> Blueprint:
    """The blueprint of an embedded actor of :class:`ActorKind` ``kind`` with a box ``length`` [m] long."""
    kind = ActorKind(int(kind))
    if kind is ActorKind.WALKER:
        return Blueprint("walker.pedestrian.0001", {"role_name": role, "age": "adult", "generation": "2",
                                                    "is_invincible": "false"})  # fmt: skip
    if kind is ActorKind.BICYCLE:
        return _vehicle("vehicle.diamondback.century", role, 2, "bicycle")
    if kind is ActorKind.EMERGENCY:
        return _vehicle("vehicle.ford.ambulance", role, 4, "van", "emergency")
    if kind is ActorKind.STATIC:
        return Blueprint(_prop(length), {"role_name": role, "size": "small"})
    if length >= VAN_LENGTH:
        return _vehicle("vehicle.mercedes.sprinter", role, 4, "van")
    if length < COMPACT_LENGTH:
        return _vehicle("vehicle.mini.cooper_s_2021", role, 4, "car")
    return _vehicle("vehicle.tesla.model3", role, 4, "car")


def _prop(length: float) -> str:
    nearest = min(_PROPS, key=lambda item: abs(item[0][0] - length))
    return nearest[1]
