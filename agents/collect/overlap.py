"""Geometric overlap of routes: no collected route may drive an evaluation route.

Routes are dense poses ``(K, 3)`` x, y [m], heading [rad] about 1 m apart (internal frame). A point
*covers* another when it lies closer than ``rule.distance`` [m] to it with a heading within
``rule.heading_deg`` of its heading (the same road, the same direction). The rule
(:class:`~agents.collect.settings.OverlapRule`): a candidate conflicts with an evaluation route
when more than ``max_fraction`` of the evaluation route's points are covered by the candidate,
or more than ``max_fraction`` of the candidate's points by the evaluation route.
:func:`clean_pieces` cuts the candidate's points that lie on each conflicting evaluation route,
splits what remains into pieces and checks the pieces again until none conflicts; pieces shorter
than ``min_piece_length`` are dropped.

Both directions matter: a short evaluation route inside a long training route is covered by it
(first test), and a short candidate lying inside a long evaluation route covers little of it but
is mostly on it (second test).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy.spatial import cKDTree

from agents.collect.settings import OverlapRule
from sim.geometry import wrap_angle

_NEIGHBOURS = 8  # points examined per query (1 m spacing: everything within 3 m of a route, twice over)


@dataclass(frozen=True)
class RouteShape:
    """One route's dense poses with a spatial index; ``name`` says where it came from."""

    name: str
    poses: np.ndarray

    @cached_property
    def tree(self) -> cKDTree:
        return cKDTree(self.poses[:, :2])

    @property
    def length(self) -> float:
        """[m] polyline length."""
        return float(np.hypot(*np.diff(self.poses[:, :2], axis=0).T).sum()) if len(self.poses) > 1 else 0.0


def covered(points: np.ndarray, other: RouteShape, rule: OverlapRule) -> np.ndarray:
    """``(K,)`` bool: each of ``points`` ``(K, 3)`` lies closer than the rule's distance to a point of ``other``
    whose heading is within the rule's heading tolerance."""
    if points.shape[0] == 0 or other.poses.shape[0] == 0:
        return np.zeros(points.shape[0], dtype=bool)
    k = min(_NEIGHBOURS, other.poses.shape[0])
    distance, index = other.tree.query(points[:, :2], k=k, distance_upper_bound=rule.distance)
    distance, index = distance.reshape(len(points), k), index.reshape(len(points), k)
    found = np.isfinite(distance)
    heading = other.poses[np.where(found, index, 0), 2]
    aligned = np.abs(wrap_angle(points[:, 2, None] - heading)) <= np.radians(rule.heading_deg)
    return np.any(found & aligned, axis=1)


def overlap_fractions(candidate: RouteShape, evaluation: RouteShape, rule: OverlapRule) -> tuple[float, float]:
    """(share of the evaluation route's points the candidate covers, share of the candidate's points it covers)."""
    of_evaluation = float(covered(evaluation.poses, candidate, rule).mean()) if len(evaluation.poses) else 0.0
    of_candidate = float(covered(candidate.poses, evaluation, rule).mean()) if len(candidate.poses) else 0.0
    return of_evaluation, of_candidate


def conflicts(candidate: RouteShape, evaluations: list[RouteShape], rule: OverlapRule) -> list[RouteShape]:
    """The evaluation routes the candidate overlaps by the rule."""
    near = _near(candidate, evaluations, rule)
    return [e for e in near if max(overlap_fractions(candidate, e, rule)) > rule.max_fraction]


def clean_pieces(poses: np.ndarray, evaluations: list[RouteShape], rule: OverlapRule) -> list[slice]:
    """Slices of ``poses`` ``(K, 3)`` that conflict with no evaluation route, each at least ``min_piece_length``.

    The points lying on a conflicting evaluation route are cut out, the rest split where points
    were cut, and every piece checked again (a piece may now be mostly on another route).
    """
    todo, clean = [slice(0, poses.shape[0])], []
    while todo:
        piece = todo.pop()
        shape = RouteShape("candidate", poses[piece])
        if shape.length < rule.min_piece_length:
            continue
        conflicting = conflicts(shape, evaluations, rule)
        if not conflicting:
            clean.append(piece)
            continue
        cut = np.zeros(len(shape.poses), dtype=bool)
        for evaluation in conflicting:
            cut |= covered(shape.poses, evaluation, rule)
        todo.extend(slice(piece.start + a, piece.start + b) for a, b in _runs(~cut))
    return sorted(clean, key=lambda s: s.start)


def _runs(keep: np.ndarray) -> list[tuple[int, int]]:
    """``[(start, stop)]`` of the runs of True in ``keep``."""
    edges = np.diff(np.concatenate([[0], keep.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True))


def _near(candidate: RouteShape, evaluations: list[RouteShape], rule: OverlapRule) -> list[RouteShape]:
    """Evaluation routes whose bounding box comes within the rule's distance of the candidate's."""
    lo, hi = candidate.poses[:, :2].min(axis=0) - rule.distance, candidate.poses[:, :2].max(axis=0) + rule.distance
    out = []
    for evaluation in evaluations:
        e_lo, e_hi = evaluation.poses[:, :2].min(axis=0), evaluation.poses[:, :2].max(axis=0)
        if np.all(e_hi >= lo) and np.all(e_lo <= hi):
            out.append(evaluation)
    return out
