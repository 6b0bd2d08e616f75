"""Data directory resolution (--data-dir, then CLOSED_LOOP_DATA, then ./data) and the cache folders."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.paths import CACHE_DIR_ENV, DATA_DIR_ENV, DataFileNotFoundError, cache_dir, data_path, resolve_data_dir


def test_explicit_directory_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(DATA_DIR_ENV, "/somewhere/else")
    assert resolve_data_dir(tmp_path) == tmp_path


def test_environment_variable_is_second(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path))
    assert resolve_data_dir(None) == tmp_path


def test_default_is_data_in_the_working_directory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    assert resolve_data_dir() == Path("data")


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
    assert "--data-dir" in message and DATA_DIR_ENV in message and "data/" in message
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
