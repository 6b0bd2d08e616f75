"""The on-disk layout of the expert driving dataset: format version, file names, fields and columns.

Everything a writer and a reader must agree on lives here (see ``README.md`` beside this file for
the folder tree). Boxes, tracks, lights and commands use the simulator's own enums from ``sim.types`` (``ActorKind``,
``ActorIndex``, ``LightState``, ``RoadOption``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sim.types import ActorIndex, StateIndex

FORMAT_NAME = "closed-loop-driving-data"
FORMAT_VERSION = 1

MANIFEST_FILE = "manifest.json"
LOCK_FILE = ".manifest.lock"
EPISODES_DIR = "episodes"
VOCABULARIES_DIR = "vocabularies"
EPISODE_FILE = "episode.json"  # inside an episode folder: its EpisodeInfo (the folder is complete)
SAMPLES_DIR = "samples"  # <field>.npy, one row per sample
ARRAYS_DIR = "arrays"  # <name>.npy, episode-level arrays (scoring material)
IMAGES_DIR = "images"  # <camera>.bin (encoded frames back to back) + <camera>.offsets.npy
BOXES_FILE = "boxes.npy"  # (total boxes, len(BoxColumn)) rows of every sample, back to back
BOX_OFFSETS_FILE = "box_offsets.npy"  # (n + 1,) int64: sample i owns rows offsets[i]:offsets[i + 1]
BEV_FILE = "bev.npy"  # (n, ceil(H W C / 8)) uint8: np.packbits of each (H, W, C) bool raster
SCORES_DIR = "scores"  # <vocabulary>.npy (n, V, len(ScoreColumn)) float16, NaN = not scored
TEMP_PREFIX = ".tmp-"  # episode folders being written; never read


class ImageCodec(enum.StrEnum):
    """How camera frames are stored. PNG (lossless, level 1) is the default: the flat-shaded renders
    compress ~5x for ~0.2 ms per 88x64 frame to encode and ~0.1 ms to decode (measured with cv2)."""

    PNG = "png"
    RAW = "raw"  # uint8 frames back to back, memory-mapped by the reader


class ControlColumn(enum.IntEnum):
    """Columns of ``control`` / ``expert_control``."""

    THROTTLE = 0  # [0, 1]
    STEER = 1  # [-1, 1], CARLA's sign (positive is right)
    BRAKE = 2  # [0, 1]


class GnssColumn(enum.IntEnum):
    """Columns of ``gnss`` (as the GNSS sensor gives them)."""

    LAT = 0  # [deg]
    LON = 1  # [deg]
    ALT = 2  # [m]


class AccelerationColumn(enum.IntEnum):
    """Columns of ``acceleration`` (body frame)."""

    LON = 0  # [m/s^2] forward
    LAT = 1  # [m/s^2] left


class BoxColumn(enum.IntEnum):
    """Columns of one object box, local frame of its sample (x forward, y left), box centre."""

    X = 0  # [m]
    Y = 1  # [m]
    HEADING = 2  # [rad] relative to the ego heading
    LENGTH = 3  # [m]
    WIDTH = 4  # [m]
    HEIGHT = 5  # [m]
    SPEED = 6  # [m/s] signed, along the box heading
    KIND = 7  # ActorKind value
    ID = 8  # actor id (stable within an episode)


TrackColumn = ActorIndex  # columns of the ``tracks`` episode array: the simulator's actor rows


class ScoreColumn(enum.IntEnum):
    """Columns of a vocabulary's per-sample scores: EPDMS sub-scores, then the aggregate (EC may be NaN)."""

    NC = 0
    DAC = 1
    DDC = 2
    TLC = 3
    EP = 4
    TTC = 5
    LK = 6
    HC = 7
    EC = 8
    EPDMS = 9


@dataclass(frozen=True)
class FieldSpec:
    """One array with a row per sample (or per episode for :data:`EPISODE_ARRAYS`).

    Attributes:
        name: file stem.
        kind: numpy dtype kind accepted: ``f`` float, ``i`` integer, ``b`` bool, ``U`` text.
        shape: per-sample fields: the shape after the sample axis; episode arrays: the whole shape,
            where ``"n"`` is the episode's sample count. ``"T"`` is the manifest's ``horizon_steps``,
            ``None`` any length.
        unit: unit and frame, for the README and error messages.
        required: every episode must hold it.
    """

    name: str
    kind: str
    shape: tuple[int | str | None, ...] = ()
    unit: str = ""
    required: bool = True


_F, _I, _B, _U = "f", "i", "b", "U"
SAMPLE_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("frame", _I, (), "world tick"),
    FieldSpec("time", _F, (), "[s] simulation time"),
    FieldSpec("speed", _F, (), "[m/s] signed forward speed"),
    FieldSpec("acceleration", _F, (len(AccelerationColumn),), "[m/s^2] body frame (AccelerationColumn)"),
    FieldSpec("gnss", _F, (len(GnssColumn),), "GnssColumn"),
    FieldSpec("compass", _F, (), "[rad] as the IMU gives it"),
    FieldSpec("ego_pose", _F, (3,), "rear axle x, y [m], heading [rad], global frame"),
    FieldSpec("target_point", _F, (2,), "[m] local frame, the route target the agents get"),
    FieldSpec("command", _I, (), "RoadOption value"),
    FieldSpec("instruction_id", _I, (), "LangAuto instruction id, -1 none"),
    FieldSpec("notice_id", _I, (), "LangAuto notice id, -1 none"),
    FieldSpec("instruction", _U, (), "instruction text the agent receives, '' none"),
    FieldSpec("notice", _U, (), "notice text, '' none"),
    FieldSpec("misleading", _B, (), "the instruction is a misleading one"),
    FieldSpec("instruction_completed", _B, (), "the instruction's span ends at this sample"),
    FieldSpec("expert_trajectory", _F, ("T", 3), "expert plan x, y [m], heading [rad], local, horizon grid"),
    FieldSpec("future_poses", _F, ("T", 3), "poses driven next, local frame of the sample, horizon grid"),
    FieldSpec("future_valid", _B, ("T",), "future_poses row exists (the episode went on)"),
    FieldSpec("control", _F, (len(ControlColumn),), "executed control (ControlColumn)"),
    FieldSpec("expert_control", _F, (len(ControlColumn),), "control the expert's PID asked (ControlColumn)"),
    FieldSpec("perturbed", _B, (), "the executed control was perturbed (recovery data)"),
    FieldSpec("light_state", _I, (), "LightState of the light governing the ego's lane ahead"),
    FieldSpec("light_distance", _F, (), "[m] to that light's stop line, inf none"),
    FieldSpec("stop_sign_distance", _F, (), "[m] to the next stop sign on the route, inf none"),
    FieldSpec("blocking_reason", _U, (), "the expert's binding constraint (analysis)"),
)
SAMPLE_FIELD_NAMES = tuple(f.name for f in SAMPLE_FIELDS)

EPISODE_ARRAYS: tuple[FieldSpec, ...] = (
    # Scoring material (read outside models/ to build a ScoringScene per sample); n = samples.
    FieldSpec("ego_state", _F, ("n", len(StateIndex)), "sim.types.StateIndex columns, global frame", False),
    FieldSpec("track_ids", _I, (None,), "actor ids of the track columns", False),
    FieldSpec("tracks", _F, ("n", None, len(TrackColumn)), "TrackColumn, global frame", False),
    FieldSpec("track_valid", _B, ("n", None), "the actor exists at the sample", False),
    FieldSpec("light_lane_ids", _I, (None,), "lane-connector ids controlled by lights", False),
    FieldSpec("light_states", _I, ("n", None), "LightState of each light_lane_ids entry per sample", False),
    FieldSpec("route_points", _F, (None, 3), "dense route x, y [m], heading [rad], global", False),
    FieldSpec("route_lane_ids", _I, (None,), "lane id of each route point", False),
)
EPISODE_ARRAY_NAMES = tuple(f.name for f in EPISODE_ARRAYS)


def field_spec(name: str) -> FieldSpec:
    """The spec of a per-sample field or an episode array; ``KeyError`` lists the known names."""
    for spec in (*SAMPLE_FIELDS, *EPISODE_ARRAYS):
        if spec.name == name:
            return spec
    raise KeyError(f"unknown field '{name}'; per-sample: {SAMPLE_FIELD_NAMES}; episode arrays: {EPISODE_ARRAY_NAMES}")
