"""A privileged world -> a NAVSIM-style scoring scene, so planners can score proposals with our EPDMS in a world.

What the scene holds, and how it stands in for NAVSIM's metric cache:
- map: the town's polygons (within ``map_radius`` of the ego, or all of them);
- route lanes: the dense route's lanes and their same-direction neighbours (lane changes stay on route);
- centerline: the route from a little behind the ego to ``centerline_ahead`` metres ahead;
- agents: every actor's box, forecast at constant velocity over the 4 s horizon (PDM-Closed's own
  observation is a constant-velocity forecast too);
- red lights: lanes controlled by a light that is red (or yellow) now are red for the whole horizon;
- ego past: a constant-velocity past (a tick has no history), so history comfort sees a steady approach.

Indexing the map is the expensive part of scoring, and it depends only on the town and the route:
:func:`prepare_world_map` does it once per route and :func:`score_in_world` reuses it tick after tick.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.maps.dense_route import DenseRoute
from sim.maps.road_network import RoadNetwork
from sim.scoring.config import EPDMS_CONFIG, ScorerConfig
from sim.scoring.drivable_map import DrivableMapIndex, build_drivable_map_index
from sim.scoring.evaluation import prepare_scene
from sim.scoring.scorer import score_batch
from sim.types import (
    PAST_MIN_COLUMNS,
    ActorIndex,
    ActorKind,
    AgentTracks,
    AgentType,
    LightState,
    MapPolygons,
    PastIndex,
    ScoringScene,
    StateIndex,
    TrackStateIndex,
    TrajectorySampling,
)
from sim.world.privileged import PrivilegedWorld

HORIZON_FRAMES = 41  # [frames] 0..4 s at 0.1 s, NAVSIM v2
FRAME_DT = 0.1  # [s]
PAST_TIMES = (-1.5, -1.0, -0.5, 0.0)  # [s] NAVSIM's logged past
_AGENT_TYPE = {
    ActorKind.VEHICLE: AgentType.VEHICLE,
    ActorKind.EMERGENCY: AgentType.VEHICLE,
    ActorKind.BICYCLE: AgentType.BICYCLE,
    ActorKind.WALKER: AgentType.PEDESTRIAN,
    ActorKind.STATIC: AgentType.GENERIC_OBJECT,
}


@dataclass(frozen=True)
class WorldSceneConfig:
    """How much of the world goes into the scene."""

    map_radius: float | None = 100.0  # [m] NAVSIM's metric cache radius; None: the whole town
    actor_radius: float = 80.0  # [m] actors farther than this cannot matter within 4 s
    centerline_behind: float = 10.0  # [m]
    centerline_ahead: float = 120.0  # [m]


@dataclass(frozen=True)
class WorldMap:
    """The town's drivable map indexed for one route (prepared once, reused every tick).

    Attributes:
        network: the town. route: the route whose lanes are on-route.
        route_lane_ids: lane tokens of the route's lanes and their same-direction neighbours.
        index: the drivable-map index of the whole town with that on-route mask.
    """

    network: RoadNetwork
    route: DenseRoute
    route_lane_ids: tuple[str, ...]
    index: DrivableMapIndex

    def serves(self, world: PrivilegedWorld) -> bool:
        """Prepared for this world's network and route (the same objects)."""
        return world.network is self.network and world.route is self.route


def prepare_world_map(network: RoadNetwork, route: DenseRoute) -> WorldMap:
    """Index the whole town's polygons with the route's lanes marked on-route."""
    lanes = route_lane_tokens(network, route)
    polygons = network.map_polygons
    on_route = np.isin(polygons.tokens, np.asarray(lanes, dtype=str))
    return WorldMap(network, route, lanes, build_drivable_map_index(polygons, on_route))


def scene_from_world(world: PrivilegedWorld, config: WorldSceneConfig = WorldSceneConfig()) -> ScoringScene:
    """A scoring scene around the ego now (global frame of the town)."""
    ego_xy = world.ego.pose[:2]
    polygons = world.network.map_polygons
    if config.map_radius is not None:
        polygons = _nearby_polygons(polygons, ego_xy, config.map_radius)
    red = _red_lane_tokens(world)
    red = red[np.isin(red, polygons.tokens)]  # lights beyond the map radius cannot matter within 4 s
    return ScoringScene(
        ego_init=_ego_state(world),
        ego_past=_constant_velocity_past(world),
        agents=_forecast_actors(world, config.actor_radius),
        map_polygons=polygons,
        route_lane_ids=route_lane_tokens(world.network, world.route),
        centerline=_centerline(world.route, ego_xy, config),
        red_light_tokens=red,
        red_light_frames=np.ones((red.shape[0], HORIZON_FRAMES), dtype=bool),
        reference=None,
        human_future=None,
        frame_dt=FRAME_DT,
        source=f"world {world.town} t={world.time:.2f} s",
    )


def score_in_world(
    world: PrivilegedWorld,
    proposals: np.ndarray,
    sampling: TrajectorySampling,
    world_map: WorldMap,
    config: ScorerConfig = EPDMS_CONFIG,
) -> np.ndarray:
    """``(N,)`` score of ``proposals`` ``(N, P, 3)`` (ego rear-axle frame) at ``sampling``, on the prepared map."""
    if not world_map.serves(world):
        raise ValueError(f"score_in_world: the map was prepared for another route or town than {world.town}'s")
    scene = scene_from_world(world, WorldSceneConfig(map_radius=None))
    context = prepare_scene(scene, config, map_index=world_map.index)
    return score_batch(scene, proposals, sampling, config, context=context).score


def route_lane_tokens(network: RoadNetwork, route: DenseRoute) -> tuple[str, ...]:
    """Tokens of the route's lanes and of their same-direction neighbours, sorted by lane index."""
    lanes = set(np.unique(route.lanes).tolist())
    for lane in list(lanes):
        for side in (network.lane_left, network.lane_right):
            neighbour = int(side[lane])
            while neighbour >= 0 and neighbour not in lanes:
                lanes.add(neighbour)
                neighbour = int(side[neighbour])
    return tuple(network.lane_token(lane) for lane in sorted(lanes))


def _ego_state(world: PrivilegedWorld) -> np.ndarray:
    state = np.zeros(len(StateIndex))
    state[[StateIndex.X, StateIndex.Y, StateIndex.HEADING]] = world.ego.pose
    state[StateIndex.VX] = world.ego.speed
    state[[StateIndex.AX, StateIndex.AY]] = world.ego.acceleration
    return state


def _constant_velocity_past(world: PrivilegedWorld) -> np.ndarray:
    x, y, heading = world.ego.pose
    speed = world.ego.speed
    past = np.zeros((len(PAST_TIMES), PAST_MIN_COLUMNS))
    past[:, PastIndex.T] = PAST_TIMES
    past[:, PastIndex.X] = x + speed * past[:, PastIndex.T] * np.cos(heading)
    past[:, PastIndex.Y] = y + speed * past[:, PastIndex.T] * np.sin(heading)
    past[:, PastIndex.HEADING], past[:, PastIndex.V_LON] = heading, speed
    return past


def _forecast_actors(world: PrivilegedWorld, radius: float) -> AgentTracks:
    actors = np.asarray(world.actors, dtype=np.float64).reshape(-1, len(ActorIndex))
    near = np.hypot(*(actors[:, :2] - world.ego.center).T) <= radius
    actors, ids = actors[near], np.asarray(world.actor_ids)[near]
    t = np.arange(HORIZON_FRAMES) * FRAME_DT
    heading = actors[:, ActorIndex.HEADING]
    vx, vy = actors[:, ActorIndex.SPEED] * np.cos(heading), actors[:, ActorIndex.SPEED] * np.sin(heading)
    states = np.empty((actors.shape[0], HORIZON_FRAMES, len(TrackStateIndex)))
    states[:, :, TrackStateIndex.X] = actors[:, None, ActorIndex.X] + vx[:, None] * t
    states[:, :, TrackStateIndex.Y] = actors[:, None, ActorIndex.Y] + vy[:, None] * t
    states[:, :, TrackStateIndex.HEADING] = heading[:, None]
    states[:, :, TrackStateIndex.VX], states[:, :, TrackStateIndex.VY] = vx[:, None], vy[:, None]
    kinds = [_AGENT_TYPE[ActorKind(int(k))] for k in actors[:, ActorIndex.KIND]]
    return AgentTracks(
        tokens=np.asarray([f"actor_{i}" for i in ids], dtype=str),
        types=np.asarray(kinds, dtype=np.int64),
        dimensions=actors[:, [ActorIndex.LENGTH, ActorIndex.WIDTH]].copy(),
        states=states,
        present=np.ones((actors.shape[0], HORIZON_FRAMES), dtype=bool),
    )


def _nearby_polygons(polygons: MapPolygons, center: np.ndarray, radius: float) -> MapPolygons:
    counts = np.diff(polygons.offsets)
    owner = np.repeat(np.arange(polygons.num_polygons), counts)
    close = np.hypot(*(polygons.vertices - center).T) <= radius
    keep = np.flatnonzero(np.bincount(owner, weights=close, minlength=polygons.num_polygons) > 0)
    return MapPolygons.from_rings(polygons.tokens[keep], polygons.layers[keep], [polygons.ring(i) for i in keep])


def _centerline(route: DenseRoute, ego_xy: np.ndarray, config: WorldSceneConfig) -> np.ndarray:
    index = int(np.argmin(np.hypot(*(route.points[:, :2] - ego_xy).T)))
    s = route.s
    keep = (s >= s[index] - config.centerline_behind) & (s <= s[index] + config.centerline_ahead)
    return np.ascontiguousarray(route.points[keep, :2])


def _red_lane_tokens(world: PrivilegedWorld) -> np.ndarray:
    lights = world.traffic_lights
    red = [i for i, state in enumerate(world.light_states) if state in (LightState.RED, LightState.YELLOW)]
    lanes = [lane for i in red for lane in lights.controlled_lanes(i)]
    return np.asarray([world.network.lane_token(int(lane)) for lane in lanes], dtype=str)
