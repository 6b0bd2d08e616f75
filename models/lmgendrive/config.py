"""LMGenDrive configuration: the dataclasses hold every default (the paper-sized model); the
``tiny`` preset shrinks it for CPU tests, the ``full`` preset adds local checkpoint paths.

The LMGenDrive paper (arXiv 2604.08719) has no public code. Where it is silent, the choice made
here is written next to the field as ``# choice: ...`` and can be switched in YAML.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from models.common import config as config_lib
from models.common.camera import CameraSensor
from models.common.resnet import ResNetConfig

PRESET_DIR = Path(__file__).resolve().parent / "presets"


@dataclass(frozen=True)
class VisionConfig:
    """Multi-view vision encoder (LMDrive's memfuser without LiDAR) and its stage-1 heads."""

    backbone: ResNetConfig = field(default_factory=ResNetConfig)  # ResNet-50d as LMDrive
    image_size: int = 224  # [px] square input of every view
    num_views: int = 3  # left (-60 deg), front, right (+60 deg)
    dim: int = 256
    heads: int = 8
    ffn_dim: int = 2048
    encoder_layers: int = 1
    decoder_layers: int = 3
    dropout: float = 0.1
    bev_size: tuple[int, int] = (50, 50)  # H x W BEV positional queries
    bev_pool: int = 10  # BEV tokens are average-pooled to bev_pool x bev_pool for the Q-Former
    num_waypoint_queries: int = 4  # paper: 4 waypoint queries (LMDrive: 5)
    num_light_classes: int = 4  # choice: none / red / yellow / green
    det_outputs: int = 7  # per BEV cell: dx, dy, sin, cos, length, width, speed (+ 1 objectness logit)
    bev_extent: float = 64.0  # [m] side of the square BEV grid, centred on the ego box centre, forward up (choice)
    bev_semantic_channels: int = 0  # choice: > 0 adds a head predicting the semantic BEV raster per BEV cell

    @property
    def num_tokens(self) -> int:
        """Tokens per frame handed to the Q-Former: pooled BEV + traffic light + waypoints."""
        return self.bev_pool * self.bev_pool + 1 + self.num_waypoint_queries


@dataclass(frozen=True)
class QFormerConfig:
    """Q-Former (InstructBLIP style): learned queries + instruction text, cross-attention to vision.

    choice: our own BERT-style post-LN transformer, because transformers' BertLayer only allows
    cross-attention with ``is_decoder=True`` (causal self-attention), whereas BLIP-2's Q-Former is
    bidirectional and cross-attends from the query positions only.
    """

    num_queries: int = 8  # per frame (paper: 8; LMDrive: 4)
    dim: int = 768
    layers: int = 12
    heads: int = 12
    ffn_dim: int = 3072
    cross_attention_freq: int = 2  # cross-attention in every 2nd layer (BLIP-2)
    dropout: float = 0.1
    max_text_len: int = 64


@dataclass(frozen=True)
class LLMConfig:
    """The language model (LLaMA architecture) and its token budget."""

    hidden_size: int = 4096
    intermediate_size: int = 11008
    layers: int = 32
    heads: int = 32
    vocab_size: int = 32000
    max_positions: int = 4096
    pretrained_path: str | None = None  # local HF folder (Vicuna/LLaVA-v1.5-7B); loaded only if it exists
    tokenizer_path: str | None = None  # local tokenizer folder; None = the toy word tokenizer
    freeze: bool = True  # LMDrive keeps the LLM frozen
    dtype: str = "float32"  # LLM weights' dtype ("float16" / "bfloat16" for 7B on a GPU); I/O stays float32
    max_frames: int = 40  # T_max: frames of token history fed to the LLM (LMDrive token_max_length)
    max_instruction_len: int = 64


@dataclass(frozen=True)
class ActionConfig:
    """Action queries appended after the frame tokens, read by a two-layer MLP."""

    num_queries: int = 4  # choice: paper does not give N
    num_waypoints: int = 5  # 0.5 s apart (LMDrive's target)
    waypoint_interval: float = 0.5  # [s]
    hidden_dim: int = 0  # 0 = LLM hidden size


@dataclass(frozen=True)
class WorldConfig:
    """World queries -> multi-view fusion -> U-Net diffusion generator of future frames."""

    enabled: bool = True
    num_queries: int = 16  # choice: paper does not give the number of world queries
    image_size: int = 256  # [px] generated view size
    num_future_frames: int = 4  # frames generated per view and step
    future_interval: float = 0.5  # [s] between generated frames (choice)
    cond_dim: int = 768  # U-Net cross-attention width (SD1.5)
    fusion_layers: int = 2  # choice
    fusion_heads: int = 8
    clip_dim: int = 1024  # CLIP ViT-L/14
    clip_layers: int = 24
    clip_heads: int = 16
    clip_patch: int = 14
    clip_image_size: int = 224
    clip_path: str | None = None  # local CLIPVisionModel folder
    temporal_attention: bool = True  # True: UNetMotionModel (AnimateDiff); False: UNet2DConditionModel per frame
    unet_channels: tuple[int, ...] = (320, 640, 1280, 1280)
    unet_layers_per_block: int = 2
    unet_heads: int = 8
    norm_groups: int = 32
    unet_path: str | None = None  # local folder of the SD1.5 + AnimateDiff UNetMotionModel
    vae_channels: tuple[int, ...] = (128, 256, 512, 512)
    latent_channels: int = 4
    vae_scaling: float = 0.18215
    vae_path: str | None = None  # local SD1.5 VAE folder
    concat_last_latent: bool = True  # choice: the last observed frame's latent is concatenated to the noisy input
    condition_on_action: bool = True  # choice: the predicted waypoints become one extra conditioning token
    train_timesteps: int = 1000
    sampling_steps: int = 25  # DDIM steps in offline generation
    stage3_sampling_steps: int = 2  # differentiable DDIM steps when rolling out in stage 3


@dataclass(frozen=True)
class LossConfig:
    """Loss weights. Stage 1 as LMDrive's vision pretraining; stages 2-3 per the paper's losses."""

    detection: float = 0.5
    light: float = 0.1
    vision_waypoints: float = 0.5
    bev_semantic: float = 0.5  # choice: BCE of the semantic BEV head (LMDrive has no such head)
    waypoints: float = 1.0  # L1
    completion: float = 0.2  # BCE (LMDrive's end-flag weight)
    diffusion: float = 1.0  # noise MSE


def _lmdrive_rig() -> tuple[CameraSensor, ...]:
    """LMDrive's left / front / right mounts (x 1.3, z 2.3, fov 100, yaw -60 / 0 / +60) at the 800 x 600 of
    its published dataset's views (its agent renders the front at 1200 x 900 and the sides at 400 x 300)."""
    return tuple(
        CameraSensor(id=name, yaw=yaw, width=800, height=600, fov=100.0)
        for name, yaw in (("rgb_left", -60.0), ("rgb_front", 0.0), ("rgb_right", 60.0))
    )


@dataclass(frozen=True)
class InputConfig:
    """What the model reads and how (shared by the planner and the training datasets).

    Attributes:
        cameras: the views in the model's order (``vision.num_views`` of them).
        resize_to: [px] shorter side after resizing, before the centre crop to ``vision.image_size``
            (LMDrive's front pipeline: 256 then 224).
        history_stride: the LLM sees ``buffer[::history_stride]`` plus the newest frame (LMDrive's agent: 4).
        max_buffer_frames: the frame buffer is cleared beyond this length (LMDrive: 400).
        notice_probability: training inserts the current notice with this probability (LMDrive: 0.25).
        sample_interval: [s] between two buffered frames (one planning step at 10 Hz).
    """

    cameras: tuple[CameraSensor, ...] = field(default_factory=_lmdrive_rig)
    resize_to: int = 256
    history_stride: int = 4
    max_buffer_frames: int = 400
    notice_probability: float = 0.25
    sample_interval: float = 0.1


@dataclass(frozen=True)
class LMGenDriveConfig:
    """The whole model."""

    inputs: InputConfig = field(default_factory=InputConfig)
    vision: VisionConfig = field(default_factory=VisionConfig)
    qformer: QFormerConfig = field(default_factory=QFormerConfig)
    llm: LLMConfig = field(default_factory=LLMConfig)
    action: ActionConfig = field(default_factory=ActionConfig)
    world: WorldConfig = field(default_factory=WorldConfig)
    loss: LossConfig = field(default_factory=LossConfig)

    def __post_init__(self) -> None:
        if self.vision.dim % 4 or self.qformer.dim % self.qformer.heads or self.llm.hidden_size % self.llm.heads:
            raise ValueError("vision.dim must be divisible by 4 and qformer/llm dims by their head counts")
        if self.vision.bev_size[0] % self.vision.bev_pool or self.vision.bev_size[1] % self.vision.bev_pool:
            raise ValueError(f"vision.bev_size {self.vision.bev_size} must be divisible by bev_pool")
        if len(self.inputs.cameras) != self.vision.num_views:
            views = self.vision.num_views
            raise ValueError(f"{len(self.inputs.cameras)} input cameras but vision.num_views is {views}")
        if self.llm.dtype not in ("float32", "float16", "bfloat16"):
            raise ValueError(f"llm.dtype must be float32, float16 or bfloat16, got {self.llm.dtype!r}")


def load_lmgendrive_config(preset: str | Path = "tiny", overrides: dict | None = None) -> LMGenDriveConfig:
    """The ``tiny`` / ``full`` preset (or a YAML path) over the dataclass defaults."""
    return config_lib.load_config(LMGenDriveConfig, preset, PRESET_DIR, overrides)


# Config fields that may differ between a checkpoint and the model loading it (local paths only).
PATH_FIELDS = ("llm.pretrained_path", "llm.tokenizer_path", "world.clip_path", "world.unet_path", "world.vae_path")
