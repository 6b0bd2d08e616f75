"""--save-video: the BEV has the route line, the camera's lane colours, time, speed and controls; the MP4 plays."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import cv2
import numpy as np

from sim.run.debug_session import DebugSession
from sim.run.video import ROUTE_BGR, YELLOW_MARKING_BGR, VideoConfig, VideoRecorder, colorize
from sim.world.bev_raster import BevChannel
from sim.world.render_config import DEFAULT_RENDER_CONFIG


def pixels_of(image: np.ndarray, bgr: tuple[int, int, int], tolerance: int = 0) -> int:
    return int(np.all(np.abs(image.astype(int) - np.array(bgr)) <= tolerance, axis=-1).sum())


def test_the_video_frame_shows_route_lanes_and_status(tmp_path: Path, data_dir: Path) -> None:
    video = VideoRecorder(tmp_path / "route.mp4", VideoConfig(panel_px=256))
    session = DebugSession("constant_velocity", "langauto-tiny:0", data_dir=str(data_dir), recorders=(video,))
    session.step(6)
    control = SimpleNamespace(throttle=0.75, steer=-0.5, brake=0.0)
    still = video.bev_panel(session.snapshot, None)
    panel = video.bev_panel(session.snapshot, control)
    assert panel.shape == (256, 256, 3)
    assert pixels_of(panel, ROUTE_BGR) > 100, "the route line is drawn"
    assert pixels_of(panel, YELLOW_MARKING_BGR) > 20, "centre lines are yellow, as in the camera"
    white = DEFAULT_RENDER_CONFIG.marking_white[::-1]
    assert pixels_of(panel, white) > 20, "other markings are white, as in the camera"
    bars = np.any(panel[-60:, :150] != still[-60:, :150], axis=-1)
    assert bars.sum() > 200, "throttle / steer bars are drawn at the bottom left"
    text = np.all(panel[:45, :200] == 255, axis=-1)
    assert text.sum() > 50, "time and speed are written at the top left"
    session.close()
    capture = cv2.VideoCapture(str(tmp_path / "route.mp4"))
    assert int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) == 3, "every other tick of 6"
    assert int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)) == 256


def test_yellow_markings_only_recolour_marking_pixels() -> None:
    raster = np.zeros((4, 4, len(BevChannel)), dtype=bool)
    raster[0, :, BevChannel.LANE_MARKINGS] = True
    yellow = np.zeros((4, 4), dtype=bool)
    yellow[:, 0] = True
    image = colorize(raster, yellow)
    assert tuple(image[0, 0]) == YELLOW_MARKING_BGR and tuple(image[0, 1]) == DEFAULT_RENDER_CONFIG.marking_white[::-1]
    assert tuple(image[1, 0]) == DEFAULT_RENDER_CONFIG.offroad[::-1], "yellow outside a marking stays off-road"
