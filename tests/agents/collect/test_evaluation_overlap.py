"""No route a collection drives overlaps an evaluation route of LangAuto, Bench2Drive or the leaderboard.

The planned episodes (every clean piece of the leaderboard training routes and random routes in
every town) are checked against every evaluation route of their town with a brute-force oracle
of the rule (every pair of points), independent of the KD-tree code that cut them.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from agents.collect.evaluation_routes import EvaluationRoutes
from agents.collect.overlap import RouteShape, clean_pieces
from agents.collect.plan import EpisodePlan
from agents.collect.settings import CollectSettings, OverlapRule, RandomRouteConfig
from routes.route_xml import read_route_file
from sim.maps.town import available_towns
from tests.agents.collect.overlap_oracle import EVALUATION_FILES, overlaps

RULE = OverlapRule()


@pytest.fixture(scope="module")
def evaluation(data_dir: Path) -> EvaluationRoutes:
    return EvaluationRoutes.load(EVALUATION_FILES, str(data_dir))


def test_every_evaluation_route_in_a_town_with_a_map_is_checked(evaluation: EvaluationRoutes, data_dir: Path) -> None:
    towns = set(available_towns(str(data_dir)))
    expected = {
        f"{name}:{route.route_id}"
        for name in EVALUATION_FILES
        for route in read_route_file(data_dir / name)
        if route.town in towns
    }
    loaded = {shape.name for town in towns for shape in evaluation.by_town(town)}
    assert loaded == expected and len(expected) > 100


def test_the_planned_episodes_overlap_no_evaluation_route(evaluation: EvaluationRoutes, data_dir: Path) -> None:
    settings = CollectSettings(evaluation_files=EVALUATION_FILES, random_routes=RandomRouteConfig(attempts=10))
    plan = EpisodePlan(settings, evaluation, str(data_dir))
    assert len(plan.file_routes) > 20  # pieces of the leaderboard 1.0 training routes survive the cut
    episodes = list(itertools.islice(plan.episodes(), len(plan.file_routes) + 24))
    sources = {spec.route.source for spec in episodes}
    assert {"lb1_training", "random"} <= sources
    for spec in episodes:
        poses = spec.route.route.points
        bad = [e.name for e in evaluation.by_town(spec.route.town) if overlaps(poses, e.poses)]
        assert not bad, f"{spec.episode_id} overlaps {bad}"


@pytest.mark.parametrize("name", EVALUATION_FILES[:3])
def test_an_evaluation_route_itself_is_never_collected(evaluation: EvaluationRoutes, name: str) -> None:
    towns = ("Town01", "Town05")
    routes = [(town, shape) for town in towns for shape in evaluation.by_town(town) if shape.name.startswith(name)]
    assert routes
    for town, shape in routes:
        assert clean_pieces(shape.poses, evaluation.by_town(town), RULE) == [], shape.name
        shifted = RouteShape("shifted", shape.poses + np.array([1.0, 1.0, 0.05]))  # a near copy is caught too
        assert clean_pieces(shifted.poses, evaluation.by_town(town), RULE) == [], shape.name
