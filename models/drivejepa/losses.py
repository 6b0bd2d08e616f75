"""Drive-JEPA training losses.

Batch targets (all tensors; produced by data preparation, never inside the model):

- ``trajectory (B, M, 3)``: the human trajectory.
- ``teachers (B, K, M, 3)`` and ``teacher_mask (B, K)`` bool: pseudo-teacher trajectories (good
  vocabulary trajectories by our EPDMS scorer) for multimodal trajectory distillation; optional.
- ``score_targets (B, N, S)`` in [0, 1] (columns ``SCORE_NAMES``; NaN = unknown, masked): the EPDMS
  scorer's sub-scores and final score **of the proposals of this forward pass**.
- ``map_targets (B, N, M)``: ego box inside the drivable area at each waypoint (1) or not (0).
- ``collision_targets (B, N, M)``: ego box collides at each waypoint (1) or not (0).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from models.drivejepa.config import LossConfig

VOCABULARY_CHUNK = 512  # vocabulary entries compared at once with the proposals


def min_over_proposals_l1(proposals: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """``(B, N, M, 3)`` vs ``(B, M, 3)`` -> ``(B,)`` smallest mean L1 over proposals (winner takes all)."""
    return (proposals - target.unsqueeze(1)).abs().mean(dim=(-1, -2)).min(dim=1).values


def distillation_l1(proposals: torch.Tensor, teachers: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean over valid teachers ``(B, K, M, 3)`` of the min-over-proposals L1 -> scalar (0 if none is valid)."""
    dist = (proposals.unsqueeze(2) - teachers.unsqueeze(1)).abs().mean(dim=(-1, -2))  # (B, N, K)
    best = dist.min(dim=1).values  # (B, K)
    weight = mask.to(best)
    return (best * weight).sum() / weight.sum().clamp(min=1.0)


def nearest_vocabulary_targets(
    proposals: torch.Tensor, vocabulary: torch.Tensor, vocab_scores: torch.Tensor, gate: float
) -> torch.Tensor:
    """Scorer targets of the forward pass's proposals from precomputed vocabulary scores.

    Each proposal within ``gate`` of a vocabulary entry (mean xy distance over the poses) takes that
    nearest entry's sub-scores. A proposal farther than ``gate`` from every entry resembles no scored
    manoeuvre: at a scored sample its final-score target is 0 (its sub-scores stay NaN, masked), so the
    argmax of the final score never prefers a proposal the scorer has no score for over a scored one.
    Without that target only the few proposals near an entry were trained and the untrained rest
    (most of them, early in training) won the argmax with arbitrary, mostly slow, trajectories.
    At samples without scores (NaN) every target is NaN.

    Args:
        proposals: ``(B, N, M, 3)`` (detached).
        vocabulary: ``(V, M, 3)`` on the same time grid.
        vocab_scores: ``(B, V, S)`` sub-scores of every entry at each sample, the final score last
            (NaN: not scored).
        gate: [m].

    Returns:
        ``(B, N, S)`` targets.
    """
    chunks = []
    for part in vocabulary.split(VOCABULARY_CHUNK):  # bounded memory for large vocabularies
        diff = proposals[:, :, None, :, :2] - part[None, None, :, :, :2]  # (B, N, v, M, 2)
        chunks.append(diff.norm(dim=-1).mean(dim=-1))
    distance = torch.cat(chunks, dim=-1)  # (B, N, V)
    nearest, index = distance.min(dim=-1)  # (B, N)
    targets = torch.gather(vocab_scores, 1, index[..., None].expand(-1, -1, vocab_scores.shape[-1]))
    near = (nearest <= gate)[..., None]
    targets = torch.where(near, targets, torch.full_like(targets, float("nan")))
    scored = torch.isfinite(vocab_scores[..., -1]).any(dim=1)[:, None]  # (B, 1)
    targets[..., -1] = torch.where(~near[..., 0] & scored, torch.zeros_like(nearest), targets[..., -1])
    return targets


def trajectory_loss(per_iteration: torch.Tensor, batch: dict, config: LossConfig) -> torch.Tensor:
    """Discounted sum over refinement iterations ``(L, B, N, M, 3)``: ``total = discount * total + current``."""
    total = per_iteration.new_zeros(())
    for proposals in per_iteration:
        current = min_over_proposals_l1(proposals, batch["trajectory"]).mean()
        if "teachers" in batch:
            current = current + config.mtd * distillation_l1(proposals, batch["teachers"], batch["teacher_mask"])
        total = config.iteration_discount * total + current
    return total


def masked_bce(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """BCE-with-logits averaged over finite targets (NaN targets are ignored)."""
    valid = torch.isfinite(targets)
    if not valid.any():
        return logits.sum() * 0.0
    return F.binary_cross_entropy_with_logits(logits[valid], targets[valid])


def drivejepa_loss(outputs: dict, batch: dict, config: LossConfig) -> dict[str, torch.Tensor]:
    """All losses; the optional targets that are missing from ``batch`` contribute nothing.

    Returns:
        ``{"loss", "trajectory", "score", "subscore", "map", "collision"}`` scalars (components detached).
    """
    parts = {"trajectory": trajectory_loss(outputs["proposals_per_iteration"], batch, config)}
    zero = parts["trajectory"].new_zeros(())
    logits = outputs["score_logits"]
    targets = batch.get("score_targets")
    parts["score"] = masked_bce(logits[..., -1], targets[..., -1]) if targets is not None else zero
    parts["subscore"] = masked_bce(logits[..., :-1], targets[..., :-1]) if targets is not None else zero
    parts["map"] = masked_bce(outputs["map_logits"], batch["map_targets"]) if "map_targets" in batch else zero
    collision = batch.get("collision_targets")
    parts["collision"] = masked_bce(outputs["collision_logits"], collision) if collision is not None else zero
    weights = {"trajectory": 1.0, "score": config.score, "subscore": config.subscore}
    weights |= {"map": config.map, "collision": config.collision}
    total = sum(weights[k] * v for k, v in parts.items())
    return {"loss": total, **{k: v.detach() for k, v in parts.items()}}
