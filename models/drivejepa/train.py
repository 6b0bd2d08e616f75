"""Train Drive-JEPA on the expert dataset, with multimodal trajectory distillation:

    python -m models.drivejepa.train --preset cpu --data DATASET --out runs/drivejepa [--resume]

Pseudo-teachers and scorer targets come from a scored vocabulary of the dataset
(``vocabularies/<name>.npy`` built by ``python -m models.common.vocabulary``, scored per sample by
the vocabulary scoring step); ``--vocabulary NAME`` picks it (default: the dataset's only one),
``--no-distillation`` trains on the expert trajectory alone. Validation: open-loop ADE / FDE of the
best-scored proposal on the ``val`` routes against constant velocity.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import torch
from torch import nn

from models.common.batches import recipe_stream
from models.common.driving_data import DrivingData
from models.common.driving_data.layout import VOCABULARIES_DIR
from models.common.driving_data.union import DrivingDataUnion, open_driving_data
from models.common.recipe import load_recipe, training_parser
from models.common.trainloop import run_training
from models.common.validation import open_loop_validator
from models.drivejepa import config as drivejepa_config
from models.drivejepa.config import MODEL_NAME, DriveJEPAConfig
from models.drivejepa.data import DriveJEPASamples, collate
from models.drivejepa.losses import drivejepa_loss, nearest_vocabulary_targets
from models.drivejepa.model import IGNORED_CONFIG_PATHS, build_model

PACKAGE_DIR = Path(__file__).resolve().parent
LOGGER = logging.getLogger(__name__)
SPEED_COLUMN = 3  # velocity x in the ego status (after the 3 pose entries)


def compute_loss(model: nn.Module, batch: dict, config: DriveJEPAConfig, vocabulary: torch.Tensor | None) -> dict:
    """Forward; scorer targets for these proposals from the nearest scored vocabulary entries; all losses."""
    outputs = model(batch["clip"], batch["status"])
    if vocabulary is not None and "vocab_scores" in batch:
        proposals = outputs["proposals"].detach()
        targets = nearest_vocabulary_targets(proposals, vocabulary, batch["vocab_scores"], config.loss.score_gate)
        batch = {**batch, "score_targets": targets}
    return drivejepa_loss(outputs, batch, config.loss)


def predict(model: nn.Module, batch: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The best-scored proposal, the expert plan and the speed of a batch (open-loop validation)."""
    out = model(batch["clip"], batch["status"])
    chosen = out["proposals"][torch.arange(out["scores"].shape[0]), out["scores"].argmax(dim=1)]
    return chosen.numpy(), batch["trajectory"].numpy(), batch["status"][:, SPEED_COLUMN].numpy()


def pick_vocabulary(data: DrivingData | DrivingDataUnion, name: str | None, disabled: bool) -> str | None:
    if disabled:
        return None
    if name:
        return name
    found = sorted(p.stem for p in (data.root / VOCABULARIES_DIR).glob("*.npy"))
    if len(found) != 1:
        raise SystemExit(
            f"{data.root}: found vocabularies {found}; pass --vocabulary NAME (build one with "
            "python -m models.common.vocabulary) or --no-distillation"
        )
    return found[0]


def main(argv: list[str] | None = None) -> list[float]:
    parser = training_parser(__doc__.splitlines()[0])
    parser.add_argument("--vocabulary", default=None, help="scored vocabulary for distillation")
    parser.add_argument("--no-distillation", action="store_true", help="train on the expert trajectory only")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    config = drivejepa_config.load(args.preset)
    recipe = load_recipe(PACKAGE_DIR, args.preset, args)
    torch.manual_seed(recipe.seed)
    model = build_model(config)
    data = open_driving_data(args.data)
    vocabulary = pick_vocabulary(data, args.vocabulary, args.no_distillation)
    train = DriveJEPASamples(data, config, "train", recipe.seed, vocabulary=vocabulary)
    poses = train.vocabulary_poses
    validate = None
    if data.split("val") and recipe.val_samples > 0:
        val = DriveJEPASamples(data, config, "val", recipe.seed)
        validate = open_loop_validator(val, collate, predict, config.planner.interval_s, recipe.val_samples)
    stream = recipe_stream(train, recipe, collate)
    extra = {"preset": str(args.preset), "data": str(data.root), "vocabulary": vocabulary,
             "git_commit": data.manifest.git_commit, "train_samples": len(train)}  # fmt: skip
    return run_training(
        model, config, MODEL_NAME, recipe, model.param_groups(recipe.lr, recipe.weight_decay), stream,
        lambda m, batch: compute_loss(m, batch, config, poses), args.out, resume=args.resume,
        ignore=IGNORED_CONFIG_PATHS, validate=validate, extra=extra, max_minutes=args.max_minutes,
    )  # fmt: skip


if __name__ == "__main__":
    main()
