"""Benchmark names -> route files in the data directory, and route subsets (:mod:`routes.selection`).

``bench2drive-mini`` is the 10-route quick-ablation subset of the 220 that DriveTransformer
published (``drivetransformer_bench2drive_dev10.xml``); Bench2Drive's own "mini" is a set of
training clips, not routes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from routes.lb1_scenarios import read_lb1_scenarios
from routes.route_types import LeaderboardVersion, RouteDescription, RouteError, ScenarioSpec
from routes.route_xml import read_route_file
from routes.selection import select_by_ids, select_by_index
from sim.paths import data_path

LB1_SCENARIOS = "routes/leaderboard1/all_towns_traffic_scenarios_public.json"


@dataclass(frozen=True)
class BenchmarkSpec:
    """Where a benchmark's routes live (relative to the data directory) and which rules apply."""

    routes: str
    version: LeaderboardVersion
    scenarios: str | None = None  # LB1 scenario JSON


BENCHMARKS: dict[str, BenchmarkSpec] = {
    "langauto": BenchmarkSpec("routes/langauto/benchmark_long.xml", LeaderboardVersion.LB1, LB1_SCENARIOS),
    "langauto-short": BenchmarkSpec("routes/langauto/benchmark_short.xml", LeaderboardVersion.LB1, LB1_SCENARIOS),
    "langauto-tiny": BenchmarkSpec("routes/langauto/benchmark_tiny.xml", LeaderboardVersion.LB1, LB1_SCENARIOS),
    "bench2drive": BenchmarkSpec("routes/bench2drive/bench2drive220.xml", LeaderboardVersion.LB2),
    "bench2drive-mini": BenchmarkSpec(
        "routes/bench2drive/drivetransformer_bench2drive_dev10.xml", LeaderboardVersion.LB2
    ),
    "leaderboard1-devtest": BenchmarkSpec(
        "routes/leaderboard1/routes_devtest.xml", LeaderboardVersion.LB1, LB1_SCENARIOS
    ),
}


@dataclass(frozen=True)
class Benchmark:
    """A loaded route set.

    Attributes:
        name: benchmark name or the route file's stem.
        routes: routes in file order (after the subset, if any).
        route_file: the file they were read from.
        lb1_scenarios: town -> scenario triggers for LB1 route sets (empty for LB2).
        file_routes: how many routes the file holds.
    """

    name: str
    routes: tuple[RouteDescription, ...]
    route_file: Path
    lb1_scenarios: dict[str, list[ScenarioSpec]]
    file_routes: int = 0


def load_benchmark(
    name_or_path: str,
    data_dir: str | os.PathLike[str] | None = None,
    route_ids: str | None = None,
    route_index: str | None = None,
) -> Benchmark:
    """A benchmark by name (see :data:`BENCHMARKS`) or a route file path, optionally a subset of
    its routes by id (``route_ids``, "3,5-8") or by position (``route_index``, "0-5")."""
    spec = BENCHMARKS.get(name_or_path)
    if spec is None:
        path = Path(name_or_path)
        if not (path.suffix == ".xml" and path.is_file()):
            known = ", ".join(sorted(BENCHMARKS))
            raise RouteError(f"unknown benchmark {name_or_path!r}: known benchmarks are {known}, or a route .xml file")
        route_file, name = path, path.stem
    else:
        route_file, name = data_path(spec.routes, data_dir), name_or_path
    routes = read_route_file(route_file)
    if not routes:
        raise RouteError(f"{route_file}: holds no <route>: nothing to drive")
    scenarios: dict[str, list[ScenarioSpec]] = {}
    if routes and routes[0].version is LeaderboardVersion.LB1:
        scenarios = read_lb1_scenarios(data_path(LB1_SCENARIOS, data_dir))
    available = len(routes)
    if route_ids and route_index:
        raise RouteError("choose routes by id or by position, not both")
    if route_ids:
        routes = select_by_ids(routes, route_ids, route_file)
    elif route_index:
        routes = select_by_index(routes, route_index, route_file)
    return Benchmark(name, tuple(routes), route_file, scenarios, file_routes=available)
