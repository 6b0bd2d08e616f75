"""Drive-JEPA configuration (perception-based planner on a V-JEPA 2 video encoder).

The frozen dataclasses hold every default (Drive-JEPA / iPad NAVSIM values); ``presets/tiny.yaml``
(random init, CPU) and ``presets/full.yaml`` (ViT-L/16 shapes, local checkpoint paths) override
fields. Choices the paper and code leave open are noted beside their fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from models.common import config as common_config
from models.common.camera import CameraSensor

PRESET_DIR = Path(__file__).resolve().parent / "presets"
MODEL_NAME = "drivejepa"
SCORE_NAMES = ("NC", "DAC", "DDC", "TLC", "EP", "TTC", "LK", "HC", "EPDMS")
"""Scorer head outputs: the EPDMS sub-scores, then the final score (last column)."""


@dataclass(frozen=True)
class EncoderConfig:
    """V-JEPA 2-style ViT over a clip of ``num_frames`` front images (tubelets of ``tubelet`` frames).

    ``checkpoint`` is a local V-JEPA 2 encoder checkpoint (target encoder), loaded when it exists.
    """

    image_height: int = 256
    image_width: int = 512
    num_frames: int = 2
    patch_size: int = 16
    tubelet: int = 2
    embed_dim: int = 1024
    depth: int = 24
    num_heads: int = 16
    mlp_ratio: float = 4.0
    rope_theta: float = 10000.0
    checkpoint: str = ""
    lr_scale: float = 0.1  # encoder fine-tuned at 0.1x the planner's learning rate

    def __post_init__(self) -> None:
        if self.image_height % self.patch_size or self.image_width % self.patch_size:
            raise ValueError(f"encoder image size must be a multiple of patch_size {self.patch_size}")
        if self.num_frames % self.tubelet:
            raise ValueError(f"encoder num_frames {self.num_frames} must be a multiple of tubelet {self.tubelet}")


@dataclass(frozen=True)
class CameraConfig:
    """Front camera used to project ego-box reference points into the feature map.

    Mounting position relative to the rear axle [m] (x forward, y left, z up from the ground) and
    horizontal / vertical field of view [deg] of the (cropped) model input. Defaults: NAVSIM
    ``cam_f0`` (focal ~1545 px) after the 28-row crop; the CARLA agent mounts its camera to match.
    """

    position: tuple[float, float, float] = (1.6, 0.0, 1.6)
    fov_horizontal_deg: float = 63.7
    fov_vertical_deg: float = 36.7
    min_depth: float = 0.5  # [m] points closer (or behind) are not sampled


@dataclass(frozen=True)
class PlannerConfig:
    """Proposal queries refined by a shared waypoint-anchored deformable layer (iPad / Drive-JEPA).

    Query self-attention is plain multi-head attention with a waypoint positional encoding instead
    of iPad's deformable self-attention: 256 queries are cheap to attend densely (our choice).
    """

    d_model: int = 256
    ffn_dim: int = 1024
    num_heads: int = 8
    num_proposals: int = 32
    num_poses: int = 8
    interval_s: float = 0.5
    num_iterations: int = 4
    points_per_reference: int = 1  # 4 box corners x 4 heights x 1 point = 16 sampling points per head
    ref_heights: tuple[float, float, float, float] = (-2.0, 0.6667, 3.3333, 6.0)  # [m], range [-2, 6]
    bev_range: float = 32.0  # [m] waypoint xy normalised by (x + range) / (2 range)
    ego_half_length: float = 2.588 + 0.25  # [m] with the iPad margin
    ego_half_width: float = 1.1485 + 0.1  # [m]
    rear_axle_to_center: float = 1.461  # [m]
    num_commands: int = 4  # NAVSIM: left, straight, right, unknown
    use_target_point: bool = False  # add the route target point to the ego status (iPad's Bench2Drive config)

    @property
    def ego_dim(self) -> int:
        """pose (3, zero in the local frame), velocity (2), acceleration (2), command one-hot, target point (2)."""
        return 7 + self.num_commands + (2 if self.use_target_point else 0)


@dataclass(frozen=True)
class LossConfig:
    """Loss weights.

    ``subscore`` is 0 in the released v1 code; we train the sub-score heads too (the v2 selector and
    the debug view read them). The auxiliary losses are simplified from iPad's (key-agent corners +
    validity, ego-area flags) to per-waypoint BCEs on "ego box on drivable area" (map) and "ego box
    collides" (collision), both targets produced by our scorer for the forward pass's proposals.
    """

    iteration_discount: float = 0.1  # total = discount * total + current, over refinement iterations
    mtd: float = 0.5  # multimodal trajectory distillation (min over proposals to pseudo-teachers)
    score: float = 1.0  # BCE on the final score
    subscore: float = 1.0
    map: float = 2.0  # per-waypoint ego-area (on drivable area) BCE
    collision: float = 1.0  # per-waypoint collision BCE
    teacher_threshold: float = 0.95  # a vocabulary entry with EPDMS >= this at a sample is a pseudo-teacher
    num_teachers: int = 4  # pseudo-teachers drawn per sample (Drive-JEPA: up to 4)
    score_gate: float = 1.0  # [m] nearest-entry scores within this; farther: final-score target 0 (see losses)


@dataclass(frozen=True)
class DriveJEPAConfig:
    """Whole-model config; ``checkpoint_path`` is our own checkpoint, loaded when it exists."""

    checkpoint_path: str = ""
    sensor: CameraSensor = field(
        default_factory=lambda: CameraSensor(id="rgb_front", x=0.2, z=1.6, width=960, height=512, fov=63.7)
    )  # the front camera; ``camera`` below is the same camera seen from the rear axle, for projection
    encoder: EncoderConfig = field(default_factory=EncoderConfig)
    camera: CameraConfig = field(default_factory=CameraConfig)
    planner: PlannerConfig = field(default_factory=PlannerConfig)
    loss: LossConfig = field(default_factory=LossConfig)

    @property
    def feature_size(self) -> tuple[int, int]:
        """``(h, w)`` of the image feature map."""
        e = self.encoder
        return e.image_height // e.patch_size, e.image_width // e.patch_size


def load(preset: str | Path = "tiny", overrides: dict | None = None) -> DriveJEPAConfig:
    """Config from a preset name (``tiny`` / ``full``) or a YAML path."""
    return common_config.load_config(DriveJEPAConfig, preset, PRESET_DIR, overrides)
