"""Any sensor list is accepted or refused with SensorConfigurationInvalid naming the sensor; resolution has a limit."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.world.sensors import (
    ALLOWED_TYPES,
    MAX_CAMERA_PIXELS,
    MAX_CAMERA_SIDE,
    SensorConfigurationInvalid,
    SensorTrack,
    validate_sensor_specs,
)

CAMERA = {"type": "sensor.camera.rgb", "id": "front", "x": 1.3, "y": 0.0, "z": 2.3, "roll": 0.0, "pitch": 0.0,
          "yaw": 0.0, "width": 400, "height": 300, "fov": 100}  # fmt: skip
VALUES = st.none() | st.booleans() | st.integers(-10, 10_000) | st.floats() | st.text(max_size=5) | st.just([1])
SPEC = st.dictionaries(
    st.sampled_from(["type", "id", "x", "y", "z", "roll", "pitch", "yaw", "width", "height", "fov",
                     "reading_frequency", "horizontal_fov", "vertical_fov"]),
    VALUES | st.sampled_from(ALLOWED_TYPES),
    max_size=12,
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(SPEC | st.builds(lambda d: {**CAMERA, **d}, SPEC) | VALUES, max_size=4), st.sampled_from(SensorTrack))
def test_any_sensor_list_is_valid_or_refused_clearly(specs, track) -> None:
    try:
        validate_sensor_specs(specs, track)
    except SensorConfigurationInvalid as error:
        assert str(error)
        return
    for spec in specs:
        assert isinstance(spec["id"], str) and spec["type"] in ALLOWED_TYPES


@pytest.mark.parametrize("width,height", [(8000, 8000), (MAX_CAMERA_SIDE + 1, 10), (10, MAX_CAMERA_SIDE + 1)])
def test_a_huge_camera_is_refused_before_anything_is_allocated(width, height) -> None:
    with pytest.raises(SensorConfigurationInvalid, match=f"{width} x {height} px exceeds"):
        validate_sensor_specs([{**CAMERA, "width": width, "height": height}])


def test_cameras_share_a_pixel_budget() -> None:
    side = MAX_CAMERA_SIDE
    cameras = [{**CAMERA, "id": f"cam{i}", "width": side, "height": side // 2} for i in range(3)]
    assert 3 * side * (side // 2) > MAX_CAMERA_PIXELS
    with pytest.raises(SensorConfigurationInvalid, match="budget"):
        validate_sensor_specs(cameras)
    validate_sensor_specs(cameras[:2])


@pytest.mark.parametrize("key,value", [("width", "wide"), ("fov", None), ("x", "near"), ("yaw", float("nan"))])
def test_non_numeric_values_name_the_sensor_and_key(key, value) -> None:
    with pytest.raises(SensorConfigurationInvalid, match=f"sensor id 'front'.*{key}"):
        validate_sensor_specs([{**CAMERA, key: value}])
