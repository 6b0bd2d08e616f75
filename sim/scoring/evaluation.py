"""Per-proposal sub-metrics that do not depend on which other proposals are scored with it.

Everything here is independent per proposal; only EP's normalisation couples proposals, and that
happens in :mod:`sim.scoring.aggregate`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.scoring import area, centerline, collision, comfort
from sim.scoring.array_checks import checked_line
from sim.scoring.comfort import checked_dt
from sim.scoring.config import ScorerConfig
from sim.scoring.drivable_map import DrivableMapIndex, build_drivable_map_index
from sim.scoring.ego_geometry import ego_batch
from sim.scoring.observation import Observation, build_observation
from sim.scoring.step_timer import StepTimer, timed
from sim.types import ScoringScene


@dataclass(frozen=True)
class SceneContext:
    """What the metrics read about a scene, prepared once per scene (and per traffic policy).

    Attributes:
        scene: the scene.
        map_index: drivable-map index of the scene's polygons with the on-route mask.
        observation: per-frame occupancy (tracks, and red lights in v2).
        centerline: ``(M, 2)`` [m] route centerline (validated: finite, M >= 2, contiguous).
    """

    scene: ScoringScene
    map_index: DrivableMapIndex
    observation: Observation
    centerline: np.ndarray


def prepare_scene(
    scene: ScoringScene,
    config: ScorerConfig,
    *,
    log_replay: bool = False,
    map_index: DrivableMapIndex | None = None,
) -> SceneContext:
    """Index the map (unless ``map_index`` is given) and build the observation.

    Args:
        scene: the scene.
        config: scorer configuration (its version decides red lights and frame counts).
        log_replay: v2's non-reactive traffic of the official path: tracks overlapping the
            initial ego box are removed from every frame.
        map_index: the index of ``scene.map_polygons`` with its on-route mask, prepared once for
            many scenes on the same map and route (e.g. every tick of a route in a world).
    """
    if map_index is None:
        map_index = build_drivable_map_index(scene.map_polygons, scene.on_route_mask())
    observation = build_observation(scene, version=config.version_tag, remove_initial_overlap=log_replay)
    checked_dt(config.dt)
    centerline_ = checked_line(scene.centerline)
    return SceneContext(scene=scene, map_index=map_index, observation=observation, centerline=centerline_)


@dataclass(frozen=True)
class ProposalMetrics:
    """Batch-independent sub-metrics of N simulated proposals (all arrays ``(N, ...)``)."""

    nc: np.ndarray
    collision_time_idx: np.ndarray
    dac: np.ndarray
    ddc: np.ndarray
    tlc: np.ndarray
    ttc: np.ndarray
    ttc_time_idx: np.ndarray
    lk: np.ndarray
    comfort: np.ndarray
    comfort_checks: np.ndarray
    progress_raw: np.ndarray
    ego_areas: np.ndarray
    reference: np.ndarray
    states: np.ndarray


def evaluate_proposals(
    context: SceneContext,
    reference: np.ndarray,
    states: np.ndarray,
    config: ScorerConfig,
    *,
    ego_past: np.ndarray | None,
    timer: StepTimer | None = None,
) -> ProposalMetrics:
    """Every batch-independent sub-metric of simulated proposals.

    Args:
        context: the prepared scene.
        reference: ``(N, 41, 3)`` the tracker's reference poses (kept for the result).
        states: ``(N, 41, 11)`` simulated ego states, global frame.
        config: scorer configuration.
        ego_past: ``(H, 6)`` logged ego past for v2 history comfort; None scores HC as 1.
        timer: records seconds per step (benchmarks).
    """
    parallel = config.parallel
    # 1. Validate the batch once and derive its ego geometry; every metric below reads these arrays
    with timed(timer, "ego_areas"):
        ego = ego_batch(states, config.vehicle)
        if ego.states.shape[1] > context.observation.num_frames:
            raise ValueError(
                f"{ego.states.shape[1]} simulated steps but only {context.observation.num_frames} observation frames"
            )
        areas, centre_in_intersection, rear_in_intersection = area.map_flags_unchecked(
            ego.corners, ego.rear_axle, context.map_index, parallel=parallel
        )

    # 2. Collisions, time to collision, red lights
    with timed(timer, "no_at_fault_collisions"):
        nc, collision_idx = collision.no_at_fault_collisions_unchecked(
            ego.states, ego.corners, areas, context.observation, ego.radius, config=config.collision, parallel=parallel
        )
    with timed(timer, "time_to_collision"):
        ttc, ttc_idx = collision.time_to_collision_unchecked(
            ego.states,
            ego.corners,
            areas,
            rear_in_intersection,
            context.observation,
            ego.radius,
            version=config.version_tag,
            config=config.collision,
            parallel=parallel,
        )
    with timed(timer, "traffic_light_compliance"):
        tlc = collision.traffic_light_compliance_unchecked(ego.corners, context.observation, parallel=parallel)

    # 3. Map compliance and progress
    with timed(timer, "driving_direction_compliance"):
        exempt = centre_in_intersection if config.is_v2 else np.zeros(areas.shape[:2], dtype=np.bool_)
        ddc = area.driving_direction_compliance_unchecked(ego.centers, areas, exempt, config.area)
    with timed(timer, "lane_keeping"):
        lk = centerline.lane_keeping_unchecked(ego.centers, centre_in_intersection, context.centerline, config.area)
    with timed(timer, "ego_progress"):
        progress = centerline.progress_raw_unchecked(ego.centers, context.centerline)

    # 4. Comfort on the simulated states (v2: padded with the logged past)
    with timed(timer, "comfort"):
        if config.is_v2:
            comfort_result = comfort.history_comfort_unchecked(
                ego.states, ego_past, config.dt, config.vehicle, config.comfort
            )
        else:
            comfort_result = comfort.comfort_v1_unchecked(ego.states, config.dt, config.comfort)

    return ProposalMetrics(
        nc=nc,
        collision_time_idx=collision_idx,
        dac=area.drivable_area_compliance(areas),
        ddc=ddc,
        tlc=tlc,
        ttc=ttc,
        ttc_time_idx=ttc_idx,
        lk=lk,
        comfort=comfort_result.passed,
        comfort_checks=comfort_result.checks,
        progress_raw=progress,
        ego_areas=areas,
        reference=reference,
        states=ego.states,
    )
