"""CARLA actors -> rows of the embedded world's arrays (internal frame), for :mod:`agents.adapters.carla_world`.

Positions are box centres (``transform.transform(bounding_box.location)``), speeds are signed along the
actor's heading, sizes are twice the extents. CARLA's blueprints tell walkers, bicycles (``base_type``
``bicycle``, or two wheels on servers without ``base_type``), emergency vehicles and static props apart.
"""

from __future__ import annotations

import numpy as np

from sim.frames import carla_to_internal_xy, carla_yaw_rate_to_internal, carla_yaw_to_internal
from sim.maps.road_network import RoadNetwork
from sim.types import ActorIndex, ActorKind, LightState
from sim.world.config import EgoDynamicsConfig
from sim.world.snapshot import ACTOR_COLUMNS, EgoSnapshot

EMERGENCY_MODELS = ("ambulance", "firetruck", "police")  # blueprint names of emergency vehicles (older servers)
MATCH_LIGHT_DISTANCE = 5.0  # [m] a light without an OpenDRIVE id is the network's signal this close to its pole
REAR_AXLE_TO_CENTER = EgoDynamicsConfig().rear_axle_to_center  # [m] the MKZ's, used for any hero


def actor_kind(actor) -> ActorKind | None:
    """The :class:`ActorKind` of a CARLA actor, or None for actors that are not traffic (lights, sensors)."""
    type_id, attributes = actor.type_id, actor.attributes
    if type_id.startswith("walker."):
        return ActorKind.WALKER
    if type_id.startswith("static."):
        return ActorKind.STATIC
    if not type_id.startswith("vehicle."):
        return None
    if attributes.get("base_type", "") == "bicycle" or (
        "base_type" not in attributes and attributes.get("number_of_wheels") == "2"
    ):
        return ActorKind.BICYCLE
    if attributes.get("special_type", "") == "emergency" or any(m in type_id for m in EMERGENCY_MODELS):
        return ActorKind.EMERGENCY
    return ActorKind.VEHICLE


def _centre_heading_speed(actor) -> tuple[np.ndarray, float, float]:
    transform = actor.get_transform()
    centre = transform.transform(actor.bounding_box.location)
    heading = float(carla_yaw_to_internal(transform.rotation.yaw))
    velocity = carla_to_internal_xy(np.array([actor.get_velocity().x, actor.get_velocity().y]))
    speed = float(velocity @ np.array([np.cos(heading), np.sin(heading)]))
    return carla_to_internal_xy(np.array([centre.x, centre.y])), heading, speed


def actor_rows(actors, hero_id: int) -> tuple[np.ndarray, np.ndarray]:
    """``(ids (A,), rows (A, 8))`` of every vehicle, walker and prop but the hero, :class:`ActorIndex` columns."""
    ids, rows = [], []
    for actor in actors:
        kind = actor_kind(actor)
        if kind is None or actor.id == hero_id:
            continue
        centre, heading, speed = _centre_heading_speed(actor)
        extent = actor.bounding_box.extent
        row = np.empty(ACTOR_COLUMNS)
        row[[ActorIndex.X, ActorIndex.Y]] = centre
        row[ActorIndex.HEADING], row[ActorIndex.SPEED] = heading, speed
        row[[ActorIndex.LENGTH, ActorIndex.WIDTH, ActorIndex.HEIGHT]] = 2.0 * extent.x, 2.0 * extent.y, 2.0 * extent.z
        row[ActorIndex.KIND] = kind
        ids.append(actor.id)
        rows.append(row)
    return np.array(ids, dtype=np.int64), np.array(rows, dtype=np.float64).reshape(-1, ACTOR_COLUMNS)


def ego_snapshot(hero) -> EgoSnapshot:
    """The hero as an :class:`EgoSnapshot` (its rear axle placed the MKZ's distance behind the box centre)."""
    centre, heading, speed = _centre_heading_speed(hero)
    direction = np.array([np.cos(heading), np.sin(heading)])
    acceleration = carla_to_internal_xy(np.array([hero.get_acceleration().x, hero.get_acceleration().y]))
    body = np.array([acceleration @ direction, acceleration @ np.array([-direction[1], direction[0]])])
    extent = hero.bounding_box.extent
    return EgoSnapshot(
        pose=np.array([*(centre - REAR_AXLE_TO_CENTER * direction), heading]),
        center=centre,
        z=float(hero.get_location().z),
        speed=speed,
        acceleration=body,
        yaw_rate=float(carla_yaw_rate_to_internal(hero.get_angular_velocity().z)),
        dimensions=np.array([2.0 * extent.x, 2.0 * extent.y, 2.0 * extent.z]),
        steer=float(hero.get_control().steer),
    )


def light_rows(lights, network: RoadNetwork, known: dict[int, int]):
    """``(row of network.traffic_lights, LightState value)`` of each light actor that matches a network signal.

    A light is matched by its OpenDRIVE id (``get_opendrive_id``), else by its pole position; ``known``
    remembers the matches by actor id across ticks.
    """
    signals = network.traffic_lights
    by_id = {str(signal_id): row for row, signal_id in enumerate(signals.ids.tolist())}
    for light in lights:
        if light.id not in known:
            row = by_id.get(str(light.get_opendrive_id())) if hasattr(light, "get_opendrive_id") else None
            if row is None:
                location = light.get_location()
                pole = carla_to_internal_xy(np.array([location.x, location.y]))
                distance = np.hypot(*(signals.positions[:, :2] - pole).T) if signals.count else np.zeros(0)
                row = int(np.argmin(distance)) if distance.size and distance.min() <= MATCH_LIGHT_DISTANCE else -1
            known[light.id] = row
        if known[light.id] >= 0:
            yield known[light.id], min(int(light.state), int(LightState.OFF))  # CARLA's Unknown (4) is off
