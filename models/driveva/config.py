"""DriveVA configuration: the frozen dataclasses hold every default (the paper / released code values).

Presets ``presets/tiny.yaml`` (random init, CPU tests) and ``presets/full.yaml`` (Wan2.2-TI2V-5B
shapes, local checkpoint paths) only override fields. Choices the paper leaves open are written
next to the field they concern.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from models.common import config as common_config
from models.common.camera import CameraSensor

PRESET_DIR = Path(__file__).resolve().parent / "presets"
MODEL_NAME = "driveva"


@dataclass(frozen=True)
class VAEConfig:
    """Video VAE: 16x spatial, 4x temporal (causal: the first frame is its own latent frame).

    ``backend="tiny"`` is our own small conv encoder/decoder (random init, frozen like Wan's VAE);
    ``backend="wan"`` loads diffusers' ``AutoencoderKLWan`` from ``path`` (only when it exists).
    """

    backend: str = "wan"
    path: str = ""
    latent_channels: int = 48
    spatial_factor: int = 16
    temporal_factor: int = 4
    hidden: int = 64  # tiny backend only: conv width

    def __post_init__(self) -> None:
        if self.backend not in ("tiny", "wan"):
            raise ValueError(f"vae.backend must be 'tiny' or 'wan', got {self.backend!r}")


@dataclass(frozen=True)
class DiTConfig:
    """Wan-shaped diffusion transformer (our own blocks, see ``dit.py`` for why not diffusers').

    ``attention_mode``: ``"joint"`` = full bidirectional attention between history, future video and
    action tokens (the paper's description); ``"mixed"`` = the released evaluation mask (future video
    and future trajectory cannot see each other), which also allows dropping the future video
    latents at trajectory-only inference.
    """

    dim: int = 3072
    num_layers: int = 30
    num_heads: int = 24
    ffn_dim: int = 14336
    freq_dim: int = 256
    patch_size: tuple[int, int, int] = (1, 2, 2)
    rope_theta: float = 10000.0
    eps: float = 1e-6
    attention_mode: str = "joint"

    def __post_init__(self) -> None:
        if self.dim % self.num_heads or (self.dim // self.num_heads) % 2 or self.dim // self.num_heads < 6:
            raise ValueError(f"dit head dim must be even and >= 6 for 3-D RoPE, got {self.dim}/{self.num_heads}")
        if self.attention_mode not in ("joint", "mixed"):
            raise ValueError(f"dit.attention_mode must be 'joint' or 'mixed', got {self.attention_mode!r}")


@dataclass(frozen=True)
class TextConfig:
    """Command / instruction conditioning, read by the DiT through cross-attention.

    ``backend="command"``: a small local embedding (driving command, speed bucket with the
    released prompt's 5 / 15 m/s thresholds, byte tokens of an optional instruction), no downloads.
    ``backend="umt5"``: Wan's umT5-XXL encoder + tokenizer loaded from ``path`` (only when it exists).
    """

    backend: str = "umt5"
    path: str = ""
    text_dim: int = 4096
    max_tokens: int = 512
    num_commands: int = 4  # NAVSIM: left, straight, right, unknown
    speed_thresholds: tuple[float, float] = (5.0, 15.0)  # [m/s] low / moderate / highway
    instruction_dropout: float = 0.5  # choice: training drops the language instruction this often

    def __post_init__(self) -> None:
        if self.backend not in ("command", "umt5"):
            raise ValueError(f"text.backend must be 'command' or 'umt5', got {self.backend!r}")


@dataclass(frozen=True)
class TrajectoryConfig:
    """Action tokens: K waypoints (x, y, heading) as normalised point-to-point deltas.

    Normalisation ``2 (v - low) / span - 1`` per axis with the released constants.
    """

    num_waypoints: int = 8
    interval_s: float = 0.5
    hidden: int = 256
    low: tuple[float, float, float] = (-1.57, -19.68, -1.67)
    span: tuple[float, float, float] = (66.74, 42.0, 3.53)


@dataclass(frozen=True)
class FlowConfig:
    """Rectified flow (x_t = (1 - s) x0 + s eps, target eps - x0) with a shifted sigma schedule.

    The paper uses 2 Euler steps; the released configs default to 3.
    """

    num_train_timesteps: int = 1000
    shift: float = 5.0
    num_inference_steps: int = 2


@dataclass(frozen=True)
class DriveVAConfig:
    """Whole-model config. Frames are ``history_frames`` front-camera images at ``frame_rate_hz``."""

    image_height: int = 480
    image_width: int = 832
    history_frames: int = 5
    future_frames: int = 8
    frame_rate_hz: float = 2.0
    checkpoint_path: str = ""  # our own checkpoint (models.common.checkpoint format), loaded if it exists
    camera: CameraSensor = field(
        default_factory=lambda: CameraSensor(id="rgb_front", x=1.3, z=2.3, width=832, height=480, fov=70.0)
    )  # the front camera (NAVSIM-like view); resized to image_height x image_width
    vae: VAEConfig = field(default_factory=VAEConfig)
    dit: DiTConfig = field(default_factory=DiTConfig)
    text: TextConfig = field(default_factory=TextConfig)
    trajectory: TrajectoryConfig = field(default_factory=TrajectoryConfig)
    flow: FlowConfig = field(default_factory=FlowConfig)

    def __post_init__(self) -> None:
        step = self.vae.temporal_factor
        for name in ("history_frames", "future_frames"):
            if name == "history_frames" and (self.history_frames - 1) % step:
                raise ValueError(f"history_frames - 1 must be a multiple of {step}, got {self.history_frames}")
            if name == "future_frames" and self.future_frames % step:
                raise ValueError(f"future_frames must be a multiple of {step}, got {self.future_frames}")
        cell = self.vae.spatial_factor * self.dit.patch_size[1]
        if self.image_height % cell or self.image_width % cell:
            raise ValueError(f"image size must be a multiple of {cell}, got {self.image_height}x{self.image_width}")

    @property
    def history_latent_frames(self) -> int:
        return (self.history_frames - 1) // self.vae.temporal_factor + 1

    @property
    def future_latent_frames(self) -> int:
        return self.future_frames // self.vae.temporal_factor

    @property
    def latent_size(self) -> tuple[int, int]:
        return self.image_height // self.vae.spatial_factor, self.image_width // self.vae.spatial_factor


def load(preset: str | Path = "tiny", overrides: dict | None = None) -> DriveVAConfig:
    """Config from a preset name (``tiny`` / ``full``) or a YAML path."""
    return common_config.load_config(DriveVAConfig, preset, PRESET_DIR, overrides)
