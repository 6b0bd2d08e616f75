"""Per-route MP4: the bird's-eye view beside what the agent's cameras saw."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from sim.maps.road_network import RoadNetwork
from sim.world.bev_raster import BevChannel, bev_raster
from sim.world.snapshot import WorldSnapshot

logger = logging.getLogger(__name__)

# BGR colour per channel, painted in this order (later channels on top).
PALETTE = (
    (BevChannel.ROAD, (80, 80, 80)),
    (BevChannel.LANE_MARKINGS, (230, 230, 230)),
    (BevChannel.OBSTACLES, (0, 140, 255)),
    (BevChannel.VEHICLES, (220, 120, 40)),
    (BevChannel.WALKERS, (60, 200, 60)),
    (BevChannel.GREEN_LIGHTS, (0, 220, 0)),
    (BevChannel.YELLOW_LIGHTS, (0, 220, 220)),
    (BevChannel.RED_LIGHTS, (0, 0, 230)),
    (BevChannel.EGO, (40, 40, 230)),
)


def colorize(raster: np.ndarray) -> np.ndarray:
    """``(H, W, C)`` bool semantic raster -> ``(H, W, 3)`` uint8 BGR image."""
    image = np.zeros((*raster.shape[:2], 3), dtype=np.uint8)
    for channel, colour in PALETTE:
        image[raster[:, :, channel]] = colour
    return image


@dataclass(frozen=True)
class VideoConfig:
    """Layout and rate of the debugging video."""

    panel_px: int = 320  # [px] height of every panel
    bev_metres_per_px: float = 0.25  # [m/px]
    every_n_ticks: int = 2  # 20 Hz ticks -> 10 frames per second
    fps: float = 10.0  # [1/s]


class VideoRecorder:
    """Collects frames during a route and writes ``path`` (MP4) when closed."""

    def __init__(self, path: str | Path, network: RoadNetwork, config: VideoConfig = VideoConfig()) -> None:
        self.path, self.network, self.config = Path(path), network, config
        self._writer: cv2.VideoWriter | None = None
        self._ticks = 0

    def add(self, snapshot: WorldSnapshot, input_data: dict) -> None:
        """Record one tick (every ``every_n_ticks``-th tick is kept)."""
        self._ticks += 1
        if (self._ticks - 1) % self.config.every_n_ticks:
            return
        frame = self._compose(snapshot, input_data)
        if self._writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            size = (frame.shape[1], frame.shape[0])
            self._writer = cv2.VideoWriter(str(self.path), cv2.VideoWriter_fourcc(*"mp4v"), self.config.fps, size)
        self._writer.write(frame)

    def close(self) -> Path | None:
        """Finish the file; returns its path, or None when nothing was recorded."""
        if self._writer is None:
            return None
        self._writer.release()
        self._writer = None
        return self.path

    def _compose(self, snapshot: WorldSnapshot, input_data: dict) -> np.ndarray:
        size = self.config.panel_px
        raster = bev_raster(snapshot, self.network, size, self.config.bev_metres_per_px)
        panels = [colorize(raster)]
        for _, payload in input_data.values():
            if isinstance(payload, np.ndarray) and payload.ndim == 3 and payload.shape[2] == 4:
                height, width = payload.shape[:2]
                resized = cv2.resize(payload[:, :, :3], (max(1, round(width * size / height)), size))
                panels.append(np.ascontiguousarray(resized))
        return np.ascontiguousarray(np.concatenate(panels, axis=1))
