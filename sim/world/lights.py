"""Traffic lights: the lights of one junction form a cycle, one light green at a time (CARLA's groups).

Each physical light (a row of ``network.traffic_lights``) belongs to the junction of the lanes it
controls. A junction with ``n`` lights runs a cycle of ``n * (green + yellow + all_red)`` seconds;
light ``k`` (in id order) is green in slot ``k``, yellow after it and red otherwise. Scenarios can
pin a light to a state (``override``), as scenario_runner does for the junction scenarios.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from sim.maps.signals import SignalGroups
from sim.types import LightState
from sim.world.config import LightTimingConfig


def light_junctions(lights: SignalGroups, lane_junction_ids: np.ndarray) -> np.ndarray:
    """``(S,)`` int64 junction id of each light (-1 when it controls no junction lane)."""
    out = np.full(lights.count, -1, dtype=np.int64)
    for k in range(lights.count):
        junctions = lane_junction_ids[lights.controlled_lanes(k)]
        junctions = junctions[junctions >= 0]
        if junctions.size:
            out[k] = int(np.bincount(junctions - junctions.min()).argmax() + junctions.min())
    return out


class TrafficLights:
    """States of every light of a town over time.

    Args:
        lights: the town's traffic lights (one row per physical light).
        lane_junction_ids: ``(L,)`` junction id per lane.
        num_lanes: ``L``.
        config: cycle timing.
        rng: draws the phase of each junction (when ``config.random_phase``).
    """

    def __init__(
        self,
        lights: SignalGroups,
        lane_junction_ids: np.ndarray,
        num_lanes: int,
        config: LightTimingConfig,
        rng: np.random.Generator,
    ):
        self.config = config
        self.slot = config.green + config.yellow + config.all_red  # [s]
        junctions = light_junctions(lights, lane_junction_ids)
        self.junctions = junctions  # (S,) junction of each light, -1 for lights of no junction
        members: dict[int, list[int]] = defaultdict(list)
        for k, junction in enumerate(junctions.tolist()):
            members[junction].append(k)
        self.position = np.zeros(lights.count, dtype=np.float64)  # slot index within its junction
        self.cycle = np.full(lights.count, self.slot, dtype=np.float64)  # [s] cycle of its junction
        self.phase = np.zeros(lights.count, dtype=np.float64)  # [s] offset of its junction
        for junction, rows in sorted(members.items()):
            offset = float(rng.uniform(0.0, self.slot * len(rows))) if config.random_phase else 0.0
            for position, k in enumerate(rows):
                self.position[k] = position
                self.cycle[k] = self.slot * len(rows) if junction >= 0 else self.slot
                self.phase[k] = offset
        self.overrides: dict[int, LightState] = {}
        self.lane_light = np.full(num_lanes, -1, dtype=np.int64)  # light row controlling each lane
        owners = np.repeat(np.arange(lights.count), np.diff(lights.lane_offsets))
        self.lane_light[lights.lanes] = owners
        self.states = self.states_at(0.0)

    def states_at(self, time: float) -> np.ndarray:
        """``(S,)`` int64 :class:`LightState` of every light at ``time`` [s] (overrides applied)."""
        local = np.mod(time + self.phase, self.cycle) - self.position * self.slot
        states = np.full(self.position.shape, LightState.RED, dtype=np.int64)
        states[(local >= 0.0) & (local < self.config.green)] = LightState.GREEN
        yellow = (local >= self.config.green) & (local < self.config.green + self.config.yellow)
        states[yellow] = LightState.YELLOW
        for k, state in self.overrides.items():
            states[k] = state
        return states

    def elapsed_in_state(self, time: float) -> np.ndarray:
        """``(S,)`` [s] since each light entered its current cycle state at ``time`` (0 for pinned lights)."""
        t = np.mod(time + self.phase - self.position * self.slot, self.cycle)
        green, yellow = self.config.green, self.config.yellow
        elapsed = np.where(t < green, t, np.where(t < green + yellow, t - green, t - green - yellow))
        for k in self.overrides:
            elapsed[k] = 0.0
        return elapsed

    def group(self, light: int) -> np.ndarray:
        """Rows of the lights cycling together with ``light`` (its junction's), itself included."""
        if self.junctions[light] < 0:
            return np.array([light], dtype=np.int64)
        return np.flatnonzero(self.junctions == self.junctions[light])

    def update(self, time: float) -> np.ndarray:
        """Advance to ``time`` [s]; returns (and keeps) the states."""
        self.states = self.states_at(time)
        return self.states

    def lane_states(self) -> np.ndarray:
        """``(L,)`` int64 state of the light controlling each lane, OFF where none does."""
        return np.where(self.lane_light >= 0, self.states[np.maximum(self.lane_light, 0)], LightState.OFF)

    def override(self, light: int, state: LightState | None) -> None:
        """Pin ``light`` to ``state`` (``None`` releases it back to its cycle)."""
        if state is None:
            self.overrides.pop(light, None)
        else:
            self.overrides[light] = LightState(state)
