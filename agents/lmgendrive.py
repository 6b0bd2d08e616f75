"""LMGenDrive planner: three cameras + the LangAuto instruction -> waypoints and a completion flag.

Online mode (no world generation). As LMDrive's agent: every call encodes the new frame into its
frame tokens and appends them to a buffer; the LLM sees ``buffer[::history_stride]`` plus the
newest frame; the buffer is cleared when the instruction changes, when it grows past
``max_buffer_frames``, and when the model says the instruction is completed (probability above
``completion_threshold``; the instruction text stays until the route gives a new one).
Frame tokens are cached after the Q-Former (they depend on the instruction, which is constant
while the buffer lives), so a step costs one vision + Q-Former pass and one LLM pass.

torch and the model are imported when the planner is built, so the registry stays light.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from agents.base import DebugView, Observation, Plan
from sim.types import TrajectorySampling

LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class LMGenDrivePlannerConfig:
    """Attributes:
    preset: model preset (``tiny`` / ``full``) or a YAML path.
    checkpoint: trained LMGenDrive checkpoint; ``None`` = random weights (driving needs training).
    device: torch device.
    seed: seeds the random initialisation.
    camera_ids: sensor ids of the left, front and right cameras, in the model's view order.
    camera_yaws: [deg] CARLA convention (left-handed: -60 looks left), LMDrive's mounts.
    camera_x, camera_z: [m] mount position (LMDrive: x 1.3, z 2.3).
    camera_fov: [deg].
    camera_width, camera_height: [px] raw resolution; resized so the shorter side is
        ``resize_to``, then centre-cropped to the model's 224 x 224 (choice, LMDrive's front pipeline).
    history_stride: LMDrive's agent subsampling of the frame buffer (``buffer[::4]`` + newest).
    max_buffer_frames: buffer cleared beyond this (LMDrive: 400).
    completion_threshold: completion probability that clears the buffer (LMDrive: 0.75).
    imagine: also generate the future frames of every plan (offline mode's world generation) for the
        debugging tools; costly, and the plan itself does not change.
    imagine_steps: DDIM steps of that generation (``None``: the model config's).
    """

    preset: str = "tiny"
    checkpoint: str | None = None
    device: str = "cpu"
    seed: int = 0
    camera_ids: tuple[str, ...] = ("rgb_left", "rgb_front", "rgb_right")
    camera_yaws: tuple[float, ...] = (-60.0, 0.0, 60.0)
    camera_x: float = 1.3
    camera_z: float = 2.3
    camera_fov: float = 100.0
    camera_width: int = 400
    camera_height: int = 300
    resize_to: int = 256
    history_stride: int = 4
    max_buffer_frames: int = 400
    completion_threshold: float = 0.75
    imagine: bool = False
    imagine_steps: int | None = None


def waypoints_to_poses(waypoints: np.ndarray) -> np.ndarray:
    """``(W, 2)`` local x, y [m] -> ``(W, 3)`` with heading along each segment from the previous point.

    A segment shorter than 1 cm keeps the previous heading (a stopped car does not spin).
    """
    points = np.vstack([np.zeros((1, 2)), np.asarray(waypoints, dtype=np.float64)])
    deltas = np.diff(points, axis=0)
    headings = np.zeros(len(deltas))
    previous = 0.0
    for i, (dx, dy) in enumerate(deltas):
        if np.hypot(dx, dy) > 0.01:
            previous = float(np.arctan2(dy, dx))
        headings[i] = previous
    return np.column_stack([points[1:], headings])


class LMGenDrivePlanner:
    """The :class:`agents.base.Planner` around :class:`models.lmgendrive.model.LMGenDrive` (online mode)."""

    def __init__(self, config: LMGenDrivePlannerConfig = LMGenDrivePlannerConfig()) -> None:
        import torch

        from models.lmgendrive.config import load_lmgendrive_config
        from models.lmgendrive.model import LMGenDrive
        from models.lmgendrive.text import build_tokenizer

        if len(config.camera_ids) != len(config.camera_yaws):
            raise ValueError(f"camera_ids {config.camera_ids} and camera_yaws {config.camera_yaws} differ in length")
        self.config = config
        self._torch = torch
        self.model_config = load_lmgendrive_config(config.preset)
        if len(config.camera_ids) != self.model_config.vision.num_views:
            raise ValueError(f"{len(config.camera_ids)} cameras but the model has {self.model_config.vision.num_views}")
        with torch.random.fork_rng(devices=[]):  # seeded init without touching the caller's RNG state
            torch.manual_seed(config.seed)
            if config.checkpoint:
                self.model = LMGenDrive.load(config.checkpoint, self.model_config)
            else:
                LOGGER.warning("LMGenDrive planner without a checkpoint: random weights, it will not drive well")
                self.model = LMGenDrive(self.model_config)
        self.model.to(config.device).eval()
        self.tokenizer = build_tokenizer(self.model_config.llm)
        self.sampling = TrajectorySampling(
            self.model_config.action.num_waypoints, self.model_config.action.waypoint_interval
        )
        self.reset()

    def sensors(self) -> list[dict]:
        c = self.config
        return [
            {
                "type": "sensor.camera.rgb",
                "id": sensor_id,
                "x": c.camera_x,
                "y": 0.0,
                "z": c.camera_z,
                "roll": 0.0,
                "pitch": 0.0,
                "yaw": yaw,
                "width": c.camera_width,
                "height": c.camera_height,
                "fov": c.camera_fov,
            }
            for sensor_id, yaw in zip(c.camera_ids, c.camera_yaws, strict=True)
        ]

    def reset(self) -> None:
        self._buffer: list = []  # frame tokens (Q, D), oldest first
        self._instruction: str | None = None
        self._text = None
        self._imagined = None  # (V, F, 3, h, w) in [-1, 1], the last plan's generated future

    def _set_instruction(self, instruction: str) -> None:
        from models.lmgendrive.text import encode_instructions

        self._instruction = instruction
        ids, mask = encode_instructions(self.tokenizer, [instruction], self.model_config.llm.max_instruction_len)
        self._text = (ids.to(self.config.device), mask.to(self.config.device))
        self._buffer.clear()

    def _images(self, obs: Observation):
        from models.common.images import preprocess_camera

        views = []
        for sensor_id in self.config.camera_ids:
            if sensor_id not in obs.images:
                raise KeyError(f"LMGenDrive planner: camera '{sensor_id}' missing; got {sorted(obs.images)}")
            views.append(
                preprocess_camera(obs.images[sensor_id], self.model_config.vision.image_size, self.config.resize_to)
            )
        return self._torch.stack(views)[None, None].to(self.config.device)  # (1, 1, V, 3, S, S)

    def _history(self):
        """``buffer[::stride]`` plus the newest frame, at most ``llm.max_frames`` (newest kept)."""
        frames = self._buffer[:: self.config.history_stride]
        if (len(self._buffer) - 1) % self.config.history_stride:
            frames = [*frames, self._buffer[-1]]
        frames = frames[-self.model_config.llm.max_frames :]
        return self._torch.stack(frames)[None]  # (1, T, Q, D)

    def plan(self, obs: Observation) -> Plan:
        torch = self._torch
        instruction = obs.instruction or ""
        if instruction != self._instruction or len(self._buffer) >= self.config.max_buffer_frames:
            self._set_instruction(instruction)
        ids, mask = self._text
        speed = torch.tensor([[float(obs.speed)]], device=self.config.device)
        with torch.inference_mode():
            images = self._images(obs)
            tokens = self.model.encode_frames(images, speed, ids, mask)  # (1, 1, Q, D)
            self._buffer.append(tokens[0, 0])
            history = self._history()
            frame_mask = torch.ones(history.shape[:2], dtype=torch.bool, device=history.device)
            out = self.model.plan(history, frame_mask, ids, mask, with_world=self.config.imagine)
            if self.config.imagine:
                self._imagined = self.model.generate(images[:, 0], out, self.config.imagine_steps)[0]
        waypoints = out.waypoints[0].float().cpu().numpy()
        probability = float(torch.sigmoid(out.completion_logit[0]))
        completed = probability > self.config.completion_threshold
        info = {"completion_probability": probability, "history_frames": int(history.shape[1])}
        if completed:
            self._buffer.clear()  # LMDrive: the instruction stays, its visual context starts afresh
        if not np.all(np.isfinite(waypoints)):
            LOGGER.warning("LMGenDrive produced non-finite waypoints; the adapter will brake")
        return Plan(waypoints_to_poses(waypoints), self.sampling, instruction_completed=completed, info=info)

    def debug_view(self) -> DebugView | None:
        """The future frames generated with the last plan (``imagine`` on), one strip per camera."""
        if self._imagined is None:
            return None
        rgb = ((self._imagined.float().clamp(-1.0, 1.0) + 1.0) * 127.5).round().byte().permute(0, 1, 3, 4, 2)
        return DebugView(imagined=dict(zip(self.config.camera_ids, rgb.cpu().numpy(), strict=True)))
