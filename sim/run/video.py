"""Per-route MP4: the bird's-eye view (route line, time, speed, controls) beside what the agent's cameras saw.

The BEV uses the camera renderer's colours (:class:`sim.world.render_config.RenderConfig`): grey
road, white lane markings, yellow centre lines, so a line in the BEV looks like the same line in
the camera panels.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from sim.maps.dense_route import DenseRoute
from sim.maps.road_network import RoadNetwork
from sim.run.observers import RouteScene, TickRecord
from sim.world.bev_raster import BevChannel, bev_layer_mask, bev_pixels, bev_raster
from sim.world.render_config import DEFAULT_RENDER_CONFIG, RGB
from sim.world.render_scene import GroundLayer
from sim.world.snapshot import WorldSnapshot

logger = logging.getLogger(__name__)


def _bgr(rgb: RGB) -> tuple[int, int, int]:
    return rgb[2], rgb[1], rgb[0]


_LOOK = DEFAULT_RENDER_CONFIG
# BGR colour per channel, painted in this order (later channels on top); ground colours are the camera's.
PALETTE = (
    (BevChannel.ROAD, _bgr(_LOOK.road)),
    (BevChannel.LANE_MARKINGS, _bgr(_LOOK.marking_white)),
    (BevChannel.OBSTACLES, (0, 140, 255)),
    (BevChannel.VEHICLES, (220, 120, 40)),
    (BevChannel.WALKERS, (60, 200, 60)),
    (BevChannel.GREEN_LIGHTS, (0, 220, 0)),
    (BevChannel.YELLOW_LIGHTS, (0, 220, 220)),
    (BevChannel.RED_LIGHTS, (0, 0, 230)),
    (BevChannel.EGO, (40, 40, 230)),
)
OFFROAD_BGR = _bgr(_LOOK.offroad)
YELLOW_MARKING_BGR = _bgr(_LOOK.marking_yellow)
ROUTE_BGR = (255, 170, 60)  # light blue, a colour nothing else in the BEV uses
TEXT_BGR = (255, 255, 255)


def colorize(raster: np.ndarray, yellow_markings: np.ndarray | None = None) -> np.ndarray:
    """``(H, W, C)`` bool semantic raster -> ``(H, W, 3)`` uint8 BGR image (off-road in the camera's green).

    ``yellow_markings``: ``(H, W)`` bool, the markings drawn yellow (centre lines) instead of white.
    """
    image = np.empty((*raster.shape[:2], 3), dtype=np.uint8)
    image[:] = OFFROAD_BGR
    for channel, colour in PALETTE:
        image[raster[:, :, channel]] = colour
        if channel is BevChannel.LANE_MARKINGS and yellow_markings is not None:
            image[yellow_markings & raster[:, :, channel]] = YELLOW_MARKING_BGR
    return image


@dataclass(frozen=True)
class VideoConfig:
    """Layout and rate of the debugging video."""

    panel_px: int = 320  # [px] height of every panel
    bev_metres_per_px: float = 0.25  # [m/px]
    every_n_ticks: int = 2  # 20 Hz ticks -> 10 frames per second
    fps: float = 10.0  # [1/s]
    route_px: int = 2  # [px] width of the route line


class VideoRecorder:
    """A route recorder that writes ``path`` (MP4) when the route closes."""

    def __init__(self, path: str | Path, config: VideoConfig = VideoConfig()) -> None:
        self.path, self.config = Path(path), config
        self._writer: cv2.VideoWriter | None = None
        self._ticks = 0
        self.network: RoadNetwork | None = None
        self.route: DenseRoute | None = None

    def start(self, scene: RouteScene) -> None:
        self.network, self.route = scene.network, scene.route

    def add(self, tick: TickRecord) -> None:
        """Record one tick (every ``every_n_ticks``-th tick is kept)."""
        self._ticks += 1
        if (self._ticks - 1) % self.config.every_n_ticks:
            return
        frame = self.compose(tick.sensed, tick.input_data, tick.control)
        if self._writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            size = (frame.shape[1], frame.shape[0])
            self._writer = cv2.VideoWriter(str(self.path), cv2.VideoWriter_fourcc(*"mp4v"), self.config.fps, size)
        self._writer.write(frame)

    def close(self, record=None) -> Path | None:
        """Finish the file; returns its path, or None when nothing was recorded."""
        if self._writer is None:
            return None
        self._writer.release()
        self._writer = None
        return self.path

    def compose(self, snapshot: WorldSnapshot, input_data: dict, control=None) -> np.ndarray:
        """One video frame: the annotated BEV, then every camera, side by side (BGR)."""
        panels = [self.bev_panel(snapshot, control)]
        size = self.config.panel_px
        for _, payload in input_data.values():
            if isinstance(payload, np.ndarray) and payload.ndim == 3 and payload.shape[2] == 4:
                height, width = payload.shape[:2]
                resized = cv2.resize(payload[:, :, :3], (max(1, round(width * size / height)), size))
                panels.append(np.ascontiguousarray(resized))
        return np.ascontiguousarray(np.concatenate(panels, axis=1))

    def bev_panel(self, snapshot: WorldSnapshot, control=None) -> np.ndarray:
        """The BEV with the route line, the time, the speed and the controls."""
        size, mpp = self.config.panel_px, self.config.bev_metres_per_px
        raster = bev_raster(snapshot, self.network, size, mpp)
        yellow = bev_layer_mask(snapshot, self.network, (GroundLayer.MARKING_YELLOW,), size, mpp)
        image = colorize(raster, yellow)
        if self.route is not None:
            pixels = np.round(bev_pixels(self.route.points[:, :2], snapshot, size, mpp)).astype(np.int32)
            cv2.polylines(image, [pixels], isClosed=False, color=ROUTE_BGR, thickness=self.config.route_px)
            for channel, colour in PALETTE[2:]:  # actors, lights and the ego stay on top of the route
                image[raster[:, :, channel]] = colour
        draw_status(image, snapshot, control)
        return image


def draw_status(image: np.ndarray, snapshot: WorldSnapshot, control=None) -> None:
    """Time and speed at the top left; throttle, brake and steer bars at the bottom (in place)."""
    speed = float(snapshot.ego.speed)
    lines = [f"t {snapshot.time:6.2f} s", f"v {speed:5.2f} m/s ({3.6 * speed:5.1f} km/h)"]
    for row, text in enumerate(lines):
        origin = (6, 18 + 18 * row)
        cv2.putText(image, text, origin, cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 3, cv2.LINE_AA)
        cv2.putText(image, text, origin, cv2.FONT_HERSHEY_SIMPLEX, 0.5, TEXT_BGR, 1, cv2.LINE_AA)
    if control is None:
        return
    height = image.shape[0]
    bars = (
        ("thr", float(getattr(control, "throttle", 0.0)), (60, 200, 60), False),
        ("brk", float(getattr(control, "brake", 0.0)), (60, 60, 230), False),
        ("str", float(getattr(control, "steer", 0.0)), (230, 200, 60), True),
    )
    for row, (label, value, colour, signed) in enumerate(bars):
        _bar(image, label, value, colour, signed, height - 14 - 16 * (len(bars) - 1 - row))


def _bar(image: np.ndarray, label: str, value: float, colour, signed: bool, y: int) -> None:
    """A labelled bar of ``value`` in [0, 1] (or [-1, 1] from the middle when ``signed``), 100 px wide."""
    x0, width, half = 40, 100, 5
    cv2.putText(image, label, (6, y + 4), cv2.FONT_HERSHEY_SIMPLEX, 0.4, TEXT_BGR, 1, cv2.LINE_AA)
    cv2.rectangle(image, (x0, y - half), (x0 + width, y + half), (40, 40, 40), -1)
    value = float(np.clip(value if np.isfinite(value) else 0.0, -1.0, 1.0))
    start = x0 + width // 2 if signed else x0
    stop = start + round(value * (width // 2 if signed else width))
    cv2.rectangle(image, (min(start, stop), y - half), (max(start, stop), y + half), colour, -1)
    cv2.putText(image, f"{value:+.2f}", (x0 + width + 6, y + 4), cv2.FONT_HERSHEY_SIMPLEX, 0.4, TEXT_BGR, 1,
                cv2.LINE_AA)  # fmt: skip
