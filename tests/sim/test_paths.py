"""Data directory resolution (--data-dir, then CLOSED_LOOP_DATA, then the repository's data/), cache
folders, and file names made from route ids."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.paths import (
    CACHE_DIR_ENV,
    DATA_DIR_ENV,
    DataFileNotFoundError,
    cache_dir,
    data_path,
    output_file,
    resolve_data_dir,
    safe_file_stem,
)

REPO = Path(__file__).resolve().parents[2]


def test_explicit_directory_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(DATA_DIR_ENV, "/somewhere/else")
    assert resolve_data_dir(tmp_path) == tmp_path


def test_environment_variable_is_second(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path))
    assert resolve_data_dir(None) == tmp_path


def test_default_is_the_repositorys_data_folder_from_any_working_directory(monkeypatch, tmp_path) -> None:
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    assert resolve_data_dir() == REPO / "data"
    assert data_path("routes/langauto/benchmark_tiny.xml").is_file(), "a fresh clone finds its own data"


def test_found_file_is_returned_absolute(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "routes").mkdir()
    (tmp_path / "routes" / "a.xml").write_text("<routes/>")
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path))
    assert data_path("routes/a.xml") == (tmp_path / "routes" / "a.xml").resolve()


def test_missing_file_error_names_all_three_places(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path))
    with pytest.raises(DataFileNotFoundError) as error:
        data_path("maps/carla/Town99.xodr", data_dir=tmp_path / "given")
    message = str(error.value)
    assert "Town99.xodr" in message
    assert "--data-dir" in message and DATA_DIR_ENV in message and str(REPO / "data") in message
    assert str(tmp_path) in message


def test_shared_data_is_reachable(data_dir: Path) -> None:
    assert (data_dir / "navsim_parity").is_dir()
    assert (data_dir / "maps" / "carla").is_dir()
    assert (data_dir / "routes").is_dir()


def test_caches_live_under_one_root(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path))
    assert cache_dir("maps") == tmp_path / "maps" and cache_dir("numba") == tmp_path / "numba"
    monkeypatch.setenv(CACHE_DIR_ENV, "")
    assert cache_dir("maps") == Path("~/.cache/closed_loop/maps").expanduser()


@pytest.mark.parametrize("route_id", ["../../..", "/etc/passwd", "a/../../b", "..", ".hidden", "x y", "", "%2e%2e"])
def test_route_ids_become_file_names_inside_their_folder(tmp_path, route_id) -> None:
    path = output_file(tmp_path / "videos", route_id, ".mp4")
    assert path.parent == (tmp_path / "videos").resolve() and not path.name.startswith(".")


def test_safe_names_keep_plain_ids_and_never_collide() -> None:
    assert safe_file_stem("RouteScenario_12_rep1") == "RouteScenario_12_rep1"
    assert safe_file_stem("a/b") != safe_file_stem("a_b") and safe_file_stem("a/b") != safe_file_stem("a?b")


@given(st.text(max_size=40))
def test_any_route_id_gives_a_plain_file_name(route_id) -> None:
    stem = safe_file_stem(route_id)
    assert stem and "/" not in stem and "\\" not in stem and not stem.startswith(".") and stem not in ("..", ".")
