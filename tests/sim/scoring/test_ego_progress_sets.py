"""EP of many independent sets at once (the official path's pairs) against a per-set loop oracle."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.scoring.area import AreaMetricConfig
from sim.scoring.centerline import ego_progress_sets

THRESHOLD = AreaMetricConfig().progress_distance_threshold  # [m]


def loop_oracle(raw: np.ndarray, multiplier: np.ndarray, version: str) -> np.ndarray:
    """NAVSIM's normalisation, one set at a time, written out with Python scalars."""
    out = np.empty_like(raw)
    for s in range(raw.shape[0]):
        masked = [r * m for r, m in zip(raw[s], multiplier[s], strict=True)]
        norm = max(masked)
        for k in range(raw.shape[1]):
            if norm > THRESHOLD:
                out[s, k] = masked[k] / norm if version == "v1" else min(max(raw[s, k] / norm, 0.0), 1.0)
            elif version == "v1":
                out[s, k] = 0.0 if multiplier[s, k] == 0.0 else 1.0
            else:
                out[s, k] = 1.0
    return out


progress = st.one_of(
    st.floats(0.0, 60.0), st.sampled_from([0.0, THRESHOLD, np.nextafter(THRESHOLD, 10.0), 2 * THRESHOLD])
)
multipliers = st.sampled_from([0.0, 0.25, 0.5, 1.0])


@settings(max_examples=200, deadline=None)
@given(
    data=st.data(),
    sets=st.integers(1, 40),
    size=st.integers(1, 5),
    version=st.sampled_from(["v1", "v2"]),
)
def test_sets_match_the_loop(data, sets, size, version) -> None:
    raw = np.array(data.draw(st.lists(progress, min_size=sets * size, max_size=sets * size))).reshape(sets, size)
    mult = np.array(data.draw(st.lists(multipliers, min_size=sets * size, max_size=sets * size))).reshape(sets, size)
    np.testing.assert_array_equal(ego_progress_sets(raw, mult, version=version), loop_oracle(raw, mult, version))


def test_thousands_of_pairs_at_once() -> None:
    rng = np.random.default_rng(3)
    raw = rng.uniform(0.0, 40.0, (5000, 2))
    mult = rng.choice([0.0, 0.5, 1.0], (5000, 2))
    for version in ("v1", "v2"):
        np.testing.assert_array_equal(ego_progress_sets(raw, mult, version=version), loop_oracle(raw, mult, version))


def test_bad_sets_are_refused() -> None:
    with pytest.raises(ValueError, match="same shape"):
        ego_progress_sets(np.zeros((2, 2)), np.zeros((2, 3)), version="v2")
    with pytest.raises(ValueError, match="NaN"):
        ego_progress_sets(np.full((1, 2), np.nan), np.ones((1, 2)), version="v2")
    with pytest.raises(ValueError, match="version"):
        ego_progress_sets(np.ones((1, 2)), np.ones((1, 2)), version="v3")
