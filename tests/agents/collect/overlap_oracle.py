"""A brute-force oracle of the overlap rule (every pair of points) and the evaluation files the issue names."""

from __future__ import annotations

import numpy as np

from agents.collect.settings import OverlapRule

# The evaluation sets named by the issue, listed here on their own (not read from the settings).
EVALUATION_FILES = (
    "routes/langauto/benchmark_tiny.xml",
    "routes/langauto/benchmark_short.xml",
    "routes/langauto/benchmark_long.xml",
    "routes/bench2drive/bench2drive220.xml",
    "routes/bench2drive/drivetransformer_bench2drive_dev10.xml",
    "routes/leaderboard1/routes_devtest.xml",
    "routes/leaderboard1/routes_testing.xml",
    "routes/leaderboard2/routes_devtest.xml",
)
RULE = OverlapRule()


def covered_share(points: np.ndarray, other: np.ndarray) -> float:
    """Share of ``points`` closer than the rule's distance to a point of ``other`` heading the same way."""
    hit = np.zeros(points.shape[0], dtype=bool)
    for start in range(0, points.shape[0], 256):
        chunk = points[start : start + 256]
        distance = np.hypot(*(chunk[:, None, :2] - other[None, :, :2]).transpose(2, 0, 1))
        heading = np.abs((chunk[:, None, 2] - other[None, :, 2] + np.pi) % (2 * np.pi) - np.pi)
        hit[start : start + 256] = np.any((distance < RULE.distance) & (heading <= np.radians(RULE.heading_deg)), 1)
    return float(hit.mean())


def overlaps(candidate: np.ndarray, evaluation: np.ndarray) -> bool:
    lo, hi = candidate[:, :2].min(0) - RULE.distance, candidate[:, :2].max(0) + RULE.distance
    if np.any(evaluation[:, :2].max(0) < lo) or np.any(evaluation[:, :2].min(0) > hi):
        return False
    return max(covered_share(evaluation, candidate), covered_share(candidate, evaluation)) > RULE.max_fraction
