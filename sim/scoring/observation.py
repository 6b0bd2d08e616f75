"""The scorer's observation: per-frame occupancy of tracks and red-light pseudo-objects.

Reproduces NAVSIM's ``PDMObservation`` as the scorers see it: frame ``k`` holds the box of every
track present in frame ``k`` and, in v2, the polygon of every ON-ROUTE lane connector that is red
in frame ``k`` (token ``red_light_<connector>``). A track's type, heading and speed are those of
its first sighting. The v2 official path (log replay) first removes every track whose box
intersects the initial ego box in frame 0, from all frames.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from sim.kernels.boxes import oriented_box_corners
from sim.types import PACIFICA, AgentType, ScoringScene, StateIndex, TrackStateIndex, VehicleParameters

RED_LIGHT_PREFIX = "red_light_"
_VERSIONS = ("v1", "v2")


@dataclass(frozen=True)
class Observation:
    """Objects over frames ``0.. F-1`` (``frame_dt`` apart), global frame.

    Objects ``[0, num_tracks)`` are tracks (oriented boxes); the rest are red-light pseudo-objects
    (general rings). Box arrays are NaN for red lights and for frames where a track is absent.

    Attributes:
        tokens: ``(O,)`` str; red lights are ``"red_light_<lane connector token>"``.
        is_agent: ``(O,)`` bool, VEHICLE / PEDESTRIAN / BICYCLE at first sighting.
        is_red_light: ``(O,)`` bool.
        present: ``(O, F)`` bool, object in the occupancy map of that frame.
        box_corners: ``(O, F, 4, 2)`` float64 [m], FL, RL, RR, FR as nuPlan rounds them.
        box_centers: ``(O, F, 2)`` [m] box centre (broad phase).
        box_radii: ``(O,)`` [m] half diagonal (broad phase; 0 for red lights).
        centroids: ``(O, F, 2)`` [m] shapely centroid of the box polygon (ahead/behind tests).
        first_heading: ``(O,)`` [rad] heading at first sighting (NaN for red lights).
        first_speed: ``(O,)`` [m/s] speed at first sighting (NaN for red lights).
        ring_offsets: ``(O + 1,)`` int64; red light ``o`` has ring ``ring_vertices[ring_offsets[o]:ring_offsets[o+1]]``
            (empty for tracks).
        ring_vertices: ``(V, 2)`` float64 [m], open rings.
        bounds: ``(O, 4)`` [m] x0, y0, x1, y1 over all present frames (broad phase).
        removed_tokens: ``(K,)`` str tracks removed for overlapping the initial ego box.
        frame_dt: [s] frame spacing.
        version: ``"v1"`` or ``"v2"``.
    """

    tokens: np.ndarray
    is_agent: np.ndarray
    is_red_light: np.ndarray
    present: np.ndarray
    box_corners: np.ndarray
    box_centers: np.ndarray
    box_radii: np.ndarray
    centroids: np.ndarray
    first_heading: np.ndarray
    first_speed: np.ndarray
    ring_offsets: np.ndarray
    ring_vertices: np.ndarray
    bounds: np.ndarray
    removed_tokens: np.ndarray
    frame_dt: float
    version: str

    @property
    def num_objects(self) -> int:
        return int(self.tokens.shape[0])

    @property
    def num_tracks(self) -> int:
        return int(np.count_nonzero(~self.is_red_light))

    @property
    def num_frames(self) -> int:
        return int(self.present.shape[1])

    def track_arrays(self) -> tuple[np.ndarray, ...]:
        """Kernel tuple of the tracks: corners, present, centres, radii, centroids, is_agent, speed, bounds."""
        a = self.num_tracks
        return (
            self.box_corners[:a],
            self.present[:a],
            self.box_centers[:a],
            self.box_radii[:a],
            self.centroids[:a],
            self.is_agent[:a],
            self.first_speed[:a],
            self.bounds[:a],
        )


def build_observation(
    scene: ScoringScene,
    *,
    version: str,
    remove_initial_overlap: bool,
    num_frames: int | None = None,
    vehicle: VehicleParameters = PACIFICA,
) -> Observation:
    """Occupancy of ``scene`` as the v1.1 or v2 scorer sees it.

    Args:
        scene: the scoring scene.
        version: ``"v1"`` (no traffic lights) or ``"v2"`` (red on-route connectors as objects);
            a ``ScorerVersion`` is accepted too.
        remove_initial_overlap: log replay: drop every track whose frame-0 box intersects the initial
            ego box (v2 official path).
        num_frames: use frames ``[0, num_frames)``; all of the scene's frames by default.
        vehicle: ego dimensions for the initial ego box.

    Returns:
        The observation; ``removed_tokens`` lists the tracks that log replay removed.
    """
    version = str(getattr(version, "value", version))
    if version not in _VERSIONS:
        raise ValueError(f"build_observation: version must be one of {_VERSIONS}, got {version!r}")
    frames = scene.num_frames if num_frames is None else int(num_frames)
    if not 1 <= frames <= scene.num_frames:
        raise ValueError(f"build_observation: num_frames={num_frames} outside [1, {scene.num_frames}] ({scene.source})")
    agents = scene.agents
    present = agents.present[:, :frames]
    keep = present.any(axis=1)
    removed = np.zeros(agents.num_agents, dtype=bool)
    if remove_initial_overlap and agents.num_agents:
        removed = _initial_overlap(scene, vehicle) & present[:, 0]
    keep &= ~removed
    tracks = _track_arrays(scene, np.flatnonzero(keep), frames)
    lights = _light_arrays(scene, frames) if version == "v2" else _empty_lights(frames)
    fields = {name: np.concatenate([tracks[name], lights[name]]) for name in tracks}
    offsets = np.concatenate([np.zeros(tracks["tokens"].shape[0], dtype=np.int64), lights["offsets"]])
    return Observation(
        **fields,
        ring_offsets=offsets,
        ring_vertices=lights["vertices"],
        removed_tokens=agents.tokens[removed],
        frame_dt=float(scene.frame_dt),
        version=version,
    )


def _initial_overlap(scene: ScoringScene, vehicle: VehicleParameters) -> np.ndarray:
    """``(A,)`` bool: the frame-0 box intersects nuPlan's car footprint at ``ego_init``."""
    ego = scene.ego_init
    heading = ego[StateIndex.HEADING]
    # CarFootprint: the box centre is the rear axle moved rear_axle_to_center along the heading
    centre = np.array(
        [
            [
                ego[StateIndex.X] + vehicle.rear_axle_to_center * np.cos(heading),
                ego[StateIndex.Y] + vehicle.rear_axle_to_center * np.sin(heading),
                heading,
            ]
        ]
    )
    ego_box = oriented_box_corners(centre, np.array([vehicle.length / 2.0]), np.array([vehicle.width / 2.0]))[0]
    agents = scene.agents
    boxes = oriented_box_corners(
        np.ascontiguousarray(agents.states[:, 0, :3]), agents.dimensions[:, 0] / 2.0, agents.dimensions[:, 1] / 2.0
    )
    return shapely.intersects(shapely.Polygon(ego_box), shapely.polygons(boxes))


def _track_arrays(scene: ScoringScene, index: np.ndarray, frames: int) -> dict[str, np.ndarray]:
    agents = scene.agents
    present = agents.present[index, :frames]
    states = agents.states[index, :frames]
    half = agents.dimensions[index] / 2.0
    count = index.shape[0]
    poses = np.ascontiguousarray(states[..., : TrackStateIndex.HEADING + 1].reshape(-1, 3))
    corners = oriented_box_corners(poses, np.repeat(half[:, 0], frames), np.repeat(half[:, 1], frames))
    corners = corners.reshape(count, frames, 4, 2)
    corners[~present] = np.nan
    centers = np.where(present[..., None], states[..., : TrackStateIndex.Y + 1], np.nan)
    centroids = np.full((count, frames, 2), np.nan)
    if count:
        centroids[present] = shapely.get_coordinates(shapely.centroid(shapely.polygons(corners[present])))
    first = present.argmax(axis=1)
    first_state = states[np.arange(count), first]
    types = agents.types[index]
    bounds = np.stack(
        [np.nanmin(corners[..., 0], axis=(1, 2)), np.nanmin(corners[..., 1], axis=(1, 2)),
         np.nanmax(corners[..., 0], axis=(1, 2)), np.nanmax(corners[..., 1], axis=(1, 2))], axis=-1,
    ) if count else np.zeros((0, 4))  # fmt: skip
    return {
        "tokens": agents.tokens[index],
        "is_agent": types <= AgentType.BICYCLE,
        "is_red_light": np.zeros(count, dtype=bool),
        "present": present.copy(),
        "box_corners": np.ascontiguousarray(corners),
        "box_centers": np.ascontiguousarray(centers),
        "box_radii": np.hypot(half[:, 0], half[:, 1]),
        "centroids": centroids,
        "first_heading": first_state[:, TrackStateIndex.HEADING].copy(),
        "first_speed": np.hypot(first_state[:, TrackStateIndex.VX], first_state[:, TrackStateIndex.VY]),
        "bounds": bounds,
    }


def _light_arrays(scene: ScoringScene, frames: int) -> dict[str, np.ndarray]:
    """Red-light pseudo-objects: connectors that are red in at least one used frame.

    With ``scene.red_light_polygons`` every light is used with its own polygon; otherwise only
    on-route connectors count, with their map polygon.
    """
    given = scene.red_light_polygons
    on_route = set(scene.route_lane_ids)
    tokens, present, rings = [], [], []
    for token, red in zip(scene.red_light_tokens, scene.red_light_frames, strict=True):
        if (given is None and str(token) not in on_route) or not red[:frames].any():
            continue
        polygons = scene.map_polygons if given is None else given
        try:
            ring = polygons.ring(polygons.index_of(str(token)))
        except KeyError as error:
            raise ValueError(f"{scene.source}: red light '{token}' is on the route but has no polygon") from error
        tokens.append(RED_LIGHT_PREFIX + str(token))
        present.append(red[:frames])
        rings.append(ring)
    if not tokens:
        return _empty_lights(frames)
    count = len(tokens)
    sizes = np.array([ring.shape[0] for ring in rings], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    bounds = np.array([[*ring.min(axis=0), *ring.max(axis=0)] for ring in rings])
    lights = _empty_lights(frames, count)
    lights.update(
        tokens=np.asarray(tokens, dtype=str),
        present=np.asarray(present, dtype=bool),
        bounds=bounds,
        offsets=offsets,
        vertices=np.ascontiguousarray(np.concatenate(rings), dtype=np.float64),
    )
    return lights


def _empty_lights(frames: int, count: int = 0) -> dict[str, np.ndarray]:
    """Light-part arrays with ``count`` rows: NaN box data, no ring yet."""
    return {
        "tokens": np.zeros(count, dtype=str),
        "is_agent": np.zeros(count, dtype=bool),
        "is_red_light": np.ones(count, dtype=bool),
        "present": np.zeros((count, frames), dtype=bool),
        "box_corners": np.full((count, frames, 4, 2), np.nan),
        "box_centers": np.full((count, frames, 2), np.nan),
        "box_radii": np.zeros(count),
        "centroids": np.full((count, frames, 2), np.nan),
        "first_heading": np.full(count, np.nan),
        "first_speed": np.full(count, np.nan),
        "bounds": np.zeros((count, 4)),
        "offsets": np.zeros(count + 1, dtype=np.int64),
        "vertices": np.zeros((0, 2)),
    }
