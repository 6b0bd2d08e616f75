"""Train LMGenDrive: ``python -m models.lmgendrive.train --stage 2 --preset tiny --max-steps N --out DIR [--resume]``.

There is no dataset in this package: batches are synthetic (random camera frames, instructions
drawn from the LangAuto families, random waypoint targets and future frames), so this trains the
wiring of each stage, not a driving policy. Stage 1 pretrains the vision encoder; stage 2 trains
single-step planning and generation with the encoder and LLM frozen; stage 3 trains 2-3 step
sequences with the generator frozen but gradients flowing through it (see ``training.py``).
"""

from __future__ import annotations

import argparse
import logging

import torch
from torch import nn

from models.common.trainloop import loop_config, run_training, training_parser
from models.lmgendrive.config import PATH_FIELDS, LMGenDriveConfig, load_lmgendrive_config
from models.lmgendrive.model import MODEL_NAME, LMGenDrive
from models.lmgendrive.text import build_tokenizer, encode_instructions
from models.lmgendrive.training import DriveBatch, VisionBatch, configure_stage, stage1_loss, stage2_loss, stage3_loss

INSTRUCTIONS = (
    "turn right at the next intersection",
    "go straight at the traffic light",
    "turn left after 20 metres",
    "follow the lane",
)
STAGE_LOSSES = {1: stage1_loss, 2: stage2_loss, 3: stage3_loss}
STAGE3_STEPS = 2  # sequence length of stage-3 batches (the paper trains on 2-3 steps)


def synthetic_vision_batch(config: LMGenDriveConfig, batch_size: int, seed: int) -> VisionBatch:
    """Stage-1 batch: multi-view images with detection, traffic-light and waypoint targets."""
    g = torch.Generator().manual_seed(seed)
    vision = config.vision
    cells = vision.bev_size[0] * vision.bev_size[1]
    detection = torch.randn(batch_size, cells, 1 + vision.det_outputs, generator=g)
    detection[..., 0] = (torch.rand(batch_size, cells, generator=g) < 0.1).float()
    size = vision.image_size
    return VisionBatch(
        images=torch.randn(batch_size, vision.num_views, 3, size, size, generator=g),
        speed=torch.rand(batch_size, generator=g) * 8.0,
        detection=detection,
        light=torch.randint(0, 4, (batch_size,), generator=g),
        waypoints=torch.randn(batch_size, vision.num_waypoint_queries, 2, generator=g).cumsum(1),
    )


def synthetic_drive_batch(config: LMGenDriveConfig, batch_size: int, steps: int, seed: int) -> DriveBatch:
    """Stage-2/3 batch: a frame history, an instruction, per-step waypoints, flags and future frames."""
    g = torch.Generator().manual_seed(seed)
    history, views, size = 2, config.vision.num_views, config.vision.image_size
    texts = [INSTRUCTIONS[int(i)] for i in torch.randint(0, len(INSTRUCTIONS), (batch_size,), generator=g)]
    ids, mask = encode_instructions(build_tokenizer(config.llm), texts, 24)
    world = config.world
    return DriveBatch(
        images=torch.randn(batch_size, history, views, 3, size, size, generator=g),
        speed=torch.rand(batch_size, history, generator=g) * 8.0,
        frame_mask=torch.ones(batch_size, history, dtype=torch.bool),
        text_ids=ids,
        text_mask=mask,
        waypoints=torch.rand(batch_size, steps, config.action.num_waypoints, 2, generator=g).cumsum(2),
        completed=(torch.rand(batch_size, steps, generator=g) < 0.2).float(),
        future=torch.rand(batch_size, steps, views, world.num_future_frames, 3, world.image_size, world.image_size,
                          generator=g) * 2 - 1,
    )  # fmt: skip


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = training_parser(__doc__.splitlines()[0], warmup_steps=10)
    parser.add_argument("--stage", type=int, choices=(1, 2, 3), default=2)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> list[float]:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    config = load_lmgendrive_config(args.preset)
    torch.manual_seed(0)
    model = LMGenDrive(config)
    configure_stage(model, args.stage)
    stage_loss = STAGE_LOSSES[args.stage]

    def make_batch(step: int):
        if args.stage == 1:
            return synthetic_vision_batch(config, args.batch_size, seed=step)
        steps = STAGE3_STEPS if args.stage == 3 else 1
        return synthetic_drive_batch(config, args.batch_size, steps, seed=step)

    def compute_loss(module: nn.Module, batch) -> dict[str, torch.Tensor]:
        terms = stage_loss(module, batch)
        return {"loss": terms["total"], **{k: v for k, v in terms.items() if k != "total"}}

    loop = loop_config(args, weight_decay=0.0)
    params = [p for p in model.parameters() if p.requires_grad]
    return run_training(
        model,
        config,
        f"{MODEL_NAME}-stage{args.stage}",
        loop,
        [{"params": params}],
        make_batch,
        compute_loss,
        args.out,
        resume=args.resume,
        ignore=PATH_FIELDS,
    )


if __name__ == "__main__":
    main()
