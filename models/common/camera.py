"""The camera a model was trained with: one config drives the planner's sensor and the dataset check.

A model config names its cameras (leaderboard geometry: position [m] relative to the vehicle
centre in CARLA's frame, yaw [deg], image size [px], horizontal field of view [deg]). The planner
asks the simulator for exactly these sensors, and a training dataset whose recorded camera differs
is refused, so a checkpoint never drives on views it was not trained on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from models.common.driving_data.manifest import DrivingDataError, LayoutConfig

_COMPARED = ("x", "y", "z", "roll", "pitch", "yaw", "width", "height", "fov")


@dataclass(frozen=True)
class CameraSensor:
    """One RGB camera (leaderboard ``sensor.camera.rgb`` fields)."""

    id: str = "rgb_front"
    x: float = 1.3  # [m] forward of the vehicle centre
    y: float = 0.0  # [m] CARLA's frame: positive is right
    z: float = 2.3  # [m] above the ground
    yaw: float = 0.0  # [deg] CARLA's sign: negative looks left
    width: int = 400  # [px]
    height: int = 300  # [px]
    fov: float = 100.0  # [deg] horizontal

    def sensor_spec(self) -> dict:
        """The leaderboard sensor dict."""
        return {"type": "sensor.camera.rgb", "id": self.id, "x": self.x, "y": self.y, "z": self.z, "roll": 0.0,
                "pitch": 0.0, "yaw": self.yaw, "width": self.width, "height": self.height, "fov": self.fov}  # fmt: skip

    @property
    def vertical_fov(self) -> float:
        """[deg] vertical field of view of the pinhole image (square pixels)."""
        half = math.atan(math.tan(math.radians(self.fov) / 2) * self.height / self.width)
        return math.degrees(2 * half)


def check_dataset_camera(layout: LayoutConfig, camera: CameraSensor, where: str) -> None:
    """Refuse a dataset whose camera ``camera.id`` is missing or mounted / sized differently.

    Raises:
        DrivingDataError: naming the camera and every differing field.
    """
    try:
        recorded = layout.camera(camera.id)
    except KeyError as error:
        raise DrivingDataError(f"{where}: {error.args[0]} (the model needs it)") from error
    expected = camera.sensor_spec()
    diffs = [
        f"{key}: dataset {recorded.get(key)!r} vs model {expected[key]!r}"
        for key in _COMPARED
        if not _same(recorded.get(key, 0.0), expected[key])
    ]
    if diffs:
        raise DrivingDataError(f"{where}: camera '{camera.id}' differs from the model's ({', '.join(diffs)})")


def _same(a, b) -> bool:
    try:
        return math.isclose(float(a), float(b), abs_tol=1e-6)
    except (TypeError, ValueError):
        return a == b
