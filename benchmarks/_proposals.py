"""The benchmark proposal sets, shared by our benchmark and the original scorer's (numpy only).

Both sides must score exactly the same proposals, so the resampling lives here and imports nothing
but numpy: the original scorer's environment does not have our package's dependencies.
"""

from __future__ import annotations

import numpy as np

SIZES = (1, 16, 256, 8192)  # proposals per batch


def resample(proposals: np.ndarray, n: int, seed: int = 0) -> np.ndarray:
    """``n`` proposals: the given ones first, then noisy copies (lateral [m] and heading [rad])."""
    if n <= proposals.shape[0]:
        return proposals[:n].copy()
    rng = np.random.default_rng(seed)
    extra = proposals[rng.integers(0, proposals.shape[0], size=n - proposals.shape[0])].copy()
    extra[..., 1] += rng.normal(0.0, 0.3, size=extra.shape[:-1])
    extra[..., 2] += rng.normal(0.0, 0.02, size=extra.shape[:-1])
    return np.concatenate([proposals, extra])
