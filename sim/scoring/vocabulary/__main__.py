"""``python -m sim.scoring.vocabulary score ...``: score a vocabulary against every token of a source.

    python -m sim.scoring.vocabulary score --vocab vocab_8192.npy --cache /data/navtrain_cache \\
        --out /data/vocab_scores [--workers 2 | --ray [--ray-address auto]] [--shard-size 32]

Rerunning the same command resumes: finished shards are kept, the rest are scored. The last line
printed is the run summary as JSON. Exit status: 0 when every shard is finished, 1 when some
were given up on (run again), 2 for bad arguments or inputs.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core per worker: parallelism is across shards
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402

from sim.scoring.config import ScorerConfig  # noqa: E402
from sim.scoring.results import ScorerVersion  # noqa: E402
from sim.scoring.vocabulary.layout import LayoutError  # noqa: E402
from sim.scoring.vocabulary.run import RunOptions, score_vocabulary  # noqa: E402
from sim.scoring.vocabulary.sources import MetricCacheSource, SceneJsonSource, SourceError, source_from_spec  # noqa: E402
from sim.scoring.vocabulary.vocab_file import VocabularyError, load_vocabulary  # noqa: E402


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m sim.scoring.vocabulary", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    score = commands.add_parser("score", help="score a vocabulary against every token of a source")
    score.add_argument("--vocab", required=True, help="(V, P, 3) .npy/.npz poses, ego rear-axle frame")
    score.add_argument("--interval", type=float, default=None, help="[s] pose spacing (inferred for P = 40 or 8)")
    sources = score.add_mutually_exclusive_group(required=True)
    sources.add_argument("--cache", help="NAVSIM metric-cache folder")
    sources.add_argument("--scenes", help="folder of scene JSON files")
    sources.add_argument("--source", help="pluggable source 'module:factory' (given --source-arg values)")
    score.add_argument("--source-arg", action="append", default=[], help="argument of the --source factory")
    score.add_argument("--out", required=True, help="output folder (resumed when it holds this run)")
    score.add_argument("--version", choices=[v.value for v in ScorerVersion], default="v2", help="EPDMS or PDMS")
    score.add_argument("--workers", type=int, default=1, help="local worker processes (Ray: CPUs of a local Ray)")
    score.add_argument("--ray", action="store_true", help="run shards as Ray tasks")
    score.add_argument("--ray-address", default=None, help="Ray cluster address (implies --ray)")
    score.add_argument("--shard-size", type=int, default=32, help="tokens per shard (unit of retry and output)")
    score.add_argument("--max-attempts", type=int, default=3, help="tries per shard within one run")
    score.add_argument("--shard-timeout", type=float, default=None, help="[s] Ray: resubmit shards running longer")
    score.add_argument("--dtype", choices=("float16", "float32"), default="float16", help="stored score dtype")
    score.add_argument("--waypoint-flags", action="store_true", help="also store per-step ego-area flags (packed)")
    score.add_argument("--verify-checksums", action="store_true", help="sha256-check finished shards before skipping")
    return parser


def _source(args):
    if args.cache:
        return MetricCacheSource(args.cache)
    if args.scenes:
        return SceneJsonSource(args.scenes)
    return source_from_spec(args.source, args.source_arg)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    options = RunOptions(
        workers=args.workers,
        use_ray=args.ray or args.ray_address is not None,
        ray_address=args.ray_address,
        shard_size=args.shard_size,
        max_attempts=args.max_attempts,
        shard_timeout=args.shard_timeout,
        verify_checksums=args.verify_checksums,
        score_dtype=args.dtype,
        waypoint_flags=args.waypoint_flags,
    )
    try:
        vocabulary, sampling, digest = load_vocabulary(args.vocab, args.interval)
        config = ScorerConfig(version=ScorerVersion(args.version))
        summary = score_vocabulary(vocabulary, sampling, digest, _source(args), args.out, config, options)
    except (VocabularyError, SourceError, LayoutError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(json.dumps(summary))
    return 1 if summary["shards_failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
