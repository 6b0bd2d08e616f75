"""Train DriveVA: ``python -m models.driveva.train --preset tiny --max-steps N --out DIR [--resume]``.

There is no dataset in this package: batches are synthetic (:mod:`models.driveva.synthetic`), so
this trains the wiring, not a driving policy. A real run replaces ``make_batch`` with a loader of
NAVSIM clips (5 + 8 front frames at 2 Hz, velocity, command, 8 future poses).
"""

from __future__ import annotations

import argparse
import logging

from models.common.trainloop import LoopConfig, loop_config, run_training, training_parser
from models.driveva import config as driveva_config
from models.driveva import synthetic
from models.driveva.config import MODEL_NAME
from models.driveva.model import IGNORED_CONFIG_PATHS, build_model


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = training_parser(__doc__.splitlines()[0], warmup_steps=100)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> list[float]:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    config = driveva_config.load(args.preset)
    model = build_model(config)
    loop = loop_config(args, weight_decay=LoopConfig.weight_decay)
    groups = [{"params": [p for p in model.parameters() if p.requires_grad]}]
    return run_training(
        model,
        config,
        MODEL_NAME,
        loop,
        groups,
        make_batch=lambda step: synthetic.make_batch(config, args.batch_size, seed=step),
        compute_loss=lambda m, batch: m.loss(batch),
        out_dir=args.out,
        resume=args.resume,
        ignore=IGNORED_CONFIG_PATHS,
    )


if __name__ == "__main__":
    main()
