"""One typed description of a route, whatever file format it came from.

Coordinates are kept in CARLA's frame exactly as the file gives them (``*_carla``, left-handed,
yaw in degrees) and converted once to the internal frame (``keypoints``: right-handed x, y [m]).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

import numpy as np

from sim.frames import carla_to_internal_xy


class LeaderboardVersion(enum.Enum):
    """Which evaluator's rules apply to a route set."""

    LB1 = "1.0"  # leaderboard 1.0 (LangAuto, CARLA 0.9.10.1)
    LB2 = "2.0"  # leaderboard 2.0 / Bench2Drive (CARLA 0.9.15)


class RouteError(ValueError):
    """A route file is malformed; the message names file, line and field."""


@dataclass(frozen=True)
class ScenarioSpec:
    """A scenario placed on a route (leaderboard 2.0 / Bench2Drive, or matched from LB1's JSON).

    Attributes:
        name: e.g. ``"ParkingCutIn_1"`` or ``"Scenario3"``.
        type: scenario class, e.g. ``"ParkingCutIn"`` or ``"DynamicObjectCrossing"``.
        trigger_carla: ``(4,)`` x, y, z [m], yaw [deg] in CARLA's frame.
        parameters: other child elements, e.g. ``{"distance": {"value": "40"}}``.
        other_actors: ``(A, 4)`` x, y, z, yaw of other actors in CARLA's frame (may be empty).
    """

    name: str
    type: str
    trigger_carla: np.ndarray
    parameters: dict[str, dict[str, str]] = field(default_factory=dict)
    other_actors: np.ndarray = field(default_factory=lambda: np.zeros((0, 4)))

    @property
    def trigger(self) -> np.ndarray:
        """``(2,)`` trigger x, y [m] in the internal frame."""
        return carla_to_internal_xy(self.trigger_carla[:2])


@dataclass(frozen=True)
class RouteDescription:
    """A route as the evaluator sees it before planning.

    Attributes:
        route_id: the file's ``id`` attribute.
        town: e.g. ``"Town01"``.
        keypoints_carla: ``(K, 3)`` x, y, z [m] in CARLA's frame (sparse for LB1, dense for B2D).
        weathers: ``(route_percentage, attributes)`` pairs; LB1 routes have one at 0.
        scenarios: scenarios inside the route file (LB2); LB1 scenarios come from a JSON file.
        version: leaderboard rules that apply.
        source: file and line the route was read from, for error messages.
    """

    route_id: str
    town: str
    keypoints_carla: np.ndarray
    weathers: tuple[tuple[float, dict[str, str]], ...]
    scenarios: tuple[ScenarioSpec, ...]
    version: LeaderboardVersion
    source: str

    @property
    def keypoints(self) -> np.ndarray:
        """``(K, 2)`` x, y [m] in the internal frame."""
        return carla_to_internal_xy(self.keypoints_carla[:, :2])

    @property
    def name(self) -> str:
        """The leaderboard's route name."""
        return f"RouteScenario_{self.route_id}"
