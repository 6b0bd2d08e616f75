"""A NAVSIM ``Scene`` as a :class:`~sim.types.ScoringScene` for privileged planners (``pdm_closed``).

What PDM-Closed may know at the current frame, and nothing of the future: the ego now and its logged
past, the objects annotated now moved at constant velocity over 4 s (static objects stay), the
drivable map within 100 m, the route's lanes from the frame's roadblock ids, a centerline along them
and the traffic lights now (held over the horizon). NAVSIM's ``Scene`` and nuPlan's map API are read
duck-typed (``frames``, ``scene_metadata``, ``map_api.get_map_object`` / ``get_proximal_map_objects``).
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any

import numpy as np
import shapely

from sim.geometry import to_global, wrap_angle
from sim.scoring.metric_cache import NuplanMapLayer
from sim.types import AgentTracks, AgentType, MapLayer, MapPolygons, PastIndex, ScoringScene, StateIndex

MAP_RADIUS = 100.0  # [m] NAVSIM's metric caching radius
NUM_FRAMES, FRAME_DT = 41, 0.1  # the scorer's 4 s at 0.1 s
NAVSIM_INTERVAL = 0.5  # [s] between NAVSIM frames
MAX_ROUTE_LANES = 30  # lanes followed along the route (PDM-Closed searches 30 roadblocks)
OBJECT_TYPES = {member.name.lower(): member for member in AgentType} | {"ego": AgentType.VEHICLE}
# annotation box columns (NAVSIM's BoundingBoxIndex): x, y, z, length, width, height, heading; ego frame
BOX_X, BOX_Y, BOX_LENGTH, BOX_WIDTH, BOX_HEADING = 0, 1, 3, 4, 6
DRIVABLE_LAYERS = {
    NuplanMapLayer.ROADBLOCK: MapLayer.ROADBLOCK,
    NuplanMapLayer.LANE: MapLayer.LANE,
    NuplanMapLayer.LANE_CONNECTOR: MapLayer.LANE_CONNECTOR,
    NuplanMapLayer.INTERSECTION: MapLayer.INTERSECTION,
    NuplanMapLayer.CARPARK_AREA: MapLayer.CARPARK_AREA,
}
_Point = namedtuple("_Point", "x y")


def _layer(layer: NuplanMapLayer) -> Any:
    """nuPlan's own enum member when nuPlan is installed (its map API compares by identity)."""
    try:
        from nuplan.common.maps.maps_datatypes import SemanticMapLayer
    except ImportError:
        return layer
    return SemanticMapLayer(int(layer))


def _point(x: float, y: float) -> Any:
    try:
        from nuplan.common.actor_state.state_representation import Point2D
    except ImportError:
        return _Point(x, y)
    return Point2D(x, y)


def scene_from_navsim(scene: Any) -> ScoringScene:
    """The scoring scene of a NAVSIM ``Scene`` at its current frame (see the module docstring)."""
    now = scene.scene_metadata.num_history_frames - 1
    frame = scene.frames[now]
    pose = np.asarray(frame.ego_status.ego_pose, dtype=np.float64)
    route_lanes, centerline = route_centerline(scene.map_api, list(frame.roadblock_ids), pose)
    red = [str(connector) for connector, is_red in frame.traffic_lights if is_red]
    scoring = ScoringScene(
        ego_init=_ego_state(frame.ego_status, pose),
        ego_past=_ego_past(scene.frames[: now + 1]),
        agents=_tracks(frame.annotations, pose),
        map_polygons=drivable_map(scene.map_api, pose),
        route_lane_ids=tuple(route_lanes),
        centerline=centerline,
        red_light_tokens=np.asarray(red, dtype=str),
        red_light_frames=np.ones((len(red), NUM_FRAMES), dtype=bool),
        reference=None,
        human_future=None,
        source=f"navsim scene {scene.scene_metadata.initial_token}",
    )
    return scoring


def _ego_state(status: Any, pose: np.ndarray) -> np.ndarray:
    state = np.zeros(len(StateIndex))
    state[[StateIndex.X, StateIndex.Y, StateIndex.HEADING]] = pose
    state[[StateIndex.VX, StateIndex.VY]] = np.asarray(status.ego_velocity, dtype=np.float64)[:2]
    state[[StateIndex.AX, StateIndex.AY]] = np.asarray(status.ego_acceleration, dtype=np.float64)[:2]
    return state


def _ego_past(frames: list) -> np.ndarray:
    past = np.zeros((len(frames), len(PastIndex)))
    for row, frame in enumerate(frames):
        status = frame.ego_status
        velocity = np.asarray(status.ego_velocity, dtype=np.float64)
        acceleration = np.asarray(status.ego_acceleration, dtype=np.float64)
        past[row, PastIndex.T] = (row - (len(frames) - 1)) * NAVSIM_INTERVAL
        past[row, [PastIndex.X, PastIndex.Y, PastIndex.HEADING]] = np.asarray(status.ego_pose, dtype=np.float64)
        past[row, [PastIndex.V_LON, PastIndex.V_LAT]] = velocity[:2]
        past[row, [PastIndex.A_LON, PastIndex.A_LAT]] = acceleration[:2]
    return past


def _tracks(annotations: Any, pose: np.ndarray) -> AgentTracks:
    """Objects annotated now, moved at constant velocity (static objects stay), global frame."""
    boxes = np.asarray(annotations.boxes, dtype=np.float64).reshape(-1, 7)
    kinds = [OBJECT_TYPES.get(str(name), AgentType.GENERIC_OBJECT) for name in annotations.names]
    start = to_global(boxes[:, [BOX_X, BOX_Y, BOX_HEADING]], pose)
    start[:, 2] = wrap_angle(start[:, 2])
    velocity_local = np.asarray(annotations.velocity_3d, dtype=np.float64).reshape(-1, 3)[:, :2]
    velocity = to_global(velocity_local, np.array([0.0, 0.0, pose[2]]))  # a vector: rotated only
    velocity[[not kind.is_agent for kind in kinds]] = 0.0
    velocity[~np.isfinite(velocity)] = 0.0
    times = np.arange(NUM_FRAMES) * FRAME_DT
    states = np.zeros((len(kinds), NUM_FRAMES, 5))
    states[..., :2] = start[:, None, :2] + velocity[:, None, :] * times[None, :, None]
    states[..., 2] = start[:, None, 2]
    states[..., 3:] = velocity[:, None, :]
    return AgentTracks(
        tokens=np.asarray([str(token) for token in annotations.track_tokens], dtype=str),
        types=np.asarray([int(kind) for kind in kinds], dtype=np.int64),
        dimensions=boxes[:, [BOX_LENGTH, BOX_WIDTH]].copy(),
        states=states,
        present=np.ones((len(kinds), NUM_FRAMES), dtype=bool),
    )


def drivable_map(map_api: Any, pose: np.ndarray, radius: float = MAP_RADIUS) -> MapPolygons:
    """Roadblock, lane, lane-connector, intersection and car-park polygons within ``radius`` [m] of the ego."""
    layers = {_layer(layer): ours for layer, ours in DRIVABLE_LAYERS.items()}
    found = map_api.get_proximal_map_objects(_point(pose[0], pose[1]), radius, list(layers))
    tokens, kinds, rings = [], [], []
    for layer, objects in found.items():
        for map_object in objects:
            for part in shapely.get_parts(map_object.polygon):  # holes are dropped: our map holds simple rings
                tokens.append(str(map_object.id))
                kinds.append(int(layers[layer]))
                rings.append(np.asarray(part.exterior.coords, dtype=np.float64)[:-1, :2])
    return MapPolygons.from_rings(tokens, kinds, rings)


def route_centerline(map_api: Any, roadblock_ids: list[str], pose: np.ndarray) -> tuple[list[str], np.ndarray]:
    """Route lane ids and the centerline ``(M, 2)`` along them from the ego's lane.

    Raises:
        ValueError: the roadblock ids give no lanes (no route to follow).
    """
    lanes: dict[str, Any] = {}
    for block_id in dict.fromkeys(str(i) for i in roadblock_ids):
        block = map_api.get_map_object(block_id, _layer(NuplanMapLayer.ROADBLOCK))
        block = block or map_api.get_map_object(block_id, _layer(NuplanMapLayer.ROADBLOCK_CONNECTOR))
        for lane in getattr(block, "interior_edges", None) or []:
            lanes[str(lane.id)] = lane
    if not lanes:
        raise ValueError(f"the frame's roadblock ids {roadblock_ids[:5]} give no lanes: no route for the planner")
    lane = _start_lane(list(lanes.values()), pose)
    points, visited = [], set()
    while lane is not None and len(visited) < MAX_ROUTE_LANES and str(lane.id) not in visited:
        visited.add(str(lane.id))
        points += [(p.x, p.y) for p in lane.baseline_path.discrete_path]
        successors = [edge for edge in lane.outgoing_edges if str(edge.id) in lanes and str(edge.id) not in visited]
        lane = successors[0] if successors else None
    line = np.asarray(points, dtype=np.float64)
    keep = np.concatenate([[True], np.any(np.diff(line, axis=0) != 0.0, axis=1)])
    return list(lanes), line[keep]


def _start_lane(lanes: list, pose: np.ndarray) -> Any:
    """The route lane containing the ego with the smallest heading error, else the nearest one."""
    point = shapely.Point(pose[0], pose[1])
    containing = [lane for lane in lanes if lane.polygon.contains(point)]
    if not containing:
        return min(lanes, key=lambda lane: lane.polygon.distance(point))

    def heading_error(lane: Any) -> float:
        path = lane.baseline_path.discrete_path
        nearest = min(path, key=lambda p: (p.x - pose[0]) ** 2 + (p.y - pose[1]) ** 2)
        return abs(wrap_angle(nearest.heading - pose[2]))

    return min(containing, key=heading_error)
