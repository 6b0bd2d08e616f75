"""Settings of a tiny collection: random Town01 routes, short episodes, two tiny cameras."""

from __future__ import annotations

from dataclasses import replace

from agents.collect.settings import CollectSettings, PerturbationConfig, RandomRouteConfig

TINY_CAMERAS = (
    {"type": "sensor.camera.rgb", "id": "rgb_front", "x": 1.3, "y": 0.0, "z": 2.3, "roll": 0.0, "pitch": 0.0,
     "yaw": 0.0, "width": 40, "height": 24, "fov": 100.0},
    {"type": "sensor.camera.rgb", "id": "rgb_left", "x": 1.3, "y": 0.0, "z": 2.3, "roll": 0.0, "pitch": 0.0,
     "yaw": -60.0, "width": 32, "height": 24, "fov": 100.0},
)  # fmt: skip


def tiny_settings(**changes) -> CollectSettings:
    """Random Town01 routes, light traffic, short episodes, frequent perturbations, two tiny cameras."""
    settings = CollectSettings(
        sources=("random",),
        random_routes=RandomRouteConfig(towns=("Town01",), attempts=20),
        max_episode_seconds=9.0,
        density_scale=0.3,
        perturbation=PerturbationConfig(rate=0.5, warmup=3.0, cooldown=1.5),
        cameras=TINY_CAMERAS,
    )
    return replace(settings, **changes)
