"""The command line of the debugging tools: ``--record``, ``--debug``, ``--viewer``, ``--viewer-ports``."""

from __future__ import annotations

import argparse

from sim.run.live_viewer import GRPC_PORT, WEB_PORT


def add_debug_arguments(parser: argparse.ArgumentParser) -> None:
    add = parser.add_argument
    add("--record", action="store_true", help="write OUT/recordings/<route>.rrd (rerun: cameras, BEV, proposals "
        "and scores, PID, instruction, infractions; open with `rerun FILE`)")  # fmt: skip
    add("--debug", action="store_true", help="live: stream to the rerun viewer (the web viewer on localhost without "
        "a display) and pause / step / resume on the terminal; routes run in this process, one at a time")  # fmt: skip
    add("--viewer", choices=("auto", "native", "web"), default="auto", help="the viewer of --debug")
    add("--viewer-ports", type=viewer_ports, default=(GRPC_PORT, WEB_PORT), help="GRPC,WEB ports of --debug's viewer")


def viewer_ports(text: str) -> tuple[int, int]:
    """``"9876,9090"`` -> (gRPC port, web port)."""
    parts = text.split(",")
    if len(parts) != 2 or not all(p.strip().isdigit() and 0 < int(p) < 65536 for p in parts):
        raise argparse.ArgumentTypeError(f"expected two ports 'GRPC,WEB', got {text!r}")
    return int(parts[0]), int(parts[1])


def debug_options(args: argparse.Namespace) -> dict:
    """The :class:`sim.run.benchmark_runner.RunOptions` fields of these arguments; ValueError for combinations
    that cannot work (they look inside the embedded world's tick loop, in this machine's processes)."""
    if args.debug and getattr(args, "ray_address", None):
        raise ValueError("--debug drives the routes in this process; drop --ray-address")
    if getattr(args, "sim", "embedded") == "carla" and (args.debug or args.record):
        raise ValueError("--debug and --record need --sim embedded (the CARLA evaluator runs its own tick loop)")
    return {"record": args.record, "debug": args.debug, "viewer": args.viewer, "viewer_ports": args.viewer_ports}
