"""Train DriveVA: ``python -m models.driveva.train --preset tiny --max-steps N --out DIR [--resume]``.

There is no dataset in this package: batches are synthetic (:mod:`models.driveva.synthetic`), so
this trains the wiring, not a driving policy. A real run replaces ``make_batch`` with a loader of
NAVSIM clips (5 + 8 front frames at 2 Hz, velocity, command, 8 future poses).
"""

from __future__ import annotations

import argparse
import logging

from models.common.trainloop import LoopConfig, run_training
from models.driveva import config as driveva_config
from models.driveva import synthetic
from models.driveva.config import MODEL_NAME
from models.driveva.model import IGNORED_CONFIG_PATHS, build_model


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="tiny", help="preset name (tiny/full) or YAML path")
    parser.add_argument("--max-steps", type=int, default=100)
    parser.add_argument("--out", required=True, help="output folder (checkpoints, TensorBoard)")
    parser.add_argument("--resume", action="store_true", help="continue from OUT/last.pt")
    parser.add_argument("--batch-size", type=int, default=2)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--warmup-steps", type=int, default=100)
    parser.add_argument("--save-every", type=int, default=100)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> list[float]:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    config = driveva_config.load(args.preset)
    model = build_model(config)
    loop = LoopConfig(max_steps=args.max_steps, lr=args.lr, warmup_steps=args.warmup_steps, save_every=args.save_every)
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
