"""``carla.TrafficLight`` and stop-sign ``carla.TrafficSign`` actors of the embedded world.

Each physical signal of the town's road network is one actor at its pole, with the trigger box,
stop waypoints and affected-lane waypoints of :mod:`sim.world.facade.signal_boxes`. A light's state,
elapsed time and group come from the world's light cycle; agents cannot change them.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import carla
import numpy as np

from sim.geometry import to_local
from sim.world.facade import convert
from sim.world.facade.actors import FacadeActor, Kinematics, _refuse
from sim.world.facade.blueprints import Blueprint
from sim.world.facade.signal_boxes import AFFECTED_SETBACK, SignalBoxes

if TYPE_CHECKING:
    from sim.world.facade.world import FacadeWorld

LIGHT_BOX = (0.5, 0.5, 4.4)  # [m] length, width, height of a light's pole and housing
SIGN_BOX = (0.2, 0.8, 2.5)  # [m] of a stop sign
_STOP_PULLBACK = 0.5  # [m] a stop waypoint is looked up this far before the lane's end (not on the junction)


class _Signal(FacadeActor):
    """A signal at its pole whose x axis lies across the lanes it controls (like CARLA's trigger boxes)."""

    def __init__(
        self, world: FacadeWorld, actor_id: int, blueprint: Blueprint, tags: list[int], row: int, boxes: SignalBoxes,
        pole: np.ndarray, signal_id: str, size: tuple[float, float, float],
    ) -> None:  # fmt: skip
        super().__init__(world, actor_id, blueprint, tags)
        self.row, self._boxes, self._pole, self._signal_id = row, boxes, np.asarray(pole, dtype=np.float64), signal_id
        self._kinematics = Kinematics(float(pole[0]), float(pole[1]), float(pole[2]), float(boxes.headings[row]),
                                      np.zeros(2), np.zeros(2), 0.0, np.asarray(size, dtype=np.float64))  # fmt: skip
        pose = np.array([[*self._kinematics[:4]]])
        self._static_row = convert.carla_rows(pose, np.zeros((1, 2)), np.zeros((1, 2)), np.zeros(1),
                                              self._kinematics.dimensions[None])[0].tolist()  # fmt: skip

    @property
    def is_alive(self) -> bool:
        return True

    def kinematics(self) -> Kinematics:
        return self._kinematics

    def _row(self) -> list[float]:
        return self._static_row

    def get_opendrive_id(self) -> str:
        """The OpenDRIVE signal id."""
        return self._signal_id

    @property
    def trigger_volume(self) -> carla.BoundingBox:
        """The trigger box in the actor's frame (CARLA: ``get_transform().transform(trigger_volume.location)``)."""
        (x, y, z), (hx, hy, hz) = self._trigger_box
        return carla.BoundingBox(carla.Location(x=x, y=y, z=z), carla.Vector3D(x=hx, y=hy, z=hz))

    @functools.cached_property
    def _trigger_box(self) -> tuple[tuple[float, float, float], tuple[float, float, float]]:
        """Centre (actor frame, CARLA axes) and half extents [m] of the trigger box; signals never move."""
        boxes, k = self._boxes, self._kinematics
        centre = boxes.centers[self.row]
        local = to_local(centre, np.array([k.x, k.y, k.heading]))
        ground = float(self._world.network.ground_z(centre[None], k.z)[0])
        half = [float(v) for v in boxes.half_extents[self.row]]
        return (float(local[0]), float(-local[1]), ground - k.z + half[2]), (half[0], half[1], half[2])

    def _waypoints(self, setback: float) -> list:
        carla_map = self._world.get_map()
        out = []
        for x, y, heading in self._boxes.stops(self.row):
            back = np.array([x, y]) - setback * np.array([np.cos(heading), np.sin(heading)])
            z = float(self._world.network.ground_z(back[None], self._kinematics.z)[0])
            out.append(carla_map.get_waypoint(convert.location(*back, z), True, carla.LaneType.Driving))
        return [w for w in out if w is not None]

    def get_stop_waypoints(self) -> list:
        """``carla.Waypoint`` where each approach lane meets the junction."""
        return self._waypoints(_STOP_PULLBACK)

    def get_affected_lane_waypoints(self) -> list:
        """``carla.Waypoint`` inside the trigger area, one per approach lane."""
        return self._waypoints(AFFECTED_SETBACK)


class FacadeTrafficLight(_Signal):
    """A ``carla.TrafficLight``."""

    @property
    def state(self) -> carla.TrafficLightState:
        return carla.TrafficLightState.values[self._world.light_state(self.row)]

    def get_state(self) -> carla.TrafficLightState:
        return self.state

    def is_frozen(self) -> bool:
        return self.row in self._world.lights.overrides

    def get_elapsed_time(self) -> float:
        """[s] in the current state."""
        return float(self._world.lights.elapsed_in_state(self._world.time)[self.row])

    def get_green_time(self) -> float:
        return float(self._world.lights.config.green)

    def get_yellow_time(self) -> float:
        return float(self._world.lights.config.yellow)

    def get_red_time(self) -> float:
        """[s] red in one cycle of its junction."""
        lights = self._world.lights
        return float(lights.cycle[self.row] - lights.config.green - lights.config.yellow)

    def get_pole_index(self) -> int:
        return int(self._world.lights.position[self.row])

    def get_group_traffic_lights(self) -> list:
        """Every light of its junction's cycle, itself included."""
        return [self._world.light_actor(int(row)) for row in self._world.lights.group(self.row)]

    def get_light_boxes(self) -> list:
        """The housing box, world frame."""
        return [carla.BoundingBox(self.get_location() + carla.Location(z=3.8), carla.Vector3D(0.2, 0.25, 0.6))]


for _name in ("set_state", "freeze", "set_green_time", "set_yellow_time", "set_red_time", "reset_group"):
    setattr(FacadeTrafficLight, _name, _refuse(_name))


class FacadeStopSign(_Signal):
    """A stop sign (``carla.TrafficSign`` with ``type_id`` ``traffic.stop``)."""
