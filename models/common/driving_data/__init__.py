"""The expert driving dataset: on-disk layout, sharded atomic writer and numpy reader (no torch).

``README.md`` beside this file documents the folder tree. Typical use::

    writer = DatasetWriter("DATASET", layout, collection_settings)
    with writer.episode(EpisodeInfo("town05_r3_s0", "Town05", "3", "lb1_training", 0, "train")) as ep:
        for each sample: ep.add_sample(fields, images, boxes, bev)
        ep.commit(status="Completed")

    data = DrivingData("DATASET")
    ep = data.episode("town05_r3_s0"); ep.field("speed"); ep.image("rgb_front", 0)
"""

from models.common.driving_data.episode_writer import EpisodeWriter
from models.common.driving_data.layout import FORMAT_VERSION
from models.common.driving_data.manifest import DrivingDataError, EpisodeInfo, LayoutConfig, Manifest
from models.common.driving_data.reader import DrivingData, Episode
from models.common.driving_data.writer import DatasetWriter, write_scores, write_vocabulary

__all__ = [
    "FORMAT_VERSION",
    "DatasetWriter",
    "DrivingData",
    "DrivingDataError",
    "Episode",
    "EpisodeInfo",
    "EpisodeWriter",
    "LayoutConfig",
    "Manifest",
    "write_scores",
    "write_vocabulary",
]
