"""The rules background vehicles stop for: lights, stop signs and junction priority (kernels of world_traffic).

A vehicle respects the stop line of the first lane of its plan whose :class:`LaneRule` holds it
back: red, yellow when it can still stop comfortably, a stop sign until it has waited, and at a
junction entry any conflicting lane that is occupied or claimed by an earlier arrival.
"""

from __future__ import annotations

import enum

import numpy as np

from sim.kernels._jit import kernel


class TrafficParam(enum.IntEnum):
    """Entries of the parameter vector ``(len(TrafficParam),)`` float64 of :func:`traffic_step_kernel`."""

    DT = 0  # [s]
    TIME_HEADWAY = 1  # [s]
    MIN_GAP = 2  # [m]
    MAX_ACCEL = 3  # [m/s^2]
    COMFORT_DECEL = 4  # [m/s^2]
    MAX_DECEL = 5  # [m/s^2]
    EXPONENT = 6
    LOOKAHEAD_TIME = 7  # [s]
    MIN_LOOKAHEAD = 8  # [m]
    MAX_LOOKAHEAD = 9  # [m]
    PATH_MARGIN = 10  # [m]
    STOP_SIGN_WAIT = 11  # [s]
    JUNCTION_APPROACH = 12  # [m]


class LaneRule(enum.IntEnum):
    """What a vehicle must do before entering a lane (``lane_rules`` of the kernel)."""

    FREE = 0  # no light, no sign: yield to conflicting traffic by arrival order
    RED = 1
    YELLOW = 2
    STOP_SIGN = 3
    GREEN = 4  # go, yielding only to vehicles already inside conflicting lanes


@kernel
def _is_conflict(conflict_offsets, conflicts, a: int, b: int) -> bool:
    for k in range(conflict_offsets[a], conflict_offsets[a + 1]):
        if conflicts[k] == b:
            return True
    return False


@kernel
def junction_entries(plan, pos_s, speed, lengths, junction, approach: float, entry_lane, entry_time) -> None:
    """Per vehicle, the next junction lane of its plan within ``approach`` [m] and its arrival time [s]."""
    for i in range(plan.shape[0]):
        entry_lane[i] = -1
        entry_time[i] = np.inf
        if plan[i, 0] < 0 or junction[plan[i, 0]] >= 0:
            continue
        distance = lengths[plan[i, 0]] - pos_s[i]
        for k in range(1, plan.shape[1]):
            lane = plan[i, k]
            if lane < 0 or distance > approach:
                break
            if junction[lane] >= 0:
                entry_lane[i] = lane
                entry_time[i] = distance / max(speed[i], 1.0)
                break
            distance += lengths[lane]


@kernel
def _must_yield(i: int, lane: int, rule: int, plan, pos_s, length, lengths, entry_lane, entry_time, c_off, conf):
    """Vehicle ``i`` waits before junction lane ``lane``: a conflicting lane is occupied or claimed first."""
    for j in range(plan.shape[0]):
        if j == i or plan[j, 0] < 0:
            continue
        inside = plan[j, 0]
        if pos_s[j] < lengths[inside] - 0.5 * length[j] and _is_conflict(c_off, conf, lane, inside):
            return True
        if rule == LaneRule.GREEN or entry_lane[j] < 0 or not _is_conflict(c_off, conf, lane, entry_lane[j]):
            continue
        if entry_time[j] < entry_time[i] or (entry_time[j] == entry_time[i] and j < i):
            return True
    return False


@kernel
def stop_line_gap(
    i, plan, pos_s, speed, length, stop_wait, lengths, lane_rules, entry_lane, entry_time, c_off, conf, params
):
    """[m] from vehicle ``i``'s front to the stop line it must respect, inf when none."""
    distance = lengths[plan[i, 0]] - pos_s[i]
    for k in range(1, plan.shape[1]):
        lane = plan[i, k]
        if lane < 0 or distance > params[TrafficParam.MAX_LOOKAHEAD]:
            break
        gap = distance - 0.5 * length[i]
        rule = lane_rules[lane]
        if gap > -0.5:  # not yet committed past the line
            if rule == LaneRule.RED:
                return gap
            if rule == LaneRule.YELLOW and gap > speed[i] ** 2 / (2.0 * params[TrafficParam.COMFORT_DECEL]):
                return gap
            if rule == LaneRule.STOP_SIGN and stop_wait[i] < params[TrafficParam.STOP_SIGN_WAIT]:
                return gap
            if entry_lane[i] == lane and rule != LaneRule.RED and rule != LaneRule.YELLOW:
                if _must_yield(i, lane, rule, plan, pos_s, length, lengths, entry_lane, entry_time, c_off, conf):
                    return gap
        distance += lengths[lane]
    return np.inf
