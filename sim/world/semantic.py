"""Semantic classes the embedded renderer draws, and CARLA's tag ids and CityScapes palette for them.

CARLA's ``sensor.camera.semantic_segmentation`` writes each pixel's tag into the red channel of a BGRA
image (green and blue 0). The tag ids changed with CARLA 0.9.14 (Cityscapes-aligned): leaderboard 1.0
runs CARLA 0.9.10 (``Vehicles`` 10, ``Road`` 7 ...), leaderboard 2.0 and Bench2Drive CARLA 0.9.15
(``Car`` 14, ``Roads`` 1 ...). Values and palettes are CARLA's sensor reference of those versions. The
embedded world renders roads, sidewalks, road lines, off-road terrain, sky, vehicles, walkers, bicycles
and their riders, props, poles and traffic lights; nothing else exists in it.
"""

from __future__ import annotations

import enum

import numpy as np


class SemanticClass(enum.IntEnum):
    """What a rendered surface is (internal ids; see :data:`CARLA_TAGS` for CARLA's)."""

    UNLABELED = 0
    ROAD = 1
    SIDEWALK = 2
    ROAD_LINE = 3
    TERRAIN = 4
    SKY = 5
    CAR = 6
    TRUCK = 7
    PEDESTRIAN = 8
    BICYCLE = 9
    RIDER = 10
    STATIC = 11
    POLE = 12
    TRAFFIC_LIGHT = 13


class TagSet(enum.Enum):
    """Which CARLA version's tag ids."""

    CARLA_0_9_10 = "0.9.10"  # leaderboard 1.0, LangAuto
    CARLA_0_9_14 = "0.9.14+"  # leaderboard 2.0, Bench2Drive (CARLA 0.9.15)


_C = SemanticClass
CARLA_TAGS: dict[TagSet, dict[SemanticClass, int]] = {
    TagSet.CARLA_0_9_10: {_C.UNLABELED: 0, _C.ROAD: 7, _C.SIDEWALK: 8, _C.ROAD_LINE: 6, _C.TERRAIN: 22, _C.SKY: 13,
                          _C.CAR: 10, _C.TRUCK: 10, _C.PEDESTRIAN: 4, _C.BICYCLE: 10, _C.RIDER: 4, _C.STATIC: 19,
                          _C.POLE: 5, _C.TRAFFIC_LIGHT: 18},
    TagSet.CARLA_0_9_14: {_C.UNLABELED: 0, _C.ROAD: 1, _C.SIDEWALK: 2, _C.ROAD_LINE: 24, _C.TERRAIN: 10, _C.SKY: 11,
                          _C.CAR: 14, _C.TRUCK: 15, _C.PEDESTRIAN: 12, _C.BICYCLE: 19, _C.RIDER: 13, _C.STATIC: 20,
                          _C.POLE: 6, _C.TRAFFIC_LIGHT: 7},
}  # fmt: skip
"""Our classes -> CARLA's tag ids (0.9.10 has no Truck, Bicycle or Rider tags: vehicles and pedestrians)."""

CITYSCAPES_PALETTE: dict[TagSet, dict[int, tuple[int, int, int]]] = {
    TagSet.CARLA_0_9_10: {0: (0, 0, 0), 4: (220, 20, 60), 5: (153, 153, 153), 6: (157, 234, 50), 7: (128, 64, 128),
                          8: (244, 35, 232), 10: (0, 0, 142), 13: (70, 130, 180), 18: (250, 170, 30),
                          19: (110, 190, 160), 22: (145, 170, 100)},
    TagSet.CARLA_0_9_14: {0: (0, 0, 0), 1: (128, 64, 128), 2: (244, 35, 232), 6: (153, 153, 153), 7: (250, 170, 30),
                          10: (152, 251, 152), 11: (70, 130, 180), 12: (220, 20, 60), 13: (255, 0, 0), 14: (0, 0, 142),
                          15: (0, 0, 70), 19: (119, 11, 32), 20: (110, 190, 160), 24: (157, 234, 50)},
}  # fmt: skip
"""RGB of each tag we render under CARLA's ``ColorConverter.CityScapesPalette``."""


def tag_lookup(tags: TagSet) -> np.ndarray:
    """``(len(SemanticClass),)`` uint8: CARLA tag id of each :class:`SemanticClass`."""
    table = CARLA_TAGS[tags]
    return np.array([table[c] for c in SemanticClass], dtype=np.uint8)


def cityscapes_colors(tag_image: np.ndarray, tags: TagSet) -> np.ndarray:
    """``(H, W)`` CARLA tag ids -> ``(H, W, 3)`` uint8 RGB in CARLA's CityScapes palette (unknown tags black)."""
    lut = np.zeros((256, 3), dtype=np.uint8)
    for tag, rgb in CITYSCAPES_PALETTE[tags].items():
        lut[tag] = rgb
    return lut[np.asarray(tag_image, dtype=np.uint8)]
