"""Geometry of the expert planner: the route as it sees it, the path ahead, actors against that path.

Everything is in the internal global frame (x east, y north, heading counter-clockwise [rad]) and
vectorised over actors and prediction times, so a tick with ~100 actors stays in the low milliseconds.
Arc lengths on a :class:`Path` are measured from the ego's rear axle projected onto it (negative behind).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.geometry import to_global
from sim.kernels.segment_projection import nearest_segment_candidates
from sim.maps.dense_route import DenseRoute, RouteCursor
from sim.types import ActorIndex
from sim.world.privileged import PrivilegedWorld

_LANE_CHANGE_GAP = 1.8  # [m] consecutive route points farther apart than this are a lane-change jump
_PROJECTION_WINDOW = (5, 80)  # [points] searched behind / ahead of the last progress index
_CANDIDATES = 4  # near-tied segments the projection kernel reports per point (a shared vertex makes 2)
_TIE = 1e-10  # relative slack on squared distances within which segments are ranked by numpy


@dataclass(frozen=True)
class Signal:
    """Where the route enters a junction lane controlled by a light or a stop sign."""

    kind: str  # "light" or "stop"
    row: int  # row in the world's traffic_lights / stop_signs
    s: float  # [m] route arc length of the stop line


@dataclass(frozen=True)
class RouteView:
    """The route as the expert reads it: the route and what its lanes say.

    Attributes:
        route: the dense route (``points`` ``(K, 3)`` and arc length ``s`` ``(K,)`` [m] are its own).
        junction: ``(K,)`` bool, the point lies on a junction lane.
        speed_limit: ``(K,)`` [m/s] of the point's lane (inf where the map gives none).
        signals: lights and stop signs at the junction entries, in route order.
    """

    route: DenseRoute
    junction: np.ndarray
    speed_limit: np.ndarray
    signals: tuple[Signal, ...]

    @classmethod
    def build(cls, world: PrivilegedWorld) -> RouteView:
        """From the world's route, network, lights and stop signs (a route without lanes has them located once)."""
        route, network = world.route, world.network
        lanes = route.lanes if route.has_lanes else DenseRoute.from_points(route.points, network).lanes
        junction = network.lane_is_junction[lanes]
        limits = network.lane_speed_limits[lanes]
        groups = (("light", world.traffic_lights), ("stop", world.stop_signs))
        signals = _signals(route.points, route.s, lanes, junction, groups)
        return cls(route, junction, np.where(np.isfinite(limits), limits, np.inf), signals)

    @property
    def points(self) -> np.ndarray:
        return self.route.points

    @property
    def s(self) -> np.ndarray:
        return self.route.s

    def cursor(self) -> RouteCursor:
        """Where the ego is along the route; progress never jumps far back."""
        return RouteCursor(self.route, *_PROJECTION_WINDOW)


def _signals(points, s, lanes, junction, groups_by_kind) -> tuple[Signal, ...]:
    """One :class:`Signal` per junction entry whose junction lanes a light or stop sign controls."""
    out = []
    entries = np.flatnonzero(junction & ~np.concatenate([[True], junction[:-1]]))  # not at the route start
    for kind, groups in groups_by_kind:
        owner = groups.signal_of_lane()
        for k in entries:
            end = k
            while end + 1 < len(lanes) and junction[end + 1]:
                end += 1
            controlled = [i for i in range(k, end + 1) if int(lanes[i]) in owner]
            if not controlled:
                continue
            lane = int(lanes[controlled[0]])
            row = owner[lane]
            members = groups.controlled_lanes(row).tolist()
            stop_xy = groups.stop_points[groups.lane_offsets[row] + members.index(lane)]
            near = np.arange(max(k - 10, 0), min(end + 1, len(s)))
            at = near[int(np.argmin(np.hypot(*(points[near, :2] - stop_xy).T)))]
            # A light's line is where the junction begins, never inside it (its stop points sit ~0.3 m
            # in); a stop sign is judged at its own stop point, which may lie a few metres in.
            out.append(Signal(kind, int(row), float(min(s[at], s[k]) if kind == "light" else s[at])))
    return tuple(sorted(out, key=lambda signal: signal.s))


@dataclass(frozen=True)
class Path:
    """The route ahead resampled every ``spacing`` metres, lane changes smoothed.

    Attributes:
        xy: ``(M, 2)``; heading, curvature: ``(M,)`` [rad], [1/m]; s: ``(M,)`` [m] from the ego.
        junction: ``(M,)`` bool; speed_limit: ``(M,)`` [m/s]; route_s0: [m] route arc length at s = 0.
        end_s: [m] where the route ends (the path runs on straight past it).
    """

    xy: np.ndarray
    heading: np.ndarray
    curvature: np.ndarray
    s: np.ndarray
    junction: np.ndarray
    speed_limit: np.ndarray
    route_s0: float
    end_s: float


def build_path(view: RouteView, index: int, ego_xy: np.ndarray, behind: float, ahead: float, smooth: float) -> Path:
    """The path from ``behind`` metres before the ego to ``ahead`` metres after it.

    ``smooth`` [m] is the length over which a lane-change jump of the route is spread (a triangular
    filter applied around each jump only, so junction turns keep their shape).
    """
    k = min(index, view.points.shape[0] - 2)
    seg = view.points[k + 1, :2] - view.points[k, :2]
    t = float(np.clip(np.dot(ego_xy - view.points[k, :2], seg) / max(float(seg @ seg), 1e-9), -1.0, 1.0))
    s_ego = view.s[k] + t * float(np.hypot(*seg))
    grid = np.arange(s_ego - behind, s_ego + ahead + 1e-9, 1.0)
    inside = np.clip(grid, 0.0, view.s[-1])
    xy = np.stack([np.interp(inside, view.s, view.points[:, i]) for i in (0, 1)], axis=-1)
    # Past either end of the route the path runs straight on along its first / last heading.
    for end, over in ((0, grid < 0.0), (-1, grid > view.s[-1])):
        h = view.points[end, 2]
        extra = (grid[over] - inside[over])[:, None]
        xy[over] = view.points[end, :2] + extra * np.array([np.cos(h), np.sin(h)])
    nearest = np.clip(np.searchsorted(view.s, inside, side="right") - 1, 0, view.s.size - 2)
    jumps = np.flatnonzero((np.diff(view.s)[nearest] > _LANE_CHANGE_GAP) & (grid >= 0.0) & (grid < view.s[-1]))
    if jumps.size and smooth > 1.0:
        xy = _smooth_around(xy, jumps, int(round(smooth)))
    step = np.diff(xy, axis=0)
    heading = np.arctan2(step[:, 1], step[:, 0])
    heading = np.append(heading, heading[-1])
    turn = np.angle(np.exp(1j * np.diff(heading))) / np.maximum(np.hypot(*step.T), 1e-6)
    curvature = np.abs(np.convolve(np.append(turn, 0.0), np.ones(3) / 3.0, mode="same"))  # noise of 1 m sampling
    return Path(
        xy=xy,
        heading=heading,
        curvature=curvature,
        s=grid - s_ego,
        junction=view.junction[nearest],
        speed_limit=view.speed_limit[nearest],
        route_s0=float(s_ego),
        end_s=float(view.s[-1] - s_ego),
    )


def _smooth_around(xy: np.ndarray, jumps: np.ndarray, width: int) -> np.ndarray:
    """Triangular moving average of ``width`` points on the points within ``width`` of each jump."""
    half = max(width // 2, 1)
    kernel = np.convolve(np.ones(half), np.ones(half))
    kernel /= kernel.sum()
    pad = kernel.size // 2
    padded = np.pad(xy, ((pad, pad), (0, 0)), mode="edge")
    smoothed = np.stack([np.convolve(padded[:, i], kernel, mode="valid") for i in (0, 1)], axis=-1)[: len(xy)]
    mask = np.zeros(len(xy), dtype=bool)
    for j in jumps:
        mask[max(j - width, 0) : j + width + 1] = True
    return np.where(mask[:, None], smoothed, xy)


_ALONG = np.array([-0.5, -0.25, 0.0, 0.25, 0.5])  # box sample grid, fractions of its length...
_ACROSS = np.array([-0.5, 0.0, 0.5])  # ...and of its width: 15 points, never farther apart than L / 4


def box_samples(poses: np.ndarray, length: np.ndarray, width: np.ndarray) -> np.ndarray:
    """``(..., 15, 2)`` points on boxes with ``(..., 3)`` centre poses; ``length``, ``width`` broadcast to ``(...)``.

    A box lying across a corridor wider than a quarter of its length always has a sample inside it,
    so no sign logic (which breaks where points project past the path's ends) is needed.
    """
    along = (np.asarray(length)[..., None, None] * _ALONG[:, None]) * np.ones(_ACROSS.size)
    across = (np.asarray(width)[..., None, None] * _ACROSS) * np.ones((_ALONG.size, 1))
    offsets = np.stack([along, across], axis=-1).reshape(*along.shape[:-2], -1, 2)
    return to_global(offsets, poses[..., None, :])


def project_onto(path: Path, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(s [m], lateral [m])`` of ``(..., 2)`` points on ``path``: arc length of the nearest point and
    signed distance to it (left positive). Points past the path's ends get their true distance.

    The same numbers as :func:`project_onto_reference` (bit for bit): a kernel scans the segments
    and returns the near-tied best ones, ranked here with numpy's ``hypot`` as the reference does.
    """
    flat = np.ascontiguousarray(points, dtype=np.float64).reshape(-1, 2)
    if flat.shape[0] == 0 or path.xy.shape[0] < 2:
        return project_onto_reference(path, points)
    shape = (flat.shape[0], _CANDIDATES)
    index = np.full(shape, -1, dtype=np.int64)
    off_x, off_y, s_c, cross = np.zeros(shape), np.zeros(shape), np.zeros(shape), np.zeros(shape)
    xy, path_s = np.ascontiguousarray(path.xy, dtype=np.float64), np.ascontiguousarray(path.s, dtype=np.float64)
    overflow = nearest_segment_candidates(flat, xy, path_s, _TIE, index, off_x, off_y, s_c, cross)
    dist = np.where(index >= 0, np.hypot(off_x, off_y), np.inf)
    best = np.argmin(dist, axis=1)
    rows = np.arange(flat.shape[0])
    s = s_c[rows, best]
    lateral = np.where(cross[rows, best] >= 0.0, 1.0, -1.0) * dist[rows, best]
    if overflow:
        crowded = index[:, 0] == -2
        s[crowded], lateral[crowded] = project_onto_reference(path, flat[crowded])
    return s.reshape(points.shape[:-1]), lateral.reshape(points.shape[:-1])


def project_onto_reference(path: Path, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`project_onto` as a plain numpy scan of every point against every segment (the oracle)."""
    flat = points.reshape(-1, 2)
    a, d = path.xy[:-1], np.diff(path.xy, axis=0)
    rel = flat[:, None, :] - a[None]
    t = np.clip((rel * d).sum(-1) / np.maximum((d * d).sum(-1), 1e-12), 0.0, 1.0)
    off = rel - t[..., None] * d
    dist = np.hypot(off[..., 0], off[..., 1])
    best = np.argmin(dist, axis=1)
    rows = np.arange(flat.shape[0])
    cross = d[best, 0] * rel[rows, best, 1] - d[best, 1] * rel[rows, best, 0]
    s = path.s[best] + t[rows, best] * (path.s[best + 1] - path.s[best])
    lateral = np.where(cross >= 0.0, 1.0, -1.0) * dist[rows, best]
    return s.reshape(points.shape[:-1]), lateral.reshape(points.shape[:-1])


def predict_centers(actors: np.ndarray, yaw_rate: np.ndarray, accel: np.ndarray, times: np.ndarray) -> np.ndarray:
    """``(A, T, 3)`` x, y, heading of each actor at ``times`` [s] (``times[0] == 0``): constant turn rate
    and acceleration, speed never below zero (a braking vehicle stops rather than reverses)."""
    dt = np.diff(times, prepend=0.0)
    out = np.empty((actors.shape[0], times.size, 3))
    x, y = actors[:, ActorIndex.X].copy(), actors[:, ActorIndex.Y].copy()
    h, v = actors[:, ActorIndex.HEADING].copy(), actors[:, ActorIndex.SPEED].copy()
    for k, step in enumerate(dt):
        v_next = np.maximum(v + accel * step, 0.0) if k else v
        v_mid = 0.5 * (v + v_next)
        h_mid = h + 0.5 * yaw_rate * step
        x, y = x + v_mid * np.cos(h_mid) * step, y + v_mid * np.sin(h_mid) * step
        h, v = h + yaw_rate * step, v_next
        out[:, k] = np.stack([x, y, h], axis=-1)
    return out


def corridor_overlap(
    path: Path, poses: np.ndarray, length: np.ndarray, width: np.ndarray, half_width: np.ndarray
) -> tuple[np.ndarray, ...]:
    """Which boxes reach into the corridor ``|lateral| <= half_width`` around the path.

    Args:
        poses: ``(A, T, 3)`` box centre poses of ``A`` actors at ``T`` times.
        length, width: ``(A,)`` [m] box sizes; half_width: ``(A,)`` [m] corridor half width per actor.

    Returns:
        ``(inside (A, T) bool, s_lo (A, T), s_hi (A, T) [m], clearance (A, T) [m])``: the box
        reaches into the corridor, the arc-length range of its part inside it (NaN when outside),
        and how far outside the corridor its nearest sample is (<= 0 inside).
    """
    samples = box_samples(poses, length[:, None], width[:, None])
    s, lateral = project_onto(path, samples)
    within = np.abs(lateral) <= half_width[:, None, None]
    inside = within.any(axis=-1)
    s_lo = np.where(inside, np.where(within, s, np.inf).min(axis=-1), np.nan)
    s_hi = np.where(inside, np.where(within, s, -np.inf).max(axis=-1), np.nan)
    return inside, s_lo, s_hi, np.abs(lateral).min(axis=-1) - half_width[:, None]
