"""Stage-1 targets on the vision encoder's BEV grid, from the dataset's boxes and semantic raster.

The BEV grid has ``bev_size = (H, W)`` cells covering ``bev_extent`` metres square around the ego
box centre, forward up: cell ``(r, c)`` (token ``r W + c``) has row 0 furthest ahead and column 0
furthest left, the orientation of the dataset's raster.
"""

from __future__ import annotations

import numpy as np

from models.common.driving_data.layout import BoxColumn
from models.lmgendrive.config import VisionConfig


def detection_targets(boxes: np.ndarray, config: VisionConfig, bev_center_x: float) -> np.ndarray:
    """``(M, len(BoxColumn))`` boxes (local rear-axle frame) -> ``(H W, 1 + det_outputs)`` float32.

    Per cell holding a box centre: objectness 1, then the centre offset from the cell centre dx, dy
    [m], sin / cos of the heading, length, width [m] and speed [m/s] (the nearest box wins a cell).

    Args:
        boxes: the sample's object boxes.
        config: grid size and extent.
        bev_center_x: [m] x of the grid centre (the ego box centre) in the local rear-axle frame.
    """
    h, w = config.bev_size
    out = np.zeros((h * w, 1 + config.det_outputs), dtype=np.float32)
    if boxes.shape[0] == 0:
        return out
    cell = (config.bev_extent / h, config.bev_extent / w)
    x = boxes[:, BoxColumn.X] - bev_center_x
    y = boxes[:, BoxColumn.Y]
    row = np.floor((config.bev_extent / 2 - x) / cell[0]).astype(int)
    col = np.floor((config.bev_extent / 2 - y) / cell[1]).astype(int)
    inside = (row >= 0) & (row < h) & (col >= 0) & (col < w)
    for k in np.argsort(-np.hypot(x, y)):  # far first: the nearest box overwrites a shared cell
        if not inside[k]:
            continue
        dx = x[k] - (config.bev_extent / 2 - (row[k] + 0.5) * cell[0])
        dy = y[k] - (config.bev_extent / 2 - (col[k] + 0.5) * cell[1])
        heading = boxes[k, BoxColumn.HEADING]
        values = (1.0, dx, dy, np.sin(heading), np.cos(heading), boxes[k, BoxColumn.LENGTH],
                  boxes[k, BoxColumn.WIDTH], boxes[k, BoxColumn.SPEED])  # fmt: skip
        out[row[k] * w + col[k], :8] = values
    return out


def semantic_targets(raster: np.ndarray, metres_per_px: float, config: VisionConfig) -> np.ndarray:
    """``(C, S, S)`` bool raster centred on the ego box centre -> ``(H W, C)`` float32 cell coverage.

    The central ``bev_extent`` metres of the raster are averaged into the ``bev_size`` cells.

    Raises:
        ValueError: the raster covers less than ``bev_extent`` or does not divide into the grid.
    """
    c, s = raster.shape[0], raster.shape[1]
    side = int(round(config.bev_extent / metres_per_px))
    h, w = config.bev_size
    if side > s or side % h or side % w:
        raise ValueError(
            f"BEV raster of {s} px at {metres_per_px} m/px cannot give a {config.bev_extent} m grid of {h}x{w} "
            f"cells ({side} px needed, divisible by the grid)"
        )
    top = (s - side) // 2
    crop = raster[:, top : top + side, top : top + side].astype(np.float32)
    cells = crop.reshape(c, h, side // h, w, side // w).mean(axis=(2, 4))
    return cells.reshape(c, h * w).T.copy()
