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

from models.common.trainloop import LoopConfig, run_training
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
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="tiny", help="preset name (tiny/full) or YAML path")
    parser.add_argument("--max-steps", type=int, default=100)
    parser.add_argument("--out", required=True, help="output folder (checkpoints, TensorBoard)")
    parser.add_argument("--resume", action="store_true", help="continue from OUT/last.pt")
    parser.add_argument("--batch-size", type=int, default=2)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--warmup-steps", type=int, default=10)
    parser.add_argument("--save-every", type=int, default=100)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> list[float]:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    config = drivejepa_config.load(args.preset)
    model = build_model(config)
    loop = LoopConfig(
        max_steps=args.max_steps,
        lr=args.lr,
        weight_decay=0.0,
        warmup_steps=args.warmup_steps,
        save_every=args.save_every,
    )
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
