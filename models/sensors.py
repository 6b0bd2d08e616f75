"""The cameras and dataset layout a collection needs so that every model can train on it.

Each model config names its cameras (:class:`~models.common.camera.CameraSensor`); a collection
for several models renders the union of them, once per sampled tick. :func:`collection_layout` is
the layout the collection command writes (the BEV channel names come from the simulator, which
``models/`` may not import).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from models.common.camera import CameraSensor
from models.common.driving_data.manifest import LayoutConfig

DEFAULT_PRESETS = {"lmgendrive": "cpu", "driveva": "cpu", "drivejepa": "cpu"}
BEV_SIZE_PX = 64  # the cpu LMGenDrive grid: 64 m in 16 x 16 cells of 4 px
BEV_METRES_PER_PX = 1.0


def model_cameras(name: str, preset: str = "cpu") -> tuple[CameraSensor, ...]:
    """The cameras of model ``name`` (``lmgendrive``, ``driveva``, ``drivejepa``) in preset ``preset``."""
    if name == "lmgendrive":
        from models.lmgendrive.config import load_lmgendrive_config

        return load_lmgendrive_config(preset).inputs.cameras
    if name == "driveva":
        from models.driveva import config as driveva_config

        return (driveva_config.load(preset).camera,)
    if name == "drivejepa":
        from models.drivejepa import config as drivejepa_config

        return (drivejepa_config.load(preset).sensor,)
    raise KeyError(f"unknown model '{name}'; known: {sorted(DEFAULT_PRESETS)}")


def collection_cameras(presets: Mapping[str, str] = DEFAULT_PRESETS) -> tuple[dict, ...]:
    """Sensor dicts of every camera the models need, each once.

    Raises:
        ValueError: two models use one camera id with different geometry.
    """
    cameras: dict[str, dict] = {}
    for name, preset in presets.items():
        for camera in model_cameras(name, preset):
            spec = camera.sensor_spec()
            if camera.id in cameras and cameras[camera.id] != spec:
                raise ValueError(f"camera '{camera.id}' differs between models: {cameras[camera.id]} vs {spec}")
            cameras[camera.id] = spec
    return tuple(cameras.values())


def collection_layout(
    bev_channels: Sequence[str],
    bev_center_x: float,
    presets: Mapping[str, str] = DEFAULT_PRESETS,
    bev_size_px: int = BEV_SIZE_PX,
    bev_metres_per_px: float = BEV_METRES_PER_PX,
    image_codec: str = "png",
) -> LayoutConfig:
    """The dataset layout for training the models of ``presets`` (10 Hz samples, 40 x 0.1 s labels).

    Args:
        bev_channels: the simulator's BEV channel names, in raster order.
        bev_center_x: [m] raster centre (ego box centre) ahead of the rear axle.
    """
    return LayoutConfig(
        cameras=collection_cameras(presets),
        bev_channels=tuple(bev_channels),
        bev_size_px=bev_size_px,
        bev_metres_per_px=bev_metres_per_px,
        bev_center_x=bev_center_x,
        image_codec=image_codec,
    )
