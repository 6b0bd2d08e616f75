"""The overlap rule on hand-made routes, against a brute-force oracle."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from agents.collect.overlap import RouteShape, clean_pieces, conflicts, covered, overlap_fractions
from agents.collect.settings import OverlapRule

RULE = OverlapRule()


def straight(x0: float, x1: float, y: float = 0.0, backwards: bool = False) -> np.ndarray:
    """Dense poses every metre along y = const, heading +x (or -x)."""
    x = np.arange(x0, x1 + 1e-9, 1.0)
    poses = np.column_stack([x, np.full_like(x, y), np.zeros_like(x)])
    if backwards:
        poses = poses[::-1].copy()
        poses[:, 2] = np.pi
    return poses


def covered_oracle(points: np.ndarray, other: np.ndarray, rule: OverlapRule) -> np.ndarray:
    """Every pair checked: closer than the distance, within the heading tolerance."""
    distance = np.hypot(*(points[:, None, :2] - other[None, :, :2]).transpose(2, 0, 1))
    heading = np.abs((points[:, None, 2] - other[None, :, 2] + np.pi) % (2 * np.pi) - np.pi)
    return np.any((distance < rule.distance) & (heading <= np.radians(rule.heading_deg)), axis=1)


def conflicts_oracle(candidate: np.ndarray, evaluation: np.ndarray, rule: OverlapRule) -> bool:
    of_eval = covered_oracle(evaluation, candidate, rule).mean()
    of_candidate = covered_oracle(candidate, evaluation, rule).mean()
    return max(of_eval, of_candidate) > rule.max_fraction


def test_a_parallel_lane_within_three_metres_covers_the_opposite_direction_does_not() -> None:
    evaluation = RouteShape("eval", straight(0, 100))
    assert covered(straight(0, 100, y=2.5), evaluation, RULE).all()
    assert not covered(straight(0, 100, y=3.5), evaluation, RULE).any()
    assert not covered(straight(0, 100, y=0.0, backwards=True), evaluation, RULE).any()


def test_both_directions_of_the_rule() -> None:
    short_eval = RouteShape("short", straight(200, 300))
    long_candidate = RouteShape("long", straight(0, 1000))
    assert overlap_fractions(long_candidate, short_eval, RULE)[0] == 1.0  # the evaluation route is inside
    long_eval = RouteShape("long", straight(0, 1000))
    short_candidate = RouteShape("short", straight(200, 300))
    assert overlap_fractions(short_candidate, long_eval, RULE)[1] == 1.0  # the candidate is inside
    assert conflicts(long_candidate, [short_eval], RULE) and conflicts(short_candidate, [long_eval], RULE)


def test_an_evaluation_route_inside_a_long_route_is_cut_out() -> None:
    candidate = straight(0, 1000)
    pieces = clean_pieces(candidate, [RouteShape("eval", straight(400, 500))], RULE)
    kept = np.concatenate([np.arange(1001)[p] for p in pieces])
    assert [(p.start, p.stop) for p in pieces] == [(0, 398), (503, 1001)]  # closer than 3 m either side goes too
    assert not np.isin(np.arange(400, 501), kept).any()


def test_a_disjoint_route_stays_whole_and_short_leftovers_are_dropped() -> None:
    evaluation = [RouteShape("eval", straight(0, 100, y=50.0))]
    assert clean_pieces(straight(0, 300), evaluation, RULE) == [slice(0, 301)]
    assert clean_pieces(straight(0, 60), evaluation, RULE) == []  # shorter than min_piece_length


def test_a_route_crossing_an_evaluation_route_keeps_going() -> None:
    crossing = np.column_stack([np.full(101, 50.0), np.arange(-50.0, 51.0), np.full(101, np.pi / 2)])
    assert clean_pieces(straight(0, 100), [RouteShape("cross", crossing)], RULE) == [slice(0, 101)]


@st.composite
def polyline(draw) -> np.ndarray:
    turns = draw(st.lists(st.floats(-0.6, 0.6), min_size=1, max_size=4))
    start = np.array([draw(st.floats(-30, 30)), draw(st.floats(-30, 30)), draw(st.floats(-np.pi, np.pi))])
    poses, pose = [], start.copy()
    for turn in turns:
        for _ in range(draw(st.integers(20, 120))):
            poses.append(pose.copy())
            pose = pose + np.array([np.cos(pose[2]), np.sin(pose[2]), turn / 40.0])
    out = np.array(poses)
    out[:, 2] = (out[:, 2] + np.pi) % (2 * np.pi) - np.pi
    return out


@settings(max_examples=40, deadline=None)
@given(candidate=polyline(), evaluations=st.lists(polyline(), min_size=1, max_size=3))
def test_no_clean_piece_conflicts_by_the_oracle(candidate: np.ndarray, evaluations: list[np.ndarray]) -> None:
    shapes = [RouteShape(f"e{k}", e) for k, e in enumerate(evaluations)]
    for piece in clean_pieces(candidate, shapes, RULE):
        poses = candidate[piece]
        assert np.hypot(*np.diff(poses[:, :2], axis=0).T).sum() >= RULE.min_piece_length
        assert not any(conflicts_oracle(poses, e, RULE) for e in evaluations)
    for k, evaluation in enumerate(evaluations):
        np.testing.assert_array_equal(covered(candidate, shapes[k], RULE), covered_oracle(candidate, evaluation, RULE))
