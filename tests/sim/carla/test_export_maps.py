"""Map export against a fake client: every town's to_opendrive() lands in the data directory."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

from sim.carla import export_maps as export


class FakeWorld:
    def __init__(self, town: str, text: str | None = None) -> None:
        self.town, self.text = town, text

    def get_map(self):
        text = self.text if self.text is not None else f'<?xml version="1.0"?><OpenDRIVE name="{self.town}"/>'
        return types.SimpleNamespace(name=f"Carla/Maps/{self.town}", to_opendrive=lambda: text)


class FakeClient:
    def __init__(self, maps: list[str], current: str = "Town10HD_Opt") -> None:
        self.maps, self.world, self.loads = maps, FakeWorld(current), []

    def get_available_maps(self):
        return self.maps

    def get_world(self):
        return self.world

    def load_world(self, town):
        self.loads.append(town)
        self.world = FakeWorld(town)
        return self.world

    def set_timeout(self, seconds):
        self.timeout = seconds


MAPS = ["/Game/Carla/Maps/Town12/Town12", "/Game/Carla/Maps/Town01", "/Game/Carla/Maps/Town01_Opt"]


def test_every_town_is_written_where_the_embedded_world_reads_it(tmp_path: Path) -> None:
    client = FakeClient(MAPS, current="Town01")
    written = export.export_maps(client, None, tmp_path, log=lambda _: None)
    assert [p.name for p in written] == ["Town01.xodr", "Town12.xodr"]
    assert client.loads == ["Town12"], "the town already loaded is not loaded again; _Opt copies are skipped"
    assert 'name="Town12"' in (tmp_path / "maps" / "carla" / "Town12.xodr").read_text()


def test_existing_towns_are_kept_unless_overwritten(tmp_path: Path) -> None:
    target = tmp_path / "maps" / "carla" / "Town01.xodr"
    target.parent.mkdir(parents=True)
    target.write_text("mine")
    export.export_maps(FakeClient(MAPS), ["Town01"], tmp_path, log=lambda _: None)
    assert target.read_text() == "mine"
    export.export_maps(FakeClient(MAPS), ["Town01"], tmp_path, overwrite=True, log=lambda _: None)
    assert "OpenDRIVE" in target.read_text()


def test_a_non_opendrive_answer_is_refused_and_nothing_written(tmp_path: Path) -> None:
    client = FakeClient(MAPS)
    client.load_world = lambda town: FakeWorld(town, text="")
    with pytest.raises(export.MapExportError, match="Town15"):
        export.export_maps(client, ["Town15"], tmp_path, log=lambda _: None)
    assert not list((tmp_path / "maps" / "carla").iterdir())


def test_the_command_uses_the_carla_client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    client = FakeClient(MAPS)
    monkeypatch.setitem(sys.modules, "carla", types.SimpleNamespace(Client=lambda host, port: client))
    code = export.main(["--host", "10.0.0.5", "--port", "2000", "--towns", "Town12", "--data-dir", str(tmp_path)])
    assert code == 0 and client.timeout == 600.0
    assert (tmp_path / "maps" / "carla" / "Town12.xodr").exists()


@pytest.mark.carla
def test_a_real_server_exports_town01(tmp_path: Path) -> None:
    """Needs a CARLA server on 127.0.0.1:2000 (CARLA_ROOT set); skipped by default."""
    carla = pytest.importorskip("carla")
    client = carla.Client("127.0.0.1", 2000)
    client.set_timeout(120.0)
    (written,) = export.export_maps(client, ["Town01"], tmp_path)
    assert "<OpenDRIVE" in written.read_text()
