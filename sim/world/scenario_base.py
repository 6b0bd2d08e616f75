"""What every scenario shares: its actors, its life cycle and the world it may touch.

A scenario is PENDING until the ego is within ``scenario_spawn_distance`` of its trigger along the
route (then its actors are placed, standing still), ACTIVE once the ego reaches the trigger, and
DONE (or TIMED_OUT after ``scenario_timeout`` seconds active). Placement is relative to the dense
route: ``route_pose(s, lateral)`` is the route pose ``s`` metres along it, shifted ``lateral``
metres to its left.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, field

import numpy as np

from routes.route_types import ScenarioSpec
from sim.maps.dense_route import DenseRoute
from sim.types import ActorIndex, ActorKind
from sim.world.snapshot import ACTOR_COLUMNS

DEFAULT_LANE_WIDTH = 3.5  # [m] when the route point is off every lane
SIZES = {  # [m] length, width, height per kind of scenario prop
    "car": (4.6, 1.9, 1.5),
    "van": (5.4, 2.1, 2.2),
    "bicycle": (1.8, 0.6, 1.7),
    "walker": (0.5, 0.5, 1.8),
    "cone": (0.4, 0.4, 0.7),
    "sign": (0.6, 1.6, 1.6),
    "door": (1.0, 0.2, 1.2),
    "ambulance": (6.4, 2.4, 2.7),
}
KIND_OF_PROP = {
    "car": ActorKind.VEHICLE,
    "van": ActorKind.VEHICLE,
    "bicycle": ActorKind.BICYCLE,
    "walker": ActorKind.WALKER,
    "cone": ActorKind.STATIC,
    "sign": ActorKind.STATIC,
    "door": ActorKind.STATIC,
    "ambulance": ActorKind.EMERGENCY,
}


class ScenarioStatus(enum.IntEnum):
    """Life cycle of a scenario (see the module docstring)."""

    PENDING = 0
    PREPARED = 1
    ACTIVE = 2
    DONE = 3
    TIMED_OUT = 4


@dataclass(frozen=True)
class ScenarioState:
    """Public record of one scenario, as :meth:`World.scenario_states` returns it.

    Attributes:
        name, type: from the route file (e.g. ``"ParkingCutIn_1"``, ``"ParkingCutIn"``).
        status: :class:`ScenarioStatus`.
        trigger_index: index of the dense-route point of the trigger.
        trigger_s: [m] arc length of the trigger along the route.
        activated_at, ended_at: [s] world time, NaN until it happens.
        actor_ids: ids of its actors currently in the world.
    """

    name: str
    type: str
    status: ScenarioStatus
    trigger_index: int
    trigger_s: float
    activated_at: float
    ended_at: float
    actor_ids: tuple[int, ...]


@dataclass
class ScenarioActor:
    """A scenario-driven actor (box centre pose, internal frame)."""

    id: int
    kind: ActorKind
    x: float
    y: float
    heading: float
    length: float
    width: float
    height: float
    speed: float = 0.0

    def row(self) -> np.ndarray:
        out = np.empty(ACTOR_COLUMNS)
        out[ActorIndex.X], out[ActorIndex.Y], out[ActorIndex.HEADING] = self.x, self.y, self.heading
        out[ActorIndex.SPEED], out[ActorIndex.LENGTH] = self.speed, self.length
        out[ActorIndex.WIDTH], out[ActorIndex.HEIGHT], out[ActorIndex.KIND] = self.width, self.height, self.kind
        return out


@dataclass
class ScenarioContext:
    """What scenarios may read and change; the world fills it in each tick.

    Attributes:
        network: the town. route: the ego's dense route. rng: the world's generator.
        traffic: background traffic (flows add vehicles to it). lights: the traffic lights.
        ego_xy: ``(2,)`` ego box centre [m]. ego_speed: [m/s]. ego_s: [m] ego progress along the route.
        time: [s]. dt: [s]. new_id: callable giving a fresh actor id.
    """

    network: object
    route: DenseRoute
    rng: np.random.Generator
    traffic: object
    lights: object
    new_id: object
    ego_xy: np.ndarray = field(default_factory=lambda: np.zeros(2))
    ego_heading: float = 0.0
    ego_speed: float = 0.0
    ego_s: float = 0.0
    time: float = 0.0
    dt: float = 0.05

    def route_pose(self, s: float, lateral: float = 0.0) -> tuple[float, float, float]:
        """Route pose at arc length ``s`` [m], shifted ``lateral`` [m] to the left."""
        route = self.route
        s = float(np.clip(s, 0.0, route.length))
        k = min(route.index_at(s), route.points.shape[0] - 2)
        t = (s - route.s[k]) / max(route.s[k + 1] - route.s[k], 1e-9)
        x, y = route.points[k, :2] + t * (route.points[k + 1, :2] - route.points[k, :2])
        heading = float(route.points[k, 2])
        return x - lateral * math.sin(heading), y + lateral * math.cos(heading), heading

    def lane_width_at(self, s: float) -> float:
        """[m] width of the lane under the route at ``s``."""
        x, y, heading = self.route_pose(s)
        match = self.network.locate(np.array([x, y]), heading)
        if match.distance > 2.0:
            return DEFAULT_LANE_WIDTH
        return float(self.network.widths[match.point])

    def make_actor(self, prop: str, pose: tuple[float, float, float], speed: float = 0.0) -> ScenarioActor:
        length, width, height = SIZES[prop]
        return ScenarioActor(self.new_id(), KIND_OF_PROP[prop], *pose, length, width, height, speed)


def parameter(spec: ScenarioSpec, name: str, default: float, key: str = "value") -> float:
    """A numeric parameter of a Bench2Drive scenario (``<distance value="40"/>``), else ``default``."""
    try:
        return float(spec.parameters.get(name, {}).get(key, default))
    except (TypeError, ValueError):
        return default


def side_sign(spec: ScenarioSpec, default: str = "right") -> float:
    """+1 for a ``direction`` of left, -1 for right (lateral offsets are positive to the left)."""
    direction = str(spec.parameters.get("direction", {}).get("value", default)).lower()
    return 1.0 if direction == "left" else -1.0


class Scenario:
    """Base class: subclasses set ``trigger_ahead`` and override :meth:`prepare`, :meth:`start`, :meth:`update`."""

    trigger_ahead = 2.0  # [m] the scenario starts when the ego is this close to the trigger along the route

    def __init__(self, spec: ScenarioSpec, trigger_index: int, trigger_s: float):
        self.spec, self.trigger_index, self.trigger_s = spec, trigger_index, trigger_s
        self.status = ScenarioStatus.PENDING
        self.activated_at = math.nan
        self.ended_at = math.nan
        self.actors: list[ScenarioActor] = []

    def prepare(self, ctx: ScenarioContext) -> None:
        """Place the actors (standing still) before the ego arrives."""

    def start(self, ctx: ScenarioContext) -> None:
        """The ego reached the trigger."""

    def update(self, ctx: ScenarioContext) -> bool:
        """Move the actors one tick; return True when the scenario is over."""
        return ctx.ego_s > self.trigger_s + 50.0

    def finish(self, ctx: ScenarioContext) -> None:
        """Clean up when over (release light overrides, remove flow vehicles)."""

    def steer_offset(self, ctx: ScenarioContext) -> float:
        """Added to the ego's steer while active (ControlLoss)."""
        return 0.0

    def state(self) -> ScenarioState:
        return ScenarioState(
            name=self.spec.name,
            type=self.spec.type,
            status=self.status,
            trigger_index=self.trigger_index,
            trigger_s=self.trigger_s,
            activated_at=self.activated_at,
            ended_at=self.ended_at,
            actor_ids=tuple(a.id for a in self.actors),
        )
