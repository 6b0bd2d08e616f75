"""A NAVSIM-style scoring scene for any sample of a collected dataset, from the episode's scoring material.

The world at sample ``i`` is rebuilt as a :class:`PrivilegedWorld` (ego, actors, lights, route,
town) and converted by the package's own converter (:func:`sim.scoring.world_scene.scene_from_world`:
map, on-route lanes, centerline, ego state); then what the log knows better than a single tick
replaces the converter's guesses: each actor's logged boxes over the next 4 s (41 frames of
0.1 s, the samples ``i .. i + 40``; frames past the episode's end are absent), the light states
per frame, and the ego's logged past (-1.5 ... 0 s, held at the first sample before it).
"""

from __future__ import annotations

from dataclasses import replace
from functools import cached_property

import numpy as np

from models.common.driving_data import DrivingData, Episode
from models.common.driving_data.layout import TrackColumn
from sim.maps.dense_route import DenseRoute, arc_length
from sim.maps.town import load_town
from sim.scoring.world_scene import (
    FRAME_DT,
    HORIZON_FRAMES,
    PAST_TIMES,
    WorldMap,
    WorldSceneConfig,
    prepare_world_map,
    scene_from_world,
)
from sim.types import PAST_MIN_COLUMNS, AgentTracks, LightState, RoadOption, ScoringScene, StateIndex, TrackStateIndex
from sim.world.config import EgoDynamicsConfig
from sim.world.privileged import PrivilegedWorld
from sim.world.snapshot import EgoSnapshot

_ACTOR_TOKEN = "actor_"  # the converter's track tokens: actor_<id>


class EpisodeScenes:
    """Scenes of one episode; the town, the route and its map index are built once."""

    def __init__(self, episode: Episode, data_dir: str | None = None, ego: EgoDynamicsConfig | None = None) -> None:
        interval = episode.layout.sample_interval_s
        if abs(interval - FRAME_DT) > 1e-9:
            raise ValueError(f"{episode.dir}: samples every {interval} s; scoring scenes need {FRAME_DT} s")
        self.episode, self.ego_config = episode, ego or EgoDynamicsConfig()
        self.network = load_town(episode.info.town, data_dir)
        points = np.asarray(episode.array("route_points"))
        self.route = DenseRoute(
            self.network.name, points, np.zeros(points.shape[0]), np.full(points.shape[0], int(RoadOption.LANEFOLLOW)),
            np.asarray(episode.array("route_lane_ids")), arc_length(points), np.array([0, points.shape[0] - 1]),
        )  # fmt: skip
        self.ego_state = np.asarray(episode.array("ego_state"))
        self.track_ids = np.asarray(episode.array("track_ids"))
        self.tracks, self.valid = np.asarray(episode.array("tracks")), np.asarray(episode.array("track_valid"))
        self.light_lanes = np.asarray(episode.array("light_lane_ids"))
        self.light_states = np.asarray(episode.array("light_states"))
        self.frames, self.times = episode.field("frame"), episode.field("time")

    @cached_property
    def world_map(self) -> WorldMap:
        """The whole town indexed for this route (what vocabulary scoring reuses at every sample)."""
        return prepare_world_map(self.network, self.route)

    def world(self, i: int) -> PrivilegedWorld:
        """The world at sample ``i`` (lights without a record are green)."""
        state = self.ego_state[i]
        pose = state[[StateIndex.X, StateIndex.Y, StateIndex.HEADING]]
        d, c = self.ego_config.rear_axle_to_center, self.ego_config
        ego = EgoSnapshot(
            pose=pose, center=pose[:2] + d * np.array([np.cos(pose[2]), np.sin(pose[2])]), z=0.0,
            speed=float(state[StateIndex.VX]), acceleration=state[[StateIndex.AX, StateIndex.AY]],
            yaw_rate=float(state[StateIndex.ANGULAR_VELOCITY]), dimensions=np.array([c.length, c.width, c.height]),
        )  # fmt: skip
        present = self.valid[i]
        lights = np.full(self.network.traffic_lights.count, int(LightState.GREEN), dtype=np.int64)
        owner = self.network.traffic_lights.signal_of_lane()
        for lane, light_state in zip(self.light_lanes, self.light_states[i], strict=True):
            lights[owner[int(lane)]] = int(light_state)
        return PrivilegedWorld(
            int(self.frames[i]), float(self.times[i]), self.network.name, ego, self.track_ids[present],
            np.ascontiguousarray(self.tracks[i, present]), lights, self.network.traffic_lights,
            self.network.stop_signs, self.route, self.network,
        )  # fmt: skip

    def scene(self, i: int, config: WorldSceneConfig | None = None) -> ScoringScene:
        """The scoring scene of sample ``i`` (see the module docstring); ``config`` defaults to NAVSIM's radii."""
        scene = scene_from_world(self.world(i), config or WorldSceneConfig())
        frames = np.minimum(i + np.arange(HORIZON_FRAMES), self.episode.n - 1)
        inside = i + np.arange(HORIZON_FRAMES) < self.episode.n
        red_tokens, red_frames = self._red_lights(frames, scene.map_polygons.tokens)
        return replace(
            scene,
            ego_past=self._past(i),
            agents=self._logged_agents(scene.agents, frames, inside),
            red_light_tokens=red_tokens,
            red_light_frames=red_frames,
            source=f"{self.episode.dir} sample {i}",
        )

    def _logged_agents(self, agents: AgentTracks, frames: np.ndarray, inside: np.ndarray) -> AgentTracks:
        ids = np.array([int(str(token)[len(_ACTOR_TOKEN) :]) for token in agents.tokens], dtype=np.int64)
        columns = np.searchsorted(self.track_ids, ids)
        rows = self.tracks[frames][:, columns].transpose(1, 0, 2)  # (A, F, TrackColumn)
        states = np.zeros((ids.size, HORIZON_FRAMES, len(TrackStateIndex)))
        heading, speed = rows[..., TrackColumn.HEADING], rows[..., TrackColumn.SPEED]
        states[..., TrackStateIndex.X] = rows[..., TrackColumn.X]
        states[..., TrackStateIndex.Y] = rows[..., TrackColumn.Y]
        states[..., TrackStateIndex.HEADING] = heading
        states[..., TrackStateIndex.VX] = speed * np.cos(heading)
        states[..., TrackStateIndex.VY] = speed * np.sin(heading)
        present = self.valid[frames][:, columns].T & inside[None, :]
        return replace(agents, states=states, present=present)

    def _red_lights(self, frames: np.ndarray, map_tokens: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        tokens = np.asarray([self.network.lane_token(int(lane)) for lane in self.light_lanes], dtype=str)
        states = self.light_states[frames].T  # (L, F)
        red = (states == LightState.RED) | (states == LightState.YELLOW)
        keep = np.isin(tokens, map_tokens) & red.any(axis=1)
        return tokens[keep], red[keep]

    def _past(self, i: int) -> np.ndarray:
        past = np.zeros((len(PAST_TIMES), PAST_MIN_COLUMNS))
        for k, t in enumerate(PAST_TIMES):
            j = max(i + int(round(t / FRAME_DT)), 0)
            state = self.ego_state[j]
            past[k] = (t, state[StateIndex.X], state[StateIndex.Y], state[StateIndex.HEADING], state[StateIndex.VX],
                       state[StateIndex.AX])  # fmt: skip
        return past


def scene_for_sample(dataset: DrivingData, episode: str | Episode, i: int, data_dir: str | None = None) -> ScoringScene:
    """The scoring scene of sample ``i`` of ``episode`` (an id or an opened episode) of ``dataset``."""
    opened = dataset.episode(episode) if isinstance(episode, str) else episode
    return EpisodeScenes(opened, data_dir).scene(i)
