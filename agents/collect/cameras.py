"""The dataset's cameras: the union of the cameras the learned planners declare.

Each model's cameras come from its config in ``preset`` (``cpu`` by default: the presets the shipped
checkpoints are trained with; ``models.sensors.model_cameras``), or, with no preset, from the planner
built with its default config (the shipped checkpoint's). Cameras with the same id and the same geometry
are rendered once; when two planners use one id with different geometry, the later one is stored under
``<planner>_<id>`` and the renaming is recorded (``camera_map``: planner -> its id -> dataset id).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

logger = logging.getLogger(__name__)

LEARNED_PLANNERS = ("lmgendrive", "driveva", "drivejepa")
CAMERA_TYPE = "sensor.camera.rgb"
_GEOMETRY = ("x", "y", "z", "roll", "pitch", "yaw", "width", "height", "fov")


def planner_cameras(name: str, preset: str | None) -> list[dict]:
    """The camera sensor dicts of planner ``name`` in ``preset`` (falls back to its default config)."""
    from agents.registry import make_planner
    from models.sensors import model_cameras

    if preset:
        try:
            return [camera.sensor_spec() for camera in model_cameras(name, preset)]
        except Exception as error:  # a preset this checkout does not have: the planner's default config
            logger.info("planner %s has no usable preset %r (%s); using its default config", name, preset, error)
    return [dict(spec) for spec in make_planner(name).sensors() if spec.get("type") == CAMERA_TYPE]


def merge_cameras(by_planner: dict[str, Sequence[dict]]) -> tuple[tuple[dict, ...], dict[str, dict[str, str]]]:
    """(dataset camera dicts, camera_map) from each planner's cameras (see the module docstring)."""
    cameras: dict[str, dict] = {}
    renamed: dict[str, dict[str, str]] = {}
    for planner, specs in by_planner.items():
        for spec in specs:
            dataset_id = spec["id"]
            if dataset_id in cameras and not _same_geometry(cameras[dataset_id], spec):
                dataset_id = f"{planner}_{spec['id']}"
                renamed.setdefault(planner, {})[spec["id"]] = dataset_id
            if dataset_id not in cameras:
                cameras[dataset_id] = {**spec, "id": dataset_id}
    return tuple(cameras.values()), renamed


def collection_cameras(
    planners: Sequence[str] = LEARNED_PLANNERS, preset: str | None = "cpu"
) -> tuple[tuple[dict, ...], dict[str, dict[str, str]]]:
    """The cameras of ``planners`` merged (torch is imported)."""
    return merge_cameras({name: planner_cameras(name, preset) for name in planners})


def _same_geometry(a: dict, b: dict) -> bool:
    return all(float(a.get(k, 0.0)) == float(b.get(k, 0.0)) for k in _GEOMETRY)
