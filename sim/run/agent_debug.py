"""What an agent shows the debugging tools at one tick: the contract between agents and recorders.

``sim`` never imports ``agents``, so the runner learns about an agent's insides through one optional
method of the agent object: ``debug_payload()``, called after ``run_step`` only while something
records or steps the route. It returns an :class:`AgentDebug` or a plain ``dict`` with the same keys
(agent files outside this package need not import anything); :func:`read_agent_debug` validates
either into an :class:`AgentDebug`. Agents without the method are recorded from the world alone.

Frames: "local" is the ego rear-axle frame of ``plan_pose`` (x forward, y left [m], heading [rad]);
``plan_pose`` is in the internal global frame (right-handed, x east, y north). A planner that plans
every other tick reports the pose of its last plan, so the drawn trajectory stays where it was planned.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, fields

import numpy as np

logger = logging.getLogger(__name__)

DEBUG_PAYLOAD_METHOD = "debug_payload"
_ARRAY_SHAPES = {  # field -> expected trailing shape (None: any length)
    "plan_pose": (3,),
    "trajectory": (None, 3),
    "proposals": (None, None, 3),
    "scores": (None,),
    "blended_scores": (None,),
    "waypoints": (None, 2),
    "target_point": (2,),
    "route": (None, 2),
}


@dataclass(frozen=True)
class AgentDebug:
    """One tick of an agent's debugging output; every field is optional.

    Attributes:
        plan_pose: ``(3,)`` x [m], y [m], heading [rad] of the ego when the plan was made, global frame.
        trajectory: ``(T, 3)`` the driven trajectory, local frame.
        sampling_interval: [s] between trajectory poses.
        proposals: ``(N, T, 3)`` candidate trajectories, local frame.
        scores: ``(N,)`` the planner's score of each proposal (higher is better).
        blended_scores: ``(N,)`` the scores after the selector blended in comfort.
        chosen: index of the driven proposal.
        waypoints: ``(W, 2)`` [m] the controller's waypoints, local frame.
        target_point: ``(2,)`` [m] the route target the planner was given, local frame.
        route: ``(K, 2)`` [m] the upcoming route the planner was given, local frame.
        scalars: time series by name, e.g. ``pid/target_speed`` [m/s], ``control/steer`` [1],
            ``selection/previous_index``, ``agent/completion_probability`` (units in the agent's docs).
        text: short texts by name, e.g. ``instruction``, ``notice``, ``expert/reason``.
        imagined: future frames a planner imagined, by view: ``(F, H, W, 3)`` uint8 RGB each.
    """

    plan_pose: np.ndarray | None = None
    trajectory: np.ndarray | None = None
    sampling_interval: float | None = None
    proposals: np.ndarray | None = None
    scores: np.ndarray | None = None
    blended_scores: np.ndarray | None = None
    chosen: int | None = None
    waypoints: np.ndarray | None = None
    target_point: np.ndarray | None = None
    route: np.ndarray | None = None
    scalars: Mapping[str, float] = field(default_factory=dict)
    text: Mapping[str, str] = field(default_factory=dict)
    imagined: Mapping[str, np.ndarray] = field(default_factory=dict)


def read_agent_debug(agent: object) -> AgentDebug | None:
    """The agent's :class:`AgentDebug` this tick, or ``None`` (no hook, or the hook failed).

    A failing or malformed hook never stops a route: it is logged and the tick is recorded without it.
    """
    hook = getattr(agent, DEBUG_PAYLOAD_METHOD, None)
    if hook is None:
        return None
    try:
        payload = hook()
        return None if payload is None else as_agent_debug(payload)
    except Exception:
        logger.exception("%s.%s() failed; this tick is recorded without it", type(agent).__name__, DEBUG_PAYLOAD_METHOD)
        return None


def as_agent_debug(payload: AgentDebug | Mapping) -> AgentDebug:
    """Validate an :class:`AgentDebug` or a dict of its fields; the error names the field and its shape."""
    if isinstance(payload, AgentDebug):
        payload = {f.name: getattr(payload, f.name) for f in fields(AgentDebug)}
    if not isinstance(payload, Mapping):
        raise TypeError(f"debug payload must be an AgentDebug or a dict, got {type(payload).__name__}")
    known = {f.name for f in fields(AgentDebug)}
    unknown = sorted(set(payload) - known)
    if unknown:
        raise ValueError(f"debug payload: unknown keys {unknown}; known: {sorted(known)}")
    values = dict(payload)
    for name, shape in _ARRAY_SHAPES.items():
        if values.get(name) is not None:
            values[name] = _array(name, values[name], shape)
    values["scalars"] = {str(k): float(v) for k, v in (values.get("scalars") or {}).items()}
    values["text"] = {str(k): str(v) for k, v in (values.get("text") or {}).items()}
    values["imagined"] = {str(k): _frames(k, v) for k, v in (values.get("imagined") or {}).items()}
    if values.get("chosen") is not None:
        values["chosen"] = int(values["chosen"])
    if values.get("sampling_interval") is not None:
        values["sampling_interval"] = float(values["sampling_interval"])
    return AgentDebug(**values)


def _array(name: str, value, shape: tuple[int | None, ...]) -> np.ndarray:
    array = np.asarray(value, dtype=np.float64)
    if array.ndim != len(shape) or any(e is not None and e != a for e, a in zip(shape, array.shape, strict=True)):
        expected = "(" + ", ".join("n" if e is None else str(e) for e in shape) + ")"
        raise ValueError(f"debug payload field '{name}': shape {array.shape}, expected {expected}")
    return array


def _frames(view: str, value) -> np.ndarray:
    frames = np.asarray(value)
    if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8:
        raise ValueError(
            f"debug payload imagined['{view}']: {frames.dtype} {frames.shape}, expected uint8 (F, H, W, 3)"
        )
    return frames
