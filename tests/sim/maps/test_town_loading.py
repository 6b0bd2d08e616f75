"""Loading towns: errors that name what is wrong, the on-disk cache, GPS references, every town."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from sim.frames import GeoReference
from sim.maps import MapLoadError, UnknownTownError, available_towns, build_road_network, load_town
from sim.maps.cache import cache_path, load_network, save_network
from sim.maps.config import MapConfig
from tests.data_guard import missing_data

ALL_TOWNS = ["Town01", "Town02", "Town03", "Town04", "Town05", "Town06", "Town07", "Town10HD", "Town11", "Town15"]


def test_unknown_town_names_the_town_and_the_towns_available(data_dir):
    with pytest.raises(UnknownTownError, match=r"unknown town 'Town99'.*Town01"):
        load_town("Town99", data_dir)
    with pytest.raises(UnknownTownError, match="invalid town name"):
        load_town("../Town01", data_dir)


def test_unreadable_opendrive_names_the_file(tmp_path):
    folder = tmp_path / "maps" / "carla"
    folder.mkdir(parents=True)
    (folder / "Garbage.xodr").write_text("this is not OpenDRIVE", encoding="utf-8")
    (folder / "Empty.xodr").write_text("<OpenDRIVE></OpenDRIVE>", encoding="utf-8")
    (folder / "Binary.xodr").write_bytes(b"\xff\xfe\x00bad")
    assert available_towns(tmp_path) == ["Binary", "Empty", "Garbage"]
    with pytest.raises(MapLoadError, match=r"Garbage\.xodr"):
        load_town("Garbage", tmp_path, use_disk_cache=False)
    with pytest.raises(MapLoadError, match=r"Empty\.xodr.*no driving lanes"):
        load_town("Empty", tmp_path, use_disk_cache=False)
    with pytest.raises(MapLoadError, match=r"Binary\.xodr"):
        load_town("Binary", tmp_path, use_disk_cache=False)


def test_disk_cache_round_trips_every_array(town, tmp_path):
    network = town("Town02")
    path = cache_path(network.name, network.source_sha256, MapConfig(), root=tmp_path)
    save_network(network, path)
    restored = load_network(path)
    assert restored is not None and restored.name == "Town02" and restored.geo == network.geo
    for field in dataclasses.fields(network):
        mine, theirs = getattr(network, field.name), getattr(restored, field.name)
        if dataclasses.is_dataclass(mine):
            for sub in dataclasses.fields(mine):
                np.testing.assert_array_equal(getattr(mine, sub.name), getattr(theirs, sub.name))
        elif isinstance(mine, np.ndarray):
            np.testing.assert_array_equal(mine, theirs)
    path.write_bytes(b"corrupt")
    assert load_network(path) is None  # a broken cache is rebuilt, never trusted


@pytest.mark.parametrize(
    ("name", "lat_ref", "lon_ref"), [("Town11", 41.500588, 2.111878), ("Town15", 41.5015946, 2.1037684)]
)
def test_gps_round_trip_through_the_town_geo_reference(data_dir, name, lat_ref, lon_ref):
    text = (data_dir / "maps" / "carla" / f"{name}.xodr").read_text(encoding="utf-8")
    geo = GeoReference.from_opendrive(text)
    assert geo.lat_ref == pytest.approx(lat_ref) and geo.lon_ref == pytest.approx(lon_ref)
    xy = np.array([[0.0, 0.0], [1000.0, -2500.0], [-812.5, 895.1], [11137.7, 16378.3]])
    gps = geo.internal_to_gps(xy)
    np.testing.assert_allclose(geo.gps_to_internal(gps), xy, atol=1e-6)
    # 1 m east is about 1 / (111319.5 cos(lat_ref)) degrees of longitude at these towns.
    east = geo.internal_to_gps(np.array([1.0, 0.0]))[1] - geo.internal_to_gps(np.array([0.0, 0.0]))[1]
    assert east == pytest.approx(1.0 / (111319.49 * np.cos(np.radians(lat_ref))), rel=1e-3)


def test_town15_network_carries_its_geo_reference_and_stop_signs(town):
    network = town("Town15")
    assert network.geo.lat_ref == pytest.approx(41.5015946)
    assert network.stop_signs.count == 7 and np.unique(network.stop_signs.ids).size == 7
    gps = network.geo.internal_to_gps(network.points[:, :2], network.z)
    np.testing.assert_allclose(network.geo.gps_to_internal(gps), network.points[:, :2], atol=1e-6)


def test_build_from_text_matches_load(town, data_dir):
    text = (data_dir / "maps" / "carla" / "Town02.xodr").read_text(encoding="utf-8")
    built = build_road_network("Town02", text)
    np.testing.assert_array_equal(built.points, town("Town02").points)


@pytest.mark.slow
@pytest.mark.parametrize("name", ALL_TOWNS)
def test_every_town_loads(data_dir, name):
    if name not in available_towns(data_dir):
        missing_data(f"{name}.xodr not in the data directory")
    network = load_town(name, data_dir)
    assert network.num_lanes > 50 and network.map_polygons.num_polygons > network.num_lanes
    assert (
        network.traffic_lights.count > 0 and np.unique(network.traffic_lights.ids).size == network.traffic_lights.count
    )
    assert np.all(np.isfinite(network.points))
