"""``carla.Actor``, ``carla.Vehicle`` and ``carla.Walker`` of the embedded world, read-only.

An actor object lives as long as its id: agents keep references across ticks (the hero, a lead car)
and every getter reads the current tick. An actor that left the world reports ``is_alive`` False and
keeps its last state. Agents may read everything and change nothing: setters raise
:class:`FacadeReadOnlyError`, ``destroy()`` returns False (the runner owns the world).
"""

from __future__ import annotations

import logging
import math
from typing import TYPE_CHECKING, NamedTuple

import carla
import numpy as np

from sim.types import ActorIndex
from sim.world.facade import convert
from sim.world.facade.blueprints import Blueprint
from sim.world.facade.convert import Column as C

if TYPE_CHECKING:
    from sim.world.facade.world import FacadeWorld

logger = logging.getLogger(__name__)

DEFAULT_SPEED_LIMIT = 30.0  # [km/h] CARLA's limit of a vehicle that has passed no speed sign
_REFUSED = ("set_transform", "set_location", "set_target_velocity", "set_target_angular_velocity", "add_impulse",
            "add_force", "add_torque", "add_angular_impulse", "set_simulate_physics", "set_enable_gravity",
            "apply_control", "apply_ackermann_control", "apply_physics_control", "set_autopilot",
            "enable_constant_velocity", "disable_constant_velocity", "open_door", "close_door")  # fmt: skip


class FacadeReadOnlyError(RuntimeError):
    """An agent tried to change the embedded world through the CARLA API."""


class Kinematics(NamedTuple):
    """An actor's state, internal frame: box centre x, y, ground z [m], heading [rad], velocity ``(2,)`` [m/s],
    acceleration ``(2,)`` [m/s^2], yaw rate [rad/s], ``(3,)`` length, width, height [m]."""

    x: float
    y: float
    z: float
    heading: float
    velocity: np.ndarray
    acceleration: np.ndarray
    yaw_rate: float
    dimensions: np.ndarray


def _refuse(name: str):
    def refused(self, *args, **kwargs):
        raise FacadeReadOnlyError(
            f"{type(self).__name__}.{name}() on actor {self.id} ({self.type_id}): agents read the embedded world "
            "through the CARLA API but cannot change it (the runner applies the agent's returned control)"
        )

    refused.__name__ = name
    return refused


class FacadeActor:
    """A ``carla.Actor``: identity, transform, motion and bounding box (CARLA's frame and units)."""

    def __init__(self, world: FacadeWorld, actor_id: int, blueprint: Blueprint, semantic_tags: list[int]) -> None:
        self._world, self.id = world, int(actor_id)
        self.type_id, self.attributes = blueprint.type_id, dict(blueprint.attributes)
        self.semantic_tags, self.parent = list(semantic_tags), None
        self._last: Kinematics | None = None
        self._last_row: list[float] | None = None

    # ---- identity ---------------------------------------------------------------------------
    def __eq__(self, other: object) -> bool:
        return isinstance(other, FacadeActor) and other.id == self.id

    def __hash__(self) -> int:
        return hash(self.id)

    def __repr__(self) -> str:
        return f"Actor(id={self.id}, type={self.type_id})"

    @property
    def is_alive(self) -> bool:
        return self._world.has_actor(self.id)

    @property
    def is_active(self) -> bool:
        return self.is_alive

    def get_world(self) -> FacadeWorld:
        return self._world

    def destroy(self) -> bool:
        logger.warning("%r.destroy() refused: the embedded world's actors are owned by the runner", self)
        return False

    # ---- state --------------------------------------------------------------------------------
    def kinematics(self) -> Kinematics:
        """This tick's state, internal frame (the last one seen once the actor is gone)."""
        now = self._world.kinematics(self.id)
        if now is not None:
            self._last = now
        if self._last is None:
            raise RuntimeError(f"{self!r} has never been in the world")
        return self._last

    def _row(self) -> list[float]:
        """This tick's :class:`convert.Column` row (the last one seen once the actor is gone)."""
        row = self._world.carla_row(self.id)
        if row is not None:
            self._last_row = row
        return self._last_row

    def get_transform(self) -> carla.Transform:
        r = self._row()
        return carla.Transform(carla.Location(r[C.X], r[C.Y], r[C.Z]), carla.Rotation(0.0, r[C.YAW], 0.0))

    def get_location(self) -> carla.Location:
        r = self._row()
        return carla.Location(r[C.X], r[C.Y], r[C.Z])

    def get_velocity(self) -> carla.Vector3D:
        r = self._row()
        return carla.Vector3D(r[C.VX], r[C.VY], 0.0)

    def get_acceleration(self) -> carla.Vector3D:
        r = self._row()
        return carla.Vector3D(r[C.AX], r[C.AY], 0.0)

    def get_angular_velocity(self) -> carla.Vector3D:
        return carla.Vector3D(0.0, 0.0, self._row()[C.YAW_RATE])

    @property
    def bounding_box(self) -> carla.BoundingBox:
        r = self._row()
        extent = carla.Vector3D(r[C.EXTENT_X], r[C.EXTENT_Y], r[C.EXTENT_Z])
        return carla.BoundingBox(carla.Location(0.0, 0.0, r[C.EXTENT_Z]), extent)


for _name in _REFUSED:
    setattr(FacadeActor, _name, _refuse(_name))


class FacadeVehicle(FacadeActor):
    """A ``carla.Vehicle``: controls, speed limit, the traffic light it stands at, lights."""

    _light_state = carla.VehicleLightState.NONE

    def get_control(self) -> carla.VehicleControl:
        """The hero's last applied control; for others an estimate from their motion (``FacadeWorld.control_of``)."""
        return self._world.control_of(self.id)

    def get_speed_limit(self) -> float:
        """[km/h] of the lane under the vehicle (CARLA's default where the map gives none)."""
        k = self.kinematics()
        limit = self._world.speed_limit_at(np.array([k.x, k.y]), k.heading)
        return DEFAULT_SPEED_LIMIT if limit is None else limit * 3.6

    def get_traffic_light(self):
        """The traffic light whose trigger box holds the vehicle, or None."""
        k = self.kinematics()
        return self._world.light_at(np.array([k.x, k.y]))

    def get_traffic_light_state(self) -> carla.TrafficLightState:
        light = self.get_traffic_light()
        return carla.TrafficLightState.Green if light is None else light.get_state()

    def is_at_traffic_light(self) -> bool:
        return self.get_traffic_light() is not None

    def get_light_state(self) -> carla.VehicleLightState:
        return self._light_state

    def set_light_state(self, state) -> None:
        """Kept and reported back; the embedded world draws no vehicle lights."""
        self._light_state = state


class FacadeWalker(FacadeActor):
    """A ``carla.Walker``: its control is its walking direction and speed."""

    def get_control(self) -> carla.WalkerControl:
        k = self.kinematics()
        speed = float(np.hypot(*k.velocity))
        direction = convert.vector(math.cos(k.heading), math.sin(k.heading))
        return carla.WalkerControl(direction, speed)


class Spectator(FacadeActor):
    """The spectator: it can be moved (harmlessly: nothing renders from it)."""

    def __init__(self, world: FacadeWorld, actor_id: int, blueprint: Blueprint) -> None:
        super().__init__(world, actor_id, blueprint, [])
        self._transform = carla.Transform()

    @property
    def is_alive(self) -> bool:
        return True

    def get_transform(self) -> carla.Transform:
        return self._transform

    def get_location(self) -> carla.Location:
        return self._transform.location

    def set_transform(self, transform: carla.Transform) -> None:
        self._transform = transform

    def get_velocity(self) -> carla.Vector3D:
        return carla.Vector3D()

    get_acceleration = get_angular_velocity = get_velocity

    @property
    def bounding_box(self) -> carla.BoundingBox:
        return carla.BoundingBox()


def row_kinematics(row: np.ndarray, z: float, velocity, acceleration, yaw_rate: float) -> Kinematics:
    """:class:`Kinematics` of one :class:`ActorIndex` row."""
    dims = row[[ActorIndex.LENGTH, ActorIndex.WIDTH, ActorIndex.HEIGHT]].astype(np.float64)
    return Kinematics(float(row[ActorIndex.X]), float(row[ActorIndex.Y]), float(z), float(row[ActorIndex.HEADING]),
                      np.asarray(velocity), np.asarray(acceleration), float(yaw_rate), dims)  # fmt: skip
