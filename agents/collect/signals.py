"""The traffic light and stop sign ahead of the ego on its route, as a sample records them.

The route's signals are the expert's (:class:`agents.expert.geometry.RouteView`): where the route
enters a junction lane controlled by a light or a stop sign. The light *governing the ego's lane
ahead* is the first light whose stop line the ego's front bumper has not passed, within
``signal_range`` [m] along the route; distances are along the route from the front bumper.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from agents.expert.geometry import RouteView
from sim.types import LightState
from sim.world.privileged import PrivilegedWorld

_PASSED = -0.5  # [m] a line this far behind the front bumper is passed (the expert's rule)
LIGHT_WORDS = {LightState.RED: "red", LightState.YELLOW: "yellow", LightState.GREEN: "green"}


@dataclass(frozen=True)
class SignalsAhead:
    """``light_state`` (LightState value or -1), ``light_distance`` and ``stop_sign_distance`` [m] (inf none)."""

    light_state: int
    light_distance: float
    stop_sign_distance: float

    def instruction_light(self) -> tuple[float, str] | None:
        """The ``light`` argument of :meth:`agents.instructions.InstructionManager.step`."""
        word = LIGHT_WORDS.get(LightState(self.light_state))
        return None if word is None else (self.light_distance, word)


class SignalWatch:
    """Follows the ego along one route and reports the signals ahead (state: the route cursor)."""

    def __init__(self, world: PrivilegedWorld, signal_range: float) -> None:
        self.view = RouteView.build(world)
        self.cursor = self.view.cursor()
        self.range = signal_range

    def ahead(self, world: PrivilegedWorld) -> SignalsAhead:
        index = self.cursor.advance(np.asarray(world.ego.center, dtype=np.float64))
        front_s = float(self.view.s[index]) + 0.5 * float(world.ego.dimensions[0])
        light, light_distance, stop_distance = LightState.NONE, math.inf, math.inf
        for signal in self.view.signals:
            distance = signal.s - front_s
            if distance < _PASSED or distance > self.range:
                continue
            if signal.kind == "light" and light == LightState.NONE:
                states = world.light_states
                light = int(states[signal.row]) if signal.row < len(states) else int(LightState.OFF)
                light_distance = max(distance, 0.0)
            elif signal.kind == "stop" and math.isinf(stop_distance):
                stop_distance = max(distance, 0.0)
        return SignalsAhead(light, light_distance, stop_distance)
