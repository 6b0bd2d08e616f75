"""Background vehicles of the embedded world: IDM along planned lane sequences, one tick for all.

Each vehicle rides a lane centreline at arc length ``s`` (its box centre) and carries a plan of the
next ``P`` lanes (``plan[:, 0]`` is the current lane, -1 pads a dead end). Per tick and vehicle:
the path ahead is swept for obstacles (every other actor as up to three discs), stop lines are
set by red/yellow lights, stop signs and junction priority, the IDM gives the acceleration, and
``s`` advances through the plan. Kernels take arrays and scalars only.
"""

from __future__ import annotations

import math

import numpy as np

from sim.kernels._jit import kernel
from sim.kernels.traffic_rules import TrafficParam, junction_entries, stop_line_gap

OBSTACLE_COLUMNS = 6  # x [m], y [m], heading [rad], speed [m/s], length [m], width [m]


@kernel
def _sample_index(s_lane: np.ndarray, s: float) -> int:
    """Index of the sample at or before arc length ``s`` within one lane's ``s`` slice."""
    k = np.searchsorted(s_lane, s, side="right") - 1
    return min(max(k, 0), s_lane.shape[0] - 2)


@kernel
def lane_pose(offsets, points, s_arr, lane: int, s: float, out: np.ndarray) -> None:
    """Write x, y, heading at arc length ``s`` [m] of ``lane`` into ``out`` ``(3,)``."""
    lo, hi = offsets[lane], offsets[lane + 1]
    if hi - lo < 2:
        out[0], out[1], out[2] = points[lo, 0], points[lo, 1], points[lo, 2]
        return
    k = lo + _sample_index(s_arr[lo:hi], s)
    span = max(s_arr[k + 1] - s_arr[k], 1e-9)
    t = min(max((s - s_arr[k]) / span, 0.0), 1.0)
    out[0] = points[k, 0] + t * (points[k + 1, 0] - points[k, 0])
    out[1] = points[k, 1] + t * (points[k + 1, 1] - points[k, 1])
    dh = (points[k + 1, 2] - points[k, 2] + math.pi) % (2.0 * math.pi) - math.pi
    out[2] = (points[k, 2] + t * dh + math.pi) % (2.0 * math.pi) - math.pi


@kernel
def _idm(v: float, v0: float, gap: float, lead_speed: float, s0: float, params: np.ndarray) -> float:
    """IDM acceleration [m/s^2] towards a leader ``gap`` [m] ahead (gap = inf: free road)."""
    a = params[TrafficParam.MAX_ACCEL]
    b = params[TrafficParam.COMFORT_DECEL]
    free = 1.0 - (v / max(v0, 0.1)) ** params[TrafficParam.EXPONENT]
    if not math.isfinite(gap):
        return a * free
    if gap <= 0.0:
        return -params[TrafficParam.MAX_DECEL]
    desired = s0 + max(0.0, v * params[TrafficParam.TIME_HEADWAY] + v * (v - lead_speed) / (2.0 * math.sqrt(a * b)))
    return a * (free - (desired / gap) ** 2)


@kernel
def path_leader(
    i, plan, pos_s, length, width, offsets, points, s_arr, lengths, obstacles, owner, lookahead, margin, ignore_traffic
):  # fmt: skip
    """``(gap [m], leader speed along the path [m/s])`` of the first obstacle on vehicle ``i``'s path.

    Obstacles are discs: one per box, or three along a box longer than 1.5 widths. A disc blocks a
    path sample when it lies within its radius + half the vehicle's width + ``margin``. With
    ``ignore_traffic``, other background vehicles are not obstacles (the deadlock breaker of a vehicle
    stuck inside a junction, where crossing vehicles can hold each other); the ego, walkers and
    scenario actors always are.
    """
    cx = 0.0
    cy = 0.0
    pose = np.empty(3)
    lane_pose(offsets, points, s_arr, plan[i, 0], pos_s[i], pose)
    cx, cy = pose[0], pose[1]
    near = np.empty(obstacles.shape[0], dtype=np.int64)
    count = 0
    for m in range(obstacles.shape[0]):
        if owner[m] == i:
            continue
        if ignore_traffic and owner[m] >= 0:
            continue
        reach = lookahead + 0.5 * obstacles[m, 4] + 3.0
        if (obstacles[m, 0] - cx) ** 2 + (obstacles[m, 1] - cy) ** 2 < reach * reach:
            near[count] = m
            count += 1
    if count == 0:
        return np.inf, 0.0
    travelled = -pos_s[i]
    for k in range(plan.shape[1]):
        lane = plan[i, k]
        if lane < 0 or travelled > lookahead:
            break
        for p in range(offsets[lane], offsets[lane + 1]):
            ds = travelled + s_arr[p]
            if ds <= 0.0:
                continue
            if ds > lookahead:
                break
            best_gap, best_speed = _blocking(points[p], ds, near, count, obstacles, length[i], width[i], margin)
            if math.isfinite(best_gap):
                return best_gap, best_speed
        travelled += lengths[lane]
    return np.inf, 0.0


@kernel
def _blocking(point, ds, near, count, obstacles, own_length, own_width, margin):
    """Smallest gap [m] to an obstacle disc covering path sample ``point`` at distance ``ds``, and its speed."""
    best_gap = np.inf
    best_speed = 0.0
    c, s = math.cos(point[2]), math.sin(point[2])
    for q in range(count):
        m = near[q]
        half_w = 0.5 * obstacles[m, 5]
        ch, sh = math.cos(obstacles[m, 2]), math.sin(obstacles[m, 2])
        shift = max(0.5 * obstacles[m, 4] - half_w, 0.0)
        discs = 3 if obstacles[m, 4] > 3.0 * half_w else 1
        threshold = half_w + 0.5 * own_width + margin
        for d in range(discs):
            offset = 0.0 if discs == 1 else (d - 1) * shift
            dx = obstacles[m, 0] + offset * ch - point[0]
            dy = obstacles[m, 1] + offset * sh - point[1]
            if dx * dx + dy * dy >= threshold * threshold:
                continue
            along = ds + dx * c + dy * s
            if along <= 0.0:
                continue
            gap = along - half_w - 0.5 * own_length
            if gap < best_gap:
                best_gap = gap
                best_speed = max(obstacles[m, 3] * (ch * c + sh * s), 0.0)
    return best_gap, best_speed


@kernel
def _advance(i, plan, pos_s, lengths, successor_offsets, successors, rand: float) -> bool:
    """Move vehicle ``i`` through its plan while ``s`` passes lane ends; False at a dead end."""
    while pos_s[i] > lengths[plan[i, 0]]:
        nxt = plan[i, 1]
        if nxt < 0:
            pos_s[i] = lengths[plan[i, 0]]
            return False
        pos_s[i] -= lengths[plan[i, 0]]
        last = plan.shape[1] - 1
        for k in range(last):
            plan[i, k] = plan[i, k + 1]
        tail = plan[i, last - 1]
        plan[i, last] = -1
        if tail >= 0:
            n = successor_offsets[tail + 1] - successor_offsets[tail]
            if n > 0:
                plan[i, last] = successors[successor_offsets[tail] + min(int(rand * n), n - 1)]
    return True


@kernel
def traffic_step_kernel(
    offsets, points, s_arr, lengths, successor_offsets, successors, junction, cruise_speed, conflict_offsets,
    conflicts, lane_rules, plan, pos_s, speed, length, width, speed_factor, stop_wait, obstacles, owner, rand,
    params, out_pose, out_accel, out_alive, unjam,
):  # fmt: skip
    """One tick of every vehicle (rows with ``plan[i, 0] < 0`` are inactive and skipped).

    Updates ``plan`` ``(V, P)``, ``pos_s``, ``speed``, ``stop_wait`` ``(V,)`` in place; writes the
    box-centre pose ``out_pose`` ``(V, 3)``, the acceleration ``out_accel`` ``(V,)`` [m/s^2] and
    ``out_alive`` ``(V,)`` (False: reached a dead end, to be respawned).
    """
    dt = params[TrafficParam.DT]
    n = plan.shape[0]
    entry_lane = np.empty(n, dtype=np.int64)
    entry_time = np.empty(n)
    junction_entries(
        plan, pos_s, speed, lengths, junction, params[TrafficParam.JUNCTION_APPROACH], entry_lane, entry_time
    )
    accel = np.zeros(n)
    for i in range(n):
        if plan[i, 0] < 0:
            continue
        v = speed[i]
        lookahead = min(
            max(v * params[TrafficParam.LOOKAHEAD_TIME], params[TrafficParam.MIN_LOOKAHEAD]),
            params[TrafficParam.MAX_LOOKAHEAD],
        )
        gap, lead = path_leader(
            i, plan, pos_s, length, width, offsets, points, s_arr, lengths, obstacles, owner, lookahead,
            params[TrafficParam.PATH_MARGIN], unjam[i],
        )  # fmt: skip
        v0 = _desired_speed(i, plan, pos_s, lengths, cruise_speed, speed_factor, params)
        a = _idm(v, v0, gap, lead, params[TrafficParam.MIN_GAP], params)
        stop = stop_line_gap(
            i, plan, pos_s, speed, length, stop_wait, lengths, lane_rules, entry_lane, entry_time, conflict_offsets,
            conflicts, params,
        )  # fmt: skip
        if math.isfinite(stop):
            a = min(a, _idm(v, v0, stop, 0.0, 1.0, params))
            if v < 0.2 and stop < 2.0:
                stop_wait[i] += dt
        accel[i] = max(a, -params[TrafficParam.MAX_DECEL])
    for i in range(n):  # integrate after every decision, so the order of vehicles does not matter
        out_alive[i] = True
        if plan[i, 0] < 0:
            continue
        v1 = max(speed[i] + accel[i] * dt, 0.0)
        out_accel[i] = (v1 - speed[i]) / dt
        pos_s[i] += 0.5 * (speed[i] + v1) * dt
        speed[i] = v1
        lane_before = plan[i, 0]
        out_alive[i] = _advance(i, plan, pos_s, lengths, successor_offsets, successors, rand[i])
        if plan[i, 0] != lane_before:
            stop_wait[i] = 0.0
        lane_pose(offsets, points, s_arr, plan[i, 0], pos_s[i], out_pose[i])


@kernel
def _desired_speed(i, plan, pos_s, lengths, cruise_speed, speed_factor, params) -> float:
    """[m/s] cruise speed of the current lane, lowered so a slower lane ahead is reached comfortably."""
    v0 = cruise_speed[plan[i, 0]] * speed_factor[i]
    distance = lengths[plan[i, 0]] - pos_s[i]
    for k in range(1, plan.shape[1]):
        lane = plan[i, k]
        if lane < 0 or distance > params[TrafficParam.MAX_LOOKAHEAD]:
            break
        ahead = cruise_speed[lane] * speed_factor[i]
        v0 = min(v0, math.sqrt(ahead * ahead + 2.0 * params[TrafficParam.COMFORT_DECEL] * max(distance, 0.0)))
        distance += lengths[lane]
    return v0
