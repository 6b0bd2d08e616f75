"""Longitudinal planning of the expert: a speed cap along the path and an IDM rollout to many constraints.

A *constraint* is something the ego's rear axle must stay behind: ``limit`` [m] of path arc length
(already reduced by the ego's front length for boxes), moving at ``speed`` [m/s] along the path,
with a standstill gap ``gap`` [m]. Lights, stop signs, vehicles, walkers, predicted conflicts and
the route's end are all constraints; the IDM takes the most restrictive one at every step.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

import numpy as np


@dataclass
class Constraints:
    """Growing lists of constraints (see the module docstring) with a label each for debugging."""

    limit: list[float] = field(default_factory=list)
    speed: list[float] = field(default_factory=list)
    gap: list[float] = field(default_factory=list)
    reason: list[str] = field(default_factory=list)

    def add(self, limit: float, speed: float, gap: float, reason: str) -> None:
        self.limit.append(float(limit))
        self.speed.append(max(float(speed), 0.0))  # an oncoming object counts as standing
        self.gap.append(float(gap))
        self.reason.append(reason)

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return np.asarray(self.limit), np.asarray(self.speed), np.asarray(self.gap)


def allowed_speed(s: np.ndarray, cap: np.ndarray, decel: float) -> np.ndarray:
    """``(M,)`` [m/s] the highest speed at each ``s`` from which every later ``cap`` is reachable at ``decel``.

    ``min over j >= i of sqrt(cap_j^2 + 2 decel (s_j - s_i))``: slow zones (junctions, curves,
    walkers) are approached with a comfortable deceleration instead of entered too fast.
    """
    ahead = s[None, :] - s[:, None]
    reach = np.sqrt(cap[None, :] ** 2 + 2.0 * decel * np.maximum(ahead, 0.0))
    return np.where(ahead >= 0.0, reach, np.inf).min(axis=1)


@dataclass(frozen=True)
class IdmParams:
    """Intelligent Driver Model: ``a`` accel [m/s^2], ``b`` comfortable decel [m/s^2], ``headway`` [s],
    ``exponent`` (delta), ``decel_max`` [m/s^2] clip of the rollout, ``dt`` [s], ``steps``."""

    accel: float
    decel: float
    headway: float
    exponent: float
    decel_max: float
    dt: float
    steps: int


def idm_accel(
    v: float | np.ndarray, v0: float | np.ndarray, gaps: np.ndarray, lead: np.ndarray, s0: np.ndarray, p: IdmParams
) -> np.ndarray:
    """``(..., C)`` IDM acceleration against each constraint (``gaps`` ``(..., C)`` [m] to the limit)."""
    v = np.asarray(v, dtype=np.float64)[..., None]
    free = (v / np.maximum(np.asarray(v0)[..., None], 1e-3)) ** p.exponent
    desired = s0 + v * p.headway + v * (v - lead) / (2.0 * np.sqrt(p.accel * p.decel))
    interaction = (np.maximum(desired, s0) / np.maximum(gaps, 0.05)) ** 2
    return p.accel * (1.0 - free - interaction)


def idm_rollout(
    speed: float, path_s: np.ndarray, v_allow: np.ndarray, constraints: Constraints, p: IdmParams
) -> tuple[np.ndarray, np.ndarray]:
    """``(progress (steps,) [m], velocity (steps,) [m/s])`` at ``dt * (1..steps)``, starting at s = 0.

    Forward Euler; the free-road speed at each step is ``v_allow`` at the current progress; the
    acceleration is the minimum over the constraints, clipped to ``[-decel_max, accel]``.

    :func:`idm_accel` in scalar Python arithmetic (one step is a few constraints, where numpy's
    per-call cost dominates), operation for operation, so the result is the same to the bit; the
    free-road term keeps numpy's ``power`` (its SIMD ``pow`` differs from C's in the last bit).
    """
    limit, lead, s0 = constraints.arrays()
    columns = (np.append(limit, np.inf).tolist(), np.append(lead, 0.0).tolist(), np.append(s0, 0.0).tolist())
    rows = list(zip(*columns, strict=True))
    root = 2.0 * float(np.sqrt(p.accel * p.decel))
    exponent, ratio = np.array([p.exponent]), np.empty(1)
    xp, fp = path_s.tolist(), v_allow.tolist()
    progress, v = 0.0, max(float(speed), 0.0)
    out_p, out_v = np.empty(p.steps), np.empty(p.steps)
    for k in range(p.steps):
        t = k * p.dt
        v0 = interp(progress, xp, fp)
        ratio[0] = v / max(v0, 1e-3)
        free = float(np.power(ratio, exponent)[0])
        accel = min(p.accel * ((1.0 - free) - _squared_ratio(v, t, progress, row, p.headway, root)) for row in rows)
        accel = min(max(accel, -p.decel_max), p.accel)
        v_next = max(v + accel * p.dt, 0.0)  # the IDM never reverses
        progress += 0.5 * (v + v_next) * p.dt
        v = v_next
        out_p[k], out_v[k] = progress, v
    return out_p, out_v


def interp(x: float, xp: list[float], fp: list[float]) -> float:
    """``np.interp(x, xp, fp)`` for one ``x`` and increasing ``xp``, with numpy's arithmetic (same bits)."""
    if len(xp) == 1:
        return fp[0]
    if x != x:
        return x
    if x > xp[-1]:
        return fp[-1]
    if x < xp[0]:
        return fp[0]
    j = bisect.bisect_right(xp, x) - 1
    if j >= len(xp) - 1 or xp[j] == x:
        return fp[j]
    slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j])
    value = slope * (x - xp[j]) + fp[j]
    if value != value:  # nan one way: numpy tries the other end, then a flat segment's value
        value = slope * (x - xp[j + 1]) + fp[j + 1]
        if value != value and fp[j] == fp[j + 1]:
            value = fp[j]
    return value


def _squared_ratio(v: float, t: float, progress: float, row: tuple, headway: float, root: float) -> float:
    """IDM interaction term ``(desired gap / gap) ** 2`` against one constraint ``(limit, lead, s0)``."""
    end, ahead, gap0 = row
    ratio = max(gap0 + v * headway + v * (v - ahead) / root, gap0) / max((end + ahead * t) - progress, 0.05)
    return ratio * ratio  # numpy squares by multiplying; C's pow(x, 2) need not round the same way


def idm_rollout_reference(
    speed: float, path_s: np.ndarray, v_allow: np.ndarray, constraints: Constraints, p: IdmParams
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`idm_rollout` with numpy arrays over the constraints (the oracle)."""
    limit, lead, s0 = constraints.arrays()
    limit, lead, s0 = np.append(limit, np.inf), np.append(lead, 0.0), np.append(s0, 0.0)  # never empty
    progress, v = 0.0, max(float(speed), 0.0)
    out_p, out_v = np.empty(p.steps), np.empty(p.steps)
    for k in range(p.steps):
        t = k * p.dt
        v0 = float(np.interp(progress, path_s, v_allow))
        accel = float(np.min(idm_accel(v, v0, limit + lead * t - progress, lead, s0, p)))
        accel = min(max(accel, -p.decel_max), p.accel)
        v_next = max(v + accel * p.dt, 0.0)
        progress += 0.5 * (v + v_next) * p.dt
        v = v_next
        out_p[k], out_v[k] = progress, v
    return out_p, out_v


def binding_reason(speed: float, v0: float, constraints: Constraints, p: IdmParams) -> str:
    """Label of the constraint that decides the acceleration now (``"free"`` when none brakes harder)."""
    if not constraints.limit:
        return "free"
    limit, lead, s0 = constraints.arrays()
    accel = idm_accel(speed, v0, limit, lead, s0, p)
    free = p.accel * (1.0 - (max(speed, 0.0) / max(v0, 1e-3)) ** p.exponent)
    k = int(np.argmin(accel))
    return constraints.reason[k] if accel[k] < free - 0.2 else "free"  # [m/s^2] of braking that counts
