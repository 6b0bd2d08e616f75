"""Plan every route of a route file on the real town maps and report length and connectivity.

Usage: ``python -m sim.maps.check_routes ROUTE_FILE.xml [--data-dir D]``

Reads the keypoints of leaderboard 1.0 files (``<route id town><waypoint x y z .../>``) and
leaderboard 2.0 / Bench2Drive files (``<route id town><waypoints><position x y z/>``). This is
a check, not the route loader (that lives in ``routes/``). Exit status: 0 when every route whose
town is available plans to a connected route, 1 otherwise, 2 when the file cannot be read.
"""

from __future__ import annotations

import argparse
import logging
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.frames import carla_to_internal_xy
from sim.maps.config import RouteConfig
from sim.maps.route_planner import RoutePlanningError, plan_route
from sim.maps.town import MapLoadError, UnknownTownError, load_town

logger = logging.getLogger(__name__)

MAX_FOLLOW_GAP = 2.0  # [m] a larger hop between route points (outside lane changes) is a break


@dataclass(frozen=True)
class RouteCheck:
    """Outcome of planning one route."""

    route_id: str
    town: str
    keypoints: int
    length: float  # [m], NaN when not planned
    connected: bool
    reason: str  # why not connected (or why skipped); "" when connected


def read_keypoints(path: Path) -> list[tuple[str, str, np.ndarray]]:
    """``(route id, town, CARLA keypoints (M, 3))`` of every route in an LB1 or LB2 XML file.

    Raises:
        ValueError: naming the file, route and attribute of a malformed entry.
    """
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as error:
        raise ValueError(f"cannot read route file '{path}': {error}") from error
    routes = []
    for number, route in enumerate(root.iter("route")):
        route_id, town = route.get("id", f"#{number}"), route.get("town")
        if not town:
            raise ValueError(f"{path}: route {route_id} has no 'town' attribute")
        container = route.find("waypoints")
        nodes = container.findall("position") if container is not None else route.findall("waypoint")
        rows = []
        for k, node in enumerate(nodes):
            try:
                rows.append([float(node.get(axis, "0" if axis == "z" else "")) for axis in "xyz"])
            except ValueError:
                raise ValueError(
                    f"{path}: route {route_id} keypoint {k} has a non-numeric x/y/z: {node.attrib}"
                ) from None
        routes.append((route_id, town, np.asarray(rows, dtype=np.float64).reshape(-1, 3)))
    return routes


def check_route(route_id: str, town: str, keypoints: np.ndarray, data_dir: str | None, source: str) -> RouteCheck:
    """Plan one route from CARLA keypoints ``(M, 3)`` and judge its connectivity."""
    try:
        network = load_town(town, data_dir)
    except UnknownTownError:
        return RouteCheck(route_id, town, len(keypoints), float("nan"), False, f"town {town} not available")
    except MapLoadError as error:
        return RouteCheck(route_id, town, len(keypoints), float("nan"), False, str(error))
    internal = np.column_stack([carla_to_internal_xy(keypoints[:, :2]), keypoints[:, 2]])
    try:
        route = plan_route(network, internal, RouteConfig(), source=f"{source} route {route_id}")
    except RoutePlanningError as error:
        return RouteCheck(route_id, town, len(keypoints), float("nan"), False, str(error))
    if route.max_follow_gap > MAX_FOLLOW_GAP:
        reason = f"gap of {route.max_follow_gap:.1f} m between consecutive route points"
        return RouteCheck(route_id, town, len(keypoints), route.length, False, reason)
    return RouteCheck(route_id, town, len(keypoints), route.length, True, "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sim.maps.check_routes", description=__doc__.split("\n")[0])
    parser.add_argument("route_file", type=Path)
    parser.add_argument("--data-dir", default=None, help="data directory (else $CLOSED_LOOP_DATA, else ./data)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout)
    try:
        routes = read_keypoints(args.route_file)
    except ValueError as error:
        logger.error("%s", error)
        return 2
    checks = [check_route(rid, town, kps, args.data_dir, str(args.route_file)) for rid, town, kps in routes]
    for check in checks:
        status = "connected" if check.connected else f"NOT connected: {check.reason}"
        if check.reason.startswith("town "):
            status = f"skipped: {check.reason}"
        logger.info(
            "route %s %s keypoints=%d length=%.1f m %s",
            check.route_id,
            check.town,
            check.keypoints,
            check.length,
            status,
        )
    planned = [c for c in checks if not c.reason.startswith("town ")]
    lengths = np.array([c.length for c in planned if c.connected])
    skipped = len(checks) - len(planned)
    summary = (
        f"{sum(c.connected for c in planned)}/{len(planned)} routes connected ({skipped} skipped: town not available)"
    )
    if lengths.size:
        summary += f"; length min {lengths.min():.1f} m, mean {lengths.mean():.1f} m, max {lengths.max():.1f} m"
    logger.info("%s", summary)
    return 0 if all(c.connected for c in planned) else 1


if __name__ == "__main__":
    sys.exit(main())
