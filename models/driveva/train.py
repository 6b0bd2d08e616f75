"""Train DriveVA on the expert dataset (flow matching on front-camera clips and expert waypoints):

    python -m models.driveva.train --preset cpu --data DATASET --out runs/driveva [--resume]

Validation: open-loop ADE / FDE of the sampled trajectory (the planner's Euler steps, fixed noise
seed) on the ``val`` routes against constant velocity.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import torch
from torch import nn

from models.common.batches import recipe_stream
from models.common.driving_data.union import open_driving_data
from models.common.recipe import load_recipe, training_parser
from models.common.trainloop import run_training
from models.common.validation import open_loop_validator
from models.driveva import config as driveva_config
from models.driveva.config import MODEL_NAME
from models.driveva.data import DriveVAClips, collate
from models.driveva.model import IGNORED_CONFIG_PATHS, build_model

PACKAGE_DIR = Path(__file__).resolve().parent


def predict(model: nn.Module, batch: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sampled trajectory (as the planner samples it), expert plan and speed of a batch."""
    history = batch["frames"][:, : model.config.history_frames]
    generator = torch.Generator().manual_seed(0)
    sample = model.sample(history, batch["velocity"], batch["command"], batch["instructions"], generator=generator)
    return sample.trajectory.numpy(), batch["trajectory"].numpy(), batch["velocity"][:, 0].numpy()


def main(argv: list[str] | None = None) -> list[float]:
    args = training_parser(__doc__.splitlines()[0]).parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    config = driveva_config.load(args.preset)
    recipe = load_recipe(PACKAGE_DIR, args.preset, args)
    torch.manual_seed(recipe.seed)
    model = build_model(config)
    data = open_driving_data(args.data)
    train = DriveVAClips(data, config, "train", recipe.seed)
    validate = None
    if data.split("val") and recipe.val_samples > 0:
        val = DriveVAClips(data, config, "val", recipe.seed)
        validate = open_loop_validator(val, collate, predict, config.trajectory.interval_s, recipe.val_samples)
    stream = recipe_stream(train, recipe, collate)
    groups = [{"params": [p for p in model.parameters() if p.requires_grad]}]
    extra = {"preset": str(args.preset), "data": str(data.root), "git_commit": data.manifest.git_commit,
             "train_samples": len(train)}  # fmt: skip
    generator = torch.Generator().manual_seed(recipe.seed)
    return run_training(
        model, config, MODEL_NAME, recipe, groups, stream, lambda m, batch: m.loss(batch, generator), args.out,
        resume=args.resume, ignore=IGNORED_CONFIG_PATHS, validate=validate, extra=extra,
        max_minutes=args.max_minutes,
    )  # fmt: skip


if __name__ == "__main__":
    main()
