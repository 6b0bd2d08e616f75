"""Plain-array pieces of a route recording: map lines, actor outlines, lights, proposals coloured by score.

No rerun here, only numpy: :mod:`sim.run.recording` turns these into rerun archetypes. The 2-D view
of rerun has y pointing down, so every position is flipped once, by :func:`to_view` (x east to the
right, north up), and the view's units are metres.
"""

from __future__ import annotations

import numpy as np

from sim.geometry import box_corners, to_global
from sim.maps.dense_route import DenseRoute
from sim.maps.road_network import RoadNetwork
from sim.types import ActorIndex, ActorKind, LightState
from sim.world.render_config import DEFAULT_RENDER_CONFIG
from sim.world.render_scene import GroundLayer, town_scene
from sim.world.snapshot import WorldSnapshot

LOOK = DEFAULT_RENDER_CONFIG
ROAD_EDGE_RGB = (110, 110, 115)
ROUTE_RGB = (60, 170, 255)
EGO_RGB = (230, 40, 40)
TRAIL_RGB = (255, 120, 120)
ACTOR_RGB = {
    ActorKind.VEHICLE: (40, 120, 220),
    ActorKind.EMERGENCY: (240, 240, 240),
    ActorKind.BICYCLE: (20, 160, 200),
    ActorKind.WALKER: (60, 200, 60),
    ActorKind.STATIC: LOOK.static,
}
LIGHT_RGB = {LightState.RED: (230, 0, 0), LightState.YELLOW: (230, 200, 0), LightState.GREEN: (0, 210, 0)}


def to_view(xy: np.ndarray) -> np.ndarray:
    """``(..., 2)`` internal-frame x, y [m] -> rerun 2-D view coordinates (y flipped), float32."""
    view = np.asarray(xy, dtype=np.float32)[..., :2].copy()
    view[..., 1] *= -1.0
    return view


def route_polyline(route: DenseRoute) -> np.ndarray:
    """``(N, 2)`` the dense route in view coordinates."""
    return to_view(route.points[:, :2])


def road_edges(network: RoadNetwork, route: DenseRoute, radius: float) -> list[np.ndarray]:
    """Left and right edges ``(n, 2)`` (view coordinates) of every lane within ``radius`` [m] of the route."""
    from scipy.spatial import cKDTree

    near = cKDTree(route.points[:, :2]).query(network.points[:, :2], distance_upper_bound=radius)[0] <= radius
    lanes = np.unique(np.searchsorted(network.lane_offsets, np.flatnonzero(near), side="right") - 1)
    edges = []
    for lane in lanes:
        a, b = network.lane_offsets[lane], network.lane_offsets[lane + 1]
        points, half = network.points[a:b], 0.5 * network.widths[a:b, None]
        normal = np.column_stack([-np.sin(points[:, 2]), np.cos(points[:, 2])])
        edges += [to_view(points[:, :2] + half * normal), to_view(points[:, :2] - half * normal)]
    return edges


def markings(network: RoadNetwork, route: DenseRoute, radius: float) -> tuple[list[np.ndarray], list[tuple]]:
    """Closed outlines (view coordinates) of the camera's lane markings near the route, with their colours."""
    scene = town_scene(network, LOOK)
    ids = np.unique(np.concatenate([scene.select(p, radius) for p in route.points[:: max(1, int(radius)), :2]]))
    colours = {GroundLayer.MARKING_WHITE: LOOK.marking_white, GroundLayer.MARKING_YELLOW: LOOK.marking_yellow}
    strips, rgb = [], []
    for polygon in ids:
        layer = GroundLayer(int(scene.layers[polygon]))
        if layer in colours:
            ring = scene.vertices[scene.offsets[polygon] : scene.offsets[polygon + 1], :2]
            strips.append(to_view(np.vstack([ring, ring[:1]])))
            rgb.append(colours[layer])
    return strips, rgb


def actor_outlines(snapshot: WorldSnapshot) -> tuple[np.ndarray, np.ndarray]:
    """``(A, 5, 2)`` closed box outlines (view coordinates) of the other actors and ``(A, 3)`` uint8 colours."""
    actors = np.asarray(snapshot.actors, dtype=np.float64).reshape(-1, len(ActorIndex))
    poses = actors[:, [ActorIndex.X, ActorIndex.Y, ActorIndex.HEADING]]
    corners = box_corners(poses, actors[:, ActorIndex.LENGTH], actors[:, ActorIndex.WIDTH]).reshape(-1, 4, 2)
    colours = np.array([ACTOR_RGB.get(ActorKind(int(k)), (200, 200, 200)) for k in actors[:, ActorIndex.KIND]])
    return to_view(np.concatenate([corners, corners[:, :1]], axis=1)), colours.reshape(-1, 3).astype(np.uint8)


def ego_outline(snapshot: WorldSnapshot) -> np.ndarray:
    """``(5, 2)`` the ego's closed box outline (view coordinates)."""
    ego = snapshot.ego
    pose = np.array([[*np.asarray(ego.center, dtype=np.float64), float(ego.pose[2])]])
    corners = box_corners(pose, ego.dimensions[:1], ego.dimensions[1:2]).reshape(4, 2)
    return to_view(np.vstack([corners, corners[:1]]))


def light_points(network: RoadNetwork, states: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(K, 2)`` stop points (view coordinates) of the lit traffic lights and ``(K, 3)`` uint8 state colours."""
    lights = network.traffic_lights
    states = np.asarray(states, dtype=np.int64)
    if states.shape[0] != lights.count or lights.count == 0:
        return np.zeros((0, 2), np.float32), np.zeros((0, 3), np.uint8)
    owners = np.repeat(np.arange(lights.count), np.diff(lights.lane_offsets))
    lane_states = states[owners]
    lit = np.isin(lane_states, list(LIGHT_RGB))
    colours = np.array([LIGHT_RGB[LightState(int(s))] for s in lane_states[lit]], dtype=np.uint8).reshape(-1, 3)
    return to_view(lights.stop_points[lit]), colours


def local_to_view(local: np.ndarray, pose: np.ndarray) -> np.ndarray:
    """``(..., 2+)`` points in the ego frame of ``pose`` ``(3,)`` (global) -> view coordinates."""
    local = np.asarray(local, dtype=np.float64)
    return to_view(to_global(local[..., :2].reshape(-1, 2), pose).reshape(*local.shape[:-1], 2))


def score_colours(scores: np.ndarray) -> np.ndarray:
    """``(N, 3)`` uint8: red for the lowest score of this tick, through yellow, to green for the highest.

    NaN scores are grey (a failed candidate). Scores are scaled to this tick's range, so the colours
    compare proposals of one tick, not across ticks (the plotted scores do that).
    """
    scores = np.asarray(scores, dtype=np.float64)
    finite = np.isfinite(scores)
    colours = np.full((scores.shape[0], 3), 128, dtype=np.uint8)
    if not finite.any():
        return colours
    low, high = scores[finite].min(), scores[finite].max()
    t = (scores[finite] - low) / (high - low) if high > low else np.ones(int(finite.sum()))
    red = np.where(t < 0.5, 1.0, 2.0 * (1.0 - t))
    green = np.where(t < 0.5, 2.0 * t, 1.0)
    colours[finite] = np.round(np.column_stack([red, green, np.zeros_like(t)]) * 220.0).astype(np.uint8)
    return colours
