"""Read a trajectory vocabulary and decide its sampling."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from sim.types import TrajectorySampling

# Pose counts whose spacing is known without being told: NAVSIM's proposal sampling (40 poses
# every 0.1 s) and its agent trajectory (8 poses every 0.5 s), both 4 s long.
KNOWN_INTERVALS = {40: 0.1, 8: 0.5}  # [s]


class VocabularyError(ValueError):
    """The vocabulary file is unusable; the message names the file and the problem."""


def load_vocabulary(path: str | Path, interval: float | None = None) -> tuple[np.ndarray, TrajectorySampling, str]:
    """``(V, P, 3)`` float64 poses (x, y, heading; ego rear-axle frame), their sampling and sha256.

    Args:
        path: ``.npy`` array, or ``.npz`` with one array (or one named ``vocabulary``).
        interval: [s] spacing of the poses; inferred for 40 (0.1 s) and 8 (0.5 s) poses.

    Raises:
        VocabularyError: unreadable file, wrong shape, NaN/inf, or an unknown spacing.
    """
    path = Path(path)
    try:
        loaded = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as error:
        raise VocabularyError(f"{path}: cannot read a numpy array ({error})") from error
    if isinstance(loaded, np.lib.npyio.NpzFile):
        names = loaded.files
        name = "vocabulary" if "vocabulary" in names else (names[0] if len(names) == 1 else None)
        if name is None:
            raise VocabularyError(f"{path}: holds {names}; name the array 'vocabulary'")
        loaded = loaded[name]
    poses = np.ascontiguousarray(loaded, dtype=np.float64)
    if poses.ndim != 3 or poses.shape[2] != 3 or poses.shape[0] < 1 or poses.shape[1] < 1:
        raise VocabularyError(f"{path}: vocabulary must have shape (V, P, 3) (x, y, heading), got {loaded.shape}")
    if not np.all(np.isfinite(poses)):
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(poses))[0])
        raise VocabularyError(f"{path}: vocabulary holds NaN or inf (first at {bad})")
    interval = KNOWN_INTERVALS.get(poses.shape[1]) if interval is None else float(interval)
    if interval is None:
        raise VocabularyError(f"{path}: {poses.shape[1]} poses per trajectory; give their spacing (--interval)")
    digest = hashlib.sha256(poses.tobytes()).hexdigest()
    return poses, TrajectorySampling(num_poses=poses.shape[1], interval_length=interval), digest
