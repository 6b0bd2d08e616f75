"""Privileged world state -> a NAVSIM-style scoring scene, so rule-based planners can score proposals
with our own EPDMS scorer in the embedded world (PDM-Closed's "score the proposals" step).

What the scene holds, and how it stands in for NAVSIM's metric cache:
- map: the town's polygons within ``map_radius`` of the ego (lanes, connectors, roadblocks, junctions);
- route lanes: the dense route's lanes and their same-direction neighbours (lane changes stay on route);
- centerline: the route from a little behind the ego to ``centerline_ahead`` metres ahead;
- agents: every actor's box, forecast at constant velocity over the 4 s horizon (PDM-Closed's own
  observation is a constant-velocity forecast too);
- red lights: connectors controlled by a light that is red now are red for the whole horizon;
- ego past: a constant-velocity past (the snapshot has no history), so history comfort sees a steady
  approach.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.geometry import to_local
from sim.types import AgentTracks, AgentType, MapPolygons, PastIndex, ScoringScene, StateIndex
from sim.world.snapshot import ActorIndex, ActorKind, LightState, WorldSnapshot

HORIZON_FRAMES = 41  # 0..4 s at 0.1 s, NAVSIM v2
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


def scene_from_world(
    snapshot: WorldSnapshot, network, route, config: WorldSceneConfig = WorldSceneConfig()
) -> ScoringScene:
    """A scoring scene around the ego now (global frame of the town)."""
    ego_xy = snapshot.ego.pose[:2]
    polygons = network.map_polygons
    if config.map_radius is not None:
        polygons = _nearby_polygons(polygons, ego_xy, config.map_radius)
    red = _red_connector_tokens(snapshot, network)
    red = red[np.isin(red, polygons.tokens)]  # lights beyond the map radius cannot matter within 4 s
    return ScoringScene(
        ego_init=_ego_state(snapshot),
        ego_past=_constant_velocity_past(snapshot),
        agents=_forecast_actors(snapshot, config.actor_radius),
        map_polygons=polygons,
        route_lane_ids=_route_lane_tokens(network, route),
        centerline=_centerline(route, ego_xy, config),
        red_light_tokens=red,
        red_light_frames=np.ones((red.shape[0], HORIZON_FRAMES), dtype=bool),
        reference=None,
        human_future=None,
        frame_dt=FRAME_DT,
        source=f"world {snapshot.town} t={snapshot.time:.2f} s",
    )


def _ego_state(snapshot: WorldSnapshot) -> np.ndarray:
    state = np.zeros(len(StateIndex))
    state[[StateIndex.X, StateIndex.Y, StateIndex.HEADING]] = snapshot.ego.pose
    state[StateIndex.VX] = snapshot.ego.speed
    state[[StateIndex.AX, StateIndex.AY]] = snapshot.ego.acceleration
    return state


def _constant_velocity_past(snapshot: WorldSnapshot) -> np.ndarray:
    x, y, heading = snapshot.ego.pose
    past = np.zeros((len(PAST_TIMES), len(PastIndex)))
    for row, t in enumerate(PAST_TIMES):
        past[row] = (t, x + snapshot.ego.speed * t * np.cos(heading), y + snapshot.ego.speed * t * np.sin(heading),
                     heading, snapshot.ego.speed, 0.0)  # fmt: skip
    return past


def _forecast_actors(snapshot: WorldSnapshot, radius: float) -> AgentTracks:
    actors = np.asarray(snapshot.actors, dtype=np.float64).reshape(-1, len(ActorIndex))
    near = np.hypot(*(actors[:, :2] - snapshot.ego.center).T) <= radius
    actors, ids = actors[near], np.asarray(snapshot.actor_ids)[near]
    t = np.arange(HORIZON_FRAMES) * FRAME_DT
    heading = actors[:, ActorIndex.HEADING]
    vx, vy = actors[:, ActorIndex.SPEED] * np.cos(heading), actors[:, ActorIndex.SPEED] * np.sin(heading)
    states = np.empty((actors.shape[0], HORIZON_FRAMES, 5))
    states[:, :, 0] = actors[:, None, ActorIndex.X] + vx[:, None] * t
    states[:, :, 1] = actors[:, None, ActorIndex.Y] + vy[:, None] * t
    states[:, :, 2] = heading[:, None]
    states[:, :, 3], states[:, :, 4] = vx[:, None], vy[:, None]
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


def _route_lane_tokens(network, route) -> tuple[str, ...]:
    lanes = set(np.unique(route.lanes).tolist())
    for lane in list(lanes):
        for side in (network.lane_left, network.lane_right):
            neighbour = int(side[lane])
            while neighbour >= 0 and neighbour not in lanes:
                lanes.add(neighbour)
                neighbour = int(side[neighbour])
    return tuple(network.lane_token(lane) for lane in sorted(lanes))


def _centerline(route, ego_xy: np.ndarray, config: WorldSceneConfig) -> np.ndarray:
    index = int(np.argmin(np.hypot(*(route.points[:, :2] - ego_xy).T)))
    distances = route.s
    keep = (distances >= distances[index] - config.centerline_behind) & (
        distances <= distances[index] + config.centerline_ahead
    )
    return np.ascontiguousarray(route.points[keep, :2])


def _red_connector_tokens(snapshot: WorldSnapshot, network) -> np.ndarray:
    lights = network.traffic_lights
    red = [i for i, state in enumerate(snapshot.light_states) if state in (LightState.RED, LightState.YELLOW)]
    lanes = [lane for i in red for lane in lights.controlled_lanes(i)]
    return np.asarray([network.lane_token(int(lane)) for lane in lanes], dtype=str)


def lead_on_route(snapshot: WorldSnapshot, network, route, lateral_margin: float = 1.5) -> tuple[float, float] | None:
    """(gap [m] along the route, speed [m/s]) of the nearest actor or red stop line ahead, or None.

    An actor leads when its centre lies within half a lane plus ``lateral_margin`` of the route ahead;
    a red (or yellow) light leads as a standing obstacle at its stop point on a route lane.
    """
    points, distances = route.points[:, :2], route.s
    ego_index = int(np.argmin(np.hypot(*(points - snapshot.ego.center).T)))
    ego_s, candidates = distances[ego_index], []
    actors = np.asarray(snapshot.actors, dtype=np.float64).reshape(-1, len(ActorIndex))
    for row in actors:
        nearest = int(np.argmin(np.hypot(*(points - row[:2]).T)))
        lateral = float(np.hypot(*(points[nearest] - row[:2])))
        width = float(network.widths[network.lane_offsets[route.lanes[nearest]]])
        gap = distances[nearest] - ego_s - (row[ActorIndex.LENGTH] + snapshot.ego.dimensions[0]) / 2
        if distances[nearest] > ego_s and lateral <= width / 2 + lateral_margin:
            candidates.append((max(gap, 0.0), max(row[ActorIndex.SPEED], 0.0)))
    route_lanes = set(route.lanes[ego_index:].tolist())
    lights = network.traffic_lights
    for signal, state in enumerate(snapshot.light_states):
        if state not in (LightState.RED, LightState.YELLOW):
            continue
        start, end = lights.lane_offsets[signal], lights.lane_offsets[signal + 1]
        for lane, stop in zip(lights.lanes[start:end], lights.stop_points[start:end], strict=True):
            if int(lane) in route_lanes:
                nearest = int(np.argmin(np.hypot(*(points - stop).T)))
                if distances[nearest] > ego_s:
                    candidates.append((distances[nearest] - ego_s - snapshot.ego.dimensions[0] / 2, 0.0))
    return min(candidates) if candidates else None


def speed_limit_at(snapshot: WorldSnapshot, network, route) -> float | None:
    """[m/s] speed limit of the route lane under the ego, or None where the map gives none."""
    index = int(np.argmin(np.hypot(*(route.points[:, :2] - snapshot.ego.center).T)))
    limit = float(network.lane_speed_limits[route.lanes[index]])
    return limit if np.isfinite(limit) and limit > 0 else None


def route_ahead_local(snapshot: WorldSnapshot, route, behind: float = 10.0) -> np.ndarray:
    """``(K, 2)`` the route from ``behind`` [m] before the ego to its end, in the ego rear-axle frame."""
    index = int(np.argmin(np.hypot(*(route.points[:, :2] - snapshot.ego.center).T)))
    keep = route.s >= route.s[index] - behind
    return to_local(route.points[keep, :2], snapshot.ego.pose)


class WorldScorer:
    """EPDMS of proposals in the embedded world, the town's drivable map indexed once per route.

    Indexing the map is the expensive part of scoring a scene, and it depends only on the town and
    the route's lanes, so the scene keeps the whole town's polygons and the index is reused tick to
    tick; the observation (actors, red lights) is rebuilt every call.
    """

    def __init__(self) -> None:
        self._key: tuple[int, int] | None = None
        self._index = None

    def score(self, proposals: np.ndarray, sampling, snapshot: WorldSnapshot, network, route) -> np.ndarray:
        """``(N,)`` EPDMS of ``proposals`` ``(N, P, 3)`` (ego rear-axle frame) at ``sampling``."""
        from sim.scoring.config import EPDMS_CONFIG
        from sim.scoring.drivable_map import build_drivable_map_index
        from sim.scoring.evaluation import SceneContext
        from sim.scoring.observation import build_observation
        from sim.scoring.scorer import score_batch

        scene = scene_from_world(snapshot, network, route, WorldSceneConfig(map_radius=None))
        if self._key != (id(network), id(route)):
            self._index = build_drivable_map_index(scene.map_polygons, scene.on_route_mask())
            self._key = (id(network), id(route))
        observation = build_observation(scene, version=EPDMS_CONFIG.version_tag, remove_initial_overlap=False)
        context = SceneContext(scene=scene, map_index=self._index, observation=observation, centerline=scene.centerline)
        return score_batch(scene, proposals, sampling, EPDMS_CONFIG, context=context).score
