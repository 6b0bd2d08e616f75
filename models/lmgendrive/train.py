"""Train LMGenDrive on the expert dataset, stage by stage:

    python -m models.lmgendrive.train --preset cpu --data DATASET --out runs/lmgendrive [--stage all] [--resume]

Stage 1 pretrains the vision encoder (BEV detection and semantics, traffic light, waypoints);
stage 2 trains single-step planning with the instruction and notices (waypoints + completion
flag) and the world generator, encoder and LLM frozen; stage 3 trains 2-step sequences through
the frozen generator (see ``training.py``). Each stage writes ``OUT/stage<k>/`` and starts from
the previous stage's weights; ``OUT/last.pt`` is the newest finished stage (what a planner loads).
A stage whose recipe has ``max_steps: 0`` is skipped. Validation: open-loop ADE / FDE on the
``val`` routes against constant velocity (stage 1: the vision encoder's waypoints).

With LMDrive's published dataset (``--lmdrive ROOT``), stages 2 and 3 read it instead
(:mod:`models.lmgendrive.lmdrive_data`; weathers 12, 13 and 20 validate, as LMDrive); the preset's
cameras must be LMDrive's 800 x 600 views (the ``full`` preset's are), and stage 1 still needs ``--data``
(or is skipped with ``--stage 2``).
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import numpy as np
import torch
from torch import nn

from models.common import checkpoint as common_checkpoint
from models.common.batches import recipe_stream
from models.common.driving_data import DrivingData
from models.common.driving_data.union import DrivingDataUnion, open_driving_data
from models.common.recipe import load_recipe, training_parser
from models.common.trainloop import CHECKPOINT_FILE, run_training
from models.common.validation import open_loop_validator
from models.lmgendrive.config import PATH_FIELDS, LMGenDriveConfig, load_lmgendrive_config
from models.lmgendrive.data import DriveClips, DriveCollate, VisionSamples, collate_vision
from models.lmgendrive.lmdrive_data import LMDriveClips, load_instruction_dict
from models.lmgendrive.model import MODEL_NAME, LMGenDrive
from models.lmgendrive.text import build_tokenizer
from models.lmgendrive.training import configure_stage, stage1_loss, stage2_loss, stage3_loss

PACKAGE_DIR = Path(__file__).resolve().parent
LOGGER = logging.getLogger(__name__)
STAGE_LOSSES = {1: stage1_loss, 2: stage2_loss, 3: stage3_loss}
STAGE3_STEPS = 2  # sequence length of stage-3 items (the paper trains on 2-3 steps)
LMDRIVE_VAL_WEATHERS = (12, 13, 20)
INSTRUCTION_DICT = PACKAGE_DIR.parents[1] / "data" / "routes" / "langauto" / "instruction_dict.json"


def predict_vision(model: nn.Module, batch) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    out = model.vision(batch.images, batch.speed)
    return out.waypoints.numpy(), batch.waypoints.numpy(), batch.speed.numpy()


def predict_plan(model: nn.Module, batch) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    tokens = model.encode_frames(batch.images, batch.speed, batch.text_ids, batch.text_mask)
    out = model.plan(tokens, batch.frame_mask, batch.text_ids, batch.text_mask, notice=batch.notice)
    speed = batch.speed[torch.arange(batch.speed.shape[0]), batch.frame_mask.long().sum(1) - 1]
    return out.waypoints.numpy(), batch.waypoints[:, 0].numpy(), speed.numpy()


def lmdrive_datasets(args, config: LMGenDriveConfig, seed: int, steps: int):
    """Train / val sets of LMDrive's published dataset (validation weathers held out as LMDrive does)."""
    texts = load_instruction_dict(args.instruction_dict)
    everything = LMDriveClips(args.lmdrive, config, texts, seed=seed, steps=steps)
    weathers = sorted({int(c["weather_id"]) for c in everything.clips} - set(LMDRIVE_VAL_WEATHERS))
    train = LMDriveClips(args.lmdrive, config, texts, weathers=weathers, seed=seed, steps=steps)
    val = LMDriveClips(args.lmdrive, config, texts, weathers=LMDRIVE_VAL_WEATHERS, seed=seed, steps=steps)
    return train, val if len(val) else None


def datasets(stage: int, data: DrivingData | DrivingDataUnion | None, config: LMGenDriveConfig, seed: int, args=None):
    """(train set, val set or None, collate, predict) of a stage."""
    if stage > 1 and args is not None and args.lmdrive:
        steps = STAGE3_STEPS if stage == 3 else 1
        train, val = lmdrive_datasets(args, config, seed, steps)
        return train, val, DriveCollate(build_tokenizer(config.llm), config), predict_plan
    if data is None:
        raise SystemExit(f"stage {stage} needs --data (the expert dataset)")
    if stage == 1:
        make = lambda split: VisionSamples(data, config, split, seed)  # noqa: E731
        collate, predict = collate_vision, predict_vision
    else:
        steps = STAGE3_STEPS if stage == 3 else 1
        make = lambda split: DriveClips(data, config, split, seed, steps=steps)  # noqa: E731
        collate, predict = DriveCollate(build_tokenizer(config.llm), config), predict_plan
    return make("train"), make("val") if data.split("val") else None, collate, predict


def train_stage(stage: int, args, config: LMGenDriveConfig, data: DrivingData | DrivingDataUnion | None) -> list[float]:
    recipe = load_recipe(PACKAGE_DIR, args.preset, args, section=f"stage{stage}")
    out = Path(args.out) / f"stage{stage}"
    if recipe.max_steps == 0:
        LOGGER.info("stage %d: max_steps 0, skipped", stage)
        return []
    torch.manual_seed(recipe.seed)
    model = LMGenDrive(config)
    previous = Path(args.out) / f"stage{stage - 1}" / CHECKPOINT_FILE
    if not (args.resume and (out / CHECKPOINT_FILE).is_file()) and previous.is_file():
        common_checkpoint.load_checkpoint(previous, model, config, MODEL_NAME, ignore=PATH_FIELDS)
        LOGGER.info("stage %d starts from %s", stage, previous)
    configure_stage(model, stage)
    train, val, collate, predict = datasets(stage, data, config, recipe.seed, args)
    interval = config.action.waypoint_interval
    validate = None
    if val is not None and recipe.val_samples > 0:
        validate = open_loop_validator(val, collate, predict, interval, recipe.val_samples)
    stream = recipe_stream(train, recipe, collate)
    loss = STAGE_LOSSES[stage]

    def compute_loss(module: nn.Module, batch) -> dict[str, torch.Tensor]:
        terms = loss(module, batch)
        return {"loss": terms["total"], **{k: v for k, v in terms.items() if k != "total"}}

    extra = {"stage": stage, "preset": str(args.preset), "data": str(args.data), "lmdrive": args.lmdrive,
             "git_commit": data.manifest.git_commit if data else "", "train_samples": len(train)}  # fmt: skip
    params = [p for p in model.parameters() if p.requires_grad]
    losses = run_training(
        model, config, MODEL_NAME, recipe, [{"params": params}], stream, compute_loss, out,
        resume=args.resume, ignore=PATH_FIELDS, validate=validate,
        extra=extra, max_minutes=args.max_minutes,
    )  # fmt: skip
    shutil.copyfile(out / CHECKPOINT_FILE, Path(args.out) / CHECKPOINT_FILE)
    return losses


def main(argv: list[str] | None = None) -> dict[int, list[float]]:
    parser = training_parser(__doc__.splitlines()[0], data_required=False)
    parser.add_argument("--stage", choices=("1", "2", "3", "all"), default="all", help="stage(s) to train")
    parser.add_argument("--lmdrive", default=None, help="LMDrive's published dataset root (stages 2 and 3)")
    parser.add_argument("--instruction-dict", default=str(INSTRUCTION_DICT), help="LangAuto instruction_dict.json")
    args = parser.parse_args(argv)
    if not (args.data or args.lmdrive):
        parser.error("give --data (the expert dataset) and/or --lmdrive (LMDrive's dataset)")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    config = load_lmgendrive_config(args.preset)
    data = open_driving_data(args.data) if args.data else None
    stages = (1, 2, 3) if args.stage == "all" else (int(args.stage),)
    return {stage: train_stage(stage, args, config, data) for stage in stages}


if __name__ == "__main__":
    main()
