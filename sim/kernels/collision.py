"""NC, TTC and TLC kernels: per-proposal loops over steps and candidate objects.

Semantics follow NAVSIM's ``PDMScorer`` (``_calculate_no_at_fault_collision``, ``_calculate_ttc``,
``_calculate_traffic_light_compliance``) and nuPlan's ``get_collision_type``: the same rule order,
ignore lists per proposal, and the relative angle as ``arccos`` of an unclipped dot product (NaN
means neither ahead nor behind). Each proposal is independent, so the ``*_parallel`` drivers split
proposals over threads with ``prange`` and give bit-identical results.

Broad phase: a per-proposal AABB over the whole horizon keeps only objects whose horizon AABB
overlaps it; per step a bounding-circle test precedes the exact polygon test.
"""

from __future__ import annotations

import math

import numpy as np

from sim.kernels._jit import kernel, parallel_kernel, prange
from sim.kernels.boxes import circles_may_touch, convex_quads_intersect, rings_intersect, segment_intersects_ring
from sim.kernels.exact import hypot

# CollisionType values (nuPlan's order); the public IntEnum lives in sim.scoring.collision.
STOPPED_EGO = 0
STOPPED_TRACK = 1
ACTIVE_FRONT = 2
ACTIVE_REAR = 3
ACTIVE_LATERAL = 4


@kernel
def relative_angle(x: float, y: float, heading: float, tx: float, ty: float) -> float:
    """nuPlan's ``get_agent_relative_angle``: arccos of heading . unit(target - ego), unclipped [rad]."""
    dx, dy = tx - x, ty - y
    norm = math.sqrt(dx * dx + dy * dy)
    if norm == 0.0:
        return math.nan  # numpy's 0/0: neither ahead nor behind
    dot = math.cos(heading) * (dx / norm) + math.sin(heading) * (dy / norm)
    if dot > 1.0 or dot < -1.0:
        return math.nan  # numpy's arccos outside [-1, 1]
    return math.acos(dot)


@kernel
def _candidates(x0: float, y0: float, x1: float, y1: float, bounds: np.ndarray, out: np.ndarray) -> int:
    """Write the indices of objects whose horizon AABB meets ``[x0, x1] x [y0, y1]``; return the count."""
    count = 0
    for o in range(bounds.shape[0]):
        if bounds[o, 2] < x0 or x1 < bounds[o, 0] or bounds[o, 3] < y0 or y1 < bounds[o, 1]:
            continue
        out[count] = o
        count += 1
    return count


@kernel
def _ego_bounds(corners: np.ndarray, steps: int, shift_x: np.ndarray, shift_y: np.ndarray):
    """AABB of the ego quads of steps ``[0, steps)`` and of their copies shifted by ``shift`` [m]."""
    x0, y0, x1, y1 = math.inf, math.inf, -math.inf, -math.inf
    for t in range(steps):
        for c in range(4):
            for px, py in ((corners[t, c, 0], corners[t, c, 1]),
                           (corners[t, c, 0] + shift_x[t], corners[t, c, 1] + shift_y[t])):  # fmt: skip
                x0, x1 = min(x0, px), max(x1, px)
                y0, y1 = min(y0, py), max(y1, py)
    return x0, y0, x1, y1


@kernel
def quad_reach(corners: np.ndarray) -> float:
    """Largest distance [m] from a box centre to its corners over ``corners (N, T, 5, 2)``.

    A broad-phase radius only: callers add a relative margin far above the rounding of the square root.
    """
    reach2 = 0.0
    for n in range(corners.shape[0]):
        for t in range(corners.shape[1]):
            for c in range(4):
                dx = corners[n, t, c, 0] - corners[n, t, 4, 0]
                dy = corners[n, t, c, 1] - corners[n, t, 4, 1]
                reach2 = max(reach2, dx * dx + dy * dy)
    return math.sqrt(reach2)


@kernel
def _classify(state, corners_t, box, centroid, is_agent, first_speed, ego_stopped, track_stopped, behind) -> int:
    """nuPlan's ``get_collision_type`` for one hit (first matching rule wins)."""
    if hypot(state[3], state[4]) <= ego_stopped:
        return STOPPED_EGO
    if not is_agent or first_speed <= track_stopped:
        return STOPPED_TRACK
    if relative_angle(state[0], state[1], state[2], centroid[0], centroid[1]) > behind:
        return ACTIVE_REAR
    if segment_intersects_ring(corners_t[0, 0], corners_t[0, 1], corners_t[3, 0], corners_t[3, 1], box):
        return ACTIVE_FRONT
    return ACTIVE_LATERAL


@kernel
def collision_scratch(steps: int, objects: int):
    """Work arrays of :func:`nc_one`, :func:`ttc_one` and :func:`tlc_one`, reusable across proposals:
    zero shifts ``(T,)``, candidate indices ``(O,)``, ignore flags ``(O,)``, TTC shifts and velocities
    ``(T, 5)`` and a projected quad ``(4, 2)``."""
    return (
        np.zeros(steps),
        np.empty(objects, dtype=np.int64),
        np.empty(objects, dtype=np.bool_),
        np.empty((steps, 5)),
        np.empty((4, 2)),
    )


@kernel
def nc_one(states, corners, lateral_at_fault, obs, ego_radius, thresholds, work) -> tuple[float, float]:
    """NC score and first at-fault step of one proposal.

    Args:
        states: ``(T, 11)``; corners: ``(T, 5, 2)``; lateral_at_fault: ``(T,)`` bool (MULTIPLE_LANES or
            NON_DRIVABLE_AREA); obs: track arrays (corners (A,F,4,2), present (A,F), centres (A,F,2),
            radii (A,), centroids (A,F,2), is_agent (A,), first_speed (A,), bounds (A,4));
        ego_radius: [m] conservative ego bounding radius.
        thresholds: (ego stopped [m/s], track stopped [m/s], behind angle [rad]).
        work: :func:`collision_scratch` of at least ``T`` steps and the tracks.
    """
    box_corners, present, centres, radii, centroids, is_agent, first_speed, bounds = obs
    ego_stopped, track_stopped, behind = thresholds
    steps = states.shape[0]
    zero, candidates, ignored = work[0], work[1], work[2]
    x0, y0, x1, y1 = _ego_bounds(corners, steps, zero, zero)
    count = _candidates(x0, y0, x1, y1, bounds, candidates)
    ignored[:] = False
    score, first = 1.0, math.inf
    for t in range(steps):
        for i in range(count):
            a = candidates[i]
            if ignored[a] or not present[a, t]:
                continue
            if not circles_may_touch(corners[t, 4, 0], corners[t, 4, 1], ego_radius, centres[a, t, 0],
                                     centres[a, t, 1], radii[a]):  # fmt: skip
                continue
            if not convex_quads_intersect(corners[t, :4], box_corners[a, t]):
                continue
            kind = _classify(states[t], corners[t], box_corners[a, t], centroids[a, t], is_agent[a],
                             first_speed[a], ego_stopped, track_stopped, behind)  # fmt: skip
            if kind == STOPPED_TRACK or kind == ACTIVE_FRONT or (kind == ACTIVE_LATERAL and lateral_at_fault[t]):
                score = min(score, 0.0 if is_agent[a] else 0.5)
                first = min(first, float(t))
            else:
                ignored[a] = True  # not at fault: this track is ignored for the rest of the horizon
        if score == 0.0:
            break  # nothing can lower the score or the first step any more
    return score, first


@kernel
def _ttc_hit_fails(state, centroid, widened, ahead, behind) -> bool:
    angle = relative_angle(state[0], state[1], state[2], centroid[0], centroid[1])
    return angle < ahead or (widened and not angle > behind)


@kernel
def ttc_one(states, corners, widened, obs, ego_radius, offsets, dt, eval_steps, thresholds, work):
    """TTC score and first violating step of one proposal.

    Args:
        widened: ``(T,)`` bool: MULTIPLE_LANES, NON_DRIVABLE_AREA or rear axle in an INTERSECTION.
        offsets: ``(K,)`` int64 projection offsets [frames]; dt: [s] frame spacing.
        eval_steps: steps ``[0, eval_steps)`` are checked (frame ``t + offset`` must exist).
        thresholds: (ego stopped speed [m/s], ahead angle [rad], behind angle [rad]).
        Other arguments as in :func:`nc_one`.
    """
    box_corners, present, centres, radii, centroids, is_agent, first_speed, bounds = obs
    stopped, ahead, behind = thresholds
    candidates, ignored, dxy, quad = work[1], work[2], work[3], work[4]
    # dxy columns: velocity x, y [m/s], speed [m/s], then the shift x, y [m] at the last offset
    shift_x, shift_y = dxy[:, 3], dxy[:, 4]
    last = float(offsets[offsets.shape[0] - 1]) * dt
    for t in range(eval_steps):
        speed = hypot(states[t, 3], states[t, 4])
        dxy[t, 0], dxy[t, 1], dxy[t, 2] = math.cos(states[t, 2]) * speed, math.sin(states[t, 2]) * speed, speed
        dxy[t, 3], dxy[t, 4] = dxy[t, 0] * last, dxy[t, 1] * last
    x0, y0, x1, y1 = _ego_bounds(corners, eval_steps, shift_x, shift_y)
    count = _candidates(x0, y0, x1, y1, bounds, candidates)
    ignored[:] = False
    for t in range(eval_steps):
        if dxy[t, 2] < stopped:
            continue  # NAVSIM skips every hit of a (nearly) stopped ego without touching its ignore list
        for k in range(offsets.shape[0]):
            delta = float(offsets[k]) * dt
            mx, my = dxy[t, 0] * delta, dxy[t, 1] * delta
            for c in range(4):
                quad[c, 0], quad[c, 1] = corners[t, c, 0] + mx, corners[t, c, 1] + my
            f = t + offsets[k]
            for i in range(count):
                a = candidates[i]
                if ignored[a] or not present[a, f]:
                    continue
                if not circles_may_touch(corners[t, 4, 0] + mx, corners[t, 4, 1] + my, ego_radius,
                                         centres[a, f, 0], centres[a, f, 1], radii[a]):  # fmt: skip
                    continue
                if not convex_quads_intersect(quad, box_corners[a, f]):
                    continue
                if _ttc_hit_fails(states[t], centroids[a, f], widened[t], ahead, behind):
                    return 0.0, float(t)
                ignored[a] = True
    return 1.0, math.inf


@kernel
def tlc_one(corners, present, offsets, vertices, bounds, work) -> tuple[float, float]:
    """TLC score and first step whose ego quad meets a red-light polygon present in that frame."""
    steps = corners.shape[0]
    zero, candidates = work[0], work[1]
    x0, y0, x1, y1 = _ego_bounds(corners, steps, zero, zero)
    count = _candidates(x0, y0, x1, y1, bounds, candidates)
    for t in range(count and steps):
        qx0 = min(corners[t, 0, 0], corners[t, 1, 0], corners[t, 2, 0], corners[t, 3, 0])
        qy0 = min(corners[t, 0, 1], corners[t, 1, 1], corners[t, 2, 1], corners[t, 3, 1])
        qx1 = max(corners[t, 0, 0], corners[t, 1, 0], corners[t, 2, 0], corners[t, 3, 0])
        qy1 = max(corners[t, 0, 1], corners[t, 1, 1], corners[t, 2, 1], corners[t, 3, 1])
        for i in range(count):
            r = candidates[i]
            if (
                not present[r, t]
                or qx1 < bounds[r, 0]
                or bounds[r, 2] < qx0
                or qy1 < bounds[r, 1]
                or bounds[r, 3] < qy0
            ):
                continue  # the boxes are apart: rings_intersect's own first test would say so
            if rings_intersect(corners[t, :4], vertices[offsets[r] : offsets[r + 1]]):
                return 0.0, float(t)
    return 1.0, math.inf


@kernel
def nc_serial(states, corners, lateral_at_fault, obs, ego_radius, thresholds):
    """:func:`nc_one` over ``(N, T, ...)`` inputs; returns scores ``(N,)`` and first steps ``(N,)``."""
    scores, firsts = np.empty(states.shape[0]), np.empty(states.shape[0])
    work = collision_scratch(states.shape[1], obs[7].shape[0])
    for p in range(states.shape[0]):
        scores[p], firsts[p] = nc_one(states[p], corners[p], lateral_at_fault[p], obs, ego_radius, thresholds, work)
    return scores, firsts


@parallel_kernel
def nc_parallel(states, corners, lateral_at_fault, obs, ego_radius, thresholds):
    """:func:`nc_serial` with proposals split over threads."""
    scores, firsts = np.empty(states.shape[0]), np.empty(states.shape[0])
    for p in prange(states.shape[0]):
        work = collision_scratch(states.shape[1], obs[7].shape[0])  # per proposal: threads must not share it
        scores[p], firsts[p] = nc_one(states[p], corners[p], lateral_at_fault[p], obs, ego_radius, thresholds, work)
    return scores, firsts


@kernel
def ttc_serial(states, corners, widened, obs, ego_radius, offsets, dt, eval_steps, thresholds):
    """:func:`ttc_one` over ``(N, T, ...)`` inputs; returns scores ``(N,)`` and first steps ``(N,)``."""
    scores, firsts = np.empty(states.shape[0]), np.empty(states.shape[0])
    work = collision_scratch(states.shape[1], obs[7].shape[0])
    for p in range(states.shape[0]):
        scores[p], firsts[p] = ttc_one(
            states[p], corners[p], widened[p], obs, ego_radius, offsets, dt, eval_steps, thresholds, work
        )
    return scores, firsts


@parallel_kernel
def ttc_parallel(states, corners, widened, obs, ego_radius, offsets, dt, eval_steps, thresholds):
    """:func:`ttc_serial` with proposals split over threads."""
    scores, firsts = np.empty(states.shape[0]), np.empty(states.shape[0])
    for p in prange(states.shape[0]):
        work = collision_scratch(states.shape[1], obs[7].shape[0])  # per proposal: threads must not share it
        scores[p], firsts[p] = ttc_one(
            states[p], corners[p], widened[p], obs, ego_radius, offsets, dt, eval_steps, thresholds, work
        )
    return scores, firsts


@kernel
def tlc_serial(corners, present, offsets, vertices, bounds):
    """:func:`tlc_one` over ``(N, T, 5, 2)`` corners; returns scores ``(N,)`` and first steps ``(N,)``."""
    scores, firsts = np.empty(corners.shape[0]), np.empty(corners.shape[0])
    work = collision_scratch(corners.shape[1], bounds.shape[0])
    for p in range(corners.shape[0]):
        scores[p], firsts[p] = tlc_one(corners[p], present, offsets, vertices, bounds, work)
    return scores, firsts


@parallel_kernel
def tlc_parallel(corners, present, offsets, vertices, bounds):
    """:func:`tlc_serial` with proposals split over threads."""
    scores, firsts = np.empty(corners.shape[0]), np.empty(corners.shape[0])
    for p in prange(corners.shape[0]):
        work = collision_scratch(corners.shape[1], bounds.shape[0])  # per proposal: threads must not share it
        scores[p], firsts[p] = tlc_one(corners[p], present, offsets, vertices, bounds, work)
    return scores, firsts
