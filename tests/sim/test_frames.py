"""CARLA <-> internal frame and GPS conversions."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from sim.frames import (
    EARTH_RADIUS,
    GeoReference,
    carla_to_internal_xy,
    carla_yaw_to_internal,
    compass_from_internal_heading,
    internal_heading_from_compass,
    internal_heading_to_carla,
)


def test_y_and_yaw_are_flipped() -> None:
    assert np.allclose(carla_to_internal_xy(np.array([3.0, 4.0])), [3.0, -4.0])
    # CARLA yaw 90 deg points to +y_carla (south); internally that is -y, heading -pi/2.
    assert math.isclose(carla_yaw_to_internal(90.0), -math.pi / 2)
    assert math.isclose(internal_heading_to_carla(-math.pi / 2), 90.0)


@pytest.mark.parametrize("lat_ref,lon_ref", [(0.0, 0.0), (41.500588, 2.111878), (42.0, 2.0)])
def test_gps_round_trip_is_exact(lat_ref: float, lon_ref: float) -> None:
    geo = GeoReference(lat_ref, lon_ref)
    rng = np.random.default_rng(0)
    xyz = rng.uniform(-3000, 3000, size=(100, 3))
    back = geo.gps_to_carla(geo.carla_to_gps(xyz))
    assert np.abs(back - xyz).max() < 1e-6


def test_zero_reference_matches_the_degree_scale() -> None:
    gps = GeoReference(0.0, 0.0).carla_to_gps(np.array([1000.0, 500.0, 2.0]))
    metres_per_degree = EARTH_RADIUS * math.pi / 180.0
    assert math.isclose(gps[1] * metres_per_degree, 1000.0, rel_tol=1e-9)
    # north is CARLA -y, so a positive CARLA y has negative latitude
    assert gps[0] < 0 and math.isclose(-gps[0] * metres_per_degree, 500.0, rel_tol=1e-4)


def test_non_zero_reference_scales_longitude_by_cos_lat() -> None:
    geo = GeoReference(41.5, 2.1)
    a, b = geo.carla_to_gps(np.array([[0.0, 0, 0], [100.0, 0, 0]]))
    metres_per_degree = EARTH_RADIUS * math.pi / 180.0 * math.cos(math.radians(41.5))
    assert math.isclose((b[1] - a[1]) * metres_per_degree, 100.0, rel_tol=1e-9)


def test_internal_gps_round_trip() -> None:
    geo = GeoReference(41.5015946, 2.1037684)
    xy = np.array([[12.5, -40.0], [-300.0, 220.0]])
    assert np.abs(geo.gps_to_internal(geo.internal_to_gps(xy)) - xy).max() < 1e-6


def test_compass_round_trip_and_north() -> None:
    assert math.isclose(compass_from_internal_heading(math.pi / 2), 0.0, abs_tol=1e-12)  # facing north
    headings = np.linspace(-math.pi, math.pi - 1e-9, 17)
    assert np.allclose(internal_heading_from_compass(compass_from_internal_heading(headings)), headings)


def test_georeference_read_from_town_maps(data_dir: Path) -> None:
    town11 = GeoReference.from_opendrive((data_dir / "maps/carla/Town11.xodr").read_text())
    assert math.isclose(town11.lat_ref, 41.500588, abs_tol=1e-6)
    town01 = GeoReference.from_opendrive((data_dir / "maps/carla/Town01.xodr").read_text())
    assert town01.lat_ref == 0.0 and town01.lon_ref == 0.0


def test_missing_georeference_uses_carla_defaults() -> None:
    assert GeoReference.from_opendrive("<OpenDRIVE><header/></OpenDRIVE>") == GeoReference(42.0, 2.0)
