"""Command line of ``run_closed_loop.sh``: wiring only (CLI, registry lookup, runner choice)."""

from __future__ import annotations

import argparse
import sys

from sim.data_dir import DATA_DIR_ENV


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="run_closed_loop.sh",
        description="Drive an agent over every route of a benchmark in closed loop and write "
        "leaderboard-format results (driving score, route completion, infractions).",
    )
    parser.add_argument("--agent", required=True, help="registered agent name or path to an agent .py")
    parser.add_argument("--bench", required=True, help="benchmark name or a route file path")
    parser.add_argument("--data-dir", default=None, help=f"data directory (default: ${DATA_DIR_ENV}, then ./data)")
    return parser


def main(argv: list[str] | None = None) -> int:
    build_parser().parse_args(argv)
    print(
        "run_closed_loop: the closed-loop runner has not landed yet; see the README section "
        "'Status' for what works today.",
        file=sys.stderr,
    )
    return 2


if __name__ == "__main__":
    sys.exit(main())
