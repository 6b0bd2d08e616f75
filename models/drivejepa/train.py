"""Train Drive-JEPA: ``python -m models.drivejepa.train --preset tiny --max-steps N --out DIR [--resume]``.

There is no dataset in this package: clips and trajectories are synthetic and the per-proposal
score / map / collision targets come from a geometric proxy (:mod:`models.drivejepa.synthetic`),
so this trains the wiring, not a driving policy. Real training feeds NAVSIM samples with
pseudo-teachers and targets from our EPDMS scorer (``sim/scoring``) computed outside the model.
"""

from __future__ import annotations

import argparse
import logging

from torch import nn

from models.common.trainloop import loop_config, run_training, training_parser
from models.drivejepa import config as drivejepa_config
from models.drivejepa import synthetic
from models.drivejepa.config import MODEL_NAME, DriveJEPAConfig
from models.drivejepa.losses import drivejepa_loss
from models.drivejepa.model import IGNORED_CONFIG_PATHS, build_model


def compute_loss(model: nn.Module, batch: dict, config: DriveJEPAConfig) -> dict:
    """Forward, attach targets for these proposals (proxy when the batch has none), all losses."""
    outputs = model(batch["clip"], batch["status"])
    if "score_targets" not in batch:
        batch = synthetic.proxy_targets(batch, outputs["proposals"].detach())
    return drivejepa_loss(outputs, batch, config.loss)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = training_parser(__doc__.splitlines()[0], warmup_steps=10)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> list[float]:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    config = drivejepa_config.load(args.preset)
    model = build_model(config)
    loop = loop_config(args, weight_decay=0.0)
    return run_training(
        model,
        config,
        MODEL_NAME,
        loop,
        model.param_groups(args.lr),
        make_batch=lambda step: synthetic.make_batch(config, args.batch_size, seed=step),
        compute_loss=lambda m, batch: compute_loss(m, batch, config),
        out_dir=args.out,
        resume=args.resume,
        ignore=IGNORED_CONFIG_PATHS,
    )


if __name__ == "__main__":
    main()
