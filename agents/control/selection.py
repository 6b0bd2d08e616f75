"""Drive-JEPA's momentum-aware trajectory selection with an EC-like two-frame comfort.

Each candidate's predicted score ``S`` is blended with ``S_c``, its comfort against the trajectory
chosen at the previous step: ``S <- (7 S + S_c) / 8``; the argmax is driven. The first step (or a
previous plan too old to overlap) uses ``S`` alone. The previous plan is read ``elapsed`` seconds on, by
interpolation: NAVSIM's whole-state shift ``round(dt / 0.1)`` is 0 when planning every 0.05 s tick.
:func:`select` is pure: state in, state out.

Relation to NAVSIM v2's Extended Comfort (specs/navsim_scoring.md "EC"): NAVSIM compares the
*simulated* states (LQR tracker + bicycle model, 41 states at 0.1 s, global frame) of the current
and previous submission, shifted by ``k = round(dt / 0.1)`` states, and passes iff the RMS of the
difference of four Savitzky-Golay features (|a| window 8, its jerk window 15, yaw rate window 5,
yaw acceleration deriv 2 poly 2 window 5) is within 0.7 m/s^2, 0.5 m/s^3, 0.1 rad/s, 0.1 rad/s^2.
Here the scorer's own EC features and thresholds (:mod:`sim.scoring.comfort`) are applied to the
*planned poses* instead: both trajectories are expressed in the current ego frame (the previous
one moved by the ego motion), resampled to 0.1 s with the current pose at t = 0, and accelerations
come from the second derivative of the positions (|d^2p/dt^2| equals NAVSIM's hypot(ax, ay) for a
rigid point; EC's window-5 second-derivative filter) rather than from the tracker. So this needs
no simulator; it is an approximation of EC, not EC itself.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np

from agents.config_loader import require
from sim.geometry import change_frame
from sim.scoring.comfort import DEFAULT_COMFORT_CONFIG
from sim.scoring.extended_comfort import EcFeatureIndex, ec_features
from sim.scoring.savgol import EC_FILTERS, savgol_matrix
from sim.scoring.simulation import STEP_DT as GRID_DT
from sim.types import STATE_SIZE, StateIndex, TrajectorySampling

EC_THRESHOLDS = tuple(float(t) for t in DEFAULT_COMFORT_CONFIG.ec_thresholds())  # the scorer's, EcFeatureIndex order
MIN_OVERLAP = 5  # [states] fewer common states than this: no comparison (first-step rule)


class ComfortMode(enum.Enum):
    BINARY = "binary"  # S_c in {0, 1}: all four RMS within thresholds (NAVSIM's EC)
    CONTINUOUS = "continuous"  # S_c = prod_i exp(-RMS_i / threshold_i) in (0, 1]


@dataclass(frozen=True)
class SelectionConfig:
    """Attributes:
    momentum: weight of the predicted score; ``S <- momentum S + (1 - momentum) S_c`` (7/8).
    mode: :class:`ComfortMode`.
    thresholds: RMS bounds of acceleration [m/s^2], jerk [m/s^3], yaw rate [rad/s], yaw
        acceleration [rad/s^2] (NAVSIM v2 EC).
    """

    momentum: float = 7.0 / 8.0
    mode: ComfortMode = ComfortMode.BINARY
    thresholds: tuple[float, float, float, float] = EC_THRESHOLDS

    def __post_init__(self) -> None:
        object.__setattr__(self, "mode", ComfortMode(self.mode))
        object.__setattr__(self, "thresholds", tuple(float(t) for t in self.thresholds))
        require(self, "[0,1]", "momentum")
        if len(self.thresholds) != 4 or not all(t > 0.0 for t in self.thresholds):
            raise ValueError(f"thresholds {self.thresholds} must be 4 positive RMS bounds")


@dataclass(frozen=True)
class SelectionState:
    """What the selector remembers between steps.

    Attributes:
        poses: ``(T, 3)`` the chosen trajectory, local frame of the step it was chosen at.
        sampling: its time grid.
        ego_pose: ``(3,)`` x [m], y [m], heading [rad] of the ego then, global frame.
        index: the chosen candidate's index then (for logging).
    """

    poses: np.ndarray
    sampling: TrajectorySampling
    ego_pose: np.ndarray
    index: int = 0


def resample(
    poses: np.ndarray, sampling: TrajectorySampling, origin: np.ndarray, dt: float = GRID_DT, start: float = 0.0
) -> np.ndarray:
    """``(..., K, 3)`` poses at t = start, start + dt, ... up to the horizon; ``origin`` ``(3,)`` is the pose at
    t = 0 [s].

    Headings are unwrapped before interpolation.
    """
    times = sampling.interval_length * np.arange(0, poses.shape[-2] + 1)
    full = np.concatenate([np.broadcast_to(origin, (*poses.shape[:-2], 1, 3)), poses], axis=-2)
    full = full.copy()
    full[..., 2] = np.unwrap(full[..., 2], axis=-1)
    grid = np.arange(start, times[-1] + 1e-9, dt)
    # one set of interpolation weights serves every candidate (they share the time grid)
    upper = np.clip(np.searchsorted(times, grid, side="right"), 1, times.size - 1)
    weight = ((grid - times[upper - 1]) / (times[upper] - times[upper - 1]))[:, None]
    return full[..., upper - 1, :] * (1.0 - weight) + full[..., upper, :] * weight


def comfort_features(poses: np.ndarray, dt: float = GRID_DT) -> np.ndarray:
    """``(..., K, 3)`` poses on a ``dt`` grid -> ``(..., K, 4)`` the scorer's EC features (:class:`EcFeatureIndex`).

    The accelerations the features read are the positions' second derivative, by EC's own
    second-derivative filter.
    """
    count = poses.shape[-2]
    flat = np.asarray(poses, dtype=np.float64).reshape(-1, count, 3)
    second_derivative = savgol_matrix(count, EC_FILTERS[EcFeatureIndex.YAW_ACCEL], dt)
    states = np.zeros((flat.shape[0], count, STATE_SIZE))
    states[..., [StateIndex.X, StateIndex.Y, StateIndex.HEADING]] = flat
    states[..., [StateIndex.AX, StateIndex.AY]] = np.einsum("ts,nsc->ntc", second_derivative, flat[..., :2])
    return ec_features(states, dt).reshape(*poses.shape[:-1], len(EcFeatureIndex))


def align_previous(previous: SelectionState, ego_pose: np.ndarray, elapsed: float) -> np.ndarray:
    """``(K, 3)`` the previous choice in the current ego frame on the 0.1 s grid, row 0 = now.

    Row ``k`` is the previous plan at ``elapsed + 0.1 k`` seconds after it was chosen (interpolated; NAVSIM's EC
    shifts by ``round(elapsed / 0.1)`` whole states, which plans 0.05 s apart would round to no shift). The four
    comfort features are invariant to rigid motions, so the frame change matters for inspection (and any positional
    comparison), not for the RMS values themselves - the same holds in NAVSIM.
    """
    prev_local = change_frame(previous.poses, previous.ego_pose, ego_pose)
    prev_origin = change_frame(np.zeros(3), previous.ego_pose, ego_pose)
    return resample(prev_local, previous.sampling, prev_origin, start=max(float(elapsed), 0.0))


def comfort_rms(
    candidates: np.ndarray, sampling: TrajectorySampling, previous: SelectionState, ego_pose: np.ndarray, elapsed: float
) -> np.ndarray | None:
    """``(N, 4)`` RMS feature differences of each candidate against ``previous``, or ``None`` without overlap."""
    prev_grid = align_previous(previous, ego_pose, elapsed)
    cur_grid = resample(candidates, sampling, np.zeros(3))
    count = min(prev_grid.shape[0], cur_grid.shape[1])
    if elapsed <= 0.0 or count < MIN_OVERLAP:
        return None
    diff = comfort_features(cur_grid[:, :count]) - comfort_features(prev_grid[:count])[None]
    return np.sqrt(np.mean(diff * diff, axis=-2))


def comfort_score(rms: np.ndarray, config: SelectionConfig) -> np.ndarray:
    """``(N, 4)`` RMS -> ``(N,)`` S_c by the configured mode."""
    thresholds = np.asarray(config.thresholds)
    if config.mode is ComfortMode.BINARY:
        return np.all(rms <= thresholds, axis=-1).astype(np.float64)
    return np.exp(-np.sum(rms / thresholds, axis=-1))


def select(
    candidates: np.ndarray,
    scores: np.ndarray,
    sampling: TrajectorySampling,
    previous: SelectionState | None,
    elapsed: float,
    ego_pose: np.ndarray,
    config: SelectionConfig = SelectionConfig(),
) -> tuple[int, SelectionState, np.ndarray]:
    """Momentum-aware choice among ``candidates`` ``(N, T, 3)`` (local frame) with ``scores`` ``(N,)``.

    Args:
        previous: the state returned at the previous step, or ``None`` on the first step.
        elapsed: [s] time since ``previous`` was chosen.
        ego_pose: ``(3,)`` current global ego pose (with ``previous.ego_pose`` it gives the ego motion).

    Returns:
        (chosen index, the new state, ``(N,)`` blended scores).
    """
    candidates = np.asarray(candidates, dtype=np.float64)
    scores = np.asarray(scores, dtype=np.float64)
    ego_pose = np.asarray(ego_pose, dtype=np.float64)
    if candidates.ndim != 3 or candidates.shape[0] != scores.shape[0] or candidates.shape[0] == 0:
        raise ValueError(f"candidates {candidates.shape} and scores {scores.shape} do not match")
    blended = scores
    if previous is not None:
        rms = comfort_rms(candidates, sampling, previous, ego_pose, elapsed)
        if rms is not None:
            blended = config.momentum * scores + (1.0 - config.momentum) * comfort_score(rms, config)
    # NaN scores (a failed candidate) must never win
    choice = int(np.argmax(np.where(np.isfinite(blended), blended, -np.inf)))
    return choice, SelectionState(candidates[choice].copy(), sampling, ego_pose.copy(), choice), blended
