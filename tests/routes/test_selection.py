"""Route selection by id and by position, what a run says it selected, and the clear errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from routes.benchmarks import load_benchmark
from routes.route_types import LeaderboardVersion, RouteDescription, RouteError
from routes.selection import describe_selection, select_by_ids, select_by_index, split_by_town
from run_closed_loop import build_parser, choose_routes

SPARSE_IDS = ("0", "10", "12", "20", "21", "35")  # like LangAuto-Tiny: ids are not positions


def routes_with_ids(ids=SPARSE_IDS, towns=None) -> list[RouteDescription]:
    towns = towns or ["Town01"] * len(ids)
    return [
        RouteDescription(route_id, town, np.zeros((2, 3)), ((0.0, {}),), (), LeaderboardVersion.LB1, f"f.xml:{i}")
        for i, (route_id, town) in enumerate(zip(ids, towns, strict=True))
    ]


def ids_of(routes: list[RouteDescription]) -> list[str]:
    return [route.route_id for route in routes]


def test_ids_and_ranges_take_the_ids_that_exist_in_file_order() -> None:
    routes = routes_with_ids()
    assert ids_of(select_by_ids(routes, "0-12")) == ["0", "10", "12"]
    assert ids_of(select_by_ids(routes, "35, 0,10-12,10")) == ["0", "10", "12", "35"]


def test_positions_count_from_zero_in_file_order() -> None:
    routes = routes_with_ids()
    assert ids_of(select_by_index(routes, "0-2")) == ["0", "10", "12"]
    assert ids_of(select_by_index(routes, "5,1")) == ["10", "35"]


@pytest.mark.parametrize(
    "select,text,message",
    [
        (select_by_ids, "7", "no route with id 7; its 6 route ids are 0, 10, 12, 20, 21, 35"),
        (select_by_ids, "1-9", "no route of f.xml has an id in these ranges; its 6 route ids are"),
        (select_by_ids, "9-3", "range '9-3' runs backwards"),
        (select_by_ids, "a-b", "'a-b' is not a range"),
        (select_by_ids, " , ", "empty selection"),
        (select_by_index, "4-8", "f.xml has 6 routes (positions 0-5); no position 6, 7, 8"),
        (select_by_index, "x", "positions are numbers"),
    ],
)
def test_selections_matching_nothing_name_what_exists(select, text: str, message: str) -> None:
    with pytest.raises(RouteError, match=message.replace("(", r"\(").replace(")", r"\)")):
        select(routes_with_ids(), text, "f.xml")


@given(st.lists(st.integers(0, 40), min_size=1, max_size=8))
def test_every_position_selection_is_a_file_ordered_subset(positions: list[int]) -> None:
    routes = routes_with_ids(tuple(str(3 * i) for i in range(41)))
    chosen = select_by_index(routes, ",".join(map(str, positions)))
    assert ids_of(chosen) == [str(3 * i) for i in sorted(set(positions))]


def test_the_selection_line_and_the_town_split() -> None:
    routes = routes_with_ids(towns=["Town01", "Town12", "Town01", "Town13", "Town01", "Town01"])
    kept, skipped = split_by_town(routes, {"Town01"})
    assert ids_of(kept) == ["0", "12", "21", "35"] and ids_of(skipped) == ["10", "20"]
    line = describe_selection(kept, 6, "bench")
    assert line == "bench: 4 of 6 routes selected, ids 0, 12, 21, 35"


def test_langauto_tiny_first_six_routes_by_position(data_dir: Path) -> None:
    """The reported bug: '--routes 0-5' took the one id in 0..5; positions 0-5 are six routes."""
    by_index = load_benchmark("langauto-tiny", data_dir, route_index="0-5")
    by_ids = load_benchmark("langauto-tiny", data_dir, "0-5")
    assert len(by_index.routes) == 6 and by_index.file_routes == 16
    assert [route.route_id for route in by_ids.routes] == ["0"]


def test_the_command_line_says_what_it_selected_and_warns_on_routes(data_dir: Path, capsys) -> None:
    common = ["--agent", "expert", "--bench", "langauto-tiny", "--data-dir", str(data_dir)]
    benchmark = choose_routes(build_parser().parse_args([*common, "--route-index", "0-5"]))
    assert len(benchmark.routes) == 6
    assert "langauto-tiny: 6 of 16 routes selected, ids 0, " in capsys.readouterr().err
    choose_routes(build_parser().parse_args([*common, "--routes", "0,10"]))
    err = capsys.readouterr().err
    assert "--routes is deprecated" in err and "2 of 16 routes selected, ids 0, 10" in err
    with pytest.raises(SystemExit):
        build_parser().parse_args([*common, "--route-ids", "0", "--route-index", "0"])


def test_routes_of_towns_without_maps_are_skipped_and_named(data_dir: Path, capsys) -> None:
    args = ["--agent", "expert", "--bench", "bench2drive", "--route-ids", "2091,25378", "--data-dir", str(data_dir)]
    benchmark = choose_routes(build_parser().parse_args(args))
    assert [route.route_id for route in benchmark.routes] == ["25378"]
    assert "skipping 1 route(s) of towns without a map in the data directory (Town12): 2091" in capsys.readouterr().err
    with pytest.raises(RouteError, match="no selected route can run in the embedded world: no map of Town12"):
        choose_routes(build_parser().parse_args([*args[:-4], "--route-ids", "2091", *args[-2:]]))
