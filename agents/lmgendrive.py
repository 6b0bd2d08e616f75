"""LMGenDrive planner: three cameras + the LangAuto instruction -> waypoints and a completion flag.

Online mode (no world generation). As LMDrive's agent: every call encodes the new frame into its
frame tokens and appends them to a buffer; the LLM sees ``buffer[::history_stride]`` plus the
newest frame; the buffer is cleared when the instruction changes, when it grows past
``max_buffer_frames``, and when the model says the instruction is completed (probability above
``completion_threshold``; the instruction text stays until the route gives a new one).
Frame tokens are cached after the Q-Former (they depend on the instruction, which is constant
while the buffer lives), so a step costs one vision + Q-Former pass and one LLM pass. The history
and notice rules are :mod:`models.lmgendrive.inputs`, shared with the training data. The agent runs
it as LMDrive's agent does: full brake for the first 20 ticks, planning every second tick (10 Hz)
with the control repeated in between (``agents/configs/agent_lmgendrive.yaml``).

torch and the model are imported when the planner is built, so the registry stays light.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from agents.base import DebugView, Observation, Plan
from sim.types import TrajectorySampling

LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class LMGenDrivePlannerConfig:
    """Attributes:
    checkpoint: an LMGenDrive checkpoint of any training stage; ``None``: the shipped one
        (``models/lmgendrive/checkpoints/cpu.pt``), unless only ``preset`` is given.
    preset: model preset or YAML; alone, a random-weight model of it (tests); with a checkpoint, it
        must match the checkpoint's config.
    device: torch device.
    seed: seeds a random initialisation.
    completion_threshold: completion probability that clears the buffer (LMDrive: 0.75).
    imagine: also generate the future frames of every plan (offline mode's world generation) for the
        debugging tools; costly, and the plan itself does not change.
    imagine_steps: DDIM steps of that generation (``None``: the model config's).
    use_notice: splice the current notice into the LLM input (LMDrive's ``agent_use_notice``, off in
        its shipped agent).

    The cameras, the frame history (stride, buffer size) and the preprocessing are the model
    config's (``inputs``), the same the training data was built with.
    """

    checkpoint: str | None = None
    preset: str | None = None
    device: str = "cpu"
    seed: int = 0
    completion_threshold: float = 0.75
    imagine: bool = False
    imagine_steps: int | None = None
    use_notice: bool = False


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

        from models.common.loading import load_planner_model
        from models.lmgendrive import model as lmgendrive_model
        from models.lmgendrive.config import PATH_FIELDS, LMGenDriveConfig, load_lmgendrive_config
        from models.lmgendrive.text import build_tokenizer

        self.config = config
        self._torch = torch
        with torch.random.fork_rng(devices=[]):  # seeded init without touching the caller's RNG state
            torch.manual_seed(config.seed)
            self.model, self.model_config, self.checkpoint_extra = load_planner_model(
                lmgendrive_model.MODEL_NAME, LMGenDriveConfig, lmgendrive_model.LMGenDrive, load_lmgendrive_config,
                Path(lmgendrive_model.__file__).parent, config.checkpoint, config.preset, PATH_FIELDS,
                "python -m models.lmgendrive.train --preset cpu --data DATASET --out runs/lmgendrive",
            )  # fmt: skip
        self.model.to(config.device).eval()
        self.tokenizer = build_tokenizer(self.model_config.llm)
        self.sampling = TrajectorySampling(
            self.model_config.action.num_waypoints, self.model_config.action.waypoint_interval
        )
        self.reset()

    def sensors(self) -> list[dict]:
        return [camera.sensor_spec() for camera in self.model_config.inputs.cameras]

    def reset(self) -> None:
        self._buffer: list = []  # frame tokens (Q, D), oldest first
        self._instruction: str | None = None
        self._text = None
        self._imagined = None  # (V, F, 3, h, w) in [-1, 1], the last plan's generated future
        self._notice: tuple[str, int] | None = None  # (text, buffer position at arrival)

    def _encode(self, text: str):
        from models.lmgendrive.text import encode_instructions

        ids, mask = encode_instructions(self.tokenizer, [text], self.model_config.llm.max_instruction_len)
        return ids.to(self.config.device), mask.to(self.config.device)

    def _clear(self) -> None:
        self._buffer.clear()
        self._notice = None  # LMDrive drops the notice with its visual buffer

    def _images(self, obs: Observation):
        from models.lmgendrive.inputs import preprocess_views

        inputs = self.model_config.inputs
        missing = [c.id for c in inputs.cameras if c.id not in obs.images]
        if missing:
            raise KeyError(f"LMGenDrive planner: cameras {missing} missing; got {sorted(obs.images)}")
        views = [obs.images[c.id] for c in inputs.cameras]
        return preprocess_views(views, self.model_config.vision.image_size, inputs.resize_to)[None, None]

    def _history(self) -> tuple:
        """``(1, T, Q, D)`` frames the LLM sees and their buffer positions."""
        from models.lmgendrive.inputs import history_positions

        inputs = self.model_config.inputs
        positions = history_positions(len(self._buffer), inputs.history_stride, self.model_config.llm.max_frames)
        return self._torch.stack([self._buffer[p] for p in positions])[None], positions

    def _notice_input(self, positions: list[int]):
        from models.lmgendrive.inputs import notice_slot

        if not (self.config.use_notice and self._notice):
            return None
        ids, mask = self._encode(self._notice[0])
        after = self._torch.tensor([notice_slot(positions, self._notice[1])], device=ids.device)
        return ids, mask, after

    def plan(self, obs: Observation) -> Plan:
        from models.lmgendrive.inputs import update_notice

        torch = self._torch
        instruction = obs.instruction or ""
        if instruction != self._instruction or len(self._buffer) >= self.model_config.inputs.max_buffer_frames:
            self._instruction, self._text = instruction, self._encode(instruction)
            self._clear()
        ids, mask = self._text
        speed = torch.tensor([[float(obs.speed)]], device=self.config.device)
        with torch.inference_mode():
            images = self._images(obs)
            tokens = self.model.encode_frames(images, speed, ids, mask)  # (1, 1, Q, D)
            self._buffer.append(tokens[0, 0])
            self._notice = update_notice(self._notice, obs.notice, len(self._buffer) - 1)
            history, positions = self._history()
            frame_mask = torch.ones(history.shape[:2], dtype=torch.bool, device=history.device)
            out = self.model.plan(
                history, frame_mask, ids, mask, with_world=self.config.imagine, notice=self._notice_input(positions)
            )
            if self.config.imagine:
                self._imagined = self.model.generate(images[:, 0], out, self.config.imagine_steps)[0]
        waypoints = out.waypoints[0].float().cpu().numpy()
        probability = float(torch.sigmoid(out.completion_logit[0]))
        completed = probability > self.config.completion_threshold
        info = {"completion_probability": probability, "history_frames": int(history.shape[1])}
        if completed:
            self._clear()  # LMDrive: the instruction stays, its visual context starts afresh
        if not np.all(np.isfinite(waypoints)):
            LOGGER.warning("LMGenDrive produced non-finite waypoints; the adapter will brake")
        return Plan(waypoints_to_poses(waypoints), self.sampling, instruction_completed=completed, info=info)

    def debug_view(self) -> DebugView | None:
        """The future frames generated with the last plan (``imagine`` on), one strip per camera."""
        if self._imagined is None:
            return None
        rgb = ((self._imagined.float().clamp(-1.0, 1.0) + 1.0) * 127.5).round().byte().permute(0, 1, 3, 4, 2)
        camera_ids = [camera.id for camera in self.model_config.inputs.cameras]
        return DebugView(imagined=dict(zip(camera_ids, rgb.cpu().numpy(), strict=True)))
