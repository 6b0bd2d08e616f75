"""Samples wait here until their future is known, then go to the episode writer.

A sample's ``future_poses`` are the ego poses of the next ``horizon`` samples in its own frame,
and its ``instruction_completed`` flag says whether the instruction it carries is replaced at the
next sample (LMDrive's end flag: the span of an issued instruction ends here). So a sample is
written once ``horizon`` later samples exist, or when the episode ends (the last instruction
then counts as completed only when the route was completed). Only ``horizon + 1`` samples, with
their images, are held in memory.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any

import numpy as np

from agents.instructions import Instruction
from models.common.driving_data import EpisodeWriter
from sim.geometry import to_local, wrap_angle


@dataclass
class _Pending:
    fields: dict[str, Any]
    images: dict[str, np.ndarray]
    boxes: np.ndarray
    bev: np.ndarray | None
    instruction: Instruction | None


class SampleBuffer:
    """``push`` samples in order, ``finish`` once at the end; rows go to ``writer.add_sample``."""

    def __init__(self, writer: EpisodeWriter, horizon: int) -> None:
        self.writer, self.horizon = writer, horizon
        self._pending: deque[_Pending] = deque()
        self.written = 0
        self.pushed = 0

    def push(self, fields: dict, images: dict, boxes: np.ndarray, bev: np.ndarray | None, instruction) -> None:
        self._pending.append(_Pending(fields, images, boxes, bev, instruction))
        self.pushed += 1
        if len(self._pending) > self.horizon:
            self._emit(end_completed=False)

    def finish(self, route_completed: bool) -> None:
        while self._pending:
            self._emit(end_completed=route_completed)

    def _emit(self, end_completed: bool) -> None:
        sample = self._pending.popleft()
        later = list(self._pending)[: self.horizon]
        future = np.zeros((self.horizon, 3))
        valid = np.zeros(self.horizon, dtype=bool)
        if later:
            poses = np.stack([p.fields["ego_pose"] for p in later])
            local = to_local(poses, sample.fields["ego_pose"])
            local[:, 2] = wrap_angle(local[:, 2])
            future[: len(later)], valid[: len(later)] = local, True
            future[len(later) :] = local[-1]  # held: a reader masks them with future_valid
        if later:
            completed = sample.instruction is not None and later[0].instruction is not sample.instruction
        else:
            completed = sample.instruction is not None and end_completed
        fields = {**sample.fields, "future_poses": future, "future_valid": valid, "instruction_completed": completed}
        self.writer.add_sample(fields, sample.images, sample.boxes, sample.bev)
        self.written += 1
