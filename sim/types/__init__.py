"""Frozen dataclasses of arrays and IntEnum column indices shared by every layer.

Frames and units (see DESIGN.md): right-handed, x forward/east, y left/north, heading
counter-clockwise from +x; metres, seconds, radians. "global" is the frame of a scene or map;
"local" is the ego rear-axle frame at the current time (x forward, y left).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np

# The world enums (their one home is sim/types/world.py), re-exported for every layer.
from sim.types.world import ActorIndex as ActorIndex
from sim.types.world import ActorKind as ActorKind
from sim.types.world import LightState as LightState
from sim.types.world import RoadOption as RoadOption


class StateIndex(enum.IntEnum):
    """Columns of the 11-column NAVSIM ego state (rear-axle reference point)."""

    X = 0  # [m] global
    Y = 1  # [m] global
    HEADING = 2  # [rad] global, wrapped
    VX = 3  # [m/s] body frame, longitudinal
    VY = 4  # [m/s] body frame, lateral
    AX = 5  # [m/s^2] body frame, longitudinal
    AY = 6  # [m/s^2] body frame, lateral
    STEERING_ANGLE = 7  # [rad] tyre angle
    STEERING_RATE = 8  # [rad/s]
    ANGULAR_VELOCITY = 9  # [rad/s] yaw rate
    ANGULAR_ACCELERATION = 10  # [rad/s^2]


STATE_SIZE = len(StateIndex)


class TrackStateIndex(enum.IntEnum):
    """Columns of an agent track state: the box centre, global frame."""

    X = 0  # [m]
    Y = 1  # [m]
    HEADING = 2  # [rad]
    VX = 3  # [m/s] global frame
    VY = 4  # [m/s] global frame


class PastIndex(enum.IntEnum):
    """Columns of the logged ego past (rear axle, global).

    A past has the first :data:`PAST_MIN_COLUMNS` columns (scene JSON) or all of them (NAVSIM
    metric caches, whose logged ego states carry lateral terms); absent columns count as 0.
    """

    T = 0  # [s] relative to t0 (negative or 0)
    X = 1  # [m]
    Y = 2  # [m]
    HEADING = 3  # [rad]
    V_LON = 4  # [m/s]
    A_LON = 5  # [m/s^2]
    V_LAT = 6  # [m/s] body frame, left positive
    A_LAT = 7  # [m/s^2] body frame, left positive
    STEERING_ANGLE = 8  # [rad] tyre angle


PAST_MIN_COLUMNS = PastIndex.A_LON + 1


class Frame(enum.Enum):
    """Coordinate frame of a pose array."""

    LOCAL = "local"  # ego rear axle at the current time
    GLOBAL = "global"  # scene or map frame


class MapLayer(enum.IntEnum):
    """Semantic layer of a drivable-map polygon (nuPlan's names, as NAVSIM uses them)."""

    ROADBLOCK = 0
    LANE = 1
    LANE_CONNECTOR = 2
    INTERSECTION = 3
    CARPARK_AREA = 4
    DRIVABLE_AREA = 5


class AgentType(enum.IntEnum):
    """Object types. The first three are agents (they move; colliding with them scores NC 0)."""

    VEHICLE = 0
    PEDESTRIAN = 1
    BICYCLE = 2
    TRAFFIC_CONE = 3
    BARRIER = 4
    CZONE_SIGN = 5
    GENERIC_OBJECT = 6

    @property
    def is_agent(self) -> bool:
        return self <= AgentType.BICYCLE


@dataclass(frozen=True)
class VehicleParameters:
    """Ego box and wheelbase, all [m]. Reference point of states is the rear axle."""

    width: float
    front_length: float  # rear axle to front bumper
    rear_length: float  # rear axle to rear bumper
    wheel_base: float
    height: float

    @property
    def length(self) -> float:
        return self.front_length + self.rear_length

    @property
    def rear_axle_to_center(self) -> float:
        """Distance [m] from the rear axle forward to the box centre."""
        return self.length / 2.0 - self.rear_length


PACIFICA = VehicleParameters(width=2.297, front_length=4.049, rear_length=1.127, wheel_base=3.089, height=1.777)
"""nuPlan's Chrysler Pacifica, the NAVSIM ego."""


@dataclass(frozen=True)
class TrajectorySampling:
    """``num_poses`` poses every ``interval_length`` [s], the first one interval after now."""

    num_poses: int
    interval_length: float  # [s]

    def __post_init__(self) -> None:
        if self.num_poses < 1 or not self.interval_length > 0.0:
            raise ValueError(f"TrajectorySampling needs num_poses >= 1 and interval_length > 0, got {self}")

    @property
    def time_horizon(self) -> float:
        """[s]"""
        return self.num_poses * self.interval_length


NAVSIM_SAMPLING = TrajectorySampling(num_poses=8, interval_length=0.5)
"""NAVSIM's default trajectory: 8 poses at 2 Hz, 4 s."""


@dataclass(frozen=True)
class Trajectory:
    """Poses ``(T, 3)`` float64: x [m], y [m], heading [rad] in ``frame``, sampled by ``sampling``.

    The current pose is not included: pose ``k`` is at time ``(k + 1) * interval_length``.
    """

    poses: np.ndarray
    sampling: TrajectorySampling
    frame: Frame = Frame.LOCAL

    def __post_init__(self) -> None:
        poses = np.asarray(self.poses, dtype=np.float64)
        if poses.ndim != 2 or poses.shape[1] != 3 or poses.shape[0] != self.sampling.num_poses:
            raise ValueError(f"Trajectory poses must have shape ({self.sampling.num_poses}, 3), got {poses.shape}")
        if not np.all(np.isfinite(poses)):
            raise ValueError("Trajectory poses contain NaN or inf")
        object.__setattr__(self, "poses", poses)


@dataclass(frozen=True)
class MapPolygons:
    """Typed drivable-map polygons packed as a ragged array (CSR), global frame.

    Attributes:
        tokens: ``(P,)`` str, unique polygon ids.
        layers: ``(P,)`` int64, :class:`MapLayer` values.
        offsets: ``(P + 1,)`` int64; polygon ``p`` has vertices ``vertices[offsets[p]:offsets[p+1]]``.
        vertices: ``(V, 2)`` float64 [m]; rings are open (first vertex not repeated).
    """

    tokens: np.ndarray
    layers: np.ndarray
    offsets: np.ndarray
    vertices: np.ndarray

    @classmethod
    def from_rings(cls, tokens, layers, rings: list[np.ndarray]) -> MapPolygons:
        """Pack open rings ``(n_i, 2)`` [m] with their tokens and :class:`MapLayer` values."""
        offsets = np.zeros(len(rings) + 1, dtype=np.int64)
        offsets[1:] = np.cumsum([ring.shape[0] for ring in rings])
        vertices = np.concatenate(rings) if rings else np.zeros((0, 2))
        return cls(
            tokens=np.asarray(tokens, dtype=str),
            layers=np.asarray(layers, dtype=np.int64),
            offsets=offsets,
            vertices=np.ascontiguousarray(vertices, dtype=np.float64),
        )

    @property
    def num_polygons(self) -> int:
        return int(self.tokens.shape[0])

    def ring(self, index: int) -> np.ndarray:
        """Vertices ``(n, 2)`` of polygon ``index``."""
        return self.vertices[self.offsets[index] : self.offsets[index + 1]]

    def index_of(self, token: str) -> int:
        matches = np.flatnonzero(self.tokens == token)
        if matches.size == 0:
            raise KeyError(f"map polygon '{token}' not found")
        return int(matches[0])


@dataclass(frozen=True)
class AgentTracks:
    """Other traffic participants as oriented boxes per frame (0.1 s apart), global frame.

    Attributes:
        tokens: ``(A,)`` str track ids.
        types: ``(A,)`` int64 :class:`AgentType` values.
        dimensions: ``(A, 2)`` float64 box length, width [m] (constant per track).
        states: ``(A, F, 5)`` float64, columns :class:`TrackStateIndex` (box centre).
        present: ``(A, F)`` bool; rows where this is False are placeholders to be ignored.
    """

    tokens: np.ndarray
    types: np.ndarray
    dimensions: np.ndarray
    states: np.ndarray
    present: np.ndarray

    @property
    def num_agents(self) -> int:
        return int(self.tokens.shape[0])

    @property
    def num_frames(self) -> int:
        return int(self.present.shape[1])


@dataclass(frozen=True)
class ScoringScene:
    """Everything the PDMS/EPDMS scorers read about one scene; global frame, frames 0.1 s apart.

    Attributes:
        ego_init: ``(11,)`` initial ego state, :class:`StateIndex` columns (steering, yaw rate and
            yaw acceleration 0 as NAVSIM builds them).
        ego_past: ``(H, 6)`` or ``(H, 9)`` logged ego past, :class:`PastIndex` columns (t = -1.5 ... 0 s).
        agents: tracks over ``num_frames`` frames.
        map_polygons: the drivable map.
        route_lane_ids: tokens of on-route LANE / LANE_CONNECTOR polygons.
        centerline: ``(M, 2)`` route centerline polyline [m].
        red_light_tokens: ``(R,)`` str lane-connector tokens that have a light.
        red_light_frames: ``(R, F)`` bool, True where that connector's light is red.
        red_light_polygons: the red-light obstacle polygon of each ``red_light_tokens`` entry (same
            tokens), used as given, when the scene comes with them (a NAVSIM metric cache stores the
            obstacles it selected at caching time); ``None``: every red ON-ROUTE connector's
            polygon is taken from ``map_polygons`` and off-route lights are ignored (scene JSON).
        reference: ``(K, 4)`` t [s], x, y, heading of the cached PDM-Closed trajectory (rear
            axle, 0.1 s steps from t = 0), or ``None``.
        human_future: ``(8, 3)`` logged human future, local frame, 0.5 s steps, or ``None``.
        frame_dt: [s] spacing of frames.
        source: file the scene was read from (for error messages), or ``""``.
    """

    ego_init: np.ndarray
    ego_past: np.ndarray
    agents: AgentTracks
    map_polygons: MapPolygons
    route_lane_ids: tuple[str, ...]
    centerline: np.ndarray
    red_light_tokens: np.ndarray
    red_light_frames: np.ndarray
    reference: np.ndarray | None
    human_future: np.ndarray | None
    frame_dt: float = 0.1
    source: str = ""
    red_light_polygons: MapPolygons | None = None

    @property
    def num_frames(self) -> int:
        return self.agents.num_frames

    def on_route_mask(self) -> np.ndarray:
        """``(P,)`` bool: polygon is an on-route LANE / LANE_CONNECTOR."""
        return np.isin(self.map_polygons.tokens, np.asarray(self.route_lane_ids, dtype=str))
