"""Invariants of the road networks built from the real CARLA towns (Town01 / Town02 / Town03)."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from sim.geometry import wrap_angle
from sim.maps import RoadNetwork
from sim.types import MapLayer


@pytest.mark.parametrize("name", ["Town01", "Town02"])
def test_successors_continue_where_lanes_end(town, name):
    network: RoadNetwork = town(name)
    sources = np.repeat(np.arange(network.num_lanes), np.diff(network.successor_offsets))
    ends = network.points[network.lane_offsets[1:] - 1]
    starts = network.points[network.lane_offsets[:-1]]
    gap = np.hypot(*(ends[sources, :2] - starts[network.successors, :2]).T)
    turn = np.abs(wrap_angle(ends[sources, 2] - starts[network.successors, 2]))
    assert network.successors.size > network.num_lanes * 0.9
    assert gap.max() < 1.5
    assert turn.max() < np.radians(30.0)


@pytest.mark.parametrize("name", ["Town01", "Town02"])
def test_samples_are_spaced_about_one_metre_with_headings_along_the_lane(town, name):
    network = town(name)
    step = np.diff(network.points[:, :2], axis=0)
    same_lane = network.point_lanes[1:] == network.point_lanes[:-1]
    length = np.hypot(*step.T)[same_lane]
    assert length.max() < 1.6  # the outside of tight curves stretches the 1 m s-steps
    assert np.median(length) == pytest.approx(1.0, abs=0.05)
    direction = np.arctan2(step[same_lane, 1], step[same_lane, 0])
    long_enough = length > 0.3
    error = np.abs(wrap_angle(direction - network.points[:-1][same_lane, 2]))[long_enough]
    assert error.max() < np.radians(20.0)
    assert np.all(np.diff(network.s)[same_lane] > 0.0)


def test_neighbours_lie_on_their_side_in_the_internal_frame(town):
    network = town("Town03")
    checked = 0
    for lane, side in [(i, +1) for i in np.flatnonzero(network.lane_left >= 0)] + [
        (i, -1) for i in np.flatnonzero(network.lane_right >= 0)
    ]:
        other = network.lane_left[lane] if side > 0 else network.lane_right[lane]
        here = network.lane_points(lane)[0]
        offset = network.lane_points(other)[:, :2] - here[:2]
        nearest = offset[np.argmin(np.hypot(*offset.T))]
        cross = np.cos(here[2]) * nearest[1] - np.sin(here[2]) * nearest[0]
        assert np.sign(cross) == side
        assert abs(wrap_angle(network.lane_points(other)[0, 2] - here[2])) < np.pi / 2
        checked += 1
    assert checked > 50


def test_lane_at_projects_onto_the_lane_and_heading_picks_the_direction(town):
    network = town("Town01")
    lane = int(np.flatnonzero((network.lane_oncoming >= 0) & ~network.lane_is_junction)[0])
    p = int(network.lane_offsets[lane]) + 5
    x, y, heading = network.points[p]
    shifted = np.array([x, y]) + 0.4 * np.array([-np.sin(heading), np.cos(heading)])
    found, s = network.lane_at(shifted)
    assert found == lane and s == pytest.approx(network.s[p], abs=0.05)
    opposite, _ = network.lane_at(np.array([x, y]), heading=heading + np.pi)
    assert opposite != lane and abs(wrap_angle(network.lane_points(opposite)[0, 2] - heading)) > np.pi / 2


def test_map_polygons_are_well_formed_and_cover_every_lane(town):
    network = town("Town01")
    polygons = network.map_polygons
    assert np.unique(polygons.tokens).size == polygons.num_polygons
    assert polygons.offsets[0] == 0 and polygons.offsets[-1] == polygons.vertices.shape[0]
    assert np.all(np.diff(polygons.offsets) >= 3)
    layers = polygons.layers
    assert np.array_equal(layers[: network.num_lanes] == MapLayer.LANE_CONNECTOR, network.lane_is_junction)
    assert np.count_nonzero(layers == MapLayer.INTERSECTION) >= 12  # Town01 has 12 junctions
    rings = [polygons.ring(i) for i in range(polygons.num_polygons)]
    assert all(np.hypot(*(r[0] - r[-1])) > 0 for r in rings)  # open rings
    drivable = shapely.union_all(
        [
            shapely.Polygon(r)
            for r, layer in zip(rings, layers, strict=True)
            if layer in (MapLayer.ROADBLOCK, MapLayer.INTERSECTION)
        ]
    )
    assert np.all(shapely.intersects(drivable, shapely.points(network.points[:, :2])))
    lane_polygon = shapely.Polygon(polygons.ring(3))
    assert np.all(shapely.intersects(lane_polygon, shapely.points(network.lane_points(3)[:, :2])))


def test_traffic_lights_are_one_row_per_physical_light(town):
    network = town("Town01")
    lights = network.traffic_lights
    assert lights.count == 36  # 72 landmark entries in the client, 36 distinct signal ids
    assert np.unique(lights.ids).size == lights.count
    assert np.all(np.diff(lights.lane_offsets) >= 1)
    assert np.all(network.lane_is_junction[lights.lanes])
    owners = lights.signal_of_lane()
    assert len(owners) == lights.lanes.size  # no lane is controlled by two lights
    for row, lane in zip(lights.stop_points, lights.lanes, strict=True):
        assert network.locate(row).lane == lane or network.locate(row).distance < 0.5


def test_speed_limits_crosswalks_and_geo(town):
    town01, town03 = town("Town01"), town("Town03")
    assert np.allclose(town01.lane_speed_limits, 25 * 0.44704)  # 25 mph everywhere, junctions inherit
    assert town03.crosswalk_offsets.size - 1 == 73
    ring = town03.crosswalk(0)
    assert ring.shape[0] >= 3 and np.hypot(*(ring[0] - ring[-1])) > 0.1
    assert (town01.geo.lat_ref, town01.geo.lon_ref) == (0.0, 0.0)
